"""Attempts: a candidate takes an assignment (an interview plan, or a drill), and who may see an attempt."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.coaching.accounts import normalize_email
from bot.coaching.assignments import INVALID_LINK, interview_plan, open_assignment
from bot.drills.model import DrillView
from bot.drills.service import DrillService
from bot.errors import CoachError
from bot.interview.service import InterviewService, TurnResult
from bot.storage.models import (
    Assignment,
    CoachAccount,
    DrillAttempt,
    InterviewSession,
    as_utc,
    public_attempt_id,
    utc_now,
)
from bot.storage.store import Store

NOT_FOUND = "not found"
IS_DRILL = "this assignment is a drill: take it on the Drills tab"
NOT_DRILL = "this assignment is an interview: take it on the Interview tab"
_STARTING = threading.Lock()  # attempt starts in this process, one at a time (they are rare and quick)


@contextmanager
def _one_start_at_a_time(store: Store, assignment: Assignment) -> Iterator[None]:
    """Serialise attempt starts of one assignment, within this process and (on PostgreSQL) across replicas."""
    with _STARTING, store.serialised(f"assignment-start:{assignment.id}"):
        yield


def attempts_used(store: Store, assignment: Assignment, candidate: str | None, email: str | None) -> int:
    """How many attempts of `assignment` this candidate has started, by browser key and by email.

    A browser that once gave this email counts as the same candidate, so switching browsers or dropping the email
    does not reset the count.
    """
    table: type[InterviewSession] | type[DrillAttempt] = DrillAttempt if assignment.drill else InterviewSession
    mine = table.assignment_id == assignment.id
    with store.session() as db:
        keys = {candidate} if candidate else set()
        if email:
            keys |= set(db.scalars(select(table.candidate).where(mine, table.candidate_email == email)))
        if not keys:
            return 0
        query = select(func.count()).select_from(table).where(mine, table.candidate.in_(keys))
        return int(db.scalar(query) or 0)


def check_attempts_left(store: Store, assignment: Assignment, candidate: str | None, email: str | None) -> None:
    """CoachError when the candidate has used every attempt the coach allows."""
    limit = assignment.max_attempts
    if limit is not None and attempts_used(store, assignment, candidate, email) >= limit:
        times = "once" if limit == 1 else f"{limit} times"
        raise CoachError(f"this assignment can be taken {times} and you have used every attempt; ask your coach")


def start_attempt(
    service: InterviewService,
    code: str,
    candidate_name: str,
    candidate_email: str | None = None,
    candidate: str | None = None,
) -> TurnResult:
    """Start a candidate's attempt of the assignment behind a share code: its plan, recorded as an attempt."""
    if not (code or "").strip():
        raise CoachError(INVALID_LINK)
    assignment = open_assignment(service.store, code)
    if assignment.drill:
        raise CoachError(IS_DRILL)
    name, email = attempt_identity(candidate_name, candidate_email)

    def record(session_id: str, candidate_key: str) -> None:
        start_attempt_record(service.store, assignment, name, email, session_id, candidate_key)

    with _one_start_at_a_time(service.store, assignment):
        check_attempts_left(service.store, assignment, candidate, email)
        return service.start(plan=interview_plan(assignment), candidate=candidate, on_created=record)


def start_drill_attempt(
    drills: DrillService,
    code: str,
    candidate_name: str,
    candidate_email: str | None = None,
    candidate: str | None = None,
) -> DrillView:
    """Start a candidate's attempt of a drill assignment: the coach's kind, seed and difficulty, recorded as theirs."""
    if not (code or "").strip():
        raise CoachError(INVALID_LINK)
    assignment = open_assignment(drills.store, code)
    if not assignment.drill:
        raise CoachError(NOT_DRILL)
    name, email = attempt_identity(candidate_name, candidate_email)
    spec = assignment.drill
    with _one_start_at_a_time(drills.store, assignment):
        check_attempts_left(drills.store, assignment, candidate, email)
        return drills.start(
            spec["kind"],
            assignment.role,
            assignment.domain,
            spec["seed"],
            spec["difficulty"],
            candidate=candidate,
            assignment_id=assignment.id,
            candidate_name=name,
            candidate_email=email,
        )


def attempt_identity(candidate_name: str, candidate_email: str | None) -> tuple[str, str | None]:
    """The candidate's name (required) and email (optional, validated) for an attempt."""
    name = (candidate_name or "").strip()
    if not 1 <= len(name) <= 80:
        raise CoachError("enter your name (1 to 80 characters) to start the assignment")
    email = normalize_email(candidate_email) if candidate_email and candidate_email.strip() else None
    return name, email


def start_attempt_record(
    store: Store,
    assignment: Assignment,
    candidate_name: str,
    candidate_email: str | None,
    session_id: str,
    candidate: str | None = None,
) -> InterviewSession:
    """Mark session `session_id` as an attempt of `assignment` by this candidate (creating the session if new)."""
    name, email = attempt_identity(candidate_name, candidate_email)
    if as_utc(assignment.due) <= utc_now():
        raise CoachError(f"this assignment closed on {as_utc(assignment.due):%d %B %Y at %H:%M} UTC")
    attempt = {"assignment_id": assignment.id, "candidate_name": name, "candidate_email": email}
    with store.session() as db:
        row = db.get(InterviewSession, session_id)
        if row is None:
            row = InterviewSession(
                id=session_id,
                candidate=candidate or secrets.token_urlsafe(16),
                role=assignment.role,
                domain=assignment.domain,
                background="pm",
                questions=assignment.questions,
                **attempt,
            )
            db.add(row)
        elif row.assignment_id not in (None, assignment.id):
            raise CoachError("this interview already belongs to another assignment; start a new one")
        else:
            for field, value in attempt.items():
                setattr(row, field, value)
        db.flush()
        return row


def owned_assignment(db: Session, coach: CoachAccount, assignment_id: int) -> Assignment:
    """The coach's own assignment; CoachError("not found") for anyone else's, without saying it exists."""
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.coach_id != coach.id:
        raise CoachError(NOT_FOUND)
    return assignment


def owned_attempt_by_public_id(db: Session, coach: CoachAccount, public_id: str) -> InterviewSession:
    """The coach's attempt named by its public id (what dashboards and exports show); CoachError otherwise."""
    sessions = db.scalars(
        select(InterviewSession.id)
        .join(Assignment, InterviewSession.assignment_id == Assignment.id)
        .where(Assignment.coach_id == coach.id)
    )
    for session_id in sessions:
        if public_attempt_id(session_id) == public_id:
            return owned_attempt(db, coach, session_id)
    raise CoachError(NOT_FOUND)


def owned_attempt(db: Session, coach: CoachAccount, attempt_id: str) -> InterviewSession:
    """An attempt (session) of one of the coach's assignments; CoachError("not found") otherwise."""
    attempt = db.get(InterviewSession, attempt_id)
    if attempt is None or attempt.assignment_id is None:
        raise CoachError(NOT_FOUND)
    owned_assignment(db, coach, attempt.assignment_id)
    return attempt
