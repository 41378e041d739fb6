"""What the app renders from candidate, coach and guide text is inert HTML."""

import pytest

from bot.coaching import accounts, assignments
from bot.coaching.reports import attempts, transcript
from bot.critic.model import Citation, Critique
from bot.web.render import critique_card
from tests.storage import assignment_fields, fresh_store, take_attempt

pytestmark = pytest.mark.without_index

HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_critique() -> Critique:
    return Critique(
        overall=3.2,
        dimensions={"evaluation": 4.0, "failure_modes": 2.0, "product_judgment": 3.0, "communication": 3.5},
        strengths=[f"you said {HOSTILE}"],
        gaps=[f"gap {HOSTILE}"],
        follow_up=f"What about {HOSTILE}?",
        follow_up_dimension="failure_modes",
        stronger_answer=[f"step {HOSTILE}"],
        citations=[
            Citation(topic="evaluation", source=f"{HOSTILE}.md", heading=f"Heading {HOSTILE}", text=f"Text {HOSTILE}")
        ],
        notices=[f"notice {HOSTILE}"],
        next_level={
            "failure_modes": f"weakest {HOSTILE}",
            "product_judgment": "Product judgment is 3.0, about level 3; level 4 means: ...",
        },
    )


def test_critique_card_escapes_the_citation_source():
    card = critique_card(hostile_critique())
    assert "&lt;img src=x onerror=alert(1)&gt;.md" in card
    assert "<img" not in card


def test_critique_card_escapes_every_text_field():
    card = critique_card(hostile_critique(), notices=[f"top {HOSTILE}"])
    for shown in ("you said", "gap", "What about", "step", "Heading", "Text", "notice", "top", "weakest"):
        assert f"{shown} &lt;img src=x onerror=alert(1)&gt;" in card, shown
    assert "<img" not in card and "onerror=alert(1)>" not in card


def test_coach_pages_keep_candidate_html_as_text(monkeypatch):
    from bot.web.render import attempts_html, transcript_html

    store = fresh_store("sqlite", monkeypatch)
    coach = accounts.add_coach(store, "a@coach.test", "correct horse battery")
    assignment = assignments.create_assignment(store, coach, **assignment_fields())
    take_attempt(store, assignment, name="<script>alert(1)</script>", scores=(3.0,))
    rows = attempts(store, coach, assignment.id)
    page = attempts_html(rows) + transcript_html(transcript(store, coach, rows[0]["attempt_id"]))
    assert "<script>" not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_a_product_judgment_gap_points_to_a_guide_about_product_decisions() -> None:
    from bot.content.vocabulary import GUIDE_FOR

    assert GUIDE_FOR["product_judgment"] != "role-types"  # a guide on role types says nothing about judgment
    assert GUIDE_FOR["product_judgment"] == "probabilistic-behavior"


def test_the_coach_transcript_shows_the_critique_beside_the_scores_and_the_candidate_view_does_not() -> None:
    from bot.web.render import transcript_html

    critique = {"strengths": ["Named a <b>rubric</b>"], "gaps": ["No fallback"], "follow_up": "And rollback?"}
    turn = {
        "seq": 1, "prompt": "Q?", "answer": "A.", "late": False, "critique": critique,
        "scores": {"overall": {"score": 3.0, "source": "offline critic"}}, "reviews": [],
    }  # fmt: skip
    view = {"attempt": {"candidate_name": "Ada"}, "turns": [turn]}
    coach = transcript_html(view, with_critique=True)
    assert "<summary>Critique</summary>" in coach and "No fallback" in coach and "And rollback?" in coach
    assert "Named a &lt;b&gt;rubric&lt;/b&gt;" in coach and "<b>rubric</b>" not in coach
    candidate = transcript_html(view)  # gaps may be held back from candidates until the attempt ends
    assert "No fallback" not in candidate and "Critique" not in candidate


def test_the_hint_button_says_what_it_costs() -> None:
    from bot.interview.policy import HINT_PENALTY
    from bot.interview.service import InterviewService
    from bot.web.app import CoachApp

    tab = CoachApp(InterviewService()).interview
    assert f"costs {HINT_PENALTY:g}" in tab.hint_btn.value


def test_both_attempts_render_side_by_side_as_text() -> None:
    from bot.interview.retry import AttemptComparison
    from bot.web.chat_history import comparison_card, notices_html

    scores = hostile_critique().dimensions
    comparison = AttemptComparison(
        question_id="fea-001",
        question_number=1,
        attempt=2,
        previous_answer=f"old {HOSTILE}",
        previous_scores={d: s - 1 for d, s in scores.items()},
        previous_overall=2.2,
        scores=scores,
        overall=3.2,
        counted=True,
    )
    card = comparison_card(comparison, hostile_critique(), f"new {HOSTILE}")
    assert "<img" not in card and "old &lt;img" in card and "new &lt;img" in card
    assert card.count('<td class="coach-up">+1.0</td>') == 5  # four dimensions and the overall
    assert "this attempt, <b>3.2/5</b>" in card and card.index("old &lt;img") < card.index("new &lt;img")
    worse = comparison.model_copy(update={"overall": 1.9, "counted": False})
    assert "the earlier attempt, <b>2.2/5</b>" in comparison_card(worse, hostile_critique(), "x")
    ungraded = comparison.model_copy(update={"scores": None, "overall": None, "counted": False})
    assert "No score for this attempt" in comparison_card(ungraded, hostile_critique(), "x")
    notes = notices_html([f"late {HOSTILE}", "notice <img src=x onerror=alert(1)>"], hostile_critique())
    assert notes.count("coach-notice") == 1 and "<img" not in notes  # the critique's own notice is on its card


def test_the_card_shows_the_weakest_dimensions_next_level_apart_from_the_gaps_unless_held_back():
    card = critique_card(hostile_critique())
    assert card.index("<h4>Gaps</h4>") < card.index("<h4>Next level</h4>") < card.index("weakest &lt;img")
    assert "Product judgment is 3.0" not in card  # one line: the weakest dimension's (failure modes, 2.0)
    held = critique_card(hostile_critique().model_copy(update={"held_back": True}))
    assert "Next level" not in held and "weakest" not in held


def test_a_card_without_gaps_says_none_is_clearly_missing_rather_than_a_bare_dash():
    card = critique_card(hostile_critique().model_copy(update={"gaps": []}))
    assert "<h4>Gaps</h4><p>None named: no key point is clearly missing.</p>" in card
