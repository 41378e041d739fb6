"""The critic's calibration data: every agentic question has graded answers of every kind, in their own split."""

from collections import Counter

import pytest

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.critic.calibration import load_labelled

pytestmark = pytest.mark.without_index  # reads data files only

AGENTIC = [f"{p}-0{n}" for p in ("fnd", "plt", "fea") for n in range(28, 34)]
AGENTIC += [f"{d}-0{n}" for d in ("hc", "lg", "fin") for n in (10, 11)]
DIMENSIONS = ("evaluation", "failure_modes", "product_judgment", "communication", "overall")


def test_every_agentic_question_has_graded_answers_of_every_kind():
    bank = load_bank(get_settings().questions_dir)
    everything = load_labelled()
    agentic = [i for i in everything if i.split == "agentic"]
    assert set(AGENTIC) <= set(bank.by_id)
    kinds = Counter((i.question_id, i.kind) for i in agentic)
    for qid in AGENTIC:
        assert {k for q, k in kinds if q == qid} >= {"strong", "eval_only", "failure_only", "generic"}, qid
        assert sum(n for (q, _), n in kinds.items() if q == qid) == 5
    assert all(1 <= i.grade[d] <= 5 for i in agentic for d in DIMENSIONS)
    adversarial = [i for i in agentic if i.kind in ("buzzwords", "fluff", "off_topic", "injection")]
    assert len(adversarial) == 24 and max(i.grade["overall"] for i in adversarial) <= 2
    # the agentic answers are one split of their own (fitted on since critic v2; the held-out split is gen-test)
    assert {i.split for i in everything if i.question_id in AGENTIC} == {"agentic"}


def test_strong_answers_outscore_generic_ones_in_the_human_grades():
    agentic = [i for i in load_labelled() if i.split == "agentic"]
    grade = {(i.question_id, i.kind): i.grade["overall"] for i in agentic}
    assert all(grade[(q, "strong")] > grade[(q, "generic")] for q in AGENTIC)
