"""Persistence of interview sessions and turns (SQLAlchemy: SQLite by default, PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import CoachError
from bot.storage.faults import storage_fault
from bot.storage.migrations import upgrade
from bot.storage.models import Base, InterviewSession, Turn, utc_now
from bot.text import strip_controls

log = logging.getLogger(__name__)
__all__ = ["Base", "InterviewSession", "Store", "Turn", "make_store"]


class Store:
    """Session and turn records behind one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def serialised(self, key: str) -> Iterator[None]:
        """Hold a lock on `key` that holds across processes: a PostgreSQL advisory lock on its own connection.

        On SQLite (one process by design) this is a no-op; callers also hold an in-process lock.
        """
        if self.engine.dialect.name != "postgresql":
            yield
            return
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:n)"), {"n": number})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
                connection.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a read-only data folder or a full disk becomes a CoachError that says so."""
        try:
            with self._sessions.begin() as db:
                yield db
        except SQLAlchemyError as exc:
            fault = storage_fault(exc)
            if fault is None:
                raise
            log.error("database write failed: %s", fault, exc_info=True)
            raise CoachError(fault) from exc

    def create_session(self, **fields: Any) -> None:
        with self.session() as db:
            db.add(InterviewSession(**fields))

    def get_session(self, session_id: str) -> InterviewSession | None:
        with self.session() as db:
            return db.get(InterviewSession, session_id)

    def add_turn(
        self,
        session_id: str,
        kind: str,
        prompt: str,
        answer: str,
        question_id: str | None,
        seq: int | None = None,
        late: bool = False,
    ) -> int:
        """Save the candidate's input first; returns the turn id so the critique can be attached later.

        `seq` is the turn's number in its session, known from the checkpointed state: the same number written
        again (the answer resubmitted after a crash that came before the checkpoint) replaces that turn instead
        of adding another. Without it (sessions started before turns were numbered) the next number is used.
        """
        with self.session() as db:
            if seq is None:
                seq = (db.scalar(select(func.count()).select_from(Turn).where(Turn.session_id == session_id)) or 0) + 1
            else:
                turn = db.scalar(select(Turn).where(Turn.session_id == session_id, Turn.seq == seq))
                if turn is not None:
                    turn.kind, turn.prompt, turn.answer, turn.question_id = kind, prompt, answer, question_id
                    turn.critique, turn.late = None, late
                    return int(turn.id)
            turn = Turn(
                session_id=session_id,
                seq=seq,
                kind=kind,
                prompt=prompt,
                answer=answer,
                question_id=question_id,
                late=late,
            )
            db.add(turn)
            db.flush()
            return int(turn.id)

    def attach_critique(self, turn_id: int, critique: dict[str, Any]) -> None:
        with self.session() as db:  # one UPDATE, no read first
            db.execute(update(Turn).where(Turn.id == turn_id).values(critique=json.loads(json.dumps(critique))))

    def archive(self, session_id: str) -> dict[str, Any] | None:
        """The final state an ended session was archived with, if any."""
        with self.session() as db:
            return db.scalar(select(InterviewSession.archive).where(InterviewSession.id == session_id))

    def archived_before(self, session_ids: list[str], cutoff: datetime) -> list[str]:
        """Those of `session_ids` that ended before `cutoff` and have an archive to reopen from."""
        found: list[str] = []
        with self.session() as db:
            for start in range(0, len(session_ids), 500):  # SQLite allows 999 parameters per statement
                chunk = session_ids[start : start + 500]
                found += db.scalars(
                    select(InterviewSession.id).where(
                        InterviewSession.id.in_(chunk),
                        InterviewSession.finished < cutoff,
                        InterviewSession.archive.is_not(None),
                    )
                )
        return found

    def turns(self, session_id: str) -> list[Turn]:
        with self.session() as db:
            return list(db.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)))

    def finish(
        self, session_id: str, summary: dict[str, Any], usage: dict[str, float], archive: dict[str, Any] | None = None
    ) -> None:
        """Mark the session ended with its summary and usage, keeping `archive` (its final state) to reopen it."""
        with self.session() as db:
            row = db.get(InterviewSession, session_id)
            if row is not None and row.finished is None:
                row.finished = utc_now()
                if archive is not None:
                    row.archive = json.loads(json.dumps(archive))
                row.summary = json.loads(json.dumps(summary))
                row.overall = summary.get("overall")
                row.tokens_in = int(usage.get("input_tokens", 0))
                row.tokens_out = int(usage.get("output_tokens", 0))
                row.cost_usd = float(usage.get("cost_usd", 0.0))

    def asked_questions(self, candidate: str) -> set[str]:
        """Question ids this candidate has already been asked, in any session."""
        with self.session() as db:
            rows = db.scalars(
                select(Turn.question_id)
                .join(InterviewSession, Turn.session_id == InterviewSession.id)
                .where(InterviewSession.candidate == candidate, Turn.question_id.is_not(None))
            )
            return {r for r in rows if r}

    def history(self, candidate: str) -> list[InterviewSession]:
        with self.session() as db:
            return list(
                db.scalars(
                    select(InterviewSession)
                    .where(InterviewSession.candidate == candidate)
                    .order_by(InterviewSession.started)
                )
            )


BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another writer before giving up
DATABASE_BUSY = (
    "the database is busy right now, so your answer could not be taken; it is still in the box: send it again in a "
    "moment (it will be stored once)"
)


def clean(value: Any) -> Any:
    """`value` with control characters removed from every string in it (PostgreSQL refuses NUL in text)."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean(item) for item in value)
    return value


def _clean_parameters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    return statement, clean(parameters)


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    # hide_parameters: a database error must not write an answer, a session id or a password hash to the log
    # PostgreSQL: room for every queued turn's lock connection plus its work (queue concurrency 16)
    pool = {"pool_size": 16, "max_overflow": 16} if url.startswith("postgresql") else {}
    # pre-ping: a PostgreSQL connection that a restarted server dropped is replaced before it is lent (a SQLite
    # file has no server to lose, and the ping is a round trip on every checkout)
    pre_ping = url.startswith("postgresql")
    engine = create_engine(url, pool_pre_ping=pre_ping, hide_parameters=True, **pool)
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)  # same text on every backend
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

    return engine


def make_store(settings: Settings) -> Store:
    """The store for these settings; the schema is brought to the newest migration on first use."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.ensure_data_dir()
    try:
        engine = _engine(url)
        upgrade(engine)
    except (SQLAlchemyError, ImportError) as exc:
        shown = url.split("@")[-1]  # never print credentials
        raise CoachError(f"cannot open the database at ...@{shown} ({type(exc).__name__}); check DATABASE_URL") from exc
    return Store(engine)
