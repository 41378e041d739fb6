"""Coach dashboards, candidate results and exports as data: scores (coach overrides applied, sources kept), drills."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.coaching.attempt_scores import attempt_scores, question_scores
from bot.coaching.attempts import NOT_FOUND, owned_assignment, owned_attempt_by_public_id
from bot.coaching.drill_results import drill_attempts, drill_exports
from bot.content.vocabulary import DIMENSIONS
from bot.drills.records import SUMMARY_COLUMNS
from bot.errors import CoachError
from bot.storage.models import (
    Assignment,
    CoachAccount,
    DrillAttempt,
    InterviewSession,
    Review,
    Turn,
    as_utc,
    public_attempt_id,
    utc_now,
)
from bot.storage.store import Store

SCORE_KEYS = ("overall", *DIMENSIONS)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "attempt_id", "candidate_name", "candidate_email", "started", "finished", "answers", *SCORE_KEYS, "late_answers"
)  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    """An ISO-8601 UTC timestamp, or None."""
    return None if moment is None else as_utc(moment).isoformat(timespec="seconds")


def critic_label(critique: dict[str, Any]) -> str:
    """Who produced a critique: "offline critic" or "LLM (model)"."""
    source = str(critique.get("source") or "offline")
    if source == "offline":
        return "offline critic"
    if source.startswith("llm:"):
        return f"LLM ({source.split(':', 1)[1]})"
    return source


def _reviews_by_turn(db: Session, turn_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every review of these turns, oldest first, with the reviewing coach's email."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not turn_ids:
        return found
    rows = db.execute(
        select(Review, CoachAccount.email)
        .join(CoachAccount, Review.coach_id == CoachAccount.id)
        .where(Review.turn_id.in_(turn_ids))
        .order_by(Review.id)
    )
    for entry, email in rows:
        found[entry.turn_id].append(
            {
                "coach": email,
                "dimension": entry.dimension or "overall",
                "score": entry.score,
                "comment": entry.comment,
                "created": _iso(entry.created),
            }
        )
    return found


def turn_scores(turn: Turn, reviews: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each score of a turn as {score, source}: the critic's, replaced by the newest coach override."""
    scores: dict[str, dict[str, Any]] = {}
    critique = turn.critique or {}
    if critique:
        label = critic_label(critique)
        if critique.get("overall") is not None:
            scores["overall"] = {"score": float(critique["overall"]), "source": label}
        for dimension, value in (critique.get("dimensions") or {}).items():
            if dimension in DIMENSIONS and value is not None:
                scores[dimension] = {"score": float(value), "source": label}
    for entry in reviews:  # oldest first, so the newest override wins
        if entry["score"] is not None:
            scores[entry["dimension"]] = {"score": float(entry["score"]), "source": f"coach {entry['coach']}"}
    return scores


