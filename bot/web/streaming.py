"""A turn run in a worker thread, its interviewer reply passed on piece by piece as the model streams it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from bot.interview.service import InterviewService


def stream_submit(service: InterviewService, session_id: str, text: str, outcome: dict[str, Any]) -> Iterator[str]:
    """Submit in a worker thread and yield the interviewer's reply so far as it streams.

    The result (or the exception) lands in `outcome`.
    """
    tokens: queue.Queue[str | None] = queue.Queue()

    def work() -> None:
        try:
            outcome["result"] = service.submit(session_id, text, on_token=tokens.put)
        except Exception as exc:  # re-raised by the caller, inside its error guard
            outcome["error"] = exc
        finally:
            tokens.put(None)

    threading.Thread(target=work, daemon=True).start()
    partial = ""
    while (piece := tokens.get()) is not None:
        partial += piece
        yield partial
