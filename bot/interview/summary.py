"""The end-of-session summary: per-dimension averages, the two biggest gaps with examples, and guides to read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content.guides import guide_source
from bot.content.rubric import Rubric
from bot.content.vocabulary import DIMENSIONS, GUIDE_FOR, label
from bot.interview.state import InterviewState, Summary, SummaryGap

SCORE_DECIMALS = 1  # every score shown anywhere (summary, History, dashboards, exports, reports) has one decimal


def summarize(state: InterviewState, rubric: Rubric, guides_dir: Path, usage: dict[str, Any]) -> Summary:
    """Per-dimension averages over answered questions, the two weakest dimensions, and which guides to read."""
    answered = [r for r in state.results if r.scores]
    averages = (
        {d: round(sum((r.scores or {})[d] for r in answered) / len(answered), SCORE_DECIMALS) for d in DIMENSIONS}
        if answered
        else {}
    )
    overall = round(sum(r.overall or 0.0 for r in answered) / len(answered), SCORE_DECIMALS) if answered else None
    weakest = sorted(averages, key=lambda d: averages[d])[:2]
    gaps = [
        SummaryGap(
            dimension=d,
            average=averages[d],
            examples=[g for r in answered for g in r.gaps if g.lower().startswith(rubric.dimensions[d].title.lower())][
                :2
            ],
            guide=guide_source(guides_dir, GUIDE_FOR[d]),
        )
        for d in weakest
    ]
    topics = list(dict.fromkeys([GUIDE_FOR[d] for d in weakest] + [t for r in answered for t in r.citations]))
    lines = ["**Interview complete.**"]
    if answered:
        lines.append(f"Overall {overall}/5 over {len(answered)} answered question(s).")
        lines += [f"- {label(d).lower()}: {averages[d]}" for d in DIMENSIONS]
        lines.append("\nBiggest gaps: " + "; ".join(f"{label(g.dimension).lower()} ({g.average})" for g in gaps))
        # the guides to read are `guides`: the app links them under the summary, the CLI lists them after it
    else:
        lines.append("No questions were answered, so there is nothing to score yet.")
    return Summary(
        overall=overall,
        averages=averages,
        gaps=gaps,
        guides=topics[:4],
        answered=len(answered),
        skipped=sum(1 for r in state.results if r.skipped),
        usage=usage,
        text="\n".join(lines),
    )
