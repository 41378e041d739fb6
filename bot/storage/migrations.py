"""Schema migrations: bring a database to the newest Alembic revision, safely when several processes start at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import PROJECT_ROOT
from bot.errors import CoachError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
BASELINE = "0001"  # sessions and turns exactly as `create_all` made them before migrations existed
HEAD = "0006"  # the newest revision; a test checks it against Alembic's own view of migrations/versions
ADVISORY_LOCK_KEY = 7_402_613_911  # any fixed 64-bit number; PostgreSQL serialises upgrades on it

_migrated: set[str] = set()
_in_process = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the project's migrations; with `connection`, env.py migrates through it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in migrations/versions, as Alembic reads it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise CoachError(f"no migrations found in {MIGRATIONS_DIR}; restore the migrations/ folder")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision this database is at (None when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    connection.commit()  # end the read so Alembic can run its own transaction
    return revision


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` held by this process (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _exclusive(connection: Connection) -> Iterator[None]:
    """Hold a lock that only one migrating process at a time can have, for this database."""
    dialect = connection.dialect.name
    database = connection.engine.url.database
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
    elif dialect == "sqlite" and database and database != ":memory:":
        with _file_lock(Path(f"{database}.migrate.lock")):
            yield
    else:
        yield


def _stamp_legacy(connection: Connection, config: Config) -> None:
    """Mark a database made by `create_all` before migrations existed as being at the baseline revision."""
    from alembic import command

    tables = set(inspect(connection).get_table_names())
    connection.commit()
    if "sessions" in tables and "alembic_version" not in tables:
        command.stamp(config, BASELINE)


def _at_head(engine: Engine) -> bool:
    """Whether the database is already at HEAD, read with one plain query (no Alembic import at start)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:  # no version table yet: a new or pre-migration database
        return False
    return versions == [HEAD]


def upgrade(engine: Engine) -> None:
    """`alembic upgrade head` on this engine's database, once per process; a no-op when already current.

    A database already at HEAD is confirmed with one query; Alembic is loaded only when there is work to do.
    """
    key = engine.url.render_as_string(hide_password=False)
    with _in_process:
        if key in _migrated:
            return
        if _at_head(engine):
            _migrated.add(key)
            return
        from alembic import command
        from alembic.util import CommandError

        head = head_revision()
        try:
            with engine.connect() as connection:
                if current_revision(connection) != head:
                    with _exclusive(connection):
                        config = alembic_config(connection)
                        _stamp_legacy(connection, config)
                        if current_revision(connection) != head:  # another process may have just done it
                            command.upgrade(config, "head")
                        connection.commit()
        except CommandError as exc:
            raise CoachError(f"database migration failed ({exc}); check migrations/ and DATABASE_URL") from exc
        _migrated.add(key)


def forget_migrations() -> None:
    """Make the next `upgrade` check the database again (tests that drop tables call this)."""
    with _in_process:
        _migrated.clear()
