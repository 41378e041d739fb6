"""The question bank (knowledge/questions/*.yaml) and how the next question is chosen."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from bot.config import DOMAINS, ROLES
from bot.errors import CoachError
from bot.rubric import DIMENSIONS

SKILLS = (
    "evaluation",
    "failure-modes",
    "prompt-engineering",
    "user-research",
    "probabilistic-behavior",
    "researchers",
    "product-judgment",
    "domain-regulation",
    "positioning",
)
Role = Literal["foundation", "platform", "feature", "vertical"]
Domain = Literal["healthcare", "legal", "finance"]


class FollowUp(BaseModel):
    """A probe aimed at one critique dimension."""

    dimension: str
    text: str

    @field_validator("dimension")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in DIMENSIONS:
            raise ValueError(f"unknown dimension {value!r}")
        return value


class Question(BaseModel):
    """One interview question with the key points a strong answer covers."""

    id: str
    role: Role
    domain: Domain | None = None
    skills: list[str] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    text: str = Field(min_length=20)
    key_points: dict[str, list[str]]
    follow_ups: list[FollowUp] = Field(min_length=1, max_length=2)

    @field_validator("skills")
    @classmethod
    def _skills(cls, value: list[str]) -> list[str]:
        unknown = set(value) - set(SKILLS)
        if unknown:
            raise ValueError(f"unknown skills {sorted(unknown)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if (self.role == "vertical") != (self.domain is not None):
            raise ValueError("vertical questions need a domain, and only they may have one")
        missing = [d for d in DIMENSIONS if d != "communication" and not self.key_points.get(d)]
        if missing:
            raise ValueError(f"key_points missing for {missing}")
        return self

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "role": self.role,
            "domain": self.domain,
            "skills": self.skills,
            "difficulty": self.difficulty,
            "text": self.text,
        }


def normalize(text: str) -> str:
    """Lower-case, whitespace-collapsed text for matching a question by its wording."""
    return re.sub(r"\s+", " ", text).strip().lower()


class QuestionBank:
    """All questions, by id and by wording."""

    def __init__(self, questions: list[Question]) -> None:
        self.questions = questions
        self.by_id = {q.id: q for q in questions}
        self.by_text = {normalize(q.text): q for q in questions}
        if len(self.by_id) != len(questions):
            raise CoachError("the question bank has duplicate ids; make every id unique")

    def find(self, text: str) -> Question | None:
        """The bank question with exactly this wording (case and spacing ignored), if any."""
        return self.by_text.get(normalize(text))

    def filter(self, role: str | None = None, domain: str | None = None) -> list[Question]:
        if role is not None and role not in ROLES:
            raise CoachError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if domain is not None and domain not in DOMAINS:
            raise CoachError(f"unknown domain {domain!r}; use one of {', '.join(DOMAINS)}")
        return [
            q for q in self.questions if (role is None or q.role == role) and (domain is None or q.domain == domain)
        ]


@lru_cache(maxsize=4)
def load_bank(folder: Path) -> QuestionBank:
    """Every question in `folder/*.yaml`, validated; errors name the file and question."""
    if not folder.is_dir():
        raise CoachError(f"question folder {folder} not found; restore knowledge/questions/")
    questions: list[Question] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text()) or []
        except yaml.YAMLError as exc:
            raise CoachError(f"{path.name}: invalid YAML ({str(exc).splitlines()[0]}); fix the file") from exc
        for n, item in enumerate(items, 1):
            try:
                questions.append(Question.model_validate(item))
            except ValidationError as exc:
                qid = item.get("id", f"item {n}") if isinstance(item, dict) else f"item {n}"
                first = exc.errors()[0]
                raise CoachError(f"{path.name}: question {qid}: {first['loc']} {first['msg']}; fix the entry") from exc
    if not questions:
        raise CoachError(f"no questions in {folder}; restore knowledge/questions/*.yaml")
    return QuestionBank(questions)


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
    """The unasked question that best covers new skills at the target difficulty, for this background."""
    import hashlib

    fresh = [q for q in candidates if q.id not in asked]
    if not fresh:
        return None
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
