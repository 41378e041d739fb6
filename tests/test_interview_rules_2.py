"""More interview rules: pools that run out, per-question follow-ups, ungraded answers on record, History's
averages, checkpoints that rebuild only the interview's own types, and databases caught between migrations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from langgraph.checkpoint.base import empty_checkpoint

from bot.coaching.reports import candidate_results
from bot.config import get_settings
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan, Message
from bot.storage.checkpoints import make_checkpointer
from bot.storage.migrations import alembic_config, forget_migrations, head_revision
from bot.storage.store import make_store
from bot.web.reports import progress_frame
from tests.storage import BACKENDS, fresh_store
from tests.test_try_again import WEAK
from tests.test_ui import ANSWER

FRENCH = (
    "Je commencerais par définir ce qu'est une bonne réponse avec un jeu d'exemples notés, puis je mesurerais "
    "la précision par segment et je prévoirais un plan de repli avant tout lancement."
)


@dataclass
class Planted:
    """A type no interview state holds: what someone with write access to the checkpoint table might plant."""

    command: str


def test_a_vertical_interview_longer_than_its_question_pool_ends_once_the_pool_is_used_up() -> None:
    service = InterviewService()
    pool = service.bank.filter("vertical", "finance")
    started = service.start("vertical", "finance", questions=len(pool) + 1)
    for _ in pool[:-1]:
        assert not service.submit(started.session_id, "skip").done
    last = service.submit(started.session_id, "skip")
    assert last.done and last.summary is not None
    assert last.question_number == len(pool) and len(set(service.view(started.session_id).asked)) == len(pool)


def test_each_question_probes_its_weakest_dimension_even_if_the_last_question_probed_it_too() -> None:
    service = InterviewService()
    first, second = service.bank.filter("feature")[:2]
    sid = service.start(plan=InterviewPlan(role="feature", questions=2, custom=[first, second])).session_id
    assert service.submit(sid, WEAK).messages[-1].content.startswith("**Follow-up** (evaluation):")
    service.submit(sid, "skip")  # on to the second question without answering the follow-up
    weak_again = service.submit(sid, "I would just launch it and hope for the best.")
    assert weak_again.messages[-1].content.startswith("**Follow-up** (evaluation):")
    assert service.view(sid).probed == ["evaluation"]


def test_an_answer_that_cannot_be_graded_is_stored_with_the_reason() -> None:
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    said = service.submit(sid, FRENCH)
    assert said.critique is not None and not said.critique.graded
    [turn] = candidate_results(service.store, sid)["turns"]
    assert turn["answer"] == FRENCH and turn["scores"] == {}
    assert turn["critique"] is not None and turn["critique"]["overall"] is None
    assert turn["critique"]["notices"] and " ".join(turn["critique"]["notices"]) == said.messages[0].content


def test_history_gives_each_finished_interview_its_per_dimension_averages_for_the_progress_chart() -> None:
    service = InterviewService()
    started = service.start("feature", questions=1, candidate="ada")
    service.submit(started.session_id, ANSWER)
    summary = service.end(started.session_id).summary
    assert summary is not None and summary.averages
    [item] = service.history("ada")
    assert item["averages"] == summary.averages
    chart = progress_frame(service.history("ada"))
    assert {"Overall", "Evaluation"} <= set(chart["dimension"])


def test_starting_an_interview_reads_no_checkpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    service = InterviewService()
    reads: list[object] = []
    real = service.graph.get_state
    monkeypatch.setattr(service.graph, "get_state", lambda *a, **k: reads.append(a) or real(*a, **k))
    started = service.start("feature", questions=2)
    assert started.prompt and reads == []  # a new session has no checkpoint yet: nothing to read back
    service.submit(started.session_id, ANSWER)
    assert len(reads) == 1  # a turn reads the session once


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_checkpoint_rebuilds_only_the_interviews_own_types(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_store(backend, monkeypatch)  # skips PostgreSQL without TEST_DATABASE_URL
    saver = make_checkpointer(get_settings())
    checkpoint = empty_checkpoint()
    said = Message(role="assistant", content="Question 1 of 2", kind="question")
    checkpoint["channel_values"] = {"planted": Planted("rm -rf /"), "said": said}
    checkpoint["channel_versions"] = {"planted": saver.get_next_version(None, None), "said": "1"}
    config = {"configurable": {"thread_id": secrets.token_urlsafe(16), "checkpoint_ns": ""}}
    stored = saver.put(config, checkpoint, {}, checkpoint["channel_versions"])
    loaded = saver.get_tuple(stored)
    assert loaded is not None
    values = loaded.checkpoint["channel_values"]
    assert values["said"] == said  # the interview's own types come back as they were
    assert values["planted"] == {"command": "rm -rf /"}  # anything else comes back as plain data, never built


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_left_between_two_migrations_is_upgraded_from_where_it_stands(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = fresh_store(backend, monkeypatch)
    sid = InterviewService().start("feature", questions=2, candidate="ada").session_id
    with store.engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0003")  # as an older release left it
        connection.commit()
    store.engine.dispose()
    forget_migrations()
    upgraded = make_store(get_settings())  # the app's start-up upgrade
    with upgraded.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    assert [s.id for s in upgraded.history("ada")] == [sid]
