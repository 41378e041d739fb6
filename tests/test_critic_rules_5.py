"""More of the critic's rules: the figures' agreement numbers on three answers, the question's own follow-up, the AI
critic cross-checked against the offline one, and a vertical interview's domain kept for new questions and fitting."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.coaching import accounts, assignments, reviews
from bot.coaching.attempts import start_attempt
from bot.config import get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.critic import pool as critic_pool
from bot.critic.calibration import agreement, figures
from bot.critic.critic import Critic
from bot.critic.feedback import follow_up
from bot.critic.fitting import coach_overrides
from bot.critic.model import Critique, Target
from bot.critic.offline import critique_target
from bot.critic.targets import resolve_target
from bot.interview.service import InterviewService
from bot.llm.chat import LLM
from tests.fakes import ScriptedChatModel
from tests.test_critic_rules import ANSWER, _critique
from tests.test_critic_rules_4 import _labelled, _strong_twin_generic

# --- the calibration figures -------------------------------------------------------------------------------------


def test_three_answers_are_enough_for_a_rank_correlation_and_the_bias_keeps_its_sign_to_two_decimals(data_dir):
    items = _strong_twin_generic()
    # the critic's errors: 0, +0.375, -0.5 -> mean |error| 0.875 / 3, mean bias -0.125 / 3
    critiques = {"answer strong": _critique(4.0), "answer plain": _critique(3.875), "answer generic": _critique(1.5)}
    report = figures(get_settings(), items, "gen-test", grader=lambda _target, answer: critiques[answer])
    assert report["overall"] == {"answers": 3, "spearman": 1.0, "mean_abs_error": 0.29, "mean_bias": -0.04}
    assert report["twin_mean_gap"] == 0.12  # a gap of 0.125, shown to two decimals like every other figure


def test_the_human_ceiling_reports_how_far_apart_the_two_graders_are_on_average():
    graded = {"a": (4.0, 4.5), "b": (3.0, 3.0), "c": (2.0, 1.5)}
    chosen = [replace(_labelled(k, "strong", g1), graders={"G1": g1, "G2": g2}) for k, (g1, g2) in graded.items()]
    ceiling = agreement(chosen)
    assert ceiling["answers"] == 3 and ceiling["spearman"] == 1.0
    assert ceiling["mean_abs_diff"] == 0.33  # (0.5 + 0 + 0.5) / 3


# --- the follow-up and the AI critic -----------------------------------------------------------------------------


def test_the_follow_up_is_the_questions_own_probe_on_that_dimension_else_the_rubrics(data_dir):
    settings = get_settings()
    question = load_bank(settings.questions_dir).by_id["fea-001"]
    rubric = load_rubric(settings.rubric_path)
    own = {f.dimension: f.text for f in question.follow_ups}
    assert "failure_modes" in own and "communication" not in own
    target = Target.of(question)
    assert follow_up(target, rubric, "failure_modes") == own["failure_modes"]
    assert follow_up(target, rubric, "communication") == rubric.dimensions["communication"].probe


def _ai_critique(target: Target, dimensions: dict[str, float]) -> tuple[Critique, str]:
    """The critique when the AI critic scores the dimensions so, and the prompt it was sent."""
    text = json.dumps({"dimensions": dimensions})
    model = ScriptedChatModel(script=lambda _messages: text, received=[])
    result = Critic(get_settings(), LLM(model, get_settings()))(target, ANSWER)
    return result, str(model.received[0][-1].content)


def test_the_critics_are_flagged_as_disagreeing_only_when_their_overalls_are_far_apart(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-001"])
    offline = critique_target(target, ANSWER, settings)
    assert offline.overall is not None
    close, _ = _ai_critique(target, dict(offline.dimensions))
    assert "critics_disagree" not in close.flags
    assert not any("disagree" in notice for notice in close.notices)
    low = 1.0 if offline.overall >= 3 else 5.0
    far, _ = _ai_critique(target, dict.fromkeys(offline.dimensions, low))
    assert "critics_disagree" in far.flags


def test_the_ai_critic_is_told_the_interviews_domain_for_a_question_the_bank_does_not_know(data_dir):
    settings = get_settings()
    asked = "How would you decide that an AI bookkeeping assistant for small businesses is ready for all customers?"
    target = resolve_target(settings, asked, "vertical", "finance")
    assert target.derived and target.domain == "finance"
    _, prompt = _ai_critique(target, {"evaluation": 4, "failure_modes": 3, "product_judgment": 4, "communication": 4})
    assert "(vertical, finance)" in prompt


# --- coaches' overrides as labelled data -------------------------------------------------------------------------


def test_a_coach_override_in_a_vertical_interview_is_fitted_with_its_domain(data_dir):
    settings = get_settings()
    service = InterviewService(settings)
    coach = accounts.add_coach(service.store, "lead@example.com", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=7)
    assignment = assignments.create_assignment(service.store, coach, "Fin", "vertical", "finance", [], 1, 2, None, due)
    start = start_attempt(service, assignment.code, "Ada")
    service.submit(start.session_id, ANSWER)
    turn = service.store.turns(start.session_id)[0]
    reviews.review(service.store, coach, turn.id, dimension="evaluation", score=3)
    [override] = coach_overrides(settings)
    assert (override.role, override.domain) == ("vertical", "finance")


# --- the worker pool ---------------------------------------------------------------------------------------------


def test_a_worker_whose_app_process_is_already_gone_exits(monkeypatch):
    exited = threading.Event()
    monkeypatch.setattr(os, "_exit", lambda _status: exited.set())
    monkeypatch.setattr(critic_pool, "_settings", None)  # the worker's settings: restored after the test
    critic_pool._start_worker(get_settings(), os.getppid() + 1)  # started for a process that is not its parent
    assert exited.wait(timeout=5)
