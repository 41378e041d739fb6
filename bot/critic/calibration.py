"""Calibration of the offline critic against hand grades: fitting (train split) and figures (test split)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import yaml

from bot.config import Settings, get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS
from bot.critic.features import AnswerView
from bot.critic.guard import screen
from bot.critic.model import Critique, Target
from bot.critic.offline import MODEL_FILE, critique_target, dimension_features, load_fit
from bot.errors import CoachError

FIGURES_FILE = "critic_calibration.json"
ADVERSARIAL = ("buzzwords", "fluff", "off_topic", "injection")
RIDGE = 0.1


@dataclass(frozen=True)
class Labelled:
    """One hand-graded answer."""

    id: str
    question_id: str
    split: str
    kind: str
    answer: str
    grade: dict[str, float]


def load_labelled(folder: Path | None = None) -> list[Labelled]:
    """Every hand-graded answer in the calibration folder (default: the settings' knowledge/calibration/)."""
    folder = folder or get_settings().calibration_dir
    items: list[Labelled] = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text()) or []:
            items.append(
                Labelled(
                    raw["id"],
                    raw["question_id"],
                    raw["split"],
                    raw["kind"],
                    raw["answer"],
                    {k: float(v) for k, v in raw["grade"].items()},
                )
            )
    if not items:
        raise CoachError(f"no calibration answers in {folder}")
    return items


def _target(settings: Settings, item: Labelled) -> Target:
    question = load_bank(settings.questions_dir).by_id.get(item.question_id)
    if question is None:
        raise CoachError(f"calibration answer {item.id} refers to unknown question {item.question_id}")
    return Target.of(question)


def fit(settings: Settings, items: list[Labelled]) -> dict[str, list[float]]:
    """Ridge-fit each dimension's weights on the train split only, and write them next to the rubric."""
    rubric = load_rubric(settings.rubric_path)
    train = [i for i in items if i.split == "train"]
    weights: dict[str, list[float]] = {}
    views = [
        (i, AnswerView.of(screen(i.answer, settings.answer_token_limit).text, _target(settings, i).text)) for i in train
    ]
    for dim in DIMENSIONS:
        x = np.array([dimension_features(v, _target(settings, i), rubric, dim) for i, v in views])
        y = np.array([i.grade[dim] for i, _ in views])
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
        z = (x - mean) / std
        coef = np.linalg.solve(z.T @ z + RIDGE * len(y) * np.eye(z.shape[1]) / 10, z.T @ (y - y.mean()))
        raw = coef / std
        weights[dim] = [float(y.mean() - raw @ mean), *map(float, raw)]
    path = settings.knowledge_dir / MODEL_FILE
    path.write_text(
        json.dumps(
            {"fitted_on": f"calibration train split ({len(train)} answers)", "ridge": RIDGE, "weights": weights},
            indent=2,
        )
        + "\n"
    )
    load_fit.cache_clear()
    return weights


def _baseline(items: list[Labelled], settings: Settings) -> list[float]:
    """The cosine-similarity baseline: answer vs question plus key points, one vector each."""
    from bot.retrieval.embeddings import get_model

    out = []
    for item in items:
        target = _target(settings, item)
        reference = target.text + " " + " ".join(p for pts in target.key_points.values() for p in pts)
        vecs = get_model().embed([item.answer, reference])
        out.append(float(vecs[0] @ vecs[1]))
    return out


def figures(settings: Settings, items: list[Labelled], split: str = "test") -> dict[str, object]:
    """Agreement of the offline critic with the hand grades on one split."""
    from scipy.stats import pearsonr, spearmanr  # evaluation only: kept out of the serving import path

    chosen = [i for i in items if i.split == split]
    critiques: list[Critique] = [
        critique_target(_target(settings, i), i.answer, settings, with_citations=False) for i in chosen
    ]
    ours = [c.overall for c in critiques]
    human = [i.grade["overall"] for i in chosen]
    by_question: dict[str, dict[str, list[float]]] = {}
    for item, crit in zip(chosen, critiques, strict=True):
        by_question.setdefault(item.question_id, {}).setdefault(item.kind, []).append(crit.overall)
    pairs = [(s, g) for q in by_question.values() for s, g in product(q.get("strong", []), q.get("generic", []))]
    one_sided = [
        (i.kind, c.dimensions)
        for i, c in zip(chosen, critiques, strict=True)
        if i.kind in ("eval_only", "failure_only")
    ]
    separated = [
        d["evaluation"] - d["failure_modes"] >= 1 if k == "eval_only" else d["failure_modes"] - d["evaluation"] >= 1
        for k, d in one_sided
    ]
    adversarial = [c.overall for i, c in zip(chosen, critiques, strict=True) if i.kind in ADVERSARIAL]
    baseline = _baseline(chosen, settings)
    per_dim = {
        d: round(float(spearmanr([c.dimensions[d] for c in critiques], [i.grade[d] for i in chosen])[0]), 3)
        for d in DIMENSIONS
    }
    return {
        "split": split,
        "answers": len(chosen),
        "spearman_overall": round(float(spearmanr(ours, human)[0]), 3),
        "pearson_overall": round(float(pearsonr(ours, human)[0]), 3),
        "mean_abs_error": round(float(np.mean(np.abs(np.array(ours) - np.array(human)))), 2),
        "spearman_by_dimension": per_dim,
        "strong_above_generic": f"{sum(s > g for s, g in pairs)}/{len(pairs)}",
        "one_sided_separated": f"{sum(separated)}/{len(separated)}",
        "one_sided_rate": round(sum(separated) / max(len(separated), 1), 3),
        "adversarial_max": max(adversarial) if adversarial else None,
        "adversarial_count": len(adversarial),
        "baseline_cosine_spearman": round(float(spearmanr(baseline, human)[0]), 3),
        "baseline_cosine_pearson": round(float(pearsonr(baseline, human)[0]), 3),
    }


def write_figures(settings: Settings, report: dict[str, object]) -> Path:
    """Save the test-split figures that the README and the app show."""
    path = settings.knowledge_dir / FIGURES_FILE
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def load_figures(settings: Settings) -> dict[str, object] | None:
    """The committed figures shown in the app and README, if present."""
    try:
        return dict(json.loads((settings.knowledge_dir / FIGURES_FILE).read_text()))
    except (OSError, ValueError):
        return None
