"""The Coach tab: sign-in (email or Hugging Face) and new assignments; the dashboard is `CoachDashboard`'s."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr

from bot.coaching import accounts, devices
from bot.coaching.assignments import MAX_ATTEMPTS, create_assignment, create_drill_assignment, share_link
from bot.content.vocabulary import DOMAINS, ROLES, SKILLS
from bot.interview.service import InterviewService
from bot.storage.models import CoachAccount
from bot.web import render
from bot.web.coach_dashboard import CoachDashboard, emptied, no_pdf
from bot.web.coach_forms import (
    MAX_MINUTES,
    load_coach,
    parse_due,
    parse_max_attempts,
    parse_time_limit,
)
from bot.web.coach_sign_in import hf_account, hf_sign_in_available
from bot.web.errors import guarded
from bot.web.question_form import QuestionForm
from bot.web.request_info import base_url, client_key

log = logging.getLogger(__name__)
Outputs = dict[Any, Any]
DRILL_CHOICES = [("Should we launch? (data case)", "case"), ("Be the rater", "rate")]


class CoachTab(CoachDashboard):
    """Everything a coach does; the signed-in coach's id lives in server-side state, set only by a sign-in."""

    def __init__(self, service: InterviewService) -> None:
        self.store = service.store
        self.settings = service.settings
        self.hf_sign_in = hf_sign_in_available()

    # -- layout -----------------------------------------------------------------------------------------------

    def build(self) -> None:
        """Lay out the tab (call inside gr.Tabs)."""
        with gr.Tab("Coach"):
            self.coach_id = gr.State(None)  # inside the tab: a non-Tab child of gr.Tabs garbles the tab bar
            # The browser's trusted-device token (bot.coaching.devices), kept in localStorage under a fixed key and
            # secret so every replica and restart reads it back; that secret reaches the browser anyway (it encrypts
            # there): the token itself is what must stay unguessable.
            self.device = gr.BrowserState(None, storage_key="coach-device", secret="coach-device-v1")
            self.status = gr.Markdown("", elem_id="coach-status")
            self.error_output = self.status
            with gr.Column(visible=True) as self.signed_out:
                self._build_sign_in()
            with gr.Column(visible=False) as self.signed_in:
                with gr.Row():
                    self.who = gr.Markdown("")
                    self.sign_out_btn = gr.Button("Sign out", size="sm", elem_id="coach-sign-out")
                with gr.Accordion("New assignment", open=True):
                    self._build_new_assignment()
                with gr.Accordion("Dashboard", open=True):
                    self.build_dashboard()

    def _build_sign_in(self) -> None:
        gr.Markdown("Coaches sign in to set assignments and review candidates' attempts.")
        if self.hf_sign_in:
            gr.LoginButton()
        self.email = gr.Textbox(label="Coach email", elem_id="coach-email")
        self.password = gr.Textbox(label="Password", type="password", elem_id="coach-password")
        self.sign_in_btn = gr.Button("Sign in", variant="primary", elem_id="coach-sign-in")

    def _build_new_assignment(self) -> None:
        self.title = gr.Textbox(label="Title", elem_id="asg-title")
        self.role = gr.Radio(list(ROLES), value="feature", label="Role")
        self.domain = gr.Dropdown(list(DOMAINS), value=DOMAINS[0], label="Domain (vertical only)", visible=False)
        self.skills = gr.Dropdown(list(SKILLS), multiselect=True, value=[], label="Skill focus")
        with gr.Row():
            self.questions = gr.Slider(1, 20, value=3, step=1, label="Number of questions")
            self.difficulty = gr.Slider(1, 3, value=2, step=1, label="Difficulty")
            self.minutes = gr.Number(0, minimum=0, maximum=MAX_MINUTES, label="Minutes per answer (0 = none)")
        self.due = gr.DateTime(label="Due (UTC)", type="string", include_time=True, elem_id="asg-due")
        self.question_form = QuestionForm(self.status)
        self.question_form.build()
        self.custom = self.question_form.questions
        with gr.Row():
            self.max_attempts = gr.Number(
                0, minimum=0, maximum=MAX_ATTEMPTS, precision=0, label="Attempts per candidate (0 = no limit)"
            )
            self.hold_feedback = gr.Checkbox(
                False, label="Hold back gaps and the stronger-answer outline until the attempt ends"
            )
        self.create_btn = gr.Button("Create assignment", variant="primary", elem_id="asg-create")
        with gr.Accordion("Or set a drill: title, role, difficulty and due date come from the form above", open=False):
            with gr.Row():
                self.drill_kind = gr.Radio(DRILL_CHOICES, value="case", label="Drill")
                self.drill_seed = gr.Textbox(label="Seed (blank: one is picked; every candidate gets the same drill)")
            self.drill_btn = gr.Button("Create drill assignment", elem_id="asg-create-drill")
        self.share = gr.Textbox(label="Share link", interactive=False, buttons=["copy"], elem_id="asg-share")

    # -- wiring -----------------------------------------------------------------------------------------------

    def wire(self, demo: gr.Blocks) -> None:
        """Connect the handlers (and, on a Space with OAuth, the Hugging Face sign-in on page load)."""
        private: dict[str, Any] = {"api_visibility": "private"}
        session = [self.coach_id, self.status, self.signed_out, self.signed_in, self.who, self.password]
        session += [self.due, self.pick, self.refresh_timer, self.stamp]
        for trigger in (self.sign_in_btn.click, self.password.submit):
            trigger(self.on_sign_in, [self.email, self.password, self.device], [*session, self.device], **private)
        if self.hf_sign_in:
            demo.load(self.on_hf_sign_in, None, session, show_progress="hidden", **private)
        cleared = [self.coach_id, self.status, self.signed_out, self.signed_in, self.who, self.pick, self.table]
        cleared += [
            self.transcript,
            self.attempt_pdf,
            self.share,
            self.attempt,
            self.turn,
            self.refresh_timer,
            self.stamp,
        ]
        self.sign_out_btn.click(self.on_sign_out, None, cleared, queue=False, **private)
        self.role.change(self.show_domain, self.role, self.domain, queue=False, **private)
        self.question_form.wire()
        form: list[Any] = [
            self.title,
            self.role,
            self.domain,
            self.skills,
            self.questions,
            self.difficulty,
            self.minutes,
        ]
        form += [self.due, self.custom, self.max_attempts, self.hold_feedback]
        self.create_btn.click(self.on_create, [self.coach_id, *form], [self.status, self.share, self.pick], **private)
        drill_form = [self.coach_id, self.title, self.role, self.domain, self.drill_kind, self.drill_seed]
        drill_form += [self.difficulty, self.due, self.max_attempts]
        self.drill_btn.click(self.on_create_drill, drill_form, [self.status, self.share, self.pick], **private)
        self.wire_dashboard()

    # -- handlers -----------------------------------------------------------------------------------------------

    def _signed(self, account: CoachAccount) -> Outputs:
        """Outputs for a fresh sign-in: the panels, the coach's assignments, a default due date."""
        return {
            self.coach_id: account.id,
            self.status: "",
            self.signed_out: gr.Column(visible=False),
            self.signed_in: gr.Column(visible=True),
            self.who: render.signed_in_line(account.email),
            self.password: "",
            self.due: (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
            self.pick: gr.Dropdown(choices=self.assignment_choices(account.id), value=None),
            self.refresh_timer: gr.Timer(active=True),
            self.stamp: None,
        }

    @guarded
    def on_sign_in(self, email: str, password: str, request: gr.Request, device: Any = None) -> Outputs:
        """Check the email and password (within the account's or this device's limits); keep the coach id in state.

        `device` is the token this browser kept from an earlier sign-in; the browser keeps the one returned now.
        """
        account = accounts.sign_in(self.store, email, password, client_key(request), device)
        return {**self._signed(account), self.device: devices.remember_device(self.store, account, device)}

    @guarded
    def on_hf_sign_in(self, profile: gr.OAuthProfile | None) -> Any:
        """On a Space, sign in a Hugging Face user on the allow-list."""
        if profile is None:
            return gr.skip()  # an empty dict is not a no-op for Gradio: it fails the event
        account = hf_account(self.store, profile, self.settings.coach_allowlist)
        if account is None:  # a status line, not a toast: candidates signed in to Hugging Face land here too
            return {self.status: "This Hugging Face account is not on the coach allow-list."}
        return self._signed(account)

    def on_sign_out(self) -> Outputs:
        """Forget the coach for this browser session and clear what was shown."""
        return {
            self.coach_id: None,
            self.status: "Signed out.",
            self.signed_out: gr.Column(visible=True),
            self.signed_in: gr.Column(visible=False),
            self.who: "",
            self.pick: emptied(),
            self.table: "",
            self.transcript: "",
            self.attempt_pdf: no_pdf(),
            self.share: "",
            self.attempt: emptied(),
            self.turn: emptied(),
            self.refresh_timer: gr.Timer(active=False),
            self.stamp: None,
        }

    def show_domain(self, role: str) -> Any:
        """The domain picker is for vertical roles only."""
        return gr.Dropdown(visible=role == "vertical")

    @guarded
    def on_create(
        self,
        coach_id: int | None,
        title: str,
        role: str,
        domain: str | None,
        skills: list[str] | None,
        questions: float,
        difficulty: float,
        minutes: float | None,
        due: Any,
        custom: list[dict[str, Any]] | None,
        max_attempts: float | None,
        hold_feedback: bool,
        request: gr.Request,
    ) -> Outputs:
        """Create the assignment and show its share link; select it on the dashboard."""
        account = load_coach(self.store, coach_id)
        time_limit_s = parse_time_limit(minutes)
        assignment = create_assignment(
            self.store,
            account,
            title,
            role,
            domain if role == "vertical" else None,
            list(skills or []),
            int(questions or 0),
            int(difficulty or 0),
            time_limit_s,
            parse_due(due),
            list(custom or []),
            max_attempts=parse_max_attempts(max_attempts),
            feedback_after_end=bool(hold_feedback),
        )
        return {
            self.status: render.created_line(assignment.title),
            self.share: share_link(base_url(request), assignment),
            self.pick: gr.Dropdown(choices=self.assignment_choices(coach_id), value=assignment.id),
        }

    @guarded
    def on_create_drill(
        self,
        coach_id: int | None,
        title: str,
        role: str,
        domain: str | None,
        kind: str,
        seed: str | None,
        difficulty: float,
        due: Any,
        max_attempts: float | None,
        request: gr.Request,
    ) -> Outputs:
        """Create a drill assignment (a fixed seed, so the cohort gets comparable drills) and show its share link."""
        account = load_coach(self.store, coach_id)
        domain = domain if role == "vertical" else None
        seed = (seed or "").strip() or None
        assignment = create_drill_assignment(
            self.store,
            account,
            title,
            kind,
            role,
            domain,
            seed,
            int(difficulty or 0),
            parse_due(due),
            max_attempts=parse_max_attempts(max_attempts),
        )
        return {
            self.status: render.created_line(assignment.title),
            self.share: share_link(base_url(request), assignment),
            self.pick: gr.Dropdown(choices=self.assignment_choices(coach_id), value=assignment.id),
        }
