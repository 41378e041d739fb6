"""The session report's Markdown: the heading, the summary, and every question with its answers and critiques.

Every string that came from a candidate, a coach or a model goes through `prose` or `quote_block`, so the file
reads as typed and still renders no HTML, link or image of its own.
"""

from __future__ import annotations

from bot.coaching.reports import critic_label
from bot.content.vocabulary import ROLE_LABELS, label
from bot.critic.model import Critique
from bot.interview.policy import HINT_PENALTY
from bot.interview.state import InterviewState, Summary
from bot.web.report_text import prose, quote_block
from bot.web.session_record import AnswerRecord, CoachComment, QuestionRecord

TITLE = "AI PM mock interview report"


def _scores(scores: dict[str, float]) -> str:
    """One line of per-dimension scores."""
    return ", ".join(f"{label(d)} {float(s):.1f}" for d, s in scores.items())


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _items(title: str, items: list[str]) -> list[str]:
    """A bold title and a bulleted list of untrusted strings; nothing when the list is empty."""
    return [f"**{title}:**", "", *(f"- {prose(item)}" for item in items), ""] if items else []


def _critique_lines(critique: Critique, follow_up: bool) -> list[str]:
    """Scores, strengths (with what the candidate said) and gaps of one critique."""
    what = "Feedback on the follow-up" if follow_up else "Feedback"
    if critique.overall is None:
        return [f"**{what}:** not graded. " + prose(" ".join(critique.notices)), ""]
    lines = [
        f"**{what}: {critique.overall:.1f}/5** ({prose(critic_label({'source': critique.source}))}): "
        + _scores(critique.dimensions),
        "",
    ]
    lines += _items("Strengths", critique.strengths) or ["**Strengths:** none credited yet.", ""]
    if critique.held_back:
        lines += ["*Gaps and the stronger-answer outline are shown once the interview ends.*", ""]
    else:
        lines += _items("Gaps", critique.gaps)
        lines += _items("Next level", list(critique.next_level.values()))
    return lines


def _answer_lines(answer: AnswerRecord) -> list[str]:
    """One answer: the follow-up it answers, the answer as a quote, and its critique."""
    follow_up = answer.kind == "follow_up"
    lines = [f"**Follow-up asked:** {prose(answer.asked)}", ""] if follow_up and answer.asked else []
    said = {"follow_up": "Your follow-up answer", "retry": "Your new attempt (try again)"}.get(
        answer.kind, "Your answer"
    )
    lines += [f"**{said}:**", "", quote_block(answer.text), ""]
    if answer.kind == "retry" and answer.feedback:  # the comparison with the attempt before, then its critique
        lines += [prose(answer.feedback), ""]
    if answer.critique is not None:
        lines += _critique_lines(answer.critique, follow_up)
    elif answer.feedback and answer.kind != "retry":
        lines += [prose(answer.feedback), ""]
    lines += [f"*{prose(notice)}*" for notice in answer.notices]
    return lines + ([""] if answer.notices else [])


def _comment_line(comment: CoachComment) -> str:
    """One coach review in words."""
    parts = []
    if comment.score is not None:
        parts.append(
            f"set {label(comment.dimension) if comment.dimension != 'overall' else 'the overall'} to {comment.score}/5"
        )
    if comment.comment:
        parts.append(f"commented: “{prose(comment.comment)}”")
    return f"- On {comment.on}: " + "; ".join(parts)


def _result_line(record: QuestionRecord) -> str:
    """How the question went, in one line: skipped, or its score after follow-ups and hints."""
    result = record.result
    hints = record.hints_used
    cost = f" · {_plural(hints, 'hint')} (−{hints * HINT_PENALTY:g})"
    if record.skipped:
        return "**Skipped.**" + (f" {_plural(hints, 'hint')} used first." if hints else "")
    if result is None or result.overall is None:
        return "**Not scored** (no graded answer)." + (cost if hints else "")
    line = f"**Score for this question:** {result.overall:.1f}/5"
    if result.scores:
        line += f" · {_scores(result.scores)}"
    return line + (cost if hints else " · no hints")


