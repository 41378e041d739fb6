"""Shared fixtures: every test runs against a temporary data folder, offline, holding a copy of one guide index."""

from __future__ import annotations

import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from bot.config import Settings, get_settings
from bot.storage.store import Store
from tests.indexes import copy_index
from tests.storage import BACKENDS, fresh_store

# No test may reach the network: make any accidental client fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for key in ("COACH_LLM", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "CHROMA_HOST", "DATABASE_URL"):
    os.environ.pop(key, None)
# Nor may a developer's .env (a provider, its key, a database URL): settings come from the environment only.
Settings.model_config["env_file"] = None

WITHOUT_INDEX = "without_index"  # the marker (registered in pyproject.toml) for tests whose data folder starts empty
# Tests on the one shared PostgreSQL database (TEST_DATABASE_URL; some restart its server) run in one xdist worker.
POSTGRES_MODULES = {"test_replicas.py", "test_scale_out.py"}
# Tests of one costly module fixture (the held-out split's figures: about 30 CPU-seconds) share a worker too.
SHARED_MODULE_FIXTURES = {"held_out"}
# `make mutate` only: a folder kept across pytest runs for the guide index and the vectors the model returned.
# mutmut starts pytest once per mutant; without it each of those runs would build the index and embed the guides
# again (about 30 CPU-seconds), which is most of a mutant's cost. Unset in `make test`.
RUN_CACHE = Path(os.environ["COACH_TEST_CACHE"]) if os.environ.get("COACH_TEST_CACHE") else None


