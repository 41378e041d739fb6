"""The Gradio front end: a thin layer of handlers over Coach, the reports and the guides."""

from __future__ import annotations

import functools
import html
import logging
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from bot import coach_ui, report
from bot.calibration import load_figures
from bot.coach_forms import base_url
from bot.config import DOMAINS, get_settings
from bot.errors import CoachError
from bot.guides import load_guides
from bot.knowledge import retrieve
from bot.session import Coach, TurnResult

log = logging.getLogger(__name__)
GENERIC_ERROR = "Something went wrong on our side; please try again."
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
ENTER_JS = """() => {
  const onKey = (e) => {
    const box = e.target.closest && e.target.closest("#answer");
    if (!box || e.key !== "Enter" || e.isComposing) return;
    e.stopImmediatePropagation();
    if (e.shiftKey) return;
    e.preventDefault();
    if (e.type === "keydown") document.querySelector("#submit-btn")?.click();
  };
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("keypress", onKey, true);
}"""  # Enter submits the answer, Shift+Enter adds a new line (Gradio's own default is the reverse)
CSS = ".coach-card{border:1px solid #d1d5db;border-radius:8px;padding:12px} .coach-notice{color:#b45309}"


def _guard(banner: gr.Markdown) -> Callable[[Callable[..., dict[Any, Any]]], Callable[..., dict[Any, Any]]]:
    """Wrap a UI handler: a CoachError shows its one line, anything else is logged and shown generically."""

    def wrap(fn: Callable[..., dict[Any, Any]]) -> Callable[..., dict[Any, Any]]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> dict[Any, Any]:
            try:
                return fn(*args, **kwargs)
            except CoachError as exc:
                message = str(exc)
            except Exception:
                log.exception("handler %s failed", fn.__name__)
                message = GENERIC_ERROR
            gr.Warning(message)
            return {banner: f"⚠️ {html.escape(message)}"}

        return inner

    return wrap


