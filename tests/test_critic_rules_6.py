"""More of the critic's rules: plain-language twins read from the calibration files and counted in the figures, a
list of the right points still capped as a list, and guide citations that follow the critique's first two gaps."""

from __future__ import annotations

import yaml

from bot.config import get_settings
from bot.content.vocabulary import DIMENSIONS
from bot.critic.calibration import figures, load_labelled
from bot.critic.offline import add_citations, critique_target
from tests.test_critic_rules import _critique
from tests.test_critic_rules_2 import _scored
from tests.test_critic_rules_3 import fea_001
from tests.test_critic_rules_4 import _strong_twin_generic

# --- plain-language twins in the calibration figures -----------------------------------------------------------


def _answer(id_: str, kind: str, overall: float, **extra: str) -> dict[str, object]:
    grade = dict.fromkeys((*DIMENSIONS, "overall"), overall)
    return {
        "id": id_,
        "question_id": "fea-001",
        "split": "gen-test",
        "kind": kind,
        "answer": id_,
        "grade": grade,
    } | extra


def test_a_plain_language_twin_in_the_calibration_files_is_compared_with_the_answer_it_rewrites(tmp_path, data_dir):
    answers = [_answer("gen-A-001", "strong", 4.0), _answer("gen-A-002", "plain_twin", 3.5, twin_of="gen-A-001")]
    (tmp_path / "feature.yaml").write_text(yaml.safe_dump(answers))
    items = load_labelled(tmp_path)
    assert items[1].twin_of == "gen-A-001"
    critiques = {"gen-A-001": _critique(4.0), "gen-A-002": _critique(3.7)}
    report = figures(get_settings(), items, "gen-test", grader=lambda _target, answer: critiques[answer])
    assert report["twins_within_half_point"] == "1/1"
    assert report["twin_mean_gap"] == 0.3


def test_a_twin_scored_a_full_point_from_its_original_is_not_within_half_a_point(data_dir):
    critiques = {"answer strong": _critique(4.0), "answer plain": _critique(3.0), "answer generic": _critique(2.5)}
    report = figures(get_settings(), _strong_twin_generic(), "gen-test", grader=lambda _t, answer: critiques[answer])
    assert report["twin_mean_gap"] == 1.0
    assert report["twins_within_half_point"] == "0/1"


# --- a list of the right points ----------------------------------------------------------------------------------

LISTED_POINTS = (
    "Sample 300 meetings, two reviewers check owners against the transcript.\n"
    "- Oversample shared room microphones\n"
    "- Diarization errors upstream of summarization\n"
    "- Say owner unclear instead of guessing\n"
    "- Precision over coverage for owners\n"
    "- One-click owner edits as signal\n"
)


def test_a_list_of_the_right_points_without_reasoning_is_capped_at_two_and_quotes_no_strengths(data_dir):
    settings = get_settings()
    target = fea_001(settings)
    result = critique_target(target, LISTED_POINTS, settings, with_citations=False)
    assert "list_without_reasoning" in result.flags
    assert result.overall == 2.0 and max(result.dimensions.values()) <= 2
    assert result.strengths == []


# --- guide citations ---------------------------------------------------------------------------------------------


def test_the_guide_passages_cited_follow_the_first_two_gaps_and_not_a_third(data_dir):
    settings = get_settings()
    target = fea_001(settings)
    gaps = [
        f"Failure modes: {target.key_points['failure_modes'][0]}",
        f"Evaluation: {target.key_points['evaluation'][0]}",
    ]
    third = "Product judgment: say how you would present this work in a portfolio to a hiring manager."
    cited = add_citations(_scored(2.0, gaps), target, settings).citations
    assert cited
    assert add_citations(_scored(2.0, [*gaps, third]), target, settings).citations == cited
