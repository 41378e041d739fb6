"""Drill attempts as stored rows read back: the outcome they hold, and a one-line summary for lists and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.drills.model import DrillOutcome, PartGrade, RoundResult
from bot.storage.models import DrillAttempt, as_utc

SUMMARY_COLUMNS = (
    "drill_id",
    "candidate_name",
    "candidate_email",
    "kind",
    "title",
    "role",
    "domain",
    "seed",
    "difficulty",
    "started",
    "finished",
    "score",
    "detail",
)
KIND_LABELS = {"case": "launch-decision case", "rate": "be the rater"}


def iso(moment: datetime | None) -> str | None:
    """An ISO-8601 UTC timestamp, or None."""
    return None if moment is None else as_utc(moment).isoformat(timespec="seconds")


def outcome_of(attempt: DrillAttempt, notices: list[str] | None = None) -> DrillOutcome | None:
    """The graded outcome stored on an attempt (None before anything was graded)."""
    result = attempt.result
    if not result:
        return None
    return DrillOutcome(
        drill_id=attempt.id,
        kind=attempt.kind,
        complete=True,
        done=attempt.finished is not None,
        answers=dict(attempt.answers or {}),
        grades=[PartGrade.model_validate(g) for g in result.get("grades", [])],
        score=attempt.score,
        rounds=[RoundResult.model_validate(r) for r in result.get("rounds", [])],
        notices=list(notices or []),
    )


def detail(attempt: DrillAttempt) -> str:
    """What the result says in a few words: points and the call for a case, kappa by round for rating."""
    result = attempt.result or {}
    if attempt.kind == "rate":
        kappas = [f"{r['kappa']:.2f}" for r in result.get("rounds", [])]
        if not kappas:
            return "not labelled yet"
        return "kappa " + " → ".join(kappas) + ("" if attempt.finished else " (round 2 to go)")
    grades = result.get("grades", [])
    if not grades:
        return "not graded yet"
    right = sum(1 for g in grades if g["correct"])
    call = next((g for g in grades if g["part"] == "decision"), None)
    verdict = "" if call is None else f"; call {'right' if call['correct'] else 'wrong'} ({call['given']})"
    return f"{right}/{len(grades)} parts right{verdict}"


def summary(attempt: DrillAttempt) -> dict[str, Any]:
    """One attempt as a row for History, the coach's dashboard and the CSV export."""
    return {
        "drill_id": attempt.id,
        "candidate_name": attempt.candidate_name,
        "candidate_email": attempt.candidate_email,
        "kind": attempt.kind,
        "title": attempt.title,
        "role": attempt.role,
        "domain": attempt.domain,
        "seed": attempt.seed,
        "difficulty": attempt.difficulty,
        "started": iso(attempt.started),
        "finished": iso(attempt.finished),
        "score": None if attempt.score is None else round(attempt.score, 4),
        "detail": detail(attempt),
    }
