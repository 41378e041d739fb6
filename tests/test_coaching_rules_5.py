"""Coaching rules at their edges, fifth batch: the coach add command's password prompts, follow-up messages, which
questions the per-question export marks skipped, and when an attempt finished."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.coaching import accounts, assignments, reports
from bot.coaching.custom_questions import check_question, clean_questions
from bot.coaching.question_rows import question_rows
from bot.errors import CoachError
from bot.storage.models import InterviewSession
from tests.storage import assignment_fields, take_attempt
from tests.test_coaching_rules import PASSWORD, question

pytestmark = pytest.mark.without_index  # the store alone: no guide index needed


def turn(qid, kind, number):
    """A turn view as `reports.attempt_turns` returns it, without critique or reviews."""
    return {
        "id": number,
        "seq": number,
        "question_id": qid,
        "kind": kind,
        "prompt": f"Question {qid}?",
        "answer": "",
        "late": False,
        "critique": None,
        "scores": {},
        "reviews": [],
    }


def test_coach_add_asks_for_the_password_then_asks_to_repeat_it(monkeypatch, capsys):
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or PASSWORD)
    assert accounts.coach_add_command("prompted@rules5.test", None) == 0
    assert prompts == ["Password for the new coach: ", "Repeat the password: "]


def test_a_follow_up_on_an_unknown_dimension_lists_the_dimensions_it_may_probe():
    _, errors = check_question(question(follow_ups="ethics: Would the law firm's clients consent?"))
    assert errors["follow_ups"] == (
        "Line 1: start with the dimension it probes: evaluation, failure modes, product judgment."
    )


def test_a_follow_up_problem_in_a_question_list_names_the_follow_ups_field():
    with pytest.raises(CoachError, match="^custom question 1: follow-ups: line 1: write a follow-up of 10 to 500"):
        clean_questions([question(follow_ups="evaluation: Why?")])


def test_the_question_export_marks_skipped_only_the_questions_the_candidate_skipped():
    attempt = InterviewSession(id="s-skips", candidate_name="Ada")
    rows = {row["question_id"]: row for row in question_rows(attempt, [turn("q1", "hint", 1), turn("q2", "skip", 2)])}
    assert rows["q1"]["skipped"] is False  # asked for a hint, then left unanswered: not skipped
    assert rows["q2"]["skipped"] is True


def test_an_attempts_row_says_when_it_finished_and_none_while_it_runs(store):
    coach = accounts.add_coach(store, "lead@rules5.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    ended, _ = take_attempt(store, assignment, name="Ada")
    take_attempt(store, assignment, name="Bo")
    with store.session() as db:
        db.execute(
            update(InterviewSession)
            .where(InterviewSession.id == ended)
            .values(finished=datetime(2099, 5, 17, 9, 30, tzinfo=UTC))
        )
    finished = {row["candidate_name"]: row["finished"] for row in reports.attempts(store, coach, assignment.id)}
    assert finished == {"Ada": "2099-05-17T09:30:00+00:00", "Bo": None}
