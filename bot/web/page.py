"""What every tab shares: the banner at the top of the page, and the session and candidate kept in state."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


@dataclass(frozen=True)
class Page:
    """The shared components; build inside the Blocks, before the tabs."""

    banner: gr.Markdown
    session: gr.State  # the browser session's interview id, server-side
    candidate: gr.State  # the private candidate key behind the resume link and history

    @classmethod
    def build(cls) -> Page:
        """The states, the page title and the banner."""
        session, candidate = gr.State(""), gr.State("")
        gr.Markdown("# AI PM mock-interview coach")
        return cls(banner=gr.Markdown(""), session=session, candidate=candidate)
