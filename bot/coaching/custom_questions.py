"""A coach's custom question checked field by field: text, role, difficulty, key points per dimension, follow-ups.

One set of rules for every way in: the Coach tab's form (each message goes beside its field), an imported YAML or
CSV file (each message names the question), and `create_assignment` (data from any caller). Coach text is kept
as written (control characters dropped); it is shown to candidates as inert text, never as Markdown or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.content.vocabulary import DIMENSIONS, ROLES, SCORED, label, role_domain
from bot.errors import CoachError
from bot.text import strip_controls

MIN_TEXT_CHARS = 20
MAX_TEXT_CHARS = 2000
MAX_POINT_CHARS = 400
MAX_POINTS = 8  # per dimension
MIN_FOLLOW_UP_CHARS = 10
MAX_FOLLOW_UP_CHARS = 500
MAX_FOLLOW_UPS = 2  # the interview probes at most twice per question (bot.interview.policy.MAX_PROBES)
FIELDS = ("text", "role", "difficulty", *DIMENSIONS, "follow_ups")  # what a message can point at
FieldErrors = dict[str, str]
_LABELS = (
    {label(d).lower(): d for d in DIMENSIONS}
    | {d: d for d in DIMENSIONS}
    | {d.replace("_", " "): d for d in DIMENSIONS}
)


def _normal(text: str) -> str:
    """Wording for comparing two questions: case and spacing ignored."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _number(count: int) -> str:
    return f"{count:,}"


def lines_of(value: Any) -> list[str] | None:
    """Text items from a form box (one per line) or a list (a file's entries); None if unreadable.

    Only plain values count as items: a nested list or mapping is unreadable (and is never turned into text, so an
    aliased YAML structure cannot grow into a huge string).
    """
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = value.splitlines()
    elif isinstance(value, list):
        parts = value
    else:
        return None
    items = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, bool) or not isinstance(part, str | int | float):
            return None
        text = strip_controls(str(part)).strip()
        if text:
            items.append(text)
    return items


def _check_text(raw: Any, others: list[dict[str, Any]]) -> tuple[str, str | None]:
    if raw is not None and not isinstance(raw, str | int | float):
        return "", "Write the question as plain text."
    text = strip_controls(str(raw or "")).strip()
    if not text:
        return text, "Write the question."
    if len(text) < MIN_TEXT_CHARS:
        return text, f"Too short: write at least {MIN_TEXT_CHARS} characters (this has {len(text)})."
    if len(text) > MAX_TEXT_CHARS:
        return text, f"Too long: {_number(len(text))} characters; keep it to {_number(MAX_TEXT_CHARS)}."
    if any(_normal(text) == _normal(str(other.get("text") or "")) for other in others):
        return text, "This question is already in the list."
    return text, None


def _check_role(role: Any, domain: Any) -> tuple[dict[str, Any], str | None]:
    """The question's own role and domain, or none (the assignment's); a message when they do not fit."""
    if role in (None, ""):
        return {"role": None, "domain": None}, None
    if role not in ROLES:
        return {}, f"Choose one of {', '.join(ROLES)}, or leave it to the assignment."
    try:
        chosen, chosen_domain = role_domain(role, domain or None)
    except CoachError as exc:
        return {}, f"{str(exc)[0].upper()}{str(exc)[1:]}."
    return {"role": chosen, "domain": chosen_domain}, None


def _check_difficulty(value: Any) -> tuple[int | None, str | None]:
    if value in (None, "", 0):
        return None, None
    try:
        level = int(float(value))
    except (TypeError, ValueError):
        return None, "Choose a difficulty from 1 to 3."
    if isinstance(value, bool) or level != float(value) or not 1 <= level <= 3:
        return None, "Choose a difficulty from 1 to 3."
    return level, None


def _check_points(dimension: str, raw: Any) -> tuple[list[str], str | None]:
    points = lines_of(raw)
    if points is None:
        return [], "Write the key points as text, one per line."
    if not points and dimension in SCORED:
        return [], "Add at least one key point (one per line)."
    if len(points) > MAX_POINTS:
        return points, f"Keep to {MAX_POINTS} key points (there are {len(points)})."
    for n, point in enumerate(points, 1):
        if len(point) > MAX_POINT_CHARS:
            return (
                points,
                f"Key point {n} is too long ({_number(len(point))} characters; keep it to {MAX_POINT_CHARS}).",
            )
    seen: set[str] = set()
    for n, point in enumerate(points, 1):
        if _normal(point) in seen:
            return points, f"Key point {n} repeats an earlier one."
        seen.add(_normal(point))
    return points, None


