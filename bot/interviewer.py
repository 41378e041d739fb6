"""The interview session graph (LangGraph): typed state, small verb-named nodes, and transitions."""

from __future__ import annotations

import re
import time
from typing import Any, TypedDict

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph

from bot.critic import SCORED, Critique, Target
from bot.guard import fence
from bot.llm import LLMFailure
from bot.prompts import render
from bot.questions import Question, pick_next, target_difficulty
from bot.rubric import DIMENSIONS

HINT_PENALTY = 0.5
FOLLOW_UP_BELOW = 3.5  # ask a probe when the weakest core dimension scores under this
MAX_PROBES = 2
ROLE_LABELS = {
    "foundation": "foundation-model PM",
    "platform": "AI platform / infrastructure PM",
    "feature": "AI feature PM",
    "vertical": "vertical AI application PM",
}
GUIDE_FOR = {
    "evaluation": "evaluation",
    "failure_modes": "failure-modes",
    "product_judgment": "role-types",
    "communication": "portfolio",
}
_END = re.compile(r"^\s*(end|stop|quit|finish|exit|end (the )?interview|i'?m done)\s*[.!]?\s*$", re.I)
_SKIP = re.compile(r"^\s*(skip|pass|next( question)?|skip (this|it))\s*[.!]?\s*$", re.I)
_HINT = re.compile(r"^\s*((give me |can i (get|have) |i need )?a? ?hint|help)\s*[.!?]?\s*$", re.I)
_ASKING = re.compile(r"^\s*(what|which|who|when|where|how|is|are|do|does|can|could|should|would|may|am)\b", re.I)


class InterviewState(TypedDict, total=False):
    """Everything about one session; checkpointed after every step."""

    session_id: str
    candidate: str
    role: str
    domain: str | None
    background: str
    total: int
    difficulty: int
    input: str
    intent: str
    asked: list[str]
    covered: list[str]
    current: str | None
    prompt: str
    probes: int
    probed: list[str]
    hints: int
    context: list[dict[str, str]]
    results: list[dict[str, Any]]
    transcript: list[dict[str, str]]
    outbox: list[dict[str, str]]
    pending_turn: int
    last_answer: dict[str, Any]
    last_critique: dict[str, Any] | None
    notices: list[str]
    done: bool
    summary: dict[str, Any] | None
    usage: dict[str, Any]
    custom: list[dict[str, Any]]
    focus: list[str]
    assignment_id: int | None
    time_limit_s: int | None


def classify(text: str, state: InterviewState) -> str:
    """What the candidate's input asks for; anything unrecognised is treated as an answer."""
    if state.get("done"):
        return "done"
    if not state.get("current"):
        return "start"
    if not text.strip():
        return "empty"
    if _END.match(text):
        return "end"
    if _SKIP.match(text):
        return "skip"
    if _HINT.match(text):
        return "hint"
    if text.strip().endswith("?") and len(text.split()) <= 30 and _ASKING.match(text):
        return "clarify"
    return "answer"


