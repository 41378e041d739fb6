"""Coaching rules at their edges, fourth batch: removing a coach onto themselves, question imports at the upload
limit, an indented YAML comment, an empty file, the CSV header message, and turn ids a coach reviews by."""

import pytest

from bot.coaching import accounts, assignments, reports, reviews
from bot.coaching.account_commands import remove_coach
from bot.coaching.question_import import MAX_IMPORT_BYTES, import_questions
from bot.errors import CoachError
from bot.storage.models import public_attempt_id
from bot.web import render
from tests.storage import assignment_fields, take_attempt

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.without_index  # the store alone: no guide index needed

CSV_QUESTION = (
    "text,evaluation,failure_modes,product_judgment\n"
    "How would you evaluate a contract-clause summarizer before a pilot?,labelled sample,missed clause,human review\n"
)


@pytest.fixture
def coach(store):
    return accounts.add_coach(store, "lead@rules.test", PASSWORD)


def test_removing_a_coach_with_transfer_to_themselves_asks_for_another_coach(store, coach):
    with pytest.raises(CoachError, match="^--transfer-to names the coach being removed; name another coach$"):
        remove_coach(store, coach.email, transfer_to=coach.email)


def test_a_coach_reviews_the_very_turns_the_transcript_lists(store, coach):
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    session_id, turn_ids = take_attempt(store, assignment, scores=(2.0, 4.0))
    view = reports.transcript(store, coach, public_attempt_id(session_id))
    chosen = [turn_id for _, turn_id in render.turn_choices(view)]
    assert chosen == turn_ids
    reviews.review(store, coach, chosen[1], comment="Name the metric you would ship on.")
    view = reports.transcript(store, coach, public_attempt_id(session_id))
    assert [len(t["reviews"]) for t in view["turns"]] == [0, 1]


def test_an_import_of_exactly_the_upload_limit_is_read_and_one_byte_more_is_refused():
    at_limit = CSV_QUESTION + "\n" * (MAX_IMPORT_BYTES - len(CSV_QUESTION.encode("utf-8")))
    assert len(at_limit.encode("utf-8")) == MAX_IMPORT_BYTES
    [imported] = import_questions(at_limit, [])
    assert imported["text"] == "How would you evaluate a contract-clause summarizer before a pilot?"
    with pytest.raises(CoachError, match="more than 1,000 KB; import fewer questions"):
        import_questions(at_limit + "\n", [])


def test_an_empty_question_list_is_refused_saying_the_file_holds_no_questions():
    with pytest.raises(CoachError, match="^the file holds no questions$"):
        import_questions("[]\n", [])


def test_a_csv_header_without_a_text_column_lists_the_columns_to_use():
    with pytest.raises(CoachError) as refused:
        import_questions("question_text,evaluation\nWhat?,sample\n", [], is_csv=True)
    assert str(refused.value).endswith(
        "use: text, role, domain, difficulty, evaluation, failure_modes, product_judgment, communication, follow_ups"
    )
