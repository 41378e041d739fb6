"""Gradio's per-session state made cheap: a session's component configuration is built when read, not at birth.

Gradio 6 gives every session (each browser tab, and each `/gradio_api/call/...` request, which gets a session of
its own) a `SessionState` whose constructor renders the configuration of every component on the page: here 277
blocks, about 15 ms of CPU under the GIL and 0.3 MB kept per session. Under 40 concurrent candidates that was
55% of the server's GIL time (py-spy), more than the interviews themselves. The configuration is read only to
rebuild a page from a deep link, so `LazyConfigValues` renders a block's configuration the first time it is
read; what the page shows is unchanged (`tests/test_gradio_sessions.py` compares both).

The replacement constructor is installed only over the exact constructor it was written against (Gradio 6.31,
pinned in constraints.txt); any other version keeps its own, with a warning.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from collections.abc import ItemsView
from copy import copy
from typing import Any

from gradio import state_holder
from gradio.state_holder import SessionState

log = logging.getLogger(__name__)
# sha256 of `inspect.getsource(SessionState.__init__)` in gradio 6.31.0
KNOWN_INIT = "1b2ea21dc42c45dafb54280eccd932efe6851230b7f896ddbfd4cf593bc0d06b"
_ORIGINAL_INIT = SessionState.__init__


class LazyConfigValues(dict[int, Any]):
    """`SessionState.config_values`, filled per block on first read; iteration keeps the page's block order."""

    def __init__(self, blocks_config: Any, keys: list[int]) -> None:
        super().__init__()
        self._blocks_config = blocks_config
        self._keys = keys

    def _render(self, key: int) -> Any:
        return self._blocks_config.config_for_block(key, [], self._blocks_config.blocks[key])

    def __missing__(self, key: int) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        value = self[key] = self._render(key)
        return value

    def items(self) -> ItemsView[int, Any]:  # type: ignore[override]
        for key in self._keys:
            if not dict.__contains__(self, key):
                dict.__setitem__(self, key, self._render(key))
        ordered = {key: dict.__getitem__(self, key) for key in self._keys}
        ordered.update((k, v) for k, v in dict.items(self) if k not in ordered)
        return ordered.items()


def _lazy_init(self: SessionState, blocks: Any) -> None:
    """SessionState.__init__ as in gradio 6.31.0, except that config_values is a LazyConfigValues."""
    self.blocks_config = copy(blocks.default_config)
    keys = [k for k in self.blocks_config.blocks if k in blocks.blocks]
    self.config_values = LazyConfigValues(self.blocks_config, keys)
    self.state_data = {}
    self._state_ttl = {}
    self.is_closed = False
    self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600


def init_fingerprint() -> str:
    """The sha256 of Gradio's own SessionState constructor source."""
    return hashlib.sha256(inspect.getsource(_ORIGINAL_INIT).encode()).hexdigest()


def install_lazy_session_config() -> bool:
    """Install `_lazy_init` over Gradio's SessionState constructor when it is the known one; True if installed."""
    if state_holder.SessionState.__init__ is _lazy_init:
        return True
    if init_fingerprint() != KNOWN_INIT:
        log.warning("Gradio's SessionState changed: per-session configuration stays eager (slower, more memory)")
        return False
    state_holder.SessionState.__init__ = _lazy_init  # type: ignore[method-assign]
    return True
