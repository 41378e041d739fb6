"""The interview service the CLI, the app and coaching call: start, submit, end, view and history of sessions."""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError

from bot.config import Settings, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.critic.critic import Critic
from bot.critic.guard import screen
from bot.critic.model import Citation, Critique
from bot.errors import CoachError
from bot.interview.retry import Retries, retry_open, retry_target
from bot.interview.state import ENDED, InterviewPlan, InterviewState, Message, Summary
from bot.llm.chat import LLM, Usage, make_chat_model
from bot.retrieval.search import retrieve
from bot.storage.faults import storage_fault
from bot.storage.store import DATABASE_BUSY, make_store

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

STREAMED_NODES = ("ask_question", "ask_follow_up", "clarify")  # nodes whose model output the candidate reads
log = logging.getLogger(__name__)
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what secrets.token_urlsafe(16) makes, with room to grow
LOCK_STRIPES = 1024  # per-session serialisation through a fixed set of locks: memory stays flat, whatever ids arrive
DURABILITY = "exit"  # checkpoint once per turn; see _stream_or_invoke
DUPLICATE_S = 15.0  # an identical answer within this many seconds is a double submit


HELD_BACK = "Your coach shows the gaps and the stronger-answer outline once you finish the interview."


def shown_critique(state: InterviewState, critique: Critique | None = None) -> Critique | None:
    """A critique (the latest by default) as the candidate may see it now: no gaps or outline while held back."""
    critique = critique or state.last_critique
    if critique is None or not state.hold_feedback or state.done:
        return critique
    return critique.model_copy(
        update={"gaps": [], "stronger_answer": [], "held_back": True, "notices": [*critique.notices, HELD_BACK]}
    )


class TurnResult(BaseModel):
    """What one call produced: new interviewer messages, the latest critique, and where the session stands."""

    session_id: str
    messages: list[Message]
    prompt: str | None = None
    critique: Critique | None = None
    done: bool = False
    summary: Summary | None = None
    notices: list[str] = Field(default_factory=list)
    question_number: int = 0
    total: int = 0
    time_limit_s: int | None = None
    deadline: float | None = None  # epoch seconds when the answer to `prompt` is due, if it is timed
    can_try_again: bool = False  # the question just critiqued may be answered again (see bot.interview.retry)

    @classmethod
    def of(cls, state: InterviewState) -> TurnResult:
        return cls(
            session_id=state.session_id,
            messages=list(state.outbox),
            prompt=state.prompt,
            critique=shown_critique(state),
            done=state.done,
            summary=state.summary,
            notices=list(state.notices),
            question_number=len(state.asked),
            total=state.total,
            time_limit_s=state.time_limit_s,
            deadline=None if state.done else state.answer_deadline(),
            can_try_again=retry_target(state) is not None and not retry_open(state),
        )


