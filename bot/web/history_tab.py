"""The History tab: a candidate's past sessions and their progress by dimension."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.interview.service import InterviewService
from bot.web.errors import guarded
from bot.web.page import Page
from bot.web.reports import progress_frame

NO_HISTORY = "No past sessions for this candidate key yet."


class HistoryTab:
    """Past sessions for the candidate key (the same key as in the resume link)."""

    def __init__(self, service: InterviewService, page: Page) -> None:
        self.service = service
        self.page = page
        self.error_output = page.banner

    def build(self) -> None:
        """Lay out the tab (call inside gr.Tabs)."""
        with gr.Tab("History"):
            self.candidate_box = gr.Textbox(label="Candidate key (keep it private; it is part of your resume link)")
            self.history_btn = gr.Button("Show my history")
            self.table = gr.Dataframe(headers=["started", "role", "domain", "overall", "finished"], interactive=False)
            self.plot = gr.LinePlot(
                x="session", y="score", color="dimension", y_lim=[0, 5], label="Progress by dimension"
            )

    def wire(self) -> None:
        """Connect the handlers."""
        outputs = [self.table, self.plot, self.page.candidate, self.page.banner]
        self.history_btn.click(self.on_history, self.candidate_box, outputs, api_visibility="private")

    @guarded
    def on_history(self, candidate: str) -> dict[Any, Any]:
        """List past sessions and plot progress."""
        key = (candidate or "").strip()
        items = self.service.history(key) if key else []
        rows = [[h["started"][:16], h["role"], h["domain"] or "", h["overall"], bool(h["finished"])] for h in items]
        return {
            self.table: rows,
            self.plot: progress_frame(items),
            self.page.candidate: candidate,
            self.page.banner: "" if items else NO_HISTORY,
        }
