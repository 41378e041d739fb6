"""AI PM interview coach: knowledge retrieval, an offline rubric critic, and a LangGraph interviewer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# NumPy's BLAS threads spin after each call and fight the ONNX embedder for the cores: the critic's matrix work is
# small, so one BLAS thread is faster (measured: offline critique p50 133 -> 76 ms on 2 cores). Set before NumPy
# loads; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from bot.critic.model import Critique

__all__ = ["Critique", "critique"]


def critique(question: str, answer: str, role: str, domain: str | None = None) -> Critique:
    """Critique `answer` to `question` for `role` (and `domain`); see `bot.critic.critic.critique`."""
    from bot.critic.critic import critique as _critique

    return _critique(question, answer, role, domain)


def __getattr__(name: str) -> Any:
    if name == "Critique":
        from bot.critic.model import Critique

        return Critique
    raise AttributeError(name)
