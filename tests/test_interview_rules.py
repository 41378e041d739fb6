"""Interview rules at their edges: attempts, ties, turn numbering, hints and clarifications, checkpoint upkeep."""

from __future__ import annotations

import logging
import re
import sys

import pytest

from bot.config import get_settings
from bot.content.questions import load_bank
from bot.critic.critic import Critic
from bot.errors import CoachError
from bot.interview.graph import ROUTE_BY_INTENT
from bot.interview.hints import HINTS_FILE, clarification, hint_text, load_hints, subject
from bot.interview.policy import classify
from bot.interview.retry import RETRY_CRITIQUE, AttemptComparison
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan, InterviewState
from bot.storage.checkpoints import make_checkpointer
from tests.test_checkpoint_pruning import age
from tests.test_try_again import WEAK
from tests.test_ui import ANSWER

SETTINGS = get_settings()
BANK = load_bank(SETTINGS.questions_dir)
BOOK = load_hints(SETTINGS.knowledge_dir / HINTS_FILE)
# Its skills put failure modes first, but a weak answer is probed on evaluation: a hint then has two candidates.
QUESTION = BANK.by_id["fea-004"]
FOLLOW_UP_REPLY = (
    "I would grade 300 unedited drafts blind, per ticket category, and only auto-send a category whose drafts "
    "pass the same bar a senior agent sets, checking the simple-ticket classifier on its own labelled sample."
)

# An answer to QUESTION's own scenario (ANSWER is generic: the critic marks it off-topic here and caps it at 2)
ON_TOPIC = (
    "I would not auto-send on the 65% unedited rate alone: unedited is not the same as correct. First I would grade "
    "500 recent unedited drafts from the simplest 30% of tickets blind against a rubric a senior agent writes, per "
    "ticket category, and only auto-send a category whose drafts pass a bar set in advance, say 99% correct with no "
    "policy errors. The simple-ticket classifier gets its own labelled sample, since a misrouted refund request is "
    "the failure that hurts. Then I would roll out one category at a time to 5% of traffic, compare reopen rate and "
    "CSAT against agent-reviewed replies, keep a kill switch, and route low-confidence drafts back to agents."
)


def on_fea_004(service: InterviewService) -> str:
    """A two-question practice interview that opens on QUESTION."""
    return service.start(plan=InterviewPlan(role="feature", questions=2, custom=[QUESTION])).session_id


def last_comparison(service: InterviewService, session_id: str) -> AttemptComparison:
    return AttemptComparison.model_validate(service.store.turns(session_id)[-1].critique["attempt"])


def test_attempts_are_numbered_by_try_agains_only_and_a_tie_keeps_the_earlier_attempt() -> None:
    service = InterviewService()
    sid = on_fea_004(service)
    service.submit(sid, "hint")  # a hint turn on the question is not an attempt
    service.submit(sid, WEAK)
    before = service.view(sid).results[-1]

    service.try_again(sid)
    tie = service.submit(sid, "I would ship it and see how it goes!")
    comparison = last_comparison(service, sid)
    assert comparison.attempt == 2 and comparison.overall == comparison.previous_overall == before.overall
    assert not comparison.counted and comparison.change == 0
    assert tie.messages[1].content.startswith("Attempt 2 at question 1:")
    assert tie.messages[1].content.endswith("the earlier attempt still counts.")
    assert service.view(sid).results[-1] == before

    service.try_again(sid)
    better = service.submit(sid, ON_TOPIC)
    comparison = last_comparison(service, sid)
    assert comparison.attempt == 3 and comparison.counted
    assert better.messages[1].content.startswith("Attempt 3 at question 1:")
    assert better.critique is not None
    after = service.view(sid).results[-1]
    # the better attempt brings its own gaps and cited guides into the results the summary and reports read
    assert after.citations == [c.topic for c in better.critique.citations] != before.citations
    assert after.gaps == better.critique.gaps[:3]

    service.try_again(sid)
    back = service.submit(sid, "skip")
    assert back.messages[0].content.startswith("No new attempt. Back to the follow-up on question 1:")
    service.submit(sid, FOLLOW_UP_REPLY)
    # every input after the try agains is still stored as a turn of its own, none overwritten by another
    assert [t.kind for t in service.store.turns(sid)] == ["hint", "answer", "retry", "retry", "follow_up"]
    assert [t.seq for t in service.store.turns(sid)] == [1, 2, 3, 4, 5]


