"""Ended interviews lose their checkpoints after the retention and reopen, unchanged, from their archive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import null, update

from bot.cli import main
from bot.interview.service import InterviewService
from bot.storage.checkpoints import checkpointed_sessions
from bot.storage.models import InterviewSession, utc_now
from tests.storage import BACKENDS, fresh_store

ANSWER = (
    "I would build a stratified eval set of 300 real tickets with a rubric two agents grade, watch for confident "
    "wrong answers on rare intents, and launch to 5% behind a kill switch with a human fallback."
)
KEPT = ("done", "role", "total", "asked", "results", "transcript", "summary", "candidate")


def age(service: InterviewService, session_id: str, days: float) -> None:
    """Pretend the session ended `days` ago."""
    with service.store.session() as db:
        db.execute(
            update(InterviewSession)
            .where(InterviewSession.id == session_id)
            .values(finished=utc_now() - timedelta(days=days))
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_ended_interview_reopens_the_same_after_its_checkpoints_are_pruned(
    backend: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_store(backend, monkeypatch)
    service = InterviewService()
    ended = service.start("feature", questions=1).session_id
    result = service.submit(ended, ANSWER)
    while not result.done:
        result = service.submit(ended, "skip")
    still_open = service.start("platform", questions=2).session_id
    before = service.view(ended).model_dump(include=set(KEPT))
    assert before["done"] and before["summary"]["answered"] == 1

    assert service.prune_checkpoints() == 0  # ended just now: within the 30-day retention
    age(service, ended, 31)
    age(service, still_open, 90)  # no finish time is set by this; an open session is never pruned
    assert service.prune_checkpoints(older_than_days=0) == 0  # 0 keeps everything
    assert service.prune_checkpoints() == 1
    threads = checkpointed_sessions(service.graph.checkpointer)
    assert ended not in threads and still_open in threads
    assert service.view(ended).model_dump(include=set(KEPT)) == before
    again = service.submit(ended, "another answer after the end")  # an archived interview stays ended
    assert again.done and "has ended" in again.messages[-1].content
    assert service.prune_checkpoints() == 0 and ended not in checkpointed_sessions(service.graph.checkpointer)

    assert main(["prune", "--days", "30"]) == 0
    assert "pruned the checkpoints of" in capsys.readouterr().out


def test_a_session_without_an_archive_keeps_its_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_store("sqlite", monkeypatch)
    service = InterviewService()
    ended = service.start("feature", questions=1).session_id
    service.end(ended)
    with service.store.session() as db:  # an interview that ended before archives existed
        db.execute(update(InterviewSession).where(InterviewSession.id == ended).values(archive=null()))
    age(service, ended, 400)
    assert service.prune_checkpoints() == 0 and ended in checkpointed_sessions(service.graph.checkpointer)
    assert service.view(ended).done
