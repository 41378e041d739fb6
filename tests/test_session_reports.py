"""The session reports (Markdown, JSON, PDF, the finished screen's transcript): complete, readable, inert, shareable."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bot.coaching import accounts, assignments, reviews
from bot.coaching.attempts import start_attempt
from bot.content.vocabulary import label
from bot.interview.service import InterviewService
from bot.interview.state import InterviewState
from bot.web.pdf import MISSING, NOTE, markdown_to_pdf
from bot.web.report_text import prose
from bot.web.reports import (
    REPORT_KEYS,
    full_transcript_markdown,
    json_report,
    markdown_report,
    write_session_pdf,
    write_session_reports,
)
from bot.web.session_record import coach_reviews, question_records

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](https://x.test/p.png)"
    " <https://evil.test> https://evil.test/a www.evil.test me@evil.test <!-- hidden --> [ref]: https://evil.test"
)
PLAIN = 'I\'d ship it (roughly 5% first) & watch "edit rates"; R&D agrees, and a<b stays.'
RENDERER = MarkdownIt("gfm-like", {"html": True, "linkify": True})  # the laxest renderer: raw HTML and bare links on


def on_topic(service: InterviewService, session_id: str, extra: str = "", skip: str | None = "failure_modes") -> str:
    """An answer built from the current question's own key points but those of `skip`.

    The critic credits strengths in it and names the skipped dimension's points as gaps.
    """
    question = service.bank.by_id[str(service.view(session_id).current)]
    said = " ".join(
        f"I would make sure that {p[0].lower()}{p[1:]}"
        for dim, pts in question.key_points.items()
        if dim != skip
        for p in pts
    )
    return f"{said} {extra}".strip()


def critiques(state: InterviewState) -> list:
    return [m.critique for m in state.transcript if m.kind == "critique" and m.critique is not None]


@pytest.fixture
def finished() -> tuple[InterviewService, str]:
    """Three questions: a hint and a strong answer with a weak follow-up, a skipped question, then the end."""
    service = InterviewService()
    sid = service.start("feature", questions=3).session_id
    service.submit(sid, "hint")
    first = service.view(sid).current
    result = service.submit(sid, on_topic(service, sid, PLAIN))
    turns = 0
    while service.view(sid).current == first and not result.done and turns < 4:
        turns += 1
        reply = f"{HOSTILE} I'd watch the error rate weekly ({turns})." if turns == 1 else "skip"
        result = service.submit(sid, reply)
    service.submit(sid, "skip")
    service.submit(sid, "end")
    return service, sid


def test_the_report_carries_every_critique_hint_skip_and_follow_up(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    text = markdown_report(state)
    kept = critiques(state)
    assert len(kept) >= 2, "the answer and its follow-up answer were both critiqued"
    assert any(c.strengths for c in kept) and any(c.gaps or c.next_level for c in kept)
    for critique in kept:
        assert f"{critique.overall:.1f}/5" in text
        for dimension, score in critique.dimensions.items():
            assert f"{label(dimension)} {score:.1f}" in text
        for point in critique.strengths + critique.gaps + list(critique.next_level.values()):
            assert prose(point) in text  # each strength quotes what the candidate said
    outline = next(c.stronger_answer for c in kept if c.stronger_answer)
    assert text.count("**Outline of a stronger answer:**") == 1  # once per question, not once per critique
    assert all(prose(point) in text for point in outline)
    follow_up = next(m.content for m in state.transcript if m.kind == "follow_up").split("): ", 1)[1]
    assert f"**Follow-up asked:** {prose(follow_up)}" in text
    hint = next(m.content for m in state.transcript if m.kind == "hint").split("): ", 1)[1]
    assert f"**Hint 1** (−0.5 point): {prose(hint)}" in text
    skipped = next(r for r in state.results if r.skipped)
    number = state.asked.index(skipped.question_id) + 1
    assert re.search(rf"### Question {number}: .*\n\n.*\n\n\*\*Skipped\.\*\*", text)
    assert f"**Skipped:** question {number}" in text  # and in the summary
    assert "**Hints used:** 1, 0.5 point(s) off in all (question 1: 1)" in text
    assert text.count("## Summary") == 1 and "Interview complete" not in text  # the summary once, not twice


def test_answers_read_as_typed_with_no_entities_or_stray_escapes(finished) -> None:
    service, sid = finished
    for text in (markdown_report(service.view(sid)), full_transcript_markdown(service.view(sid))):
        assert PLAIN.replace("a<b", "a\\<b") in text  # apostrophes, quotes, parentheses and & as typed
        assert "&#x27;" not in text and "&amp;" not in text and "&quot;" not in text and "\\(" not in text


def test_hostile_text_never_becomes_markup(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    for text in (markdown_report(state), full_transcript_markdown(state)):
        page = RENDERER.render(text)
        for live in ("<script", "<img", "<a ", "<!--"):
            assert live not in page, live
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
        assert "[click](javascript:alert(1))" in page and "https://evil.test/a" in page


def test_the_shared_reports_never_hold_the_session_id(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    md_path, json_path = write_session_reports(state)
    for path in (md_path, json_path):
        assert sid not in path and sid not in Path(path).read_text(encoding="utf-8")
    document = json.loads(Path(json_path).read_text(encoding="utf-8"))
    assert tuple(document) == REPORT_KEYS and document["attempt_id"].startswith("attempt-")
    assert "session_id" not in document and "candidate" not in document


def test_the_json_report_carries_the_same_questions_verbatim(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    document = json.loads(json_report(state))
    questions = document["questions"]
    assert [q["question_id"] for q in questions] == state.asked
    first = questions[0]
    assert first["hints_used"] == 1 and len(first["hints"]) == 1
    assert [a["kind"] for a in first["answers"]][:2] == ["answer", "follow_up"]
    assert HOSTILE in first["answers"][1]["text"]  # JSON is data: kept verbatim
    assert first["answers"][1]["follow_up_asked"] and first["outline"]
    kept = critiques(state)
    assert first["answers"][0]["critique"]["strengths"] == kept[0].strengths
    assert [q["skipped"] for q in questions].count(True) == 1
    assert all("critique" not in m for m in document["transcript"])  # the critiques sit with their questions


def test_the_finished_screen_transcript_is_every_question_in_order(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    text = full_transcript_markdown(state)
    records = question_records(state)
    assert len(records) == len(state.asked) == 3
    positions = [text.index(f"### Question {r.number}: {prose(r.question)}") for r in records]
    assert positions == sorted(positions)
    assert text.count("**Your answer:**") == 1 and text.count("**Your follow-up answer:**") == 1
    assert "# AI PM mock interview report" not in text and "## Summary" not in text


def test_coach_comments_and_overrides_reach_the_reports() -> None:
    service = InterviewService()
    coach = accounts.add_coach(service.store, "lead@reports.test", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=3)
    assignment = assignments.create_assignment(service.store, coach, "Reports", "feature", None, [], 1, 2, None, due)
    sid = start_attempt(service, assignment.code, "Ada", None, "key-ada").session_id
    result = service.submit(sid, on_topic(service, sid))
    while not result.done:
        result = service.submit(sid, "end")
    assert coach_reviews(service.store, sid) == []  # nothing reviewed yet
    answer = next(t for t in service.store.turns(sid) if t.kind == "answer")
    comment = "Good <b>sizing</b>, but [see](http://x.test) the rollback plan."
    reviews.review(service.store, coach, answer.id, dimension="communication", score=5, comment=comment)
    turns = coach_reviews(service.store, sid)
    state = service.view(sid)
    text = markdown_report(state, turns)
    assert f"- On your answer: set Communication to 5/5; commented: “{prose(comment)}”" in text
    from bot.coaching.reports import candidate_results

    (scored,) = candidate_results(service.store, sid)["attempt"]["questions"]
    assert f"**After the coach's review:** {scored['overall']:.1f}/5" in text
    assert "Communication 5.0" in text.split("**After the coach's review:**")[1]
    assert "<b>" not in RENDERER.render(text)
    document = json.loads(json_report(state, turns))
    assert document["questions"][0]["coach_reviews"] == [
        {"on": "your answer", "dimension": "communication", "score": 5, "comment": comment}
    ]
    assert document["overall_after_coach_review"] == candidate_results(service.store, sid)["attempt"]["overall"]
    assert "Coach review" not in markdown_report(state)  # without the reviews, none is invented


def test_held_back_feedback_stays_out_of_an_unfinished_report() -> None:
    service = InterviewService()
    coach = accounts.add_coach(service.store, "hold@reports.test", "a long enough password")
    due = datetime.now(UTC) + timedelta(days=3)
    assignment = assignments.create_assignment(
        service.store, coach, "Held", "feature", None, [], 2, 2, None, due, feedback_after_end=True
    )
    sid = start_attempt(service, assignment.code, "Bo", None, "key-bo").session_id
    service.submit(sid, "I would ship it and watch the numbers closely for a week.")
    state = service.view(sid)
    kept = critiques(state)
    assert kept and kept[0].gaps  # the critic found gaps: the report must not show them yet
    text = markdown_report(state)
    assert not any(prose(gap) in text for gap in kept[0].gaps)
    assert "shown once the interview ends" in text
    document = json.loads(json_report(state))
    assert document["last_critique"] is None
    assert document["questions"][0]["answers"][0]["critique"]["gaps"] == []


def pdf_text(path: Path) -> str:
    """Every page's text without its footer and with all whitespace removed (lines break wherever they fit)."""
    from pypdf import PdfReader

    pages = [re.sub(r"\n[^\n]* · page \d+\s*$", "", page.extract_text()) for page in PdfReader(str(path)).pages]
    return re.sub(r"\s+", "", "".join(pages))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_report_holds_the_answers_and_the_critiques(finished) -> None:
    service, sid = finished
    state = service.view(sid)
    path = Path(write_session_pdf(state))
    assert path.suffix == ".pdf" and sid not in str(path) and path.read_bytes().startswith(b"%PDF-")
    text = pdf_text(path)
    answer = next(m.content for m in state.transcript if m.role == "user" and m.kind == "answer")
    assert squeezed(answer[-300:]) in text  # the candidate's answer, as typed
    strength = next(s for c in critiques(state) for s in c.strengths)
    assert squeezed(strength) in text  # a strength, with the span it quotes
    assert squeezed("<script>alert(1)</script>") in text  # hostile text printed, not interpreted
    assert b"/URI" not in path.read_bytes()  # no link of the candidate's became a live one


