"""Loading status only where a progress animation can be shown.

Gradio's page keeps a loading status for every output of every event it has run (unless the event names
`show_progress_on`), and on each status message of any later event it updates all of them: for each, a search of
the whole component tree (here about 280 blocks) and, for a layout block such as a column or the tabs, a walk of
everything inside it. After page load that meant the interview's setup and live columns and the tabs themselves,
on every status message of every turn: 20-50 ms of the page's main thread at each click, before the answer was
even sent (Chromium CPU profile, bench/browser_turn.py). So an event registers only the outputs that can show its
progress: none when its progress is hidden (`show_progress_on=[]`, which the page reads as "no components"), and
never a layout block that draws no progress of its own (groups, tabs, and columns or rows without
`show_progress=True`). What the page shows is unchanged.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.components.base import Component


def draws_progress(block: Any) -> bool:
    """Whether `block` shows a progress animation while an event updates it (a layout block only if asked to)."""
    return isinstance(block, Component) or bool(getattr(block, "show_progress", False))


def track_progress_only_where_shown(demo: gr.Blocks) -> None:
    """Narrow every event's `show_progress_on` to the outputs that can show its progress."""
    for fn in demo.fns.values():
        if fn.show_progress_on is not None:
            continue  # the event chose its own
        shown: list[Any] = [] if fn.show_progress == "hidden" else [b for b in fn.outputs if draws_progress(b)]
        if len(shown) < len(fn.outputs):
            fn.show_progress_on = shown
