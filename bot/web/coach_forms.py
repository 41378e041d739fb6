"""Plain functions behind the Coach tab and the share-link flow: form parsing, dashboards, escaped pages."""

from __future__ import annotations

import html
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any

import gradio as gr
import pandas as pd
import yaml

from bot import coach as coaching
from bot import coach_reports as reports
from bot.errors import CoachError
from bot.models import Coach as CoachAccount
from bot.report import score_chart
from bot.store import Store

DUE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
MAX_MINUTES = coaching.MAX_TIME_LIMIT_S // 60


def client_key(request: gr.Request | None) -> str:
    """The caller's address, used to rate-limit sign-in attempts."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "unknown")


def base_url(request: gr.Request | None) -> str:
    """The app's public base URL as the browser sees it (proxy headers first)."""
    try:
        headers = request.headers if request is not None else {}
        host = headers.get("x-forwarded-host") or headers.get("host") or "127.0.0.1:7860"
        scheme = headers.get("x-forwarded-proto") or request.url.scheme  # type: ignore[union-attr]
        return f"{scheme}://{host}"
    except Exception:
        return ""


def load_coach(store: Store, coach_id: int | None) -> CoachAccount:
    """The signed-in coach behind the id kept in server-side state; CoachError when signed out."""
    if not coach_id:
        raise CoachError("sign in as a coach first")
    with store.session() as db:
        account = db.get(CoachAccount, int(coach_id))
    if account is None:
        raise CoachError("sign in as a coach first")
    return account


def parse_due(value: Any) -> datetime:
    """A due date from the picker ("YYYY-MM-DD HH:MM[:SS]", taken as UTC) or a timestamp; CoachError if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value or "").strip()
    for fmt in DUE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise CoachError("enter the due date as YYYY-MM-DD HH:MM (UTC)")


def parse_custom(text: str | None) -> list[dict[str, Any]] | None:
    """Custom questions from JSON or YAML text (empty: none); CoachError with a one-line reason when malformed."""
    if not (text or "").strip():
        return None
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CoachError(f"the custom questions are not valid JSON or YAML{where}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CoachError("custom questions must be a list of {text, key_points} objects")
    return data


def make_assignment(
    store: Store,
    coach_id: int | None,
    base: str,
    title: str,
    role: str,
    domain: str | None,
    skills: list[str] | None,
    questions: float,
    difficulty: float,
    minutes: float | None,
    due: Any,
    custom_text: str | None,
) -> tuple[Any, str]:
    """Create an assignment for the signed-in coach; returns it and its share link."""
    account = load_coach(store, coach_id)
    mins = float(minutes or 0)
    if mins < 0 or mins > MAX_MINUTES:
        raise CoachError(f"set a time limit from 1 to {MAX_MINUTES} minutes, or 0 for none")
    assignment = coaching.create_assignment(
        store,
        account,
        title,
        role,
        domain if role == "vertical" else None,
        list(skills or []),
        int(questions or 0),
        int(difficulty or 0),
        round(mins * 60) if mins > 0 else None,
        parse_due(due),
        parse_custom(custom_text),
    )
    return assignment, coaching.share_link(base, assignment)


def assignment_choices(store: Store, coach_id: int | None) -> list[tuple[str, int]]:
    """The signed-in coach's own assignments as dropdown choices (label, id), newest first."""
    items = reports.list_assignments(store, load_coach(store, coach_id))
    return [(f"{a['title']} · {a['attempts']} attempt(s) · due {str(a['due'])[:16]} UTC", int(a["id"])) for a in items]


def cohort_frame(scores: dict[str, list[float]]) -> pd.DataFrame:
    """The cohort's mean score per dimension (and overall), for a bar chart."""
    return score_chart({key: round(mean(values), 2) for key, values in scores.items() if values})


def dashboard(store: Store, coach_id: int | None, assignment_id: int | None) -> dict[str, Any]:
    """One assignment's attempts table (HTML), cohort chart, attempt choices and exports, for its coach only."""
    account = load_coach(store, coach_id)
    if not assignment_id:
        raise CoachError("pick an assignment first")
    rows = reports.attempts(store, account, int(assignment_id))
    folder = Path(tempfile.mkdtemp(prefix="coach-export-"))
    csv_path, json_path = (
        folder / f"assignment-{int(assignment_id)}.csv",
        folder / f"assignment-{int(assignment_id)}.json",
    )
    csv_path.write_text(reports.export_csv(store, account, int(assignment_id)), encoding="utf-8")
    json_path.write_text(reports.export_json(store, account, int(assignment_id)), encoding="utf-8")
    overrides_path = folder / "coach-overrides.yaml"  # the calibration set's format, for `python -m bot eval`
    overrides_path.write_text(
        yaml.safe_dump(reports.export_overrides(store, account), sort_keys=False), encoding="utf-8"
    )
    return {
        "table": reports.attempts_html(rows) if rows else "<p>No attempts yet.</p>",
        "chart": cohort_frame(reports.cohort_scores(store, account, int(assignment_id))),
        "attempts": [(f"{r['candidate_name']} · {str(r['started'])[:16]}", r["attempt_id"]) for r in rows],
        "csv": str(csv_path),
        "overrides": str(overrides_path),
        "json": str(json_path),
    }


def attempt_detail(store: Store, coach_id: int | None, attempt_id: str | None) -> tuple[str, list[tuple[str, int]]]:
    """An attempt's transcript (escaped HTML) and its turns as review choices, for the owning coach only."""
    account = load_coach(store, coach_id)
    if not attempt_id:
        return "", []
    view = reports.transcript(store, account, str(attempt_id))
    turns = [(f"{t['seq']}. {str(t['prompt'])[:70]}", int(t["id"])) for t in view["turns"]]
    return reports.transcript_html(view), turns


def add_review(
    store: Store, coach_id: int | None, turn_id: int | None, dimension: str, score: int | None, comment: str
) -> None:
    """Record the coach's score override and/or comment on one turn."""
    if not turn_id:
        raise CoachError("pick an answer to review")
    coaching.review(store, load_coach(store, coach_id), int(turn_id), dimension, int(score) if score else None, comment)


def assignment_intro(store: Store, code: str) -> str:
    """What a candidate sees before starting an assignment (escaped HTML); CoachError for a bad or closed link."""
    a = coaching.open_assignment(store, code)
    limit = f"{a.time_limit_s // 60} min per answer" if a.time_limit_s else "no time limit"
    return (
        f"<div class='coach-card'><h3>{html.escape(a.title)}</h3>"
        f"<p>Role: {html.escape(a.role)}{' · ' + html.escape(a.domain) if a.domain else ''} · "
        f"{a.questions} question(s) · {html.escape(limit)} · due {reports._iso(a.due)} UTC</p>"
        "<p>Enter your name (and optionally your email) and press Start assignment.</p></div>"
    )


def results_html(store: Store, session_id: str) -> str:
    """The candidate's own attempt with scores and coach comments (escaped HTML)."""
    if not session_id:
        raise CoachError("start or resume an interview first")
    view = reports.candidate_results(store, session_id)
    title = (view.get("assignment") or {}).get("title")
    head = f"<h3>Assignment: {html.escape(title)}</h3>" if title else ""
    return head + (reports.transcript_html(view) if view["turns"] else "<p>No answers recorded yet.</p>")
