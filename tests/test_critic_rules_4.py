"""More of the critic's rules: the calibration figures on an empty block and plain-language twins, a one-off
critique for a vertical role without a domain, and the app scoring in its own process when no worker starts."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import yaml
from sklearn.linear_model import Ridge

from bot.config import PROJECT_ROOT, Settings, get_settings
from bot.content.vocabulary import DIMENSIONS
from bot.critic import fitting
from bot.critic import pool as critic_pool
from bot.critic.calibration import FIT_SPLITS, Labelled, figures, load_labelled
from bot.critic.critic import critique
from bot.critic.features import AnswerView
from bot.critic.fitted import load_fit
from bot.critic.guard import screen
from bot.critic.pool import CriticPool
from tests.indexes import knowledge_without_calibration
from tests.test_critic_rules import _critique

ANSWER = (
    "I would build an eval set from real traffic, stratified by segment, with two raters and a written rubric, "
    "and gate the launch on precision per segment with a human fallback for low-confidence outputs."
)


def _labelled(id_: str, kind: str, overall: float, twin_of: str | None = None) -> Labelled:
    grade = {d: overall for d in (*DIMENSIONS, "overall")}
    return Labelled(id_, "fea-001", "gen-test", kind, f"answer {id_}", grade, twin_of=twin_of)


def _strong_twin_generic() -> list[Labelled]:
    """A strong answer, its plain-language twin and a generic one, graded 4.0, 3.5 and 2.0."""
    return [
        _labelled("strong", "strong", 4.0),
        _labelled("plain", "plain_twin", 3.5, twin_of="strong"),
        _labelled("generic", "generic", 2.0),
    ]


def test_figures_leave_an_empty_block_without_an_error_and_report_the_twins_mean_gap(data_dir):
    items = _strong_twin_generic()
    critiques = {"answer strong": _critique(4.0), "answer plain": _critique(3.6), "answer generic": _critique(2.5)}
    report = figures(get_settings(), items, "gen-test", grader=lambda _target, answer: critiques[answer])
    assert report["other_questions"] == {"answers": 0, "spearman": None, "mean_abs_error": None, "mean_bias": None}
    assert report["bank_questions"]["mean_abs_error"] == 0.2  # |0 + 0.1 + 0.5| / 3
    assert report["twins_within_half_point"] == "1/1"
    assert report["twin_mean_gap"] == 0.4


def test_a_one_off_critique_for_a_vertical_role_needs_no_domain(data_dir):
    result = critique("How would you evaluate an AI claims assistant?", ANSWER, "vertical", None)
    assert result.overall is not None
    assert set(result.dimensions) == set(DIMENSIONS)


class _FailingExecutor:
    def __init__(self, *_args: object, **_kwargs: object) -> None:
        pass

    def submit(self, *_args: object, **_kwargs: object) -> None:
        raise OSError("cannot spawn a worker")

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@pytest.mark.without_index
def test_when_no_worker_starts_the_app_scores_in_its_own_process_and_says_why(monkeypatch, caplog):
    monkeypatch.setattr(critic_pool, "ProcessPoolExecutor", _FailingExecutor)
    pool = CriticPool(get_settings(), 2)
    with caplog.at_level(logging.WARNING, logger=critic_pool.__name__):
        assert pool.start() is False
    assert not pool.ready
    assert "critic workers did not start" in caplog.text
    assert "cannot spawn a worker" in caplog.text  # the cause, for the operator


def test_the_saved_style_maps_are_the_ridge_fits_the_model_file_records(tmp_path, data_dir, monkeypatch):
    knowledge = tmp_path / "knowledge"
    knowledge_without_calibration(knowledge)
    (knowledge / "calibration").mkdir()
    answers = yaml.safe_load((PROJECT_ROOT / "knowledge/calibration/feature.yaml").read_text())
    (knowledge / "calibration" / "feature.yaml").write_text(yaml.safe_dump(answers))
    settings = Settings(knowledge_dir=knowledge, data_dir=data_dir)
    monkeypatch.setattr(fitting, "fit_support_model", lambda _settings: 0)  # keep the committed pair classifier
    items = [i for i in load_labelled(knowledge / "calibration") if i.split in FIT_SPLITS]
    try:
        fitting.fit(settings, items)
    finally:
        load_fit.cache_clear()
    saved = json.loads((knowledge / "critic_model.json").read_text())
    means = np.array([AnswerView.of(screen(i.answer, settings.answer_token_limit).text).vectors.mean(0) for i in items])
    for dim in DIMENSIONS:
        y = np.array([i.grade[dim] for i in items])
        again = Ridge(alpha=saved["style_alpha"]).fit(means, y)
        style = np.array(saved["style"][dim])
        assert style[0] == pytest.approx(again.intercept_, abs=1e-5)
        assert np.allclose(style[1:], again.coef_, atol=1e-5)
