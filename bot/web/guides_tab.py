"""The Guides tab (read and search the guides) and the About the feedback tab (the critic's calibration)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.content.guides import load_guides
from bot.interview.service import InterviewService
from bot.retrieval.search import retrieve
from bot.web import render
from bot.web.errors import guarded
from bot.web.page import Page


class GuidesTab:
    """The guides, a search over them, and how accurate the feedback is."""

    def __init__(self, service: InterviewService, page: Page, figures: dict[str, Any] | None) -> None:
        self.settings = service.settings
        self.page = page
        self.figures = figures
        self.error_output = page.banner
        self.guides = {g.topic: g for g in load_guides(self.settings.guides_dir)}

    def build(self) -> None:
        """Lay out both tabs (call inside gr.Tabs)."""
        with gr.Tab("Guides"):
            first = next(iter(self.guides), None)  # shown from the start: the menu opens with it selected
            self.pick = gr.Dropdown([(g.title, t) for t, g in self.guides.items()], value=first, label="Guide")
            self.guide = gr.Markdown(render.guide_markdown(self.guides.get(first or "")))
            self.query = gr.Textbox(label="Search the guides")
            self.search_btn = gr.Button("Search")
            self.results = gr.HTML("")
        with gr.Tab("About the feedback"):
            gr.Markdown(render.figures_markdown(self.figures))

    def wire(self) -> None:
        """Connect the handlers."""
        self.pick.change(self.on_guide, self.pick, [self.guide, self.page.banner], api_visibility="private")
        for trigger in (self.search_btn.click, self.query.submit):
            trigger(self.on_search, self.query, [self.results, self.page.banner], api_visibility="private")

    @guarded
    def on_guide(self, topic: str | None) -> dict[Any, Any]:
        """Show one guide."""
        return {self.guide: render.guide_markdown(self.guides.get(topic or ""))}

    @guarded
    def on_search(self, text: str) -> dict[Any, Any]:
        """Search the guides and show escaped excerpts."""
        if not (text or "").strip():
            return {self.results: render.SEARCH_PROMPT}
        return {self.results: render.search_results(retrieve(self.settings, text, k=5))}
