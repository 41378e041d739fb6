"""Rules of the interview service and its stores: whose questions count as asked, what a plan keeps, what is shown."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from pydantic import BaseModel

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.errors import CoachError
from bot.interview.policy import choose_question
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan, InterviewState
from bot.storage.checkpoints import make_checkpointer
from bot.storage.store import make_store
from tests.storage import fresh_store


class Smuggled(BaseModel):
    """A type no interview state holds: a checkpoint must never rebuild it."""

    note: str = "not interview state"


@pytest.mark.without_index
def test_questions_another_candidate_was_asked_do_not_count_as_asked_for_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = fresh_store("sqlite", monkeypatch)
    for session_id, candidate, question_id in (("s-ada", "ada", "fea-001"), ("s-bob", "bob", "fea-002")):
        store.create_session(
            id=session_id, candidate=candidate, role="feature", domain=None, background="pm", questions=2
        )
        store.add_turn(session_id, "answer", "a question", "an answer", question_id)
    store.add_turn("s-ada", "clarify", "a question", "what scale?", None)  # no question of its own

    assert store.asked_questions("ada") == {"fea-001"}
    assert store.asked_questions("bob") == {"fea-002"}
    assert store.asked_questions("cyd") == set()


@pytest.mark.without_index
def test_a_database_that_cannot_be_opened_is_named_by_host_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # port 1 on the loopback refuses at once: the failure path runs without any PostgreSQL server
    for url, shown in (
        ("postgresql://coach:s3cret-pw@127.0.0.1:1/coach", "127.0.0.1:1/coach"),
        ("postgresql://127.0.0.1:1/nobody", "postgresql://127.0.0.1:1/nobody"),  # no credentials to hide
    ):
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        with pytest.raises(CoachError) as refused:
            make_store(get_settings())
        message = str(refused.value)
        assert f"cannot open the database at ...@{shown} (" in message
        assert message.endswith("; check DATABASE_URL")
        assert "s3cret" not in message and "coach:" not in message


@pytest.mark.without_index
def test_a_candidate_who_saw_every_question_before_still_gets_one_on_a_skill_not_yet_covered() -> None:
    template = load_bank(get_settings().questions_dir).filter("feature")[0]
    practised = template.model_copy(update={"id": "practised", "skills": ["user-research"], "difficulty": 2})
    fresh = template.model_copy(update={"id": "fresh", "skills": ["positioning"], "difficulty": 2})
    asked = template.model_copy(update={"id": "asked", "skills": ["positioning"], "difficulty": 2})
    pool = [practised, fresh, asked]
    state = InterviewState(session_id="seed", asked=["asked"], covered=["user-research"], difficulty=2)

    def seen_before() -> set[str]:
        return {q.id for q in pool}  # every bank question, in earlier sessions

    for seed in ("seed-1", "seed-2", "seed-3", "seed-4"):  # whatever the tie-break, the new skill wins
        question = choose_question(state.model_copy(update={"session_id": seed}), pool, seen_before)
        assert question is not None and question.id == "fresh"


@pytest.mark.without_index
def test_a_plan_out_of_range_is_refused_with_the_ranges_the_candidate_may_choose() -> None:
    exact = r"^choose 1 to 20 questions and a difficulty from 1 to 3$"
    with pytest.raises(CoachError, match=exact):
        InterviewPlan(questions=21).checked()
    with pytest.raises(CoachError, match=exact):
        InterviewPlan(difficulty=4).checked()


def test_a_started_interview_keeps_the_candidate_background_and_the_interviewer_reads_three_guide_excerpts() -> None:
    coach = InterviewService()
    started = coach.start("feature", background="technical", questions=1, candidate="cand-tech")
    assert coach.view(started.session_id).background == "technical"
    assert coach.store.get_session(started.session_id).background == "technical"

    excerpts = coach.search("How would you evaluate a support-ticket summarizer before launch?", role="feature")
    assert len(excerpts) == 3


@pytest.mark.without_index
def test_a_checkpoint_rebuilds_interview_state_but_never_another_class() -> None:
    saver = make_checkpointer(get_settings())
    config = {"configurable": {"thread_id": "thread-0000000000000000", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"state": InterviewState(candidate="ada"), "extra": Smuggled()}
    saved = saver.put(config, checkpoint, {}, {})

    values = saver.get_tuple(saved).checkpoint["channel_values"]
    assert values["state"] == InterviewState(candidate="ada")
    assert not isinstance(values["extra"], Smuggled)
    assert "not interview state" in str(values["extra"])  # kept as plain data, not as an object
