"""Does a sentence of the answer support, partly support, ignore or contradict a key point.

A pair classifier over the frozen MiniLM vectors: for a sentence vector u and a key-point vector v it reads
u*v and |u-v| (the standard sentence-pair features), their cosine, word overlap, and negation and number cues,
and returns probabilities of four labels, fitted on hand-labelled (sentence, key point) pairs
(`python -m bot eval --fit`, data in knowledge/calibration/pairs/). Similarity alone cannot tell
"use complaint volume to size the problem" from "don't rely on complaint volume"; the cues and the
learned weights on u*v and |u-v| can, at least for the common cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.errors import CoachError

LABELS = ("S", "P", "N", "C")  # supports, partly supports, neither, contradicts
MODEL_FILE = "support_model.json"
CREDIT = np.array([1.0, 0.5, 0.0, 0.0], dtype=np.float32)  # what each label is worth as coverage

_NEGATION = re.compile(
    r"\b(?:no|not|never|none|nothing|without|don't|doesn't|didn't|isn't|aren't|won't|can't|cannot|shouldn't|"
    r"wouldn't|avoid|instead of|rather than|skip|ignore|unnecessary|overkill|enough)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")
_CONTENT = re.compile(r"[a-z]{4,}")
_STOP = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "they",
        "them",
        "their",
        "have",
        "will",
        "would",
        "should",
        "could",
        "about",
        "into",
        "than",
        "then",
        "when",
        "what",
        "which",
        "where",
        "there",
        "these",
        "those",
        "been",
        "being",
        "also",
        "just",
        "only",
        "very",
        "more",
        "most",
        "some",
        "such",
        "each",
        "every",
        "make",
        "sure",
    ]
)


def stems(text: str) -> frozenset[str]:
    """The text's content words, by their first five letters (so "labels" and "labelling" match)."""
    return frozenset(w[:5] for w in _CONTENT.findall(text.lower()) if w not in _STOP)


@dataclass(frozen=True)
class Cues:
    """Per-text cues the classifier reads beside the vectors."""

    negated: np.ndarray  # (n,) 1.0 when the text has a negation
    number: np.ndarray  # (n,) 1.0 when the text has a digit
    length: np.ndarray  # (n,) log word count
    stems: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Cues:
        return cls(
            negated=np.array([1.0 if _NEGATION.search(t) else 0.0 for t in texts], dtype=np.float32),
            number=np.array([1.0 if _NUMBER.search(t) else 0.0 for t in texts], dtype=np.float32),
            length=np.array([np.log1p(len(t.split())) for t in texts], dtype=np.float32),
            stems=tuple(stems(t) for t in texts),
        )


EXTRA = 7  # scalar features after u*v and |u-v|


def pair_features(u: np.ndarray, v: np.ndarray, cu: Cues, cv: Cues) -> np.ndarray:
    """Features of every (sentence, reference) pair: shape (n, m, 2 * dim + EXTRA)."""
    n, m = len(u), len(v)
    prod = u[:, None, :] * v[None, :, :]
    diff = np.abs(u[:, None, :] - v[None, :, :])
    cos = prod.sum(axis=2)
    overlap = np.array([[len(a & b) / max(len(b), 1) for b in cv.stems] for a in cu.stems], dtype=np.float32).reshape(
        n, m
    )
    neg_u = np.broadcast_to(cu.negated[:, None], (n, m))
    neg_v = np.broadcast_to(cv.negated[None, :], (n, m))
    extra = np.stack(
        [
            cos,
            cos**2,
            overlap,
            np.abs(neg_u - neg_v),  # one side negated, the other not: the classic contradiction cue
            neg_u * neg_v,
            np.broadcast_to(cu.number[:, None], (n, m)),
            np.broadcast_to(cu.length[:, None], (n, m)) / 4.0,
        ],
        axis=2,
    )
    return np.concatenate([prod, diff, extra.astype(np.float32)], axis=2)


@dataclass(frozen=True)
class SupportModel:
    """Softmax weights over `pair_features`."""

    weights: np.ndarray  # (len(LABELS), features)
    bias: np.ndarray  # (len(LABELS),)

    def probabilities(self, u: np.ndarray, v: np.ndarray, cu: Cues, cv: Cues) -> np.ndarray:
        """Label probabilities for every (sentence, reference) pair: shape (n, m, len(LABELS))."""
        if len(u) == 0 or len(v) == 0:
            return np.zeros((len(u), len(v), len(LABELS)), dtype=np.float32)
        logits = pair_features(u, v, cu, cv) @ self.weights.T + self.bias
        logits -= logits.max(axis=2, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=2, keepdims=True)

    def to_json(self) -> dict[str, object]:
        return {"labels": list(LABELS), "weights": self.weights.round(5).tolist(), "bias": self.bias.tolist()}


@lru_cache(maxsize=2)
def load_support(knowledge_dir: Path) -> SupportModel:
    """The fitted pair classifier next to the rubric."""
    path = knowledge_dir / MODEL_FILE
    try:
        raw = json.loads(path.read_text())
        model = SupportModel(np.array(raw["weights"], dtype=np.float32), np.array(raw["bias"], dtype=np.float32))
    except (OSError, ValueError, KeyError) as exc:
        raise CoachError(f"support model {path} is missing or invalid; run `python -m bot eval --fit`") from exc
    if model.weights.shape[0] != len(LABELS):
        raise CoachError(f"support model {path} has the wrong shape; run `python -m bot eval --fit`")
    return model


def fit_support(
    u: np.ndarray, v: np.ndarray, cu: Cues, cv: Cues, labels: Sequence[str], c: float = 1.0
) -> SupportModel:
    """Fit the classifier on labelled pairs (row i of u with row i of v). Needs scikit-learn (dev extra)."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([pair_features(u[i : i + 1], v[i : i + 1], _row(cu, i), _row(cv, i))[0, 0] for i in range(len(u))])
    y = np.array([LABELS.index(label) for label in labels])
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    weights = np.zeros((len(LABELS), x.shape[1]), dtype=np.float32)
    bias = np.full(len(LABELS), -30.0, dtype=np.float32)  # a label never seen in training is never predicted
    for row, cls in enumerate(clf.classes_):
        weights[cls], bias[cls] = clf.coef_[row], clf.intercept_[row]
    return SupportModel(weights, bias)


def _row(cues: Cues, i: int) -> Cues:
    return Cues(cues.negated[i : i + 1], cues.number[i : i + 1], cues.length[i : i + 1], cues.stems[i : i + 1])
