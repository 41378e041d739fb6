"""What drills produce and read: a launch-decision `Case` and its parts, per-part grades, and a submission's outcome."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.errors import CoachError

DrillKind = Literal["case", "rate"]
DRILL_KINDS: tuple[str, ...] = ("case", "rate")
DECISIONS = {
    "ship": "Ship to everyone",
    "dont_ship": "Don't ship (yet)",
    "guardrail": "Ship behind a guardrail or to a segment",
}
NO_SLICE = "none"


def check_kind(kind: object) -> str:
    """`case` or `rate`; CoachError otherwise."""
    if kind not in DRILL_KINDS:
        raise CoachError(f"unknown drill {kind!r}; choose case (launch decision) or rate (be the rater)")
    return str(kind)


class Counts(BaseModel):
    """One model's results on one slice: a confusion matrix (tp, fp, fn, tn) or pass/fail counts."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    passed: int = 0
    failed: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn + self.passed + self.failed

    @property
    def correct(self) -> int:
        return self.tp + self.tn + self.passed

    @property
    def errors(self) -> int:
        return self.fp + self.fn + self.failed


class Paired(BaseModel):
    """Both models on the same cases: who got each case right (the table behind McNemar's test)."""

    both_right: int
    baseline_only: int  # the baseline right, the candidate wrong
    candidate_only: int  # the candidate right, the baseline wrong
    both_wrong: int


class SliceData(BaseModel):
    """One slice of the labelled set, as both models scored on it."""

    name: str
    harm: str
    baseline: Counts
    candidate: Counts
    paired: Paired

    @property
    def n(self) -> int:
        return self.baseline.n


class JudgeAudit(BaseModel):
    """The LLM judge against human raters on a sample of the candidate model's outputs."""

    items: int
    both_pass: int
    judge_only: int  # the judge passed it, the humans failed it
    human_only: int  # the humans passed it, the judge failed it
    both_fail: int


class Part(BaseModel):
    """One thing the candidate answers, with its exact expected value, tolerance and worked solution."""

    id: str
    kind: Literal["number", "slice", "decision", "text"]
    prompt: str
    unit: str = ""
    expected: float | str | None = None
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    solution: str = ""
    points: float = 1.0
    choices: list[str] = Field(default_factory=list)

    def tolerance(self) -> str:
        """The stated tolerance, in words ("" for parts without one)."""
        if self.kind != "number":
            return ""
        if self.rel_tol:
            return f"within {self.rel_tol:.0%} or ±{self.abs_tol:g}, whichever is wider"
        return f"within ±{self.abs_tol:g}"

    def public(self) -> dict[str, Any]:
        """What the candidate sees: no expected value, no solution."""
        shown = self.model_dump(include={"id", "kind", "prompt", "unit", "points", "choices"})
        return {**shown, "tolerance": self.tolerance()}


class Case(BaseModel):
    """A seeded launch-decision case: the scenario, both models' results, limits, and the parts to answer."""

    scenario: str
    role: str
    domain: str | None
    format: Literal["confusion", "passfail"]
    difficulty: int
    seed: int
    story: str
    product: str
    question: str
    baseline_name: str
    candidate_name: str
    positive: str
    slices: list[SliceData]
    costs: dict[str, float]
    cost_notes: dict[str, str]
    latency_ms: dict[str, float]  # baseline, candidate, limit
    serving_cost: dict[str, float]  # baseline, candidate, budget (dollars per 1,000 requests)
    judge: JudgeAudit | None = None
    guardrail: str
    parts: list[Part] = Field(default_factory=list)
    decision: str = ""
    reasons: list[str] = Field(default_factory=list)
    key_points: dict[str, list[str]] = Field(default_factory=dict)

    def part(self, part_id: str) -> Part:
        """The part with this id (KeyError when there is none)."""
        for part in self.parts:
            if part.id == part_id:
                return part
        raise KeyError(part_id)

    def public(self) -> dict[str, Any]:
        """The case as the candidate sees it: the data and the parts, never the answers."""
        hidden = {"parts", "decision", "reasons", "key_points", "story"}
        return {**self.model_dump(exclude=hidden), "parts": [p.public() for p in self.parts]}


class PartGrade(BaseModel):
    """How one part was answered: points out of its maximum, and the worked solution."""

    part: str
    prompt: str
    given: str
    correct: bool
    points: float
    max_points: float
    expected: str
    solution: str
    feedback: list[str] = Field(default_factory=list)


class RoundResult(BaseModel):
    """One "be the rater" round graded against the expert labels."""

    round: int
    items: int
    agreement: float
    kappa: float
    labels: list[str]
    confusion: list[list[int]]  # rows: expert label, columns: yours
    disagreements: list[dict[str, str]]
    meaning: str


class DrillOutcome(BaseModel):
    """What a submission produced: per-part problems (nothing graded yet) or the grades and worked solutions."""

    drill_id: str
    kind: str
    complete: bool
    done: bool
    errors: dict[str, str] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(default_factory=dict)
    grades: list[PartGrade] = Field(default_factory=list)
    score: float | None = None
    rounds: list[RoundResult] = Field(default_factory=list)
    next_round: dict[str, Any] | None = None
    notices: list[str] = Field(default_factory=list)


class DrillView(BaseModel):
    """A drill as started or resumed: what to show, what was entered so far, and any result."""

    drill_id: str
    kind: str
    role: str | None
    domain: str | None
    seed: int
    difficulty: int
    round: int = 1
    case: dict[str, Any] | None = None
    rater: dict[str, Any] | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    outcome: DrillOutcome | None = None
