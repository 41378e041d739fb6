"""The History tab: a candidate's past sessions (marked when a coach reviewed them), progress by dimension, drills."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.coaching.reports import candidate_results
from bot.coaching.reviews import review_marks
from bot.drills.service import DrillService
from bot.interview.service import InterviewService
from bot.interview.summary import SCORE_DECIMALS
from bot.web.coach_render import history_notice, review_badge
from bot.web.drill_render import history_rows
from bot.web.errors import guarded
from bot.web.page import Page
from bot.web.render import results_html
from bot.web.reports import progress_frame
from bot.web.request_info import resume_link

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
                headers=["started (UTC)", "role", "domain", "overall", "status", "coach"], interactive=False
            )
            # points, not lines: a single session still shows, and each session is one column of points
            self.plot = gr.ScatterPlot(
                x="session", y="score", color="dimension", y_lim=[0, 5], sort="x", label="Progress by dimension"
            )
            self.drill_table = gr.Dataframe(
                headers=DRILL_HEADERS, interactive=False, label="Drills (score: share of points, or the latest kappa)"
            )
            self.sessions = gr.State([])  # the listed sessions' ids, server-side; the picker holds their positions
            self.open_pick = gr.Dropdown([], label="Open a past session", visible=False, elem_id="h-open")
            self.open_link = gr.Markdown("", elem_id="h-open-link")
            self.reviewed = gr.State([])  # the reviewed sessions' ids, server-side; the picker holds their positions
            self.comments_pick = gr.Dropdown(
                [], label="Read your coach's comments", visible=False, elem_id="h-comments"
            )
            self.comments = gr.HTML("", elem_id="h-comments-page")

    def wire(self) -> None:
        """Connect the handlers."""
        outputs = [self.table, self.plot, self.drill_table, self.page.candidate, self.page.banner]
        outputs += [self.reviewed, self.comments_pick, self.comments, self.sessions, self.open_pick, self.open_link]
        self.history_btn.click(self.on_history, self.candidate_box, outputs, api_visibility="private")
        self.open_pick.change(
            self.on_open,
            [self.sessions, self.open_pick, self.candidate_box],
            [self.page.banner, self.open_link],
            api_visibility="private",
        )
        self.comments_pick.change(
            self.on_comments,
            [self.reviewed, self.comments_pick],
            [self.page.banner, self.comments],
            api_visibility="private",
        )

    @guarded
    def on_history(self, candidate: str) -> dict[Any, Any]:
        """List past sessions (with a badge where a coach reviewed one) and plot progress; list the drills beside them."""
        key = (candidate or "").strip()
        items = self.service.history(key) if key else []
        drills = self.drills.history(key) if key and self.drills is not None else []
        marks = review_marks(self.service.store, [h["session_id"] for h in items])
        rows = [
            [
                h["started"][:16].replace("T", " "),
                h["role"],
                h["domain"] or "",
                shown_score(h["overall"]),
                status(h),
                review_badge(marks.get(h["session_id"])),
            ]
            for h in items
        ]
        reviewed = [h for h in items if h["session_id"] in marks]
        choices = [(f"{h['started'][:16].replace('T', ' ')} · {h['role']}", n) for n, h in enumerate(reviewed)]
        listed = [
            (f"{h['started'][:16].replace('T', ' ')} · {h['role']} · {status(h)}", n) for n, h in enumerate(items)
        ]
        return {
            self.table: rows,
            self.plot: progress_frame(items),
            self.drill_table: history_rows(drills),
            self.page.candidate: candidate,
            self.page.banner: history_notice(marks) if items or drills else NO_HISTORY,
            self.reviewed: [h["session_id"] for h in reviewed],
            self.comments_pick: gr.Dropdown(choices=choices, value=None, visible=bool(choices)),
            self.comments: "",
            self.sessions: [h["session_id"] for h in items],
            self.open_pick: gr.Dropdown(choices=listed, value=None, visible=bool(listed)),
            self.open_link: "",
        }

    @guarded
    def on_open(
        self, sessions: list[str] | None, index: int | None, candidate: str, request: gr.Request | None = None
    ) -> dict[Any, Any]:
        """A link that reopens one listed session in the Interview tab: its chat and cards, or its summary."""
        listed = list(sessions or [])
        if index is None or not 0 <= int(index) < len(listed):
            return {self.open_link: ""}
        link = resume_link(request, listed[int(index)], (candidate or "").strip())
        return {self.open_link: f"[Open this session]({link}) (its private resume link; it opens in this tab)"}

    @guarded
    def on_comments(self, reviewed: list[str] | None, index: int | None) -> dict[Any, Any]:
        """One reviewed session with its scores and the coach's comments (only sessions History just listed)."""
        sessions = list(reviewed or [])
        if index is None or not 0 <= int(index) < len(sessions):
            return {self.comments: ""}
        return {self.comments: results_html(candidate_results(self.service.store, sessions[int(index)]))}
