"""An assignment from the coach's side to the candidate's and back: custom questions, focus, attempts, reviews."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.coaching import accounts, assignments, reviews
from bot.coaching import reports as coach_reports
from bot.coaching.attempts import start_attempt
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.storage.models import Assignment, InterviewSession

CUSTOM = {
    "text": "Our clinic wants an AI that drafts replies to patient portal messages. How would you roll it out safely?",
    "key_points": {
        "evaluation": ["Grade drafts from real portal messages with clinician raters against a rubric."],
        "failure_modes": [
            "A plausible but clinically wrong reply is the worst failure; a clinician approves every draft."
        ],
        "product_judgment": ["Start with low-risk message types such as scheduling before clinical questions."],
    },
}
ANSWER = (
    "I'd build an eval set of 400 real portal messages sampled across message types, over-sampling clinical ones, "
    "and have two nurses grade drafts against a rubric for accuracy, safety and tone, checking they agree first. "
    "The worst failure is a confident but clinically wrong reply, so every draft needs clinician approval, urgent "
    "symptoms are routed to a human with no draft at all, and we monitor edit rates and can switch it off per clinic. "
    "I'd start with scheduling and refill messages, then expand to clinical questions once edit rates fall."
)


@pytest.fixture
def setup():
    coach_app = InterviewService()
    store = coach_app.store
    owner = accounts.add_coach(store, "lead@example.com", "a long enough password")
    other = accounts.add_coach(store, "other@example.com", "another long password")
    assignment = assignments.create_assignment(
        store, owner, "Week 3: patient messaging", "vertical", "healthcare", ["domain-regulation"], 2, 2, 300,
        datetime.now(UTC) + timedelta(days=7), [CUSTOM],
    )  # fmt: skip
    return coach_app, owner, other, assignment


def test_candidate_attempt_follows_the_assignment(setup):
    coach_app, owner, other, assignment = setup
    with pytest.raises(CoachError, match="name"):
        start_attempt(coach_app, assignment.code, "  ")
    first = start_attempt(coach_app, assignment.code, "Ada <b>L</b>", "ada@x.org")
    assert first.prompt == CUSTOM["text"] and first.total == 2 and first.time_limit_s == 300
    view = coach_app.view(first.session_id)
    assert view.role == "vertical" and view.domain == "healthcare"
    result = coach_app.submit(first.session_id, ANSWER)
    # a short (90-word) answer that makes each custom key point: well above a generic one, short of strong
    assert result.critique.question_id == view.asked[0] and result.critique.overall >= 2.5
    while not result.done:
        result = coach_app.submit(result.session_id, ANSWER + f" ({len(result.messages)})")
    second_question = coach_app.bank.by_id[coach_app.view(first.session_id).asked[1]]
    assert second_question.domain == "healthcare"

    rows = coach_reports.attempts(coach_app.store, owner, assignment.id)
    assert len(rows) == 1 and rows[0]["candidate_name"] == "Ada <b>L</b>" and rows[0]["overall"]
    with pytest.raises(CoachError, match="not found"):
        coach_reports.attempts(coach_app.store, other, assignment.id)

    turn = coach_app.store.turns(first.session_id)[0]
    reviews.review(coach_app.store, owner, turn.id, dimension="evaluation", score=5, comment="Great sampling plan")
    own = coach_reports.candidate_results(coach_app.store, first.session_id)
    assert "Great sampling plan" in str(own) and "coach lead@example.com" in str(own)


def test_expired_and_unknown_codes_are_refused(setup):
    coach_app, owner, _, _ = setup
    with pytest.raises(CoachError, match="not valid"):
        start_attempt(coach_app, "nope", "Bo")
    closing = assignments.create_assignment(
        coach_app.store, owner, "Old", "feature", None, [], 1, 1, None, datetime.now(UTC) + timedelta(days=1)
    )
    with coach_app.store.session() as db:  # the due date passes: move it rather than wait for it
        db.execute(
            update(Assignment).where(Assignment.id == closing.id).values(due=datetime(2025, 1, 2, 9, 30, tzinfo=UTC))
        )
    with pytest.raises(CoachError, match="^this assignment closed on 02 January 2025 at 09:30 UTC$"):
        start_attempt(coach_app, closing.code, "Bo")
    with coach_app.store.session() as db:
        attempts = db.scalar(
            select(func.count()).select_from(InterviewSession).where(InterviewSession.assignment_id == closing.id)
        )
    assert attempts == 0
