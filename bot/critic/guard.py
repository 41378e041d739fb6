"""Untrusted candidate text: detecting instructions aimed at the grader, and bounding size."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.llm.tokens import truncate_tokens

CAP = 2.0  # the ceiling for answers that game the grader, wander off topic, or list terms without reasoning
GRADER_FLAG = "addressed_grader"  # the flag of an answer with text aimed at the grader; every critic keeps the cap

# Text that speaks to the grader or the model rather than answering the interviewer.
_INJECTION = [
    # a sentence-initial imperative to drop the rules (a quoted example inside an answer is not sentence-initial)
    r"(?:^|[.!?:]\s+|\n)\s*(?:please\s+|now\s+)?(?:ignore|disregard|forget|override)\b[^.\n]{0,50}"
    r"\b(?:instructions?|rubric|rules|prompt|previous|above|guidelines|grading|criteria)\b",
    r"\b(?:score|grade|rate|mark)\s+(?:this|me|my answer|the answer|it)\b[^.\n]{0,30}"
    r"(?:\b(?:5|five|10|ten|100)\b|perfect|full|maximum|highest)",
    r"\b(?:give|award|assign)\s+(?:me|this|it|the candidate|this answer)\b[^.\n]{0,30}"
    r"(?:perfect|full|maximum|max|top|highest|5/5|10/10|five out of five)",
    r"\b(?:deserves|merits|earns)\b[^.\n]{0,20}(?:5/5|10/10|perfect|full marks|maximum|a 5|five out of five)",
    r"\b(?:dear|attention|note to|message to|instructions? (?:to|for))\s+(?:the\s+)?"
    r"(?:grader|evaluator|judge|critic|scorer|reviewer|grading model|ai grader)\b",
    r"\bas the (?:grader|evaluator|judge|scorer)\b",
    r"</?\s*(?:system|assistant|user|answer|candidate_answer|instructions?|rubric|grader|score|critique|eval)\b[^>]{0,40}>",
    r"^\s*(?:system|assistant|grader)\s*:",
]
INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Screened:
    """Candidate text after screening: what to score, and what we noticed."""

    text: str
    injected: tuple[str, ...]
    truncated: bool

    @property
    def notices(self) -> list[str]:
        notes = []
        if self.injected:
            notes.append(
                "Part of this answer was addressed to the grader (e.g. asking for a score); it was ignored "
                "and the score is capped at 2. Answer the interviewer's question instead."
            )
        if self.truncated:
            notes.append("The answer was very long and was cut to fit; only the first part was assessed.")
        return notes


def cap_scores(scores: dict[str, float]) -> dict[str, float]:
    """Scores held at or under CAP."""
    return {d: min(s, CAP) for d, s in scores.items()}


def find_injections(text: str) -> list[str]:
    """The spans of `text` that address the grader, in order."""
    return [m.group(0).strip() for m in INJECTION_RE.finditer(text)]


def screen(text: str, token_limit: int) -> Screened:
    """Bound the text to `token_limit` tokens and report grader-directed spans."""
    bounded, truncated = truncate_tokens(text, token_limit)
    return Screened(text=bounded, injected=tuple(find_injections(bounded)), truncated=truncated)


def fence(text: str, tag: str = "candidate_answer") -> str:
    """Wrap untrusted text in a delimiter it cannot close (any look-alike tag inside is neutralised)."""
    neutral = re.sub(rf"</?\s*{tag}\s*>", "[tag removed]", text, flags=re.IGNORECASE)
    return f"<{tag}>\n{neutral}\n</{tag}>"