def _follow_up(item: Any, n: int) -> tuple[dict[str, str] | None, str | None]:
    """One follow-up from {dimension, text} or "dimension: text"."""
    if isinstance(item, dict):
        dimension, text = str(item.get("dimension") or ""), item.get("text")
    elif isinstance(item, str) and ":" in item:
        dimension, text = item.split(":", 1)
    else:
        return None, f"Line {n}: start with the dimension it probes, e.g. 'evaluation: How would you measure it?'"
    key = _LABELS.get(_normal(dimension))
    if key not in SCORED:
        names = ", ".join(label(d).lower() for d in SCORED)
        return None, f"Line {n}: start with the dimension it probes: {names}."
    if not isinstance(text, str):
        return None, f"Line {n}: write the follow-up as text."
    text = strip_controls(text).strip()
    if not MIN_FOLLOW_UP_CHARS <= len(text) <= MAX_FOLLOW_UP_CHARS:
        return None, f"Line {n}: write a follow-up of {MIN_FOLLOW_UP_CHARS} to {MAX_FOLLOW_UP_CHARS} characters."
    return {"dimension": key, "text": text}, None


def _check_follow_ups(raw: Any) -> tuple[list[dict[str, str]], str | None]:
    if raw is None or raw == "":
        return [], None
    items: list[Any] = [line for line in re.split(r"[\r\n]+", raw) if line.strip()] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        return [], "Write one follow-up per line: 'dimension: question'."
    if len(items) > MAX_FOLLOW_UPS:
        return [], f"Keep to {MAX_FOLLOW_UPS} follow-ups (the interview asks at most {MAX_FOLLOW_UPS} per question)."
    follow_ups: list[dict[str, str]] = []
    for n, item in enumerate(items, 1):
        found, problem = _follow_up(item, n)
        if problem or found is None:
            return [], problem
        if any(f["dimension"] == found["dimension"] for f in follow_ups):
            return [], f"Line {n}: one follow-up per dimension ({label(found['dimension']).lower()} has two)."
        follow_ups.append(found)
    return follow_ups, None


def check_question(
    raw: dict[str, Any], others: list[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], FieldErrors]:
    """A custom question cleaned from raw values, and a message per field at fault (none: the question is valid).

    `raw` holds text, key_points ({dimension: lines or list}), and optionally role, domain, difficulty and
    follow_ups ("dimension: text" lines, or [{dimension, text}]); `others` are the questions already listed.
    """
    errors: FieldErrors = {}
    text, problem = _check_text(raw.get("text"), others or [])
    if problem:
        errors["text"] = problem
    placement, problem = _check_role(raw.get("role"), raw.get("domain"))
    if problem:
        errors["role"] = problem
    difficulty, problem = _check_difficulty(raw.get("difficulty"))
    if problem:
        errors["difficulty"] = problem
    given = raw.get("key_points") or {}
    if not isinstance(given, dict):
        given = {}
        errors["evaluation"] = f"Key points go under their dimensions: {', '.join(DIMENSIONS)}."
    unknown = sorted(str(k) for k in given if k not in DIMENSIONS)
    if unknown:
        errors.setdefault("evaluation", f"Unknown key point dimensions {unknown}; use {', '.join(DIMENSIONS)}.")
    key_points: dict[str, list[str]] = {}
    for dimension in DIMENSIONS:
        key_points[dimension], problem = _check_points(dimension, given.get(dimension))
        if problem:
            errors.setdefault(dimension, problem)
    follow_ups, problem = _check_follow_ups(raw.get("follow_ups"))
    if problem:
        errors["follow_ups"] = problem
    question = {"text": text, **placement, "difficulty": difficulty, "key_points": key_points, "follow_ups": follow_ups}
    return question, errors


def first_problem(errors: FieldErrors) -> str:
    """The first message, in the form's order of fields, with the field named."""
    name = next(f for f in FIELDS if f in errors)
    where = {"text": "question text", "follow_ups": "follow-ups"}.get(name) or (
        f"key points for {label(name).lower()}" if name in DIMENSIONS else name
    )
    return f"{where}: {errors[name][0].lower()}{errors[name][1:]}"


def clean_questions(raw: Any, total: int | None = None) -> list[dict[str, Any]]:
    """Every custom question cleaned; CoachError naming the first question at fault and why."""
    if raw in (None, ""):
        return []
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise CoachError("custom questions must be a list of {text, key_points} entries")
    cleaned: list[dict[str, Any]] = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise CoachError(f"custom question {n} must be an entry with text and key_points")
        question, errors = check_question(item, cleaned)
        if errors:
            raise CoachError(f"custom question {n}: {first_problem(errors)}")
        cleaned.append(question)
    if total is not None and len(cleaned) > total:
        raise CoachError(f"{len(cleaned)} custom questions do not fit in an interview of {total} questions")
    return cleaned
