"""How a question scores: the first answer sets the scores, a follow-up can only raise the probed one, hints cost."""

import pytest

from bot.config import get_settings
from bot.content.rubric import load_rubric
from bot.critic.model import Citation, Critique
from bot.interview.policy import probe_dimension, record_critique, target_difficulty
from bot.interview.state import InterviewState, QuestionResult

pytestmark = pytest.mark.without_index

QUESTION = "How would you evaluate a support-ticket summarizer before launch?"
FIRST = {"evaluation": 4.0, "failure_modes": 2.0, "product_judgment": 3.0, "communication": 3.5}


GAPS = [f"Failure modes: gap {n}" for n in range(1, 6)]


def critique_of(dimensions: dict[str, float]) -> Critique:
    return Critique(
        overall=3.0,  # what the critic says overall is not used: the rubric weighs the question's own scores
        dimensions=dimensions,
        strengths=[],
        gaps=GAPS,
        follow_up="",
        follow_up_dimension="failure_modes",
        stronger_answer=[],
        citations=[
            Citation(topic="failure-modes", source="knowledge/guides/failure-modes.md", heading="Rollback"),
            Citation(topic="evaluation", source="knowledge/guides/evaluation.md", heading="Sampling"),
        ],
    )


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(get_settings().rubric_path)


def answered(scores: dict[str, float], **fields) -> InterviewState:
    """A session whose current question q1 already has a result with these scores."""
    result = QuestionResult(question_id="q1", question=QUESTION, scores=dict(scores))
    return InterviewState(current="q1", asked=["q1"], results=[result], **fields)


def test_the_first_answer_sets_every_score(rubric):
    state = InterviewState(current="q1", asked=["q1"])
    [result] = record_critique(state, QUESTION, critique_of(FIRST), rubric)
    assert result.scores == FIRST and result.question == QUESTION and result.hints == 0
    assert result.overall == rubric.overall(FIRST)
    assert result.gaps == GAPS[:3]  # the three most important gaps, for the summary
    assert result.citations == ["failure-modes", "evaluation"]


def test_a_hint_costs_exactly_half_a_point(rubric):
    plain = record_critique(InterviewState(current="q1", asked=["q1"]), QUESTION, critique_of(FIRST), rubric)
    hinted = record_critique(InterviewState(current="q1", asked=["q1"], hints=1), QUESTION, critique_of(FIRST), rubric)
    twice = record_critique(InterviewState(current="q1", asked=["q1"], hints=2), QUESTION, critique_of(FIRST), rubric)
    assert plain[0].overall - hinted[0].overall == pytest.approx(0.5)
    assert plain[0].overall - twice[0].overall == pytest.approx(1.0)
    assert hinted[0].hints == 1 and hinted[0].scores == plain[0].scores  # the penalty is on the overall only


def test_a_hint_never_takes_a_question_below_one(rubric):
    floor = dict.fromkeys(FIRST, 1.0)
    state = InterviewState(current="q1", asked=["q1"], hints=3)
    [result] = record_critique(state, QUESTION, critique_of(floor), rubric)
    assert result.overall == 1.0


def test_a_follow_up_raises_only_the_probed_dimension(rubric):
    state = answered(FIRST, probes=1, probed=["failure_modes"])
    better = {"evaluation": 1.0, "failure_modes": 4.5, "product_judgment": 5.0, "communication": 1.0}
    [result] = record_critique(state, QUESTION, critique_of(better), rubric)
    assert result.scores == {**FIRST, "failure_modes": 4.5}
    assert result.overall == rubric.overall({**FIRST, "failure_modes": 4.5})
    assert state.results[0].scores == FIRST  # a new result list: the checkpointed state is not changed in place


def test_a_weaker_follow_up_lowers_nothing(rubric):
    state = answered(FIRST, probes=1, probed=["failure_modes"])
    worse = dict.fromkeys(FIRST, 1.0)
    [result] = record_critique(state, QUESTION, critique_of(worse), rubric)
    assert result.scores == FIRST and result.overall == rubric.overall(FIRST)


