"""Text hygiene shared by every layer: control characters never reach storage, models or the page."""

from __future__ import annotations

import html
import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all C0 controls but tab, newline and return, and DEL


def strip_controls(text: str) -> str:
    """`text` without control characters (NUL among them: PostgreSQL refuses it in text columns)."""
    return CONTROL.sub("", text)


_MARKDOWN = re.compile(r"([\\`*_\[\]()!#|~])")  # what makes links, images, emphasis, code and headings


def inert_markdown(text: str) -> str:
    """`text` to show literally inside Markdown: no HTML, link, image or emphasis of its own.

    For what a coach writes (custom questions and their follow-ups): it reaches candidates' browsers, which must
    not fetch or link anything because of it.
    """
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
