"""The critic's rules that reports, fitting and the worker pool rest on, each checked against its definition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from bot.coaching import accounts, assignments, reviews
from bot.coaching.attempts import start_attempt
from bot.config import PROJECT_ROOT, Settings, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS, SCORED
from bot.critic import pool as critic_pool
from bot.critic.calibration import Labelled, figures, load_labelled, qwk, target_for, write_figures
from bot.critic.critic import Critic
from bot.critic.fitted import load_fit
from bot.critic.fitting import _out_of_fold, _ridge, coach_overrides, fit
from bot.critic.model import Critique, Target
from bot.critic.offline import Probe, critique_target
from bot.critic.pool import CriticPool
from bot.critic.signals import warm_bank_references
from bot.critic.support import load_support
from bot.interview.service import InterviewService
from bot.llm.chat import LLM
from bot.retrieval.embeddings import cached_vectors
from tests.fakes import ScriptedChatModel
from tests.indexes import knowledge_without_calibration
from tests.test_critic_pool import children_running_workers

ANSWER = (
    "I would pull 400 real requests from the pilot, stratified by language and request type, and have two "
    "raters score them against a written rubric. The launch bar is 95% correct on every slice, not on average, "
    "because the long tail is where a confident wrong answer costs trust. Below a confidence threshold the "
    "assistant hands over to a person, and a kill switch rolls the prompt back within minutes."
)
FOLLOW_UPS = (
    "It hands over to a person below the threshold, and we watch the override rate per language weekly.",
    "We would roll the prompt back within minutes if the weekly sample fell under the bar on any slice.",
    "Two raters disagree on about one answer in ten; a third rater settles those before the launch review.",
    "The pilot runs for four weeks so that month-end requests, which are the hardest, are in the sample.",
)


# --- quadratic-weighted kappa, computed by hand from its definition --------------------------------------------
# Scores round to half points, so 1..5 are categories 0..8; the weight of a cell is its squared distance (any
# constant scale cancels). kappa = 1 - sum(w * observed) / sum(w * expected), expected = row total * column total / n.


@pytest.mark.without_index
def test_kappa_keeps_a_score_of_one_apart_from_a_score_of_one_and_a_half():
    # a = 1, 2, 3 -> categories 0, 2, 4; b = 1.5, 2, 3 -> categories 1, 2, 4: one cell off the diagonal, by 1.
    # observed: 1. expected: (1 + 4 + 16) + (1 + 0 + 4) + (9 + 4 + 0) = 39, over n = 3: 13. kappa = 1 - 1/13.
    assert qwk([1, 2, 3], [1.5, 2, 3]) == round(1 - 1 / 13, 3) == 0.923
    assert qwk([1.5, 2, 3], [1, 2, 3]) == 0.923  # symmetric: the lowest score counts on either side


@pytest.mark.without_index
def test_kappa_weighs_disagreements_by_their_squared_distance_either_way():
    # a = 1, 3, 5 -> 0, 4, 8; b = 3, 5, 1 -> 4, 8, 0. observed: 16 + 16 + 64 = 96.
    # expected: each of 0, 4, 8 once on each side: sum over pairs of squared distances 2 * (16 + 64 + 16) = 192, / 3 = 64.
    assert qwk([1, 3, 5], [3, 5, 1]) == round(1 - 96 / 64, 3) == -0.5
    # over-scoring and under-scoring by the same distance cost the same
    assert qwk([1, 2, 4, 5], [1.5, 2, 4, 5]) == qwk([1.5, 2, 4, 5], [1, 2, 4, 5])
    assert qwk([2, 3, 4], [2, 3, 4]) == 1.0


# --- the labelled answers and the figures -----------------------------------------------------------------------


@pytest.mark.without_index
def test_a_labelled_answer_keeps_its_question_domain_and_both_graders(tmp_path):
    (tmp_path / "vertical.yaml").write_text(
        yaml.safe_dump(
            [
                {
                    "id": "gen-Z-001",
                    "question_id": "other-001",
                    "split": "gen-test",
                    "kind": "strong",
                    "answer": "I would grade 300 sampled claims against the policy text before launch.",
                    "grade": {"overall": 3.5, "evaluation": 4},
                    "question": "How would you evaluate an AI claims assistant for an insurer?",
                    "role": "vertical",
                    "domain": "finance",
                    "graders": {"G1": 3.5, "G2": 4},
                }
            ]
        )
    )
    [item] = load_labelled(tmp_path)
    assert item.question == "How would you evaluate an AI claims assistant for an insurer?"
    assert item.role == "vertical" and item.domain == "finance"
    assert item.graders == {"G1": 3.5, "G2": 4.0}
    assert item.grade == {"overall": 3.5, "evaluation": 4.0}


def _critique(overall: float | None, **dims: float) -> Critique:
    scores = {d: dims.get(d, overall or 0) for d in DIMENSIONS} if overall is not None else {}
    return Critique(
        overall=overall,
        dimensions=scores,
        strengths=[],
        gaps=[],
        follow_up=None,
        follow_up_dimension=None,
        stronger_answer=[],
        citations=[],
    )


def _labelled(id_: str, kind: str, overall: float) -> Labelled:
    return Labelled(id_, "fea-001", "gen-test", kind, f"answer {id_}", {d: overall for d in (*DIMENSIONS, "overall")})


def test_figures_count_false_declines_one_sided_answers_and_attacks_above_the_strong_answer(data_dir):
    items = [
        _labelled("strong", "strong", 4.0),
        _labelled("eval", "eval_only", 3.0),
        _labelled("fail", "failure_only", 3.0),
        _labelled("fluff", "fluff", 1.5),
        _labelled("ramble", "rambling", 2.5),
    ]
    critiques = {
        "answer strong": _critique(4.0),
        "answer eval": _critique(3.0, evaluation=4.0, failure_modes=2.0),
        "answer fail": _critique(3.0, evaluation=2.0, failure_modes=4.0),
        "answer fluff": _critique(2.0),
        "answer ramble": _critique(None),  # a gradable answer the critic declined
    }
    report = figures(get_settings(), items, "gen-test", grader=lambda _target, answer: critiques[answer])
    assert report["false_declines"] == "1/5"
    assert report["one_sided_separated"] == "2/2"  # evaluation-only above on evaluation, failure-only on failures
    assert report["attacks_above_strong"] == []  # the fluff scored 2, under the strong answer's 4
    assert report["attack_max"] == {"fluff": 2.0}


@pytest.mark.without_index
def test_rewriting_the_committed_figures_leaves_the_file_unchanged(tmp_path):
    committed = PROJECT_ROOT / "knowledge" / "critic_calibration.json"
    written = write_figures(get_settings(), json.loads(committed.read_text()), tmp_path / "figures.json")
    assert written.read_text() == committed.read_text()  # one key a line: a refit's diff shows what moved


# --- the LLM critic and the offline critic's decline -----------------------------------------------------------


def test_the_ai_critics_gaps_replace_the_offline_ones_unless_it_lists_none(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-001"])
    offline = critique_target(target, ANSWER, settings)
    assert offline.gaps
    reply = {"evaluation": 4, "failure_modes": 3, "product_judgment": 4, "communication": 4}
    for gaps in (["You never said what the pilot costs per month."], []):
        text = json.dumps({"dimensions": reply, "gaps": gaps})
        llm = LLM(ScriptedChatModel(script=lambda _messages, text=text: text, received=[]), settings)
        result = Critic(settings, llm)(target, ANSWER)
        assert result.source.startswith("llm:")
        assert result.gaps == (gaps or offline.gaps)


def test_an_answer_in_another_language_is_declined_for_the_question_it_answers(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).by_id["fea-001"])
    spanish = (
        "Primero revisaría una muestra de las respuestas del asistente con dos evaluadores y una rúbrica escrita, "
        "y no lanzaría el producto hasta que la precisión fuera buena en cada idioma y para cada tipo de cliente."
    )
    result = critique_target(target, spanish, settings, with_citations=False)
    assert result.overall is None and result.flags == ["not_english"]
    assert result.question_id == "fea-001"  # the turn's history and the coach's report still know the question


# --- fitting ------------------------------------------------------------------------------------------------------


@pytest.mark.without_index
def test_the_ridge_map_shrinks_the_least_squares_slope_by_the_ridge_strength():
    # one feature x = 0..4 with y = x + 1: least squares gives slope 1. On standardised x, sum z^2 = n, so the
    # ridge slope is n / (n + RIDGE * n / 10) = 1 / 1.03, and the intercept keeps the line through the means.
    x = np.arange(5.0).reshape(-1, 1)
    intercept, slope = _ridge(x, x[:, 0] + 1)
    assert slope == pytest.approx(1 / 1.03, abs=1e-5)
    assert intercept == pytest.approx(3 - 2 / 1.03, abs=1e-5)


@pytest.mark.without_index
def test_a_held_out_style_prediction_never_sees_its_own_grade():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(8, 3))
    y = np.array([2.0, 3.0, 4.0, 3.5, 2.5, 3.0, 4.5, 1.5])
    groups = ["fea-001"] * 4 + ["fea-002"] * 4
    before = _out_of_fold(x, y, groups)
    regraded = y.copy()
    regraded[0] = 5.0  # one answer to fea-001 graded again
    after = _out_of_fold(x, regraded, groups)
    assert after[:4] == pytest.approx(before[:4])  # fea-001's predictions come from fea-002's answers only
    assert after[4:] != pytest.approx(before[4:])


@pytest.mark.without_index
def test_with_one_question_only_a_style_that_says_nothing_predicts_the_mean_grade():
    x = np.ones((4, 3))  # every answer reads the same
    y = np.array([2.0, 3.0, 4.0, 5.0])
    assert _out_of_fold(x, y, ["fea-001"] * 4) == pytest.approx([3.5] * 4)


def _grade_one_answer(settings: Settings, answer: str, score: int) -> tuple[int, str | None]:
    """A coach sets one dimension's score on a candidate's first answer; returns the turn and its question."""
    service = InterviewService(settings)
    coach = accounts.add_coach(service.store, "lead@example.com", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=7)
    assignment = assignments.create_assignment(service.store, coach, "Fit", "feature", None, [], 1, 2, None, due, [])
    start = start_attempt(service, assignment.code, "Ada")
    service.submit(start.session_id, answer)
    turn = service.store.turns(start.session_id)[0]
    reviews.review(service.store, coach, turn.id, dimension="evaluation", score=score)
    return turn.id, turn.question_id


def test_a_coach_override_on_a_bank_question_is_fitted_with_that_question(data_dir):
    settings = get_settings()
    turn_id, question_id = _grade_one_answer(settings, ANSWER, 4)
    assert question_id in load_bank(settings.questions_dir).by_id
    [override] = coach_overrides(settings)
    assert override.id == f"coach-{turn_id}" and override.grade == {"evaluation": 4.0}
    assert override.question_id == question_id  # grouped with that question's answers, judged on its key points


def test_the_fitted_model_says_how_many_answers_each_path_was_fitted_on(tmp_path, data_dir):
    knowledge = tmp_path / "knowledge"
    knowledge_without_calibration(knowledge)
    (knowledge / "calibration" / "pairs").mkdir(parents=True)
    pairs = (PROJECT_ROOT / "knowledge/calibration/pairs/labelled.jsonl").read_text().splitlines()
    (knowledge / "calibration" / "pairs" / "labelled.jsonl").write_text("\n".join(pairs[:200]) + "\n")
    settings = Settings(knowledge_dir=knowledge, data_dir=data_dir)
    everything = load_labelled(PROJECT_ROOT / "knowledge" / "calibration")
    bank = load_bank(settings.questions_dir)
    on_bank = [i for i in everything if i.split == "train"][:12]
    derived = [i for i in everything if i.split == "gen-train" and i.question_id not in bank.by_id][:2]
    assert all(target_for(settings, i).derived for i in derived)
    try:
        fit(settings, [*on_bank, *derived])
        fitted_on = json.loads((knowledge / "critic_model.json").read_text())["fitted_on"]
        assert fitted_on.endswith("{'bank': 12, 'derived': 2}")
    finally:
        load_fit.cache_clear()
        load_support.cache_clear()


# --- the bank's reference vectors and the worker pool -----------------------------------------------------------


def test_warming_without_a_rubric_saves_the_banks_references_only(tmp_path):
    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    saved = tmp_path / "vectors.npz"
    warm_bank_references(bank, None, saved)
    texts = set(cached_vectors.load(saved))
    assert {q.text for q in bank.questions} <= texts
    concepts = {c for d in SCORED for c in load_rubric(settings.rubric_path).dimensions[d].concepts}
    assert concepts and not concepts & texts


def _worker_pids() -> set[int]:
    """This process's children that run a spawned worker."""
    return children_running_workers(os.getpid())


