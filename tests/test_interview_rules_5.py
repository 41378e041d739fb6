"""Interview rules, fifth part: an empty input's notice says what to type, a weak answer's card names the follow-up
that comes next, an ungraded answer offers no try again, and the critic workers' warm-up and stuck-worker log line."""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future
from typing import Any

import pytest

from bot.config import get_settings
from bot.critic import pool as critic_pool
from bot.critic.model import Target
from bot.interview.retry import retry_target
from bot.interview.service import InterviewService
from bot.interview.state import InterviewState, QuestionResult
from tests.test_critic_rules import ANSWER, _critique
from tests.test_interview_rules import BANK, QUESTION, on_fea_004
from tests.test_try_again import WEAK


def test_an_empty_input_is_told_what_it_may_type() -> None:
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    [notice] = service.submit(sid, "").messages
    assert notice.content == "I didn't catch an answer. Type your answer, or `hint`, `skip` or `end`."


def test_the_card_of_a_weak_first_answer_names_the_follow_up_the_interviewer_asks_next() -> None:
    service = InterviewService()
    sid = on_fea_004(service)
    said = service.submit(sid, WEAK)
    assert said.critique is not None and said.critique.follow_up
    assert said.critique.follow_up_dimension == service.view(sid).probed[-1]
    [stored] = service.store.turns(sid)
    assert stored.critique is not None and stored.critique["follow_up"] == said.critique.follow_up


@pytest.mark.without_index
def test_no_try_again_after_an_ungraded_answer_whose_critique_names_no_question() -> None:
    scored = QuestionResult(question_id=QUESTION.id, question=QUESTION.text, scores={"evaluation": 2.0}, overall=2.0)
    # an interview checkpointed with a critique that names no question: the last answer could not be graded
    state = InterviewState(current="fea-001", asked=[QUESTION.id, "fea-001"], results=[scored])
    ungraded = state.model_copy(update={"last_critique": _critique(None), "ungraded": True})
    assert retry_target(ungraded) is None
    graded = state.model_copy(update={"last_critique": _critique(3.0)})
    assert retry_target(graded) == scored  # its own scored feedback may still be tried again


def test_a_critic_workers_warm_up_reads_the_saved_vectors_and_gives_its_pid(monkeypatch) -> None:
    settings = get_settings()
    saved = settings.vectors_path.stat().st_mtime_ns
    monkeypatch.setattr(critic_pool, "_settings", settings)  # what the worker's start hands it
    assert critic_pool._warm() == os.getpid()
    assert settings.vectors_path.stat().st_mtime_ns == saved  # read, not written again


class _StuckFuture(Future):
    """A critique that a worker has not finished within the pool's wait."""

    def result(self, timeout: float | None = None) -> Any:
        raise TimeoutError


class _StuckWorker:
    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        return _StuckFuture()


@pytest.mark.without_index
def test_a_stuck_critic_worker_is_logged_for_the_operator_and_the_app_scores_instead(caplog) -> None:
    pool = critic_pool.CriticPool(get_settings(), 0)
    pool._executors, pool._ready = [_StuckWorker()], True
    caplog.set_level(logging.ERROR, logger="bot.critic.pool")
    assert pool.score(Target.of(BANK.questions[0]), ANSWER, None) is None  # the caller scores it itself
    assert caplog.messages == ["a critic worker took over 60 s; this critique runs in the app's process"]
