"""The Coach tab (sign-in, assignments, dashboard, reviews, exports) and the candidate's share-link flow."""

from __future__ import annotations

import html
import importlib.util
import logging
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr

from bot import coach as coaching
from bot.coach_forms import (
    MAX_MINUTES,
    add_review,
    assignment_choices,
    assignment_intro,
    attempt_detail,
    base_url,
    client_key,
    dashboard,
    make_assignment,
    results_html,
)
from bot.config import DOMAINS, ROLES
from bot.errors import CoachError
from bot.models import Coach as CoachAccount
from bot.questions import SKILLS
from bot.rubric import DIMENSIONS
from bot.session import Coach, TurnResult
from bot.store import Store

log = logging.getLogger(__name__)
Guard = Callable[[Any], Callable[[Callable[..., dict[Any, Any]]], Callable[..., dict[Any, Any]]]]
CUSTOM_HELP = (
    "Optional custom questions, asked first, as JSON or YAML: a list of "
    "{text, key_points: {evaluation: [...], failure_modes: [...], product_judgment: [...]}}"
)


# -- the Coach tab --------------------------------------------------------------------------------------------


def hf_sign_in_available() -> bool:
    """Whether to offer Hugging Face sign-in: on a Space with OAuth enabled (hf_oauth: true) and gradio[oauth]."""
    if not (os.environ.get("SPACE_ID") and os.environ.get("OAUTH_CLIENT_ID")):
        return False
    if importlib.util.find_spec("itsdangerous") is None:
        log.warning("Hugging Face sign-in is off: add gradio[oauth] to the requirements and set hf_oauth: true")
        return False
    return True


def hf_account(store: Store, profile: dict[str, Any] | None, allowed: list[str]) -> CoachAccount | None:
    """The coach for a Hugging Face profile on the allow-list (created on first sign-in); None otherwise."""
    if profile is None:
        return None
    username = str(profile.get("preferred_username") or "")
    if not coaching.is_allowed_hf_user(username, profile.get("email"), allowed):
        return None
    return coaching.coach_for_hf_user(store, username, allowed, email=profile.get("email"))


