"""The critic's rules added with the third held-out split (gen-holdout2): the length penalty and off-topic answers
to short questions."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import get_settings
from bot.critic import offline
from bot.critic.calibration import Labelled, load_labelled, target_for
from bot.critic.model import Critique
from bot.critic.signals import Signals

ITEMS = load_labelled()
BY_ID = {i.id: i for i in ITEMS}


def _critique_of(item: Labelled) -> Critique:
    settings = get_settings()
    return offline.critique_target(target_for(settings, item), item.answer, settings, with_citations=False)


def test_an_answer_past_the_length_limit_loses_half_a_point_overall(data_dir, monkeypatch):
    padded = BY_ID["fresh-W7-015"]  # a strong plan restated to 1,227 words
    penalised = _critique_of(padded)
    monkeypatch.setattr(offline, "LONG_PENALTY", 0.0)
    unpenalised = _critique_of(padded)
    assert "long_answer" in penalised.flags and penalised.dimensions == unpenalised.dimensions
    assert penalised.overall is not None and unpenalised.overall is not None
    assert penalised.overall == pytest.approx(max(unpenalised.overall - 0.5, 1.0))
    short = _critique_of(BY_ID["fresh-W7-011"])  # the same writer's strong answer to that question: no penalty
    monkeypatch.setattr(offline, "LONG_PENALTY", 0.5)
    assert "long_answer" not in short.flags and short.overall == _critique_of(BY_ID["fresh-W7-011"]).overall


BASE = Signals(
    topicality=0.3,
    best_other=0.0,
    derived=True,
    grounding=0.0,
    copied=0.0,
    plan_share=0.0,
    scenario_words=5,
    shared_words=0.0,
    question_fit=0.3,
    question_top3=0.35,
)


@pytest.mark.without_index
@pytest.mark.parametrize(
    ("change", "off_topic"),
    [
        ({}, True),  # a short question, none of its words used, far from it
        ({"shared_words": 0.2}, False),  # one of its five words is enough to be about it
        ({"question_fit": 0.45}, False),  # close to the question in meaning
        ({"scenario_words": 3}, False),  # too few words to judge by
    ],
)
def test_a_short_questions_words_decide_off_topic_only_when_none_is_used(change, off_topic):
    assert dataclasses.replace(BASE, **change).off_topic is off_topic


def test_an_answer_to_another_scenario_under_a_short_question_is_off_topic(data_dir):
    onboarding = BY_ID["fresh-W10-040"]  # restaurant onboarding, filed under "is the new model version ready?"
    result = _critique_of(onboarding)
    assert "off_topic" in result.flags and result.overall is not None and result.overall <= 2
    # the same writer's answers written for that question are graded, not marked
    for item in (i for i in ITEMS if i.question_id == onboarding.question_id and i.kind in ("strong", "plain_twin")):
        assert "off_topic" not in _critique_of(item).flags, item.id


def test_a_debatable_key_point_reaches_the_candidate_as_a_judgment_call_without_the_grading_note():
    from bot.content.questions import load_bank
    from bot.critic import feedback
    from bot.critic.model import Target

    bank = load_bank(get_settings().questions_dir)
    debatable = [q for q in bank.questions if any(p.startswith("Debatable:") for v in q.key_points.values() for p in v)]
    assert len(debatable) >= 5
    for question in debatable:
        target = Target.of(question)
        shown = [*feedback.outline(target), *(feedback.shown(p) for v in question.key_points.values() for p in v)]
        assert not [line for line in shown if "Debatable" in line or "Credit " in line], question.id
    point = "Debatable: whether the score belongs on the launch page. A good case says yes. Credit either."
    assert feedback.shown(point) == (
        "A judgment call: decide whether the score belongs on the launch page, and give your reason (a good answer "
        "can land either way)."
    )
