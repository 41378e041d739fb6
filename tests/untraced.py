"""Pause coverage tracing for a block whose lines other tests already trace, where only its result matters."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def untraced() -> Iterator[None]:
    """Run the block without coverage tracing in this thread (`make test` measures coverage); unchanged otherwise.

    For computations whose results a test checks and whose code the other tests trace line by line (the held-out
    figures critique 182 answers; the drills' property test builds 4,000 cases): tracing them again adds a third
    or more to their time and nothing to coverage. Only this thread's trace function is taken off and put back:
    other threads (a served app's, a pool's) go on being measured, which `Coverage.stop()` and `start()` would
    not guarantee, and coverage's C tracer reinstalls itself on its first event after the block.
    """
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(tracer)
