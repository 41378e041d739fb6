"""More coaching rules at their edges: drill attempt limits per browser, unknown key point dimensions, and an empty
import."""

from datetime import timedelta

import pytest

from bot.coaching import accounts, assignments
from bot.coaching.attempts import start_drill_attempt
from bot.coaching.custom_questions import check_question
from bot.coaching.question_import import import_questions
from bot.content.vocabulary import DIMENSIONS
from bot.drills.service import DrillService
from bot.errors import CoachError
from bot.storage.models import utc_now
from tests.storage import CUSTOM_QUESTION

pytestmark = pytest.mark.without_index  # the store alone: no guide index needed


def no_rationale_grade(*_args, **_kwargs):
    return None


def test_a_drill_started_again_in_the_same_browser_without_an_email_counts_against_the_limit(store):
    coach = accounts.add_coach(store, "lead@rules2.test", "correct horse battery")
    drills = DrillService(store=store, grade_rationale=no_rationale_grade)
    due = utc_now() + timedelta(days=7)
    assignment = assignments.create_drill_assignment(
        store, coach, "One go", "case", "feature", None, 77, 2, due, max_attempts=1
    )
    start_drill_attempt(drills, assignment.code, "Ada", None, "key-laptop")
    with pytest.raises(CoachError, match="can be taken once and you have used every attempt"):
        start_drill_attempt(drills, assignment.code, "Ada", None, "key-laptop")


def test_key_points_under_an_unknown_dimension_are_named_with_the_dimensions_to_use():
    points = {**CUSTOM_QUESTION["key_points"], "ethics": ["consent from clients"]}
    _, errors = check_question({**CUSTOM_QUESTION, "key_points": points})
    assert errors["evaluation"] == f"Unknown key point dimensions ['ethics']; use {', '.join(DIMENSIONS)}."


def test_an_empty_import_asks_for_a_file_or_pasted_questions():
    with pytest.raises(CoachError, match="^choose a file or paste questions to import$"):
        import_questions(" \n\t\n", [])