class Interviewer:
    """Builds the graph; nodes close over the coach's collaborators (settings, bank, store, LLM)."""

    def __init__(self, coach: Any) -> None:
        self.coach = coach
        self.settings = coach.settings

    # -- helpers ---------------------------------------------------------------------------------------

    def _say(self, state: InterviewState, text: str, kind: str = "message") -> dict[str, Any]:
        message = {"role": "assistant", "content": text, "kind": kind}
        return {"transcript": [*state.get("transcript", []), message], "outbox": [*state.get("outbox", []), message]}

    def _question(self, state: InterviewState, qid: str) -> Question:
        """A bank question, or one of the assignment's custom questions (kept in the state)."""
        for item in state.get("custom", []):
            if item["id"] == qid:
                return Question.model_validate(item)
        return self.coach.bank.by_id[qid]

    def _target(self, state: InterviewState) -> Target:
        return Target.of(self._question(state, str(state["current"])))

    def _phrase(self, state: InterviewState, template: str, fallback: str, **variables: Any) -> tuple[str, list[str]]:
        """LLM wording when a model is configured; the bank's own wording otherwise or on failure."""
        llm = self.coach.llm
        if llm is None:
            return fallback, []
        system = render(
            self.settings.prompts_dir,
            "interviewer_system",
            role_label=ROLE_LABELS[state["role"]],
            domain=state.get("domain"),
            background=state["background"],
        )
        history = [
            HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"])
            for m in state.get("transcript", [])[-4:]
        ]
        try:
            text = "".join(
                llm.stream(
                    [
                        SystemMessage(system),
                        *history,
                        HumanMessage(render(self.settings.prompts_dir, template, **variables)),
                    ],
                    self.coach.usage_for(state),
                )
            )
            return (text.strip() or fallback), []
        except LLMFailure:
            return fallback, ["The AI interviewer is unavailable right now, so this comes from the question bank."]

    # -- nodes -----------------------------------------------------------------------------------------

    def take_input(self, state: InterviewState) -> dict[str, Any]:
        return {"intent": classify(state.get("input", ""), state), "outbox": [], "notices": [], "last_critique": None}

    def pick_question(self, state: InterviewState) -> dict[str, Any]:
        asked = list(state.get("asked", []))
        if len(asked) >= state["total"]:
            return {"current": None}
        recent = [r["overall"] for r in state.get("results", []) if r.get("overall") is not None]
        level = target_difficulty(state["difficulty"], recent)
        custom = [Question.model_validate(item) for item in state.get("custom", [])]
        pool = self.coach.bank.filter(state["role"], state.get("domain"))
        covered, focus = set(state.get("covered", [])), frozenset(state.get("focus", []))
        question = next((q for q in custom if q.id not in asked), None)  # a coach's own questions come first
        if question is None:
            seen = set(asked) | self.coach.store.asked_questions(state["candidate"])
            question = pick_next(pool, seen, covered, state["background"], level, state["session_id"], focus)
        if question is None and len(asked) < len(pool):  # the candidate has seen them all: allow repeats
            question = pick_next(pool, set(asked), covered, state["background"], level, state["session_id"], focus)
        if question is None:
            return {"current": None}
        context = [
            hit.as_dict()
            for topic in ("evaluation", "failure-modes", None)
            for hit in self.coach.retrieve(question.text, role=state["role"], topic=topic)[: 1 if topic else 2]
        ]
        return {
            "current": question.id,
            "asked": [*asked, question.id],
            "probes": 0,
            "probed": [],
            "hints": 0,
            "covered": sorted({*state.get("covered", []), *question.skills}),
            "context": context,
        }

    def ask_question(self, state: InterviewState) -> dict[str, Any]:
        question = self._question(state, str(state["current"]))
        number = len(state["asked"])
        excerpt = state["context"][0]["text"] if state.get("context") else ""
        text, notices = self._phrase(
            state,
            "ask_question",
            question.text,
            number=number,
            total=state["total"],
            question=question.text,
            context=excerpt,
        )
        header = f"**Question {number} of {state['total']}** · {', '.join(question.skills)} · difficulty {question.difficulty}"
        return {
            **self._say(state, f"{header}\n\n{text}", "question"),
            "prompt": text,
            "notices": [*state.get("notices", []), *notices],
        }

    def record_answer(self, state: InterviewState) -> dict[str, Any]:
        """Persist the answer before anything else (critique, LLM) runs."""
        kind = "follow_up" if state.get("probes") else "answer"
        turn = self.coach.store.add_turn(state["session_id"], kind, state["prompt"], state["input"], state["current"])
        message = {"role": "user", "content": state["input"], "kind": kind}
        return {
            "pending_turn": turn,
            "transcript": [*state.get("transcript", []), message],
            "last_answer": {"text": state["input"], "at": time.time()},
        }

    def critique_answer(self, state: InterviewState) -> dict[str, Any]:
        target = self._target(state)
        result: Critique = self.coach.critique(target, state["input"], state)
        self.coach.store.attach_critique(state["pending_turn"], result.model_dump())
        results = list(state.get("results", []))
        entry = next((r for r in results if r["question_id"] == state["current"]), None)
        if entry is None:
            entry = {
                "question_id": state["current"],
                "question": target.text,
                "scores": dict(result.dimensions),
                "hints": state.get("hints", 0),
                "skipped": False,
                "gaps": list(result.gaps)[:3],
                "citations": [c.topic for c in result.citations],
            }
            results.append(entry)
        else:  # a follow-up can only raise the probed dimension
            probed = state["probed"][-1]
            entry["scores"][probed] = max(entry["scores"][probed], result.dimensions[probed])
        entry["hints"] = state.get("hints", 0)
        entry["overall"] = max(1.0, self.coach.rubric.overall(entry["scores"]) - HINT_PENALTY * entry["hints"])
        dims = ", ".join(f"{d.replace('_', ' ')} {s:g}" for d, s in result.dimensions.items())
        said = self._say(
            state, f"Feedback: **{result.overall:g}/5** ({dims}). See the critique card for details.", "critique"
        )
        return {
            **said,
            "results": results,
            "last_critique": result.model_dump(),
            "notices": [*state.get("notices", []), *result.notices],
        }

    def route_after_critique(self, state: InterviewState) -> str:
        entry = next(r for r in state["results"] if r["question_id"] == state["current"])
        open_dims = [d for d in SCORED if d not in state.get("probed", [])]
        if state.get("probes", 0) >= MAX_PROBES or not open_dims:
            return "next"
        weakest = min(open_dims, key=lambda d: entry["scores"][d])
        return "follow_up" if entry["scores"][weakest] < FOLLOW_UP_BELOW else "next"

    def ask_follow_up(self, state: InterviewState) -> dict[str, Any]:
        entry = next(r for r in state["results"] if r["question_id"] == state["current"])
        open_dims = [d for d in SCORED if d not in state.get("probed", [])]
        weakest = min(open_dims, key=lambda d: entry["scores"][d])
        question = self._question(state, str(state["current"]))
        probe = next(
            (f.text for f in question.follow_ups if f.dimension == weakest), self.coach.rubric.dimensions[weakest].probe
        )
        text, notices = self._phrase(
            state, "follow_up", probe, dimension=weakest.replace("_", " "), probe=probe, answer=fence(state["input"])
        )
        return {
            **self._say(state, f"**Follow-up** ({weakest.replace('_', ' ')}): {text}", "follow_up"),
            "prompt": text,
            "probes": state.get("probes", 0) + 1,
            "probed": [*state.get("probed", []), weakest],
            "notices": [*state.get("notices", []), *notices],
        }

    def skip_question(self, state: InterviewState) -> dict[str, Any]:
        self.coach.store.add_turn(state["session_id"], "skip", state["prompt"], state["input"], state["current"])
        results = list(state.get("results", []))
        if not any(r["question_id"] == state["current"] for r in results):
            results.append(
                {
                    "question_id": state["current"],
                    "question": self._target(state).text,
                    "skipped": True,
                    "scores": None,
                    "overall": None,
                    "hints": state.get("hints", 0),
                }
            )
        return {**self._say(state, "Skipped. Let's move on.", "notice"), "results": results}

    def give_hint(self, state: InterviewState) -> dict[str, Any]:
        self.coach.store.add_turn(state["session_id"], "hint", state["prompt"], state["input"], state["current"])
        hints = state.get("hints", 0) + 1
        context = state.get("context") or []
        chunk = context[min(hints - 1, len(context) - 1)] if context else None
        if chunk is None:
            tip = self.coach.rubric.dimensions["evaluation"].probe
        else:
            body = chunk["text"].split("\n\n", 1)[-1]
            tip = " ".join(re.split(r"(?<=[.!?])\s+", body)[:2])
            tip = f"From the guide *{chunk['heading']}* ({chunk['topic']}): {tip}"
        return {
            **self._say(state, f"**Hint** (costs {HINT_PENALTY:g} points on this question): {tip}", "hint"),
            "hints": hints,
        }

    def clarify(self, state: InterviewState) -> dict[str, Any]:
        self.coach.store.add_turn(state["session_id"], "clarify", state["prompt"], state["input"], state["current"])
        fallback = (
            "Good question. Where the scenario is silent, state a reasonable assumption out loud and carry on; "
            "choosing and defending assumptions is part of what I'm listening for."
        )
        text, notices = self._phrase(
            state,
            "clarify",
            fallback,
            question=state["prompt"],
            clarification=fence(state["input"], "clarifying_question"),
        )
        return {**self._say(state, text, "clarify"), "notices": [*state.get("notices", []), *notices]}

    def nudge(self, state: InterviewState) -> dict[str, Any]:
        text = "I didn't catch an answer. Type your answer, or `hint`, `skip` or `end`."
        return {**self._say(state, text, "notice"), "notices": ["The answer was empty; nothing was recorded."]}

    def wrap_up(self, state: InterviewState) -> dict[str, Any]:
        usage = self.coach.usage_for(state).as_dict()  # includes this run's calls, unlike state["usage"]
        summary = summarize(state, self.coach, usage)
        self.coach.store.finish(state["session_id"], summary, usage)
        return {**self._say(state, summary["text"], "summary"), "done": True, "summary": summary, "current": None}

    def already_done(self, state: InterviewState) -> dict[str, Any]:
        return self._say(state, "This interview has ended. Start a new one to keep practising.", "notice")

    # -- wiring ----------------------------------------------------------------------------------------

    def build(self, checkpointer: Any) -> Any:
        graph = StateGraph(InterviewState)
        for name in (
            "take_input",
            "pick_question",
            "ask_question",
            "record_answer",
            "critique_answer",
            "ask_follow_up",
            "skip_question",
            "give_hint",
            "clarify",
            "nudge",
            "wrap_up",
            "already_done",
        ):
            graph.add_node(name, getattr(self, name))
        graph.add_edge(START, "take_input")
        graph.add_conditional_edges(
            "take_input",
            lambda s: s["intent"],
            {
                "start": "pick_question",
                "answer": "record_answer",
                "skip": "skip_question",
                "hint": "give_hint",
                "clarify": "clarify",
                "empty": "nudge",
                "end": "wrap_up",
                "done": "already_done",
            },
        )
        graph.add_conditional_edges(
            "pick_question", lambda s: "ask" if s.get("current") else "wrap", {"ask": "ask_question", "wrap": "wrap_up"}
        )
        graph.add_edge("record_answer", "critique_answer")
        graph.add_conditional_edges(
            "critique_answer", self.route_after_critique, {"follow_up": "ask_follow_up", "next": "pick_question"}
        )
        graph.add_edge("skip_question", "pick_question")
        for name in ("ask_question", "ask_follow_up", "give_hint", "clarify", "nudge", "wrap_up", "already_done"):
            graph.add_edge(name, END)
        return graph.compile(checkpointer=checkpointer)


