"""Tables: interview sessions and turns, coaches, assignments, reviews, sign-in attempts and drill attempts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import false


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (SQLite hands back naive values that were stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Named constraints keep later migrations (and SQLite batch mode) able to find and change them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for all tables."""

    metadata = MetaData(naming_convention=NAMING)


def public_attempt_id(session_id: str) -> str:
    """What coaches, exports and dashboards call an attempt, derived from the session id by a one-way hash.

    The session id is the candidate's secret (it opens the attempt); this names the attempt without opening it.
    """
    return "attempt-" + hashlib.sha256(session_id.encode()).hexdigest()[:24]


class InterviewSession(Base):
    """One mock interview; an assignment attempt when `assignment_id` is set."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str | None] = mapped_column(String(16), nullable=True)
    background: Mapped[str] = mapped_column(String(16))
    questions: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overall: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), nullable=True, index=True)
    candidate_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    candidate_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # the ended interview's final state (transcript, results, summary): it reopens from this once its
    # checkpoints are pruned (CHECKPOINT_RETENTION_DAYS)
    archive: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Turn(Base):
    """One candidate input and what the coach made of it."""

    __tablename__ = "turns"
    __table_args__ = (Index("uq_turns_session_seq", "session_id", "seq", unique=True),)  # a turn's identity
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # answer | follow_up | skip | hint | clarify | empty
    question_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    critique: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # after its deadline


class CoachAccount(Base):
    """A person who sets assignments and reviews attempts; Hugging Face sign-in coaches have no password."""

    __tablename__ = "coaches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(96), nullable=True, unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Assignment(Base):
    """A set interview (or, with `drill`, a set drill) that candidates open through a share link carrying `code`."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str | None] = mapped_column(String(16), nullable=True)
    skill_focus: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[int] = mapped_column(Integer)
    difficulty: Mapped[int] = mapped_column(Integer)
    time_limit_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    custom_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    drill: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # {kind, seed, difficulty}
    max_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)  # per candidate; None: no limit
    # hold the stronger-answer outline and the gaps back until the attempt ends
    feedback_after_end: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Review(Base):
    """A coach's score override or comment on one turn; never overwritten, the newest one wins."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    dimension: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None with a score: overall
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SignInAttempt(Base):
    """A failed coach sign-in, keyed by a hash of email and client and by a hash of the email alone (`account`)."""

    __tablename__ = "sign_in_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    account: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class CoachDevice(Base):
    """A browser a coach has signed in from: its token (stored hashed) lets it sign in while the account is backed off."""

    __tablename__ = "coach_devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_used: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class DrillAttempt(Base):
    """One drill a candidate took: its settings, the content shown, what was entered so far and the grades."""

    __tablename__ = "drills"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # case | rate
    candidate: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str | None] = mapped_column(String(16), nullable=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    difficulty: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the case, or the rater set and its rounds, as shown
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as entered, kept across submissions
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # share of points, or the latest kappa
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), nullable=True, index=True)
    candidate_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    candidate_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
