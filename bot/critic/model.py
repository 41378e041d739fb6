"""What the critic produces and reads: the `Critique`, its citations, and the `Target` an answer is judged against."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from bot.content.questions import FollowUp, Question


class Citation(BaseModel):
    """A guide chunk the critique drew on."""

    topic: str
    source: str
    heading: str
    text: str = ""


class Critique(BaseModel):
    """Rubric feedback on one answer.

    `overall` is None only when the critic declines to grade (the answer is not
    in English); `notices` then says why and `dimensions` is empty.
    """

    overall: float | None = Field(default=None, ge=1, le=5)
    dimensions: dict[str, float]
    strengths: list[str]
    gaps: list[str]
    follow_up: str | None
    follow_up_dimension: str | None
    stronger_answer: list[str]
    citations: list[Citation]
    source: str = "offline"
    flags: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    offline_overall: float | None = None
    question_id: str | None = None
    held_back: bool = False  # gaps and outline withheld until the interview ends (a coach's assignment setting)
    # per dimension under level 4: "<title> is 2.4, about level 2; level 3 means: ..." (matches the score shown)
    next_level: dict[str, str] = Field(default_factory=dict)

    @property
    def graded(self) -> bool:
        return self.overall is not None


@dataclass(frozen=True)
class Target:
    """What an answer is judged against: the question and its key points (bank or derived)."""

    text: str
    role: str
    domain: str | None
    key_points: dict[str, list[str]]
    follow_ups: tuple[FollowUp, ...] = ()
    question_id: str | None = None
    derived: bool = False  # key points are general rubric concepts, which sit farther from concrete sentences

    @property
    def ramp(self) -> tuple[float, float]:
        """Similarity that earns no credit, and similarity that earns full credit."""
        return (0.15, 0.45) if self.derived else (0.25, 0.6)

    @classmethod
    def of(cls, question: Question) -> Target:
        return cls(
            question.text, question.role, question.domain, question.key_points, tuple(question.follow_ups), question.id
        )