def _api(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap an API function so that errors come back as {"error": ...} instead of an exception."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except CoachError as exc:
            return {"error": str(exc)}
        except Exception:
            log.exception("api %s failed", fn.__name__)
            return {"error": GENERIC_ERROR}

    return inner


def _chat(view: dict[str, Any]) -> list[dict[str, str]]:
    """Convert the transcript to Chatbot messages; the candidate's own text is made inert."""
    out = []
    for m in view.get("transcript") or []:
        user = m.get("role") == "user"
        out.append(
            {
                "role": "user" if user else "assistant",
                "content": report.inert(m.get("content", "")) if user else str(m.get("content", "")),
            }
        )
    return out


def _resume_link(request: gr.Request | None, session_id: str, candidate: str) -> str:
    """The private resume URL, on the host the browser used."""
    return f"{base_url(request)}/?{urlencode({'session': session_id, 'candidate': candidate})}"


def _write_reports(view: dict[str, Any]) -> tuple[str, str]:
    """Write the Markdown and JSON reports into a fresh temp folder and return their paths."""
    folder = Path(tempfile.mkdtemp(prefix="coach-report-"))
    sid = "".join(c for c in str(view.get("session_id", "")) if c.isalnum() or c in "-_")[:32] or "session"
    md, js = folder / f"interview-{sid}.md", folder / f"interview-{sid}.json"
    md.write_text(report.markdown_report(view), encoding="utf-8")
    js.write_text(report.json_report(view), encoding="utf-8")
    return str(md), str(js)


def build_app(coach: Coach | None = None) -> gr.Blocks:
    """Build the Blocks app (tabs, handlers and named API endpoints) around one Coach."""
    coach = coach or Coach()
    settings = coach.settings
    guides = {g.topic: g for g in load_guides(settings.guides_dir)}
    figures = load_figures(settings)
    gr.set_static_paths([settings.guides_dir])  # the summary links each gap to its guide file
    expiring: set[tuple[str, float]] = set()
    expiring_lock = threading.Lock()

    with gr.Blocks(title="AI PM interview coach") as demo:
        session = gr.State("")
        candidate = gr.State("")
        deadline = gr.State(0.0)
        timer = gr.Timer(1.0, active=False)
        gr.Markdown("# AI PM mock-interview coach")
        banner = gr.Markdown("")
        with gr.Tabs():
            with gr.Tab("Interview"):
                gr.Markdown(report.figures_markdown(figures, short=True))
                link = gr.Markdown("", elem_id="resume-link")
                share_widgets = coach_ui.candidate_widgets()
                with gr.Column(visible=True) as setup:
                    role = gr.Radio(ROLE_CHOICES, value="feature", label="Role")
                    domain = gr.Dropdown(
                        list(DOMAINS), value=DOMAINS[0], label="Domain (vertical roles only)", visible=False
                    )
                    background = gr.Radio(
                        [("Product manager", "pm"), ("Technical (engineer, scientist)", "technical")],
                        value="pm",
                        label="Your background",
                    )
                    with gr.Row():
                        questions = gr.Slider(1, 10, value=3, step=1, label="Number of questions")
                        difficulty = gr.Slider(1, 3, value=2, step=1, label="Difficulty")
                        minutes = gr.Number(0, minimum=0, maximum=30, label="Minutes per answer (0 = no timer)")
                    start_btn = gr.Button("Start interview", variant="primary", elem_id="start-btn")
                with gr.Column(visible=False) as live:
                    progress = gr.Markdown("")
                    countdown = gr.Markdown("", elem_id="countdown")
                    chat = gr.Chatbot(label="Interview", height=460, elem_id="chat")
                    answer = gr.Textbox(
                        lines=5,
                        max_lines=20,
                        label="Your answer",
                        elem_id="answer",
                        placeholder="Enter submits; Shift+Enter adds a new line.",
                    )
                    with gr.Row():
                        submit_btn = gr.Button("Submit", variant="primary", elem_id="submit-btn")
                        hint_btn = gr.Button("Hint", elem_id="hint-btn")
                        skip_btn = gr.Button("Skip", elem_id="skip-btn")
                        end_btn = gr.Button("End interview", variant="stop", elem_id="end-btn")
                    card = gr.HTML("", elem_id="critique-card")
                with gr.Column(visible=False) as finished:
                    summary_md = gr.Markdown("", elem_id="summary")
                    chart = gr.BarPlot(
                        x="dimension",
                        y="score",
                        y_lim=[0, 5],
                        label="Average score by dimension",
                        elem_id="score-chart",
                    )
                    gaps_md = gr.Markdown("")
                    with gr.Row():
                        md_dl = gr.DownloadButton("Download Markdown report", elem_id="download-md")
                        json_dl = gr.DownloadButton("Download JSON", elem_id="download-json")
                        again_btn = gr.Button("New interview")
                my_results = coach_ui.results_widgets()
            with gr.Tab("History"):
                cand_box = gr.Textbox(label="Candidate key (keep it private; it is part of your resume link)")
                history_btn = gr.Button("Show my history")
                history_table = gr.Dataframe(
                    headers=["started", "role", "domain", "overall", "finished"], interactive=False
                )
                history_plot = gr.LinePlot(
                    x="session", y="score", color="dimension", y_lim=[0, 5], label="Progress by dimension"
                )
            with gr.Tab("Guides"):
                guide_pick = gr.Dropdown([(g.title, t) for t, g in guides.items()], label="Guide")
                guide_md = gr.Markdown("")
                query = gr.Textbox(label="Search the guides")
                search_btn = gr.Button("Search")
                results = gr.HTML("")
            with gr.Tab("About the feedback"):
                gr.Markdown(report.figures_markdown(figures))
            coach_ui.coach_tab(demo, coach, _guard)

        turn_outputs = [
            banner,
            session,
            chat,
            answer,
            card,
            progress,
            setup,
            live,
            finished,
            summary_md,
            chart,
            gaps_md,
            md_dl,
            json_dl,
            deadline,
            timer,
            countdown,
        ]
        buttons = [submit_btn, hint_btn, skip_btn, end_btn]

        def render(sid: str, result: TurnResult | None, mins: float, reset: bool = True) -> dict[Any, Any]:
            """Compute the turn outputs for the session as it now stands."""
            view = coach.view(sid)
            done = bool(view.get("done"))
            out: dict[Any, Any] = {
                banner: "",
                session: sid,
                chat: _chat(view),
                setup: gr.Column(visible=False),
                live: gr.Column(visible=not done),
                finished: gr.Column(visible=done),
            }
            asked, total = len(view.get("asked") or []), view.get("total") or 0
            out[progress] = f"**Question {asked} of {total}**" + ("" if done else "")
            if result is not None:
                out[card] = report.critique_card(result.critique, result.notices)
            elif view.get("last_critique"):  # a resumed session shows the critique it last saw
                out[card] = report.critique_card(view["last_critique"], [])
            timed = bool(mins and mins > 0 and not done)
            if reset or not timed:
                out[deadline] = time.time() + float(mins) * 60 if timed else 0.0
                out[timer] = gr.Timer(active=timed)
                out[countdown] = f"⏱ **{int(mins * 60) // 60}:{int(mins * 60) % 60:02d}** left" if timed else ""
            if done:
                summary = view.get("summary") or {}
                out[summary_md] = str(summary.get("text") or "**Interview complete.**")
                out[chart] = report.score_chart(summary.get("averages") or {})
                out[gaps_md] = report.gaps_markdown(summary)
                out[md_dl], out[json_dl] = _write_reports(view)
            return out

        @_guard(banner)
        def on_start(
            role_v: str, domain_v: str, bg: str, n: float, diff: float, mins: float, cand: str, request: gr.Request
        ) -> dict[Any, Any]:
            """Start a session and show the first question."""
            cand = cand or secrets.token_urlsafe(12)
            result = coach.start(role_v, domain_v if role_v == "vertical" else None, bg, int(n), int(diff), cand)
            return started(result, mins, cand, request)

        def started(result: TurnResult, mins: float, cand: str, request: gr.Request) -> dict[Any, Any]:
            """The outputs once a session has started (also for a share-link assignment)."""
            out = render(result.session_id, result, mins or 0)
            url = _resume_link(request, result.session_id, cand)
            out[link] = f"Private resume link (bookmark it): `{url}`"
            out[candidate], out[cand_box], out[answer] = cand, cand, ""
            return out

        @_guard(banner)
        def on_answer(sid: str, text: str, mins: float) -> dict[Any, Any]:
            """Submit the typed answer (or clarifying question)."""
            if not sid:
                raise CoachError("start an interview first")
            if not (text or "").strip():
                gr.Warning("Type an answer first (or use Hint, Skip or End interview).")
                return {banner: "Type an answer first (or use Hint, Skip or End interview)."}
            out = render(sid, coach.submit(sid, text), mins or 0)
            out[answer] = ""
            return out

        def on_answer_streamed(sid: str, text: str, mins: float) -> Iterator[dict[Any, Any]]:
            """Like on_answer, but with an LLM configured the interviewer's reply appears as it is written."""
            if coach.llm is None or not sid or not (text or "").strip():
                yield on_answer(sid, text, mins)
                return
            tokens: queue.Queue[str | None] = queue.Queue()
            outcome: dict[str, Any] = {}

            def work() -> None:
                try:
                    outcome["result"] = coach.submit(sid, text, on_token=tokens.put)
                except Exception as exc:  # reported below through the same guard as every handler
                    outcome["error"] = exc
                finally:
                    tokens.put(None)

            try:
                shown = [*_chat(coach.view(sid)), {"role": "user", "content": report.inert(text)}]
            except CoachError as exc:
                yield {banner: f"⚠️ {html.escape(str(exc))}"}
                return
            threading.Thread(target=work, daemon=True).start()
            partial = ""
            while (piece := tokens.get()) is not None:
                partial += piece
                yield {chat: [*shown, {"role": "assistant", "content": partial}]}
            yield finish_streamed(sid, outcome, mins)

        @_guard(banner)
        def finish_streamed(sid: str, outcome: dict[str, Any], mins: float) -> dict[Any, Any]:
            """Render the finished turn, or raise what the worker raised (shown by the guard)."""
            if "error" in outcome:
                raise outcome["error"]
            out = render(sid, outcome["result"], mins or 0)
            out[answer] = ""
            return out

        def command(word: str) -> Callable[[str, float], dict[Any, Any]]:
            """Make a handler that sends one command word (hint, skip, end)."""

            @_guard(banner)
            def run(sid: str, mins: float) -> dict[Any, Any]:
                if not sid:
                    raise CoachError("start an interview first")
                result = coach.end(sid) if word == "end" else coach.submit(sid, word)
                return render(sid, result, mins or 0, reset=word != "hint")

            return run

        @_guard(banner)
        def on_tick(sid: str, text: str, due: float, mins: float) -> dict[Any, Any]:
            """Update the countdown; when it runs out, submit what is typed so far (or skip)."""
            if not sid or not due:
                return {timer: gr.Timer(active=False), countdown: ""}
            left = due - time.time()
            if left > 0:
                return {countdown: f"⏱ **{int(left) // 60}:{int(left) % 60:02d}** left"}
            with expiring_lock:
                if (sid, due) in expiring:
                    return gr.skip()
                expiring.add((sid, due))
            result = coach.submit(sid, text if (text or "").strip() else "skip")
            out = render(sid, result, mins or 0)
            out[answer] = ""
            out[banner] = "⏱ Time is up: your answer so far was submitted."
            return out

        @_guard(banner)
        def on_load(request: gr.Request) -> dict[Any, Any]:
            """Read ?session= and ?candidate= from the URL; restore a valid session."""
            params = dict(request.query_params) if request is not None else {}
            cand = str(params.get("candidate") or "") or secrets.token_urlsafe(12)
            out: dict[Any, Any] = {candidate: cand, cand_box: cand}
            sid = str(params.get("session") or "")
            if sid:
                try:
                    out.update(render(sid, None, 0))
                except CoachError:
                    out[banner] = "⚠️ That resume link does not match any interview. Start a new one below."
                    return out
                cand = str(coach.view(sid).get("candidate") or cand)
                out[candidate], out[cand_box] = cand, cand
                out[link] = f"Private resume link (bookmark it): `{_resume_link(request, sid, cand)}`"
                out[banner] = "Welcome back: your interview was restored."
            return out

        @_guard(banner)
        def on_history(cand: str) -> dict[Any, Any]:
            """List past sessions and plot progress."""
            items = coach.history((cand or "").strip()) if (cand or "").strip() else []
            rows = [[h["started"][:16], h["role"], h["domain"] or "", h["overall"], bool(h["finished"])] for h in items]
            return {
                history_table: rows,
                history_plot: report.progress_frame(items),
                candidate: cand,
                banner: "" if items else "No past sessions for this candidate key yet.",
            }

        @_guard(banner)
        def on_guide(topic: str) -> dict[Any, Any]:
            """Show one guide."""
            guide = guides.get(topic or "")
            return {guide_md: f"# {guide.title}\n\n{guide.body}" if guide else ""}

        @_guard(banner)
        def on_search(text: str) -> dict[Any, Any]:
            """Search the guides and show escaped excerpts."""
            if not (text or "").strip():
                return {results: "<p>Type a few words to search.</p>"}
            hits = [h.as_dict() for h in retrieve(settings, text, k=5)]
            esc = html.escape
            parts = [
                f"<details><summary>{esc(h['topic'])} – {esc(h['heading'])}</summary>"
                f"<p><small>{esc(h['source'])}</small></p>"
                f'<div style="white-space:pre-wrap">{esc(h["text"])}</div></details>'
                for h in hits
            ]
            return {results: "".join(parts) or "<p>No matches.</p>"}

        def lock() -> list[Any]:
            return [gr.Button(interactive=False) for _ in buttons]

        def unlock() -> list[Any]:
            return [gr.Button(interactive=True) for _ in buttons]

        role.change(lambda r: gr.Dropdown(visible=r == "vertical"), role, domain, queue=False)
        start_btn.click(
            on_start,
            [role, domain, background, questions, difficulty, minutes, candidate],
            [*turn_outputs, link, candidate, cand_box],
            api_visibility="private",
        )
        for trigger in (submit_btn.click, answer.submit):
            trigger(lock, None, buttons, queue=False, api_visibility="private").then(
                on_answer_streamed, [session, answer, minutes], turn_outputs, api_visibility="private"
            ).then(unlock, None, buttons, queue=False, api_visibility="private")
        for btn, word in ((hint_btn, "hint"), (skip_btn, "skip"), (end_btn, "end")):
            btn.click(lock, None, buttons, queue=False, api_visibility="private").then(
                command(word), [session, minutes], turn_outputs, api_visibility="private"
            ).then(unlock, None, buttons, queue=False, api_visibility="private")
        timer.tick(
            on_tick,
            [session, answer, deadline, minutes],
            turn_outputs,
            show_progress="hidden",
            api_visibility="private",
        )
        again_btn.click(
            lambda: {
                setup: gr.Column(visible=True),
                live: gr.Column(visible=False),
                finished: gr.Column(visible=False),
                session: "",
                card: "",
                link: "",
            },
            None,
            [setup, live, finished, session, card, link],
            queue=False,
            api_visibility="private",
        )
        history_btn.click(
            on_history, cand_box, [history_table, history_plot, candidate, banner], api_visibility="private"
        )
        guide_pick.change(on_guide, guide_pick, [guide_md, banner], api_visibility="private")
        search_btn.click(on_search, query, [results, banner], api_visibility="private")
        query.submit(on_search, query, [results, banner], api_visibility="private")
        demo.load(None, None, None, js=ENTER_JS, api_visibility="private")
        demo.load(on_load, None, [*turn_outputs, link, candidate, cand_box], api_visibility="private")

        ui = {"banner": banner, "session": session, "candidate": candidate, "minutes": minutes, "setup": setup}
        ui["start_outputs"] = [*turn_outputs, link, candidate, cand_box]
        coach_ui.wire_candidate(demo, coach, _guard, share_widgets, my_results, ui, started)

        @_api
        def start_interview(role: str, domain: str, background: str, questions: int) -> dict[str, Any]:
            """Start an interview; returns session_id, the first question and the interviewer's messages."""
            result = coach.start(role, domain or None, background or "pm", int(questions))
            return {**result.model_dump(), "question": result.prompt}

        @_api
        def submit_answer(session_id: str, answer: str) -> dict[str, Any]:
            """Submit an answer (or hint/skip/end); returns the critique, the next prompt, done and summary."""
            if not (answer or "").strip():
                return {"error": "the answer is empty; type an answer, or send hint, skip or end"}
            result = coach.submit(session_id, answer)
            return {**result.model_dump(), "next": None if result.done else result.prompt}

        @_api
        def end_interview(session_id: str) -> dict[str, Any]:
            """End an interview now; returns the summary."""
            return coach.end(session_id).model_dump()

        gr.api(start_interview, api_name="start_interview")
        gr.api(submit_answer, api_name="submit_answer")
        gr.api(end_interview, api_name="end_interview")
    return demo


def launch() -> None:
    """Build the app on the configured settings and serve it."""
    settings = get_settings()
    demo = build_app(Coach(settings))
    demo.queue(default_concurrency_limit=16)
    demo.launch(server_name=settings.server_name, server_port=settings.port, css=CSS)
