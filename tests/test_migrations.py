import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.config import PROJECT_ROOT, get_settings
from bot.storage.migrations import HEAD, alembic_config, forget_migrations, head_revision
from bot.storage.models import Base
from bot.storage.store import make_store
from tests.storage import BACKENDS, NO_POSTGRES, empty_postgres, fresh_store

pytestmark = pytest.mark.without_index  # the store alone: no guide index needed
ALL_TABLES = {
    "sessions",
    "turns",
    "coaches",
    "assignments",
    "reviews",
    "sign_in_attempts",
    "coach_devices",
    "drills",
    "alembic_version",
}

# The schema `Base.metadata.create_all` made before migrations existed (copied from such a database).
LEGACY_SQLITE = """
CREATE TABLE sessions (id VARCHAR(64) NOT NULL, candidate VARCHAR(64) NOT NULL, role VARCHAR(16) NOT NULL,
    domain VARCHAR(16), background VARCHAR(16) NOT NULL, questions INTEGER NOT NULL, started DATETIME NOT NULL,
    finished DATETIME, overall FLOAT, summary JSON, tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL,
    cost_usd FLOAT NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_sessions_candidate ON sessions (candidate);
CREATE TABLE turns (id INTEGER NOT NULL, session_id VARCHAR(64) NOT NULL, seq INTEGER NOT NULL,
    kind VARCHAR(16) NOT NULL, question_id VARCHAR(32), prompt TEXT NOT NULL, answer TEXT NOT NULL, critique JSON,
    created DATETIME NOT NULL, PRIMARY KEY (id), FOREIGN KEY(session_id) REFERENCES sessions (id));
CREATE INDEX ix_turns_session_id ON turns (session_id);
INSERT INTO sessions VALUES ('old', 'cand', 'feature', NULL, 'pm', 3, '2025-01-01 10:00:00', NULL, NULL, NULL, 0, 0, 0);
INSERT INTO turns VALUES (1, 'old', 1, 'answer', 'fea-001', 'Q?', 'kept answer', NULL, '2025-01-01 10:01:00');
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_build_exactly_the_models(backend, monkeypatch):
    store = fresh_store(backend, monkeypatch)
    with store.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == ALL_TABLES
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_nothing_and_back(backend, monkeypatch):
    store = fresh_store(backend, monkeypatch)
    with store.engine.connect() as connection:
        config = alembic_config(connection)
        command.downgrade(config, "base")
        connection.commit()
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        connection.commit()
        command.upgrade(config, "head")
        connection.commit()
        assert set(inspect(connection).get_table_names()) == ALL_TABLES


def test_a_database_from_before_migrations_is_upgraded_in_place(data_dir):
    data_dir.mkdir(parents=True)
    with sqlite3.connect(data_dir / "coach.db") as legacy:
        legacy.executescript(LEGACY_SQLITE)
    forget_migrations()
    store = make_store(get_settings())
    assert [t.answer for t in store.turns("old")] == ["kept answer"]
    assert store.get_session("old").assignment_id is None
    with store.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == ALL_TABLES
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()


STARTER = "from bot.config import get_settings; from bot.storage.store import make_store; make_store(get_settings())"


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_processes_starting_at_once_migrate_once(backend, monkeypatch, data_dir):
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip(NO_POSTGRES)
        empty_postgres(url)
        env["DATABASE_URL"] = url
    starters = [
        subprocess.Popen([sys.executable, "-c", STARTER], cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    failures = [p.stderr.read() for p in starters if p.wait(timeout=120) != 0]
    assert failures == []
    if backend == "postgres":
        monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
    get_settings.cache_clear()
    forget_migrations()
    with make_store(get_settings()).engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == ALL_TABLES


def test_alembic_command_line_uses_the_app_settings(data_dir):
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    alembic = Path(sys.executable).with_name("alembic")
    done = subprocess.run([str(alembic), "upgrade", "head"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data_dir / "coach.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (head_revision(),)


def test_the_fast_start_check_knows_the_newest_migration():
    """`upgrade` skips Alembic when the database is at HEAD: a new migration must move HEAD too."""
    assert head_revision() == HEAD


@pytest.mark.parametrize("backend", BACKENDS)
def test_duplicate_turns_left_by_an_old_crash_are_renumbered_on_upgrade(backend, monkeypatch):
    store = fresh_store(backend, monkeypatch)
    sid = "crashed-session"  # the session row alone: an interview would search the guides, which this module has not
    store.create_session(id=sid, candidate="ada", role="feature", background="pm", questions=2)
    with store.engine.connect() as connection:
        config = alembic_config(connection)
        command.downgrade(config, "0003")  # before turns had an identity
        connection.commit()
        for seq, answer in ((1, "first"), (2, "the same answer, stored twice after a crash"), (2, "later")):
            connection.execute(
                text("INSERT INTO turns (session_id, seq, kind, prompt, answer, created) "
                     "VALUES (:s, :q, 'answer', 'Q?', :a, CURRENT_TIMESTAMP)"),
                {"s": sid, "q": seq, "a": answer},
            )  # fmt: skip
        connection.commit()
        command.upgrade(config, "head")
        connection.commit()
    assert [(t.seq, t.answer) for t in store.turns(sid)] == [
        (1, "first"),
        (2, "the same answer, stored twice after a crash"),
        (3, "later"),
    ]
