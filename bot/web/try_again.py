"""The Interview tab's Try again button: put the question just critiqued again, for a new attempt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from bot.errors import CoachError
from bot.interview.retry import question_number, retry_open, retry_target
from bot.interview.service import InterviewService, TurnResult
from bot.interview.state import InterviewState
from bot.web.errors import guarded

Outputs = dict[Any, Any]


class TryAgain:
    """The button (shown while the latest critique's question may be answered again) and its handler."""

    def __init__(
        self, service: InterviewService, error_output: gr.Markdown, show: Callable[[str, TurnResult | None], Outputs]
    ) -> None:
        self.service = service
        self.error_output = error_output
        self.show = show  # the tab's rendering of a turn

    def build(self) -> None:
        """The button; call inside the row of answer buttons."""
        self.button = gr.Button("Try again", visible=False, elem_id="try-again-btn")

    @staticmethod
    def shown(state: InterviewState) -> Any:
        """The button as the session now stands: naming the question it re-opens, or hidden."""
        entry = retry_target(state)
        if entry is None or retry_open(state):
            return gr.Button(visible=False)
        return gr.Button(f"Try question {question_number(state, entry.question_id)} again", visible=True)

    @guarded
    def on_try_again(self, session_id: str) -> Outputs:
        """Put the question again; the next Submit is the new attempt."""
        if not session_id:
            raise CoachError("start an interview first")
        return self.show(session_id, self.service.try_again(session_id))
