"""The per-question export: one CSV row per question per attempt, beside the per-attempt CSV.

Scores come from `attempt_scores.question_scores` (the one score definition, rounded as everywhere else), so a
question's row agrees with the dashboard, the candidate's summary and the per-attempt CSV. Candidates appear by
the name they gave, never by their candidate key; every cell goes through `safe_cell`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.coaching.attempt_scores import question_scores
from bot.coaching.attempts import owned_assignment
from bot.coaching.reports import attempt_sessions, attempt_turns, safe_cell
from bot.content.vocabulary import DIMENSIONS
from bot.storage.models import CoachAccount, InterviewSession, public_attempt_id
from bot.storage.store import Store

QUESTION_CSV_COLUMNS = (
    "attempt_id", "candidate_name", "question_number", "question_id", "question", *DIMENSIONS, "overall", "hints",
    "skipped", "late", "coach_comment",
)  # fmt: skip
COMMENT_SEPARATOR = " | "


def _archived(attempt: InterviewSession) -> dict[str, dict[str, Any]]:
    """An ended interview's own per-question results (skipped ones too), by question id."""
    results = (attempt.archive or {}).get("results") or []
    return {r["question_id"]: r for r in results if r.get("question_id")}


def question_rows(attempt: InterviewSession, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per question the attempt reached (answered, skipped or hinted), in the order they were asked."""
    scored = {q["question_id"]: q for q in question_scores(attempt, turns)}
    archived = _archived(attempt)
    order = list(dict.fromkeys([*(t["question_id"] for t in turns if t["question_id"]), *archived]))
    rows = []
    for number, qid in enumerate(order, 1):
        own = [t for t in turns if t["question_id"] == qid]
        first = next((t for t in own if t["kind"] in ("answer", "skip")), own[0] if own else None)
        result, kept = scored.get(qid), archived.get(qid, {})
        text = (result or kept or {}).get("question") or (first["prompt"] if first else "")
        comments = [r["comment"] for t in own for r in t["reviews"] if r["comment"]]
        scores = result["scores"] if result else {}
        rows.append(
            {
                "attempt_id": public_attempt_id(attempt.id),
                "candidate_name": attempt.candidate_name,
                "question_number": number,
                "question_id": qid,
                "question": text,
                **{d: scores.get(d) for d in DIMENSIONS},
                "overall": result["overall"] if result else None,
                "hints": result["hints"] if result else sum(1 for t in own if t["kind"] == "hint"),
                "skipped": bool(kept.get("skipped")) or (result is None and any(t["kind"] == "skip" for t in own)),
                "late": any(t["late"] for t in own),
                "coach_comment": COMMENT_SEPARATOR.join(comments),
            }
        )
    return rows


def export_question_csv(store: Store, coach: CoachAccount, assignment_id: int) -> str:
    """The coach's interview assignment as CSV, one row per question per attempt, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(QUESTION_CSV_COLUMNS)
    with store.session() as db:
        owned_assignment(db, coach, assignment_id)
        for attempt in attempt_sessions(db, assignment_id):
            for row in question_rows(attempt, attempt_turns(db, attempt.id)):
                writer.writerow([safe_cell(_cell(row[column])) for column in QUESTION_CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Yes/no for flags (a spreadsheet filters them as words), anything else as it is."""
    return ("yes" if value else "no") if isinstance(value, bool) else value
