"""A case's figures (per-slice rates, expected error cost, McNemar, judge agreement) and the launch call they imply."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drills import stats
from bot.drills.model import Case, Counts, JudgeAudit

ALPHA = 0.05  # the gain must be significant at this level
KAPPA_MIN = 0.6  # a judge below this agreement with humans cannot grade the launch
BIAS_MAX = 0.05  # nor one that passes this much more often than humans do
REGRESSION = 0.05  # a slice regresses when its key metric falls by this much or more
REASONS = {
    "budget": "the candidate breaks the latency or cost limit",
    "judge": "the LLM judge that graded the set disagrees with human raters",
    "not_significant": "the overall gain is not statistically significant (or there is none)",
    "regression": "one slice regresses",
    "clear_gain": "a significant gain, no slice regresses, within budget",
}


@dataclass(frozen=True)
class SliceFigures:
    """One slice's figures for both models; `key` is recall (confusion) or the pass rate (pass/fail)."""

    name: str
    key_baseline: float
    key_candidate: float
    error_rate_baseline: float
    error_rate_candidate: float

    @property
    def change(self) -> float:
        return self.key_candidate - self.key_baseline

    @property
    def regressed(self) -> bool:
        return self.change <= -REGRESSION + 1e-12


@dataclass(frozen=True)
class CaseFigures:
    """The whole case's figures, from which the decision follows."""

    slices: tuple[SliceFigures, ...]
    cost_baseline: float  # expected error cost per 1,000 cases, dollars
    cost_candidate: float
    baseline_only: int  # McNemar's b
    candidate_only: int  # McNemar's c
    mcnemar_p: float
    judge_kappa: float | None
    judge_bias: float | None
    over_budget: bool
    over_latency: bool


def key_metric(counts: Counts, fmt: str) -> float:
    """Recall for a classifier, the pass rate for a generator."""
    return stats.recall(counts.tp, counts.fn) if fmt == "confusion" else stats.ratio(counts.passed, counts.n)


def error_cost(counts: Counts, costs: dict[str, float]) -> float:
    """Dollars of errors in these counts."""
    if "failure" in costs:
        return counts.failed * costs["failure"]
    return counts.fp * costs["false_positive"] + counts.fn * costs["false_negative"]


def judge_table(judge: JudgeAudit) -> list[list[int]]:
    """The audit as a 2x2 agreement table: rows = human (pass, fail), columns = judge (pass, fail)."""
    return [[judge.both_pass, judge.human_only], [judge.judge_only, judge.both_fail]]


def judge_bias(judge: JudgeAudit) -> float:
    """The judge's pass rate minus the humans' on the same outputs."""
    return (judge.judge_only - judge.human_only) / judge.items


def figures(case: Case) -> CaseFigures:
    """Every figure the case's parts and decision rest on."""
    fmt = case.format
    rows = tuple(
        SliceFigures(
            name=s.name,
            key_baseline=key_metric(s.baseline, fmt),
            key_candidate=key_metric(s.candidate, fmt),
            error_rate_baseline=stats.ratio(s.baseline.errors, s.n),
            error_rate_candidate=stats.ratio(s.candidate.errors, s.n),
        )
        for s in case.slices
    )
    total = sum(s.n for s in case.slices)
    b = sum(s.paired.baseline_only for s in case.slices)
    c = sum(s.paired.candidate_only for s in case.slices)
    judge = case.judge
    return CaseFigures(
        slices=rows,
        cost_baseline=1000 * sum(error_cost(s.baseline, case.costs) for s in case.slices) / total,
        cost_candidate=1000 * sum(error_cost(s.candidate, case.costs) for s in case.slices) / total,
        baseline_only=b,
        candidate_only=c,
        mcnemar_p=stats.mcnemar_exact(b, c),
        judge_kappa=None if judge is None else stats.kappa_from_table(judge_table(judge)),
        judge_bias=None if judge is None else judge_bias(judge),
        over_budget=case.serving_cost["candidate"] > case.serving_cost["budget"],
        over_latency=case.latency_ms["candidate"] > case.latency_ms["limit"],
    )


def failed_checks(figs: CaseFigures) -> list[str]:
    """The reasons (keys of REASONS) that stand against shipping, in the order they are checked."""
    found = []
    if figs.over_budget or figs.over_latency:
        found.append("budget")
    kappa, bias = figs.judge_kappa, figs.judge_bias
    if kappa is not None and bias is not None and (kappa < KAPPA_MIN or bias >= BIAS_MAX):
        found.append("judge")
    gain = figs.cost_candidate < figs.cost_baseline and figs.candidate_only > figs.baseline_only
    if figs.mcnemar_p >= ALPHA or not gain:
        found.append("not_significant")
    if any(s.regressed for s in figs.slices):
        found.append("regression")
    return found


def decide(figs: CaseFigures) -> tuple[str, list[str]]:
    """The launch call and the reasons behind it, first reason first.

    Over budget, an untrustworthy judge or no significant gain: don't ship. A significant gain with a
    regressing slice: ship behind a guardrail. Otherwise: ship.
    """
    reasons = failed_checks(figs)
    if not reasons:
        return "ship", ["clear_gain"]
    if reasons[0] == "regression":
        return "guardrail", reasons
    return "dont_ship", reasons
