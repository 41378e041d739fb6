"""Drill results for coaches: the attempts at a drill assignment, one attempt in full, and the candidate's own view."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.coaching.attempts import NOT_FOUND, owned_assignment
from bot.drills.records import outcome_of, summary
from bot.errors import CoachError
from bot.storage.models import Assignment, CoachAccount, DrillAttempt, public_attempt_id
from bot.storage.store import Store


def _attempts(db: Session, assignment_id: int) -> list[DrillAttempt]:
    return list(
        db.scalars(
            select(DrillAttempt)
            .where(DrillAttempt.assignment_id == assignment_id)
            .order_by(DrillAttempt.started, DrillAttempt.id)
        )
    )


def public_drill_id(drill_id: str) -> str:
    """What coaches see for a drill attempt: the drill id is the candidate's secret (`submit_drill` takes it)."""
    return "drill-" + public_attempt_id(drill_id)


def _coach_row(attempt: DrillAttempt) -> dict[str, Any]:
    return {**summary(attempt), "drill_id": public_drill_id(attempt.id)}


def drill_attempts(store: Store, coach: CoachAccount, assignment_id: int) -> list[dict[str, Any]]:
    """One summary row per drill attempt at the coach's assignment, oldest first, named by public ids."""
    with store.session() as db:
        owned_assignment(db, coach, assignment_id)
        return [_coach_row(a) for a in _attempts(db, assignment_id)]


def _detail(attempt: DrillAttempt, assignment: Assignment | None) -> dict[str, Any]:
    outcome = outcome_of(attempt)
    return {
        "attempt": _coach_row(attempt),
        "assignment": None if assignment is None else {"title": assignment.title},
        "answers": dict(attempt.answers or {}),
        "outcome": None if outcome is None else {**outcome.model_dump(), "drill_id": public_drill_id(attempt.id)},
    }


def drill_detail(store: Store, coach: CoachAccount, public_id: str) -> dict[str, Any]:
    """One attempt at the coach's drill assignment (by its public id): answers, grades and worked solutions."""
    with store.session() as db:
        attempts = db.scalars(
            select(DrillAttempt)
            .join(Assignment, DrillAttempt.assignment_id == Assignment.id)
            .where(Assignment.coach_id == coach.id)
        )
        attempt = next((a for a in attempts if public_drill_id(a.id) == public_id), None)
        if attempt is None or attempt.assignment_id is None:
            raise CoachError(NOT_FOUND)
        return _detail(attempt, owned_assignment(db, coach, attempt.assignment_id))


def drill_exports(store: Store, coach: CoachAccount, assignment_id: int) -> list[dict[str, Any]]:
    """Every attempt at the coach's drill assignment with its grades, for the JSON export."""
    with store.session() as db:
        assignment = owned_assignment(db, coach, assignment_id)
        return [_detail(a, assignment) for a in _attempts(db, assignment_id)]


def is_drill_attempt(attempt_id: str) -> bool:
    """Whether an attempt id names a drill attempt (drill ids start with "drill-")."""
    return str(attempt_id or "").startswith("drill-")