def test_one_worker_a_process_however_many_critiques_arrive_and_none_left_after_close(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).questions[2])
    answers = [ANSWER, *FOLLOW_UPS]
    pool = CriticPool(settings, 1)
    try:
        assert pool.start()
        with ThreadPoolExecutor(len(answers)) as callers:  # five sessions submit at once
            scored = list(callers.map(lambda a: pool.score(target, a, None), answers))
        assert scored == [critique_target(target, a, settings, with_citations=False) for a in answers]
        assert len(_worker_pids()) == 1
    finally:
        pool.close()
    assert _worker_pids() == set()  # closing waits for the workers to exit


WARM_IN_A_FRESH_PROCESS = """
from bot.critic import pool
from bot.config import get_settings
from bot.retrieval.embeddings import MiniLM

real, embedded = MiniLM.embed, []

def counted(self, texts):
    embedded.extend(texts)
    if len(embedded) > 200:
        raise SystemExit(f"the warm-up embedded over 200 texts: {len(embedded)}")
    return real(self, texts)

MiniLM.embed = counted
pool._settings = get_settings()
pool._warm()
print(len(embedded))
"""


def test_a_workers_warm_up_reads_the_bank_vectors_the_app_saved(data_dir):
    """A worker starts in seconds: it reads the vectors of the bank's texts rather than embedding them again."""
    assert get_settings().vectors_path.exists()
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", WARM_IN_A_FRESH_PROCESS], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[-1]) < 50  # the warm-up answer's sentences, not the bank's thousands of texts


