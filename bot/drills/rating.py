"""Be-the-rater drills: rater sets (knowledge/rater_sets/*.yaml), seeded rounds, agreement with the expert."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from bot.content.yaml_files import load_yaml
from bot.drills import stats
from bot.drills.model import RoundResult
from bot.errors import CoachError

MIN_ITEMS, MAX_ITEMS, MIN_CLEAR, MIN_BORDERLINE = 30, 40, 20, 6
ROUND_SIZE = {1: 10, 2: 12}  # difficulty 3 uses whole halves
BORDERLINE_PER_ROUND = {1: 0, 2: 4}
KAPPA_BANDS = ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"), (0.0, "slight"))
TRUSTED_KAPPA = 0.6


class RaterLabel(BaseModel):
    """One label value and what it means under the rubric."""

    value: str = Field(pattern=r"^[a-z_]{2,24}$")
    meaning: str


class RaterItem(BaseModel):
    """A model output to label, with the expert's label and one-line reason."""

    id: str = Field(pattern=r"^[a-z0-9-]{2,16}$")
    input: str
    output: str
    label: str
    rationale: str = Field(min_length=10)
    borderline: bool = False


class RaterSet(BaseModel):
    """A rubric, its labels and the expertly labelled items."""

    id: str
    title: str
    roles: list[str]
    domains: list[str] = Field(default_factory=list)
    background: str
    rubric: str
    labels: list[RaterLabel] = Field(min_length=2)
    items: list[RaterItem]

    @model_validator(mode="after")
    def _complete(self) -> RaterSet:
        """Enough items, unique ids, known labels, and enough clear and borderline items for two rounds."""
        values = self.values
        if not MIN_ITEMS <= len(self.items) <= MAX_ITEMS:
            raise ValueError(f"a rater set needs {MIN_ITEMS} to {MAX_ITEMS} items, not {len(self.items)}")
        if len({i.id for i in self.items}) != len(self.items):
            raise ValueError("item ids must be unique")
        unknown = sorted({i.label for i in self.items} - set(values))
        if unknown:
            raise ValueError(f"labels {unknown} are not in the set's labels {values}")
        clear = [i for i in self.items if not i.borderline]
        if len(clear) < MIN_CLEAR or len(self.items) - len(clear) < MIN_BORDERLINE:
            raise ValueError(f"a rater set needs {MIN_CLEAR} clear and {MIN_BORDERLINE} borderline items")
        if sum(1 for v in values if sum(i.label == v for i in clear) >= 2) < 2:
            raise ValueError("at least two labels need two clear items each, so every round has both")
        return self

    @property
    def values(self) -> list[str]:
        return [label.value for label in self.labels]

    def item(self, item_id: str) -> RaterItem:
        """The item with this id (KeyError when there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def public(self) -> dict[str, Any]:
        """The set as a rater sees it: no expert labels or rationales."""
        return self.model_dump(include={"id", "title", "background", "rubric", "labels"})


@lru_cache(maxsize=4)
def _load(folder: Path, stamp: tuple[tuple[str, float], ...]) -> dict[str, RaterSet]:
    sets: dict[str, RaterSet] = {}
    for name, _ in stamp:
        path = folder / name
        try:
            loaded = RaterSet.model_validate(load_yaml(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise CoachError(f"cannot read the rater set {path} ({exc})") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CoachError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
        sets[loaded.id] = loaded
    return sets


def load_rater_sets(folder: Path) -> dict[str, RaterSet]:
    """Every rater set in the folder by id (re-read when a file changes)."""
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(folder.glob("*.yaml")))
    if not stamp:
        raise CoachError(f"no rater sets in {folder}; restore knowledge/rater_sets/")
    return _load(folder, stamp)


def pick_set(sets: dict[str, RaterSet], role: str, domain: str | None, seed: int, name: str | None = None) -> RaterSet:
    """The named set, else one for the role (a vertical domain's own set first), chosen by the seed."""
    if name:
        if name not in sets:
            raise CoachError(f"unknown rater set {name!r}; choose one of {', '.join(sorted(sets))}")
        return sets[name]
    fits = [s for s in sets.values() if role in s.roles]
    own = [s for s in fits if role == "vertical" and domain in s.domains]
    choices = own or [s for s in fits if not s.domains] or list(sets.values())
    choices.sort(key=lambda s: s.id)
    return choices[seed % len(choices)]


def _halves(items: list[RaterItem], values: list[str], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Split items in two, label by label, each half ordered so any prefix keeps the labels mixed."""
    halves: tuple[list[RaterItem], list[RaterItem]] = ([], [])
    dealt = 0
    for value in values:
        group = [i for i in items if i.label == value]
        for j in rng.permutation(len(group)):
            halves[dealt % 2].append(group[int(j)])
            dealt += 1
    return _interleaved(halves[0], values), _interleaved(halves[1], values)


def _interleaved(items: list[RaterItem], values: list[str]) -> list[str]:
    """Item ids taking one label after another, so any prefix keeps the labels mixed."""
    queues = [[i.id for i in items if i.label == v] for v in values]
    ordered: list[str] = []
    while any(queues):
        ordered += [queue.pop(0) for queue in queues if queue]
    return ordered


def plan_rounds(rater_set: RaterSet, seed: int, difficulty: int) -> tuple[list[str], list[str]]:
    """The item ids of round 1 and round 2: fresh halves of the set, clear items only at difficulty 1."""
    rng = np.random.default_rng([seed, difficulty])
    clear1, clear2 = _halves([i for i in rater_set.items if not i.borderline], rater_set.values, rng)
    border1, border2 = _halves([i for i in rater_set.items if i.borderline], rater_set.values, rng)
    if difficulty == 3:
        rounds = (clear1 + border1, clear2 + border2)
    else:
        borderline = min(BORDERLINE_PER_ROUND[difficulty], len(border2))
        size = min(ROUND_SIZE[difficulty] - borderline, len(clear2))
        rounds = (clear1[:size] + border1[:borderline], clear2[:size] + border2[:borderline])
    return tuple([ids[int(j)] for j in rng.permutation(len(ids))] for ids in rounds)  # type: ignore[return-value]


def band(kappa: float) -> str:
    """Landis and Koch's words for a kappa."""
    return next((word for floor, word in KAPPA_BANDS if kappa >= floor), "worse than chance")


def meaning(kappa: float, agreement: float, values: list[str], matrix: list[list[int]]) -> str:
    """What this agreement would mean for an eval set graded this way."""
    lines = [
        f"You matched the expert on {agreement:.0%} of items; kappa {kappa:.2f} ({band(kappa)}) discounts the "
        "agreement two raters would reach by chance.",
        f"On an eval set graded this way, raters like you and the expert would disagree on about {1 - agreement:.0%} "
        "of items, so a pass-rate change smaller than that between two model versions could be rater noise, not a "
        "real change.",
    ]
    pairs = [(matrix[i][j], values[i], values[j]) for i in range(len(values)) for j in range(len(values)) if i != j]
    count, expert, yours = max(pairs)
    if kappa < TRUSTED_KAPPA:
        lines.append(
            f"Below {TRUSTED_KAPPA}, one rater's labels should not decide a launch: sharpen the rubric with examples"
            f" where you mixed them up most (expert {expert}, you {yours}: {count} times), double-label a sample"
            " and adjudicate."
        )
    else:
        lines.append(
            "At this level one rater's labels can carry an eval set, with a double-labelled sample to keep checking."
        )
    return " ".join(lines)


def grade_round(rater_set: RaterSet, number: int, item_ids: list[str], labels: dict[str, str]) -> RoundResult:
    """Agreement with the expert on one round's items (every item must carry a valid label)."""
    values = rater_set.values
    expert = [rater_set.item(i).label for i in item_ids]
    given = [labels[i] for i in item_ids]
    matrix = stats.confusion(expert, given, values)
    agreement = sum(e == g for e, g in zip(expert, given, strict=True)) / len(item_ids)
    kappa = stats.kappa_from_table(matrix)
    disagreements = [
        {"id": i, "output": rater_set.item(i).output, "yours": g, "expert": e, "rationale": rater_set.item(i).rationale}
        for i, e, g in zip(item_ids, expert, given, strict=True)
        if e != g
    ]
    return RoundResult(
        round=number,
        items=len(item_ids),
        agreement=round(agreement, 4),
        kappa=round(kappa, 4),
        labels=values,
        confusion=matrix,
        disagreements=disagreements,
        meaning=meaning(kappa, agreement, values, matrix),
    )


def check_labels(
    rater_set: RaterSet, item_ids: list[str], labels: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The valid labels for this round's items, and a message for each item missing a label or given a bad one."""
    valid: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item_id in item_ids:
        raw = str(labels.get(item_id) or "").strip().lower().replace(" ", "_").replace("-", "_")
        if not raw:
            errors[item_id] = "missing a label"
        elif raw not in rater_set.values:
            errors[item_id] = f"{labels[item_id]!r} is not a label; choose {', '.join(rater_set.values)}"
        else:
            valid[item_id] = raw
    return valid, errors
