"""The interview graph (LangGraph): small verb-named nodes over typed state, with typed collaborators."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from bot.content.questions import Question, QuestionBank
from bot.content.rubric import Rubric
from bot.content.vocabulary import ROLE_LABELS, label
from bot.critic.guard import fence
from bot.critic.model import Citation, Critique, Target
from bot.critic.offline import Probe
from bot.interview.hints import HINTS_FILE, HintBook, clarification, hint_text, load_hints
from bot.interview.policy import HINT_PENALTY, choose_question, classify, probe_dimension, record_critique
from bot.interview.retry import AttemptLog
from bot.interview.state import ENDED, SKIPPED, InterviewState, Message, QuestionResult, kept_critique
from bot.interview.summary import summarize
from bot.llm.chat import LLM, LLMFailure, Usage
from bot.llm.prompts import render
from bot.text import inert_markdown

BANK_FALLBACK = "The AI interviewer is unavailable right now, so this comes from the question bank."


LATE_NOTICE = "This answer came in after its time limit: it is recorded, marked late, and your coach sees that."
# What an ended interview's archive leaves out: per-run scratch and the retrieved guide excerpts (large, re-findable).
NOT_ARCHIVED = {"input", "intent", "outbox", "context", "pending_turn", "last_answer", "usage"}
NODES = (
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
)
ROUTE_BY_INTENT: dict[Hashable, str] = {
    "start": "pick_question",
    "answer": "record_answer",
    "skip": "skip_question",
    "hint": "give_hint",
    "clarify": "clarify",
    "empty": "nudge",
    "end": "wrap_up",
    "done": "already_done",
}


class AnswerCritic(Protocol):
    """Critiques an answer against a target, or a follow-up answer against what it probed (see `Critic`)."""

    def __call__(
        self, target: Target, answer: str, usage: Usage | None = None, probe: Probe | None = None
    ) -> Critique: ...


class GuideSearch(Protocol):
    """Guide excerpts for a text, filtered by role and optionally topic."""

    def __call__(self, text: str, role: str, topic: str | None = None) -> list[Citation]: ...


class TurnLog(AttemptLog, Protocol):
    """Where turns and finished sessions are written (see `bot.storage.store.Store`)."""

    def finish(
        self, session_id: str, summary: dict[str, Any], usage: dict[str, Any], archive: dict[str, Any] | None = None
    ) -> None: ...

    def asked_questions(self, candidate: str) -> set[str]: ...


@dataclass(frozen=True)
class Collaborators:
    """Everything the nodes use besides the state."""

    bank: QuestionBank
    rubric: Rubric
    turns: TurnLog
    critic: AnswerCritic
    search: GuideSearch
    llm: LLM | None
    prompts_dir: Path
    guides_dir: Path


def run_usage(config: RunnableConfig) -> Usage:
    """The usage of the run in progress, passed in the run's config by the service."""
    usage = (config.get("configurable") or {}).get("usage")
    return usage if isinstance(usage, Usage) else Usage()


