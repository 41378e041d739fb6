"""The critic's worker processes: the same critique as in the app's process, and no turn lost when one dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.critic.critic import Critic
from bot.critic.model import Target
from bot.critic.offline import Probe, critique_target
from bot.critic.pool import CriticPool, default_processes
from bot.critic.signals import warm_bank_references

ROOT = Path(__file__).resolve().parent.parent

ANSWER = (
    "I would pull 400 real requests from the pilot, stratified by language and request type, and have two "
    "raters score them against a written rubric. The launch bar is 95% correct on every slice, not on average, "
    "because the long tail is where a confident wrong answer costs trust. Below a confidence threshold the "
    "assistant hands over to a person, and a kill switch rolls the prompt back within minutes."
)


def _save_bank_vectors() -> None:
    """What the app's warm-up does before it starts the workers: save the bank's vectors for them to read."""
    settings = get_settings()
    warm_bank_references(load_bank(settings.questions_dir), load_rubric(settings.rubric_path), settings.vectors_path)


@pytest.fixture
def pool() -> Iterator[CriticPool]:
    _save_bank_vectors()
    started = CriticPool(get_settings(), 1)
    assert started.start()
    yield started
    started.close()


def _worker_pids() -> set[int]:
    """This process's children that run a spawned worker."""
    return children_running_workers(os.getpid())


def test_a_worker_scores_exactly_what_the_app_process_would(pool: CriticPool) -> None:
    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    for question in (bank.questions[0], bank.questions[7]):
        target = Target.of(question)
        here = critique_target(target, ANSWER, settings, with_citations=False)
        assert pool.score(target, ANSWER, None) == here
    # a follow-up's critique, which carries the main answer's critique across to the worker and back
    base = critique_target(target, ANSWER, settings, with_citations=False)
    probe = Probe("failure_modes", "What happens when the model is confidently wrong?", base, ANSWER)
    reply = "It hands over to a person below the threshold, and we watch the override rate per language weekly."
    assert pool.score(target, reply, probe) == critique_target(target, reply, settings, False, probe)


def test_the_critic_adds_the_guide_citations_the_in_process_critique_has(pool: CriticPool) -> None:
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).questions[3])
    critic = Critic(settings)
    alone = critic(target, ANSWER)
    critic.pool = pool
    pooled = critic(target, ANSWER)
    assert pooled == alone
    assert pooled.citations, "the weakest dimension's guide passages are searched in the app's process"


def test_a_killed_worker_costs_no_critique_and_the_workers_come_back(pool: CriticPool) -> None:
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).questions[1])
    critic = Critic(settings)
    critic.pool = pool
    expected = critic(target, ANSWER)
    (victim,) = _worker_pids()
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.5)  # let the pool notice that its worker is gone
    assert critic(target, ANSWER) == expected  # scored in this process meanwhile
    deadline = time.monotonic() + 120
    while not pool.ready and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pool.ready
    assert _worker_pids() and victim not in _worker_pids()
    assert pool.score(target, ANSWER, None) == critique_target(target, ANSWER, settings, with_citations=False)


def test_no_pool_until_started_and_none_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    idle = CriticPool(get_settings(), 1)
    target = Target.of(load_bank(get_settings().questions_dir).questions[0])
    assert idle.score(target, ANSWER, None) is None  # not started: the caller scores
    assert not CriticPool(get_settings(), 0).start()
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert default_processes() == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert default_processes() == 3


def test_workers_end_when_the_app_is_killed(tmp_path: Path) -> None:
    """kill -9 leaves no time to shut a pool down: each worker notices its parent is gone and exits."""
    _save_bank_vectors()
    script = tmp_path / "app.py"
    script.write_text(
        "import time\n"
        "from bot.config import get_settings\n"
        "from bot.critic.pool import CriticPool\n"
        "if __name__ == '__main__':\n"
        "    pool = CriticPool(get_settings(), 1)\n"
        "    executor_started = pool.start()\n"
        "    print(executor_started, flush=True)\n"
        "    time.sleep(600)\n"
    )
    app = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "True"
        workers = children_running_workers(app.pid)
        assert len(workers) == 1
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def children_running_workers(parent: int) -> set[int]:
    """The children of `parent` (from any of its threads) that run a spawned worker now."""
    children: set[int] = set()
    for task in os.listdir(f"/proc/{parent}/task"):
        try:
            with open(f"/proc/{parent}/task/{task}/children") as listed:
                children |= {int(pid) for pid in listed.read().split()}
        except OSError:  # a thread that ended since the listing: it has no children left
            continue
    running = set()
    for pid in children:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                running.add(pid)
        except OSError:  # a child that ended since
            continue
    return running


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
