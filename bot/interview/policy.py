"""Interview policy: what the input asks for, which question comes next, when to probe, how a question scores."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from bot.content.questions import Question
from bot.content.rubric import Rubric
from bot.content.vocabulary import SCORED
from bot.critic.model import Critique
from bot.interview.state import InterviewState, QuestionResult

HINT_PENALTY = 0.5  # points off the question's overall per hint
FOLLOW_UP_BELOW = 3.5  # ask a probe when the weakest core dimension scores under this
MAX_PROBES = 2
_END = re.compile(r"^\s*(end|stop|quit|finish|exit|end (the )?interview|i'?m done)\s*[.!]?\s*$", re.I)
_SKIP = re.compile(r"^\s*(skip|pass|next( question)?|skip (this|it))\s*[.!]?\s*$", re.I)
_HINT = re.compile(r"^\s*((give me |can i (get|have) |i need )?a? ?hint|help)\s*[.!?]?\s*$", re.I)
_ASKING = re.compile(r"^\s*(what|which|who|when|where|how|is|are|do|does|can|could|should|would|may|am)\b", re.I)


def classify(text: str, state: InterviewState) -> str:
    """What the candidate's input asks for; anything unrecognised is treated as an answer."""
    if state.done:
        return "done"
    if not state.current:
        return "start"
    if not text.strip():
        return "empty"
    if _END.match(text):
        return "end"
    if _SKIP.match(text):
        return "skip"
    if _HINT.match(text):
        return "hint"
    if text.strip().endswith("?") and len(text.split()) <= 30 and _ASKING.match(text):
        return "clarify"
    return "answer"


def choose_question(
    state: InterviewState, pool: list[Question], seen_before: Callable[[], set[str]]
) -> Question | None:
    """The next question: the plan's custom questions first, in order, then the best bank question.

    Bank questions the candidate saw in any session (`seen_before`) are skipped; once they have seen them all,
    any question not asked in this session will do.
    """
    custom = next((q for q in state.custom if q.id not in state.asked), None)
    if custom is not None:
        return custom
    level = target_difficulty(state.difficulty, [r.overall for r in state.results if r.overall is not None])
    covered, focus = set(state.covered), frozenset(state.focus)
    seen = set(state.asked) | seen_before()
    question = pick_next(pool, seen, covered, state.background, level, state.session_id, focus)
    if question is None and len(state.asked) < len(pool):
        question = pick_next(pool, set(state.asked), covered, state.background, level, state.session_id, focus)
    return question


def probe_dimension(state: InterviewState) -> str | None:
    """The dimension to ask a follow-up on: the weakest core one not yet probed, when it is weak enough."""
    entry = state.result_for(state.current)
    open_dims = [d for d in SCORED if d not in state.probed]
    if entry is None or entry.scores is None or state.probes >= MAX_PROBES or not open_dims:
        return None
    weakest = min(open_dims, key=lambda d: entry.scores[d])  # type: ignore[index]
    return weakest if entry.scores[weakest] < FOLLOW_UP_BELOW else None


def question_overall(rubric: Rubric, scores: dict[str, float], hints: int) -> float:
    """A question's overall: the rubric's weighting of its scores, less HINT_PENALTY per hint, never below 1."""
    return max(1.0, rubric.overall(scores) - HINT_PENALTY * hints)


def record_critique(
    state: InterviewState, question_text: str, critique: Critique, rubric: Rubric
) -> list[QuestionResult]:
    """The results with this critique applied: a first answer sets the scores, a follow-up can only raise the probed one."""
    results = [r.model_copy(deep=True) for r in state.results]
    entry = next((r for r in results if r.question_id == state.current), None)
    if entry is None:
        entry = QuestionResult(
            question_id=str(state.current),
            question=question_text,
            scores=dict(critique.dimensions),
            gaps=list(critique.gaps)[:3],
            citations=[c.topic for c in critique.citations],
        )
        results.append(entry)
    elif entry.scores is not None and state.probed:
        probed = state.probed[-1]
        entry.scores[probed] = max(entry.scores[probed], critique.dimensions[probed])
    entry.hints = state.hints
    if entry.scores is not None:
        entry.overall = question_overall(rubric, entry.scores, entry.hints)
    return results


# Background shifts the mix: technical candidates need product judgment and positioning practice,
# PM candidates need evaluation and ML-literacy practice.
BACKGROUND_BOOST = {
    "technical": {"product-judgment": 1.0, "positioning": 1.0, "user-research": 0.4},
    "pm": {"evaluation": 0.6, "probabilistic-behavior": 0.8, "researchers": 0.8, "prompt-engineering": 0.8},
}


def target_difficulty(start: int, recent_overall: list[float]) -> int:
    """Step difficulty up after a strong answer and down after a weak one."""
    level = start
    for score in recent_overall[-2:]:
        if score >= 3.8:
            level += 1
        elif score <= 2.2:
            level -= 1
    return max(1, min(3, level))


def pick_next(
    candidates: list[Question],
    asked: set[str],
    covered_skills: set[str],
    background: str,
    difficulty: int,
    seed: str,
    focus: frozenset[str] = frozenset(),
) -> Question | None:
    """The unasked question that best covers new skills at the target difficulty, for this background.

    The difficulty is kept whenever an unasked question has it: a candidate who chose difficulty 2 is asked a
    difficulty-2 question, not a harder one that happens to cover more skills.
    """
    fresh = [q for q in candidates if q.id not in asked]
    if not fresh:
        return None
    at_level = [q for q in fresh if q.difficulty == difficulty]
    fresh = at_level or fresh
    boost = BACKGROUND_BOOST.get(background, {})

    def value(q: Question) -> tuple[float, str]:
        new_skills = [s for s in q.skills if s not in covered_skills]
        core = sum(1.0 for s in q.skills if s in ("evaluation", "failure-modes"))
        score = 1.5 * len(new_skills) + 0.7 * core + sum(boost.get(s, 0.0) for s in q.skills)
        score += 2.0 * sum(1 for s in q.skills if s in focus)  # a coach's skill focus outweighs variety
        score -= 1.2 * abs(q.difficulty - difficulty)
        tiebreak = hashlib.sha256(f"{seed}:{q.id}".encode()).hexdigest()  # varied but reproducible
        return score, tiebreak

    return max(fresh, key=value)
