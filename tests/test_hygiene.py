"""What reaches storage and logs: no control characters, no SQL parameters in errors, no lookups for malformed ids."""

import pytest
from sqlalchemy import text

from bot.config import get_settings
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.text import strip_controls
from tests.storage import BACKENDS, fresh_store

ANSWER = "I would build a golden set\x00 of 300 real tickets\x07 by intent and watch the edit rate\x1b weekly."


@pytest.mark.parametrize("backend", BACKENDS)
def test_control_characters_are_dropped_before_storage_on_every_backend(backend, monkeypatch):
    store = fresh_store(backend, monkeypatch)
    service = InterviewService(get_settings())
    start = service.start("feature", questions=2)
    result = service.submit(start.session_id, ANSWER)
    assert result.critique is not None  # the answer was taken, not refused (PostgreSQL rejects NUL in text)
    stored = [t.answer for t in store.turns(start.session_id) if t.kind == "answer"]
    assert stored == ["I would build a golden set of 300 real tickets by intent and watch the edit rate weekly."]
    turn = store.add_turn(start.session_id, "answer", "Line one\x00\nline two\ttabbed", "kept\r\nas typed\x7f", None)
    row = next(t for t in store.turns(start.session_id) if t.id == turn)
    assert (row.prompt, row.answer) == ("Line one\nline two\ttabbed", "kept\r\nas typed")  # tab, newline, CR stay


@pytest.mark.parametrize("backend", BACKENDS)
def test_database_errors_do_not_carry_the_parameters(backend, monkeypatch):
    store = fresh_store(backend, monkeypatch)
    with pytest.raises(Exception) as raised, store.session() as db:
        db.execute(text("INSERT INTO no_such_table (answer) VALUES (:answer)"), {"answer": "MY PRIVATE ANSWER"})
    assert "MY PRIVATE ANSWER" not in str(raised.value) and "hidden" in str(raised.value)


def test_malformed_session_ids_are_refused_before_any_lookup():
    service = InterviewService()
    for bad in ("x" * 100_000, "../../etc/passwd", "", "short", "has space in it 123456", 42):
        with pytest.raises(CoachError, match="no interview with that id"):
            service.submit(bad, "an answer")  # type: ignore[arg-type]
        with pytest.raises(CoachError, match="no interview with that id"):
            service.end(bad)  # type: ignore[arg-type]
    assert service._graph is None  # nothing was looked up: the graph (and its checkpoints) never even loaded
    with pytest.raises(CoachError, match="no interview with id 'AAAAAAAAAAAAAAAAAAAAAA'"):
        service.submit("A" * 22, "an answer")  # the right shape, but unknown


@pytest.mark.without_index
def test_a_new_data_folder_is_the_owners_alone():
    settings = get_settings()
    assert not settings.data_dir.exists()
    InterviewService(settings)
    assert settings.data_dir.stat().st_mode & 0o777 == 0o700  # database and checkpoints inside: nobody else's


def test_a_locked_database_keeps_nothing_of_the_turn_and_says_to_send_again(monkeypatch):
    import sqlite3

    import bot.storage.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)  # wait 0.2 s for the other writer, not 10 s
    settings = get_settings()
    service = InterviewService(settings)
    start = service.start("feature", questions=2)
    blocker = sqlite3.connect(settings.data_dir / "coach.db", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        with pytest.raises(CoachError, match="database is busy right now, so your answer could not be taken"):
            service.submit(start.session_id, ANSWER)
    finally:
        blocker.rollback()
        blocker.close()
    assert service.store.turns(start.session_id) == []  # nothing half-written
    again = service.submit(start.session_id, ANSWER)  # sent again once the database is free: taken, once
    assert again.critique is not None and "That answer was already received." not in again.notices
    assert [t.answer for t in service.store.turns(start.session_id)] == [strip_controls(ANSWER)]


def test_a_coachs_question_shows_in_the_chat_as_text_not_markdown():
    from bot.content.questions import FollowUp, Question
    from bot.interview.state import InterviewPlan

    hostile = "How would you launch this? ![p](https://evil.example/p.png) <img src=https://evil.example/q.png>"
    question = Question(
        id="custom-1", role="feature", skills=["evaluation"], difficulty=2, text=hostile,
        key_points={"evaluation": ["a golden set"], "failure_modes": ["a fallback"], "product_judgment": ["a bar"]},
        follow_ups=[
            FollowUp(dimension=dimension, text="And then? [click](https://evil.example/x)")
            for dimension in ("evaluation", "failure_modes")
        ],
    )  # fmt: skip
    service = InterviewService()
    start = service.start(plan=InterviewPlan(role="feature", questions=1, custom=[question]))
    shown = start.messages[0].content
    assert "![p](" not in shown and "<img" not in shown and "\\!\\[p\\]\\(https://evil.example/p.png\\)" in shown
    assert start.prompt == hostile  # the data itself is kept as written (reports, the critic)
    follow_up = service.submit(start.session_id, "We would ship it.")
    asked = [m.content for m in follow_up.messages if m.kind == "follow_up"]
    assert len(asked) == 1 and "[click](" not in asked[0] and "\\[click\\]" in asked[0]  # the coach's, inert
