"""The parts of a case (what to compute, at which difficulty), their worked solutions, and the rationale's key points."""

from __future__ import annotations

import numpy as np

from bot.drills import stats
from bot.drills.figures import ALPHA, BIAS_MAX, KAPPA_MIN, REASONS, REGRESSION, CaseFigures, judge_bias, judge_table
from bot.drills.model import DECISIONS, NO_SLICE, Case, Part, SliceData

UNIT_HINTS = {
    "rate": "a proportion: 0.853 or 85.3%",
    "share": "a signed proportion: 0.08 or 8%",
    "dollars": "dollars: 412.50",
    "p_value": "a p-value: 0.0123",
    "kappa": "Cohen's kappa: 0.62",
}
TOLERANCES = {
    "rate": (0.005, 0.0),
    "share": (0.005, 0.0),
    "dollars": (0.5, 0.01),
    "p_value": (0.0005, 0.05),
    "kappa": (0.01, 0.0),
}


def _number(part_id: str, prompt: str, unit: str, value: float, solution: str) -> Part:
    abs_tol, rel_tol = TOLERANCES[unit]
    return Part(
        id=part_id,
        kind="number",
        prompt=prompt,
        unit=unit,
        expected=value,
        abs_tol=abs_tol,
        rel_tol=rel_tol,
        solution=solution,
    )


def key_name(case: Case) -> str:
    """The slice metric the case turns on: recall for a classifier, the pass rate for a generator."""
    return "recall" if case.format == "confusion" else "pass rate"


def recall_part(case: Case, s: SliceData, which: str) -> Part:
    """Recall of one model on one slice."""
    counts, name = (s.candidate, case.candidate_name) if which == "candidate" else (s.baseline, case.baseline_name)
    value = stats.recall(counts.tp, counts.fn)
    solution = f"Recall = TP / (TP + FN) = {counts.tp} / ({counts.tp} + {counts.fn}) = {value:.4f}"
    return _number(f"recall_{which}", f"Recall of the {name} on the {s.name} slice", "rate", value, solution)


def precision_part(case: Case, s: SliceData) -> Part:
    """Precision of the candidate on one slice."""
    c = s.candidate
    value = stats.precision(c.tp, c.fp)
    solution = f"Precision = TP / (TP + FP) = {c.tp} / ({c.tp} + {c.fp}) = {value:.4f}"
    prompt = f"Precision of the {case.candidate_name} on the {s.name} slice"
    return _number("precision_candidate", prompt, "rate", value, solution)


def error_rate_part(case: Case, s: SliceData, which: str) -> Part:
    """Error rate of one model on one slice."""
    counts, name = (s.candidate, case.candidate_name) if which == "candidate" else (s.baseline, case.baseline_name)
    value = stats.ratio(counts.errors, counts.n)
    if case.format == "confusion":
        solution = f"Error rate = (FP + FN) / n = ({counts.fp} + {counts.fn}) / {counts.n} = {value:.4f}"
    else:
        solution = f"Error rate = failed / n = {counts.failed} / {counts.n} = {value:.4f}"
    return _number(f"error_rate_{which}", f"Error rate of the {name} on the {s.name} slice", "rate", value, solution)


def cost_part(case: Case, figs: CaseFigures, which: str) -> Part:
    """Expected error cost per 1,000 cases of one model over the whole set."""
    pick = (lambda s: s.candidate) if which == "candidate" else (lambda s: s.baseline)
    name = case.candidate_name if which == "candidate" else case.baseline_name
    value = figs.cost_candidate if which == "candidate" else figs.cost_baseline
    total = sum(s.n for s in case.slices)
    if case.format == "confusion":
        fp, fn = sum(pick(s).fp for s in case.slices), sum(pick(s).fn for s in case.slices)
        c_fp, c_fn = case.costs["false_positive"], case.costs["false_negative"]
        solution = (
            f"1,000 × (FP × ${c_fp:g} + FN × ${c_fn:g}) / N = 1,000 × ({fp} × {c_fp:g} + {fn} × {c_fn:g}) / {total}"
            f" = ${value:,.2f}"
        )
    else:
        failed, c_f = sum(pick(s).failed for s in case.slices), case.costs["failure"]
        solution = f"1,000 × failures × ${c_f:g} / N = 1,000 × {failed} × {c_f:g} / {total} = ${value:,.2f}"
    prompt = f"Expected error cost per 1,000 cases of the {name} (all slices together)"
    return _number(f"cost_{which}", prompt, "dollars", value, solution)


