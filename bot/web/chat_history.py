"""The interview's chat as the candidate sees it: each answer followed by its critique card, earlier cards collapsed.

The transcript says what was asked and answered; the stored turns hold every critique. Each answer, follow-up
answer or new attempt is matched to its turn (same kind, same text, in order), and the interviewer's short
"Feedback: ..." line after it is replaced by the whole card. Every card stays in the chat: the latest one open,
earlier ones collapsed under a title with their score (Gradio's collapsible "thought" messages), so a refresh, a
resume link or the chat's clear button shows them all again.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.content.vocabulary import DIMENSIONS, label
from bot.critic.model import Critique
from bot.interview.retry import RETRY_ANSWER, RETRY_CRITIQUE, AttemptComparison, StoredTurn
from bot.interview.service import shown_critique
from bot.interview.state import InterviewState
from bot.web.render import critique_card, inert

CRITIQUED = ("answer", "follow_up", RETRY_ANSWER)  # inputs the critic grades, each stored as a turn of that kind
CARD_LINES = ("critique", RETRY_CRITIQUE)  # the interviewer's one-line stand-ins for a card
ChatMessage = dict[str, Any]


def chat_view(state: InterviewState, turns: Sequence[StoredTurn]) -> list[ChatMessage]:
    """The transcript as Chatbot messages, with a critique card after every graded answer (the latest open)."""
    waiting = [t for t in turns if t.kind in CRITIQUED]
    messages: list[ChatMessage] = []
    answered: StoredTurn | None = None
    number = 0
    for message in state.transcript:
        if message.kind == "question":
            number += 1
        if message.role == "user":
            messages.append({"role": "user", "content": inert(message.content)})
            if message.kind in CRITIQUED:
                answered = _take(waiting, message.kind, message.content)
            continue
        card = _card(state, answered, number) if message.kind in CARD_LINES else None
        messages.append(card or {"role": "assistant", "content": str(message.content)})
        answered = None if card else answered
    cards = [m for m in messages if "metadata" in m]
    for card in cards[:-1]:
        card["metadata"]["status"] = "done"  # collapsed; the newest card stays open
    return messages


def _take(waiting: list[StoredTurn], kind: str, text: str) -> StoredTurn | None:
    """The first stored turn of this kind with this text, dropping those before it (they were never shown)."""
    for index, turn in enumerate(waiting):
        if turn.kind == kind and turn.answer == text:
            del waiting[: index + 1]
            return turn
    return None


def _card(state: InterviewState, turn: StoredTurn | None, number: int) -> ChatMessage | None:
    """The card for the critique stored with `turn`, titled with its score; None without a graded critique."""
    stored = (turn.critique if turn is not None else None) or {}
    if turn is None or (stored.get("overall") is None and "attempt" not in stored):
        return None
    critique = Critique.model_validate(stored)
    critique = shown_critique(state, critique) or critique
    if "attempt" in stored:
        comparison = AttemptComparison.model_validate(stored["attempt"])
        return {
            "role": "assistant",
            "content": comparison_card(comparison, critique, turn.answer),
            "metadata": {"title": comparison_title(comparison)},
        }
    what = "your follow-up answer" if turn.kind == "follow_up" else "your answer"
    title = f"Question {number}: feedback on {what}, {critique.overall:.1f}/5"
    return {"role": "assistant", "content": critique_card(critique), "metadata": {"title": title}}


def comparison_title(comparison: AttemptComparison) -> str:
    """A try again's card title: the question, the attempt, and the score change."""
    head = f"Question {comparison.question_number}, attempt {comparison.attempt}"
    if comparison.overall is None:
        return f"{head}: no score"
    counts = "counts" if comparison.counted else "the earlier attempt counts"
    return f"{head}: {comparison.overall:.1f}/5 ({comparison.change:+.1f}; {counts})"


def _change(before: float, after: float) -> str:
    delta = round(after - before, 1)
    css = "coach-up" if delta > 0 else "coach-down" if delta < 0 else "coach-same"
    return f'<td class="{css}">{delta:+.1f}</td>'


def comparison_card(comparison: AttemptComparison, critique: Critique, answer: str) -> str:
    """Both attempts side by side (scores per dimension, the change, both answers), then the new attempt's card.

    Every candidate- or critic-derived string is escaped.
    """
    c, esc = comparison, html.escape
    parts = ['<div class="coach-card coach-attempts">', f"<h3>{esc(comparison_title(c))}</h3>"]
    if c.scores is None or c.overall is None:
        reasons = "".join(f"<p>{esc(str(n))}</p>" for n in critique.notices)
        parts.append(f"<p>No score for this attempt.</p>{reasons}")
        parts.append(f"<p>The earlier attempt still counts: <b>{c.previous_overall:.1f}/5</b>.</p>")
    else:
        parts.append('<table class="coach-compare"><thead><tr><th>Dimension</th><th>Before</th>')
        parts.append(f"<th>Attempt {c.attempt}</th><th>Change</th></tr></thead><tbody>")
        for dim in (d for d in DIMENSIONS if d in c.scores and d in c.previous_scores):
            before, after = c.previous_scores[dim], c.scores[dim]
            parts.append(f"<tr><td>{esc(label(dim))}</td><td>{before:.1f}</td><td>{after:.1f}</td>")
            parts.append(_change(before, after) + "</tr>")
        parts.append(f"<tr><th>Overall</th><th>{c.previous_overall:.1f}</th><th>{c.overall:.1f}</th>")
        parts.append(_change(c.previous_overall, c.overall) + "</tr></tbody></table>")
        counted = c.overall if c.counted else c.previous_overall
        which = "this attempt" if c.counted else "the earlier attempt"
        hints = f" Each hint costs the same on both ({c.hints} used)." if c.hints else ""
        parts.append(f"<p>The better attempt counts for the question: {which}, <b>{counted:.1f}/5</b>.{hints}</p>")
    parts.append('<div class="coach-side-by-side">')
    for title, text in (("Before", c.previous_answer), (f"Attempt {c.attempt}", answer)):
        words = len(text.split())
        parts.append(
            f"<div><details><summary>{esc(title)}: your answer ({words} words)</summary>"
            f'<div class="coach-answer">{esc(text)}</div></details></div>'
        )
    parts.append("</div>")
    if c.overall is not None:
        parts.append(critique_card(critique))
    parts.append("</div>")
    return "".join(parts)


def notices_html(notices: Sequence[str], critique: Critique | None = None) -> str:
    """What the last turn said beside its critique (late, truncated, a double submit), escaped; "" when nothing."""
    shown = set(critique.notices) if critique is not None else set()
    lines = [n for n in dict.fromkeys(notices) if n not in shown]
    return "".join(f'<p class="coach-notice">⚠️ {html.escape(str(n))}</p>' for n in lines)