def summarize(state: InterviewState, coach: Any, usage: dict[str, Any]) -> dict[str, Any]:
    """Per-dimension averages, the two biggest gaps, and which guides to read."""
    answered = [r for r in state.get("results", []) if r.get("scores")]
    averages = (
        {d: round(sum(r["scores"][d] for r in answered) / len(answered), 2) for d in DIMENSIONS} if answered else {}
    )
    overall = round(sum(r["overall"] for r in answered) / len(answered), 2) if answered else None
    weakest = sorted(averages, key=lambda d: averages[d])[:2]
    gaps = [
        {
            "dimension": d,
            "average": averages[d],
            "examples": [
                g
                for r in answered
                for g in r.get("gaps", [])
                if g.lower().startswith(coach.rubric.dimensions[d].title.lower())
            ][:2],
            "guide": f"knowledge/guides/{GUIDE_FOR[d]}.md",
        }
        for d in weakest
    ]
    topics = list(
        dict.fromkeys([GUIDE_FOR[d] for d in weakest] + [t for r in answered for t in r.get("citations", [])])
    )
    lines = ["**Interview complete.**"]
    if answered:
        lines.append(f"Overall {overall}/5 over {len(answered)} answered question(s).")
        lines += [f"- {d.replace('_', ' ')}: {averages[d]}" for d in DIMENSIONS]
        lines.append(
            "\nBiggest gaps: " + "; ".join(f"{g['dimension'].replace('_', ' ')} ({g['average']})" for g in gaps)
        )
        lines.append("\nRead next: " + ", ".join(f"`{t}`" for t in topics[:4]))
    else:
        lines.append("No questions were answered, so there is nothing to score yet.")
    return {
        "overall": overall,
        "averages": averages,
        "gaps": gaps,
        "guides": topics[:4],
        "answered": len(answered),
        "skipped": sum(1 for r in state.get("results", []) if r.get("skipped")),
        "usage": usage,
        "text": "\n".join(lines),
    }