def question_lines(record: QuestionRecord) -> list[str]:
    """One question: the wording, hints, clarifications, every answer with its critique, the outline, coach reviews."""
    lines = [f"### Question {record.number}: {prose(record.question)}", ""]
    if record.header:
        lines += [f"*{prose(record.header)}*", ""]
    lines += [_result_line(record), ""]
    for number, hint in enumerate(record.hints, start=1):
        lines += [f"**Hint {number}** (−{HINT_PENALTY:g} point): {prose(hint)}", ""]
    for asked, reply in record.clarifications:
        lines += [f"**You asked:** {prose(asked)}" if asked else "**You asked a clarifying question.**", ""]
        lines += [f"**Interviewer:** {prose(reply)}", ""] if reply else []
    for answer in record.answers:
        lines += _answer_lines(answer)
    if record.open_follow_up is not None:
        why = "you skipped it" if record.follow_up_skipped else "not answered"
        lines += [f"**Follow-up asked:** {prose(record.open_follow_up)} *({why})*", ""]
    outline = record.outline
    if outline:
        lines += ["**Outline of a stronger answer:**", "", *(f"{n}. {prose(p)}" for n, p in enumerate(outline, 1)), ""]
    elif not any(a.critique for a in record.answers) and record.result is not None and record.result.gaps:
        lines += _items("Gaps", record.result.gaps)
    if record.comments:
        lines += ["**Coach review:**", "", *(_comment_line(c) for c in record.comments), ""]
    if record.adjusted is not None:
        overall = record.adjusted["overall"]
        shown = f"{overall:.1f}/5" if overall is not None else "not scored"
        lines += [f"**After the coach's review:** {shown} · {_scores(record.adjusted['scores'])}", ""]
    return lines


def heading_lines(state: InterviewState, records: list[QuestionRecord]) -> list[str]:
    """The report's heading: role, background, and how far the session went (never the session id: it opens it)."""
    domain = f" ({prose(state.domain)})" if state.domain else ""
    answered = sum(1 for r in records if r.result is not None and r.result.overall is not None)
    skipped = sum(1 for r in records if r.skipped)
    hints = sum(r.hints_used for r in records)
    return [
        f"# {TITLE}",
        "",
        f"- **Role:** {prose(ROLE_LABELS.get(state.role, state.role))}{domain}",
        f"- **Background:** {prose(state.background)}",
        f"- **Questions:** {len(state.asked)} of {state.total} asked; {answered} answered, {skipped} skipped; "
        f"{_plural(hints, 'hint')} used",
        f"- **Status:** {'finished' if state.done else 'in progress'}",
        "",
    ]


def summary_lines(summary: Summary, records: list[QuestionRecord], adjusted: float | None = None) -> list[str]:
    """The end-of-session summary: overall, averages, skips, hints, biggest gaps and guides."""
    lines = ["## Summary", ""]
    if summary.overall is not None:
        coach = f" (after the coach's review: {adjusted:.1f}/5)" if adjusted is not None else ""
        lines += [f"**Overall:** {summary.overall:.1f}/5{coach}", ""]
    if summary.averages:
        lines += [f"**Averages:** {_scores(summary.averages)}", ""]
    skipped = [str(r.number) for r in records if r.skipped]
    lines.append(f"**Skipped:** {'question ' + ', '.join(skipped) if skipped else 'none'}  ")
    hinted = [f"question {r.number}: {r.hints_used}" for r in records if r.hints_used]
    total = sum(r.hints_used for r in records)
    cost = f", {total * HINT_PENALTY:g} point(s) off in all ({'; '.join(hinted)})" if total else ""
    lines += [f"**Hints used:** {total}{cost}", ""]
    if summary.gaps:
        lines += ["**Biggest gaps:**", ""]
    for gap in summary.gaps:
        guide = f" (guide: {prose(gap.guide)})" if gap.guide else ""
        lines.append(f"- **{prose(label(gap.dimension))}** {gap.average:.1f}/5{guide}")
        lines += [f"    - {prose(example)}" for example in gap.examples]
    if summary.guides:
        lines += ["", "**Guides to read:** " + ", ".join(prose(g) for g in summary.guides)]
    return [*lines, ""]
