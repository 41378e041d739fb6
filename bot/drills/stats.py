"""The exact computations drills grade against: rates, Wilson intervals, the exact McNemar test, Cohen's kappa."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def ratio(numerator: float, denominator: float) -> float:
    """The quotient; a zero denominator means a malformed case, never a silent 0."""
    if denominator <= 0:
        raise ValueError(f"cannot divide {numerator} by {denominator}")
    return numerator / denominator


def precision(tp: int, fp: int) -> float:
    """Share of flagged items that were truly positive: TP / (TP + FP)."""
    return ratio(tp, tp + fp)


def recall(tp: int, fn: int) -> float:
    """Share of positives that were flagged: TP / (TP + FN)."""
    return ratio(tp, tp + fn)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (95% by default), clipped to [0, 1]."""
    p = ratio(successes, n)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs b and c against 1/2.

    Integer arithmetic throughout, so the same counts give the same p-value on every machine.
    """
    n = b + c
    if n == 0:
        return 1.0
    term, tail = 1, 1  # C(n, 0), and the running sum of C(n, i) for i <= min(b, c)
    for i in range(min(b, c)):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(1.0, 2 * tail / 2**n)


def confusion(truth: Sequence[str], given: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts with rows = `truth` label and columns = `given` label, both in the order of `labels`."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, g in zip(truth, given, strict=True):
        matrix[index[t]][index[g]] += 1
    return matrix


def kappa_from_table(matrix: Sequence[Sequence[int]]) -> float:
    """Cohen's kappa of a square agreement table; 1.0 when both raters used one identical label throughout."""
    n = sum(sum(row) for row in matrix)
    if n == 0:
        raise ValueError("an empty agreement table has no kappa")
    observed = sum(matrix[i][i] for i in range(len(matrix))) / n
    rows = [sum(row) / n for row in matrix]
    columns = [sum(row[j] for row in matrix) / n for j in range(len(matrix))]
    expected = sum(r * c for r, c in zip(rows, columns, strict=True))
    if expected >= 1:
        return 1.0 if observed >= 1 else 0.0
    return (observed - expected) / (1 - expected)


def cohen_kappa(truth: Sequence[str], given: Sequence[str], labels: Sequence[str]) -> float:
    """Cohen's kappa between two raters' labels of the same items."""
    return kappa_from_table(confusion(truth, given, labels))
