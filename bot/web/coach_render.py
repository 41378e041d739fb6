"""Coach-side HTML and Markdown as pure functions: the custom-question list, review badges, an attempt for print.

Every coach- or candidate-written string is escaped (HTML) or made inert (Markdown): nothing anyone typed can
link, load an image or run.
"""

from __future__ import annotations

import html
from typing import Any

from bot.content.vocabulary import DIMENSIONS, label
from bot.interview.summary import SCORE_DECIMALS
from bot.web.render import due_text, inert

NO_CUSTOM = "<p><em>No custom questions: the interview takes every question from the bank.</em></p>"
ASSIGNMENTS_OWN = "the assignment's"


def _placement(question: dict[str, Any]) -> str:
    """Role, domain and difficulty of a custom question, in words."""
    role = question.get("role") or f"{ASSIGNMENTS_OWN} role"
    domain = f" · {question['domain']}" if question.get("domain") else ""
    level = question.get("difficulty")
    return f"{role}{domain} · difficulty {level if level else ASSIGNMENTS_OWN}"


def custom_questions_html(questions: list[dict[str, Any]]) -> str:
    """The custom questions being composed, numbered, with key points and follow-ups; escaped HTML."""
    if not questions:
        return NO_CUSTOM
    esc = html.escape
    parts = ['<ol class="custom-questions">']
    for question in questions:
        points = "".join(
            f"<li><b>{esc(label(d))}</b>: {esc(' · '.join(question['key_points'][d]))}</li>"
            for d in DIMENSIONS
            if question["key_points"].get(d)
        )
        follow = "".join(
            f"<li><b>Follow-up ({esc(label(f['dimension']).lower())})</b>: {esc(f['text'])}</li>"
            for f in question.get("follow_ups") or []
        )
        parts.append(
            f"<li><p>{esc(question['text'])}</p><p><small>{esc(_placement(question))}</small></p>"
            f"<ul>{points}{follow}</ul></li>"
        )
    parts.append("</ol>")
    return "".join(parts)


def custom_question_choices(questions: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The composed questions as dropdown choices (number and opening words, index)."""
    return [(f"{n}. {q['text'][:70]}", n - 1) for n, q in enumerate(questions, 1)]


# -- what a candidate sees of a coach's review -----------------------------------------------------------------


def review_badge(mark: dict[str, Any] | None) -> str:
    """The History column for one session: "💬 comments" when a coach wrote, "Reviewed" for scores only, else ""."""
    if not mark:
        return ""
    return "💬 comments" if mark["comments"] else "Reviewed"


def review_notice(mark: dict[str, Any]) -> str:
    """The notice a candidate sees on opening a session their coach reviewed (Markdown, no coach text in it)."""
    when = due_text(mark["latest"]) + " UTC" if mark.get("latest") else ""
    what = "commented on" if mark["comments"] else "reviewed"
    dated = f" ({when})" if when else ""
    return f"💬 **Your coach {what} this attempt{dated}.** Open *My results and coach comments* below to read it."


def history_notice(marks: dict[str, dict[str, Any]]) -> str:
    """The History tab's line when a coach reviewed any listed session, or ""."""
    if not marks:
        return ""
    count = len(marks)
    which = "one of your attempts" if count == 1 else f"{count} of your attempts"
    return f"💬 Your coach reviewed {which} (marked in the table): read it under *Read your coach's comments* below."


# -- an attempt as a document, for the coach's PDF ------------------------------------------------------------


def _score(value: Any) -> str:
    return "–" if value is None else f"{float(value):.{SCORE_DECIMALS}f}"


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in inert(text).splitlines()] or [">"]


def attempt_markdown(view: dict[str, Any]) -> str:
    """One attempt (the coach's transcript view) as inert Markdown: who, scores, each answer, critiques, comments."""
    attempt, assignment = view["attempt"], view.get("assignment") or {}
    lines = [f"# {inert(assignment.get('title') or 'Assignment')}: {inert(attempt['candidate_name'] or 'Candidate')}"]
    lines += ["", f"- **Attempt:** {inert(attempt['attempt_id'])}", f"- **Started:** {inert(attempt['started'])}"]
    lines.append(f"- **Finished:** {inert(attempt['finished'] or 'not finished')}")
    lines.append(f"- **Overall:** {_score(attempt['overall'])}/5")
    lines.append("- **By dimension:** " + ", ".join(f"{label(d)} {_score(attempt.get(d))}" for d in DIMENSIONS))
    lines += ["", "## Answers", ""]
    for turn in view["turns"]:
        late = " (late)" if turn.get("late") else ""
        lines += [f"### {turn['seq']}. {inert(turn['prompt'])}{late}", "", *_quote(turn["answer"]), ""]
        if turn["scores"]:
            scored = (
                f"{inert(label(k))} {_score(s['score'])} ({inert(s['source'])})" for k, s in turn["scores"].items()
            )
            lines += ["**Scores:** " + "; ".join(scored), ""]
        critique = turn.get("critique") or {}
        for title, key in (("Strengths", "strengths"), ("Gaps", "gaps")):
            lines += [f"- **{title}:** {inert(item)}" for item in critique.get(key) or []]
        if critique.get("follow_up"):
            lines.append(f"- **Follow-up:** {inert(critique['follow_up'])}")
        for entry in turn["reviews"]:
            if entry["comment"]:
                lines.append(f"- **Coach {inert(entry['coach'])}:** {inert(entry['comment'])}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
