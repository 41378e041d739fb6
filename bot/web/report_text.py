"""Untrusted text inside the reports' Markdown: readable as written, yet never live markup when rendered.

Only what could act is escaped, with Markdown's own backslash escapes (never HTML entities, which read as
`I&#x27;d` in the file): `<` where it would open a tag, comment or autolink; square brackets (every link, image,
reference and footnote needs them); `&` where it would form an entity; the `:` of `scheme://` and the `.` of
`www.` and the `@` of an address, which renderers turn into links on their own; and a backslash that precedes
punctuation, so the candidate's own backslash cannot cancel one of ours. Everything else (apostrophes, quotes,
parentheses, asterisks) is left exactly as typed.
"""

from __future__ import annotations

import re

_ACTIVE = re.compile(
    r"""
    \\(?=[!-/:-@\[-`{-~])      # a backslash before ASCII punctuation: it would escape (or unescape) that character
    | <(?=[A-Za-z/!?])         # raw HTML, comments, processing instructions and <scheme:...> autolinks
    | [\[\]]                   # links, images, reference definitions and footnotes
    | &(?=\#?[A-Za-z0-9]+;)    # an entity or character reference would decode
    | (?<=[A-Za-z0-9]):(?=//)  # a bare https://... that a GFM renderer links
    | (?<=\b[Ww]{3})\.         # a bare www.example.com
    | @(?=[A-Za-z0-9-]+\.[A-Za-z0-9])  # a bare e-mail address
    """,
    re.VERBOSE,
)


def _escaped(text: str) -> str:
    return _ACTIVE.sub(lambda found: "\\" + found.group(0), text)


def prose(text: object) -> str:
    """One piece of untrusted text as inert Markdown prose, kept on one line (a list item or a heading)."""
    return _escaped(" ".join(str(text or "").split()))


def quote_block(text: object) -> str:
    """Untrusted text, line breaks kept, as an inert Markdown blockquote."""
    lines = str(text or "").strip().splitlines() or [""]
    return "\n".join(f"> {_escaped(line)}".rstrip() for line in lines)