def _turn_view(turn: Turn, reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """One turn with its critique, reviews and effective scores."""
    return {
        "id": turn.id,
        "seq": turn.seq,
        "kind": turn.kind,
        "question_id": turn.question_id,
        "prompt": turn.prompt,
        "answer": turn.answer,
        "late": bool(turn.late),  # came in after its time limit or the due date (server time)
        "critique": turn.critique,
        "scores": turn_scores(turn, reviews),
        "reviews": reviews,
    }


def attempt_turns(db: Session, attempt_id: str) -> list[dict[str, Any]]:
    """The turn views of one attempt, in order."""
    turns = list(db.scalars(select(Turn).where(Turn.session_id == attempt_id).order_by(Turn.seq)))
    reviews = _reviews_by_turn(db, [t.id for t in turns])
    return [_turn_view(t, reviews.get(t.id, [])) for t in turns]


def _attempt_row(attempt: InterviewSession, turns: list[dict[str, Any]]) -> dict[str, Any]:
    """One attempt's summary: who, when, how many questions were answered, and its scores (`attempt_scores`)."""
    questions = question_scores(attempt, turns)
    row: dict[str, Any] = {
        "attempt_id": public_attempt_id(attempt.id),  # never the session id: that opens the attempt
        "candidate_name": attempt.candidate_name,
        "candidate_email": attempt.candidate_email,
        "started": _iso(attempt.started),
        "finished": _iso(attempt.finished),
        "answers": sum(1 for q in questions if q["overall"] is not None),  # questions answered, not turns
        "late_answers": sum(1 for t in turns if t["late"]),
        **attempt_scores(questions),
        "questions": questions,
    }
    return row


def _assignment_view(assignment: Assignment, attempts: int | None = None) -> dict[str, Any]:
    """An assignment's settings (never its share code outside the coach's own list)."""
    view: dict[str, Any] = {
        "id": assignment.id,
        "title": assignment.title,
        "role": assignment.role,
        "domain": assignment.domain,
        "skill_focus": list(assignment.skill_focus),
        "questions": assignment.questions,
        "difficulty": assignment.difficulty,
        "time_limit_s": assignment.time_limit_s,
        "due": _iso(assignment.due),
        "open": as_utc(assignment.due) > utc_now(),
        "custom_questions": [q["text"] for q in assignment.custom_questions],
        "drill": assignment.drill,
        "created": _iso(assignment.created),
    }
    if attempts is not None:
        view["attempts"] = attempts
    return view


def list_assignments(store: Store, coach: CoachAccount) -> list[dict[str, Any]]:
    """The coach's assignments, newest first, each with its share code and number of attempts."""
    with store.session() as db:
        assignments = list(
            db.scalars(select(Assignment).where(Assignment.coach_id == coach.id).order_by(Assignment.id.desc()))
        )
        counts: dict[int, int] = defaultdict(int)
        ids = [a.id for a in assignments]
        for column in (InterviewSession.assignment_id, DrillAttempt.assignment_id):  # interviews and drills
            for assignment_id in db.scalars(select(column).where(column.in_(ids))):
                if assignment_id is not None:
                    counts[assignment_id] += 1
        return [{**_assignment_view(a, counts[a.id]), "code": a.code} for a in assignments]


def attempt_sessions(db: Session, assignment_id: int) -> list[InterviewSession]:
    """The sessions attempting an assignment, oldest first."""
    return list(
        db.scalars(
            select(InterviewSession)
            .where(InterviewSession.assignment_id == assignment_id)
            .order_by(InterviewSession.started, InterviewSession.id)
        )
    )


def attempts(store: Store, coach: CoachAccount, assignment_id: int) -> list[dict[str, Any]]:
    """One row per attempt of the coach's assignment: candidate, started, finished and scores."""
    with store.session() as db:
        owned_assignment(db, coach, assignment_id)
        return [_attempt_row(a, attempt_turns(db, a.id)) for a in attempt_sessions(db, assignment_id)]


def transcript(store: Store, coach: CoachAccount, attempt_id: str) -> dict[str, Any]:
    """An attempt of the coach's assignment (by its public id), turn by turn, with critiques, reviews and scores."""
    with store.session() as db:
        attempt = owned_attempt_by_public_id(db, coach, attempt_id)
        turns = attempt_turns(db, attempt.id)
        assignment = db.get(Assignment, attempt.assignment_id)
        return {
            "attempt": _attempt_row(attempt, turns),
            "assignment": None if assignment is None else _assignment_view(assignment),
            "turns": turns,
        }


def cohort_scores(store: Store, coach: CoachAccount, assignment_id: int) -> dict[str, list[float]]:
    """Every attempt's score per dimension (and overall), for a distribution chart."""
    rows = attempts(store, coach, assignment_id)
    return {key: [r[key] for r in rows if r[key] is not None] for key in SCORE_KEYS}


def candidate_results(store: Store, session_id: str) -> dict[str, Any]:
    """What a candidate may see of their own attempt: its turns, scores (with sources) and coach comments."""
    with store.session() as db:
        attempt = db.get(InterviewSession, session_id)
        if attempt is None:
            raise CoachError(NOT_FOUND)
        turns = attempt_turns(db, attempt.id)
        assignment = db.get(Assignment, attempt.assignment_id) if attempt.assignment_id is not None else None
        return {
            "attempt": _attempt_row(attempt, turns),
            "assignment": None if assignment is None else {"title": assignment.title, "due": _iso(assignment.due)},
            "turns": turns,
        }


def safe_cell(value: Any) -> str:
    """A CSV cell that spreadsheets will not run as a formula (a leading = + - @ tab or CR gets a quote)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def export_csv(store: Store, coach: CoachAccount, assignment_id: int) -> str:
    """The assignment's attempts as CSV, one row per attempt (interview or drill), safe to open in a spreadsheet.

    Per-question rows (scores, hints, skipped, late, coach comments) are a second file: `question_rows`.
    """
    with store.session() as db:
        is_drill = owned_assignment(db, coach, assignment_id).drill is not None
    rows = drill_attempts(store, coach, assignment_id) if is_drill else attempts(store, coach, assignment_id)
    columns = SUMMARY_COLUMNS if is_drill else CSV_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in columns])
    return out.getvalue()


def export_json(store: Store, coach: CoachAccount, assignment_id: int) -> str:
    """The assignment, its attempts and their transcripts as JSON (no share code, no secrets)."""
    with store.session() as db:
        assignment = owned_assignment(db, coach, assignment_id)
        sessions = attempt_sessions(db, assignment_id)
        exported = []
        for attempt in sessions:
            turns = attempt_turns(db, attempt.id)
            exported.append({**_attempt_row(attempt, turns), "turns": turns})
        document = {"assignment": _assignment_view(assignment, len(sessions)), "attempts": exported}
    document["drills"] = drill_exports(store, coach, assignment_id)
    return json.dumps(document, indent=2, ensure_ascii=False)


def export_overrides(store: Store, coach: CoachAccount) -> list[dict[str, Any]]:
    """The coach's score overrides as calibration entries; `grade` holds only the coach-given scores."""
    with store.session() as db:
        rows = db.execute(
            select(Review, Turn)
            .join(Turn, Review.turn_id == Turn.id)
            .join(InterviewSession, Turn.session_id == InterviewSession.id)
            .join(Assignment, InterviewSession.assignment_id == Assignment.id)
            .where(Assignment.coach_id == coach.id, Review.coach_id == coach.id)
            .order_by(Review.id)
        ).all()
    grouped: dict[int, dict[str, Any]] = {}
    for entry, turn in rows:
        item = grouped.setdefault(
            turn.id,
            {
                "id": f"coach-{turn.id}",
                "question_id": turn.question_id,
                "split": "coach",
                "kind": "coach_review",
                "answer": turn.answer,
                "grade": {},
                "note": "",
                "_notes": [],
            },
        )
        if entry.score is not None:
            item["grade"][entry.dimension or "overall"] = entry.score
        if entry.comment:
            item["_notes"].append(entry.comment)
    exported = []
    for item in grouped.values():
        notes = item.pop("_notes")
        if item["grade"]:
            item["note"] = " | ".join([f"reviewed by coach {coach.email}", *notes])
            exported.append(item)
    return exported
