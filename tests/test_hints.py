"""Hints nudge the open question's own dimensions without giving its key points away; clarifications use its facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import get_settings
from bot.content.questions import Question, load_bank
from bot.errors import CoachError
from bot.interview.hints import HINTS_FILE, clarification, hint_dimensions, hint_text, load_hints, subject
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan
from bot.web.reports import markdown_report

SETTINGS = get_settings()
BANK = load_bank(SETTINGS.questions_dir)
BOOK = load_hints(SETTINGS.knowledge_dir / HINTS_FILE)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", text.lower())


def runs(text: str, n: int = 6) -> set[tuple[str, ...]]:
    said = words(text)
    return {tuple(said[i : i + n]) for i in range(len(said) - n + 1)}


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in BOOK.words.plain and len(w) > 2}


def every_hint(question: Question) -> list[tuple[str, str]]:
    """Each hint a candidate could ask for on `question` (two rounds of its dimensions), with the dimension nudged."""
    dimensions = hint_dimensions(question)
    return [
        (dimensions[(n - 1) % len(dimensions)], hint_text(BOOK, BANK, question, n))
        for n in range(1, 2 * len(dimensions) + 1)
    ]


def test_no_hint_gives_a_key_point_away_on_any_question_in_the_bank() -> None:
    for question in BANK.questions:
        for _, hint in every_hint(question):
            for point in (p for points in question.key_points.values() for p in points):
                assert not runs(hint) & runs(point), (question.id, hint, point)  # no six words in a row
                said = content(point)
                if len(said) >= 5:  # nor most of what the point says
                    assert len(said & set(words(hint))) / len(said) < 0.7, (question.id, hint, point)


def test_successive_hints_nudge_different_dimensions_with_the_questions_own_angles() -> None:
    question = BANK.by_id["fea-001"]
    hints = every_hint(question)
    first_round = hints[: len(hint_dimensions(question))]
    assert len({dimension for dimension, _ in first_round}) == len(first_round) == 4
    for dimension, hint in first_round:
        assert any(hint.startswith(nudge) for nudge in BOOK.nudges[dimension]), (dimension, hint)
        angles = re.findall(r"\*([^*]+)\*", hint)
        assert angles, hint
        points = " ".join(question.key_points[dimension]).lower()
        assert all(word in points for angle in angles for word in words(angle))  # from that dimension's points
    assert len({hint for _, hint in hints}) == len(hints)  # a second round draws on other key points
    other = BANK.by_id["fnd-017"]
    assert hint_text(BOOK, BANK, question, 1) != hint_text(BOOK, BANK, other, 1)  # it fits the question


def test_a_hint_during_a_follow_up_nudges_the_dimension_it_probes() -> None:
    question = BANK.by_id["fea-002"]
    for probed in ("evaluation", "failure_modes", "product_judgment"):
        assert hint_dimensions(question, probed)[0] == probed
        assert any(hint_text(BOOK, BANK, question, 1, probed).startswith(n) for n in BOOK.nudges[probed])


def test_clarifications_answer_from_the_scenario_or_name_the_assumption() -> None:
    users = clarification(BOOK, BANK.by_id["fea-001"], "How many users does it have?")
    timeline = clarification(BOOK, BANK.by_id["fea-002"], "What's the timeline for the beta?")
    assert users.topic == "scale" and users.quoted and "40,000 small businesses" in users.text
    assert timeline.topic == "timeline" and not timeline.quoted
    assert timeline.text.startswith("Assume") and "the AI email-drafting assistant" in timeline.text
    assert users.text != timeline.text
    # the same clarifying question on another scenario gets that scenario's own answer
    clinicians = clarification(BOOK, BANK.by_id["hc-001"], "Who are the users?")
    assert clinicians.quoted and "600" in clinicians.text and clinicians.text != users.text


def test_a_rate_is_not_a_timeline_and_an_unrelated_question_gets_the_general_assumption() -> None:
    rated = BANK.by_id["fnd-017"]  # "$400,000 a quarter" is what raters cost, not when anything is due
    assert "a quarter" in rated.text
    reply = clarification(BOOK, rated, "What is the deadline?")
    assert not reply.quoted and reply.text.startswith("Assume")
    odd = clarification(BOOK, BANK.by_id["fea-001"], "Is the office dog friendly?")
    assert odd.topic is None and "the AI meeting-summary feature" in odd.text


def test_the_subject_is_named_from_the_question() -> None:
    assert subject(BANK.by_id["fea-008"].text, BOOK) == "the AI code-review bot"
    assert subject("Tell me about a time you disagreed with your manager.", BOOK) == BOOK.fallback_subject


def test_an_interview_hint_and_clarification_fit_the_open_question_and_reach_the_report() -> None:
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    question = service.bank.by_id[str(service.view(sid).current)]
    hint = service.submit(sid, "hint").messages[0].content
    assert "costs 0.5 points" in hint
    assert hint.split("): ", 1)[1] == hint_text(BOOK, BANK, question, 1)
    asked = "How many customers use it?"
    reply = service.submit(sid, asked).messages[0]
    assert reply.kind == "clarify" and reply.content == clarification(BOOK, question, asked).text
    state = service.view(sid)
    assert [m.kind for m in state.transcript[-2:]] == ["clarification", "clarify"]  # the question is kept too
    assert state.transcript[-2].content == asked and state.hints == 1
    text = markdown_report(state)
    assert f"**You asked:** {asked}" in text and "**Hint 1** (−0.5 point)" in text


def test_a_coachs_question_is_quoted_inertly() -> None:
    text = "You run <b>our</b> [support bot](http://x.test) for 12,000 clinics. What would you measure first?"
    custom = Question(
        id="custom-1",
        role="feature",
        skills=["evaluation"],
        difficulty=2,
        text=text,
        key_points={
            d: ["Sample real conversations and grade them."]
            for d in ("evaluation", "failure_modes", "product_judgment")
        },
        follow_ups=[{"dimension": "evaluation", "text": "How would you sample?"}],
    )
    service = InterviewService()
    sid = service.start(plan=InterviewPlan(role="feature", questions=1, custom=[custom])).session_id
    reply = service.submit(sid, "How many clinics use it?").messages[0].content
    assert "12,000 clinics" in reply and "<b>" not in reply and "](" not in reply


def test_a_broken_hints_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / HINTS_FILE
    broken.write_text("nudges: {}\n", encoding="utf-8")
    with pytest.raises(CoachError, match=HINTS_FILE):
        load_hints(broken)
    with pytest.raises(CoachError, match="not found"):
        load_hints(tmp_path / "missing" / HINTS_FILE)


def test_with_a_model_the_clarification_is_its_reply_grounded_in_the_scenario() -> None:
    from bot.interview.graph import BANK_FALLBACK
    from tests.fakes import ScriptedChatModel

    model = ScriptedChatModel()
    service = InterviewService(chat_model=model)
    sid = service.start("feature", questions=1).session_id
    question = service.bank.by_id[str(service.view(sid).current)]
    asked = "How many customers use it?"
    reply = service.submit(sid, asked)
    prompt = str(model.received[-1][-1].content)
    assert reply.messages[0].content == "Assume about 2,000 agents use it daily."  # the model's words
    assert clarification(BOOK, question, asked).text in prompt and f"<clarifying_question>\n{asked}" in prompt

    def broken(messages):
        return TimeoutError("slow") if "clarifying question" in str(messages[-1].content) else "Go ahead."

    failing = InterviewService(chat_model=ScriptedChatModel(script=broken))
    sid = failing.start("feature", questions=1).session_id
    question = failing.bank.by_id[str(failing.view(sid).current)]
    fallback = failing.submit(sid, asked)
    assert fallback.messages[0].content == clarification(BOOK, question, asked).text
    assert BANK_FALLBACK in fallback.notices
