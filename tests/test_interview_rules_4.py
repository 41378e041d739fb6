"""Interview rules, fourth part: the interviewer's persona names the domain, an empty input is a notice, a hint's
angles (rarest words, never a verb's -ing form first), a coach's focus on the first question, a late new attempt,
the default length, and the guide each biggest gap points to."""

from __future__ import annotations

import time

from bot.content.guides import load_guides
from bot.content.rubric import load_rubric
from bot.content.vocabulary import DIMENSIONS, GUIDE_FOR
from bot.interview.hints import _rarity, angle
from bot.interview.retry import RETRY_ANSWER
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan, InterviewState, QuestionResult
from bot.interview.summary import summarize
from tests.fakes import ScriptedChatModel
from tests.test_deadlines import shift
from tests.test_interview_rules import BANK, BOOK, SETTINGS
from tests.test_try_again import WEAK
from tests.test_ui import ANSWER


def test_the_interviewer_model_is_told_the_domain_of_a_vertical_interview() -> None:
    model = ScriptedChatModel(received=[])
    InterviewService(chat_model=model).start("vertical", "finance", questions=1)
    persona = str(model.received[0][0].content)
    assert "vertical AI application PM in finance." in persona


def test_an_empty_input_is_answered_with_a_notice_and_nothing_is_stored() -> None:
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    nudged = service.submit(sid, "   ")
    assert [m.kind for m in nudged.messages] == ["notice"]
    assert service.view(sid).transcript[-1].kind == "notice" and service.store.turns(sid) == []


def test_a_hint_angle_steers_by_the_rarest_words_the_question_lacks() -> None:
    assert angle("latency budget", "", {"latency": 4.0, "budget": 0.2}, BOOK.words) == "latency"
    assert angle("latency budget", "", {"latency": 0.2, "budget": 4.0}, BOOK.words) == "budget"


def test_no_hint_angle_on_any_question_in_the_bank_opens_on_a_verbs_ing_form() -> None:
    rarity = _rarity(BANK)
    firsts = {
        a.split()[0].lower()
        for q in BANK.questions
        for points in q.key_points.values()
        for p in points
        if (a := angle(p, q.text, rarity, BOOK.words))
    }
    assert {w for w in firsts if w.endswith("ing")} <= BOOK.words.gerund_nouns


def test_a_coachs_focus_skill_picks_the_first_bank_question() -> None:
    service = InterviewService()
    plan = InterviewPlan(role="feature", questions=2, focus=["prompt-engineering"])
    sid = service.start(plan=plan).session_id
    assert "prompt-engineering" in service.bank.by_id[service.view(sid).asked[0]].skills


def test_a_new_attempt_after_its_time_limit_is_stored_as_late() -> None:
    service = InterviewService()
    sid = service.start(plan=InterviewPlan(role="feature", questions=2, time_limit_s=60)).session_id
    service.submit(sid, WEAK)
    service.try_again(sid)
    shift(service, sid, asked_at=time.time() - 100)  # the attempt was opened 100 s ago; the limit is 60 s
    service.submit(sid, ANSWER)
    assert [t.late for t in service.store.turns(sid) if t.kind == RETRY_ANSWER] == [True]


def test_an_interview_started_without_settings_is_as_long_as_a_default_plan() -> None:
    service = InterviewService()
    assert service.start().total == service.start(plan=InterviewPlan()).total


def test_each_biggest_gap_in_the_summary_points_to_the_guide_on_its_dimension() -> None:
    rubric = load_rubric(SETTINGS.rubric_path)
    scores = {d: 4.0 for d in DIMENSIONS} | {"product_judgment": 1.0, "communication": 2.0}
    result = QuestionResult(question_id="q1", question="?", scores=scores, overall=2.5)
    summary = summarize(InterviewState(results=[result]), rubric, SETTINGS.guides_dir, {})
    topics = {g.source: g.topic for g in load_guides(SETTINGS.guides_dir)}
    assert [(g.dimension, topics.get(g.guide)) for g in summary.gaps] == [
        ("product_judgment", GUIDE_FOR["product_judgment"]),
        ("communication", GUIDE_FOR["communication"]),
    ]
