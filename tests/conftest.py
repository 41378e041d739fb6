"""Shared fixtures: every test runs against a temporary data folder, offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings, get_settings

# No test may reach the network: make any accidental client fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for key in ("COACH_LLM", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "CHROMA_HOST", "DATABASE_URL"):
    os.environ.pop(key, None)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data folder at a fresh temporary directory for each test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("COACH_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One index of the real guides, built once per test session and shared read-only."""
    from bot.knowledge import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("index"))
    ingest(settings)
    return settings