def test_the_second_follow_up_changes_only_the_dimension_it_probed(rubric):
    state = answered({**FIRST, "failure_modes": 4.5}, probes=2, probed=["failure_modes", "product_judgment"])
    answer = {"evaluation": 5.0, "failure_modes": 1.0, "product_judgment": 4.0, "communication": 5.0}
    [result] = record_critique(state, QUESTION, critique_of(answer), rubric)
    assert result.scores == {**FIRST, "failure_modes": 4.5, "product_judgment": 4.0}


def test_other_questions_results_are_left_alone(rubric):
    earlier = QuestionResult(question_id="q0", question="Earlier?", scores=dict(FIRST), overall=3.1)
    state = InterviewState(current="q1", asked=["q0", "q1"], results=[earlier])
    results = record_critique(state, QUESTION, critique_of(dict.fromkeys(FIRST, 5.0)), rubric)
    assert results[0] == earlier and [r.question_id for r in results] == ["q0", "q1"]
    assert state.results[0].scores == FIRST  # the state itself is not changed in place


def test_a_second_critique_without_a_probe_changes_no_score(rubric):
    state = answered(FIRST)  # answered, not probed (nothing asked a follow-up)
    [result] = record_critique(state, QUESTION, critique_of(dict.fromkeys(FIRST, 5.0)), rubric)
    assert result.scores == FIRST


def test_no_follow_up_before_an_answer_or_when_every_core_dimension_is_solid():
    assert probe_dimension(InterviewState(current="q1", asked=["q1"])) is None
    solid = {"evaluation": 3.5, "failure_modes": 4.0, "product_judgment": 3.6, "communication": 1.0}
    assert probe_dimension(answered(solid)) is None  # 3.5 is enough, and communication is never probed


def test_follow_ups_go_to_the_weakest_unprobed_core_dimension_twice_at_most():
    assert probe_dimension(answered(FIRST)) == "failure_modes"
    assert probe_dimension(answered(FIRST, probes=1, probed=["failure_modes"])) == "product_judgment"
    assert probe_dimension(answered(FIRST, probes=2, probed=["failure_modes", "product_judgment"])) is None
    assert probe_dimension(answered(FIRST, probes=1, probed=["failure_modes", "product_judgment"])) is None


@pytest.mark.parametrize(
    ("start", "recent", "expected"),
    [
        (2, [], 2),
        (2, [3.8], 3),  # a strong answer (3.8 or more) steps up
        (2, [3.7], 2),
        (2, [2.2], 1),  # a weak one (2.2 or less) steps down
        (2, [2.3], 2),
        (1, [4.5, 4.5], 3),  # each of the last two answers counts
        (1, [1.0, 4.0, 4.0], 3),  # only the last two
        (3, [1.0, 1.0], 1),
        (3, [4.0, 4.0], 3),  # never above 3
        (1, [1.0, 1.0], 1),  # nor below 1
        (2, [4.0, 1.0], 2),
    ],
)
def test_difficulty_follows_the_last_two_answers(start, recent, expected):
    assert target_difficulty(start, recent) == expected


@pytest.mark.parametrize("background", ["pm", "technical"])
@pytest.mark.parametrize("role", ["foundation", "platform", "feature", "vertical"])
def test_the_chosen_difficulty_is_the_first_questions_difficulty(role, background):
    from bot.content.questions import load_bank
    from bot.interview.policy import pick_next

    bank = load_bank(get_settings().questions_dir)
    pool = [q for q in bank.questions if q.role == role]
    for level in (1, 2, 3):
        first = pick_next(pool, set(), set(), background, level, f"seed-{role}-{level}")
        assert first is not None
        if any(q.difficulty == level for q in pool):
            assert first.difficulty == level, (role, level, first.id, first.difficulty)