class InterviewGraph:
    """The nodes of the interview and how they connect; `build` compiles it with a checkpointer."""

    def __init__(self, deps: Collaborators) -> None:
        self.deps = deps

    @property
    def hint_book(self) -> HintBook:
        """The wording of offline hints and clarifications (knowledge/hints.yaml, beside the guides)."""
        return load_hints(self.deps.guides_dir.parent / HINTS_FILE)

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _say(
        state: InterviewState, text: str, kind: str = "message", critique: Critique | None = None
    ) -> dict[str, Any]:
        message = Message(role="assistant", content=text, kind=kind)
        kept = message if critique is None else message.model_copy(update={"critique": kept_critique(critique)})
        return {"transcript": [*state.transcript, kept], "outbox": [*state.outbox, message]}

    def question(self, state: InterviewState, qid: str | None = None) -> Question:
        """A bank question, or one of the plan's custom questions (kept in the state)."""
        qid = qid or str(state.current)
        return next((q for q in state.custom if q.id == qid), None) or self.deps.bank.by_id[qid]

    def _phrase(
        self, state: InterviewState, config: RunnableConfig, template: str, fallback: str, **variables: Any
    ) -> tuple[str, list[str]]:
        """LLM wording when a model is configured; the bank's own wording otherwise or on failure."""
        llm = self.deps.llm
        if llm is None:
            return fallback, []
        system = render(
            self.deps.prompts_dir,
            "interviewer_system",
            role_label=ROLE_LABELS[state.role],
            domain=state.domain,
            background=state.background,
        )
        history = [HumanMessage(m.content) if m.role == "user" else AIMessage(m.content) for m in state.transcript[-4:]]
        prompt = HumanMessage(render(self.deps.prompts_dir, template, **variables))
        try:
            text = "".join(llm.stream([SystemMessage(system), *history, prompt], run_usage(config)))
            return (text.strip() or fallback), []
        except LLMFailure:
            return fallback, [BANK_FALLBACK]

    def _log(self, state: InterviewState, kind: str, late: bool = False) -> tuple[int, dict[str, Any]]:
        """Store the input as the session's next turn; returns its id and the state update that counts it.

        The number comes from the checkpointed state, so the same input run again after a crash (which left
        the checkpoint before this turn) is the same turn, and the store keeps it once.
        """
        seq = None if state.logged is None else state.logged + 1
        turn = self.deps.turns.add_turn(
            state.session_id, kind, state.prompt or "", state.input, state.current, seq, late
        )
        return turn, ({} if seq is None else {"logged": seq})

    # -- nodes -----------------------------------------------------------------------------------------

    def take_input(self, state: InterviewState) -> dict[str, Any]:
        return {"intent": classify(state.input, state), "outbox": [], "notices": [], "last_critique": None}

    def pick_question(self, state: InterviewState) -> dict[str, Any]:
        if len(state.asked) >= state.total:
            return {"current": None}
        pool = self.deps.bank.filter(state.role, state.domain)
        question = choose_question(state, pool, lambda: self.deps.turns.asked_questions(state.candidate))
        if question is None:
            return {"current": None}
        context = [
            hit
            for topic in ("evaluation", "failure-modes", None)
            for hit in self.deps.search(question.text, state.role, topic)[: 1 if topic else 2]
        ]
        return {
            "current": question.id,
            "asked": [*state.asked, question.id],
            "probes": 0,
            "probed": [],
            "question_critique": None,
            "hints": 0,
            "covered": sorted({*state.covered, *question.skills}),
            "context": context,
        }

    def ask_question(self, state: InterviewState, config: RunnableConfig) -> dict[str, Any]:
        question = self.question(state)
        number = len(state.asked)
        excerpt = state.context[0].text if state.context else ""
        text, notices = self._phrase(
            state,
            config,
            "ask_question",
            question.text,
            number=number,
            total=state.total,
            question=question.text,
            context=excerpt,
        )
        header = (
            f"**Question {number} of {state.total}** · {', '.join(question.skills)} · difficulty {question.difficulty}"
        )
        return {
            **self._say(state, f"{header}\n\n{self._shown(state, question, text)}", "question"),
            "prompt": text,
            "asked_at": time.time(),
            "notices": [*state.notices, *notices],
        }

    def record_answer(self, state: InterviewState) -> dict[str, Any]:
        """Persist the answer before anything else (critique, LLM) runs."""
        kind = "follow_up" if state.probes else "answer"
        late = state.is_late(time.time())
        turn, logged = self._log(state, kind, late)
        message = Message(role="user", content=state.input, kind=kind)
        return {
            "pending_turn": turn,
            **logged,
            "transcript": [*state.transcript, message],
            "last_answer": {"text": state.input, "at": time.time()},
            **({"notices": [*state.notices, LATE_NOTICE]} if late else {}),
        }

    def critique_answer(self, state: InterviewState, config: RunnableConfig) -> dict[str, Any]:
        question = self.question(state)
        target = Target.of(question)
        base = state.question_critique  # not last_critique: every input clears that, before this node runs
        probe = None
        if state.probes and state.probed and base is not None and base.graded:
            probe = Probe(state.probed[-1], state.prompt or "", base, self._earlier_answers(state))
        result = self.deps.critic(target, state.input, run_usage(config), probe)
        if not result.graded:  # not gradable (another language, another question): say so, keep the question open
            if state.pending_turn is not None:
                self.deps.turns.attach_critique(state.pending_turn, result.model_dump())
            text = " ".join(result.notices) or "I could not grade that answer."
            return {**self._say(state, text, "notice"), "last_critique": result, "ungraded": True}
        results = record_critique(state, target.text, result, self.deps.rubric)
        nxt = probe_dimension(state.model_copy(update={"results": results}))
        result = result.model_copy(
            update={
                "follow_up": self._probe_text(question, nxt) if nxt else None,
                "follow_up_dimension": nxt,
            }
        )
        if state.pending_turn is not None:
            self.deps.turns.attach_critique(state.pending_turn, result.model_dump())
        dims = ", ".join(f"{label(d).lower()} {s:g}" for d, s in result.dimensions.items())
        said = self._say(
            state,
            f"Feedback: **{result.overall:g}/5** ({dims}). See the critique card for details.",
            "critique",
            result,
        )
        return {
            **said,
            "results": results,
            "last_critique": result,
            "question_critique": result,
            "ungraded": False,
            "notices": [*state.notices, *result.notices],
        }

    @staticmethod
    def _earlier_answers(state: InterviewState) -> str:
        """The candidate's answers to the current question before this one (the transcript since it was asked)."""
        start = max((n for n, m in enumerate(state.transcript) if m.kind == "question"), default=-1)
        said = [
            m.content for m in state.transcript[start + 1 :] if m.role == "user" and m.kind in ("answer", "follow_up")
        ]
        return "\n\n".join(said[:-1])  # the last one is the reply being graded

    @staticmethod
    def _shown(state: InterviewState, question: Question, text: str) -> str:
        """What the chat shows of a question or follow-up: the bank's text as written, a coach's literally.

        A coach's text (or a model's rewording of it) becomes inert Markdown: no links, images or HTML.
        """
        return inert_markdown(text) if any(q.id == question.id for q in state.custom) else text

    def _probe_text(self, question: Question, dimension: str) -> str:
        own = (f.text for f in question.follow_ups if f.dimension == dimension)
        return next(own, self.deps.rubric.dimensions[dimension].probe)

    def route_after_critique(self, state: InterviewState) -> str:
        if state.ungraded:
            return "retry"
        return "follow_up" if probe_dimension(state) else "next"

    def ask_follow_up(self, state: InterviewState, config: RunnableConfig) -> dict[str, Any]:
        weakest = probe_dimension(state) or "failure_modes"
        question = self.question(state)
        probe = self._probe_text(question, weakest)
        text, notices = self._phrase(
            state, config, "follow_up", probe, dimension=label(weakest).lower(), probe=probe, answer=fence(state.input)
        )
        return {
            **self._say(
                state, f"**Follow-up** ({label(weakest).lower()}): {self._shown(state, question, text)}", "follow_up"
            ),
            "prompt": text,
            "asked_at": time.time(),
            "probes": state.probes + 1,
            "probed": [*state.probed, weakest],
            "notices": [*state.notices, *notices],
        }

    def skip_question(self, state: InterviewState) -> dict[str, Any]:
        _, logged = self._log(state, "skip")
        results = list(state.results)
        if state.result_for(state.current) is None:
            question = self.question(state)
            results.append(
                QuestionResult(question_id=question.id, question=question.text, skipped=True, hints=state.hints)
            )
        return {**self._say(state, SKIPPED, "notice"), "results": results, **logged}

    def give_hint(self, state: InterviewState) -> dict[str, Any]:
        """A nudge on one dimension of the open question (the one a follow-up probes first), from its key points."""
        _, logged = self._log(state, "hint")
        hints = state.hints + 1
        probing = state.probed[-1] if state.probes and state.probed else None
        tip = hint_text(self.hint_book, self.deps.bank, self.question(state), hints, probing)
        text = f"**Hint** (costs {HINT_PENALTY:g} points on this question): {tip}"
        return {**self._say(state, text, "hint"), "hints": hints, **logged}

    def clarify(self, state: InterviewState, config: RunnableConfig) -> dict[str, Any]:
        """Answer a clarifying question: the model's reply, or offline the scenario's fact or the assumption to make."""
        _, logged = self._log(state, "clarify")
        question = self.question(state)
        offline = self._shown(state, question, clarification(self.hint_book, question, state.input).text)
        asking = fence(state.input, "clarifying_question")
        text, notices = self._phrase(
            state, config, "clarify", offline, question=state.prompt, grounded=offline, clarification=asking
        )
        asked = Message(role="user", content=state.input, kind="clarification")  # kept, so the chat and reports show it
        said = self._say(state.model_copy(update={"transcript": [*state.transcript, asked]}), text, "clarify")
        return {**said, "notices": [*state.notices, *notices], **logged}

    def nudge(self, state: InterviewState) -> dict[str, Any]:
        text = "I didn't catch an answer. Type your answer, or `hint`, `skip` or `end`."
        return {**self._say(state, text, "notice"), "notices": ["The answer was empty; nothing was recorded."]}

    def wrap_up(self, state: InterviewState, config: RunnableConfig) -> dict[str, Any]:
        usage = run_usage(config).as_dict()  # includes this run's calls, unlike state.usage
        summary = summarize(state, self.deps.rubric, self.deps.guides_dir, usage)
        update = {**self._say(state, summary.text, "summary"), "done": True, "summary": summary, "current": None}
        archive = state.model_copy(update=update).model_dump(mode="json", exclude=NOT_ARCHIVED)
        self.deps.turns.finish(state.session_id, summary.model_dump(), usage, archive)
        return update

    def already_done(self, state: InterviewState) -> dict[str, Any]:
        return self._say(state, ENDED, "notice")

    # -- wiring ----------------------------------------------------------------------------------------

    def build(self, checkpointer: Any) -> Any:
        graph = StateGraph(InterviewState)
        for name in NODES:
            graph.add_node(name, getattr(self, name))
        graph.add_edge(START, "take_input")
        graph.add_conditional_edges("take_input", lambda s: s.intent, dict(ROUTE_BY_INTENT))
        graph.add_conditional_edges(
            "pick_question", lambda s: "ask" if s.current else "wrap", {"ask": "ask_question", "wrap": "wrap_up"}
        )
        graph.add_edge("record_answer", "critique_answer")
        graph.add_conditional_edges(
            "critique_answer",
            self.route_after_critique,
            {"follow_up": "ask_follow_up", "next": "pick_question", "retry": END},
        )
        graph.add_edge("skip_question", "pick_question")
        for name in ("ask_question", "ask_follow_up", "give_hint", "clarify", "nudge", "wrap_up", "already_done"):
            graph.add_edge(name, END)
        return graph.compile(checkpointer=checkpointer)