def coach_tab(demo: gr.Blocks, coach_app: Coach, guard: Guard) -> None:
    """Build the Coach tab inside `demo` (call within a gr.Tabs) and wire its handlers."""
    store, settings = coach_app.store, coach_app.settings
    coach_id = gr.State(None)  # per browser session, server-side; set only by a successful sign-in
    hf_sign_in = hf_sign_in_available()
    with gr.Tab("Coach"):
        status = gr.Markdown("", elem_id="coach-status")
        with gr.Column(visible=True) as signed_out:
            gr.Markdown("Coaches sign in to set assignments and review candidates' attempts.")
            if hf_sign_in:
                gr.LoginButton()
            email = gr.Textbox(label="Coach email", elem_id="coach-email")
            password = gr.Textbox(label="Password", type="password", elem_id="coach-password")
            sign_in_btn = gr.Button("Sign in", variant="primary", elem_id="coach-sign-in")
        with gr.Column(visible=False) as signed_in:
            with gr.Row():
                who = gr.Markdown("")
                sign_out_btn = gr.Button("Sign out", size="sm", elem_id="coach-sign-out")
            with gr.Accordion("New assignment", open=True):
                title = gr.Textbox(label="Title", elem_id="asg-title")
                role = gr.Radio(list(ROLES), value="feature", label="Role")
                domain = gr.Dropdown(list(DOMAINS), value=DOMAINS[0], label="Domain (vertical only)", visible=False)
                skills = gr.Dropdown(list(SKILLS), multiselect=True, value=[], label="Skill focus")
                with gr.Row():
                    n_questions = gr.Slider(1, 20, value=3, step=1, label="Number of questions")
                    difficulty = gr.Slider(1, 3, value=2, step=1, label="Difficulty")
                    minutes = gr.Number(0, minimum=0, maximum=MAX_MINUTES, label="Minutes per answer (0 = none)")
                due = gr.DateTime(label="Due (UTC)", type="string", include_time=True, elem_id="asg-due")
                custom = gr.Code(label=CUSTOM_HELP, language="yaml", lines=6)
                create_btn = gr.Button("Create assignment", variant="primary", elem_id="asg-create")
                share = gr.Textbox(label="Share link", interactive=False, buttons=["copy"], elem_id="asg-share")
            with gr.Accordion("Dashboard", open=True):
                with gr.Row():
                    pick = gr.Dropdown([], label="Assignment", elem_id="asg-pick")
                    refresh_btn = gr.Button("Refresh", size="sm")
                table = gr.HTML("", elem_id="asg-attempts")
                chart = gr.BarPlot(x="dimension", y="score", y_lim=[0, 5], label="Cohort mean by dimension")
                with gr.Row():
                    csv_dl = gr.DownloadButton("Download CSV", elem_id="asg-csv")
                    json_dl = gr.DownloadButton("Download JSON", elem_id="asg-json")
                    overrides_dl = gr.DownloadButton(
                        "Your overrides as calibration data (YAML)", elem_id="asg-overrides"
                    )
                attempt = gr.Dropdown([], label="Attempt", elem_id="asg-attempt")
                transcript = gr.HTML("", elem_id="asg-transcript")
                with gr.Row():
                    turn = gr.Dropdown([], label="Answer")
                    dimension = gr.Dropdown(["overall", *DIMENSIONS], value="overall", label="Dimension")
                    score = gr.Dropdown([("no score", 0), 1, 2, 3, 4, 5], value=0, label="Score")
                comment = gr.Textbox(label="Comment for the candidate", lines=2)
                review_btn = gr.Button("Save review", elem_id="asg-review")

    def signed(account: CoachAccount, message: str) -> dict[Any, Any]:
        """Outputs for a fresh sign-in: the panels, the coach's assignments, a default due date."""
        choices = assignment_choices(store, account.id)
        return {
            coach_id: account.id,
            status: message,
            signed_out: gr.Column(visible=False),
            signed_in: gr.Column(visible=True),
            who: f"Signed in as **{html.escape(account.email)}**",
            password: "",
            due: (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
            pick: gr.Dropdown(choices=choices, value=None),
        }

    @guard(status)
    def on_sign_in(mail: str, secret: str, request: gr.Request) -> dict[Any, Any]:
        """Check the email and password (rate-limited per client) and keep the coach id in state."""
        account = coaching.sign_in(store, mail, secret, client_key(request))
        return signed(account, "")

    @guard(status)
    def on_hf(profile: gr.OAuthProfile | None) -> dict[Any, Any]:
        """On a Space, sign in a Hugging Face user on the allow-list."""
        if profile is None:
            return gr.skip()  # an empty dict is not a no-op for Gradio: it fails the event
        account = hf_account(store, profile, settings.coach_allowlist)
        if account is None:  # a status line, not a toast: candidates signed in to Hugging Face land here too
            return {status: "This Hugging Face account is not on the coach allow-list."}
        return signed(account, "")

    def on_sign_out() -> dict[Any, Any]:
        """Forget the coach for this browser session and clear what was shown."""
        return {
            coach_id: None,
            status: "Signed out.",
            signed_out: gr.Column(visible=True),
            signed_in: gr.Column(visible=False),
            who: "",
            pick: gr.Dropdown(choices=[], value=None),
            table: "",
            transcript: "",
            share: "",
            attempt: gr.Dropdown(choices=[], value=None),
            turn: gr.Dropdown(choices=[], value=None),
        }

    @guard(status)
    def on_create(
        cid: int | None,
        title_v: str,
        role_v: str,
        domain_v: str | None,
        skills_v: list[str] | None,
        n: float,
        diff: float,
        mins: float | None,
        due_v: Any,
        custom_v: str | None,
        request: gr.Request,
    ) -> dict[Any, Any]:
        """Create the assignment and show its share link; select it on the dashboard."""
        fields = (title_v, role_v, domain_v, skills_v, n, diff, mins, due_v, custom_v)
        assignment, url = make_assignment(store, cid, base_url(request), *fields)
        choices = assignment_choices(store, cid)
        return {
            status: f"Created **{html.escape(assignment.title)}**; send candidates the share link.",
            share: url,
            pick: gr.Dropdown(choices=choices, value=assignment.id),
        }

    @guard(status)
    def on_pick(cid: int | None, assignment_id: int | None) -> dict[Any, Any]:
        """Show the picked assignment's attempts, cohort chart and exports."""
        if not assignment_id:
            return {table: "", transcript: "", attempt: gr.Dropdown(choices=[], value=None)}
        board = dashboard(store, cid, assignment_id)
        return {
            status: "",
            table: board["table"],
            chart: board["chart"],
            attempt: gr.Dropdown(choices=board["attempts"], value=None),
            csv_dl: board["csv"],
            json_dl: board["json"],
            overrides_dl: board["overrides"],
            transcript: "",
            turn: gr.Dropdown(choices=[], value=None),
        }

    @guard(status)
    def on_attempt(cid: int | None, attempt_id: str | None) -> dict[Any, Any]:
        """Show one attempt's transcript with critiques and reviews."""
        page, turns = attempt_detail(store, cid, attempt_id)
        return {status: "", transcript: page, turn: gr.Dropdown(choices=turns, value=turns[0][1] if turns else None)}

    @guard(status)
    def on_review(
        cid: int | None,
        assignment_id: int | None,
        attempt_id: str | None,
        turn_id: int | None,
        dim: str,
        points: int | None,
        text: str,
    ) -> dict[Any, Any]:
        """Save a review, then refresh the transcript, the table and the exports."""
        add_review(store, cid, turn_id, dim, points, text)
        page, _ = attempt_detail(store, cid, attempt_id)
        board = dashboard(store, cid, assignment_id)
        return {
            status: "Review saved.",
            transcript: page,
            table: board["table"],
            chart: board["chart"],
            csv_dl: board["csv"],
            json_dl: board["json"],
            overrides_dl: board["overrides"],
            comment: "",
        }

    session_outputs = [coach_id, status, signed_out, signed_in, who, password, due, pick]
    board_outputs = [status, table, chart, attempt, csv_dl, json_dl, overrides_dl, transcript, turn]
    sign_in_btn.click(on_sign_in, [email, password], session_outputs, api_visibility="private")
    password.submit(on_sign_in, [email, password], session_outputs, api_visibility="private")
    if hf_sign_in:
        demo.load(on_hf, None, session_outputs, api_visibility="private")
    sign_out_btn.click(
        on_sign_out,
        None,
        [coach_id, status, signed_out, signed_in, who, pick, table, transcript, share, attempt, turn],
        queue=False,
        api_visibility="private",
    )
    role.change(lambda r: gr.Dropdown(visible=r == "vertical"), role, domain, queue=False, api_visibility="private")
    create_btn.click(
        on_create,
        [coach_id, title, role, domain, skills, n_questions, difficulty, minutes, due, custom],
        [status, share, pick],
        api_visibility="private",
    )
    pick.change(on_pick, [coach_id, pick], board_outputs, api_visibility="private")
    refresh_btn.click(on_pick, [coach_id, pick], board_outputs, api_visibility="private")
    attempt.change(on_attempt, [coach_id, attempt], [status, transcript, turn], api_visibility="private")
    review_btn.click(
        on_review,
        [coach_id, pick, attempt, turn, dimension, score, comment],
        [status, transcript, table, chart, csv_dl, json_dl, overrides_dl, comment],
        api_visibility="private",
    )


# -- the candidate's side on the Interview tab ----------------------------------------------------------------


def candidate_widgets() -> dict[str, Any]:
    """Build the share-link panel (hidden until ?assignment=) on the Interview tab; returns its components."""
    widgets: dict[str, Any] = {"code": gr.State("")}
    widgets["notice"] = gr.Markdown("", elem_id="assignment-notice")
    with gr.Column(visible=False) as panel:
        widgets["intro"] = gr.HTML("", elem_id="assignment-intro")
        with gr.Row():
            widgets["name"] = gr.Textbox(label="Your name", elem_id="candidate-name")
            widgets["email"] = gr.Textbox(label="Your email (optional)", elem_id="candidate-email")
        widgets["start"] = gr.Button("Start assignment", variant="primary", elem_id="assignment-start")
    widgets["panel"] = panel
    return widgets


def results_widgets() -> dict[str, Any]:
    """Build the "My results" panel: the candidate's own session only, with coach comments."""
    with gr.Accordion("My results and coach comments", open=False):
        button = gr.Button("Show my results", elem_id="my-results-btn")
        page = gr.HTML("", elem_id="my-results")
    return {"button": button, "page": page}


def wire_candidate(
    demo: gr.Blocks,
    coach_app: Coach,
    guard: Guard,
    widgets: dict[str, Any],
    results: dict[str, Any],
    ui: dict[str, Any],
    started: Callable[[TurnResult, float, str, gr.Request], dict[Any, Any]],
) -> None:
    """Wire the share-link flow: ?assignment= on load, Start, and My results (from the session in state)."""
    store = coach_app.store
    banner, session, candidate, minutes, setup = (
        ui["banner"],
        ui["session"],
        ui["candidate"],
        ui["minutes"],
        ui["setup"],
    )
    code, notice, panel, intro = widgets["code"], widgets["notice"], widgets["panel"], widgets["intro"]

    @guard(banner)
    def on_load(request: gr.Request) -> dict[Any, Any]:
        """Open the assignment named in ?assignment=, or say clearly why it cannot be taken."""
        params = dict(request.query_params) if request is not None else {}
        wanted = str(params.get("assignment") or "").strip()
        if not wanted or params.get("session"):
            return gr.skip()
        try:
            page = assignment_intro(store, wanted)
        except CoachError as exc:
            message = f"⚠️ {html.escape(str(exc))}. You can still practise with a normal interview below."
            return {notice: message, code: "", panel: gr.Column(visible=False)}
        return {notice: "", code: wanted, intro: page, panel: gr.Column(visible=True), setup: gr.Column(visible=False)}

    @guard(banner)
    def on_start(wanted: str, name: str, mail: str, cand: str, request: gr.Request) -> dict[Any, Any]:
        """Start the candidate's attempt with the assignment's settings and its per-answer timer."""
        if not wanted:
            raise CoachError(coaching.INVALID_LINK)
        cand = cand or secrets.token_urlsafe(12)
        result = coach_app.start(
            assignment=wanted, candidate_name=name, candidate_email=(mail or "").strip() or None, candidate=cand
        )
        mins = (result.time_limit_s or 0) / 60
        out = started(result, mins, cand, request)
        out[minutes] = gr.Number(value=mins, maximum=MAX_MINUTES)
        out[panel] = gr.Column(visible=False)
        return out

    @guard(banner)
    def on_results(sid: str) -> dict[Any, Any]:
        """Show this browser session's own results (never a session id typed by the user)."""
        return {results["page"]: results_html(store, sid)}

    demo.load(on_load, None, [banner, notice, code, intro, panel, setup], api_visibility="private")
    widgets["start"].click(
        on_start,
        [code, widgets["name"], widgets["email"], candidate],
        [*ui["start_outputs"], minutes, panel],
        api_visibility="private",
    )
    results["button"].click(on_results, session, [banner, results["page"]], api_visibility="private")
