"""A finished (or running) interview question by question, as the reports show it: answers, critiques, hints, reviews.

Built from the checkpointed state alone: its transcript keeps each critique beside the feedback line, and the
per-question results say what was skipped and how many hints were used. Coach reviews live in the store; a caller
passes the attempt's turn views (`bot.coaching.reports.candidate_results(store, session_id)["turns"]`, or
`coach_reviews` below) and they are matched to questions by question id and to answers by their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.coaching.attempt_scores import attempt_scores, question_scores
from bot.coaching.reports import candidate_results
from bot.critic.model import Critique
from bot.errors import CoachError
from bot.interview.retry import RETRY_ANSWER, RETRY_CRITIQUE
from bot.interview.state import SKIPPED, InterviewState, Message, QuestionResult
from bot.storage.models import InterviewSession
from bot.storage.store import Store

TurnViews = Sequence[Mapping[str, Any]]  # an attempt's turns with their reviews, as bot.coaching.reports gives them
ANSWER_KINDS = ("answer", "follow_up", RETRY_ANSWER)  # what the critic grades (a try again included)


@dataclass
class CoachComment:
    """One coach review of one turn: a comment, a score override, or both."""

    on: str  # which turn, in words: "your answer", "follow-up answer 1", "a hint request"
    dimension: str  # a dimension or "overall"
    score: int | None
    comment: str | None


@dataclass
class AnswerRecord:
    """One answer (the main one or a follow-up's), what was asked for it, and how it was judged."""

    kind: str  # "answer", "follow_up" or "retry" (a try again at the question)
    text: str
    asked: str | None = None  # the follow-up's wording, for a follow-up answer
    critique: Critique | None = None
    feedback: str | None = None  # the feedback line, for sessions from before critiques were kept
    notices: list[str] = field(default_factory=list)  # e.g. why it could not be graded


@dataclass
class QuestionRecord:
    """Everything about one question of the session."""

    number: int
    question_id: str | None
    question: str
    header: str
    answers: list[AnswerRecord] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    clarifications: list[tuple[str, str]] = field(default_factory=list)  # (asked, reply)
    result: QuestionResult | None = None
    open_follow_up: str | None = None  # a follow-up asked and never answered
    follow_up_skipped: bool = False  # ... because the candidate skipped it (else the interview ended first)
    comments: list[CoachComment] = field(default_factory=list)
    adjusted: dict[str, Any] | None = None  # scores with coach overrides applied, when there are any

    @property
    def skipped(self) -> bool:
        return self.result is not None and self.result.skipped

    @property
    def hints_used(self) -> int:
        return self.result.hints if self.result is not None else len(self.hints)

    @property
    def outline(self) -> list[str]:
        """The stronger-answer outline, once per question: the first one a critique gave."""
        return next((a.critique.stronger_answer for a in self.answers if a.critique and a.critique.stronger_answer), [])


def _question_parts(message: Message) -> tuple[str, str]:
    """A question message's header line (number, skills, difficulty) and its wording."""
    head, _, body = message.content.partition("\n\n")
    return (head.replace("**", ""), body) if body else ("", head)


def _follow_up_asked(content: str) -> str:
    """The follow-up's wording without the chat's '**Follow-up** (dimension):' label."""
    return content.split("): ", 1)[1] if content.startswith("**Follow-up**") and "): " in content else content


def _shown(critique: Critique | None, held: bool) -> Critique | None:
    """The critique as a report may show it: no gaps or outline while a coach holds them back."""
    if critique is None or not held:
        return critique
    return critique.model_copy(update={"gaps": [], "stronger_answer": [], "held_back": True})


def _record_message(record: QuestionRecord, message: Message, held: bool) -> None:
    """Add one transcript message to its question's record."""
    last = record.answers[-1] if record.answers else None
    if message.role == "user" and message.kind in ANSWER_KINDS:
        asked = record.open_follow_up if message.kind == "follow_up" else None
        record.answers.append(AnswerRecord(message.kind, message.content, asked))
        record.open_follow_up = None
    elif message.role == "user" and message.kind == "clarification":
        record.clarifications.append((message.content, ""))
    elif message.kind == "clarify":
        asked = record.clarifications.pop()[0] if record.clarifications and not record.clarifications[-1][1] else ""
        record.clarifications.append((asked, message.content))
    elif message.kind == "hint":
        record.hints.append(message.content.split("): ", 1)[-1])
    elif message.kind == "follow_up":
        record.open_follow_up = _follow_up_asked(message.content)
    elif message.kind in ("critique", RETRY_CRITIQUE) and last is not None:
        last.critique, last.feedback = _shown(message.critique, held), message.content
    elif message.kind == "notice" and message.content == SKIPPED:
        record.follow_up_skipped = record.open_follow_up is not None
    elif message.kind == "notice" and last is not None and last.critique is None and last.feedback is None:
        last.notices.append(message.content)


def question_records(state: InterviewState, turns: TurnViews | None = None) -> list[QuestionRecord]:
    """The session question by question, in the order asked, with coach reviews when `turns` carries them."""
    records: list[QuestionRecord] = []
    held = state.hold_feedback and not state.done
    for message in state.transcript:
        if message.kind == "question":
            number = len(records) + 1
            qid = state.asked[number - 1] if number <= len(state.asked) else None
            header, wording = _question_parts(message)
            records.append(QuestionRecord(number, qid, wording, header, result=state.result_for(qid)))
        elif records:
            _record_message(records[-1], message, held)
    for record in records:
        if record.result is not None:
            record.question = record.result.question  # the question as written, not a model's rewording
    if turns:
        _add_reviews(state, records, turns)
    return records


def _turn_name(kind: str, follow_ups: int) -> str:
    """A turn in words, for a coach comment."""
    if kind == "answer":
        return "your answer"
    if kind == "follow_up":
        return f"follow-up answer {follow_ups}"
    return {"hint": "a hint request", "clarify": "a clarifying question", "skip": "the skip"}.get(kind, kind)


def _add_reviews(state: InterviewState, records: list[QuestionRecord], turns: TurnViews) -> None:
    """Attach each coach review to its question, and the scores as overridden (the one definition of a score)."""
    by_question = {r.question_id: r for r in records}
    follow_ups: dict[str, int] = {}
    for turn in sorted(turns, key=lambda t: t.get("seq") or 0):
        qid = str(turn.get("question_id"))
        kind = str(turn.get("kind"))
        follow_ups[qid] = follow_ups.get(qid, 0) + (kind == "follow_up")
        record = by_question.get(qid)
        for review in turn.get("reviews") or []:
            if record is not None:
                record.comments.append(
                    CoachComment(
                        on=_turn_name(kind, follow_ups[qid]),
                        dimension=str(review.get("dimension") or "overall"),
                        score=review.get("score"),
                        comment=review.get("comment"),
                    )
                )
    adjusted = adjusted_scores(state, turns)
    for scored in adjusted["questions"]:
        record = by_question.get(scored["question_id"])
        if record is not None and scored["overridden"]:
            record.adjusted = scored


def adjusted_scores(state: InterviewState, turns: TurnViews) -> dict[str, Any]:
    """Per-question and overall scores with coach overrides applied, exactly as History and dashboards count them."""
    archive = {"results": [r.model_dump(mode="json") for r in state.results]}
    questions = question_scores(InterviewSession(archive=archive), [dict(t) for t in turns])
    return {"questions": questions, "attempt": attempt_scores(questions)}


def coach_reviews(store: Store, session_id: str) -> list[dict[str, Any]]:
    """The session's turn views when a coach reviewed any of them (for the reports); none otherwise."""
    try:
        turns: list[dict[str, Any]] = candidate_results(store, session_id)["turns"]
    except CoachError:
        return []
    return turns if any(t["reviews"] for t in turns) else []
