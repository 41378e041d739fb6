"""The named API endpoints (interviews, and start_drill / submit_drill): JSON in, JSON out, errors as {"error"}."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.drills.service import DrillService
from bot.interview.service import InterviewService
from bot.web.errors import api_errors

EMPTY_ANSWER = "the answer is empty; type an answer, or send hint, skip or end"


class InterviewApi:
    """The interview as API calls for scripts and other front ends (gradio_client)."""

    def __init__(self, service: InterviewService) -> None:
        self.service = service

    def register(self) -> None:
        """Register the endpoints under their names (call inside the Blocks)."""
        gr.api(self.start_interview, api_name="start_interview")
        gr.api(self.submit_answer, api_name="submit_answer")
        gr.api(self.end_interview, api_name="end_interview")
        gr.api(self.try_again, api_name="try_again")

    @api_errors
    def start_interview(self, role: str, domain: str, background: str, questions: int) -> dict[str, Any]:
        """Start an interview; returns session_id, the first question and the interviewer's messages."""
        result = self.service.start(role, domain or None, background or "pm", int(questions))
        return {**result.model_dump(), "question": result.prompt}

    @api_errors
    def submit_answer(self, session_id: str, answer: str) -> dict[str, Any]:
        """Submit an answer (or hint/skip/end); returns the critique, the next prompt, done and summary."""
        if not (answer or "").strip():
            return {"error": EMPTY_ANSWER}
        result = self.service.submit(session_id, answer)
        return {**result.model_dump(), "next": None if result.done else result.prompt}

    @api_errors
    def try_again(self, session_id: str) -> dict[str, Any]:
        """Put the question just critiqued again (when can_try_again); the next submit_answer is the new attempt.

        The better attempt counts; "skip" goes back without one.
        """
        return self.service.try_again(session_id).model_dump()

    @api_errors
    def end_interview(self, session_id: str) -> dict[str, Any]:
        """End an interview now; returns the summary."""
        return self.service.end(session_id).model_dump()


class DrillApi:
    """Drills as two API calls: start one (seeded), submit answers (kept until every part is valid, then graded)."""

    def __init__(self, drills: DrillService) -> None:
        self.drills = drills

    def register(self) -> None:
        """Register the endpoints under their names (call inside the Blocks)."""
        gr.api(self.start_drill, api_name="start_drill")
        gr.api(self.submit_drill, api_name="submit_drill")

    @api_errors
    def start_drill(self, kind: str, role: str, domain: str, seed: str, difficulty: int) -> dict[str, Any]:
        """Start a drill: kind case or rate, a role (and domain for vertical), a seed ("" for random), 1-3.

        Returns drill_id and the case (data and parts) or the rater set and round 1's items.
        """
        view = self.drills.start(kind, role, domain or None, str(seed or "").strip() or None, difficulty)
        return view.model_dump(exclude={"outcome", "answers"})

    @api_errors
    def submit_drill(self, drill_id: str, answers: dict[str, Any]) -> dict[str, Any]:
        """Submit answers by part id (a case) or labels by item id (a rater round).

        Returns per-part errors (nothing graded; what was entered is kept) or the grades with worked solutions;
        a graded rater round 1 returns round 2's items as next_round.
        """
        return self.drills.submit(drill_id, answers).model_dump()
