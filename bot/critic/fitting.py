"""Fitting the offline critic (`python -m bot eval --fit`).

The support classifier on labelled (sentence, key point)
pairs, then one ridge map per dimension and per path (bank questions, derived key points) on the fitting splits,
with coaches' score overrides as extra labelled answers. Needs the dev extra (scikit-learn).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS
from bot.critic.calibration import FIT_SPLITS, Labelled, target_for
from bot.critic.features import AnswerView, embed_references
from bot.critic.fitted import MODEL_FILE, load_fit
from bot.critic.guard import screen
from bot.critic.offline import credited_text, difference_features, dimension_features, read
from bot.critic.support import MODEL_FILE as SUPPORT_FILE
from bot.critic.support import Cues, fit_support, load_support
from bot.retrieval.embeddings import get_model

RIDGE = 0.3  # ridge strength on standardised features, chosen by 5-fold CV grouped by question
# Each dimension's score is the mean of its ridge map and of boosted trees of depth 2 over the same features (pairs
# of features interact). Trained on one writer pool and tested on the other (gen-train on gen-train2 and back, with
# the in-style answers in both), bank-question Spearman was ridge 0.818, trees 0.826, the mean 0.832 (all answers
# 0.809, 0.823, 0.825; twins within half a point 36/41, 38/41, 40/41); grouped by question over the fitting splits,
# 0.824, 0.849, 0.843. On the earlier held-out split `gen-holdout` ridge and trees were level (0.831 and 0.828).
BOOST = {"n_estimators": 150, "max_depth": 2, "learning_rate": 0.05, "subsample": 0.8, "random_state": 0}
STYLE_ALPHA = 1.0  # ridge alpha of the style map (mean sentence vector -> dimension score)
FOLDS = 5
# Regularisation of the pair classifier, chosen by 5-fold CV grouped by question, scored on the pairs from gen-train
# answers (other writers' styles): of the pairs it credits 0.8 or more, 82% are "supports" at 0.3, 67% at 1.0.
SUPPORT_C = 0.3
PAIRS_DIR = "pairs"  # under the calibration folder: *.jsonl with sentence, key_point, label


def load_pairs(folder: Path) -> list[dict[str, str]]:
    """Every labelled (sentence, key point) pair under `folder`/pairs/."""
    rows: list[dict[str, str]] = []
    for path in sorted((folder / PAIRS_DIR).glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def fit_support_model(settings: Settings) -> int:
    """Fit the pair classifier on every labelled pair and save it next to the rubric; returns the pair count."""
    rows = load_pairs(settings.calibration_dir)
    sentences = [r["sentence"] for r in rows]
    points = [r["key_point"] for r in rows]
    u = get_model().embed(sentences)
    v = embed_references(points)
    model = fit_support(u, v, Cues.of(sentences), Cues.of(points), [r["label"] for r in rows], c=SUPPORT_C)
    (settings.knowledge_dir / SUPPORT_FILE).write_text(
        json.dumps({"fitted_on": f"{len(rows)} labelled pairs", **model.to_json()}) + "\n"
    )
    load_support.cache_clear()
    return len(rows)


def coach_overrides(settings: Settings) -> list[Labelled]:
    """Coaches' score overrides on answers, as labelled data for the dimensions they graded (newest wins)."""
    from sqlalchemy import select

    from bot.storage.models import InterviewSession, Review, Turn
    from bot.storage.store import make_store

    store = make_store(settings)
    grades: dict[int, dict[str, float]] = {}
    rows: dict[int, tuple[Turn, InterviewSession]] = {}
    with store.session() as db:
        query = (
            select(Review, Turn, InterviewSession)
            .join(Turn, Review.turn_id == Turn.id)
            .join(InterviewSession, Turn.session_id == InterviewSession.id)
            .where(Review.score.is_not(None), Turn.kind == "answer")
            .order_by(Review.created)
        )
        for review, turn, session in db.execute(query):
            grades.setdefault(turn.id, {})[review.dimension or "overall"] = float(review.score or 0)
            rows[turn.id] = (turn, session)
    return [
        Labelled(
            f"coach-{turn_id}",
            turn.question_id or f"coach-{turn_id}",
            "coach",
            "coach_override",
            turn.answer,
            grades[turn_id],
            question=turn.prompt,
            role=session.role,
            domain=session.domain,
        )
        for turn_id, (turn, session) in rows.items()
    ]


