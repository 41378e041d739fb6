"""The Interview tab: set up, answer (streamed replies, a server-timed countdown), finish, resume from a link."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from bot.content.vocabulary import DOMAINS
from bot.errors import CoachError
from bot.interview.policy import HINT_PENALTY
from bot.interview.service import InterviewService, TurnResult
from bot.interview.state import InterviewPlan, InterviewState
from bot.web import render
from bot.web.assignment_panel import AssignmentPanel
from bot.web.chat_history import chat_view, notices_html
from bot.web.errors import guarded
from bot.web.finished_screen import FinishedScreen
from bot.web.page import Page
from bot.web.page_js import PAGE_JS
from bot.web.request_info import query_params, resume_link
from bot.web.streaming import stream_submit
from bot.web.try_again import TryAgain

Outputs = dict[Any, Any]
ROLE_CHOICES = [
    (
        "Foundation model PM: builds the models themselves; probed on evals, benchmarks and safety trade-offs",
        "foundation",
    ),
    (
        "Platform PM: builds AI APIs and tooling for developers; probed on reliability, cost and developer experience",
        "platform",
    ),
    (
        "Feature PM: ships AI features inside a product; probed on user value, quality bars and failure handling",
        "feature",
    ),
    ("Vertical PM: AI for a regulated domain; probed on domain risk, compliance and expert review", "vertical"),
]
BACKGROUND_CHOICES = [("Product manager", "pm"), ("Technical (engineer, scientist)", "technical")]
EMPTY_ANSWER = "Type an answer first (or use Hint, Skip or End interview)."
UNKNOWN_SESSION = "⚠️ That resume link does not match any interview. Start a new one below."


class InterviewTab:
    """Setup, the live interview and its summary; the share-link panel and "My results" sit inside it."""

    def __init__(self, service: InterviewService, page: Page, figures: dict[str, Any] | None) -> None:
        self.service = service
        self.page = page
        self.figures = figures
        self.error_output = page.banner
        self.assignment = AssignmentPanel(service, self)
        self.try_again = TryAgain(service, page.banner, self.show_turn)
        self.end_screen = FinishedScreen(service)
        self._expiring: set[tuple[str, float]] = set()  # (session, deadline) already auto-submitted
        self._expiring_lock = threading.Lock()

    # -- layout -----------------------------------------------------------------------------------------------

    def build_clock(self) -> None:
        """The answer deadline and the countdown's timer; call outside gr.Tabs, so it ticks whichever tab is open."""
        self.deadline = gr.State(0.0)  # server epoch seconds when the current answer is due; 0: untimed
        self.timer = gr.Timer(1.0, active=False)

    def build(self) -> None:
        """Lay out the tab (call inside gr.Tabs)."""
        with gr.Tab("Interview"):
            gr.Markdown(render.figures_markdown(self.figures, short=True))
            self.link = gr.Markdown("", elem_id="resume-link")
            self.assignment.build_share_panel()
            with gr.Column(visible=True) as self.setup:
                self._build_setup()
            with gr.Column(visible=False) as self.live:
                self._build_live()
            with gr.Column(visible=False) as self.finished:
                self.end_screen.build()
            self.assignment.build_results()

    def _build_setup(self) -> None:
        self.role = gr.Radio(ROLE_CHOICES, value="feature", label="Role")
        self.domain = gr.Dropdown(list(DOMAINS), value=DOMAINS[0], label="Domain (vertical roles only)", visible=False)
        self.background = gr.Radio(BACKGROUND_CHOICES, value="pm", label="Your background")
        with gr.Row():
            self.questions = gr.Slider(1, 10, value=3, step=1, label="Number of questions")
            self.difficulty = gr.Slider(1, 3, value=2, step=1, label="Difficulty")
            self.minutes = gr.Number(0, minimum=0, maximum=30, label="Minutes per answer (0 = no timer)")
        self.start_btn = gr.Button("Start interview", variant="primary", elem_id="start-btn")

    def _build_live(self) -> None:
        self.progress = gr.Markdown("")
        self.countdown = gr.Markdown("", elem_id="countdown")
        self.chat = gr.Chatbot(label="Interview", height="70vh", min_height=420, elem_id="chat")
        self.notices = gr.HTML("", elem_id="turn-notices")  # what the turn said beside its critique card
        self.answer = gr.Textbox(
            lines=5,
            max_lines=20,
            label="Your answer",
            elem_id="answer",
            placeholder="Enter submits; Shift+Enter adds a new line (on a phone: Enter adds a line, Submit sends).",
        )
        with gr.Row(elem_id="answer-buttons"):
            self.submit_btn = gr.Button("Submit", variant="primary", elem_id="submit-btn")
            self.try_again.build()
            self.hint_btn = gr.Button(f"Hint (costs {HINT_PENALTY:g} on this question)", elem_id="hint-btn")
            self.skip_btn = gr.Button("Skip", elem_id="skip-btn")
            self.end_btn = gr.Button("End interview", variant="stop", elem_id="end-btn")
        with gr.Row(visible=False, elem_id="end-confirm") as self.end_confirm:  # ending cannot be undone: ask first
            gr.Markdown("End the interview now? Unanswered questions count as skipped.")
            self.end_yes = gr.Button("Yes, end it", variant="stop", elem_id="end-yes")
            self.end_no = gr.Button("Keep going", elem_id="end-no")

    @property
    def turn_outputs(self) -> list[Any]:
        """What every turn handler may update."""
        p = self.page
        return [
            *(p.banner, p.session, self.chat, self.answer, self.notices, self.progress, self.setup, self.live),
            *(self.finished, *self.end_screen.outputs),
            *(self.deadline, self.timer, self.countdown, self.try_again.button),
        ]

    @property
    def start_outputs(self) -> list[Any]:
        """What a start (or a resume) updates: the turn, the resume link and the candidate key."""
        return [*self.turn_outputs, self.link, self.page.candidate, self.candidate_box]

    @property
    def buttons(self) -> list[gr.Button]:
        """The answer buttons, locked while a turn runs."""
        return [self.submit_btn, self.hint_btn, self.skip_btn, self.end_btn, self.try_again.button]

    # -- wiring -----------------------------------------------------------------------------------------------

    def wire(self, demo: gr.Blocks, candidate_box: gr.Textbox) -> None:
        """Connect the handlers; `candidate_box` is the History tab's copy of the candidate key."""
        self.candidate_box = candidate_box
        # Offline, a turn takes a few tenths of a second: a progress overlay on every output would only flash, and
        # animating it took Chromium 0.1-0.2 CPU-s a turn on the cores the server needs (bench/browser_turn.py);
        # hidden, the page keeps no loading status for the outputs either (bot/web/progress.py). With an LLM a turn
        # takes seconds, and the overlay says something is happening.
        offline = self.service.llm is None
        quiet: dict[str, Any] = {"show_progress": "hidden"} if offline else {}
        private: dict[str, Any] = {"api_visibility": "private"}
        fast: dict[str, Any] = {"queue": False, "show_progress": "hidden", **private}
        session, answer = self.page.session, self.answer
        self.role.change(self.show_domain, self.role, self.domain, **fast)
        setup = [self.role, self.domain, self.background, self.questions, self.difficulty, self.minutes]
        self.start_btn.click(self.on_start, [*setup, self.page.candidate], self.start_outputs, **private, **quiet)
        on_answer = self.on_answer if offline else self.on_answer_streamed  # nothing streams offline
        for trigger in (self.submit_btn.click, answer.submit):
            # the answer goes at once, with no round trip to lock the buttons first (Gradio sends a page's events
            # one after another, so a lock before the answer cost the browser turn about 70 ms); a second press
            # meanwhile is refused by Gradio (trigger_mode "once") and a double submit by the server
            trigger(on_answer, [session, answer], self.turn_outputs, **private, **quiet)
        self.end_btn.click(lambda: gr.Row(visible=True), None, self.end_confirm, **fast)
        self.end_no.click(lambda: gr.Row(visible=False), None, self.end_confirm, **fast)
        self.end_yes.click(lambda: gr.Row(visible=False), None, self.end_confirm, **fast)
        self.chat.clear(self.on_chat_cleared, session, self.chat, **fast)  # the trash icon: put the chat back
        for button, handler in (
            (self.try_again.button, self.try_again.on_try_again),
            (self.hint_btn, self.on_hint),
            (self.skip_btn, self.on_skip),
            (self.end_yes, self.on_end),
        ):
            button.click(self.lock_buttons, None, self.buttons, **fast).then(
                handler, session, self.turn_outputs, **private, **quiet
            ).then(self.unlock_buttons, None, self.buttons, **fast)
        self.timer.tick(
            self.on_tick, [session, answer, self.deadline], self.turn_outputs, show_progress="hidden", **private
        )
        fresh = [self.setup, self.live, self.finished, session, self.notices, self.link]
        self.end_screen.again_btn.click(self.on_new_interview, None, fresh, **fast)
        demo.load(None, None, None, js=PAGE_JS, **private)
        demo.load(self.on_load, None, self.start_outputs, show_progress="hidden", **private)
        self.assignment.wire(demo)

    # -- handlers -----------------------------------------------------------------------------------------------

    def show_domain(self, role: str) -> Any:
        """The domain picker is for vertical roles only."""
        return gr.Dropdown(visible=role == "vertical")

    def lock_buttons(self) -> list[Any]:
        """Disable the answer buttons while a turn runs."""
        return [gr.Button(interactive=False) for _ in self.buttons]

    def unlock_buttons(self) -> list[Any]:
        """Enable the answer buttons again."""
        return [gr.Button(interactive=True) for _ in self.buttons]

    def show_turn(self, session_id: str, result: TurnResult | None) -> Outputs:
        """The turn outputs for the session as it now stands (`result`: what the last call produced, if any)."""
        state = self.service.view(session_id)
        done = state.done
        out: Outputs = {
            self.page.banner: "",
            self.page.session: session_id,
            self.chat: self.chat_view(state),
            self.setup: gr.Column(visible=False),
            self.live: gr.Column(visible=not done),
            self.finished: gr.Column(visible=done),
            self.progress: render.progress_line(len(state.asked), state.total),
        }
        out[self.notices] = notices_html(result.notices, result.critique) if result is not None else ""
        out[self.try_again.button] = self.try_again.shown(state)
        out.update(self._clock(result if not done else None))
        if done:
            out.update(self.end_screen.show(state))
        return out

    def chat_view(self, state: InterviewState) -> list[dict[str, Any]]:
        """The chat with every critique card (from the stored turns), the latest open."""
        return chat_view(state, self.service.store.turns(state.session_id))

    def _clock(self, result: TurnResult | None) -> Outputs:
        """The countdown for a timed answer, from the deadline the server set; off when untimed or done."""
        due = result.deadline if result is not None and result.time_limit_s else None
        if due is None:
            return {self.deadline: 0.0, self.timer: gr.Timer(active=False), self.countdown: ""}
        return {
            self.deadline: due,
            self.timer: gr.Timer(active=True),
            self.countdown: render.countdown_line(due - time.time()),
        }

    @guarded
    def on_start(
        self,
        role: str,
        domain: str,
        background: str,
        questions: float,
        difficulty: float,
        minutes: float | None,
        candidate: str,
        request: gr.Request,
    ) -> Outputs:
        """Start a session (the server owns the per-answer deadline) and show the first question."""
        mins = float(minutes or 0)
        plan = InterviewPlan(
            role=role,
            domain=domain if role == "vertical" else None,
            background=background,
            questions=int(questions),
            difficulty=int(difficulty),
            time_limit_s=max(1, round(mins * 60)) if mins > 0 else None,
        )
        candidate = candidate or secrets.token_urlsafe(12)
        return self.started(self.service.start(plan=plan, candidate=candidate), candidate, request)

    def started(self, result: TurnResult, candidate: str, request: gr.Request | None) -> Outputs:
        """The outputs once a session has started (also for a share-link assignment)."""
        out = self.show_turn(result.session_id, result)
        out[self.link] = render.resume_line(resume_link(request, result.session_id, candidate))
        out[self.page.candidate], out[self.candidate_box], out[self.answer] = candidate, candidate, ""
        return out

    @guarded
    def on_answer(self, session_id: str, text: str) -> Outputs:
        """Submit the typed answer (or clarifying question)."""
        if not session_id:
            raise CoachError("start an interview first")
        if not (text or "").strip():  # one notice (a toast), where the candidate is looking; nothing is sent
            gr.Warning(EMPTY_ANSWER)
            return {self.page.banner: ""}
        out = self.show_turn(session_id, self.service.submit(session_id, text))
        out[self.answer] = ""
        return out

    def on_answer_streamed(self, session_id: str, text: str) -> Iterator[Outputs]:
        """Like on_answer, but with an LLM configured the interviewer's reply appears as it is written."""
        if self.service.llm is None or not session_id or not (text or "").strip():
            yield self.on_answer(session_id, text)
            return
        try:
            shown = [*self.chat_view(self.service.view(session_id)), render.user_message(text)]
        except CoachError as exc:
            yield {self.page.banner: render.error_line(str(exc))}
            return
        outcome: dict[str, Any] = {}
        for partial in stream_submit(self.service, session_id, text, outcome):
            yield {self.chat: [*shown, {"role": "assistant", "content": partial}]}
        yield self.finish_streamed(session_id, outcome)

    @guarded
    def finish_streamed(self, session_id: str, outcome: dict[str, Any]) -> Outputs:
        """Render the finished turn, or raise what the worker raised (shown by the guard)."""
        if "error" in outcome:
            raise outcome["error"]
        out = self.show_turn(session_id, outcome["result"])
        out[self.answer] = ""
        return out

    def _command(self, session_id: str, word: str) -> Outputs:
        if not session_id:
            raise CoachError("start an interview first")
        result = self.service.end(session_id) if word == "end" else self.service.submit(session_id, word)
        return self.show_turn(session_id, result)

    @guarded
    def on_hint(self, session_id: str) -> Outputs:
        """Ask for a hint (the answer's deadline stays where the server set it)."""
        return self._command(session_id, "hint")

    @guarded
    def on_skip(self, session_id: str) -> Outputs:
        """Skip the current question."""
        return self._command(session_id, "skip")

    @guarded
    def on_end(self, session_id: str) -> Outputs:
        """End the interview now and show the summary (after the candidate confirmed)."""
        return self._command(session_id, "end")

    @guarded
    def on_chat_cleared(self, session_id: str) -> Outputs:
        """The chat's clear icon empties only the view: show the interview's transcript again (nothing is lost)."""
        return {self.chat: self.chat_view(self.service.view(session_id)) if session_id else []}

    @guarded
    def on_tick(self, session_id: str, text: str, due: float) -> Any:
        """Update the countdown; when the server's deadline passes, submit what is typed so far (or skip)."""
        if not session_id or not due:
            return {self.timer: gr.Timer(active=False), self.countdown: ""}
        left = due - time.time()
        if left > 0:
            return {self.countdown: render.countdown_line(left)}
        with self._expiring_lock:
            if (session_id, due) in self._expiring:
                return gr.skip()
            self._expiring.add((session_id, due))
        result = self.service.submit(session_id, text if (text or "").strip() else "skip")
        out = self.show_turn(session_id, result)
        out[self.answer] = ""
        out[self.page.banner] = "⏱ Time is up: your answer so far was submitted."
        return out

    def on_new_interview(self) -> Outputs:
        """Back to the setup for a new interview."""
        return {
            self.setup: gr.Column(visible=True),
            self.live: gr.Column(visible=False),
            self.finished: gr.Column(visible=False),
            self.page.session: "",
            self.notices: "",
            self.link: "",
        }

    @guarded
    def on_load(self, request: gr.Request) -> Outputs:
        """Read ?session= and ?candidate= from the URL; restore a valid session."""
        params = query_params(request)
        candidate = params.get("candidate") or secrets.token_urlsafe(12)
        out: Outputs = {self.page.candidate: candidate, self.candidate_box: candidate}
        session_id = params.get("session") or ""
        if not session_id:
            return out
        try:
            out.update(self.show_turn(session_id, None))
        except CoachError:
            out[self.page.banner] = UNKNOWN_SESSION
            return out
        if params.get("candidate") and params.get("candidate") == self.service.view(session_id).candidate:
            candidate = params["candidate"]  # the whole resume link: the candidate's History comes back too
        # ?session= alone opens that session only: the candidate key (and so the other sessions) stays unknown
        out[self.page.candidate], out[self.candidate_box] = candidate, candidate
        out[self.link] = render.resume_line(resume_link(request, session_id, candidate))
        out[self.page.banner] = "Welcome back: your interview was restored."
        return out