@pytest.mark.without_index
@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("Café, naïve, São Paulo, Ærø, Łódź", "Café, naïve, São Paulo, Ærø, Łódź"),
        ("Привет, как дела? Γειά σου", "Привет, как дела? Γειά σου"),
        ("我会先定义成功指标", MISSING * 9),  # no CJK glyphs in the font: visibly degraded, not dropped
    ],
)
def test_the_pdf_prints_any_script_or_says_what_it_cannot(tmp_path: Path, written: str, printed: str) -> None:
    path = markdown_to_pdf(f"# Report\n\n> {written}\n", tmp_path / "report.pdf", "Report")
    text = pdf_text(path)
    assert squeezed(printed) in text
    assert (squeezed(NOTE) in text) == (MISSING in printed)  # the note appears exactly when something was degraded


@pytest.mark.without_index
def test_the_pdf_survives_emoji_arabic_huge_and_hostile_markdown(tmp_path: Path) -> None:
    written = "مرحبا بالعالم 🦄 ✓ " + "x" * 3000 + "\n\n" + HOSTILE + "\n\n" + ("A long answer line. " * 4000)
    path = markdown_to_pdf(written, tmp_path / "big.pdf", "Big")
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert len(reader.pages) > 5
    text = pdf_text(path)
    assert MISSING in text and squeezed(NOTE) in text  # the unicorn has no glyph
    assert "✓" in text and "<script>" in text and b"/URI" not in path.read_bytes()


def test_a_try_again_shows_as_a_new_attempt_with_its_verdict() -> None:
    service = InterviewService()
    sid = service.start("feature", questions=2).session_id
    service.submit(sid, "I would ship it and see how it goes.")
    service.try_again(sid)
    attempt = on_topic(service, sid)
    service.submit(sid, attempt)
    verdict = next(m.content for m in service.view(sid).transcript if m.kind == "retry_critique")
    text = full_transcript_markdown(service.view(sid))
    assert f"**Your new attempt (try again):**\n\n> {prose(attempt)}" in text
    assert prose(verdict) in text and text.count("### Question 1:") == 1
    retried = service.store.turns(sid)[-1].critique or {}  # the attempt's own critique, not only its verdict
    advice = retried["gaps"][:3] + list(retried["next_level"].values())
    assert advice and all(prose(line) in text for line in advice)
