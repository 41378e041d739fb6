"""Loading status only where a progress animation is shown.

Gradio's page keeps a loading status for every output of every event it has run (unless the event names
`show_progress_on`), and on each status message of any later event it updates all of them: for each, a search of
the whole component tree (here about 280 blocks) and, for a layout block such as a column or the tabs, a walk of
everything inside it. After page load that meant the interview's setup and live columns and the tabs themselves,
on every status message of every turn: 20-50 ms of the page's main thread at each click, before the answer was
even sent (Chromium CPU profile, bench/browser_turn.py). An event whose progress is hidden shows nothing, so it
registers nothing: `show_progress_on=[]`, which the page reads as "no components".
"""

from __future__ import annotations

import gradio as gr


def track_progress_only_where_shown(demo: gr.Blocks) -> int:
    """Give every event whose progress is hidden an empty `show_progress_on`; the number of events changed."""
    changed = 0
    for fn in demo.fns.values():
        if fn.show_progress == "hidden" and fn.show_progress_on is None:
            fn.show_progress_on = []
            changed += 1
    return changed
