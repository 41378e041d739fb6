"""The offline critic against hand grades, and its behaviour on the answers that decide trust."""

import json
import subprocess
import sys
from collections import Counter

import pytest

from bot import Critique, critique
from bot.config import Settings, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS
from bot.critic.calibration import FIT_SPLITS, HELD_OUT, figures, load_figures, load_labelled
from bot.critic.fitting import load_pairs
from tests.cli import run_main
from tests.indexes import indexed_folder
from tests.untraced import untraced

SETTINGS = get_settings()
BANK = load_bank(SETTINGS.questions_dir)
ITEMS = load_labelled()
GEN = [i for i in ITEMS if i.split.startswith("gen-")]
CRITIQUES: dict[str, Critique] = {}  # the held-out answers' critiques, by answer id (filled by `held_out`)
FEEDBACK = SETTINGS.calibration_dir / "feedback"


@pytest.fixture(scope="module")
def held_out(built_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The held-out figures, computed once per module on a copy of the session's guide index and bank vectors.

    (A module fixture is set up before the per-test data folder, so `get_settings()` here would be the checkout's.)
    """
    settings = Settings(data_dir=indexed_folder(tmp_path_factory, built_index, "held-out"))
    with untraced():  # 229 critiques of code the other critic tests trace
        return figures(settings, ITEMS, HELD_OUT, keep=CRITIQUES)


@pytest.mark.without_index
def test_calibration_set_measures_generalisation():
    assert len(GEN) >= 400
    bank_questions = {i.question_id for i in GEN if i.question_id in BANK.by_id}
    other_questions = {i.question_id for i in GEN if i.question_id not in BANK.by_id}
    assert len(bank_questions) >= 60 and len(other_questions) >= 30
    assert all(i.question and i.role for i in GEN if i.question_id not in BANK.by_id)
    # held out by question AND by writer: nothing of the test split's questions or writers is in any fitting split
    fitted = [i for i in ITEMS if i.split in FIT_SPLITS]
    test = [i for i in GEN if i.split == HELD_OUT]
    assert not {i.question_id for i in test} & {i.question_id for i in fitted}
    writers = {i.id.split("-")[1] for i in test if i.id.split("-")[1] not in ("M", "M2")}  # M, M2: by script
    assert writers and not writers & {i.id.split("-")[1] for i in fitted if i.split.startswith("gen-")}
    kinds = Counter(i.kind for i in test)
    styles = ("strong", "plain_twin", "framework_template", "rambling", "bullet_list", "non_native")
    assert all(kinds[k] for k in (*styles, "confidently_wrong", "partially_right", "eval_only", "failure_only"))
    attacks = ("fluff", "buzzwords", "off_topic", "keyword_why", "padded", "pasted_outline", "keypoint_list")
    assert all(kinds[k] for k in attacks)
    injections = ("ps", "footnote", "foreign", "html", "zero_width", "polite")
    assert all(kinds[f"injection_{k}"] for k in injections) and kinds["non_english"] >= 3
    # the pair classifier never saw a sentence of a held-out answer, nor a key point of a held-out question
    pairs = load_pairs(SETTINGS.calibration_dir)
    held_ids, held_questions = {i.id for i in test}, {i.question_id for i in test}
    assert pairs and not [p for p in pairs if p["answer_id"] in held_ids or p["question_id"] in held_questions]
    # nor one of the in-style `test` split (its labelled pairs are set aside, with gen-holdout2's questions)
    assert {p["answer_id"] for p in pairs} <= {i.id for i in ITEMS if i.split in FIT_SPLITS}
    # every new answer was graded by two graders who did not see each other's grades
    assert all(len(i.graders) == 2 for i in GEN)
    assert all(1 <= i.grade[d] <= 5 for i in GEN for d in (*DIMENSIONS, "overall"))
    # the held-out split alone: enough questions of both kinds to report them apart
    assert len({i.question_id for i in test if i.question_id in BANK.by_id}) >= 15
    assert len({i.question_id for i in test if i.question_id not in BANK.by_id}) >= 10


# Issue 10's targets on the held-out split (gen-holdout2). Where the critic does not reach one, the floor is what it
# measured (so a regression fails) and the target is named beside it; see the README's calibration table.
TARGET_MAE = 0.5
TARGET_BIAS = 0.25
TARGET_OTHER_SPEARMAN = 0.7
TARGET_BANK_SPEARMAN = 0.85  # measured 0.859 (blind, before the short-question off-topic rule, which leaves it alone)
TARGET_ONE_SIDED = 0.85  # measured 39/44
FLOOR_TWINS = (39, 44)  # issue target: every twin within 0.5; not met (in 4 of the 5 misses the plain twin is higher)


def ratio(text: object) -> tuple[int, int]:
    hits, total = map(int, str(text).split("/"))
    return hits, total


def test_agreement_with_hand_grades_on_the_held_out_split(held_out):
    assert held_out["answers"] == len([i for i in ITEMS if i.split == HELD_OUT])
    assert held_out["overall"]["mean_abs_error"] <= TARGET_MAE
    assert abs(held_out["overall"]["mean_bias"]) <= TARGET_BIAS
    assert abs(held_out["bank_questions"]["mean_bias"]) <= TARGET_BIAS
    assert abs(held_out["other_questions"]["mean_bias"]) <= TARGET_BIAS
    assert held_out["other_questions"]["spearman"] >= TARGET_OTHER_SPEARMAN
    assert held_out["bank_questions"]["spearman"] >= TARGET_BANK_SPEARMAN
    assert held_out["one_sided_rate"] >= TARGET_ONE_SIDED
    assert held_out["human_ceiling"]["spearman"] > held_out["overall"]["spearman"]
    hits, total = ratio(held_out["strong_above_generic"])
    assert total >= 8 and hits == total
    within, twins = ratio(held_out["twins_within_half_point"])
    assert twins == FLOOR_TWINS[1] and within >= FLOOR_TWINS[0]


def test_attacks_on_the_held_out_split(held_out):
    worst = held_out["attack_max"]
    for family in ("fluff", "buzzwords", "off_topic", "injection"):
        assert worst.get(family) is None or worst[family] <= 2, family
    for family in ("pasted_outline", "keypoint_list"):
        assert worst[family] <= 2.5, family
    assert held_out["attacks_above_strong"] == []  # no attack above the strong answer to its question
    declined, total = ratio(held_out["non_english_declined"])
    assert total >= 3 and declined == total
    false_declines, gradable = ratio(held_out["false_declines"])
    assert false_declines <= 0.02 * gradable


def test_answers_written_for_their_question_are_not_marked_off_topic(held_out):
    # One: fresh-W11-004, a generic answer both graders gave 1 ("balance quality with user experience, look at
    # satisfaction..."), which fits another bank question better than its own; any other answer marked fails
    assert set(held_out["marked_off_topic"]) <= {"fresh-W11-004"}
    written = [i for i in ITEMS if i.split == HELD_OUT and i.kind in ("strong", "plain_twin", "eval_only")]
    assert len(written) >= 100 and all(i.id in CRITIQUES for i in written)
    assert not {i.id for i in written} & set(held_out["marked_off_topic"])


def test_hand_labelled_feedback_on_held_out_answers_is_current_and_mostly_right(held_out):
    """Round 7's labels are of the critic as it stands (else they must be redone), and their precision holds."""
    labels = [json.loads(line) for line in (FEEDBACK / "round7.jsonl").read_text().splitlines() if line.strip()]
    answers = (FEEDBACK / "round7-answers.txt").read_text().split()
    assert len(answers) == 60 and {r["answer_id"] for r in labels} <= set(answers)
    for answer_id in answers:  # the sheet critiques without citations, as the figures do
        result = CRITIQUES[answer_id]
        shown = Counter(
            [*(("strength", s) for s in result.strengths), *(("gap", g) for g in result.gaps)]
            + [("level", t) for t in result.next_level.values()]
        )
        labelled = Counter((r["kind"], r["text"]) for r in labels if r["answer_id"] == answer_id)
        assert shown == labelled, f"{answer_id}: the critique changed since round 7 was labelled"
    # two gap lines were reworded after labelling (a debatable key point shown as a judgment call): same point
    assert sum("labelled_text" in r for r in labels) == 2

    def right(kind: str) -> tuple[int, int]:
        chosen = [r for r in labels if r["kind"] == kind]
        return sum(r["label"] == "ok" for r in chosen), len(chosen)

    # issue target 90% for both: 13/14 and 26/28
    strengths, gaps = right("strength"), right("gap")
    assert strengths == (13, 14) and gaps == (26, 28)
    assert strengths[0] >= 0.9 * strengths[1] and gaps[0] >= 0.9 * gaps[1]


def test_published_figures_match_a_fresh_measurement(held_out):
    published = load_figures(SETTINGS)
    assert published is not None, "run `python -m bot eval --write`"
    stale = "the published figures drifted from the critic: run `python -m bot eval --write`"
    assert published["split"] == HELD_OUT and published["answers"] == held_out["answers"], stale
    for block in ("overall", "bank_questions", "other_questions"):
        for key, tolerance in (("spearman", 0.03), ("mean_abs_error", 0.05), ("mean_bias", 0.05)):
            assert published[block][key] == pytest.approx(held_out[block][key], abs=tolerance), (block, key, stale)
    assert published["one_sided_rate"] == pytest.approx(held_out["one_sided_rate"], abs=0.07), stale
    assert published["human_ceiling"] == held_out["human_ceiling"], stale
    assert "in_style" in published and published["in_style"]["split"] == "test"


QUESTION = BANK.by_id["fea-001"]
STRONG = next(i.answer for i in ITEMS if i.question_id == "fea-001" and i.kind == "strong")


def test_critique_shape_and_content():
    result = critique(QUESTION.text, STRONG, "feature")
    assert isinstance(result, Critique) and result.graded
    assert set(result.dimensions) == set(DIMENSIONS)
    assert result.overall == result.offline_overall == load_rubric(SETTINGS.rubric_path).overall(result.dimensions)
    assert result.flags == [] and result.notices == []
    assert result.source == "offline" and result.question_id == "fea-001"
    assert result.strengths and all('you said "' in s for s in result.strengths)
    said = [s.split('you said "', 1)[1].split('", which covers')[0].removesuffix("...") for s in result.strengths]
    assert all(fragment[:40] in STRONG for fragment in said)
    assert len(set(said)) == len(said)  # distinct spans for distinct strengths
    assert result.follow_up and result.stronger_answer and result.citations
    assert {"topic", "source", "heading"} <= set(result.citations[0].model_dump())


def test_bad_arguments_raise_clear_errors():
    from bot.errors import CoachError

    with pytest.raises(CoachError, match="unknown role"):
        critique("q" * 30, "answer", "ceo")
    with pytest.raises(CoachError, match="empty"):
        critique(QUESTION.text, "   ", "feature")


def _cli(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, timeout=300
    )


def test_cli_critique_json_and_empty_answer(monkeypatch):
    ok = _cli("critique", "--role", "feature", "--question", QUESTION.text, "--json", stdin=STRONG)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    in_process = critique(QUESTION.text, STRONG, "feature")
    assert data["overall"] == in_process.overall and data["dimensions"] == in_process.dimensions
    assert data["question_id"] == "fea-001"
    for blank in ("", "   \n\t "):
        bad = run_main(monkeypatch, "critique", "--role", "feature", "--question", QUESTION.text, stdin=blank)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1


def test_rubric_file_is_complete():
    rubric = load_rubric(SETTINGS.rubric_path)
    assert max(rubric.overall_weights, key=rubric.overall_weights.get) in ("evaluation", "failure_modes")
    assert rubric.overall_weights["evaluation"] + rubric.overall_weights["failure_modes"] > 0.5


def test_the_llm_critic_is_measured_the_same_way(monkeypatch, capsys):
    from bot.cli import main
    from tests.fakes import OpenAIStub

    monkeypatch.delenv("COACH_LLM", raising=False)
    get_settings.cache_clear()
    assert main(["eval", "--critic", "llm", "--split", "test"]) == 1
    assert "no LLM is configured" in capsys.readouterr().err
    with OpenAIStub() as stub:  # a scripted OpenAI-compatible model: every critique is the same JSON
        monkeypatch.setenv("COACH_LLM", "openai:gpt-4o-mini")
        monkeypatch.setenv("COACH_LLM_BASE_URL", stub.url)
        get_settings.cache_clear()
        try:
            assert main(["eval", "--critic", "llm", "--split", "test", "--json"]) == 0
        finally:
            get_settings.cache_clear()
        llm = json.loads(capsys.readouterr().out)
        graded = [i for i in ITEMS if i.split == "test"]
        injected = [i for i in graded if i.kind == "injection"]
        assert len(stub.requests) == len(graded) - len(injected)  # text aimed at the grader never reaches it
    published = load_figures(SETTINGS)
    assert published is not None
    offline = published["in_style"]  # the offline critic's report on the same split, as `eval --write` published it
    assert llm["critic"] == "llm" and set(llm) == {*offline, "critic"}
    assert llm["overall"]["answers"] == offline["overall"]["answers"] == len(graded)
    assert llm["attack_max"]["injection"] <= 2  # the cap holds whatever the model says
