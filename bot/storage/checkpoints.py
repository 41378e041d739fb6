"""The LangGraph checkpointer factory: the interview graph's state after each turn.

SQLite in the data folder by default; PostgreSQL (`langgraph-checkpoint-postgres`) when DATABASE_URL points at
PostgreSQL, so that every replica behind a load balancer sees every session.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.errors import CoachError
from bot.storage.models import utc_now

if TYPE_CHECKING:
    from bot.storage.store import Store

log = logging.getLogger(__name__)

SETUP_LOCK_KEY = 7_402_613_912  # PostgreSQL serialises the checkpoint tables' set-up on it (one replica at a time)
POOL_MAX = 8  # checkpoint connections per process

# The typed values the interview state holds; only these are rebuilt from a checkpoint (no arbitrary imports).
STATE_TYPES = [
    ("bot.interview.state", "InterviewState"),
    ("bot.interview.state", "Message"),
    ("bot.interview.state", "QuestionResult"),
    ("bot.interview.state", "LastAnswer"),
    ("bot.interview.state", "Summary"),
    ("bot.interview.state", "SummaryGap"),
    ("bot.critic.model", "Critique"),
    ("bot.critic.model", "Citation"),
    ("bot.content.questions", "Question"),
    ("bot.content.questions", "FollowUp"),
    ("bot.llm.chat", "Usage"),
]


def _serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


@lru_cache(maxsize=4)
def _postgres_pool(conninfo: str) -> Any:
    """One connection pool per database and process (autocommit, dict rows: what PostgresSaver expects)."""
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    # check: a connection is tested before it is lent, so a restarted server costs a reconnect, not an error
    return ConnectionPool(
        conninfo, min_size=1, max_size=POOL_MAX, kwargs=kwargs, check=ConnectionPool.check_connection, open=True
    )


def _postgres_saver(url: str) -> Any:
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
    except ImportError as exc:
        raise CoachError("DATABASE_URL is PostgreSQL: install the postgres extra, pip install '.[postgres]'") from exc
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = _postgres_pool(conninfo)
    saver = PostgresSaver(pool, serde=_serde())
    with pool.connection() as conn:  # replicas starting together take turns creating the tables
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        try:
            saver.setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))
    return saver


def make_checkpointer(settings: Settings) -> Any:
    """PostgreSQL when DATABASE_URL points there, else a SQLite file in the data folder (WAL, shared by threads)."""
    if settings.sqlalchemy_url.startswith("postgresql"):
        return _postgres_saver(settings.sqlalchemy_url)
    settings.ensure_data_dir()
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return SqliteSaver(conn, serde=_serde())


def checkpointed_sessions(checkpointer: Any) -> list[str]:
    """The thread (session) ids that have checkpoints, read straight from the saver's table."""
    query = "SELECT DISTINCT thread_id FROM checkpoints"
    if isinstance(checkpointer, SqliteSaver):
        with checkpointer.lock:
            return [row[0] for row in checkpointer.conn.execute(query)]
    with checkpointer.conn.connection() as conn:  # PostgresSaver over a pool
        return [row["thread_id"] for row in conn.execute(query)]


def prune_ended(checkpointer: Any, store: Store, older_than_days: float) -> int:
    """Delete every checkpoint of sessions that ended over `older_than_days` ago and have an archive."""
    cutoff = utc_now() - timedelta(days=older_than_days)
    ended = store.archived_before(checkpointed_sessions(checkpointer), cutoff)
    for session_id in ended:
        checkpointer.delete_thread(session_id)
    if ended:
        log.info("pruned the checkpoints of %d interviews that ended before %s", len(ended), f"{cutoff:%Y-%m-%d}")
    return len(ended)
