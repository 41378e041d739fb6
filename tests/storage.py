"""Test helpers: a fresh store on SQLite (the data folder) or PostgreSQL (TEST_DATABASE_URL), and sample records."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool

from bot.coaching.attempts import start_attempt_record
from bot.config import get_settings
from bot.storage.migrations import forget_migrations
from bot.storage.models import Assignment, utc_now
from bot.storage.store import Store, make_store

BACKENDS = ["sqlite", "postgres"]
NO_POSTGRES = (
    "PostgreSQL backend not tested: TEST_DATABASE_URL is unset (CI sets it). To enable: "
    '`apt-get install postgresql`, then as root `eval "$(.ci/pg-setup.sh)"` before pytest'
)


def empty_postgres(url: str) -> None:
    """Drop every table in the test database, so migrations run from scratch."""
    engine = create_engine(url, poolclass=NullPool)
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()


def fresh_store(backend: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A migrated, empty store on `backend` (skips PostgreSQL when TEST_DATABASE_URL is unset)."""
    if backend == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip(NO_POSTGRES)
        empty_postgres(url)
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    forget_migrations()
    return make_store(get_settings())


CUSTOM_QUESTION = {
    "text": "How would you evaluate a contract-clause summarizer before a law firm pilot?",
    "key_points": {
        "evaluation": ["lawyer-labelled sample"],
        "failure_modes": ["missed indemnity clause"],
        "product_judgment": ["human review before sending"],
    },
}


def assignment_fields(**overrides: Any) -> dict[str, Any]:
    """Valid create_assignment keyword arguments, with overrides."""
    fields: dict[str, Any] = {
        "title": "Week 3 practice",
        "role": "feature",
        "domain": None,
        "skill_focus": ["evaluation", "failure-modes"],
        "questions": 3,
        "difficulty": 2,
        "time_limit_s": 1800,
        "due": utc_now() + timedelta(days=7),
        "custom_questions": [CUSTOM_QUESTION],
    }
    fields.update(overrides)
    return fields


def critique(overall: float, **dimensions: float) -> dict[str, Any]:
    """A critique dict shaped like the critic's, from the offline critic."""
    scores = {
        d: dimensions.get(d, overall) for d in ("evaluation", "failure_modes", "product_judgment", "communication")
    }
    return {"overall": overall, "dimensions": scores, "strengths": [], "gaps": [], "follow_up": "", "source": "offline"}


def take_attempt(
    store: Store,
    assignment: Assignment,
    name: str = "Ada",
    scores: tuple[float, ...] = (3.0, 4.0),
    email: str | None = None,
) -> tuple[str, list[int]]:
    """A candidate attempt with one critiqued answer per score; returns (session_id, turn ids)."""
    session_id = secrets.token_urlsafe(16)
    start_attempt_record(store, assignment, name, email, session_id)
    turn_ids = []
    for n, score in enumerate(scores):
        turn = store.add_turn(session_id, "answer", f"Question {n}?", f"My answer {n}", f"q{n}")
        store.attach_critique(turn, critique(score))
        turn_ids.append(turn)
    return session_id, turn_ids
