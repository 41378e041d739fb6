"""Coach limits on an assignment: attempts per candidate, and feedback held back until an attempt ends."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.coaching import accounts, assignments
from bot.coaching.attempts import attempts_used, start_attempt, start_drill_attempt
from bot.drills.service import DrillService
from bot.errors import CoachError
from bot.interview.service import HELD_BACK, InterviewService, shown_critique
from bot.web.api import InterviewApi
from bot.web.render import critique_card
from tests.storage import BACKENDS, fresh_store

GENERIC = (
    "I would talk to users and define success metrics, then launch a beta. I would look at engagement and "
    "satisfaction, and iterate quickly based on feedback from customers and the team."
)
DUE = datetime.now(UTC) + timedelta(days=7)
COACHES = itertools.count()


def quiet_grader(*_args: object, **_kwargs: object) -> None:
    return None


@pytest.fixture
def coach_app() -> InterviewService:
    return InterviewService()


def interview(service: InterviewService, **limits: object) -> assignments.Assignment:
    coach = accounts.add_coach(service.store, f"lead-{next(COACHES)}@limits.test", "a long enough password")
    return assignments.create_assignment(
        service.store, coach, "Limited", "feature", None, [], 2, 2, None, DUE, None, **limits
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, 21, -1, True, 2.5, "3"])
def test_an_attempt_limit_outside_1_to_20_is_refused(coach_app: InterviewService, bad: object) -> None:
    with pytest.raises(CoachError, match="allow 1 to 20 attempts"):
        interview(coach_app, max_attempts=bad)


def test_a_candidate_gets_the_attempts_the_coach_allows_and_no_more(coach_app: InterviewService) -> None:
    assignment = interview(coach_app, max_attempts=2)
    assert assignment.max_attempts == 2
    start_attempt(coach_app, assignment.code, "Ada", None, "key-ada")
    start_attempt(coach_app, assignment.code, "Ada", "ada@example.org", "key-ada")
    with pytest.raises(CoachError, match="can be taken 2 times and you have used every attempt"):
        start_attempt(coach_app, assignment.code, "Ada", None, "key-ada")
    # a new browser with the same email is the same candidate; a new browser and no email is someone new
    with pytest.raises(CoachError, match="used every attempt"):
        start_attempt(coach_app, assignment.code, "Ada", "ADA@example.org", "another-browser")
    start_attempt(coach_app, assignment.code, "Bo", None, "key-bo")
    assert attempts_used(coach_app.store, assignment, "key-ada", None) == 2
    assert attempts_used(coach_app.store, assignment, "key-bo", None) == 1
    unlimited = interview(coach_app)
    for _ in range(3):
        start_attempt(coach_app, unlimited.code, "Ada", None, "key-ada")


def test_simultaneous_starts_cannot_exceed_the_limit(coach_app: InterviewService) -> None:
    assignment = interview(coach_app, max_attempts=1)
    outcomes: list[str] = []

    def start() -> None:
        try:
            start_attempt(coach_app, assignment.code, "Ada", None, "key-ada")
            outcomes.append("started")
        except CoachError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("started") == 1 and len(outcomes) == 6
    assert attempts_used(coach_app.store, assignment, "key-ada", None) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_drill_assignment_limits_attempts_too(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = fresh_store(backend, monkeypatch)
    drills = DrillService(store=store, grade_rationale=quiet_grader)
    coach = accounts.add_coach(store, "lead@drill-limits.test", "a long enough password")
    assignment = assignments.create_drill_assignment(
        store, coach, "One go", "case", "feature", None, 77, 2, DUE, max_attempts=1
    )
    start_drill_attempt(drills, assignment.code, "Ada", "ada@example.org", "key-ada")
    with pytest.raises(CoachError, match="can be taken once"):
        start_drill_attempt(drills, assignment.code, "Ada", "ada@example.org", "key-ada-phone")
    start_drill_attempt(drills, assignment.code, "Bo", None, "key-bo")


def test_held_back_feedback_shows_scores_now_and_gaps_at_the_end(coach_app: InterviewService) -> None:
    held = interview(coach_app, feedback_after_end=True)
    open_one = interview(coach_app, max_attempts=5)
    api = InterviewApi(coach_app)
    shown = start_attempt(coach_app, open_one.code, "Bo", None, "key-bo")
    plain = coach_app.submit(shown.session_id, GENERIC).critique
    assert plain is not None and plain.gaps and plain.stronger_answer and HELD_BACK not in plain.notices

    first = start_attempt(coach_app, held.code, "Ada", None, "key-ada")
    through_api = api.submit_answer(first.session_id, GENERIC)
    critique = through_api["critique"]
    assert critique["overall"] is not None and critique["dimensions"]  # the scores still show
    assert critique["gaps"] == [] and critique["stronger_answer"] == [] and HELD_BACK in critique["notices"]
    assert critique["held_back"] is True
    stored = coach_app.store.turns(first.session_id)[0].critique
    assert stored is not None and stored["gaps"] and stored["stronger_answer"]  # the coach sees everything
    reopened = shown_critique(coach_app.view(first.session_id))  # what a resumed page shows
    assert reopened is not None and reopened.gaps == [] and HELD_BACK in reopened.notices
    assert "Gaps" not in critique_card(reopened) and HELD_BACK in critique_card(reopened)
    ended = coach_app.end(first.session_id)
    assert ended.done and ended.summary is not None and ended.summary.gaps
    assert coach_app.view(first.session_id).results[0].gaps  # the end-of-interview report carries them
