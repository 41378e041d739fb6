"""The critique rubric (knowledge/rubric.yaml): dimensions, level descriptions, concepts, weights."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from bot.content.vocabulary import DIMENSIONS
from bot.content.yaml_files import load_yaml
from bot.errors import CoachError


class Dimension(BaseModel):
    """One scored dimension of the rubric."""

    name: str
    title: str
    question: str
    levels: dict[int, str]
    concepts: list[str] = Field(min_length=1)
    probe: str

    @model_validator(mode="after")
    def _five_levels(self) -> Dimension:
        if sorted(self.levels) != [1, 2, 3, 4, 5]:
            raise ValueError(f"dimension {self.name} must describe levels 1 to 5")
        return self


class Rubric(BaseModel):
    """All dimensions and how `overall` weighs them."""

    overall_weights: dict[str, float]
    dimensions: dict[str, Dimension]

    @model_validator(mode="after")
    def _complete(self) -> Rubric:
        if set(self.dimensions) != set(DIMENSIONS) or set(self.overall_weights) != set(DIMENSIONS):
            raise ValueError(f"the rubric must define exactly {', '.join(DIMENSIONS)}")
        if abs(sum(self.overall_weights.values()) - 1.0) > 1e-6:
            raise ValueError("overall_weights must add up to 1")
        return self

    def overall(self, scores: dict[str, float]) -> float:
        """Weighted combination of dimension scores, rounded to one decimal."""
        return round(sum(self.overall_weights[d] * scores[d] for d in DIMENSIONS), 1)


@lru_cache(maxsize=4)
def load_rubric(path: Path) -> Rubric:
    """Parse and validate the rubric file; errors name the file."""
    try:
        raw = load_yaml(path.read_text())
        for name, dim in raw.get("dimensions", {}).items():
            dim["name"] = name
        return Rubric.model_validate(raw)
    except FileNotFoundError as exc:
        raise CoachError(f"rubric {path} not found; restore knowledge/rubric.yaml") from exc
    except (yaml.YAMLError, ValidationError, AttributeError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise CoachError(f"rubric {path} is invalid ({first}); fix the file") from exc