def test_the_transcript_keeps_every_critique_with_its_guides_named_but_not_copied() -> None:
    service = InterviewService()
    sid = on_fea_004(service)
    first = service.submit(sid, WEAK).critique
    service.try_again(sid)
    again = service.submit(sid, ANSWER).critique
    assert first is not None and again is not None
    assert all(c.text for c in [*first.citations, *again.citations])  # the page gets the excerpts
    kept = [m for m in service.view(sid).transcript if m.critique is not None]
    assert [m.kind for m in kept] == ["critique", RETRY_CRITIQUE]  # the attempt's verdict keeps its critique too
    for message, shown in zip(kept, (first, again), strict=True):
        assert message.critique is not None
        assert message.critique.dimensions == shown.dimensions and message.critique.gaps == shown.gaps
        assert [(c.topic, c.heading) for c in message.critique.citations] == [
            (c.topic, c.heading) for c in shown.citations
        ]
        assert all(c.text == "" for c in message.critique.citations)  # excerpts are re-findable, and large


def test_during_a_follow_up_a_hint_nudges_what_it_probes_and_the_reply_is_judged_with_the_first_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    earlier: list[str] = []

    class RecordingCritic(Critic):
        def __call__(self, target, answer, usage=None, probe=None):
            if probe is not None:
                earlier.append(probe.earlier)
            return super().__call__(target, answer, usage, probe)

    monkeypatch.setattr("bot.interview.service.Critic", RecordingCritic)
    service = InterviewService()
    sid = on_fea_004(service)
    service.submit(sid, WEAK)
    probed = service.view(sid).probed[-1]
    assert probed != "failure_modes"  # the question's first skill: a hint off the follow-up would nudge that
    hint = service.submit(sid, "hint").messages[0].content.split("): ", 1)[1]
    assert hint == hint_text(BOOK, BANK, QUESTION, 1, probed) != hint_text(BOOK, BANK, QUESTION, 1)
    assert any(hint.startswith(nudge) for nudge in BOOK.nudges[probed])

    service.submit(sid, FOLLOW_UP_REPLY)
    assert earlier == [WEAK]  # the probed dimension is judged on everything said to the question


@pytest.mark.without_index
def test_after_the_end_every_input_is_answered_as_ended() -> None:
    ended = InterviewState(done=True, current=None, asked=["fea-004"])
    for text in ("here is my answer", "", "hint", "skip"):
        assert classify(text, ended) == "done"
        assert ROUTE_BY_INTENT[classify(text, ended)] == "already_done"


@pytest.mark.without_index
def test_the_subject_takes_at_most_three_words_before_the_product() -> None:
    text = "Acme's enterprise AI email-drafting assistant now writes every renewal reply. How do you evaluate it?"
    assert subject(text, BOOK) == "the enterprise AI email-drafting assistant"


@pytest.mark.without_index
def test_a_clarification_never_quotes_the_question_back_as_a_fact() -> None:
    reply = clarification(BOOK, BANK.by_id["fea-001"], "Which problem should I find out about first?")
    assert not reply.quoted and "How do you find out" not in reply.text
    assert reply.text == BOOK.unsettled.format(subject="the AI meeting-summary feature")


def test_pruning_logs_how_many_interviews_lost_their_checkpoints(caplog: pytest.LogCaptureFixture) -> None:
    service = InterviewService()
    sid = service.start("feature", questions=1).session_id
    service.end(sid)
    age(service, sid, 31)
    with caplog.at_level(logging.INFO, logger="bot.storage.checkpoints"):
        assert service.prune_checkpoints() == 1
    [record] = [r for r in caplog.records if r.name == "bot.storage.checkpoints"]
    assert record.getMessage().startswith("pruned the checkpoints of 1 interviews that ended before ")


@pytest.mark.without_index
def test_a_postgresql_url_without_the_postgres_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langgraph.checkpoint.postgres", None)  # the extra is not installed
    monkeypatch.setenv("DATABASE_URL", "postgresql://coach:secret@db.invalid/coach")
    get_settings.cache_clear()
    with pytest.raises(CoachError, match=re.escape("install the postgres extra, pip install '.[postgres]'")):
        make_checkpointer(get_settings())
