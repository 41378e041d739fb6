"""More of the critic's rules: which question an answer is judged on, the fitted model's features, follow-ups,
flags and guide citations, each checked against what the coach and the candidate see."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS, SCORED
from bot.critic import feedback
from bot.critic.calibration import Labelled, target_for
from bot.critic.features import AnswerView, Coverage
from bot.critic.fitting import _out_of_fold
from bot.critic.model import Critique, Target
from bot.critic.offline import Reading, add_citations, critique_target, dimension_features
from bot.critic.signals import Signals
from bot.critic.support import Cues
from bot.critic.targets import resolve_target
from bot.errors import CoachError
from tests.test_critic_rules import ANSWER, FOLLOW_UPS

# --- which question a labelled answer is judged against ---------------------------------------------------------


def test_a_labelled_answer_to_an_unknown_question_without_its_wording_is_refused_by_name(data_dir):
    item = Labelled("gen-X-009", "no-such-question", "gen-train", "strong", "An answer.", {"overall": 3.0})
    with pytest.raises(CoachError, match="gen-X-009 refers to unknown question no-such-question"):
        target_for(get_settings(), item)


def test_a_labelled_answer_that_words_a_bank_question_its_own_way_is_judged_on_that_wording(data_dir):
    settings = get_settings()
    question = load_bank(settings.questions_dir).by_id["lg-001"]
    asked = question.text.replace("What do you do?", "What would you do next?")
    item = Labelled("gen-L-001", "lg-001", "gen-train", "strong", "An answer.", {"overall": 3.0}, asked, "vertical")
    target = target_for(settings, item)
    assert target.text == asked and target.question_id == "lg-001"


# --- a reworded bank question and the interview's domain --------------------------------------------------------


def test_a_reworded_vertical_question_matches_its_bank_question_unless_asked_for_another_domain(data_dir):
    settings = get_settings()
    question = load_bank(settings.questions_dir).by_id["lg-001"]
    asked = question.text.replace("What do you do?", "What would you do next?")
    for domain in (None, "legal"):  # a custom question with no domain given, or the question's own domain
        target = resolve_target(settings, asked, "vertical", domain)
        assert target.question_id == "lg-001" and not target.derived
    elsewhere = resolve_target(settings, asked, "vertical", "finance")  # a finance interview: not the legal question
    assert elsewhere.derived and elsewhere.question_id is None


# --- the fitted model's features --------------------------------------------------------------------------------
# critic_model.json holds, per dimension, ridge weights (intercept first) and boosted trees, both read against
# `dimension_features` in order: the order and the meaning of each feature are what they were fitted on.


def _view(sentences: int, words: int, numbers: int, structure: int) -> AnswerView:
    texts = [f"Sentence number {n} of the answer." for n in range(sentences)]
    return AnswerView(
        sentences=texts,
        vectors=np.zeros((sentences, 384), dtype=np.float32),
        cues=Cues.of(texts),
        words=words,
        raw_words=words,
        repeated=2,
        redundancy=0.3,
        structure=structure,
        numbers=numbers,
        decision=True,
        list_ratio=0.1,
    )


def _reading(view: AnswerView) -> Reading:
    def cov(*credits: float, contradiction: float = 0.0) -> list[Coverage]:
        return [Coverage(c, 0, contradiction) for c in credits]

    coverage = {
        "failure_modes": [Coverage(0.9, 0, 0.1), Coverage(0.3, 1, 0.2), Coverage(0.6, 2, 0.3)],
        "evaluation": cov(0.4, 0.2),
        "product_judgment": cov(0.5),
    }
    concepts = {"failure_modes": cov(0.2, 0.8, 0.5, 0.4), "evaluation": cov(0.7, 0.1), "product_judgment": cov(0.3)}
    sig = Signals(topicality=0.55, best_other=0.3, derived=False, grounding=0.12, copied=0.0, plan_share=0.4)
    return Reading(view, coverage, concepts, sig)


def test_the_features_of_a_dimension_are_its_coverage_the_answers_shape_and_its_rivals_coverage():
    reading = _reading(_view(sentences=10, words=200, numbers=3, structure=2))
    own = [
        0.6,
        0.9,
        2 / 3,
        (0.8 + 0.5 + 0.4) / 3,
        0.8,
        0.2,
    ]  # key points: mean, best, share made; concepts: top 3, best
    shape = [0.55, 0.12, 200 / 400, 3 / 6, 0.4, 0.3, 2 / 12, 0.1, 2 / 4, 1.0, 10 / 40]
    rival = [0.3, 0.4, 0.4]  # evaluation's key points (mean, best) and its concepts' top-3 mean
    assert dimension_features(reading, "failure_modes", 3.2) == pytest.approx([*own, *shape, *rival, 3.2])


def test_capped_counts_reach_one_at_their_cap_and_stay_there():
    for sentences, words, numbers, structure in ((40, 400, 6, 4), (80, 1000, 9, 7)):
        features = dimension_features(_reading(_view(sentences, words, numbers, structure)), "failure_modes", 3.0)
        assert features[8:10] == pytest.approx([1.0, 1.0])  # words (cap 400), sentences with a number (cap 6)
        assert features[14] == pytest.approx(1.0) and features[16] == pytest.approx(1.0)  # structure, sentences


# --- the style map held out by question -------------------------------------------------------------------------


@pytest.mark.without_index
def test_with_two_questions_a_style_that_says_nothing_predicts_the_other_questions_mean_grade():
    x = np.ones((4, 3))  # every answer reads the same
    y = np.array([2.0, 3.0, 4.0, 5.0])
    groups = ["fea-001", "fea-001", "fea-002", "fea-002"]
    assert _out_of_fold(x, y, groups) == pytest.approx([4.5, 4.5, 2.5, 2.5])


# --- follow-ups, flags and citations ----------------------------------------------------------------------------


def test_the_follow_up_probes_the_answers_weakest_dimension(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-001"])
    result = critique_target(target, " ".join([ANSWER, *FOLLOW_UPS]), settings, with_citations=False)
    weakest = min(SCORED, key=lambda d: result.dimensions[d])
    assert weakest != "evaluation"  # this answer is strongest on how it evaluates
    assert result.follow_up_dimension == weakest
    rubric = load_rubric(settings.rubric_path)
    own = [f.text for f in target.follow_ups if f.dimension == weakest]
    assert result.follow_up == (own[0] if own else rubric.dimensions[weakest].probe)
    # on a dimension the question has no follow-up of its own for, the rubric's probe is asked
    bare = next(d for d in SCORED if not [f for f in target.follow_ups if f.dimension == d])
    assert feedback.follow_up(target, rubric, bare) == rubric.dimensions[bare].probe


def test_three_pasted_key_points_are_graded_as_a_list(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-001"])
    pasted = " ".join(p.rstrip(".") + "." for p in target.key_points["evaluation"][:3])
    result = critique_target(target, pasted, settings, with_citations=False)
    assert "pasted_outline" in result.flags
    assert result.overall is not None and result.overall <= 2.5
    assert any("graded as a list" in n for n in result.notices)


def _scored(failure_modes: float, gaps: list[str]) -> Critique:
    scores = {d: 4.0 for d in DIMENSIONS} | {"failure_modes": failure_modes}
    return Critique(
        overall=3.5,
        dimensions=scores,
        strengths=[],
        gaps=gaps,
        follow_up=None,
        follow_up_dimension="failure_modes",
        stronger_answer=[],
        citations=[],
    )


def test_a_critique_weakest_on_failure_modes_cites_the_failure_modes_guide_first(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-007"])
    cited = add_citations(_scored(2.0, []), target, settings).citations
    assert [c.topic for c in cited[:2]] == ["failure-modes", "failure-modes"]


def test_the_passages_cited_for_the_gaps_weigh_each_gap_alike_in_any_order(data_dir):
    # The gap search reads the question and each gap as one vector apiece, so a long question does not push a gap
    # past what the model reads, and two gaps count the same whichever the critique lists first.
    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    for question_id in ("fea-001", "lg-001", "fnd-004"):
        target = Target.of(bank.by_id[question_id])
        gaps = [
            f"Failure modes: {target.key_points['failure_modes'][0]}",
            f"Evaluation: {target.key_points['evaluation'][0]}",
        ]
        first = add_citations(_scored(2.0, gaps), target, settings).citations
        assert first
        assert add_citations(_scored(2.0, gaps[::-1]), target, settings).citations == first
