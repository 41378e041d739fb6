"""Trying a question again: the new answer is stored, critiqued against the same question, and the better attempt counts.

Try again re-opens the question the latest critique was on (the question itself, not its follow-up), once or as
often as the candidate likes, while the interview runs. It is for practice: an assignment (a coach's interview with
a due date) has none, since re-answering after seeing the feedback would change what the coach assesses.

What counts for the question is the better attempt, whole: the attempt with the higher overall (hints cost the
same on every attempt) keeps all its dimension scores, which are never mixed across attempts. A better new attempt
replaces the question's scores, gaps and cited guides in the interview's results (so the summary, History,
dashboards and exports agree); a weaker one leaves them as they were. Follow-ups raise what they probed on
whichever attempt counts. The new answer is stored as a turn of kind `retry` before it is critiqued, like any answer.

While a try again is open, an answer is the new attempt, `skip` goes back without one, `end` ends the interview,
and a hint is refused (hints are for the open question). With a time limit, the new attempt has the usual time
from when try again was pressed, and the open question's time starts again once the chat is back on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from bot.content.questions import Question, QuestionBank
from bot.content.rubric import Rubric
from bot.critic.model import Critique, Target
from bot.errors import CoachError
from bot.interview.policy import classify, question_overall
from bot.interview.state import InterviewState, LastAnswer, Message, QuestionResult, kept_critique
from bot.text import inert_markdown

if TYPE_CHECKING:
    from bot.interview.graph import AnswerCritic

RETRY_QUESTION = "retry_question"  # the interviewer puts the question again
RETRY_ANSWER = "retry"  # the candidate's new attempt (the message's kind and the stored turn's kind)
RETRY_CRITIQUE = "retry_critique"  # both attempts compared
RESUMED = "resumed"  # back to the question (or follow-up) that was open
NOTHING_TO_RETRY = (
    "there is no answer to try again right now: try again follows the feedback on an answer, "
    "while a practice interview runs"
)
HINT_REFUSED = "Hints are for the open question: send your new attempt, or Skip to go back to the interview."
EMPTY_REFUSED = "Type your new attempt first, or Skip to go back to the interview."
LATE = "This attempt came in after its time limit; it is recorded and marked late."


class StoredTurn(Protocol):
    """What a stored turn offers (see `bot.storage.models.Turn`)."""

    @property
    def kind(self) -> str: ...
    @property
    def question_id(self) -> str | None: ...
    @property
    def answer(self) -> str: ...
    @property
    def critique(self) -> dict[str, Any] | None: ...


class AttemptLog(Protocol):
    """Where attempts are written and read back (see `bot.storage.store.Store`)."""

    def add_turn(
        self,
        session_id: str,
        kind: str,
        prompt: str,
        answer: str,
        question_id: str | None,
        seq: int | None = None,
        late: bool = False,
    ) -> int: ...

    def attach_critique(self, turn_id: int, critique: dict[str, Any]) -> None: ...

    def turns(self, session_id: str) -> Sequence[StoredTurn]: ...


class AttemptComparison(BaseModel):
    """A new attempt beside the attempt that counted before it; stored as `attempt` in the new turn's critique."""

    question_id: str
    question_number: int  # the question's number in the interview
    attempt: int  # 2 for the first try again, 3 for the next
    previous_answer: str
    previous_scores: dict[str, float]
    previous_overall: float
    scores: dict[str, float] | None = None  # None: the critic could not grade the new attempt
    overall: float | None = None  # the question's overall on this attempt, hints counted as on the previous one
    hints: int = 0
    counted: bool = False  # this attempt now counts for the question

    @property
    def change(self) -> float | None:
        """The new attempt's overall less the previous one's, or None when it could not be graded."""
        return None if self.overall is None else round(self.overall - self.previous_overall, 1)


def retry_target(state: InterviewState) -> QuestionResult | None:
    """The question the candidate may try again now: the one the latest critique was on, if it was scored."""
    critique = state.last_critique
    if state.done or state.closes_at is not None or critique is None or not state.results:
        return None
    entry = state.results[-1]  # a scored answer updates the newest result; a try again targets it
    if entry.scores is None or entry.overall is None:
        return None
    if critique.question_id == entry.question_id:  # a try again's own critique: it may be tried once more
        return entry
    return entry if critique.question_id is None and critique.graded and not state.ungraded else None


def retry_open(state: InterviewState) -> bool:
    """Whether a try again waits for its new attempt (the interviewer's last word put the question again)."""
    return not state.done and bool(state.transcript) and state.transcript[-1].kind == RETRY_QUESTION


def question_number(state: InterviewState, question_id: str) -> int:
    """The question's number in this interview (1 for the first asked)."""
    return state.asked.index(question_id) + 1 if question_id in state.asked else len(state.asked)


