"""The question bank (knowledge/questions/*.yaml): questions with key points and follow-ups, by id and wording."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from bot.content.vocabulary import DIMENSIONS, SCORED, SKILLS, Domain, Role, check_domain, check_role
from bot.content.yaml_files import load_yaml
from bot.errors import CoachError


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
        missing = [d for d in SCORED if not self.key_points.get(d)]
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
        if role is not None:
            check_role(role)
        check_domain(domain)
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
            items = load_yaml(path.read_text()) or []
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
