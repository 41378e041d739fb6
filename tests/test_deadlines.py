"""Deadlines on the server: late answers are kept and marked late; a closed assignment takes no more answers.

No test waits for a deadline: each moves the session's stored times instead.
"""

import time

import pytest

from bot.errors import CoachError
from bot.interview.graph import LATE_NOTICE
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan
from bot.web import render

ANSWER = (
    "I would sample 300 real tickets across intents and languages, have two agents grade drafts against a "
    "written rubric, and check their agreement before trusting the numbers. The worst failure is a confident "
    "wrong answer about refunds, so drafts on billing go to a human, and we roll back if edit rates rise."
)


def shift(service: InterviewService, session_id: str, **times: float) -> None:
    """Move the session's stored times (when the question was asked, when the assignment closes)."""
    service.graph.update_state(service._config(session_id), times)


def answer_turns(service: InterviewService, session_id: str) -> list:
    return [t for t in service.store.turns(session_id) if t.kind in ("answer", "follow_up")]


def test_an_answer_after_its_time_limit_is_kept_and_marked_late():
    service = InterviewService()
    start = service.start(plan=InterviewPlan(role="feature", questions=2, time_limit_s=60))
    shift(service, start.session_id, asked_at=time.time() - 100)  # asked 100 s ago; the limit is 60 s
    late = service.submit(start.session_id, ANSWER)
    assert late.critique is not None and LATE_NOTICE in late.notices  # critiqued as usual, and told
    assert [t.late for t in answer_turns(service, start.session_id)] == [True]
    on_time = service.submit(start.session_id, "We would also watch escalations by intent, and roll back per queue.")
    assert LATE_NOTICE not in on_time.notices  # the follow-up was asked just now
    assert [t.late for t in answer_turns(service, start.session_id)] == [True, False]


def test_the_coach_sees_which_answers_were_late():
    from bot.coaching.reports import _turn_view

    service = InterviewService()
    start = service.start(plan=InterviewPlan(role="feature", questions=2, time_limit_s=60))
    shift(service, start.session_id, asked_at=time.time() - 100)
    service.submit(start.session_id, ANSWER)
    views = [_turn_view(t, []) for t in answer_turns(service, start.session_id)]
    assert [v["late"] for v in views] == [True]
    page = render.transcript_html({"attempt": {"candidate_name": "Ada"}, "turns": views})
    assert "(late: after its time limit)" in page


def test_a_closed_assignment_refuses_answers_but_can_still_end():
    service = InterviewService()
    start = service.start(plan=InterviewPlan(role="feature", questions=2, closes_at=time.time() + 3600))
    shift(service, start.session_id, closes_at=time.time() - 60)  # the due date passed a minute ago
    with pytest.raises(CoachError, match="this assignment closed on .* no more answers are accepted"):
        service.submit(start.session_id, ANSWER)
    assert answer_turns(service, start.session_id) == []  # nothing half-recorded
    ended = service.submit(start.session_id, "end")
    assert ended.done and ended.summary is not None


def test_within_the_grace_an_answer_is_on_time():
    service = InterviewService()
    start = service.start(plan=InterviewPlan(role="feature", questions=2, time_limit_s=60, closes_at=time.time() + 60))
    shift(service, start.session_id, asked_at=time.time() - 62, closes_at=time.time() - 2)  # 2 s over: network
    result = service.submit(start.session_id, ANSWER)
    assert LATE_NOTICE not in result.notices and [t.late for t in answer_turns(service, start.session_id)] == [False]
