"""One attempt, one set of numbers: candidate summary, History, dashboard, CSV, JSON and "My results" agree."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from bot.coaching import accounts, assignments, reports, reviews
from bot.coaching.attempts import start_attempt
from bot.content.vocabulary import DIMENSIONS
from bot.interview.service import InterviewService

STRONG = (
    "I would build an eval set of 400 real support tickets sampled across intents, over-sampling refunds and "
    "legal threats, and have two agents grade drafts against a written rubric, checking their agreement first. "
    "The worst failure is a confident wrong refund promise, so drafts on money or legal topics go to a human, we "
    "watch edit rates per intent and can switch the feature off per queue. I would launch to 5% of traffic."
)
FOLLOW_UP = "I would compare edit rates and CSAT on a holdout of 5% of queues for two weeks before widening."


def everywhere(service: InterviewService, coach, assignment_id: int, session_id: str) -> dict[str, object]:
    """The attempt's overall as each place shows it."""
    (row,) = reports.attempts(service.store, coach, assignment_id)
    (csv_row,) = csv.DictReader(io.StringIO(reports.export_csv(service.store, coach, assignment_id)))
    (json_row,) = json.loads(reports.export_json(service.store, coach, assignment_id))["attempts"]
    history = next(h for h in service.history(service.view(session_id).candidate) if h["session_id"] == session_id)
    mine = reports.candidate_results(service.store, session_id)["attempt"]
    return {
        "dashboard": row["overall"],
        "csv": float(csv_row["overall"]),
        "json": json_row["overall"],
        "history": history["overall"],
        "my results": mine["overall"],
    }


def test_every_place_shows_the_same_scores_before_and_after_a_coach_override() -> None:
    service = InterviewService()
    coach = accounts.add_coach(service.store, "lead@scores.test", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=3)
    assignment = assignments.create_assignment(service.store, coach, "Scores", "feature", None, [], 2, 2, None, due)
    result = start_attempt(service, assignment.code, "Ada", None, "key-ada")
    session_id = result.session_id
    service.submit(session_id, "hint")  # a hint costs points on the first question
    result = service.submit(session_id, STRONG)
    turns = 0
    while not result.done:  # the first question's follow-ups, the second question, then the end
        turns += 1  # (each text differs: the same text again within seconds is taken as a double submit)
        result = service.submit(session_id, f"{FOLLOW_UP} ({turns})" if result.question_number <= 2 else "end")
        assert turns < 12
    summary = service.view(session_id).summary
    assert summary is not None and summary.overall is not None

    shown = everywhere(service, coach, assignment.id, session_id)
    assert set(shown.values()) == {summary.overall}, shown
    (row,) = reports.attempts(service.store, coach, assignment.id)
    assert row["answers"] == summary.answered <= 2  # questions, not turns
    for dimension in DIMENSIONS:
        assert row[dimension] == summary.averages[dimension]
    assert str(summary.overall) in summary.text  # the summary's text uses the same one-decimal figure

    first = service.store.turns(session_id)
    answer = next(t for t in first if t.kind == "answer")
    reviews.review(service.store, coach, answer.id, dimension="product_judgment", score=5, comment="Strong launch plan")
    after = everywhere(service, coach, assignment.id, session_id)
    assert len(set(after.values())) == 1, after
    assert next(iter(after.values())) > summary.overall  # the override reaches every overall
    (row,) = reports.attempts(service.store, coach, assignment.id)
    overridden = next(q for q in row["questions"] if q["question_id"] == answer.question_id)
    assert overridden["scores"]["product_judgment"] == 5.0 and overridden["overridden"] == ["product_judgment"]

    reviews.review(service.store, coach, answer.id, score=2)  # an override of the question's overall wins outright
    (row,) = reports.attempts(service.store, coach, assignment.id)
    assert next(q for q in row["questions"] if q["question_id"] == answer.question_id)["overall"] == 2.0
    assert len(set(everywhere(service, coach, assignment.id, session_id).values())) == 1