def interval_parts(case: Case, s: SliceData) -> list[Part]:
    """The two ends of the 95% Wilson interval for the candidate's key metric on one slice."""
    c = s.candidate
    successes, n = (c.tp, c.tp + c.fn) if case.format == "confusion" else (c.passed, c.n)
    low, high = stats.wilson_interval(successes, n)
    metric = key_name(case)
    solution = (
        f"p̂ = {successes} / {n} = {successes / n:.4f}; with z = 1.96, the Wilson interval "
        f"(p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n) = [{low:.4f}, {high:.4f}]"
    )
    prompt = f"95% Wilson interval for the {case.candidate_name}'s {metric} on the {s.name} slice"
    return [
        _number("ci_low", f"{prompt}: lower end", "rate", low, solution),
        _number("ci_high", f"{prompt}: upper end", "rate", high, solution),
    ]


def mcnemar_part(case: Case, figs: CaseFigures) -> Part:
    """The exact McNemar p-value over the whole paired set."""
    b, c = figs.baseline_only, figs.candidate_only
    solution = (
        f"b = {b} cases only the {case.baseline_name} got right, c = {c} only the {case.candidate_name} got right. "
        f"Exact two-sided McNemar: p = min(1, 2 × P(X ≤ {min(b, c)})) for X ~ Binomial({b + c}, 0.5) = "
        f"{figs.mcnemar_p:.4g}"
    )
    prompt = "Exact (binomial) two-sided McNemar p-value comparing the two models on the same cases, all slices"
    return _number("mcnemar_p", prompt, "p_value", figs.mcnemar_p, solution)


def judge_parts(case: Case, figs: CaseFigures) -> list[Part]:
    """Agreement (kappa) and bias of the LLM judge against the human raters."""
    judge = case.judge
    if judge is None or figs.judge_kappa is None:
        return []
    table = judge_table(judge)
    observed = (judge.both_pass + judge.both_fail) / judge.items
    human, grader = (table[0][0] + table[0][1]) / judge.items, (table[0][0] + table[1][0]) / judge.items
    expected = human * grader + (1 - human) * (1 - grader)
    kappa_solution = (
        f"observed agreement = ({judge.both_pass} + {judge.both_fail}) / {judge.items} = {observed:.4f}; "
        f"chance agreement = {human:.4f} × {grader:.4f} + {1 - human:.4f} × {1 - grader:.4f} = {expected:.4f}; "
        f"kappa = ({observed:.4f} − {expected:.4f}) / (1 − {expected:.4f}) = {figs.judge_kappa:.4f}"
    )
    bias = judge_bias(judge)
    bias_solution = (
        f"judge pass rate − human pass rate = ({judge.judge_only} − {judge.human_only}) / {judge.items} = {bias:.4f}"
    )
    return [
        _number("judge_kappa", "Cohen's kappa between the LLM judge and the human raters", "kappa", figs.judge_kappa,
                kappa_solution),
        _number("judge_bias", "The judge's pass rate minus the humans' pass rate on the audited outputs", "share",
                bias, bias_solution),
    ]  # fmt: skip


def slice_part(case: Case, figs: CaseFigures) -> Part:
    """Which slice regresses (its key metric falls by REGRESSION or more), or none."""
    metric = key_name(case)
    lines = [
        f"{s.name}: {s.key_baseline:.4f} → {s.key_candidate:.4f} ({s.change:+.4f})"
        + (" regresses" if s.regressed else "")
        for s in figs.slices
    ]
    regressed = next((s.name for s in figs.slices if s.regressed), NO_SLICE)
    solution = f"{metric.capitalize()} by slice, {case.baseline_name} → {case.candidate_name}: " + "; ".join(lines)
    solution += f". A slice regresses when its {metric} falls by {REGRESSION:.2f} or more."
    return Part(
        id="regressing_slice",
        kind="slice",
        prompt=f"Which slice regresses (its {metric} falls by {REGRESSION:.2f} or more)? Answer {NO_SLICE} if none does.",
        expected=regressed,
        solution=solution,
        choices=[*(s.name for s in case.slices), NO_SLICE],
    )


def decision_solution(case: Case, figs: CaseFigures) -> str:
    """The rules applied in order, with this case's numbers."""
    lat, cost = case.latency_ms, case.serving_cost
    judge = ""
    if figs.judge_kappa is not None and figs.judge_bias is not None:
        judge = (
            f" Judge: kappa {figs.judge_kappa:.2f} (needs {KAPPA_MIN}), bias {figs.judge_bias:+.3f} (must stay "
            f"under {BIAS_MAX})."
        )
    steps = (
        f"Limits: p95 {lat['candidate']:g} ms (limit {lat['limit']:g}), ${cost['candidate']:g} per 1,000 requests "
        f"(budget ${cost['budget']:g}).{judge} Significance: McNemar p = {figs.mcnemar_p:.4g} (needs < {ALPHA}); "
        f"expected error cost ${figs.cost_baseline:,.2f} → ${figs.cost_candidate:,.2f} per 1,000."
    )
    why = "; ".join(REASONS[r] for r in case.reasons)
    return f"{steps} So: {DECISIONS[case.decision]}, because {why}."