def _in_a_mutant() -> bool:
    """In a mutant's pytest run (read each time: mutmut's fork server imports this file before any mutant)."""
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for `pytest -n --dist loadgroup` (`make test`): each group runs on one worker, in order."""
    for item in items:
        if "postgres" in item.nodeid or item.path.name in POSTGRES_MODULES:
            item.add_marker(pytest.mark.xdist_group("postgres"))
        elif SHARED_MODULE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a grouped test that xdist scheduled without its group, rather than let it race on the database."""
    group = item.get_closest_marker("xdist_group")
    if os.environ.get("PYTEST_XDIST_WORKER") and group and not item.nodeid.endswith(f"@{group.args[0]}"):
        pytest.fail("pytest-xdist ignored the xdist_group mark (pytest 9.2 with xdist 3.8): see pyproject.toml")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Coach passwords hashed with argon2's own test profile (CHEAPEST) in this process, not RFC 9106 strength.

    A strong hash costs about 0.4 CPU-seconds by design and the coach tests make hundreds. The code around the
    hasher is unchanged; the CLI's subprocesses and `test_passwords_are_hashed_with_argon2id_at_rfc_9106_strength`
    use the app's own parameters.
    """
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from bot.coaching import accounts

    real = accounts.PASSWORDS
    accounts.PASSWORDS = PasswordHasher.from_parameters(CHEAPEST)
    yield
    accounts.PASSWORDS = real


@pytest.fixture(scope="session", autouse=True)
def embed_each_text_once() -> Iterator[None]:
    """Within a test process, the model embeds each distinct text once; later calls reuse its vector.

    Many tests ingest the guides again or critique in a fresh folder, and each would otherwise embed the same
    few thousand texts again (about 10 CPU-seconds each time). The model is the real one, called the same
    way; the vectors are what it returned for that text. Counting tests still see every call to `embed`.
    """
    from bot.retrieval.embeddings import MiniLM

    real = MiniLM.embed
    seen = _SAVED_VECTORS
    known = len(seen)

    def embed(self: MiniLM, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return real(self, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in seen]
        if missing:
            seen.update(zip(missing, real(self, missing), strict=True))
        return np.array([seen[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    MiniLM.embed = embed  # type: ignore[method-assign]
    yield
    MiniLM.embed = real  # type: ignore[method-assign]
    if RUN_CACHE and len(seen) > known and not _in_a_mutant():
        _save_vectors(seen, RUN_CACHE / "embeddings.pickle")  # not from a mutant's run: its texts may be the mutant's


def _load_vectors(path: Path | None) -> dict[str, np.ndarray]:
    if path is None or not path.exists():
        return {}
    with path.open("rb") as saved:
        vectors: dict[str, np.ndarray] = pickle.load(saved)  # written by this file, below, in this checkout
    return vectors


def _save_vectors(seen: dict[str, np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    with partial.open("wb") as out:
        pickle.dump(seen, out)
    partial.replace(path)


# Loaded when conftest is imported, so mutmut's fork server holds them and every mutant's process starts with them.
_SAVED_VECTORS = _load_vectors(RUN_CACHE / "embeddings.pickle" if RUN_CACHE else None)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One index of the real guides and the bank's saved vectors per test run, copied into each test's folder.

    Under `pytest -n` the workers build it together in the run's shared folder: each starts on a different one of
    its two parts (the guides' Chroma index, the bank's vectors), under that part's file lock, then waits for the
    other part. Each worker then takes its own copy, so no two processes open one Chroma folder.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if worker else shared  # xdist: .../pytest-N/popen-gw0 -> .../pytest-N, one per run
    if RUN_CACHE and (not _in_a_mutant() or _built(Settings(data_dir=RUN_CACHE / "index"))):
        shared = RUN_CACHE  # built by a run of the real code (mutmut's clean run), never by a mutant's
    source = Settings(data_dir=shared / "index")
    source.ensure_data_dir()
    first = int(worker.removeprefix("gw")) % len(_PARTS) if worker and worker.startswith("gw") else 0
    for name, build in _PARTS[first:] + _PARTS[:first]:
        with FileLock(shared / f"{name}.lock"):
            if not (source.data_dir / f"built-{name}").exists():
                build(source)
                (source.data_dir / f"built-{name}").touch()
    if not worker:
        return source
    return Settings(data_dir=copy_index(source, tmp_path_factory.mktemp("index")))


def _ingest_guides(settings: Settings) -> None:
    from bot.retrieval.index import ingest

    ingest(settings)


def _save_bank_vectors(settings: Settings) -> None:
    from bot.content.questions import load_bank
    from bot.content.rubric import load_rubric
    from bot.critic.signals import warm_bank_references

    bank, rubric = load_bank(settings.questions_dir), load_rubric(settings.rubric_path)
    warm_bank_references(bank, rubric, settings.vectors_path)


_PARTS: list[tuple[str, Callable[[Settings], None]]] = [("guides", _ingest_guides), ("vectors", _save_bank_vectors)]


def _built(settings: Settings) -> bool:
    return all((settings.data_dir / f"built-{name}").exists() for name, _ in _PARTS)


@pytest.fixture(autouse=True)
def _browser_patience(request: pytest.FixtureRequest) -> None:
    """Playwright's `expect` waits 30 s, as the pages do, not its default 5 s, in the browser tests.

    Under `make test` the server answers beside two other workers on two cores: a form's reply took over 5 s once.
    A wait that succeeds ends as soon as the text shows, so only a failure takes longer.
    """
    if request.node.get_closest_marker("browser") is not None:
        from playwright.sync_api import expect

        expect.set_options(timeout=30_000)


@pytest.fixture(autouse=True)
def data_dir(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data folder at a fresh temporary directory for each test, holding a copy of the guide index.

    The copy includes the bank vectors the app's warm-up saves. Copying is much cheaper than embedding every
    guide and bank sentence again, and `ensure_index` still checks the copy against the guides on disk, so a
    stale index is still noticed.
    """
    folder = tmp_path / "data"
    if request.node.get_closest_marker(WITHOUT_INDEX) is None:
        copy_index(request.getfixturevalue("built_index"), folder)
    monkeypatch.setenv("COACH_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"  # the app's default data folder: tests never touch it
_CHECKOUT_DATA_BEFORE = pytest.StashKey[list[tuple[str, int]] | None]()


def _snapshot(folder: Path) -> list[tuple[str, int]] | None:
    return sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*")) if folder.exists() else None


def pytest_sessionstart(session: pytest.Session) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        session.config.stash[_CHECKOUT_DATA_BEFORE] = _snapshot(CHECKOUT_DATA)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if any test wrote into the checkout's data folder instead of its own temporary one.

    A settings object made when a test module is imported (or in a fixture set up before `data_dir`) points at the
    checkout's `data/`; a critique or ingest through it would leave an index there.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") or _CHECKOUT_DATA_BEFORE not in session.config.stash:
        return
    if _snapshot(CHECKOUT_DATA) != session.config.stash[_CHECKOUT_DATA_BEFORE]:
        session.config.get_terminal_writer().line(
            f"FAILED: the tests wrote into {CHECKOUT_DATA} (the app's own data folder); "
            "use the test's data folder (get_settings() inside the test, or the built_index fixture)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests were skipped and why, grouped by reason, so a skip is never silent."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(_skip_reason(report) for report in skipped)
    terminalreporter.write_sep("=", f"{len(skipped)} skipped, by reason")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:4d} × {reason}")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A fresh, migrated store on each backend (SQLite always; PostgreSQL where TEST_DATABASE_URL is set)."""
    return fresh_store(request.param, monkeypatch)
