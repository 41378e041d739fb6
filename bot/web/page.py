"""What every tab shares: the banner at the top of the page, the session and candidate kept in state, the page CSS."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from bot.web.styles import PAGE_CSS


@dataclass(frozen=True)
class Page:
    """The shared components; build inside the Blocks, before the tabs."""

    banner: gr.Markdown
    session: gr.State  # the browser session's interview id, server-side
    candidate: gr.State  # the private candidate key behind the resume link and history

    @classmethod
    def build(cls) -> Page:
        """The states, the page title, the page's own CSS (added to the document head) and the banner."""
        session, candidate = gr.State(""), gr.State("")
        gr.Markdown("# AI PM mock-interview coach")
        gr.HTML("", head=f"<style>{PAGE_CSS}</style>", visible="hidden", elem_id="page-style")
        return cls(banner=gr.Markdown(""), session=session, candidate=candidate)
