"""The fitted critic as saved by `python -m bot eval --fit`: per-dimension maps, style maps and the gap map."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.content.vocabulary import DIMENSIONS
from bot.critic.features import AnswerView
from bot.errors import CoachError

MODEL_FILE = "critic_model.json"


@dataclass(frozen=True)
class Boosted:
    """Gradient-boosted regression trees (scikit-learn's, saved as arrays) from features to a 1..5 score.

    Tree t's node n splits on feature[t, n] (-1 at a leaf) at threshold[t, n]: left when the feature, as float32,
    is at most the threshold, as scikit-learn decides. The score is base + rate * the sum of the leaves reached.
    """

    base: float
    rate: float
    feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # (trees, nodes) float64
    left: np.ndarray  # (trees, nodes) int, the node itself at a leaf
    right: np.ndarray
    value: np.ndarray  # (trees, nodes) float64

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> Boosted:
        arrays = {k: np.array(raw[k]) for k in ("feature", "threshold", "left", "right", "value")}
        if len({a.shape for a in arrays.values()}) != 1 or arrays["feature"].ndim != 2:
            raise ValueError("boosted trees: the node arrays differ in shape")
        return cls(
            base=float(raw["base"]),  # type: ignore[arg-type]
            rate=float(raw["rate"]),  # type: ignore[arg-type]
            feature=arrays["feature"].astype(np.int64),
            threshold=arrays["threshold"].astype(np.float64),
            left=arrays["left"].astype(np.int64),
            right=arrays["right"].astype(np.int64),
            value=arrays["value"].astype(np.float64),
        )

    def predict(self, features: list[float]) -> float:
        x = np.asarray(features, dtype=np.float32).astype(np.float64)
        trees = np.arange(len(self.feature))
        node = np.zeros(len(trees), dtype=np.int64)
        for _ in range(self.feature.shape[1]):  # no path is longer than the node count
            split = self.feature[trees, node]
            if (split < 0).all():
                break
            left = x[np.maximum(split, 0)] <= self.threshold[trees, node]
            step = np.where(left, self.left[trees, node], self.right[trees, node])
            node = np.where(split < 0, node, step)
        return float(np.clip(self.base + self.rate * self.value[trees, node].sum(), 1.0, 5.0))


@dataclass(frozen=True)
class Fit:
    """The fitted critic.

    Per path (bank, derived) and dimension, ridge weights (intercept first) and boosted trees
    over `dimension_features`, whose two scores are averaged; per dimension, a ridge map from the answer's mean
    sentence vector (the style); and a ridge map of the gap between evaluation and failure modes
    (`difference_features`), fitted on that gap itself. Each dimension's own map is pulled toward the answer's
    overall quality; a one-sided answer's two core dimensions keep their mean from those maps and take their gap
    from this one.
    """

    weights: dict[str, dict[str, list[float]]]
    style: dict[str, np.ndarray]
    difference: list[float] | None = None
    boosted: dict[str, dict[str, Boosted]] | None = None

    def score(self, path: str, dim: str, features: list[float]) -> float:
        """One dimension's score: the mean of the ridge map's and the boosted trees'.

        A model file from before the trees has the ridge map alone.
        """
        linear = predict(self.weights[path][dim], features)
        return linear if self.boosted is None else (linear + self.boosted[path][dim].predict(features)) / 2

    def style_scores(self, view: AnswerView) -> dict[str, float]:
        mean = view.vectors.mean(axis=0) if len(view.sentences) else np.zeros(self.style[DIMENSIONS[0]].shape[0] - 1)
        return {d: float(w[0] + mean @ w[1:]) for d, w in self.style.items()}


@lru_cache(maxsize=2)
def load_fit(knowledge_dir: Path) -> Fit:
    """The fitted critic next to the rubric."""
    path = knowledge_dir / MODEL_FILE
    try:
        raw = json.loads(path.read_text())
        weights = {kind: dict(raw["weights"][kind]) for kind in ("bank", "derived")}
        boosted = (
            {kind: {d: Boosted.from_json(raw["boosted"][kind][d]) for d in DIMENSIONS} for kind in ("bank", "derived")}
            if raw.get("boosted")
            else None
        )
        style = {d: np.array(raw["style"][d], dtype=np.float32) for d in DIMENSIONS}
        difference = [float(w) for w in raw["difference"]] if raw.get("difference") else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CoachError(f"critic model {path} is missing or invalid; run `python -m bot eval --fit`") from exc
    return Fit(weights, style, difference, boosted)


def predict(weights: list[float], features: list[float]) -> float:
    """A dimension score from the fitted linear map, clipped to 1..5."""
    return float(np.clip(weights[0] + float(np.dot(weights[1:], features)), 1.0, 5.0))
