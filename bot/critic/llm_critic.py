"""The LLM critic: structured JSON against the same rubric and key points, cross-checked by the offline critic."""

from __future__ import annotations

import json
import re
from pathlib import Path

from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field, ValidationError

from bot.content.rubric import Rubric
from bot.content.vocabulary import DIMENSIONS
from bot.critic import feedback
from bot.critic.guard import GRADER_FLAG, cap_scores, fence
from bot.critic.model import Critique, Target
from bot.llm.chat import LLM, LLMFailure, Usage
from bot.llm.prompts import render

DISAGREEMENT = 1.5  # overall points between LLM and offline critic that we flag to the candidate


class _Reply(BaseModel):
    dimensions: dict[str, float]
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    follow_up: str = ""
    stronger_answer: list[str] = Field(default_factory=list)


def _parse(text: str) -> _Reply:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        raise ValueError("no JSON object in the reply")
    reply = _Reply.model_validate(json.loads(match.group(0)))
    if set(reply.dimensions) != set(DIMENSIONS) or not all(1 <= v <= 5 for v in reply.dimensions.values()):
        raise ValueError("dimensions must score all four rubric dimensions from 1 to 5")
    return reply


def llm_critique(
    llm: LLM,
    prompts_dir: Path,
    target: Target,
    answer: str,
    rubric: Rubric,
    offline: Critique,
    usage: Usage | None = None,
) -> Critique:
    """The LLM's critique; raises LLMFailure (after one retry) when the call or its JSON fails."""
    prompt = render(
        prompts_dir,
        "critic",
        role=target.role,
        domain=target.domain,
        question=target.text,
        key_points=target.key_points,
        dimensions=list(rubric.dimensions.values()),
        answer=fence(answer),
    )
    last: Exception | None = None
    for _attempt in range(2):
        try:
            reply = _parse(llm.complete([HumanMessage(prompt)], usage))
            break
        except (ValueError, ValidationError, json.JSONDecodeError) as exc:
            last = exc
    else:
        raise LLMFailure(f"malformed critique: {last}")
    scores = {d: round(float(reply.dimensions[d]), 1) for d in DIMENSIONS}
    if GRADER_FLAG in offline.flags:  # the cap holds whatever the model says
        scores = cap_scores(scores)
    overall = rubric.overall(scores)
    notices = list(offline.notices)
    flags = list(offline.flags)
    if offline.overall is not None and abs(overall - offline.overall) >= DISAGREEMENT:
        flags.append("critics_disagree")
        notices.append(
            f"The AI critic ({overall}) and the offline critic ({offline.overall}) disagree by "
            f"{abs(overall - offline.overall):.1f} points; treat this score with caution."
        )
    return offline.model_copy(
        update={
            "overall": overall,
            "dimensions": scores,
            "strengths": reply.strengths or offline.strengths,
            "gaps": reply.gaps or offline.gaps,
            "next_level": {} if set(offline.flags) & feedback.NO_LEVEL_FLAGS else feedback.next_level(rubric, scores),
            "follow_up": reply.follow_up or offline.follow_up,
            "stronger_answer": reply.stronger_answer or offline.stronger_answer,
            "source": f"llm:{llm.name}",
            "flags": flags,
            "notices": notices,
            "offline_overall": offline.overall,
        }
    )
