"""Still more interview rules: the first hint's angles, try again's record of the attempt before, the summary's
biggest gaps, a full PostgreSQL disk named as such, and a finished session's token counts."""

from __future__ import annotations

import re

import pytest

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS, label
from bot.interview.hints import HINTS_FILE, _rarity, angle, hint_dimensions, hint_text, load_hints
from bot.interview.retry import AttemptComparison
from bot.interview.service import InterviewService
from bot.interview.state import InterviewState, QuestionResult
from bot.interview.summary import summarize
from bot.storage.faults import DISK_FULL, storage_fault
from tests.storage import fresh_store
from tests.test_try_again import weak_then_retry
from tests.test_ui import ANSWER


class PostgresError(Exception):
    """What psycopg raises: its message in the server's words, the condition in `sqlstate`."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_the_first_hint_on_a_question_steers_by_the_first_key_points_of_its_dimension() -> None:
    settings = get_settings()
    bank = load_bank(settings.questions_dir)
    book = load_hints(settings.knowledge_dir / HINTS_FILE)
    question = bank.by_id["fea-001"]
    dimension = hint_dimensions(question)[0]
    points = question.key_points[dimension]
    assert len(points) > 2  # a later round could draw on others
    expected = [a for a in (angle(p, question.text, _rarity(bank), book.words) for p in points[:2]) if a]
    assert expected
    assert re.findall(r"\*([^*]+)\*", hint_text(book, bank, question, 1)) == list(dict.fromkeys(expected))


def test_a_try_again_records_the_scores_of_the_attempt_it_is_compared_with() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    before = service.view(sid).results[-1]
    assert before.scores
    service.submit(sid, ANSWER)
    comparison = AttemptComparison.model_validate(service.store.turns(sid)[-1].critique["attempt"])
    assert comparison.previous_scores == before.scores


def test_the_summary_names_both_biggest_gaps_with_at_most_two_examples_each() -> None:
    settings = get_settings()
    rubric = load_rubric(settings.rubric_path)
    title = rubric.dimensions["evaluation"].title
    scores = {d: 4.0 for d in DIMENSIONS} | {"evaluation": 1.0, "failure_modes": 2.0}
    results = [
        QuestionResult(
            question_id=f"q{n}",
            question="?",
            scores=scores,
            overall=2.5,
            gaps=[f"{title}: gap {n}a", f"{title}: gap {n}b"],
        )
        for n in range(2)
    ]
    summary = summarize(InterviewState(results=results), rubric, settings.guides_dir, {})
    [evaluation, failure_modes] = summary.gaps
    assert evaluation.dimension == "evaluation" and failure_modes.dimension == "failure_modes"
    assert evaluation.examples == [f"{title}: gap 0a", f"{title}: gap 0b"]
    expected = f"Biggest gaps: {label('evaluation').lower()} (1.0); {label('failure_modes').lower()} (2.0)"
    assert expected in summary.text.splitlines()


def test_a_full_postgresql_disk_is_named_as_a_full_disk() -> None:
    error = PostgresError('could not extend file "base/16384/2619": wrote only 4096 of 8192 bytes', "53100")
    assert storage_fault(error) == DISK_FULL
    assert storage_fault(PostgresError("deadlock detected", "40P01")) is None


def test_a_finished_session_keeps_its_input_and_output_tokens_and_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    store = fresh_store("sqlite", monkeypatch)
    store.create_session(id="s1", candidate="ada", role="feature", domain=None, background="pm", questions=1)
    store.finish("s1", {"overall": 3.0}, {"input_tokens": 120, "output_tokens": 45, "cost_usd": 0.25})
    row = store.get_session("s1")
    assert row is not None and row.finished is not None
    assert (row.tokens_in, row.tokens_out, row.cost_usd) == (120, 45, 0.25)