class _Recording(ThreadPoolExecutor):
    """A worker's queue that notes which answers it scored."""

    def __init__(self) -> None:
        super().__init__(1)
        self.answers: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.answers.append(args[1])
        return super().submit(fn, *args, **kwargs)


def test_follow_ups_go_to_the_worker_that_scored_the_questions_first_answer(data_dir, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(critic_pool, "_settings", settings)  # these workers are threads of this process
    target = Target.of(load_bank(settings.questions_dir).questions[0])
    pool = CriticPool(settings, 0)
    workers = [_Recording() for _ in range(5)]
    pool._executors, pool._ready = list(workers), True
    try:
        first = pool.score(target, ANSWER, None)
        assert first is not None
        for reply in FOLLOW_UPS:
            probe = Probe("failure_modes", "What happens when the model is confidently wrong?", first, ANSWER)
            assert pool.score(target, reply, probe) == critique_target(target, reply, settings, False, probe)
        [busy] = [w for w in workers if w.answers]
        assert busy.answers == [ANSWER, *FOLLOW_UPS]
    finally:
        for worker in workers:
            worker.shutdown()


class _Dead(ThreadPoolExecutor):
    """A worker process that has died: every submission finds the pool broken."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        raise BrokenProcessPool("a worker died")


def test_a_dead_worker_never_makes_the_turn_wait_for_the_other_workers(data_dir):
    settings = get_settings()
    target = Target.of(load_bank(settings.questions_dir).questions[0])
    release = threading.Event()
    busy = ThreadPoolExecutor(1)
    busy.submit(release.wait, 30)  # another session's critique, still running
    pool = CriticPool(settings, 0)  # no processes: the restart after the death starts none
    pool._executors, pool._ready = [_Dead(1), busy], True
    assert zlib.crc32(ANSWER[: critic_pool.ROUTE_CHARS].encode()) % 2 == 0  # this answer goes to the dead one
    results: list[Critique | None] = []
    caller = threading.Thread(target=lambda: results.append(pool.score(target, ANSWER, None)))
    try:
        caller.start()
        caller.join(timeout=5)
        assert not caller.is_alive(), "the turn waited for another worker's critique"
        assert results == [None]  # the caller scores it in its own process
        assert not pool.ready
    finally:
        release.set()
        caller.join()
        busy.shutdown()
