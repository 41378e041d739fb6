"""Coach reviews: score overrides and comments on attempts, and which sessions a coach reviewed (for the candidate)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.coaching.attempt_scores import attempt_scores, question_scores
from bot.coaching.attempts import NOT_FOUND, owned_attempt
from bot.content.vocabulary import DIMENSIONS
from bot.errors import CoachError
from bot.storage.models import CoachAccount, InterviewSession, Review, Turn, as_utc
from bot.storage.store import Store

MAX_COMMENT_CHARS = 2000


def review(
    store: Store,
    coach: CoachAccount,
    turn_id: int,
    dimension: str | None = None,
    score: int | None = None,
    comment: str | None = None,
) -> Review:
    """Record a score override (dimension None or "overall": the turn's overall) and/or comment on a turn."""
    dimension = None if dimension in (None, "", "overall") else dimension
    if dimension is not None and dimension not in DIMENSIONS:
        raise CoachError(f"unknown dimension {dimension!r}; use overall or one of {', '.join(DIMENSIONS)}")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5):
        raise CoachError("a score must be a whole number from 1 to 5")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise CoachError(f"keep the comment under {MAX_COMMENT_CHARS} characters")
    if score is None and comment is None:
        raise CoachError("give a score, a comment, or both")
    with store.session() as db:
        turn = db.get(Turn, turn_id)
        if turn is None:
            raise CoachError(NOT_FOUND)
        owned_attempt(db, coach, turn.session_id)
        entry = Review(turn_id=turn_id, coach_id=coach.id, dimension=dimension, score=score, comment=comment)
        db.add(entry)
        db.flush()
        if score is not None:
            _propagate(db, turn.session_id)
        return entry


def _propagate(db: Session, session_id: str) -> None:
    """Carry an override into the attempt's stored overall and averages (what History and the summary read)."""
    from bot.coaching.reports import attempt_turns

    attempt = db.get(InterviewSession, session_id)
    if attempt is None or attempt.finished is None:
        return  # an unfinished attempt's summary is written when it ends, from the turns as they are then
    scores = attempt_scores(question_scores(attempt, attempt_turns(db, attempt.id)))
    attempt.overall = scores["overall"]
    averages = {d: v for d, v in scores.items() if d != "overall" and v is not None}
    attempt.summary = {**(attempt.summary or {}), "overall": scores["overall"], "averages": averages}


def review_marks(store: Store, session_ids: list[str]) -> dict[str, dict[str, Any]]:
    """For each of these sessions a coach reviewed: how many comments and score overrides, and when the latest was.

    What a candidate's own History and session page show (a badge, a notice); no coach text, no coach identity.
    """
    wanted = [s for s in dict.fromkeys(session_ids) if s and len(s) <= 64]
    marks: dict[str, dict[str, Any]] = {}
    with store.session() as db:
        for start in range(0, len(wanted), 500):  # SQLite allows 999 parameters per statement
            rows = db.execute(
                select(Turn.session_id, func.count(Review.comment), func.count(Review.score), func.max(Review.created))
                .join(Turn, Review.turn_id == Turn.id)
                .where(Turn.session_id.in_(wanted[start : start + 500]))
                .group_by(Turn.session_id)
            )
            for session_id, comments, scores, latest in rows:
                marks[session_id] = {
                    "comments": int(comments),
                    "scores": int(scores),
                    "latest": None if latest is None else as_utc(latest).isoformat(timespec="seconds"),
                }
    return marks
