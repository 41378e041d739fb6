"""Prompt templates in `prompts/`, loaded by name and rendered strictly (a missing variable is an error)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError

from bot.errors import CoachError


@lru_cache(maxsize=4)
def _environment(folder: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(folder: Path, name: str, **variables: Any) -> str:
    """Render `prompts/<name>.jinja` with exactly these variables."""
    try:
        return _environment(folder).get_template(f"{name}.jinja").render(**variables).strip()
    except TemplateNotFound as exc:
        raise CoachError(f"prompt template {folder / (name + '.jinja')} not found; restore prompts/") from exc
    except UndefinedError as exc:
        raise CoachError(f"prompt {name}: {exc.message}; pass every variable the template uses") from exc
