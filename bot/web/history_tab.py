"""The History tab: a candidate's past sessions, their progress by dimension, and their drills."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.drills.service import DrillService
from bot.interview.service import InterviewService
from bot.interview.summary import SCORE_DECIMALS
from bot.web.drill_render import history_rows
from bot.web.errors import guarded
from bot.web.page import Page
from bot.web.reports import progress_frame

NO_HISTORY = "No past sessions or drills for this candidate key yet."
DRILL_HEADERS = ["started", "drill", "title", "difficulty", "score", "result"]


def shown_score(score: float | None) -> str:
    """A score as every screen shows it (one decimal), or a dash."""
    return "—" if score is None else f"{score:.{SCORE_DECIMALS}f}"


def status(item: dict[str, Any]) -> str:
    """Whether a past session ended, in words."""
    return "finished" if item["finished"] else "not finished (open it from its resume link)"


class HistoryTab:
    """Past sessions and drills for the candidate key (the same key as in the resume link)."""

    def __init__(self, service: InterviewService, page: Page, drills: DrillService | None = None) -> None:
        self.service = service
        self.drills = drills
        self.page = page
        self.error_output = page.banner

    def build(self) -> None:
        """Lay out the tab (call inside gr.Tabs)."""
        with gr.Tab("History"):
            self.candidate_box = gr.Textbox(label="Candidate key (keep it private; it is part of your resume link)")
            self.history_btn = gr.Button("Show my history")
            self.table = gr.Dataframe(
                headers=["started (UTC)", "role", "domain", "overall", "status"], interactive=False
            )
            # points, not lines: a single session still shows, and each session is one column of points
            self.plot = gr.ScatterPlot(
                x="session", y="score", color="dimension", y_lim=[0, 5], sort="x", label="Progress by dimension"
            )
            self.drill_table = gr.Dataframe(
                headers=DRILL_HEADERS, interactive=False, label="Drills (score: share of points, or the latest kappa)"
            )

    def wire(self) -> None:
        """Connect the handlers."""
        outputs = [self.table, self.plot, self.drill_table, self.page.candidate, self.page.banner]
        self.history_btn.click(self.on_history, self.candidate_box, outputs, api_visibility="private")

    @guarded
    def on_history(self, candidate: str) -> dict[Any, Any]:
        """List past sessions and plot progress; list the drills beside them."""
        key = (candidate or "").strip()
        items = self.service.history(key) if key else []
        drills = self.drills.history(key) if key and self.drills is not None else []
        rows = [
            [h["started"][:16].replace("T", " "), h["role"], h["domain"] or "", shown_score(h["overall"]), status(h)]
            for h in items
        ]
        return {
            self.table: rows,
            self.plot: progress_frame(items),
            self.drill_table: history_rows(drills),
            self.page.candidate: candidate,
            self.page.banner: "" if items or drills else NO_HISTORY,
        }
