"""Files and chart frames the app hands out: the session report (Markdown, JSON, PDF), exports, and score frames."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from statistics import mean
from typing import Any

import pandas as pd
import yaml

from bot.coaching import reports as coach_reports
from bot.content.vocabulary import label
from bot.interview.state import InterviewState
from bot.storage.models import CoachAccount, public_attempt_id
from bot.storage.store import Store
from bot.web.pdf import markdown_to_pdf
from bot.web.report_markdown import TITLE, heading_lines, question_lines, summary_lines
from bot.web.session_record import QuestionRecord, TurnViews, adjusted_scores, question_records

# What the JSON report holds, in this order (the rest of the state is the interviewer's bookkeeping). Never the
# session id (it opens the session; `attempt_id` names it one way) nor the candidate key (it lists every session of
# the candidate): a report is made to be shared.
REPORT_KEYS = (
    "attempt_id",
    "role",
    "domain",
    "background",
    "total",
    "asked",
    "done",
    "summary",
    "overall_after_coach_review",
    "questions",
    "results",
    "transcript",
    "prompt",
    "usage",
    "last_critique",
)


def _records(state: InterviewState, reviews: TurnViews | None) -> tuple[list[QuestionRecord], float | None]:
    """The questions of the session, and the overall after a coach's overrides when a coach changed any score."""
    records = question_records(state, reviews)
    adjusted = None
    if reviews and any(r.adjusted for r in records):
        adjusted = adjusted_scores(state, reviews)["attempt"]["overall"]
    return records, adjusted


def full_transcript_markdown(state: InterviewState, reviews: TurnViews | None = None) -> str:
    """Every question with its answers (inert quotes), critiques, outline, follow-ups, hints, skips and coach reviews.

    What the finished screen shows; safe to render as Markdown. `reviews`: the attempt's turn views with coach
    reviews (`session_record.coach_reviews`), if any.
    """
    records, _ = _records(state, reviews)
    lines = [line for record in records for line in question_lines(record)]
    return "\n".join(lines).rstrip() + "\n" if lines else "No questions were asked.\n"


def markdown_report(state: InterviewState, reviews: TurnViews | None = None) -> str:
    """The whole session as Markdown: the heading, the summary, then every question with its critiques."""
    records, adjusted = _records(state, reviews)
    lines = heading_lines(state, records)
    if state.summary is not None:
        lines += summary_lines(state.summary, records, adjusted)
    lines += ["## Question by question", ""]
    lines += [line for record in records for line in question_lines(record)] or ["No questions were asked.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _question_json(record: QuestionRecord) -> dict[str, Any]:
    """One question as data (strings verbatim)."""
    result = record.result
    return {
        "number": record.number,
        "question_id": record.question_id,
        "question": record.question,
        "skipped": record.skipped,
        "scores": None if result is None else result.scores,
        "overall": None if result is None else result.overall,
        "hints_used": record.hints_used,
        "hints": record.hints,
        "clarifications": [{"asked": asked, "reply": reply} for asked, reply in record.clarifications],
        "answers": [
            {
                "kind": a.kind,
                "follow_up_asked": a.asked,
                "text": a.text,
                "critique": None if a.critique is None else a.critique.model_dump(mode="json"),
                "notices": a.notices,
            }
            for a in record.answers
        ],
        "outline": record.outline,
        "coach_reviews": [asdict(c) for c in record.comments],
        "after_coach_review": record.adjusted,
    }


def json_report(state: InterviewState, reviews: TurnViews | None = None) -> str:
    """The session as pretty JSON (strings kept verbatim; JSON is data, not markup)."""
    records, adjusted = _records(state, reviews)
    dumped = state.model_dump(mode="json", exclude={"transcript": {"__all__": {"critique"}}})
    if state.hold_feedback and not state.done:
        dumped["last_critique"] = None  # its gaps and outline are held back; `questions` has the rest
        for result in dumped["results"]:
            result["gaps"] = []
    document = {
        **dumped,
        "attempt_id": public_attempt_id(state.session_id),
        "questions": [_question_json(r) for r in records],
        "overall_after_coach_review": adjusted,
    }
    return json.dumps({key: document[key] for key in REPORT_KEYS}, indent=2, ensure_ascii=False)


def _report_folder(state: InterviewState) -> tuple[Path, str]:
    """A fresh temp folder and the reports' file stem (the attempt's public name, never the session id)."""
    return Path(tempfile.mkdtemp(prefix="coach-report-")), f"interview-{public_attempt_id(state.session_id)}"


def write_session_reports(state: InterviewState, reviews: TurnViews | None = None) -> tuple[str, str]:
    """Write the Markdown and JSON reports into a fresh temp folder and return their paths."""
    folder, stem = _report_folder(state)
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    md.write_text(markdown_report(state, reviews), encoding="utf-8")
    js.write_text(json_report(state, reviews), encoding="utf-8")
    return str(md), str(js)


def write_session_pdf(state: InterviewState, reviews: TurnViews | None = None) -> str:
    """Write the report as a PDF (the Markdown report, typeset) into a fresh temp folder and return its path."""
    folder, stem = _report_folder(state)
    return str(markdown_to_pdf(markdown_report(state, reviews), folder / f"{stem}.pdf", TITLE))


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
