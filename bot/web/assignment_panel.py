"""The candidate's side of an interview assignment: the ?assignment= share link, its start, and My results."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import gradio as gr

from bot.coaching.assignments import open_assignment
from bot.coaching.attempts import start_attempt
from bot.coaching.reports import candidate_results
from bot.coaching.reviews import review_marks
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.web import render
from bot.web.coach_forms import MAX_MINUTES
from bot.web.coach_render import review_notice
from bot.web.errors import guarded
from bot.web.request_info import query_params

if TYPE_CHECKING:
    from bot.web.interview_tab import InterviewTab

Outputs = dict[Any, Any]
DRILL_NOTICE = "This assignment is a drill: it opens on the **Drills** tab."


class AssignmentPanel:
    """Shown instead of the setup when the page is opened from a coach's share link; starts the attempt."""

    def __init__(self, service: InterviewService, interview: InterviewTab) -> None:
        self.service = service
        self.interview = interview
        self.error_output = interview.page.banner

    def build_share_panel(self) -> None:
        """The share-link notice and panel (hidden until ?assignment=), above the interview setup."""
        self.code = gr.State("")
        self.notice = gr.Markdown("", elem_id="assignment-notice")
        with gr.Column(visible=False) as self.panel:
            self.intro = gr.HTML("", elem_id="assignment-intro")
            with gr.Row():
                self.name = gr.Textbox(label="Your name", elem_id="candidate-name")
                self.email = gr.Textbox(label="Your email (optional)", elem_id="candidate-email")
            self.start_btn = gr.Button("Start assignment", variant="primary", elem_id="assignment-start")

    def build_results(self) -> None:
        """The "My results" panel: the candidate's own session only, with coach comments."""
        with gr.Accordion("My results and coach comments", open=False):
            self.results_btn = gr.Button("Show my results", elem_id="my-results-btn")
            self.results = gr.HTML("", elem_id="my-results")

    def wire(self, demo: gr.Blocks) -> None:
        """Connect ?assignment= on load, Start assignment and My results (from the session in state)."""
        tab, page = self.interview, self.interview.page
        demo.load(
            self.on_load,
            None,
            [page.banner, self.notice, self.code, self.intro, self.panel, tab.setup],
            api_visibility="private",
            show_progress="hidden",  # page load: nothing to animate (bot/web/progress.py)
        )
        self.start_btn.click(
            self.on_start,
            [self.code, self.name, self.email, page.candidate],
            [*tab.start_outputs, tab.minutes, self.panel],
            api_visibility="private",
        )
        self.results_btn.click(self.on_results, page.session, [page.banner, self.results], api_visibility="private")

    @guarded
    def on_load(self, request: gr.Request) -> Any:
        """Open the assignment named in ?assignment=, or say clearly why it cannot be taken.

        With ?session= (a resume link) instead: a notice when a coach has reviewed that session.
        """
        params = query_params(request)
        wanted = params.get("assignment", "").strip()
        if params.get("session"):  # a session reopened: say so when a coach reviewed it
            mark = review_marks(self.service.store, [params["session"]]).get(params["session"])
            return {self.notice: review_notice(mark)} if mark else gr.skip()
        if not wanted:
            return gr.skip()  # an empty dict is not a no-op for Gradio: it fails the event
        try:
            assignment = open_assignment(self.service.store, wanted)
        except CoachError as exc:
            return {
                self.notice: render.assignment_refused(str(exc)),
                self.code: "",
                self.panel: gr.Column(visible=False),
            }
        if assignment.drill:  # the Drills tab opens it (and switches to itself)
            return {self.notice: DRILL_NOTICE, self.code: "", self.panel: gr.Column(visible=False)}
        page = render.assignment_intro(assignment)
        return {
            self.notice: "",
            self.code: wanted,
            self.intro: page,
            self.panel: gr.Column(visible=True),
            self.interview.setup: gr.Column(visible=False),
        }

    @guarded
    def on_start(self, code: str, name: str, email: str, candidate: str, request: gr.Request) -> Outputs:
        """Start the candidate's attempt with the assignment's settings; the server times each answer."""
        candidate = candidate or secrets.token_urlsafe(12)
        result = start_attempt(self.service, code, name, (email or "").strip() or None, candidate)
        out = self.interview.started(result, candidate, request)
        out[self.interview.minutes] = gr.Number(value=(result.time_limit_s or 0) / 60, maximum=MAX_MINUTES)
        out[self.panel] = gr.Column(visible=False)
        return out

    @guarded
    def on_results(self, session_id: str) -> Outputs:
        """Show this browser session's own results (never a session id typed by the user)."""
        if not session_id:
            raise CoachError("start or resume an interview first")
        return {self.results: render.results_html(candidate_results(self.service.store, session_id))}
