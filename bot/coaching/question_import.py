"""Custom questions imported from a coach's file: YAML (or JSON) in the question bank's shape, or CSV.

CSV: a header row, then one question per row. Columns (any order, case and spaces ignored; only `text` is
required): `text`, `role` (empty: the assignment's), `domain` (for a vertical role), `difficulty` (1-3, empty: the
assignment's), `evaluation`, `failure_modes`, `product_judgment`, `communication` (key points: several in one
cell, separated by `|` or line breaks; communication is optional), `follow_ups` (at most two, separated by `|`
or line breaks, each `dimension: question`). Cells are read as text: a cell such as `=HYPERLINK(...)` is kept
as those characters, never run, and every export writes it back neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import yaml

from bot.coaching.custom_questions import check_question, first_problem
from bot.content.vocabulary import DIMENSIONS
from bot.content.yaml_files import load_yaml
from bot.errors import CoachError

MAX_IMPORT_BYTES = 1_000_000  # the server's upload limit (bot.web.security.MAX_UPLOAD)
MAX_CUSTOM_QUESTIONS = 20  # an interview has at most 20 questions
CSV_COLUMNS = ("text", "role", "domain", "difficulty", *DIMENSIONS, "follow_ups")
_ALIASES = {"question": "text", "follow_up": "follow_ups", "followups": "follow_ups"}
_CELL_SPLIT = re.compile(r"\s*(?:\||\r\n|\r|\n)\s*")


def decode(data: bytes) -> str:
    """An uploaded file's text (UTF-8, with or without the byte-order mark spreadsheets add); CoachError otherwise."""
    if len(data) > MAX_IMPORT_BYTES:
        raise CoachError(
            f"the file is {len(data) // 1000:,} KB; import at most {MAX_IMPORT_BYTES // 1000:,} KB at a time"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CoachError("the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8)") from None


def looks_like_csv(text: str) -> bool:
    """Whether pasted text is CSV: its first line is a header row naming a `text` (or `question`) column."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.lstrip().startswith(("-", "[", "{", "#")):
        return False
    return any(_column(cell) == "text" for cell in re.split(r"[,;\t]", first))


def _column(name: str) -> str:
    key = re.sub(r"[\s-]+", "_", name.strip().strip('"').lower())
    return _ALIASES.get(key, key)


def _delimiter(header: str) -> str:
    """Comma, or the semicolon or tab some spreadsheets write instead."""
    return next((d for d in (",", ";", "\t") if d in header), ",")


def csv_entries(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Each CSV row as (where, raw question); CoachError for a malformed file, naming the line."""
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(header_line), strict=True)
    entries: list[tuple[str, dict[str, Any]]] = []
    try:
        header = [_column(c) for c in next(reader, [])]
        unknown = [c for c in header if c and c not in CSV_COLUMNS]
        if unknown or "text" not in header:
            found = f"unknown columns {', '.join(repr(c) for c in unknown)}; " if unknown else "no 'text' column; "
            raise CoachError(f"the CSV header has {found}use: {', '.join(CSV_COLUMNS)}")
        start = reader.line_num + 1
        for row in reader:
            where = f"CSV line {start}"
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise CoachError(f"{where} has {len(row)} cells but the header names {len(header)} columns")
            cells = dict(zip(header, row, strict=False))
            entries.append((where, _row_question(cells)))
    except csv.Error as exc:
        raise CoachError(f"the CSV file is malformed near line {reader.line_num} ({exc}); check its quotes") from None
    return entries


def _row_question(cells: dict[str, str]) -> dict[str, Any]:
    """A raw question from one CSV row; several key points or follow-ups share a cell."""

    def items(name: str) -> list[str]:
        return [part for part in _CELL_SPLIT.split(cells.get(name) or "") if part]

    return {
        "text": cells.get("text", ""),
        "role": (cells.get("role") or "").strip().lower() or None,
        "domain": (cells.get("domain") or "").strip().lower() or None,
        "difficulty": (cells.get("difficulty") or "").strip() or None,
        "key_points": {d: items(d) for d in DIMENSIONS if d in cells},
        "follow_ups": items("follow_ups"),
    }


def yaml_entries(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Each YAML (or JSON) entry as (where, raw question); CoachError naming the line of a syntax error."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CoachError(f"the questions are not valid YAML or JSON{where}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CoachError("the YAML must be a list of questions, each with text and key_points (see the example)")
    return [(f"question {n}", item) for n, item in enumerate(data, 1)]


def import_questions(text: str, existing: list[dict[str, Any]], is_csv: bool | None = None) -> list[dict[str, Any]]:
    """The questions in a file or pasted text, each checked as the form checks it (and against `existing`).

    All or nothing: CoachError names the first entry at fault and why. `is_csv` None: guessed from the text.
    """
    if not (text or "").strip():
        raise CoachError("choose a file or paste questions to import")
    if len(text.encode("utf-8")) > MAX_IMPORT_BYTES:
        raise CoachError(f"that is more than {MAX_IMPORT_BYTES // 1000:,} KB; import fewer questions at a time")
    as_csv = looks_like_csv(text) if is_csv is None else is_csv
    entries = csv_entries(text) if as_csv else yaml_entries(text)
    if not entries:
        raise CoachError("the file holds no questions")
    if len(existing) + len(entries) > MAX_CUSTOM_QUESTIONS:
        raise CoachError(f"an assignment takes at most {MAX_CUSTOM_QUESTIONS} custom questions")
    added: list[dict[str, Any]] = []
    for where, raw in entries:
        question, errors = check_question(raw, [*existing, *added])
        if errors:
            raise CoachError(f"{where}: {first_problem(errors)}; nothing was imported")
        added.append(question)
    return added


def import_file(name: str, data: bytes, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions in an uploaded file: CSV by its .csv name, YAML or JSON otherwise."""
    return import_questions(decode(data), existing, is_csv=name.lower().endswith(".csv"))
