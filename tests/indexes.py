"""Data folders that start with a copy of the run's guide index (the `built_index` fixture in conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings


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


def knowledge_without_calibration(folder: Path) -> Path:
    """A copy of the checkout's knowledge/ at `folder`, without its calibration data (a test writes its own).

    The guides are linked, not copied: their paths then resolve into the checkout, as the index copied into each
    test's data folder records them, so the copy's first search does not ingest all 14 guides again (about 10
    CPU-seconds each time).
    """
    shutil.copytree(PROJECT_ROOT / "knowledge", folder, ignore=shutil.ignore_patterns("calibration", "guides"))
    (folder / "guides").symlink_to(PROJECT_ROOT / "knowledge" / "guides", target_is_directory=True)
    return folder
