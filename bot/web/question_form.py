"""The Coach tab's custom-question form: write a question field by field, or import a YAML or CSV file.

The questions composed so far live in server-side state until the coach creates the assignment; a message for
a field at fault is shown on that field (Gradio's validator), so what was typed stays where it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from bot.coaching.custom_questions import check_question, first_problem
from bot.coaching.question_import import MAX_CUSTOM_QUESTIONS, MAX_IMPORT_BYTES, import_file, import_questions
from bot.content.vocabulary import DIMENSIONS, DOMAINS, ROLES, SCORED, label
from bot.errors import CoachError
from bot.web.coach_render import custom_question_choices, custom_questions_html
from bot.web.errors import guarded
from bot.web.render import inert

Outputs = dict[Any, Any]
Questions = list[dict[str, Any]]
ROLE_CHOICES = [("The assignment's role", ""), *((r, r) for r in ROLES)]
DIFFICULTY_CHOICES: list[tuple[str, int]] = [("The assignment's difficulty", 0), ("1", 1), ("2", 2), ("3", 3)]
FOLLOW_UP_HELP = "Follow-ups (optional, at most 2, one per line as 'dimension: question', e.g. 'evaluation: How would you measure it?')"
IMPORT_HELP = """Import questions from a file or pasted text (all or nothing: a file with a mistake imports nothing
and says where).

- **YAML or JSON**: a list of questions in the question bank's shape: `text`, `key_points` (`evaluation`,
  `failure_modes`, `product_judgment`, optional `communication`, each a list), and optionally `role`, `domain`,
  `difficulty` and `follow_ups` (a list of `{dimension, text}`).
- **CSV**: a header row, then one question per row. Columns: `text` (required), `role`, `domain`, `difficulty`,
  `evaluation`, `failure_modes`, `product_judgment`, `communication`, `follow_ups`. Several key points or
  follow-ups share a cell, separated by `|`; a follow-up reads `dimension: question`. Cells are kept as text."""


def form_raw(
    text: str, role: str, domain: str | None, difficulty: Any, points: tuple[str, ...], follow_ups: str
) -> dict[str, Any]:
    """The form's values as a raw question for `check_question`."""
    return {
        "text": text,
        "role": role or None,
        "domain": domain if role == "vertical" else None,
        "difficulty": difficulty or None,
        "key_points": dict(zip(DIMENSIONS, points, strict=True)),
        "follow_ups": follow_ups,
    }


