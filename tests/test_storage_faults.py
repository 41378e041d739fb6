"""A read-only data folder and a full disk, for real (a small tmpfs): the cause in the message, nothing half-written.

Mounting needs root with CAP_SYS_ADMIN, as in CI and this project's machines; elsewhere these tests skip, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings, get_settings
from bot.interview.service import InterviewService
from bot.storage.faults import DISK_FULL, READ_ONLY, storage_fault
from bot.storage.models import Turn
from bot.web.api import InterviewApi

ANSWER = (
    "I would sample 300 real tickets across intents into an eval set, have two agents grade drafts on a rubric, "
    "watch confident wrong answers on rare intents, and ship to 5% of traffic behind a kill switch."
)
CANNOT_MOUNT = "needs root with CAP_SYS_ADMIN to mount a small tmpfs (CI and the project's machines have it)"
pytestmark = pytest.mark.without_index  # the index is copied onto the small disk below


def mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path, built_index: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 48 MB tmpfs as the data folder, holding a copy of the guide index."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None or mount("-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)).returncode:
        pytest.skip(CANNOT_MOUNT)
    try:
        shutil.copytree(built_index.chroma_dir, disk / "data" / "chroma")
        monkeypatch.setenv("COACH_DATA_DIR", str(disk / "data"))
        get_settings.cache_clear()
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
        get_settings.cache_clear()


def stored_answers(service: InterviewService, session_id: str) -> int:
    with service.store.session() as db:
        query = select(func.count()).select_from(Turn).where(Turn.session_id == session_id, Turn.kind == "answer")
        return int(db.scalar(query) or 0)


def test_a_read_only_data_folder_is_named_and_the_answer_goes_in_once_writable(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writable = InterviewService()
    session_id = writable.start("feature", questions=2).session_id
    # the same folder seen read-only (a read-only bind mount), as a server started on it would see it
    view = small_disk / "read-only"
    view.mkdir()
    assert mount("--bind", str(small_disk / "data"), str(view)).returncode == 0
    try:
        assert mount("-o", "remount,bind,ro", str(view)).returncode == 0
        monkeypatch.setenv("COACH_DATA_DIR", str(view))
        get_settings.cache_clear()
        refused = InterviewApi(InterviewService()).submit_answer(session_id, ANSWER)
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    assert refused == {"error": READ_ONLY}
    assert str(small_disk) not in refused["error"] and "rebuild" not in refused["error"]
    assert stored_answers(writable, session_id) == 0
    taken = InterviewApi(writable).submit_answer(session_id, ANSWER)  # sent again once the folder is writable
    assert "error" not in taken and taken["critique"]["overall"] is not None
    assert stored_answers(writable, session_id) == 1


def test_a_full_disk_is_named_and_the_resent_answer_is_stored_once(small_disk: Path) -> None:
    service = InterviewService()
    api = InterviewApi(service)
    session_id = service.start("feature", questions=2).session_id
    filler = small_disk / "filler"
    with filler.open("wb", buffering=0) as out:  # fill the disk to the last block (unbuffered: no late flush)
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    refused = api.submit_answer(session_id, ANSWER * 40)  # long enough to need new pages
    assert refused == {"error": DISK_FULL}
    filler.unlink()
    taken = api.submit_answer(session_id, ANSWER * 40)
    assert "error" not in taken and taken["critique"] is not None
    assert stored_answers(service, session_id) == 1


def test_other_failures_are_not_mistaken_for_storage_faults() -> None:
    assert storage_fault(ValueError("no such column")) is None
    assert storage_fault(PermissionError(13, "Permission denied")) == READ_ONLY
    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert storage_fault(outer) == DISK_FULL
