"""Text hygiene shared by every layer: control characters never reach storage, models or the page."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all C0 controls but tab, newline and return, and DEL


def strip_controls(text: str) -> str:
    """`text` without control characters (NUL among them: PostgreSQL refuses it in text columns)."""
    return CONTROL.sub("", text)
