"""Files the Coach tab hands out beyond the assignment exports: the per-question CSV and an attempt as a PDF."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from bot.coaching.question_rows import export_question_csv
from bot.storage.models import CoachAccount
from bot.storage.store import Store
from bot.web.coach_render import attempt_markdown
from bot.web.pdf import markdown_to_pdf


def _folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def write_question_csv(store: Store, coach: CoachAccount, assignment_id: int) -> str:
    """Write the assignment's per-question CSV into a fresh temp folder; return its path."""
    path = _folder("coach-export-") / f"assignment-{int(assignment_id)}-questions.csv"
    path.write_text(export_question_csv(store, coach, assignment_id), encoding="utf-8")
    return str(path)


def safe_name(text: str) -> str:
    """Letters, digits, - and _ only, for a file name built from an id."""
    return re.sub(r"[^A-Za-z0-9_-]", "", text)[:48] or "attempt"


def write_attempt_pdf(view: dict[str, Any]) -> str:
    """Write one attempt (the coach's transcript view: scores, critiques, comments) as a PDF; return its path."""
    name = f"attempt-{safe_name(str(view['attempt']['attempt_id']).removeprefix('attempt-'))}.pdf"
    title = f"Attempt by {view['attempt']['candidate_name'] or 'a candidate'}"
    return str(markdown_to_pdf(attempt_markdown(view), _folder("coach-attempt-") / name, title))
