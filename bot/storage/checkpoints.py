"""The LangGraph checkpointer factory: the interview graph's state after each turn.

SQLite in the data folder by default; PostgreSQL (`langgraph-checkpoint-postgres`) when DATABASE_URL points at
PostgreSQL, so that every replica behind a load balancer sees every session.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
SQLITE_POOL_IDLE = 32  # idle SQLite checkpoint connections kept for reuse (more are opened under load, then closed)
SQLITE_BUSY_TIMEOUT_S = 10.0  # how long a checkpoint write waits for another thread's write

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


def _sqlite_connection(path: str) -> sqlite3.Connection:
    # check_same_thread=False: the first connection also serves the set-up and the pruning thread
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


class ThreadedSqliteSaver(SqliteSaver):
    """LangGraph's SqliteSaver over a pool of connections instead of one connection behind one lock.

    The stock saver serialises every session's checkpoint reads and writes, their (de)serialisation included,
    through a single lock, so turns of different sessions queue behind each other. Here each read or write
    borrows a connection of its own: WAL lets them read at once and SQLite serialises the short writes.
    A pool rather than a connection per thread, because LangGraph writes checkpoints from short-lived threads.
    """

    def __init__(self, path: str, *, serde: JsonPlusSerializer) -> None:
        self._path = path
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue(maxsize=SQLITE_POOL_IDLE)
        self._borrowed = threading.local()
        super().__init__(_sqlite_connection(path), serde=serde)  # the base connection: set-up and pruning

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection this thread has borrowed inside cursor(), else the base one (the stock saver's)."""
        borrowed: sqlite3.Connection | None = getattr(self._borrowed, "conn", None)
        return borrowed or self._base

    @conn.setter
    def conn(self, value: sqlite3.Connection) -> None:
        self._base = value

    @contextmanager
    def cursor(self, transaction: bool = True) -> Iterator[sqlite3.Cursor]:
        if not self.is_setup:
            with self.lock:
                self.setup()
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = _sqlite_connection(self._path)
        self._borrowed.conn = conn
        cur = conn.cursor()
        try:
            yield cur
            if transaction:
                conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            cur.close()
            self._borrowed.conn = None
            try:
                self._idle.put_nowait(conn)
            except queue.Full:
                conn.close()


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
    return ThreadedSqliteSaver(str(settings.checkpoint_path), serde=_serde())


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
