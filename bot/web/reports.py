"""Files and chart frames the app hands out: the session report (Markdown, JSON), exports, and score frames."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from statistics import mean
from typing import Any

import pandas as pd
import yaml

from bot.coaching import reports as coach_reports
from bot.content.vocabulary import label
from bot.interview.state import InterviewState, QuestionResult, Summary
from bot.storage.models import CoachAccount
from bot.storage.store import Store
from bot.web.render import inert

# What a session report holds, in this order (the rest of the state is the interviewer's bookkeeping). Never
# the candidate key: it lists every session of the candidate, and a report is made to be shared.
REPORT_KEYS = (
    "session_id",
    "role",
    "domain",
    "background",
    "total",
    "asked",
    "prompt",
    "results",
    "transcript",
    "done",
    "summary",
    "usage",
    "last_critique",
)


def _quote(text: str) -> str:
    """Untrusted text as an inert Markdown blockquote."""
    lines = inert(text).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def _scores(scores: dict[str, float]) -> str:
    """One line of per-dimension scores."""
    return ", ".join(f"{label(d)} {float(s):.1f}" for d, s in scores.items())


def _setup_lines(state: InterviewState) -> list[str]:
    """The report's heading: role, background, progress and session id."""
    domain = f" ({inert(state.domain)})" if state.domain else ""
    return [
        "# AI PM mock interview report",
        "",
        f"- **Role:** {inert(state.role)}{domain}",
        f"- **Background:** {inert(state.background)}",
        f"- **Questions:** {len(state.asked)} of {inert(state.total)}",
        f"- **Session:** `{inert(state.session_id)}`",
        "",
    ]


def _transcript_lines(state: InterviewState) -> list[str]:
    """The transcript question by question; the candidate's answers as inert quotes."""
    lines = ["## Transcript", ""]
    for message in state.transcript:
        if message.role == "user":
            lines += ["**Your answer:**", "", _quote(message.content), ""]
        else:
            heading = "### " if message.kind == "question" else ""
            lines += [heading + inert(message.content).replace("\n", "  \n"), ""]
    return lines


def _result_lines(number: int, result: QuestionResult) -> list[str]:
    """How one question went."""
    lines = [f"### {number}. {inert(result.question)}", ""]
    if result.skipped:
        return [*lines, "Skipped.", ""]
    if result.overall is not None:
        lines.append(f"- **Overall:** {result.overall:.1f}/5")
    if result.scores:
        lines.append(f"- **Scores:** {_scores(result.scores)}")
    if result.hints:
        lines.append(f"- **Hints used:** {inert(result.hints)}")
    lines += [f"- **Gap:** {inert(gap)}" for gap in result.gaps]
    return [*lines, ""]


def _summary_lines(summary: Summary) -> list[str]:
    """The end-of-session summary: overall, averages, gaps and guides."""
    lines = ["## Summary", ""]
    if summary.overall is not None:
        lines += [f"**Overall:** {summary.overall:.1f}/5", ""]
    if summary.averages:
        lines += [f"**Averages:** {_scores(summary.averages)}", ""]
    for gap in summary.gaps:
        guide = f" (guide: `{inert(gap.guide)}`)" if gap.guide else ""
        lines.append(f"- **{inert(label(gap.dimension))}** {gap.average:.1f}{guide}")
    if summary.guides:
        lines += ["", "**Guides to read:** " + ", ".join(inert(g) for g in summary.guides)]
    return [*lines, ""]


def markdown_report(state: InterviewState) -> str:
    """The whole session as Markdown: setup, the transcript question by question, scores, gaps and summary."""
    lines = _setup_lines(state) + _transcript_lines(state)
    if state.results:
        lines += ["## Scores by question", ""]
    for number, result in enumerate(state.results, start=1):
        lines += _result_lines(number, result)
    if state.summary is not None:
        lines += _summary_lines(state.summary)
    return "\n".join(lines).rstrip() + "\n"


def json_report(state: InterviewState) -> str:
    """The session as pretty JSON (strings kept verbatim; JSON is data, not markup)."""
    dumped = state.model_dump(mode="json")
    return json.dumps({key: dumped[key] for key in REPORT_KEYS}, indent=2, ensure_ascii=False)


def write_session_reports(state: InterviewState) -> tuple[str, str]:
    """Write the Markdown and JSON reports into a fresh temp folder and return their paths."""
    folder = Path(tempfile.mkdtemp(prefix="coach-report-"))
    sid = "".join(c for c in state.session_id if c.isalnum() or c in "-_")[:32] or "session"
    md, js = folder / f"interview-{sid}.md", folder / f"interview-{sid}.json"
    md.write_text(markdown_report(state), encoding="utf-8")
    js.write_text(json_report(state), encoding="utf-8")
    return str(md), str(js)


def write_assignment_exports(store: Store, coach: CoachAccount, assignment_id: int) -> tuple[str, str, str]:
    """Write an assignment's CSV and JSON exports and the coach's overrides (calibration YAML); return the paths."""
    folder = Path(tempfile.mkdtemp(prefix="coach-export-"))
    csv_path, json_path = folder / f"assignment-{assignment_id}.csv", folder / f"assignment-{assignment_id}.json"
    csv_path.write_text(coach_reports.export_csv(store, coach, assignment_id), encoding="utf-8")
    json_path.write_text(coach_reports.export_json(store, coach, assignment_id), encoding="utf-8")
    overrides_path = folder / "coach-overrides.yaml"  # the calibration set's format, for `python -m bot eval`
    overrides = coach_reports.export_overrides(store, coach)
    overrides_path.write_text(yaml.safe_dump(overrides, sort_keys=False), encoding="utf-8")
    return str(csv_path), str(json_path), str(overrides_path)


def score_chart(averages: dict[str, float | None]) -> pd.DataFrame:
    """Per-dimension averages as a frame with columns `dimension` and `score`, for gr.BarPlot."""
    rows = [{"dimension": label(d), "score": float(s)} for d, s in (averages or {}).items() if s is not None]
    return pd.DataFrame(rows, columns=["dimension", "score"])


def cohort_frame(scores: dict[str, list[float]]) -> pd.DataFrame:
    """The cohort's mean score per dimension (and overall), for a bar chart."""
    return score_chart({key: round(mean(values), 2) for key, values in scores.items() if values})


def progress_frame(history: list[dict[str, Any]]) -> pd.DataFrame:
    """Scores over sessions with one series per dimension plus overall, for a plot.

    The session number is text ("01", "02", ...): the axis then shows whole sessions, never ticks such as 1.05.
    """
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(history or [], start=1):
        point = {"session": f"{index:02d}", "started": item.get("started")}
        for dimension, score in (item.get("averages") or {}).items():
            if score is not None:
                rows.append({**point, "dimension": label(dimension), "score": float(score)})
        if item.get("overall") is not None:
            rows.append({**point, "dimension": "Overall", "score": float(item["overall"])})
    return pd.DataFrame(rows, columns=["session", "started", "dimension", "score"])
