"""Coaching rules at their edges: attempt counts per assignment, the dashboard stamp, reviews, question checks and
imports, the per-question export, candidate results and the coach commands."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.cli import main
from bot.coaching import accounts, assignments, reviews
from bot.coaching.activity import dashboard_stamp
from bot.coaching.attempts import attempts_used, start_attempt_record
from bot.coaching.custom_questions import MAX_POINTS, check_question
from bot.coaching.question_import import import_questions
from bot.coaching.question_rows import question_rows
from bot.coaching.reports import candidate_results
from bot.content.vocabulary import DIMENSIONS
from bot.errors import CoachError
from bot.storage.models import InterviewSession, utc_now
from tests.storage import CUSTOM_QUESTION, assignment_fields, take_attempt

PASSWORD = "correct horse battery"
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
pytestmark = pytest.mark.without_index  # the store alone: no guide index needed


@pytest.fixture
def coach(store):
    return accounts.add_coach(store, "lead@rules.test", PASSWORD)


def question(**overrides):
    """A valid raw custom question, with overrides."""
    return {**CUSTOM_QUESTION, **overrides}


# ------------------------------------------------------------------ attempts


def test_attempts_are_counted_per_assignment_and_an_email_links_browsers_only_within_it(store, coach):
    first = assignments.create_assignment(store, coach, **assignment_fields(title="First", max_attempts=1))
    second = assignments.create_assignment(store, coach, **assignment_fields(title="Second", max_attempts=1))
    start_attempt_record(store, first, "Ada", "ada@example.org", "s-first", "key-laptop")
    assert attempts_used(store, first, "key-laptop", None) == 1
    assert attempts_used(store, second, "key-laptop", None) == 0  # the first assignment's attempt is not this one's
    start_attempt_record(store, second, "Ada", None, "s-second", "key-laptop")
    # a phone giving the email the laptop gave on the first assignment only: on the second, a stranger
    assert attempts_used(store, second, "key-phone", "ada@example.org") == 0
    assert attempts_used(store, first, "key-phone", "ada@example.org") == 1


def test_a_closed_assignment_refuses_an_attempt_saying_when_it_closed(store, coach):
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    assignment.due = datetime(2024, 3, 5, 17, 0, tzinfo=UTC)
    with pytest.raises(CoachError, match="^this assignment closed on 05 March 2024 at 17:00 UTC$"):
        start_attempt_record(store, assignment, "Ada", None, "s-late")


def test_an_assignment_plan_closes_the_interview_at_the_due_date(store, coach):
    due = datetime(2099, 5, 17, 9, 30, tzinfo=UTC)
    assignment = assignments.create_assignment(store, coach, **assignment_fields(due=due))
    assert assignments.interview_plan(assignment).closes_at == due.timestamp()


def test_time_limits_and_drill_titles_are_checked_at_their_exact_bounds(store, coach):
    assert assignments.create_assignment(store, coach, **assignment_fields(time_limit_s=60)).time_limit_s == 60
    with pytest.raises(CoachError, match="time limit from 60"):
        assignments.create_assignment(store, coach, **assignment_fields(time_limit_s=59))
    due = utc_now() + timedelta(days=3)
    drill = assignments.create_drill_assignment(store, coach, "x" * 120, "case", "feature", None, 7, 2, due)
    assert drill.title == "x" * 120
    with pytest.raises(CoachError, match="title of 1 to 120 characters"):
        assignments.create_drill_assignment(store, coach, "x" * 121, "case", "feature", None, 7, 2, due)


# ------------------------------------------------------------------ the dashboard stamp


def test_the_dashboard_stamp_changes_with_the_coachs_own_assignments_and_reviews_only(store, coach):
    other = accounts.add_coach(store, "other@rules.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    _, [turn, _] = take_attempt(store, assignment)
    before = dashboard_stamp(store, coach, None)
    assignments.create_assignment(store, other, **assignment_fields())
    assert dashboard_stamp(store, coach, None) == before  # another coach's work leaves this page as it is
    assignments.create_assignment(store, coach, **assignment_fields())
    assert dashboard_stamp(store, coach, None) != before

    picked = dashboard_stamp(store, coach, assignment.id)
    reviews.review(store, coach, turn, comment="Name the guardrail metric")
    assert dashboard_stamp(store, coach, assignment.id) != picked


# ------------------------------------------------------------------ reviews


def test_an_override_on_an_ended_attempt_rewrites_its_overall_and_dimension_averages(store, coach):
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    session_id, [turn, _] = take_attempt(store, assignment, scores=(3.0, 3.0))
    with store.session() as db:
        db.execute(update(InterviewSession).where(InterviewSession.id == session_id).values(finished=utc_now()))
    reviews.review(store, coach, turn, "overall", 5)
    with store.session() as db:
        attempt = db.get(InterviewSession, session_id)
        overall, summary = attempt.overall, attempt.summary
    assert overall == 4.0  # the mean of the overridden 5 and the untouched 3
    assert summary["overall"] == 4.0
    assert set(summary["averages"]) == set(DIMENSIONS)  # History charts dimensions; the overall is not one


def test_review_marks_say_when_the_latest_review_was_to_the_second(store, coach):
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    session_id, [turn, _] = take_attempt(store, assignment)
    reviews.review(store, coach, turn, comment="Good metric choice")
    reviews.review(store, coach, turn, "evaluation", 4)
    mark = reviews.review_marks(store, [session_id])[session_id]
    assert (mark["comments"], mark["scores"]) == (1, 1)
    assert ISO_SECONDS.match(mark["latest"])
    assert abs(datetime.fromisoformat(mark["latest"]) - utc_now()) < timedelta(minutes=5)


# ------------------------------------------------------------------ candidate results


def test_candidate_results_name_the_assignment_its_due_date_and_when_each_review_was_made(store, coach):
    due = datetime(2099, 5, 17, 9, 30, tzinfo=UTC)
    assignment = assignments.create_assignment(store, coach, **assignment_fields(title="Week 9", due=due))
    session_id, [turn, _] = take_attempt(store, assignment)
    reviews.review(store, coach, turn, comment="Tighten the rollout plan")
    results = candidate_results(store, session_id)
    assert results["assignment"] == {"title": "Week 9", "due": "2099-05-17T09:30:00+00:00"}
    [entry] = results["turns"][0]["reviews"]
    assert ISO_SECONDS.match(entry["created"])


# ------------------------------------------------------------------ custom questions and imports


def test_question_checks_ignore_spacing_and_case_when_spotting_repeats():
    _, errors = check_question(
        question(text="  HOW would you evaluate a   contract-clause\tsummarizer before a law firm pilot?"),
        [CUSTOM_QUESTION],
    )
    assert errors["text"] == "This question is already in the list."
    points = {**CUSTOM_QUESTION["key_points"], "evaluation": ["lawyer-labelled sample", "Lawyer-labelled   sample"]}
    _, errors = check_question(question(key_points=points))
    assert errors["evaluation"] == "Key point 2 repeats an earlier one."


def test_difficulty_zero_means_the_assignments_and_one_is_kept():
    assert check_question(question(difficulty=0)) == (check_question(question(difficulty=None))[0], {})
    cleaned, errors = check_question(question(difficulty=1))
    assert errors == {} and cleaned["difficulty"] == 1


def test_a_dimension_takes_up_to_eight_key_points():
    eight = [f"distinct point number {n}" for n in range(MAX_POINTS)]
    cleaned, errors = check_question(question(key_points={**CUSTOM_QUESTION["key_points"], "evaluation": eight}))
    assert errors == {} and cleaned["key_points"]["evaluation"] == eight
    nine = [*eight, "one point too many"]
    _, errors = check_question(question(key_points={**CUSTOM_QUESTION["key_points"], "evaluation": nine}))
    assert errors["evaluation"] == "Keep to 8 key points (there are 9)."


def test_a_follow_up_may_itself_contain_a_colon():
    cleaned, errors = check_question(question(follow_ups="evaluation: Which metric: precision or recall?"))
    assert errors == {}
    assert cleaned["follow_ups"] == [{"dimension": "evaluation", "text": "Which metric: precision or recall?"}]


@pytest.mark.parametrize("indent", ["", "  "])  # a comment indented or not
def test_a_yaml_file_opening_with_a_comment_that_names_columns_is_read_as_yaml(indent):
    text = (
        f"{indent}# Fields: role, text, key_points (see the guide)\n"
        "- text: How would you evaluate a contract-clause summarizer before a pilot?\n"
        "  key_points:\n"
        "    evaluation: [lawyer-labelled sample]\n"
        "    failure_modes: [missed indemnity clause]\n"
        "    product_judgment: [human review before sending]\n"
    )
    [imported] = import_questions(text, [])
    assert imported["text"] == "How would you evaluate a contract-clause summarizer before a pilot?"


def test_a_semicolon_separated_csv_imports_like_a_comma_separated_one():
    text = (
        "text;evaluation;failure_modes;product_judgment\n"
        "How would you evaluate a contract-clause summarizer, before a pilot?;labelled sample;missed clause;"
        "human review\n"
    )
    [imported] = import_questions(text, [])
    assert imported["text"] == "How would you evaluate a contract-clause summarizer, before a pilot?"
    assert imported["key_points"]["failure_modes"] == ["missed clause"]


# ------------------------------------------------------------------ the per-question export


def test_question_rows_keep_a_skipped_questions_text_and_count_each_hint_once():
    attempt = InterviewSession(
        id="s-rows",
        candidate_name="Ada",
        archive={"results": [{"question_id": "q9", "question": "Archived question?", "skipped": True, "hints": 0}]},
    )
    hint = {"question_id": "q1", "kind": "hint", "prompt": "Live question?", "late": False, "reviews": []}
    hint |= {"id": 1, "seq": 1, "answer": "", "critique": None, "scores": {}}
    rows = {row["question_id"]: row for row in question_rows(attempt, [hint])}
    assert rows["q9"]["question"] == "Archived question?" and rows["q9"]["skipped"] is True
    assert rows["q1"]["hints"] == 1 and rows["q1"]["question"] == "Live question?"


# ------------------------------------------------------------------ sign-in and coach commands


def test_a_failed_sign_in_is_logged_with_whether_a_trusted_device_was_used(store, coach, caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(CoachError):
        accounts.sign_in(store, coach.email, "guess guess guess", "198.51.100.7")
    [warning] = [r.getMessage() for r in caplog.records if "coach sign-in failed" in r.getMessage()]
    assert warning.endswith(", no trusted device")


def test_coach_add_creates_an_account_and_remove_help_explains_transfer_to(store, capsys):
    assert main(["coach", "add", "cli@rules.test", "--password", PASSWORD]) == 0
    assert accounts.sign_in(store, "cli@rules.test", PASSWORD, "203.0.113.9").email == "cli@rules.test"
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["coach", "remove", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--transfer-to OTHER_EMAIL move the coach's assignments, with every candidate attempt" in shown
