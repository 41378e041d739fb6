"""Launch-decision scenario templates (knowledge/drills/scenarios.yaml): loaded, checked and picked per role."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from bot.content.vocabulary import Domain, Role
from bot.content.yaml_files import load_yaml
from bot.errors import CoachError

Range = tuple[float, float]
Format = Literal["confusion", "passfail"]
COST_KEYS = {"confusion": ("false_positive", "false_negative"), "passfail": ("failure",)}


class SliceTemplate(BaseModel):
    """One slice a case may show: its name, the baseline's level on it, and what a drop there means."""

    name: str = Field(min_length=1, max_length=40)
    base: Range
    harm: str
    prevalence: Range | None = None
    fpr: Range | None = None


class Scenario(BaseModel):
    """A product and the launch call at stake, with the ranges its numbers are drawn from."""

    id: str
    role: Role
    domain: Domain | None = None
    product: str
    question: str
    baseline: str
    candidate: str
    format: Format
    positive: str = ""
    judge: bool = False
    costs: dict[str, Range]
    cost_notes: dict[str, str]
    eval_size: tuple[int, int]
    small_size: tuple[int, int]
    latency_ms: Range
    latency_limit_ms: float
    serving_cost: Range
    budget: float
    guardrail: str
    slices: list[SliceTemplate] = Field(min_length=4)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        """Every range ordered, costs named for the format, limits above the baseline, slices complete."""
        keys = COST_KEYS[self.format]
        if set(self.costs) != set(keys) or set(self.cost_notes) != set(keys):
            raise ValueError(f"costs and cost_notes need exactly {keys} for format {self.format}")
        if self.judge and self.format != "passfail":
            raise ValueError("an LLM judge belongs to pass/fail scenarios")
        ranges = [self.latency_ms, self.serving_cost, self.eval_size, self.small_size, *self.costs.values()]
        for item in self.slices:
            ranges += [item.base, *(r for r in (item.prevalence, item.fpr) if r is not None)]
            if self.format == "confusion" and (item.prevalence is None or item.fpr is None):
                raise ValueError(f"slice {item.name!r} needs prevalence and fpr in a confusion scenario")
        if any(not 0 < low <= high for low, high in ranges):
            raise ValueError("every range must be [low, high] with 0 < low <= high")
        if self.latency_ms[1] >= self.latency_limit_ms * 0.9 or self.serving_cost[1] >= self.budget * 0.9:
            raise ValueError("the baseline's latency and cost must sit below 90% of the limit and the budget")
        if self.small_size[1] >= self.eval_size[0] or self.small_size[0] < 100:
            raise ValueError("small_size must start at 100 and stay below eval_size")
        if "{slice}" not in self.guardrail:
            raise ValueError("guardrail must name the {slice} it routes around")
        return self


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> tuple[Scenario, ...]:
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or []
        return tuple(Scenario.model_validate(item) for item in raw)
    except (OSError, yaml.YAMLError) as exc:
        raise CoachError(f"cannot read the drill scenarios in {path} ({exc}); restore the file") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CoachError(f"{path}: scenario entry {where}: {first['msg']}") from exc


def load_scenarios(path: Path) -> tuple[Scenario, ...]:
    """Every scenario in the file (re-read when the file changes)."""
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise CoachError(f"the drill scenarios file {path} is missing; restore knowledge/drills/") from exc
    return _load(path, mtime)


def scenarios_for(scenarios: tuple[Scenario, ...], role: str, domain: str | None) -> list[Scenario]:
    """The scenarios for a role (and, for vertical roles, the domain); CoachError when there are none."""
    found = [s for s in scenarios if s.role == role and (role != "vertical" or s.domain == domain)]
    if not found:
        raise CoachError(f"no drill scenarios for role {role!r} and domain {domain!r}; add one to scenarios.yaml")
    return found
