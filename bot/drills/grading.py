"""Grading a case: parse each part's answer (a clear message per bad part), grade exactly, the rationale by the critic."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.critic.model import Target
from bot.drills.model import DECISIONS, Case, Part, PartGrade

MAX_TEXT = 4000
RANGES = {"rate": (0.0, 1.0), "share": (-1.0, 1.0), "p_value": (0.0, 1.0), "kappa": (-1.0, 1.0)}
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
DECISION_WORDS = {
    "ship": "ship",
    "shipit": "ship",
    "launch": "ship",
    "dontship": "dont_ship",
    "donotship": "dont_ship",
    "noship": "dont_ship",
    "hold": "dont_ship",
    "no": "dont_ship",
    "guardrail": "guardrail",
    "shipbehindaguardrail": "guardrail",
    "shipbehindaguardrailortoasegment": "guardrail",
    "segment": "guardrail",
    "shiptoasegment": "guardrail",
}
NOT_ANSWERED = "not answered yet"
# Grades the rationale: (share of its points earned, feedback lines).
RationaleGrader = Callable[[Case, str], tuple[float, list[str]]]


def _number(part: Part, text: str) -> tuple[float | None, str | None]:
    cleaned = text.replace(" ", "").replace("\u2212", "-")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%").removeprefix("$")
    if part.unit == "dollars" and THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not NUMBER.match(cleaned):
        return None, f"{text!r} is not a number; write it like {example(part)}"
    value = float(cleaned)
    if percent:
        if part.unit not in ("rate", "share"):
            return None, f"give this as a plain number, like {example(part)}, not a percentage"
        value /= 100
    low, high = RANGES.get(part.unit, (0.0, math.inf))
    if not low <= value <= high:
        if part.unit == "rate" and 1 < value <= 100:
            return None, f"a proportion lies between 0 and 1: write {value / 100:g} or {value:g}%"
        return None, f"{text!r} is outside the possible range for this part ({low:g} to {high:g})"
    return value, None


def example(part: Part) -> str:
    """How to write an answer to this part."""
    return {"rate": "0.853 or 85.3%", "share": "0.08 or 8%", "dollars": "412.50", "p_value": "0.0123"}.get(
        part.unit, "0.62"
    )


def _canonical(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def parse_part(part: Part, raw: Any) -> tuple[Any, str | None]:
    """The answer to one part as its grader reads it, or None and a one-line message saying what to fix."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None, NOT_ANSWERED
    if part.kind == "number":
        return _number(part, text)
    if part.kind == "slice":
        found = next((c for c in part.choices if _canonical(c) == _canonical(text)), None)
        return (found, None) if found else (None, f"{text!r} is not one of the slices: {', '.join(part.choices)}")
    if part.kind == "decision":
        key = _canonical(text)
        labels = {_canonical(label): code for code, label in DECISIONS.items()}
        found = labels.get(key) or DECISION_WORDS.get(key)
        return (found, None) if found else (None, f"{text!r} is not a decision; choose {', '.join(DECISIONS)}")
    if len(text) > MAX_TEXT:
        return None, f"keep the rationale under {MAX_TEXT} characters"
    return text, None


def check_answers(case: Case, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Every part's parsed answer, and a message for each part that is missing or does not parse."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for part in case.parts:
        value, error = parse_part(part, answers.get(part.id))
        if error:
            errors[part.id] = error
        else:
            parsed[part.id] = value
    return parsed, errors


def shown(part: Part, value: Any) -> str:
    """A value as the worked solution writes it."""
    if value is None:
        return ""
    if part.kind != "number":
        return DECISIONS.get(str(value), str(value)) if part.kind == "decision" else str(value)
    number = float(value)
    return {"dollars": f"${number:,.2f}", "p_value": f"{number:.4g}"}.get(part.unit, f"{number:.4f}")


def grade_part(part: Part, value: Any) -> PartGrade:
    """An exactly graded part (everything but the rationale)."""
    if part.kind == "number" and isinstance(part.expected, float):
        expected = part.expected
        correct = abs(float(value) - expected) <= max(part.abs_tol, part.rel_tol * abs(expected))
        feedback = [] if correct else [f"Expected {shown(part, expected)} ({part.tolerance()})."]
    else:
        correct = value == part.expected
        feedback = [] if correct else [f"Expected: {shown(part, part.expected)}."]
    return PartGrade(
        part=part.id,
        prompt=part.prompt,
        given=shown(part, value),
        correct=correct,
        points=part.points if correct else 0.0,
        max_points=part.points,
        expected=shown(part, part.expected),
        solution=part.solution,
        feedback=feedback,
    )


def grade_case(case: Case, parsed: dict[str, Any], grade_rationale: RationaleGrader) -> tuple[list[PartGrade], float]:
    """Grades for every part (all parts must have parsed) and the share of points earned."""
    grades = []
    for part in case.parts:
        if part.kind != "text":
            grades.append(grade_part(part, parsed[part.id]))
            continue
        share, feedback = grade_rationale(case, str(parsed[part.id]))
        points = round(part.points * max(0.0, min(1.0, share)), 2)
        solution = "A strong rationale says: " + " ".join(p for points_ in case.key_points.values() for p in points_)
        grades.append(
            PartGrade(
                part=part.id,
                prompt=part.prompt,
                given=str(parsed[part.id]),
                correct=points >= part.points / 2,
                points=points,
                max_points=part.points,
                expected="",
                solution=solution,
                feedback=feedback,
            )
        )
    total = sum(g.max_points for g in grades)
    return grades, round(sum(g.points for g in grades) / total, 4)


def rationale_target(case: Case) -> Target:
    """The critic's target for the rationale: the launch question and the key points derived from the case."""
    text = f"{case.question} The product: {case.product}."
    return Target(text=text, role=case.role, domain=case.domain, key_points=case.key_points)


def critic_grader(settings: Settings) -> RationaleGrader:
    """Grade the rationale with the offline critic: the mean of its evaluation and failure-mode scores (1-5)."""
    from bot.critic.offline import critique_target

    def grade(case: Case, text: str) -> tuple[float, list[str]]:
        critique = critique_target(rationale_target(case), text, settings, with_citations=False)
        evaluation, failures = critique.dimensions["evaluation"], critique.dimensions["failure_modes"]
        share = ((evaluation - 1) + (failures - 1)) / 8
        lines = [f"Critic: evaluation {evaluation:.1f}/5, failure modes {failures:.1f}/5."]
        return share, lines + list(critique.gaps[:3]) + list(critique.notices)

    return grade
