"""The offline critic in worker processes, so that critiques of different sessions use every core.

One Python process runs Python code on one core at a time (the GIL), and scoring an answer (sentence vectors,
the pair classifier, the fitted maps) is most of a turn's CPU time. The app's process keeps the web server,
the interview graph and the database; the workers only score. Guide citations are added by the caller, which
holds the guide index, so workers never open or build it.

Until the workers are warm, or after one has died, the caller scores in its own process: a turn never waits
for a pool and never fails because of one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import zlib
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.critic.model import Critique, Target
    from bot.critic.offline import Probe

log = logging.getLogger(__name__)
PARENT_CHECK_S = 1.0  # how often a worker checks that the app's process is still there
ROUTE_CHARS = 200  # answers whose first answer to the question starts alike go to the same worker
SCORE_TIMEOUT_S = 60.0  # a critique takes well under a second; past this the worker is presumed stuck
WARM_ANSWER = (
    "I would build an eval set from real traffic, stratified by segment, with two raters and a written rubric, "
    "and gate the launch on precision per segment with a human fallback for low-confidence outputs."
)

_settings: Settings | None = None  # in a worker: the app's settings, sent once at start


def default_processes() -> int:
    """One worker per core this process may use; none on a single core (a worker would only add overhead)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 else 0


def _start_worker(settings: Settings, parent: int) -> None:
    global _settings
    _settings = settings
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once the app's process is gone (killed with -9, its workers would linger otherwise)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _warm() -> int:
    """Load what scoring needs (models, the bank's reference vectors, the language model); returns the pid."""
    from bot.content.questions import load_bank
    from bot.content.rubric import load_rubric
    from bot.critic.model import Target
    from bot.critic.offline import critique_target
    from bot.critic.signals import warm_bank_references

    assert _settings is not None
    bank = load_bank(_settings.questions_dir)
    # the vectors the app's own warm-up saved: read, not computed again (nor written: the file is complete)
    warm_bank_references(bank, load_rubric(_settings.rubric_path), _settings.vectors_path)
    question = bank.questions[0]
    critique_target(Target.of(question), WARM_ANSWER, _settings, with_citations=False)
    return os.getpid()


def _score(target: Target, answer: str, probe: Probe | None) -> Critique:
    from bot.critic.offline import critique_target

    assert _settings is not None
    return critique_target(target, answer, _settings, with_citations=False, probe=probe)


class CriticPool:
    """`processes` scoring workers (spawned, never forked: the app's threads and locks stay in the app).

    Each worker has its own queue, and the answers to one question go to the same worker: a follow-up is judged
    on everything said to the question, and that worker already holds the main answer's sentence vectors.
    """

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._executors: list[ProcessPoolExecutor] = []
        self._ready = False
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._ready

    def start(self) -> bool:
        """Start the workers and wait until each has loaded its models (seconds; call it off the request path)."""
        if self.processes < 1:
            return False
        with self._lock:
            if self._executors:
                return self._ready
            context = multiprocessing.get_context("spawn")
            self._executors = [
                ProcessPoolExecutor(
                    1, mp_context=context, initializer=_start_worker, initargs=(self.settings, os.getpid())
                )
                for _ in range(self.processes)
            ]
            executors = list(self._executors)
        try:
            warm: list[Future[int]] = [executor.submit(_warm) for executor in executors]
            pids = {future.result(timeout=600) for future in warm}
        except Exception:  # noqa: BLE001 - no pool is a slower app, not a broken one
            log.warning("critic workers did not start; critiques run in the app's process", exc_info=True)
            self.close()
            return False
        self._ready = True
        log.info("critic workers ready: %d processes (%d warmed)", self.processes, len(pids))
        return True

    def score(self, target: Target, answer: str, probe: Probe | None) -> Critique | None:
        """The critique without citations, from a worker; None when no worker can take it (the caller scores)."""
        executors = self._executors
        if not self._ready or not executors:
            return None
        first = probe.earlier if probe is not None and probe.earlier else answer  # the question's first answer
        executor = executors[zlib.crc32(first[:ROUTE_CHARS].encode()) % len(executors)]
        try:
            return executor.submit(_score, target, answer, probe).result(timeout=SCORE_TIMEOUT_S)
        except BrokenProcessPool:
            log.error("a critic worker died; critiques run in the app's process until the workers restart")
            self._restart()
            return None
        except TimeoutError:
            log.error("a critic worker took over %.0f s; this critique runs in the app's process", SCORE_TIMEOUT_S)
            return None

    def _restart(self) -> None:
        self._stop(wait=False)
        threading.Thread(target=self.start, name="critic-workers", daemon=True).start()

    def close(self) -> None:
        self._stop(wait=True)

    def _stop(self, wait: bool) -> None:
        with self._lock:
            self._ready = False
            executors, self._executors = self._executors, []
        for executor in executors:
            executor.shutdown(wait=wait, cancel_futures=True)
