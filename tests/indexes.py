"""Data folders that start with a copy of the run's guide index (the `built_index` fixture in conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings


def copy_index(index: Settings, folder: Path) -> Path:
    """Put a copy of `index`'s guide index and bank vectors (what a warm-up would have saved) in `folder`.

    Every data folder a test's app runs on starts this way: an empty one would ingest the guides and embed the
    bank again on its first turn (about 25 CPU-seconds).
    """
    shutil.copytree(index.chroma_dir, folder / index.chroma_dir.name)
    shutil.copy(index.vectors_path, folder / index.vectors_path.name)
    return folder


def indexed_folder(tmp_path_factory: pytest.TempPathFactory, index: Settings, name: str) -> Path:
    """A new data folder for a module's app (`name`), holding a copy of the session's index (`built_index`)."""
    return copy_index(index, tmp_path_factory.mktemp(name))
