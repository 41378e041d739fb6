"""Offline critique latency for a ~250-word answer, after warm-up (targets: p50 < 100 ms, p95 < 250 ms)."""

from __future__ import annotations

import statistics
import time

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.critic.calibration import load_labelled
from bot.critic.model import Target
from bot.critic.offline import critique_target


def main() -> None:
    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    items = [i for i in load_labelled() if 200 <= len(i.answer.split()) <= 300]
    print(f"{len(items)} answers of 200-300 words (mean {statistics.mean(len(i.answer.split()) for i in items):.0f})")
    start = time.perf_counter()
    critique_target(Target.of(bank.by_id[items[0].question_id]), items[0].answer, settings, with_citations=False)
    print(f"first critique (loads the model): {time.perf_counter() - start:.2f} s")
    for with_citations in (False, True):
        times = []
        for _ in range(3):
            for item in items:
                t0 = time.perf_counter()
                critique_target(Target.of(bank.by_id[item.question_id]), item.answer, settings, with_citations)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        label = "with guide citations" if with_citations else "scoring only"
        print(f"{label}: p50 {statistics.median(times):.0f} ms, p95 {times[int(0.95 * len(times)) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
