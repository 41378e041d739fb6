"""Storage failures a user can be told about plainly: a read-only data folder, a full disk.

The cause is named (not "something went wrong", not "rebuild the index"); no server path is, since the message
reaches candidates. The log keeps the full exception for whoever runs the app.
"""

from __future__ import annotations

import errno
import logging

log = logging.getLogger(__name__)

READ_ONLY = (
    "the server cannot save anything: its data folder is read-only. Your answer was not taken; it is still in the "
    "box. Copy it, and tell whoever runs this app (the data folder needs write access)"
)
DISK_FULL = (
    "the server's disk is full, so nothing can be saved. Your answer was not taken; it is still in the box. Copy "
    "it, and tell whoever runs this app (free some space, then send it again: it will be stored once)"
)
_READ_ONLY_TEXT = ("readonly database", "read-only file system", "read-only database")
_FULL_TEXT = ("database or disk is full", "no space left on device", "disk quota exceeded")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or during (each once)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def storage_fault(exc: BaseException) -> str | None:
    """READ_ONLY or DISK_FULL when `exc` (or its cause) is that failure; None for anything else."""
    for link in _chain(exc):
        number = getattr(link, "errno", None)
        if number in (errno.EROFS, errno.EACCES, errno.EPERM) and isinstance(link, OSError):
            return READ_ONLY
        if number in (errno.ENOSPC, errno.EDQUOT) and isinstance(link, OSError):
            return DISK_FULL
        text = str(link).lower()
        if any(t in text for t in _READ_ONLY_TEXT):
            return READ_ONLY
        if any(t in text for t in _FULL_TEXT) or getattr(link, "sqlstate", None) == "53100":  # PG disk_full
            return DISK_FULL
    return None
