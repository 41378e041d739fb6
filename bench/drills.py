"""Drill speed: case generation (target < 50 ms) and grading without the critic's rationale score (target < 20 ms)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bot.config import get_settings
from bot.content.vocabulary import DOMAINS, ROLES
from bot.drills.cases import generate_case
from bot.drills.grading import check_answers, grade_case
from bot.drills.model import Case
from bot.drills.rating import check_labels, grade_round, load_rater_sets, plan_rounds
from bot.drills.scenarios import load_scenarios

SEEDS = 300  # per role and difficulty


def percentiles(times: list[float]) -> str:
    ordered = sorted(t * 1000 for t in times)
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms ({len(ordered)} runs)"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def no_critic(case: Case, text: str) -> tuple[float, list[str]]:
    return 1.0, []


def main() -> None:
    settings = get_settings()
    scenarios = load_scenarios(settings.drill_scenarios_path)
    cases: list[Case] = []
    generation: dict[int, list[float]] = {1: [], 2: [], 3: []}
    for role in ROLES:
        for difficulty in (1, 2, 3):
            for seed in range(SEEDS):
                domain = DOMAINS[seed % len(DOMAINS)] if role == "vertical" else None
                start = time.perf_counter()
                cases.append(generate_case(scenarios, role, domain, seed, difficulty))
                generation[difficulty].append(time.perf_counter() - start)
    for difficulty, times in generation.items():
        print(f"case generation, difficulty {difficulty}: {percentiles(times)}")
    print(f"case generation, all: {percentiles([t for ts in generation.values() for t in ts])}")

    def grade(case: Case) -> None:
        answers = {p.id: str(p.expected) for p in case.parts if p.expected is not None} | {"rationale": "because"}
        parsed, errors = check_answers(case, answers)
        assert not errors
        grade_case(case, parsed, no_critic)

    print(f"case grading (rationale score excluded): {percentiles([timed(lambda c=c: grade(c)) for c in cases])}")
    rounds = []
    for rater_set in load_rater_sets(settings.rater_sets_dir).values():
        for seed in range(100):
            first, _ = plan_rounds(rater_set, seed, 3)
            labels = {i: rater_set.values[n % len(rater_set.values)] for n, i in enumerate(first)}

            def rate(rater_set=rater_set, first=first, labels=labels) -> None:
                valid, _ = check_labels(rater_set, first, labels)
                grade_round(rater_set, 1, first, valid)

            rounds.append(timed(rate))
    print(f"rater round grading: {percentiles(rounds)}")


if __name__ == "__main__":
    main()
