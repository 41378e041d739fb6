"""The Coach tab's form values turned into what coaching takes: the signed-in coach, due date, time limit, review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.coaching.assignments import MAX_TIME_LIMIT_S
from bot.errors import CoachError
from bot.storage.models import CoachAccount
from bot.storage.store import Store

DUE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
MAX_MINUTES = MAX_TIME_LIMIT_S // 60


def load_coach(store: Store, coach_id: int | None) -> CoachAccount:
    """The signed-in coach behind the id kept in server-side state; CoachError when signed out."""
    if not coach_id:
        raise CoachError("sign in as a coach first")
    with store.session() as db:
        account = db.get(CoachAccount, int(coach_id))
    if account is None:
        raise CoachError("sign in as a coach first")
    return account


def parse_due(value: Any) -> datetime:
    """A due date from the picker ("YYYY-MM-DD HH:MM[:SS]", taken as UTC) or a timestamp; CoachError if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value or "").strip()
    for fmt in DUE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise CoachError("enter the due date as YYYY-MM-DD HH:MM (UTC)")


def parse_time_limit(minutes: float | None) -> int | None:
    """Seconds per answer from the minutes field (0 or empty: none); CoachError outside 0 to MAX_MINUTES."""
    mins = float(minutes or 0)
    if mins < 0 or mins > MAX_MINUTES:
        raise CoachError(f"set a time limit from 1 to {MAX_MINUTES} minutes, or 0 for none")
    return round(mins * 60) if mins > 0 else None


def parse_max_attempts(value: float | None) -> int | None:
    """Attempts per candidate from the number field (0 or empty: no limit)."""
    if value is None or float(value) == 0:
        return None
    if float(value) != int(value):
        raise CoachError("enter a whole number of attempts, or 0 for no limit")
    return int(value)


def parse_review(turn_id: int | None, score: int | None) -> tuple[int, int | None]:
    """The turn to review and the score (0 or empty: comment only); CoachError when no answer is picked."""
    if not turn_id:
        raise CoachError("pick an answer to review")
    return int(turn_id), int(score) if score else None
