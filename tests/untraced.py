"""Pause coverage tracing for a block whose lines other tests already trace, where only its result matters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import coverage


@contextmanager
def untraced() -> Iterator[None]:
    """Run the block without coverage tracing when a measurement is on (`make test`); unchanged otherwise.

    For computations whose figures a test checks and whose code the other tests trace line by line (the held-out
    figures critique 182 answers): tracing them again adds about a third to their time and nothing to coverage.
    """
    measuring = coverage.Coverage.current()
    if measuring is None:
        yield
        return
    measuring.stop()
    try:
        yield
    finally:
        measuring.start()
