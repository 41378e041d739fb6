"""Shared fixtures: every test runs against a temporary data folder, offline, holding a copy of one guide index."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings, get_settings

# No test may reach the network: make any accidental client fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for key in ("COACH_LLM", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "CHROMA_HOST", "DATABASE_URL"):
    os.environ.pop(key, None)
# Nor may a developer's .env (a provider, its key, a database URL): settings come from the environment only.
Settings.model_config["env_file"] = None

WITHOUT_INDEX = "without_index"  # the marker (registered in pyproject.toml) for tests whose data folder starts empty


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One index of the real guides, built once per test session and shared read-only."""
    from bot.retrieval.index import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("index"))
    ingest(settings)
    return settings


@pytest.fixture(autouse=True)
def data_dir(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data folder at a fresh temporary directory for each test, holding a copy of the guide index.

    Copying the session's index is much cheaper than embedding every guide again, and `ensure_index` still
    checks the copy against the guides on disk, so a stale index is still noticed.
    """
    folder = tmp_path / "data"
    if request.node.get_closest_marker(WITHOUT_INDEX) is None:
        index: Settings = request.getfixturevalue("built_index")
        shutil.copytree(index.chroma_dir, folder / "chroma")
    monkeypatch.setenv("COACH_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


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