class Retries:
    """Opens a try again, takes its new attempt, or goes back; each returns the state update to checkpoint."""

    def __init__(self, critic: AnswerCritic, attempts: AttemptLog, rubric: Rubric, bank: QuestionBank) -> None:
        self.critic = critic
        self.attempts = attempts
        self.rubric = rubric
        self.bank = bank

    def question(self, state: InterviewState, question_id: str) -> Question:
        """A bank question or one of the plan's own."""
        return next((q for q in state.custom if q.id == question_id), None) or self.bank.by_id[question_id]

    @staticmethod
    def _say(state: InterviewState, *messages: Message, **update: Any) -> dict[str, Any]:
        return {"transcript": [*state.transcript, *messages], "outbox": list(messages), "notices": [], **update}

    def open(self, state: InterviewState, now: float) -> dict[str, Any]:
        """Put the question again; CoachError when there is nothing to try again (an open one stays as it is)."""
        if retry_open(state):
            return {"outbox": [], "notices": []}
        entry = retry_target(state)
        if entry is None:
            raise CoachError(NOTHING_TO_RETRY)
        question = self.question(state, entry.question_id)
        shown = inert_markdown(question.text) if question in state.custom else question.text
        text = (
            f"**Question {question_number(state, entry.question_id)} again.** {shown}\n\n"
            "Send your new attempt (the better attempt counts), or Skip to go back to the interview."
        )
        return self._say(state, Message(role="assistant", content=text, kind=RETRY_QUESTION), asked_at=now)

    def take(self, state: InterviewState, text: str, now: float) -> dict[str, Any] | None:
        """Handle input while a try again is open; None for `end`, which the interview itself runs."""
        intent = classify(text, state)
        if intent == "end":
            return None
        if intent == "skip":
            return self._resume(state, now, "No new attempt. ")
        if intent in ("hint", "empty"):  # nothing recorded; the try again stays open
            return {"outbox": [], "notices": [HINT_REFUSED if intent == "hint" else EMPTY_REFUSED]}
        return self.answer(state, text, now)

    def answer(self, state: InterviewState, text: str, now: float) -> dict[str, Any]:
        """Store the new attempt, critique it against the same question, and keep the better attempt."""
        entry = state.results[-1]
        question = self.question(state, entry.question_id)
        seq = None if state.logged is None else state.logged + 1
        late = state.is_late(now)
        turn = self.attempts.add_turn(state.session_id, RETRY_ANSWER, question.text, text, question.id, seq, late)
        usage = state.usage.model_copy(deep=True)
        critique = self.critic(Target.of(question), text, usage).model_copy(update={"question_id": question.id})
        comparison = self._compare(state, entry, critique)
        self.attempts.attach_critique(turn, {**critique.model_dump(), "attempt": comparison.model_dump()})
        results = [r.model_copy(deep=True) for r in state.results]
        if comparison.counted and comparison.scores is not None:
            results[-1] = entry.model_copy(
                update={
                    "scores": dict(comparison.scores),
                    "overall": comparison.overall,
                    "gaps": list(critique.gaps)[:3],
                    "citations": [c.topic for c in critique.citations],
                }
            )
        verdict = self._verdict(comparison, critique)
        said = [Message(role="user", content=text, kind=RETRY_ANSWER), verdict]
        update = self._resume(state, now, "", said)
        # the transcript keeps the attempt's whole critique beside its verdict (the reports show it); the page gets
        # the verdict alone, as with every critique
        update["transcript"] = [
            m.model_copy(update={"critique": kept_critique(critique)}) if m is verdict else m
            for m in update["transcript"]
        ]
        update.update(
            results=results,
            last_critique=critique,
            last_answer=LastAnswer(text=text, at=now),
            **({"question_critique": critique} if comparison.counted else {}),
            usage=usage,
            notices=[*([LATE] if late else []), *critique.notices],
            **({} if seq is None else {"logged": seq}),
        )
        return update

    def _compare(self, state: InterviewState, entry: QuestionResult, critique: Critique) -> AttemptComparison:
        """The new attempt beside the one that counts so far (scores as the question holds them, with follow-ups)."""
        turns = [t for t in self.attempts.turns(state.session_id) if t.question_id == entry.question_id]
        counted = [t for t in turns if _counted(t)]
        overall = question_overall(self.rubric, critique.dimensions, entry.hints) if critique.graded else None
        return AttemptComparison(
            question_id=entry.question_id,
            question_number=question_number(state, entry.question_id),
            attempt=sum(1 for t in turns if t.kind == RETRY_ANSWER) + 1,  # this attempt's turn is stored already
            previous_answer=counted[-1].answer if counted else "",
            previous_scores=dict(entry.scores or {}),
            previous_overall=float(entry.overall or 0.0),
            scores=dict(critique.dimensions) if critique.graded else None,
            overall=overall,
            hints=entry.hints,
            counted=overall is not None and overall > float(entry.overall or 0.0),
        )

    @staticmethod
    def _verdict(comparison: AttemptComparison, critique: Critique) -> Message:
        """The comparison in a line (the app shows both attempts side by side in its place)."""
        number = comparison.question_number
        if comparison.overall is None:
            reason = " ".join(critique.notices) or "The critic could not grade it."
            text = f"No score for this attempt at question {number}: {reason} The earlier attempt still counts."
        else:
            which = "this attempt counts" if comparison.counted else "the earlier attempt still counts"
            text = (
                f"Attempt {comparison.attempt} at question {number}: **{comparison.overall:.1f}/5** "
                f"(was {comparison.previous_overall:.1f}, {comparison.change:+.1f}); {which}."
            )
        return Message(role="assistant", content=text, kind=RETRY_CRITIQUE)

    def _resume(self, state: InterviewState, now: float, lead: str, said: Sequence[Message] = ()) -> dict[str, Any]:
        """Back to what was open before the try again: the current question or its follow-up, put again."""
        where = f"the follow-up on question {len(state.asked)}" if state.probes else f"question {len(state.asked)}"
        back = Message(role="assistant", content=f"{lead}Back to {where}: {state.prompt or ''}", kind=RESUMED)
        return self._say(state, *said, back, asked_at=now)


def _counted(turn: StoredTurn) -> bool:
    """Whether a stored attempt counted when it was made: the graded first answer, or a better try again."""
    critique = turn.critique or {}
    if turn.kind == "answer":
        return critique.get("overall") is not None
    return turn.kind == RETRY_ANSWER and bool((critique.get("attempt") or {}).get("counted"))
