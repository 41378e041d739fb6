"""The Gradio app: compose the tabs around one interview service and one drill service, and launch it."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time

import gradio as gr

from bot.config import get_settings
from bot.critic.calibration import load_figures
from bot.drills.service import DrillService
from bot.interview.service import InterviewService
from bot.web.api import DrillApi, InterviewApi
from bot.web.coach_tab import CoachTab
from bot.web.drills_tab import DrillsTab
from bot.web.gradio_sessions import install_lazy_session_config
from bot.web.guides_tab import GuidesTab
from bot.web.history_tab import HistoryTab
from bot.web.interview_tab import InterviewTab
from bot.web.page import Page
from bot.web.progress import track_progress_only_where_shown
from bot.web.request_info import trust_forwarded_headers
from bot.web.security import UPLOAD_CACHE, launch_options

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 3600.0
CSS = ".coach-card{border:1px solid #d1d5db;border-radius:8px;padding:12px} .coach-notice{color:#b45309}"


class CoachApp:
    """The Blocks app and its tabs, built around one interview service; tests call the tabs' handlers directly."""

    def __init__(self, service: InterviewService, drills: DrillService | None = None) -> None:
        self.service = service
        self.drills = drills or DrillService(service.settings, service.store)
        settings = service.settings
        figures = load_figures(settings)
        install_lazy_session_config()  # before any session exists
        gr.set_static_paths([settings.guides_dir])  # the summary links each gap to its guide file
        with gr.Blocks(title="AI PM interview coach", delete_cache=UPLOAD_CACHE) as self.demo:
            self.page = Page.build()
            self.interview = InterviewTab(service, self.page, figures)
            self.history = HistoryTab(service, self.page, self.drills)
            self.guides = GuidesTab(service, self.page, figures)
            self.drill_tab = DrillsTab(self.drills, self.page)
            self.coach = CoachTab(service)
            self.interview.build_clock()
            # wrap: every tab name in view on a phone; Gradio's default hides what does not fit behind "..."
            with gr.Tabs(overflow_behavior="wrap") as self.tabs:
                self.interview.build()
                self.drill_tab.build()
                self.history.build()
                self.guides.build()
                self.coach.build()
            self.interview.wire(self.demo, candidate_box=self.history.candidate_box)
            self.drill_tab.wire(self.demo, self.tabs)
            self.history.wire()
            self.guides.wire()
            self.coach.wire(self.demo)
            self.api = InterviewApi(service)
            self.api.register()
            self.drill_api = DrillApi(self.drills)
            self.drill_api.register()
        track_progress_only_where_shown(self.demo)


def build_app(service: InterviewService | None = None) -> gr.Blocks:
    """Build the Blocks app (tabs, handlers and named API endpoints) around one interview service."""
    return CoachApp(service or InterviewService()).demo


def warm_up(service: InterviewService, workers: bool = False) -> None:
    """Load what the first turn would otherwise wait for: graph, guide index, retriever, bank vectors, language model.

    Runs off the request path, after the server is up: the page is served while this runs. A missing or stale
    index is ingested here, and a request that needs it sooner waits for it (`ensure_index` holds a lock).
    With `workers`, the critic's worker processes start last (they read the bank vectors saved here); until
    they are warm, answers are scored in this process.
    """
    from bot.critic.signals import language, warm_bank_references
    from bot.retrieval.search import retrieve

    try:
        service.graph  # noqa: B018 - built on first use
        retrieve(service.settings, "evaluation plan for a launch", k=1)
        warm_bank_references(service.bank, service.rubric, service.settings.vectors_path)
        language("a warm-up sentence long enough to be checked for its language, nothing more")
    except Exception:  # noqa: BLE001 - warming is best effort; the first turn loads what it needs
        log.warning("warm-up failed; the first turn will load what it needs", exc_info=True)
    if workers:
        start_critic_workers(service)


def start_critic_workers(service: InterviewService) -> None:
    """Score answers in worker processes (COACH_CRITIC_PROCESSES; by default one per core)."""
    from bot.critic.pool import CriticPool, default_processes

    settings = service.settings
    processes = default_processes() if settings.critic_processes is None else settings.critic_processes
    if processes > 0:
        pool = CriticPool(settings, processes)
        service.critic.pool = pool
        pool.start()


def keep_pruning(service: InterviewService, every_s: float = PRUNE_EVERY_S) -> None:
    """Prune ended interviews' checkpoints now and then every `every_s` seconds (each replica; pruning is idempotent)."""
    while True:
        try:
            service.prune_checkpoints()
        except Exception:  # noqa: BLE001 - pruning is housekeeping; the next round tries again
            log.warning("pruning checkpoints failed; trying again later", exc_info=True)
        time.sleep(every_s)


def skip_matplotlib_probe() -> None:
    """Make Gradio's `import matplotlib` around every event fail at once where matplotlib is not installed.

    Each failed import searches every folder of sys.path again, on the server's event loop. A None entry in
    sys.modules makes that import raise ImportError at once, as it did after the search.
    """
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]


def quiet_gradio_analytics() -> None:
    """Stop Gradio's queue from summarising its event log after every event.

    It rebuilds a pandas table of its last 10,000 events each time, for a monitoring page this app does not
    serve: work that grows with uptime, holding the GIL that turns need. Keep 100 events and summarise them
    once per million events. An operator's own GRADIO_ANALYTICS_* values win.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "100")
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000")


def launch() -> None:
    """Build the app on the configured settings, serve it, then warm the critic and index behind it."""
    os.umask(0o077)  # files the app creates (database, checkpoints, index, vectors) are readable by us alone
    skip_matplotlib_probe()
    quiet_gradio_analytics()  # before the app (and its queue) is built
    settings = get_settings()
    service = InterviewService(settings)
    demo = build_app(service)
    demo.queue(default_concurrency_limit=settings.concurrency)
    trust_forwarded_headers(settings)  # before launch(): the server it starts reads it
    demo.launch(
        server_name=settings.server_name,
        server_port=settings.port,
        css=CSS,
        prevent_thread_lock=True,
        **launch_options(),
    )
    threading.Thread(target=warm_up, args=(service, True), name="warm-up", daemon=True).start()
    threading.Thread(target=keep_pruning, args=(service,), name="prune", daemon=True).start()
    demo.block_thread()