def build_parts(rng: np.random.Generator, case: Case, figs: CaseFigures) -> list[Part]:
    """The parts for the case's difficulty: figures to compute, the regressing slice, the call, the rationale."""
    focus = case.slices[int(rng.integers(len(case.slices)))]
    confusion = case.format == "confusion"
    if case.difficulty == 1:
        numbers = [recall_part(case, focus, "candidate") if confusion else error_rate_part(case, focus, "candidate")]
    elif case.difficulty == 2:
        first = (
            [precision_part(case, focus), recall_part(case, focus, "candidate")]
            if confusion
            else [error_rate_part(case, focus, "baseline"), error_rate_part(case, focus, "candidate")]
        )
        numbers = [*first, cost_part(case, figs, "baseline"), cost_part(case, figs, "candidate")]
        numbers += interval_parts(case, focus)
    else:
        numbers = [cost_part(case, figs, "baseline"), cost_part(case, figs, "candidate"), mcnemar_part(case, figs)]
        numbers += judge_parts(case, figs) or [recall_part(case, focus, "candidate"), *interval_parts(case, focus)]
    decision = Part(
        id="decision",
        kind="decision",
        prompt=case.question,
        expected=case.decision,
        solution=decision_solution(case, figs),
        points=2.0,
        choices=list(DECISIONS),
    )
    rationale = Part(
        id="rationale",
        kind="text",
        prompt="Why? Name the evidence for your call and the failure you are guarding against.",
        points=2.0,
    )
    return [*numbers, slice_part(case, figs), decision, rationale]


def key_points(case: Case, figs: CaseFigures) -> dict[str, list[str]]:
    """What a strong rationale says about this case, by rubric dimension (the critic's target)."""
    total = sum(s.n for s in case.slices)
    b, c, p = figs.baseline_only, figs.candidate_only, figs.mcnemar_p
    evaluation = [
        f"The gain is statistically significant: exact McNemar p = {p:.2g} on {total} paired cases, {c} fixed "
        f"against {b} broken."
        if "not_significant" not in case.reasons
        else f"The gain is not significant: McNemar p = {p:.2g} on only {total} labelled cases, so label a larger "
        "sample before deciding.",
        f"Expected error cost per 1,000 cases moves from ${figs.cost_baseline:,.0f} to ${figs.cost_candidate:,.0f}.",
    ]
    if figs.judge_kappa is not None and figs.judge_bias is not None:
        evaluation.append(
            f"The LLM judge passes {figs.judge_bias:.0%} more outputs than human raters and agrees only at kappa "
            f"{figs.judge_kappa:.2f}, so the judged gain is inflated; re-grade with humans."
            if "judge" in case.reasons
            else f"The LLM judge agrees with human raters (kappa {figs.judge_kappa:.2f}), so its grades can be trusted."
        )
    return {
        "evaluation": evaluation,
        "failure_modes": _failure_points(case, figs),
        "product_judgment": [_call_point(case), "Roll out gradually with slice-level monitoring and a rollback plan."],
    }


def _failure_points(case: Case, figs: CaseFigures) -> list[str]:
    metric = key_name(case)
    points = []
    for data, row in zip(case.slices, figs.slices, strict=True):
        if row.regressed:
            points.append(
                f"{metric.capitalize()} on the {row.name} slice falls from {row.key_baseline:.2f} to "
                f"{row.key_candidate:.2f}: {data.harm}."
            )
    if not points:
        smallest = min(case.slices, key=lambda s: s.n).name
        points.append(f"No slice regresses: {metric} holds or improves on every slice, even the small {smallest} one.")
    if case.format == "confusion":
        points.append(
            f"Missing {case.positive} costs ${case.costs['false_negative']:g} against ${case.costs['false_positive']:g}"
            " for a false alarm, so recall drops are the expensive failures."
        )
    else:
        points.append(f"Each failure costs about ${case.costs['failure']:g}: {case.cost_notes['failure']}.")
    if "budget" in case.reasons:
        lat, cost = case.latency_ms, case.serving_cost
        points.append(
            f"The new model breaks the limits: p95 {lat['candidate']:g} ms against {lat['limit']:g} ms, "
            f"${cost['candidate']:g} per 1,000 requests against a ${cost['budget']:g} budget."
        )
    return points


def _call_point(case: Case) -> str:
    if case.decision == "ship":
        return f"Ship the {case.candidate_name} to everyone and keep watching the slices."
    if case.decision == "guardrail":
        return f"Ship behind a guardrail: {case.guardrail}."
    return f"Do not ship yet: {REASONS[case.reasons[0]]}."
