"""Try again: a question re-answered is stored first, critiqued, compared with the attempt before, and the better counts."""

from __future__ import annotations

import re
import time

import pytest

from bot.coaching.reports import candidate_results
from bot.errors import CoachError
from bot.interview.policy import question_overall
from bot.interview.retry import EMPTY_REFUSED, HINT_REFUSED, RESUMED, RETRY_QUESTION, AttemptComparison
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan
from tests.test_ui import ANSWER, WARNINGS, cards, fake_request

WEAK = "I would ship it and see how it goes."


def kinds(service: InterviewService, session_id: str) -> list[str]:
    return [t.kind for t in service.store.turns(session_id)]


def weak_then_retry(service: InterviewService, questions: int = 2) -> str:
    """A session whose first question got a weak answer, then a strong second attempt."""
    started = service.start("feature", questions=questions)
    first = service.submit(started.session_id, WEAK)
    assert first.critique is not None and first.critique.graded and first.can_try_again
    opened = service.try_again(started.session_id)
    assert [m.kind for m in opened.messages] == [RETRY_QUESTION] and not opened.can_try_again  # open now
    return started.session_id


def test_a_better_attempt_counts_everywhere_and_is_stored_before_it_is_critiqued() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    before = service.view(sid).results[-1]
    result = service.submit(sid, ANSWER)
    assert [m.kind for m in result.messages] == ["retry", "retry_critique", RESUMED]
    assert "Back to" in result.messages[-1].content and result.can_try_again  # a third attempt is allowed
    retry = service.store.turns(sid)[-1]
    assert retry.kind == "retry" and retry.answer == ANSWER and retry.question_id == before.question_id
    comparison = AttemptComparison.model_validate(retry.critique["attempt"])
    assert comparison.previous_answer == WEAK and comparison.previous_overall == before.overall
    assert comparison.counted and comparison.overall is not None and comparison.overall > before.overall
    assert comparison.change == round(comparison.overall - before.overall, 1) and comparison.attempt == 2

    after = service.view(sid).results[-1]
    assert after.scores == comparison.scores and after.overall == comparison.overall
    assert service.graph.get_state(service._config(sid)).next == ()  # nothing left pending in the graph
    # before the interview ends, History and dashboards read the turns: the better attempt counts there too
    unfinished = candidate_results(service.store, sid)["attempt"]
    assert unfinished["overall"] == round(comparison.overall, 1)
    ended = service.end(sid)
    assert ended.summary is not None and ended.summary.overall == round(after.overall or 0, 1)
    mine = candidate_results(service.store, sid)["attempt"]  # the one definition used by History and dashboards
    assert mine["overall"] == ended.summary.overall


def test_a_weaker_attempt_leaves_the_question_as_it_was() -> None:
    service = InterviewService()
    started = service.start("feature", questions=2)
    service.submit(started.session_id, ANSWER)
    before = service.view(started.session_id).results[0]
    service.try_again(started.session_id)
    result = service.submit(started.session_id, WEAK)
    assert "earlier attempt still counts" in result.messages[1].content
    comparison = AttemptComparison.model_validate(service.store.turns(started.session_id)[-1].critique["attempt"])
    assert not comparison.counted and comparison.change is not None and comparison.change < 0
    assert service.view(started.session_id).results[0] == before
    assert comparison.previous_answer == ANSWER  # the attempt that counts is the one compared with


def test_hints_cost_the_same_on_every_attempt() -> None:
    service = InterviewService()
    started = service.start("feature", questions=2)
    service.submit(started.session_id, "hint")
    service.submit(started.session_id, WEAK)
    service.try_again(started.session_id)
    service.submit(started.session_id, ANSWER)
    comparison = AttemptComparison.model_validate(service.store.turns(started.session_id)[-1].critique["attempt"])
    assert comparison.hints == 1 and comparison.scores is not None
    assert comparison.overall == question_overall(service.rubric, comparison.scores, 1)


def test_while_open_skip_goes_back_a_hint_is_refused_and_nothing_is_recorded() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    prompt = service.view(sid).prompt
    stored = kinds(service, sid)
    again = service.try_again(sid)  # a second press changes nothing
    assert again.messages == [] and service.view(sid).transcript[-1].kind == RETRY_QUESTION
    assert service.submit(sid, "hint").notices == [HINT_REFUSED]
    assert service.submit(sid, "   ").notices == [EMPTY_REFUSED]
    back = service.submit(sid, "skip")
    assert [m.kind for m in back.messages] == [RESUMED] and prompt and prompt in back.messages[0].content
    assert kinds(service, sid) == stored and service.view(sid).prompt == prompt  # the open question is unchanged
    assert back.can_try_again  # the feedback is still the latest: it can be tried again later


