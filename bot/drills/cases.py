"""The seeded launch-decision case generator: same role, domain, seed and difficulty give the same case anywhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.content.vocabulary import DOMAINS, ROLES, role_domain
from bot.drills.figures import CaseFigures, decide, figures
from bot.drills.model import Case, Counts, JudgeAudit, Paired, SliceData
from bot.drills.parts import build_parts, key_points
from bot.drills.scenarios import Scenario, SliceTemplate, scenarios_for
from bot.errors import CoachError

MAX_SEED = 2**32 - 1
MAX_ATTEMPTS = 400
MIN_SLICE = 20  # items in a slice
MIN_CLASS = 5  # positives and negatives in a classifier's slice
# Which story (the reason behind the right call) each difficulty tells, and how often.
STORIES = {
    1: {"clear_gain": 0.4, "regression": 0.35, "budget": 0.25},
    2: {"clear_gain": 0.25, "regression": 0.3, "not_significant": 0.25, "budget": 0.2},
    3: {"regression": 0.35, "not_significant": 0.3, "judge": 0.35},
}
# Margins keep every case well away from the thresholds the decision uses.
SIGNIFICANT_P, NOT_SIGNIFICANT_P = 0.03, 0.10
RELIABLE_KAPPA, RELIABLE_BIAS, BIASED = 0.65, 0.03, 0.07
REGRESSION_MARGIN = 0.06
Rng = np.random.Generator


@dataclass(frozen=True)
class Plan:
    """What one attempt draws: the story, how many slices, whether the sample is small and a slice regresses."""

    story: str
    slices: int
    small: bool
    regression: bool


def _uniform(rng: Rng, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _story(rng: Rng, scenario: Scenario, difficulty: int) -> str:
    weights = {k: w for k, w in STORIES[difficulty].items() if k != "judge" or scenario.judge}
    names = sorted(weights)
    total = sum(weights.values())
    return names[int(rng.choice(len(names), p=[weights[n] / total for n in names]))]


def _plan(rng: Rng, story: str, difficulty: int) -> Plan:
    slices = {1: 2, 2: 3}.get(difficulty) or int(rng.integers(3, 5))
    small = story == "not_significant" or (story == "judge" and rng.random() < 0.5)
    regression = story == "regression" or difficulty == 3 or (story == "budget" and rng.random() < 0.5)
    return Plan(story=story, slices=slices, small=small, regression=regression)


def _sizes(rng: Rng, plan: Plan, total: int) -> list[int]:
    """Slice sizes; the regressing slice (first) is the small one."""
    weights = [float(rng.uniform(1, 2)) for _ in range(plan.slices)]
    if plan.regression:
        share = _uniform(rng, (0.2, 0.3) if plan.small else (0.08, 0.15))
        rest = sum(weights[1:])
        shares = [share, *((1 - share) * w / rest for w in weights[1:])]
    else:
        shares = [w / sum(weights) for w in weights]
    return [round(total * s) for s in shares]


def _change(rng: Rng, plan: Plan, regressing: bool) -> float:
    if regressing:
        return -_uniform(rng, (0.08, 0.25))
    return _uniform(rng, (0.02, 0.06) if plan.small else (0.04, 0.12))


def _confusion(rng: Rng, t: SliceTemplate, n: int, change: float, plan: Plan) -> tuple[Counts, Counts] | None:
    positives = round(n * _uniform(rng, t.prevalence or (0.1, 0.1)))
    negatives = n - positives
    if positives < MIN_CLASS or negatives < MIN_CLASS:
        return None
    base_recall, base_fpr = _uniform(rng, t.base), _uniform(rng, t.fpr or (0.05, 0.05))
    cand_recall = min(1.0, base_recall + change)
    cand_fpr = max(0.0, base_fpr - _uniform(rng, (0.0, 0.005 if plan.small else 0.02)))
    counts = []
    for recall, fpr in ((base_recall, base_fpr), (cand_recall, cand_fpr)):
        tp, fp = round(positives * recall), round(negatives * fpr)
        if tp + fp == 0 or tp == 0:
            return None
        counts.append(Counts(tp=tp, fn=positives - tp, fp=fp, tn=negatives - fp))
    return counts[0], counts[1]


def _passfail(rng: Rng, t: SliceTemplate, n: int, change: float) -> tuple[Counts, Counts]:
    base = _uniform(rng, t.base)
    passed = [round(n * base), round(n * min(1.0, base + change))]
    return Counts(passed=passed[0], failed=n - passed[0]), Counts(passed=passed[1], failed=n - passed[1])


def _paired(rng: Rng, n: int, baseline: Counts, candidate: Counts, churn: tuple[float, float]) -> Paired:
    """Who got which case right: the margins fixed by the counts, plus some cases the two models swap."""
    cb, cc = baseline.correct, candidate.correct
    d = cc - cb
    swap = min(round(n * _uniform(rng, churn)), cb - max(-d, 0), n - cb - max(d, 0))
    b, c = max(-d, 0) + swap, max(d, 0) + swap
    return Paired(both_right=cb - b, baseline_only=b, candidate_only=c, both_wrong=n - cb - c)


def _slices(rng: Rng, scenario: Scenario, plan: Plan) -> list[SliceData] | None:
    picked = [scenario.slices[int(i)] for i in rng.permutation(len(scenario.slices))[: plan.slices]]
    total = int(rng.integers(*(scenario.small_size if plan.small else scenario.eval_size), endpoint=True))
    churn = (0.01, 0.03) if scenario.format == "confusion" else (0.03, 0.08)
    made = []
    for index, (template, n) in enumerate(zip(picked, _sizes(rng, plan, total), strict=True)):
        if n < MIN_SLICE:
            return None
        change = _change(rng, plan, regressing=plan.regression and index == 0)
        if scenario.format == "confusion":
            pair = _confusion(rng, template, n, change, plan)
        else:
            pair = _passfail(rng, template, n, change)
        if pair is None:
            return None
        paired = _paired(rng, n, pair[0], pair[1], churn)
        made.append(
            SliceData(name=template.name, harm=template.harm, baseline=pair[0], candidate=pair[1], paired=paired)
        )
    order = rng.permutation(len(made))  # the regressing slice is not always shown first
    return [made[int(i)] for i in order]


def _judge(rng: Rng, candidate_pass_rate: float, biased: bool) -> JudgeAudit:
    items = int(rng.integers(80, 201))
    human_pass = round(items * candidate_pass_rate)
    human_only = round(items * _uniform(rng, (0.0, 0.03) if biased else (0.005, 0.03)))
    lift = _uniform(rng, (0.08, 0.16)) if biased else _uniform(rng, (-0.015, 0.015))
    judge_only = max(0, human_only + round(items * lift))
    both_pass, both_fail = human_pass - human_only, items - human_pass - judge_only
    return JudgeAudit(
        items=items, both_pass=both_pass, judge_only=judge_only, human_only=human_only, both_fail=both_fail
    )


def _limits(rng: Rng, baseline: float, limit: float, over: bool) -> float:
    if over:
        return limit * _uniform(rng, (1.15, 1.5))
    return _uniform(rng, (0.6 * baseline, min(1.25 * baseline, 0.9 * limit)))


def _money(value: float) -> float:
    return round(value, 2) if value >= 10 else float(f"{value:.3g}")


def _draw(rng: Rng, scenario: Scenario, plan: Plan, seed: int, difficulty: int) -> Case | None:
    slices = _slices(rng, scenario, plan)
    if slices is None:
        return None
    over = plan.story == "budget"
    cost_over = over and rng.random() < 0.5
    base_latency, base_cost = _uniform(rng, scenario.latency_ms), _uniform(rng, scenario.serving_cost)
    judge = None
    if scenario.judge:
        passed = sum(s.candidate.passed for s in slices) / sum(s.n for s in slices)
        judge = _judge(rng, passed, biased=plan.story == "judge")
    return Case(
        scenario=scenario.id,
        role=scenario.role,
        domain=scenario.domain,
        format=scenario.format,
        difficulty=difficulty,
        seed=seed,
        story=plan.story,
        product=scenario.product,
        question=scenario.question,
        baseline_name=scenario.baseline,
        candidate_name=scenario.candidate,
        positive=scenario.positive,
        slices=slices,
        costs={k: _money(_uniform(rng, r)) for k, r in scenario.costs.items()},
        cost_notes=dict(scenario.cost_notes),
        latency_ms={
            "baseline": float(round(base_latency)),
            "candidate": float(round(_limits(rng, base_latency, scenario.latency_limit_ms, over and not cost_over))),
            "limit": scenario.latency_limit_ms,
        },
        serving_cost={
            "baseline": _money(base_cost),
            "candidate": _money(_limits(rng, base_cost, scenario.budget, cost_over)),
            "budget": scenario.budget,
        },
        judge=judge,
        guardrail="",
    )


def within_margins(case: Case, figs: CaseFigures) -> bool:
    """Whether every figure the decision reads sits clearly on one side of its threshold."""
    if case.judge is not None and figs.judge_kappa is not None and figs.judge_bias is not None:
        reliable = figs.judge_kappa >= RELIABLE_KAPPA and abs(figs.judge_bias) <= RELIABLE_BIAS
        if not reliable and figs.judge_bias < BIASED:
            return False
        if min(case.judge.both_pass, case.judge.both_fail) < 1:
            return False
    if SIGNIFICANT_P < figs.mcnemar_p < NOT_SIGNIFICANT_P:
        return False
    if any(s.change < 0 and not s.change <= -REGRESSION_MARGIN for s in figs.slices):
        return False
    # Every story but the budget one shows an apparent gain: the lesson is in the slices, the judge or the noise.
    return figs.cost_candidate < figs.cost_baseline and figs.candidate_only > figs.baseline_only


def generate_case(scenarios: tuple[Scenario, ...], role: str, domain: str | None, seed: int, difficulty: int) -> Case:
    """The case for this role, domain, seed and difficulty (1: one slice's recall ... 3: opposite slices, biased judge)."""
    role, domain = role_domain(role, domain)
    seed, difficulty = check_seed(seed), check_difficulty(difficulty)
    rng = np.random.default_rng([seed, ROLES.index(role), DOMAINS.index(domain) + 1 if domain else 0])
    options = scenarios_for(scenarios, role, domain)
    scenario = options[int(rng.integers(len(options)))]
    story = _story(rng, scenario, difficulty)
    for _ in range(MAX_ATTEMPTS):
        case = _draw(rng, scenario, _plan(rng, story, difficulty), seed, difficulty)
        if case is None:
            continue
        figs = figures(case)
        decision, reasons = decide(figs)
        if reasons[0] == story and within_margins(case, figs):
            regressed = next((s.name for s in figs.slices if s.regressed), "")
            case.guardrail = scenario.guardrail.replace("{slice}", regressed or "the weakest slice")
            case.decision, case.reasons = decision, reasons
            case.parts = build_parts(rng, case, figs)
            case.key_points = key_points(case, figs)
            return case
    raise CoachError(f"could not build a {story} case for {scenario.id} from seed {seed}; try another seed")


def check_seed(seed: object) -> int:
    """A seed as an int from 0 to 2**32 - 1; CoachError otherwise."""
    try:
        value = int(str(seed).strip()) if not isinstance(seed, int) else seed
    except ValueError:
        raise CoachError(f"the seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}") from None
    if isinstance(seed, bool) or not 0 <= value <= MAX_SEED:
        raise CoachError(f"the seed must be a whole number from 0 to {MAX_SEED}")
    return value


def check_difficulty(difficulty: object) -> int:
    """A difficulty of 1, 2 or 3; CoachError otherwise."""
    try:
        value = float(str(difficulty).strip())
    except ValueError:
        value = 0.0
    if isinstance(difficulty, bool) or value not in (1.0, 2.0, 3.0):
        raise CoachError("choose a difficulty of 1, 2 or 3")
    return int(value)