def fit(settings: Settings, items: list[Labelled]) -> dict[str, dict[str, list[float]]]:
    """Refit the support classifier, the style maps and the per-dimension maps on the fitting splits."""
    fit_support_model(settings)
    rubric = load_rubric(settings.rubric_path)
    model = load_support(settings.knowledge_dir)
    chosen = [i for i in items if i.split in (*FIT_SPLITS, "coach") and i.kind != "non_english"]
    readings = []
    for item in chosen:
        target = target_for(settings, item)
        view = AnswerView.of(credited_text(screen(item.answer, settings.answer_token_limit).text)[0])
        readings.append((item, target, read(view, target, rubric, model, settings.questions_dir)))
    means = np.array([r.view.vectors.mean(axis=0) if r.view.sentences else np.zeros(384) for _, _, r in readings])
    groups = [i.question_id for i, _, _ in readings]
    style: dict[str, list[float]] = {}
    held_out_style: dict[str, dict[int, float]] = {}
    for dim in DIMENSIONS:
        rows = [n for n, (i, _, _) in enumerate(readings) if dim in i.grade]
        y = np.array([readings[n][0].grade[dim] for n in rows])
        style[dim] = _style_map(means[rows], y)
        held_out_style[dim] = dict(zip(rows, _out_of_fold(means[rows], y, [groups[n] for n in rows]), strict=True))
    weights: dict[str, dict[str, list[float]]] = {}
    boosted: dict[str, dict[str, dict[str, object]]] = {}
    for path, derived in (("bank", False), ("derived", True)):
        weights[path], boosted[path] = {}, {}
        for dim in DIMENSIONS:
            rows = [n for n, (i, t, _) in enumerate(readings) if t.derived == derived and dim in i.grade]
            if len(rows) < 10:  # too few to fit this path: share the bank path's map
                weights[path][dim], boosted[path][dim] = weights["bank"][dim], boosted["bank"][dim]
                continue
            x = np.array([dimension_features(readings[n][2], dim, held_out_style[dim][n]) for n in rows])
            y = np.array([readings[n][0].grade[dim] for n in rows])
            weights[path][dim], boosted[path][dim] = _ridge(x, y), _boost(x, y)
    core = [n for n, (i, _, _) in enumerate(readings) if "evaluation" in i.grade and "failure_modes" in i.grade]
    gap_x = np.array(
        [
            difference_features(readings[n][2], held_out_style["evaluation"][n] - held_out_style["failure_modes"][n])
            for n in core
        ]
    )
    gap_y = np.array([readings[n][0].grade["evaluation"] - readings[n][0].grade["failure_modes"] for n in core])
    difference = _ridge(gap_x, gap_y)
    counts = {p: sum(1 for _, t, _ in readings if t.derived == (p == "derived")) for p in ("bank", "derived")}
    (settings.knowledge_dir / MODEL_FILE).write_text(
        json.dumps(
            {
                "fitted_on": f"splits {', '.join(FIT_SPLITS)} and coach overrides: {counts}",
                "ridge": RIDGE,
                "boost": BOOST,
                "style_alpha": STYLE_ALPHA,
                "weights": weights,
                "boosted": boosted,
                "difference": difference,
                "style": {d: [round(v, 6) for v in w] for d, w in style.items()},
            }
        )
        + "\n"
    )
    load_fit.cache_clear()
    return weights


def _style_map(x: np.ndarray, y: np.ndarray) -> list[float]:
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=STYLE_ALPHA).fit(x, y)
    return [float(model.intercept_), *map(float, model.coef_)]


def _out_of_fold(x: np.ndarray, y: np.ndarray, groups: list[str]) -> list[float]:
    """Style predictions for each answer from a map fitted without its question (what an unseen question gets)."""
    from sklearn.model_selection import GroupKFold

    folds = min(FOLDS, len(set(groups)))
    if folds < 2:  # one question only: nothing to hold out
        weights = np.array(_style_map(x, y))
        return (weights[0] + x @ weights[1:]).tolist()
    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        weights = np.array(_style_map(x[train], y[train]))
        out[test] = weights[0] + x[test] @ weights[1:]
    return out.tolist()


def _boost(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Boosted trees on (x, y), saved as the node arrays `Boosted` reads (every tree padded to the same size)."""
    from sklearn.ensemble import GradientBoostingRegressor

    model = GradientBoostingRegressor(**BOOST).fit(x, y)
    trees = [estimator[0].tree_ for estimator in model.estimators_]
    size = max(t.node_count for t in trees)

    def padded(values: list[float] | list[int], fill: float) -> list[float]:
        return [*values, *[fill] * (size - len(values))]

    out: dict[str, list[list[float]]] = {k: [] for k in ("feature", "threshold", "left", "right", "value")}
    for t in trees:
        nodes = list(range(t.node_count))
        leaf = t.children_left == -1
        out["feature"].append(padded([-1 if leaf[n] else int(t.feature[n]) for n in nodes], -1))
        out["threshold"].append(padded([0.0 if leaf[n] else float(t.threshold[n]) for n in nodes], 0.0))
        out["left"].append(padded([n if leaf[n] else int(t.children_left[n]) for n in nodes], 0))
        out["right"].append(padded([n if leaf[n] else int(t.children_right[n]) for n in nodes], 0))
        out["value"].append(padded([float(t.value[n].ravel()[0]) for n in nodes], 0.0))
    return {"base": float(model.init_.constant_.ravel()[0]), "rate": float(model.learning_rate), **out}


def _ridge(x: np.ndarray, y: np.ndarray) -> list[float]:
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    coef = np.linalg.solve(z.T @ z + RIDGE * len(y) * np.eye(z.shape[1]) / 10, z.T @ (y - y.mean()))
    raw = coef / std
    return [float(y.mean() - raw @ mean), *map(float, raw)]
