"""The interview API the CLI and the app call: start, submit, end, view and history of sessions."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel, Field

from bot.config import BACKGROUNDS, DOMAINS, ROLES, Settings, get_settings
from bot.critic import Critique, Target, critique_target
from bot.errors import CoachError
from bot.guard import screen
from bot.interviewer import Interviewer, InterviewState
from bot.knowledge import Hit, ensure_index, retrieve
from bot.llm import LLM, LLMFailure, Usage, make_chat_model
from bot.questions import load_bank
from bot.rubric import load_rubric
from bot.store import InterviewSession, make_store

STREAMED_NODES = ("ask_question", "ask_follow_up", "clarify")  # nodes whose model output the candidate reads
DUPLICATE_S = 15.0  # an identical answer within this many seconds is a double submit


class TurnResult(BaseModel):
    """What one call produced: new interviewer messages, the latest critique, and where the session stands."""

    session_id: str
    messages: list[dict[str, str]]
    prompt: str | None = None
    critique: dict[str, Any] | None = None
    done: bool = False
    summary: dict[str, Any] | None = None
    notices: list[str] = Field(default_factory=list)
    question_number: int = 0
    total: int = 0
    time_limit_s: int | None = None


class Coach:
    """One per process: settings, bank, rubric, store, optional LLM, and the compiled interview graph."""

    def __init__(self, settings: Settings | None = None, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings or get_settings()
        self.bank = load_bank(self.settings.questions_dir)
        self.rubric = load_rubric(self.settings.rubric_path)
        self.store = make_store(self.settings)
        model = chat_model if chat_model is not None else make_chat_model(self.settings, temperature=0.0)
        self.llm = LLM(model, self.settings) if model is not None else None
        ensure_index(self.settings)  # ingests (and says so) when the index is missing or stale
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.settings.checkpoint_path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        self.graph = Interviewer(self).build(SqliteSaver(conn))
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._usage: dict[str, Usage] = {}

    # -- collaborators used by the graph's nodes ----------------------------------------------------------

    def retrieve(self, text: str, role: str, topic: str | None = None) -> list[Hit]:
        return retrieve(self.settings, text, k=3, role=role, topic=topic)

    def usage_for(self, state: InterviewState) -> Usage:
        """The usage of the run in progress for this session (rebuilt from the checkpointed state per run)."""
        return self._usage.setdefault(state["session_id"], Usage())

    def critique(self, target: Target, answer: str, state: InterviewState) -> Critique:
        offline = critique_target(target, answer, self.settings)
        if self.llm is None or "addressed_grader" in offline.flags:
            return offline
        from bot.llm_critic import llm_critique

        screened = screen(answer, self.settings.answer_token_limit).text
        try:
            return llm_critique(
                self.llm, self.settings.prompts_dir, target, screened, self.rubric, offline, self.usage_for(state)
            )
        except LLMFailure:
            notice = "The AI critic failed twice, so this critique comes from the offline critic."
            return offline.model_copy(update={"notices": [*offline.notices, notice]})

    # -- the API ------------------------------------------------------------------------------------------

    def _lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def _config(self, session_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": session_id}}

    def state(self, session_id: str) -> InterviewState:
        snapshot = self.graph.get_state(self._config(session_id))
        if not snapshot.values:
            raise CoachError(f"no interview with id {session_id!r}; start a new one")
        return InterviewState(**snapshot.values)

    def _run(
        self, session_id: str, update: dict[str, Any], on_token: Callable[[str], None] | None = None
    ) -> TurnResult:
        config = self._config(session_id)
        prior = self.graph.get_state(config).values or {}
        saved = prior.get("usage", {})
        usage = Usage(
            input_tokens=int(saved.get("input_tokens", 0)),
            output_tokens=int(saved.get("output_tokens", 0)),
            cost_usd=float(saved.get("cost_usd", 0.0)),
            calls=list(saved.get("per_call", [])),
        )
        self._usage[session_id] = usage  # read by the nodes through usage_for() during this run only
        try:
            out = self._stream_or_invoke(config, update, on_token)
        finally:
            self._usage.pop(session_id, None)
        if len(usage.calls) > len(saved.get("per_call", [])):
            self.graph.update_state(config, {"usage": {**usage.as_dict(), "per_call": list(usage.calls)}})
        return self._result(session_id, out)

    def _stream_or_invoke(
        self, config: dict[str, Any], update: dict[str, Any], on_token: Callable[[str], None] | None
    ) -> dict[str, Any]:
        """Run the graph once; with `on_token`, pass on what the interviewer model writes as it streams."""
        if on_token is None:
            return dict(self.graph.invoke(update, config, durability="sync"))
        out: dict[str, Any] = {}
        for mode, chunk in self.graph.stream(update, config, stream_mode=["messages", "values"], durability="sync"):
            if mode == "values":
                out = chunk
            elif (
                chunk[1].get("langgraph_node") in STREAMED_NODES
                and isinstance(piece := chunk[0].content, str)
                and piece
            ):
                on_token(piece)
        return dict(out)

    def _result(self, session_id: str, values: dict[str, Any]) -> TurnResult:
        return TurnResult(
            session_id=session_id,
            messages=list(values.get("outbox", [])),
            prompt=values.get("prompt"),
            critique=values.get("last_critique"),
            done=bool(values.get("done")),
            summary=values.get("summary"),
            notices=list(values.get("notices", [])),
            question_number=len(values.get("asked", [])),
            total=int(values.get("total", 0)),
            time_limit_s=values.get("time_limit_s"),
        )

    def start(
        self,
        role: str = "feature",
        domain: str | None = None,
        background: str = "pm",
        questions: int = 5,
        difficulty: int = 2,
        candidate: str | None = None,
        assignment: str | None = None,
        candidate_name: str | None = None,
        candidate_email: str | None = None,
    ) -> TurnResult:
        """Start a session and ask the first question; with an assignment code, its settings win."""
        extra: dict[str, Any] = {}
        opened = None
        if assignment:
            from bot.coach import interview_settings, open_assignment

            opened = open_assignment(self.store, assignment)
            plan = interview_settings(opened)
            role, domain, questions, difficulty = plan["role"], plan["domain"], plan["questions"], plan["difficulty"]
            extra = {
                "custom": [q.model_dump() for q in plan["custom_questions"]],
                "focus": plan["skill_focus"],
                "assignment_id": opened.id,
                "time_limit_s": plan["time_limit_s"],
            }
        if role not in ROLES:
            raise CoachError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if role == "vertical" and domain not in DOMAINS:
            raise CoachError(f"a vertical role needs a domain: {', '.join(DOMAINS)}")
        domain = domain if role == "vertical" else None
        if background not in BACKGROUNDS:
            raise CoachError(f"unknown background {background!r}; choose pm or technical")
        if not 1 <= int(questions) <= 20 or not 1 <= int(difficulty) <= 3:
            raise CoachError("choose 1 to 20 questions and a difficulty from 1 to 3")
        session_id = secrets.token_urlsafe(16)
        candidate = candidate or secrets.token_urlsafe(16)
        if opened is not None:
            from bot.coach import start_attempt_record

            record = {"background": background, "questions": int(questions), "role": role, "domain": domain}
            start_attempt_record(self.store, opened, candidate_name or "", candidate_email, session_id, candidate)
            with self.store.session() as db:
                row = db.get(InterviewSession, session_id)
                for key, value in record.items():
                    setattr(row, key, value)
        else:
            self.store.create_session(
                id=session_id,
                candidate=candidate,
                role=role,
                domain=domain,
                background=background,
                questions=int(questions),
            )
        initial: dict[str, Any] = {
            "session_id": session_id,
            "candidate": candidate,
            "role": role,
            "domain": domain,
            "background": background,
            "total": int(questions),
            "difficulty": int(difficulty),
            "input": "",
            "asked": [],
            "covered": [],
            "results": [],
            "transcript": [],
            "done": False,
            "usage": {},
            **extra,
        }
        with self._lock(session_id):
            return self._run(session_id, initial)

    def submit(self, session_id: str, text: str, on_token: Callable[[str], None] | None = None) -> TurnResult:
        """Take one input (answer, follow-up answer, `skip`, `hint`, a clarifying question or `end`).

        With `on_token`, text the interviewer model writes (questions, follow-ups, clarifications) is passed to
        it piece by piece as it streams; the return value is the same.
        """
        text = text if isinstance(text, str) else ""
        with self._lock(session_id):
            state = self.state(session_id)
            screened = screen(text, self.settings.answer_token_limit)
            last = state.get("last_answer") or {}
            if (
                screened.text.strip()
                and last.get("text") == screened.text
                and time.time() - last.get("at", 0) < DUPLICATE_S
            ):
                # the same answer again within seconds (double click, resend): nothing new is recorded
                result = self._result(session_id, dict(state))
                return result.model_copy(update={"messages": [], "notices": ["That answer was already received."]})
            out = self._run(session_id, {"input": screened.text}, on_token)
            if screened.truncated:
                out.notices.append(f"The answer was over {self.settings.answer_token_limit} tokens and was truncated.")
            return out

    def end(self, session_id: str) -> TurnResult:
        """End the session now and return the summary."""
        with self._lock(session_id):
            state = self.state(session_id)
            if state.get("done"):
                return self._result(session_id, dict(state)).model_copy(update={"messages": []})
            return self._run(session_id, {"input": "end"})

    def view(self, session_id: str) -> dict[str, Any]:
        """The whole session as stored: transcript, results, current prompt, summary (for resume and reports)."""
        state = self.state(session_id)
        keys = (
            "session_id",
            "candidate",
            "role",
            "domain",
            "background",
            "total",
            "asked",
            "prompt",
            "results",
            "transcript",
            "done",
            "summary",
            "usage",
            "last_critique",
        )
        return {k: state.get(k) for k in keys}

    def history(self, candidate: str) -> list[dict[str, Any]]:
        """A candidate's past sessions, oldest first, with per-dimension averages."""
        return [
            {
                "session_id": s.id,
                "role": s.role,
                "domain": s.domain,
                "started": s.started.isoformat(),
                "finished": s.finished.isoformat() if s.finished else None,
                "overall": s.overall,
                "averages": (s.summary or {}).get("averages", {}),
            }
            for s in self.store.history(candidate)
        ]