class InterviewService:
    """One per process: settings, bank, store, critic, optional LLM, and the compiled interview graph."""

    def __init__(self, settings: Settings | None = None, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings or get_settings()
        self.bank = load_bank(self.settings.questions_dir)
        self.rubric = load_rubric(self.settings.rubric_path)
        self.store = make_store(self.settings)
        model = chat_model if chat_model is not None else make_chat_model(self.settings, temperature=0.0)
        self.llm = LLM(model, self.settings) if model is not None else None
        self.critic = Critic(self.settings, self.llm)
        self.retries = Retries(self.critic, self.store, self.rubric, self.bank)
        self._graph: Any = None  # a CompiledStateGraph
        self._graph_guard = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    @property
    def graph(self) -> Any:
        """The compiled interview graph with its checkpointer, built on first use.

        LangGraph and LangChain load here rather than when the app starts, so the page is served sooner;
        the app's warm-up builds it right after launch.
        """
        if self._graph is None:
            from bot.interview.graph import Collaborators, InterviewGraph
            from bot.storage.checkpoints import make_checkpointer

            with self._graph_guard:
                if self._graph is None:
                    deps = Collaborators(
                        bank=self.bank,
                        rubric=self.rubric,
                        turns=self.store,
                        critic=self.critic,
                        search=self.search,
                        llm=self.llm,
                        prompts_dir=self.settings.prompts_dir,
                        guides_dir=self.settings.guides_dir,
                    )
                    self._graph = InterviewGraph(deps).build(make_checkpointer(self.settings))
        return self._graph

    def search(self, text: str, role: str, topic: str | None = None) -> list[Citation]:
        """Guide excerpts for the interviewer (context for phrasing and hints)."""
        hits = retrieve(self.settings, text, k=3, role=role, topic=topic)
        return [Citation(topic=h.topic, source=h.source, heading=h.heading, text=h.text) for h in hits]

    # -- running the graph ------------------------------------------------------------------------------

    @staticmethod
    def _checked(session_id: object) -> str:
        """The id, if it has the shape of one we issue; CoachError before any lock, lookup or log otherwise."""
        if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
            raise CoachError("no interview with that id (it should be 22 letters, digits, - or _); start a new one")
        return session_id

    @contextmanager
    def _lock(self, session_id: str) -> Iterator[None]:
        """Serialise this session's turns, in this process and, on PostgreSQL, across every replica.

        In process: one of LOCK_STRIPES locks, shared by a few sessions. Across replicas: an advisory lock.
        """
        stripe = self._stripes[zlib.crc32(self._checked(session_id).encode()) % LOCK_STRIPES]
        with stripe, self.store.serialised(f"session:{session_id}"):
            yield

    @staticmethod
    def _config(session_id: str, usage: Usage | None = None) -> dict[str, Any]:
        configurable: dict[str, Any] = {"thread_id": session_id}
        if usage is not None:
            configurable["usage"] = usage
        return {"configurable": configurable}

    def state(self, session_id: str) -> InterviewState:
        """The session as checkpointed, or as archived once its checkpoints were pruned; CoachError when unknown."""
        snapshot = self.graph.get_state(self._config(self._checked(session_id)))
        if snapshot.values:
            return InterviewState.model_validate(snapshot.values)
        archive = self.store.archive(session_id)
        if archive is None:
            raise CoachError(f"no interview with id {session_id!r}; start a new one")
        return InterviewState.model_validate(archive)

    def prune_checkpoints(self, older_than_days: float | None = None) -> int:
        """Delete the checkpoints of interviews that ended over the retention ago (they reopen from the archive).

        Returns how many sessions lost their checkpoints. A retention of 0 keeps everything.
        """
        days = self.settings.checkpoint_retention_days if older_than_days is None else older_than_days
        if days <= 0:
            return 0
        from bot.storage.checkpoints import prune_ended

        return prune_ended(self.graph.checkpointer, self.store, days)

    def _run(
        self,
        session_id: str,
        update: dict[str, Any],
        on_token: Callable[[str], None] | None = None,
        prior: InterviewState | None = None,
    ) -> TurnResult:
        """Run the graph on one input; `prior`: the session's state as just read (saves reading it again)."""
        if prior is None:
            stored = self.graph.get_state(self._config(session_id)).values or {}
            saved = Usage.model_validate(stored.get("usage") or {})
        else:
            saved = prior.usage
        usage = saved.model_copy(deep=True)  # the nodes add this run's calls to it
        config = self._config(session_id, usage)
        values = self._stream_or_invoke(config, update, on_token)
        if len(usage.calls) > len(saved.calls):
            self.graph.update_state(self._config(session_id), {"usage": usage})
        return TurnResult.of(InterviewState.model_validate(values))

    def _stream_or_invoke(
        self, config: dict[str, Any], update: dict[str, Any], on_token: Callable[[str], None] | None
    ) -> dict[str, Any]:
        """Run the graph once; with `on_token`, pass on what the interviewer model writes as it streams.

        The checkpoint is written when the turn's run ends (durability "exit"), not after every step: a turn
        is all or nothing, so a crash mid-turn leaves the session as it was before the answer instead of
        half-way through it, and the turn saves about 7 ms of SQLite writes. The answer itself is stored in
        the turns table before it is critiqued, whatever happens to the run.
        """
        if on_token is None:
            out = self.graph.invoke(update, config, durability=DURABILITY)
            return dict(out) if isinstance(out, dict) else out.model_dump()
        values: dict[str, Any] = {}
        for mode, chunk in self.graph.stream(update, config, stream_mode=["messages", "values"], durability=DURABILITY):
            if mode == "values":
                values = dict(chunk) if isinstance(chunk, dict) else chunk.model_dump()
            elif (
                chunk[1].get("langgraph_node") in STREAMED_NODES
                and isinstance(piece := chunk[0].content, str)
                and piece
            ):
                on_token(piece)
        return values

    # -- the API ------------------------------------------------------------------------------------------

    def start(
        self,
        role: str = "feature",
        domain: str | None = None,
        background: str = "pm",
        questions: int = 5,
        difficulty: int = 2,
        candidate: str | None = None,
        plan: InterviewPlan | None = None,
        on_created: Callable[[str, str], None] | None = None,
    ) -> TurnResult:
        """Start a session and ask the first question.

        A `plan` (a coach's assignment, a timed practice) replaces the separate settings. `on_created(session_id,
        candidate)` runs once the session row exists and before the first question is asked.
        """
        if plan is None:
            plan = InterviewPlan(
                role=role, domain=domain, background=background, questions=int(questions), difficulty=int(difficulty)
            )
        plan = plan.checked()
        session_id = secrets.token_urlsafe(16)
        candidate = candidate or secrets.token_urlsafe(16)
        self.store.create_session(
            id=session_id,
            candidate=candidate,
            role=plan.role,
            domain=plan.domain,
            background=plan.background,
            questions=plan.questions,
        )
        if on_created is not None:
            on_created(session_id, candidate)
        initial = InterviewState(
            session_id=session_id,
            candidate=candidate,
            role=plan.role,
            domain=plan.domain,
            background=plan.background,
            total=plan.questions,
            difficulty=plan.difficulty,
            custom=plan.custom,
            focus=plan.focus,
            time_limit_s=plan.time_limit_s,
            closes_at=plan.closes_at,
            hold_feedback=plan.hold_feedback,
            logged=0,
        )
        with self._lock(session_id):
            return self._run(session_id, initial.model_dump(exclude_defaults=False), prior=initial)

    def submit(self, session_id: str, text: str, on_token: Callable[[str], None] | None = None) -> TurnResult:
        """Take one input (answer, follow-up answer, `skip`, `hint`, a clarifying question or `end`).

        With `on_token`, text the interviewer model writes (questions, follow-ups, clarifications) is passed to
        it piece by piece as it streams; the return value is the same.
        """
        text = text if isinstance(text, str) else ""
        with self._lock(session_id):
            state = self.state(session_id)
            if state.done:  # nothing to run (and an archived session has no checkpoint to run from)
                said = Message(role="assistant", content=ENDED, kind="notice")
                return TurnResult.of(state).model_copy(update={"messages": [said], "notices": []})
            if state.closed(time.time()) and text.strip().lower() != "end":
                closed = datetime.fromtimestamp(state.closes_at or 0, UTC)
                raise CoachError(
                    f"this assignment closed on {closed:%d %B %Y at %H:%M} UTC, so no more answers are accepted; "
                    "copy your answer if you want to keep it, or type `end` to see your results"
                )
            screened = screen(text, self.settings.answer_token_limit)
            last = state.last_answer
            if (
                screened.text.strip()
                and last is not None
                and last.text == screened.text
                and time.time() - last.at < DUPLICATE_S
            ):
                # the same answer again within seconds (double click, resend): nothing new is recorded
                already = TurnResult.of(state)
                return already.model_copy(update={"messages": [], "notices": ["That answer was already received."]})
            if retry_open(state) and (update := self.retries.take(state, screened.text, time.time())) is not None:
                return self._checkpoint(session_id, state, update)
            try:
                out = self._run(session_id, {"input": screened.text}, on_token, prior=state)
            except OperationalError as exc:  # locked or unreachable past its timeout: the checkpoint did not move,
                # so the resend is the same turn (stored once, see graph._log)
                if fault := storage_fault(exc):
                    raise CoachError(fault) from exc
                log.warning("turn not stored: the database did not answer (%s)", type(exc).__name__)
                raise CoachError(DATABASE_BUSY) from exc
            except (OSError, sqlite3.Error) as exc:  # the checkpoint (its own SQLite file) could not be written
                fault = storage_fault(exc)
                if fault is None:
                    raise
                log.error("turn not checkpointed: %s", fault, exc_info=True)
                raise CoachError(fault) from exc
            if screened.truncated:
                out.notices.append(f"The answer was over {self.settings.answer_token_limit} tokens and was truncated.")
            return out

    def try_again(self, session_id: str) -> TurnResult:
        """Put the question the latest critique was on again, for a new attempt (see `bot.interview.retry`)."""
        with self._lock(session_id):
            state = self.state(session_id)
            return self._checkpoint(session_id, state, self.retries.open(state, time.time()))

    def _checkpoint(self, session_id: str, state: InterviewState, update: dict[str, Any]) -> TurnResult:
        """Checkpoint a change made beside the graph (a try again) and describe it as a turn."""
        self.graph.update_state(self._config(session_id), update)
        return TurnResult.of(state.model_copy(update=update))

    def end(self, session_id: str) -> TurnResult:
        """End the session now and return the summary."""
        with self._lock(session_id):
            state = self.state(session_id)
            if state.done:
                return TurnResult.of(state).model_copy(update={"messages": []})
            return self._run(session_id, {"input": "end"}, prior=state)

    def view(self, session_id: str) -> InterviewState:
        """The whole session as checkpointed: transcript, results, current prompt, summary (for resume and reports)."""
        return self.state(session_id)

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
