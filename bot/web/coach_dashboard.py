"""The Coach tab's dashboard: an assignment's attempts, cohort chart and exports, one attempt's transcript, reviews.

It refreshes on its own while a coach is signed in (a gr.Timer): each tick compares a cheap stamp of what the
board shows (`bot.coaching.activity`) with the last one and redraws only when something changed.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.coaching import reports as coach_reports
from bot.coaching.activity import Stamp, dashboard_stamp
from bot.coaching.drill_results import drill_attempts, drill_detail, is_drill_attempt
from bot.coaching.reviews import review
from bot.content.vocabulary import DIMENSIONS, label
from bot.errors import CoachError
from bot.storage.models import CoachAccount
from bot.storage.store import Store
from bot.web import drill_render, render
from bot.web.coach_exports import write_attempt_pdf, write_question_csv
from bot.web.coach_forms import load_coach, parse_review
from bot.web.errors import guarded
from bot.web.reports import cohort_frame, write_assignment_exports

Outputs = dict[Any, Any]
REFRESH_EVERY_S = 10.0  # how often a signed-in coach's board checks for new attempts, answers and reviews


def emptied() -> gr.Dropdown:
    """A dropdown update with no choices and nothing picked."""
    return gr.Dropdown(choices=[], value=None)


def no_pdf() -> gr.DownloadButton:
    """The PDF download put away: none is made yet for what is shown."""
    return gr.DownloadButton(value=None, visible=False)


class CoachDashboard:
    """The dashboard half of the Coach tab (`CoachTab` builds the rest and supplies the signed-in coach)."""

    store: Store
    status: gr.Markdown
    coach_id: gr.State

    def assignment_choices(self, coach_id: int | None) -> list[tuple[str, int]]:
        """The signed-in coach's own assignments as dropdown choices (label, id), newest first."""
        return render.assignment_choices(coach_reports.list_assignments(self.store, load_coach(self.store, coach_id)))

    def build_dashboard(self) -> None:
        """Lay out the dashboard (inside its accordion), with the timer that refreshes it."""
        self.refresh_timer = gr.Timer(REFRESH_EVERY_S, active=False)  # started by a sign-in, stopped by sign-out
        self.stamp = gr.State(None)  # what the board showed when last drawn
        with gr.Row():
            self.pick = gr.Dropdown([], label="Assignment", elem_id="asg-pick")
            self.refresh_btn = gr.Button("Refresh", size="sm")
        self.table = gr.HTML("", elem_id="asg-attempts")
        self.chart = gr.BarPlot(x="dimension", y="score", y_lim=[0, 5], label="Cohort mean by dimension")
        with gr.Row():
            self.csv_download = gr.DownloadButton("Download CSV", elem_id="asg-csv")
            self.json_download = gr.DownloadButton("Download JSON", elem_id="asg-json")
            self.questions_download = gr.DownloadButton("Per-question CSV", elem_id="asg-questions-csv")
            self.overrides_download = gr.DownloadButton(
                "Your overrides as calibration data (YAML)", elem_id="asg-overrides"
            )
        with gr.Row():
            self.attempt = gr.Dropdown([], label="Attempt", elem_id="asg-attempt", scale=4)
            self.pdf_btn = gr.Button("Make a PDF of this attempt", elem_id="asg-attempt-pdf-make", scale=1)
            # made on request (about 0.6 s an attempt), so picking, reviewing and refreshing stay quick
            self.attempt_pdf = gr.DownloadButton("Download the PDF", visible=False, elem_id="asg-attempt-pdf", scale=1)
        self.transcript = gr.HTML("", elem_id="asg-transcript")
        with gr.Row():
            self.turn = gr.Dropdown([], label="Answer")
            self.dimension = gr.Dropdown(
                [("Overall", "overall"), *((label(d), d) for d in DIMENSIONS)], value="overall", label="Dimension"
            )
            self.score = gr.Dropdown([("no score", 0), 1, 2, 3, 4, 5], value=0, label="Score")
        self.comment = gr.Textbox(label="Comment for the candidate", lines=2)
        self.review_btn = gr.Button("Save review", elem_id="asg-review")

    def wire_dashboard(self) -> None:
        """Connect picking, refreshing (by hand and by the timer), attempts and reviews."""
        private: dict[str, Any] = {"api_visibility": "private"}
        exports = [self.csv_download, self.json_download, self.questions_download, self.overrides_download]
        viewed = [self.transcript, self.attempt_pdf]
        board = [self.status, self.table, self.chart, self.attempt, *exports, *viewed, self.turn, self.stamp]
        self.pick.change(self.on_pick, [self.coach_id, self.pick], board, **private)
        self.refresh_btn.click(self.on_refresh, [self.coach_id, self.pick], [*board, self.pick], **private)
        ticked = [self.pick, self.table, self.chart, self.attempt, *exports, self.transcript, self.turn, self.stamp]
        self.refresh_timer.tick(
            self.on_tick,
            [self.coach_id, self.pick, self.attempt, self.stamp],
            ticked,
            show_progress="hidden",
            **private,
        )
        self.attempt.change(
            self.on_attempt, [self.coach_id, self.attempt], [self.status, *viewed, self.turn], **private
        )
        self.pdf_btn.click(
            self.on_attempt_pdf, [self.coach_id, self.attempt], [self.status, self.attempt_pdf], **private
        )
        review_in = [self.coach_id, self.pick, self.attempt, self.turn, self.dimension, self.score, self.comment]
        review_out = [self.status, *viewed, self.table, self.chart, *exports, self.comment, self.stamp]
        self.review_btn.click(self.on_review, review_in, review_out, **private)

    def _board(self, account: CoachAccount, assignment_id: int) -> tuple[Outputs, list[tuple[str, str]]]:
        """An assignment's attempts (interviews and drills), cohort chart and exports, and its attempts as choices.

        The stamp is taken first: a change made while the board is read is drawn by the next tick.
        """
        stamp = dashboard_stamp(self.store, account, assignment_id)
        rows = coach_reports.attempts(self.store, account, assignment_id)
        drills = drill_attempts(self.store, account, assignment_id)
        table = render.dashboard_table(rows) if rows or not drills else ""
        csv_path, json_path, overrides_path = write_assignment_exports(self.store, account, assignment_id)
        board = {
            self.table: table + (drill_render.drill_attempts_html(drills) if drills else ""),
            self.chart: cohort_frame(coach_reports.cohort_scores(self.store, account, assignment_id)),
            self.csv_download: csv_path,
            self.json_download: json_path,
            self.questions_download: write_question_csv(self.store, account, assignment_id)
            if rows or not drills
            else None,
            self.overrides_download: overrides_path,
            self.stamp: stamp,
        }
        drill_choices = [(f"{d['candidate_name']} · drill · {str(d['started'])[:16]}", d["drill_id"]) for d in drills]
        return board, render.attempt_choices(rows) + drill_choices

    @guarded
    def on_pick(self, coach_id: int | None, assignment_id: int | None) -> Outputs:
        """Show the picked assignment's attempts, cohort chart and exports."""
        if not assignment_id:
            return {self.table: "", self.transcript: "", self.attempt_pdf: no_pdf(), self.attempt: emptied()}
        board, attempts = self._board(load_coach(self.store, coach_id), int(assignment_id))
        return {  # the status line is left alone: it may say what was just created
            **board,
            self.attempt: gr.Dropdown(choices=attempts, value=None),
            self.transcript: "",
            self.attempt_pdf: no_pdf(),
            self.turn: emptied(),
        }

    @guarded
    def on_refresh(self, coach_id: int | None, assignment_id: int | None) -> Outputs:
        """Refresh: the assignment list (with its attempt counts) and the picked assignment's board."""
        return {
            **self.on_pick(coach_id, assignment_id),
            self.pick: gr.Dropdown(choices=self.assignment_choices(coach_id)),
        }

    @guarded
    def on_tick(
        self, coach_id: int | None, assignment_id: int | None, attempt_id: str | None, stamp: Stamp | None
    ) -> Any:
        """Every few seconds while signed in: redraw the list's counts and the board, only when something changed.

        What the coach picked stays picked (the attempt, the answer); nothing is cleared and the status line,
        which may hold a message for them, is left alone.
        """
        if not coach_id:
            return gr.skip()
        account = load_coach(self.store, coach_id)
        now = dashboard_stamp(self.store, account, int(assignment_id) if assignment_id else None)
        if stamp is not None and tuple(stamp) == now:
            return gr.skip()  # the usual case: a few counts read, nothing sent
        out: Outputs = {self.pick: gr.Dropdown(choices=self.assignment_choices(coach_id)), self.stamp: now}
        if not assignment_id:
            return out
        board, attempts = self._board(account, int(assignment_id))
        out.update(board)
        out[self.attempt] = gr.Dropdown(choices=attempts)
        if attempt_id:
            viewed, turns = self._viewed(account, attempt_id)  # a PDF the coach just made stays offered
            out |= {self.transcript: viewed[self.transcript], self.turn: gr.Dropdown(choices=turns)}
        return out

    def _viewed(self, account: CoachAccount, attempt_id: str | None) -> tuple[Outputs, list[tuple[str, int]]]:
        """An attempt's transcript (escaped HTML) and its turns as review choices; a PDF made before is put away."""
        if not attempt_id:
            return {self.transcript: "", self.attempt_pdf: no_pdf()}, []
        if is_drill_attempt(str(attempt_id)):
            page = drill_render.drill_detail_html(drill_detail(self.store, account, str(attempt_id)))
            return {self.transcript: page, self.attempt_pdf: no_pdf()}, []
        view = coach_reports.transcript(self.store, account, str(attempt_id))
        page = render.transcript_html(view, with_critique=True)
        return {self.transcript: page, self.attempt_pdf: no_pdf()}, render.turn_choices(view)

    @guarded
    def on_attempt_pdf(self, coach_id: int | None, attempt_id: str | None) -> Outputs:
        """Typeset the picked interview attempt (scores, critiques, comments) as a PDF and offer it for download."""
        if not attempt_id:
            raise CoachError("pick an attempt first")
        if is_drill_attempt(str(attempt_id)):
            raise CoachError("PDFs are made for interview attempts; a drill's answers are in the JSON export")
        view = coach_reports.transcript(self.store, load_coach(self.store, coach_id), str(attempt_id))
        return {self.status: "", self.attempt_pdf: gr.DownloadButton(value=write_attempt_pdf(view), visible=True)}

    @guarded
    def on_attempt(self, coach_id: int | None, attempt_id: str | None) -> Outputs:
        """Show one attempt's transcript with critiques and reviews."""
        viewed, turns = self._viewed(load_coach(self.store, coach_id), attempt_id)
        first = turns[0][1] if turns else None
        return {self.status: "", **viewed, self.turn: gr.Dropdown(choices=turns, value=first)}

    @guarded
    def on_review(
        self,
        coach_id: int | None,
        assignment_id: int | None,
        attempt_id: str | None,
        turn_id: int | None,
        dimension: str,
        score: int | None,
        comment: str,
    ) -> Outputs:
        """Save a review, then refresh the transcript, the table and the exports."""
        turn, points = parse_review(turn_id, score)
        account = load_coach(self.store, coach_id)
        review(self.store, account, turn, dimension, points, comment)
        viewed, _ = self._viewed(account, attempt_id)
        if not assignment_id:
            raise CoachError("pick an assignment first")
        board, _ = self._board(account, int(assignment_id))
        return {**board, **viewed, self.status: "Review saved.", self.comment: ""}