class QuestionForm:
    """The custom-question form inside the Coach tab's New assignment; `questions` feeds Create assignment."""

    def __init__(self, error_output: Any) -> None:
        self.error_output = error_output

    def build(self) -> None:
        """Lay out the form (inside the New assignment accordion)."""
        self.questions = gr.State([])
        with gr.Accordion("Custom questions (optional; asked first, in this order)", open=False):
            self.listing = gr.HTML(custom_questions_html([]), elem_id="cq-list")
            with gr.Row():
                self.pick = gr.Dropdown([], label="A listed question", elem_id="cq-pick")
                self.edit_btn = gr.Button("Edit", size="sm")
                self.remove_btn = gr.Button("Remove", size="sm", elem_id="cq-remove")
            self.text = gr.Textbox(label="Question", lines=3, elem_id="cq-text")
            with gr.Row():
                self.role = gr.Dropdown(ROLE_CHOICES, value="", label="Role")
                self.domain = gr.Dropdown(list(DOMAINS), value=None, label="Domain", visible=False)
                self.difficulty = gr.Dropdown(DIFFICULTY_CHOICES, value=0, label="Difficulty")
            self.points = [
                gr.Textbox(
                    label=f"Key points: {label(d)} (one per line{'' if d in SCORED else ', optional'})",
                    lines=2,
                    elem_id=f"cq-{d}",
                )
                for d in DIMENSIONS
            ]
            self.follow_ups = gr.Textbox(label=FOLLOW_UP_HELP, lines=2, elem_id="cq-follow-ups")
            self.add_btn = gr.Button("Add question", elem_id="cq-add")
            self.message = gr.Markdown("", elem_id="cq-message")
            with gr.Accordion("Import from a YAML or CSV file", open=False):
                gr.Markdown(IMPORT_HELP)
                self.upload = gr.File(file_types=[".yaml", ".yml", ".json", ".csv"], label="File", elem_id="cq-file")
                self.paste = gr.Code(language="yaml", label="…or paste YAML or CSV", lines=5, elem_id="cq-paste")
                self.import_btn = gr.Button("Import", elem_id="cq-import")
                self.import_message = gr.Markdown("", elem_id="cq-import-message")

    @property
    def fields(self) -> list[Any]:
        """The form's inputs after the list: text, role, domain, difficulty, the key points, the follow-ups."""
        return [self.text, self.role, self.domain, self.difficulty, *self.points, self.follow_ups]

    def wire(self) -> None:
        """Connect add (with its validator), edit, remove and import."""
        private: dict[str, Any] = {"api_visibility": "private"}
        listed = [self.questions, self.listing, self.pick]
        self.role.change(lambda role: gr.Dropdown(visible=role == "vertical"), self.role, self.domain, queue=False)
        self.add_btn.click(
            self.on_add,
            [self.questions, *self.fields],
            [*listed, *self.fields, self.message],
            validator=self.check_add,
            **private,
        )
        self.edit_btn.click(self.on_edit, [self.questions, self.pick], [*listed, *self.fields, self.message], **private)
        self.remove_btn.click(self.on_remove, [self.questions, self.pick], [*listed, self.message], **private)
        self.import_btn.click(
            self.on_import,
            [self.questions, self.upload, self.paste],
            [*listed, self.upload, self.paste, self.import_message],
            **private,
        )

    # -- handlers -----------------------------------------------------------------------------------------------

    def _listed(self, questions: Questions) -> Outputs:
        return {
            self.questions: questions,
            self.listing: custom_questions_html(questions),
            self.pick: gr.Dropdown(choices=custom_question_choices(questions), value=None),
        }

    def _cleared(self) -> Outputs:
        return {self.text: "", self.role: "", self.domain: None, self.difficulty: 0, self.follow_ups: ""} | {
            box: "" for box in self.points
        }

    def check_add(
        self, questions: Questions | None, text: str, role: str, domain: Any, difficulty: Any, *rest: Any
    ) -> list[Any]:
        """The validator: a message on each field at fault (Gradio shows it there and does not run the add)."""
        raw = form_raw(text, role, domain, difficulty, tuple(rest[:-1]), rest[-1])
        _, errors = check_question(raw, list(questions or []))
        if len(questions or []) >= MAX_CUSTOM_QUESTIONS:
            errors.setdefault("text", f"The list is full: an assignment takes at most {MAX_CUSTOM_QUESTIONS}.")
        if "role" in errors and role == "vertical":
            errors["domain"] = errors.pop("role")
        names = ["questions", "text", "role", "domain", "difficulty", *DIMENSIONS, "follow_ups"]
        return [gr.validate(name not in errors, errors.get(name, "")) for name in names]

    @guarded
    def on_add(
        self, questions: Questions | None, text: str, role: str, domain: Any, difficulty: Any, *rest: Any
    ) -> Outputs:
        """Add the form's question to the list and empty the form (the validator has already checked it)."""
        listed = list(questions or [])
        question, errors = check_question(form_raw(text, role, domain, difficulty, tuple(rest[:-1]), rest[-1]), listed)
        if errors:
            raise CoachError(first_problem(errors))
        if len(listed) >= MAX_CUSTOM_QUESTIONS:
            raise CoachError(f"an assignment takes at most {MAX_CUSTOM_QUESTIONS} custom questions")
        listed.append(question)
        return {**self._listed(listed), **self._cleared(), self.message: f"Added question {len(listed)}."}

    @guarded
    def on_edit(self, questions: Questions | None, index: int | None) -> Outputs:
        """Move a listed question back into the form to change it (Add question puts it back, at the end)."""
        listed = list(questions or [])
        if index is None or not 0 <= int(index) < len(listed):
            raise CoachError("pick a listed question first")
        question = listed.pop(int(index))
        return {
            **self._listed(listed),
            self.text: question["text"],
            self.role: question.get("role") or "",
            self.domain: question.get("domain"),
            self.difficulty: question.get("difficulty") or 0,
            self.follow_ups: "\n".join(f"{f['dimension']}: {f['text']}" for f in question.get("follow_ups") or []),
            **{
                box: "\n".join(question["key_points"].get(d, []))
                for box, d in zip(self.points, DIMENSIONS, strict=True)
            },
            self.message: "Change the question, then press Add question.",
        }

    @guarded
    def on_remove(self, questions: Questions | None, index: int | None) -> Outputs:
        """Take a question off the list."""
        listed = list(questions or [])
        if index is None or not 0 <= int(index) < len(listed):
            raise CoachError("pick a listed question first")
        listed.pop(int(index))
        return {**self._listed(listed), self.message: "Removed."}

    @guarded
    def on_import(self, questions: Questions | None, upload: str | None, pasted: str | None) -> Outputs:
        """Add the questions of an uploaded file (or, without one, of the pasted text) to the list."""
        listed = list(questions or [])
        try:
            if upload:
                path = Path(upload)
                with path.open("rb") as handle:
                    added = import_file(path.name, handle.read(MAX_IMPORT_BYTES + 1), listed)
            else:
                added = import_questions(pasted or "", listed)
        except CoachError as exc:  # beside the import; the file and the pasted text stay for a fix
            return {self.import_message: f"⚠️ {inert(str(exc))}"}
        listed += added
        return {
            **self._listed(listed),
            self.upload: None,
            self.paste: "",
            self.import_message: f"Imported {len(added)} question(s); the list has {len(listed)}.",
        }
