"""The words of a critique.

Strengths that quote what supports them, gaps that were really missed, level text that matches the score (apart
from the gaps), the outline of a stronger answer, and the follow-up an interviewer would ask.
"""

from __future__ import annotations

import re

from bot.content.rubric import Rubric
from bot.content.vocabulary import SCORED, label
from bot.critic.features import AnswerView, Coverage, is_list_item
from bot.critic.guard import GRADER_FLAG
from bot.critic.model import Target

# Chosen out of fold (5 folds grouped by question) on the pairs labelled from gen-train answers, writing styles the
# pair classifier had never been fitted on: from 0.8, 82% of credited pairs make the point and 90% make at least part
# of it (the classifier fitted without those pairs: 62% and 82%); where every labelled sentence of an answer stays
# under 0.15 for a key point, none of them makes it in 92% of cases. In between the critic is not sure, and says
# nothing either way. Stricter thresholds (0.85 and 0.12) left 50 of 60 gen-train critiques with no gap at all.
STRENGTH_CREDIT = 0.8
GAP_CREDIT = 0.15
# Missed points are listed only on a dimension that scores under this. Where a dimension scores 3 or more the answer
# has made its points somehow, and a point the classifier did not credit is usually one made in other words: on the
# labelled critiques of the fitting splits (rounds 3 and 4 and dev-gen-train), 52 of 53 gaps on dimensions under 3
# were right, against 104 of 153 on the others.
GAP_BELOW = 3.0
QUOTE_CHARS = 160
# A key point the knowledge review marked "Debatable: whether X. <both sides>. Credit either when ..." is a note to
# graders; the candidate sees it as the judgment call it is, without the grading note.
_DEBATABLE = re.compile(r"^\s*Debatable:\s*(?P<first>[^.]*)\.", re.IGNORECASE)


def shown(point: str) -> str:
    """A key point as the candidate reads it on the card."""
    found = _DEBATABLE.match(point)
    if not found:
        return point
    return (
        f"A judgment call: decide {found['first'].strip()}, and give your reason (a good answer can land either way)."
    )


def quote(sentence: str) -> str:
    """A sentence short enough to quote on the card."""
    return sentence if len(sentence) <= QUOTE_CHARS else sentence[: QUOTE_CHARS - 3] + "..."


def level_text(rubric: Rubric, dim: str, score: float) -> str | None:
    """What the next level asks, named from the score as shown (2.9 is "about level 3", never "level 2")."""
    level = max(1, min(5, int(score + 0.5)))
    if level >= 4:
        return None
    title = rubric.dimensions[dim].title
    return f"{title} is {score:.1f}, about level {level}; level {level + 1} means: {rubric.dimensions[dim].levels[level + 1]}"


# Answers graded as a list or capped: their notice says why, and a level's description would only mislead.
NO_LEVEL_FLAGS = frozenset(
    [GRADER_FLAG, "too_short", "off_topic", "list_without_reasoning", "pasted_outline", "padding"]
)


def next_level(rubric: Rubric, scores: dict[str, float], only: str | None = None) -> dict[str, str]:
    """Per dimension under level 4 (or `only` that one): its score, level, and what the next level asks.

    Kept apart from the gaps: it is the rubric's wording at the score shown, not a claim that a point was missed.
    """
    out = {}
    for dim in SCORED if only is None else [only]:
        text = level_text(rubric, dim, scores[dim])
        if text:
            out[dim] = text
    return out


def _claim(sentence: str) -> bool:
    """A sentence that can be quoted as making a point: not a list of terms, not a heading ("Quality:")."""
    return not is_list_item(sentence) and not sentence.rstrip().endswith(":")


def strengths(view: AnswerView, target: Target, coverage: dict[str, list[Coverage]]) -> list[str]:
    """Up to three key points the answer supports, each quoting a different sentence that supports it.

    A heading or a list of terms is never quoted as making a point.
    """
    found = sorted(
        (
            (cov.credit, dim, point, cov.sentence)
            for dim in SCORED
            for point, cov in zip(target.key_points.get(dim, []), coverage[dim], strict=True)
            if cov.credit >= STRENGTH_CREDIT and cov.sentence >= 0 and _claim(view.sentences[cov.sentence])
        ),
        reverse=True,
    )
    used: set[int] = set()
    out: list[str] = []
    for _, dim, point, idx in found:
        if idx in used:
            continue
        used.add(idx)
        out.append(f'{label(dim)}: you said "{quote(view.sentences[idx])}", which covers: {shown(point)}')
        if len(out) == 3:
            break
    return out


def gaps(
    target: Target,
    rubric: Rubric,
    scores: dict[str, float],
    coverage: dict[str, list[Coverage]],
    limit: int = 5,
    only: str | None = None,
) -> list[str]:
    """Key points no sentence of the answer makes, weakest dimension first (or `only` one), two per dimension.

    Only on dimensions scoring under GAP_BELOW: above it, "you did not say X" is more often wrong than right.
    """
    out: list[str] = []
    for dim in sorted(SCORED, key=lambda d: scores[d]) if only is None else [only]:
        if scores[dim] >= GAP_BELOW:
            continue
        title = rubric.dimensions[dim].title
        missed = [
            p for p, cov in zip(target.key_points.get(dim, []), coverage[dim], strict=True) if cov.credit < GAP_CREDIT
        ]
        out += [f"{title}: {shown(point)}" for point in missed[:2]]
    return out[:limit]


def follow_up(target: Target, rubric: Rubric, dim: str) -> str:
    """The question's own follow-up on `dim`, else the rubric's probe for it."""
    own = [f.text for f in target.follow_ups if f.dimension == dim]
    return own[0] if own else rubric.dimensions[dim].probe


def outline(target: Target) -> list[str]:
    """The outline of a stronger answer, from the key points."""
    pj = target.key_points.get("product_judgment", [])
    lines = [f"Frame the problem: {shown(pj[0])}"] if pj else []
    lines += [f"Evaluate: {shown(p)}" for p in target.key_points.get("evaluation", [])[:3]]
    lines += [f"Plan for failure: {shown(p)}" for p in target.key_points.get("failure_modes", [])[:3]]
    lines += [f"Decide: {shown(p)}" for p in pj[1:2]]
    lines.append("Close with a recommendation and the number that would change your mind.")
    return lines


FLAG_NOTICES = {
    "too_short": "The answer is too short to show reasoning; aim for a structured answer of 150-300 words.",
    "off_topic": (
        "This answer does not address this question: it fits a different scenario, or says almost nothing about "
        "this one, so it is scored as off-topic (at most 2). Answer the question as asked."
    ),
    "long_answer": (
        "This answer is far longer than an interview answer (aim for 150-400 words). Only its first 350 words "
        "were assessed, and communication is held at 2.5: say each point once, in order, and close."
    ),
    "list_without_reasoning": "The answer lists terms without a plan for this scenario; the score is capped at 2.",
    "pasted_outline": (
        "Most of this answer restates key points or an outline without a plan for this scenario; "
        "it is graded as a list (at most 2.5). Say what you would do here, with what data and which decision."
    ),
    "repetition": "Repeated sentences were counted once.",
    "padding": (
        "Much of this answer restates the same points in other words; length from repetition adds nothing, so "
        "the score is capped at 2. Say each point once, then go deeper on the plan for this scenario."
    ),
}
