"""Offline critique latency for a ~250-word answer, after warm-up (targets: p50 < 100 ms, p95 < 250 ms)."""

from __future__ import annotations

import statistics
import time

from bot.config import get_settings
from bot.critic.calibration import load_labelled, target_for
from bot.critic.features import recent_sentences
from bot.critic.offline import critique_target

SAMPLE = 60  # answers timed per pass


def main() -> None:
    settings = get_settings()
    items = [i for i in load_labelled() if 200 <= len(i.answer.split()) <= 300 and i.kind != "non_english"][:SAMPLE]
    targets = {i.id: target_for(settings, i) for i in items}  # resolved once, as a session does
    print(f"{len(items)} answers of 200-300 words (mean {statistics.mean(len(i.answer.split()) for i in items):.0f})")
    start = time.perf_counter()
    critique_target(targets[items[0].id], items[0].answer, settings, with_citations=False)
    print(f"first critique (loads the model): {time.perf_counter() - start:.2f} s")
    for with_citations in (False, True):
        times = []
        for _ in range(3):
            for item in items:
                recent_sentences.clear()  # each timing embeds its answer's sentences, as for a new answer
                t0 = time.perf_counter()
                critique_target(targets[item.id], item.answer, settings, with_citations)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        label = "with guide citations" if with_citations else "scoring only"
        print(f"{label}: p50 {statistics.median(times):.0f} ms, p95 {times[int(0.95 * len(times)) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