def test_a_double_submitted_attempt_is_stored_once() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    service.submit(sid, ANSWER)
    again = service.submit(sid, ANSWER)
    assert again.notices == ["That answer was already received."] and again.messages == []
    assert kinds(service, sid).count("retry") == 1


def test_end_while_open_ends_the_interview() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    ended = service.submit(sid, "end")
    assert ended.done and ended.summary is not None and not ended.can_try_again
    with pytest.raises(CoachError, match="no answer to try again"):
        service.try_again(sid)


def test_no_try_again_in_an_assignment_before_an_answer_or_after_a_hint() -> None:
    service = InterviewService()
    plan = InterviewPlan(role="feature", questions=2, closes_at=time.time() + 3600)
    assigned = service.start(plan=plan)
    assert not service.submit(assigned.session_id, WEAK).can_try_again
    with pytest.raises(CoachError, match="no answer to try again"):
        service.try_again(assigned.session_id)
    fresh = service.start("feature", questions=2)
    with pytest.raises(CoachError):
        service.try_again(fresh.session_id)
    service.submit(fresh.session_id, WEAK)
    assert not service.submit(fresh.session_id, "hint").can_try_again  # the feedback is no longer the latest


def test_a_timed_attempt_gets_the_full_time_and_the_open_question_starts_again() -> None:
    service = InterviewService()
    started = service.start(plan=InterviewPlan(role="feature", questions=2, time_limit_s=120))
    service.submit(started.session_id, WEAK)
    opened = service.try_again(started.session_id)
    assert opened.deadline is not None and abs(opened.deadline - (time.time() + 120)) < 5
    back = service.submit(started.session_id, ANSWER)
    assert back.deadline is not None and back.deadline >= opened.deadline


def test_an_ungraded_attempt_changes_nothing_and_may_be_tried_again() -> None:
    service = InterviewService()
    sid = weak_then_retry(service)
    before = service.view(sid).results[-1]
    french = (
        "Je commencerais par définir ce qu'est une bonne réponse avec un jeu d'exemples notés, puis je mesurerais "
        "la précision par segment et je prévoirais un plan de repli avant tout lancement."
    )
    result = service.submit(sid, french)
    assert "No score for this attempt" in result.messages[1].content and result.can_try_again
    assert service.view(sid).results[-1] == before
    assert kinds(service, sid)[-1] == "retry"  # stored all the same


def test_the_api_opens_a_try_again() -> None:
    from bot.web.api import InterviewApi

    service = InterviewService()
    api = InterviewApi(service)
    started = api.start_interview("feature", "", "pm", 2)
    answered = api.submit_answer(started["session_id"], WEAK)
    assert answered["can_try_again"] is True
    opened = api.try_again(started["session_id"])
    assert opened["messages"][0]["kind"] == RETRY_QUESTION and opened["can_try_again"] is False  # open now
    assert "error" in api.try_again("no-such-session")


@WARNINGS
def test_try_again_through_the_tab_shows_both_attempts_side_by_side() -> None:
    from bot.web.app import CoachApp

    tab = CoachApp(InterviewService()).interview
    out = tab.on_start("feature", "healthcare", "pm", 2, 2, 0, "", fake_request())
    sid = out[tab.page.session]
    assert out[tab.try_again.button].visible is False  # nothing to try again before an answer
    weak = "I would ship it <b>and</b> see how it goes."
    answered = tab.on_answer(sid, weak)
    assert answered[tab.try_again.button].visible and answered[tab.try_again.button].value == "Try question 1 again"
    opened = tab.try_again.on_try_again(sid)
    assert "Question 1 again" in opened[tab.chat][-1]["content"] and opened[tab.try_again.button].visible is False
    again = tab.on_answer(sid, ANSWER)
    card = cards(again[tab.chat])[-1]
    assert re.match(r"Question 1, attempt 2: \d\.\d/5 \(\+\d\.\d; counts\)$", card["metadata"]["title"])
    assert "coach-side-by-side" in card["content"] and "Before" in card["content"] and "Attempt 2" in card["content"]
    assert "I would ship it &lt;b&gt;and&lt;/b&gt; see" in card["content"] and ANSWER[:60] in card["content"]
    assert again[tab.chat][again[tab.chat].index(card) - 1]["content"].startswith("I would start by defining")
    assert cards(tab.on_load(fake_request(session=sid))[tab.chat]) == cards(again[tab.chat])  # restored too
    assert "start an interview" in str(tab.try_again.on_try_again(""))
