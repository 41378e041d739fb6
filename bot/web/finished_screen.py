"""The end of an interview: the summary, the score chart, the gaps, the full transcript and the report downloads."""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.interview.service import InterviewService
from bot.interview.state import InterviewState, Summary
from bot.web import render
from bot.web.reports import full_transcript_markdown, score_chart, write_session_pdf, write_session_reports
from bot.web.session_record import coach_reviews

Outputs = dict[Any, Any]


class FinishedScreen:
    """What a finished interview shows; build inside the tab's finished column."""

    def __init__(self, service: InterviewService) -> None:
        self.service = service

    def build(self) -> None:
        """The summary, chart, gaps, downloads and transcript (the New interview button is the tab's to wire)."""
        self.summary = gr.Markdown("", elem_id="summary")
        self.chart = gr.BarPlot(
            x="dimension", y="score", y_lim=[0, 5], label="Average score by dimension", elem_id="score-chart"
        )
        self.gaps = gr.Markdown("")
        with gr.Row():
            self.md_download = gr.DownloadButton("Download Markdown report", elem_id="download-md")
            self.json_download = gr.DownloadButton("Download JSON", elem_id="download-json")
            self.pdf_download = gr.DownloadButton("Download PDF", elem_id="download-pdf")
            self.again_btn = gr.Button("New interview")
        with gr.Accordion("Full transcript: every answer and its critique", open=True):
            self.transcript = gr.Markdown("", elem_id="full-transcript")

    @property
    def outputs(self) -> list[Any]:
        """What `show` updates."""
        downloads = [self.md_download, self.json_download, self.pdf_download]
        return [self.summary, self.chart, self.gaps, *downloads, self.transcript]

    def show(self, state: InterviewState) -> Outputs:
        """The finished screen of `state`, with a coach's reviews where a coach reviewed the attempt."""
        summary = state.summary or Summary()
        reviews = coach_reviews(self.service.store, state.session_id)
        md_path, json_path = write_session_reports(state, reviews)
        return {
            self.summary: summary.text or "**Interview complete.**",
            self.chart: score_chart(dict(summary.averages)),
            self.gaps: render.gaps_markdown(summary, self.service.settings.guides_dir),
            self.md_download: md_path,
            self.json_download: json_path,
            self.pdf_download: write_session_pdf(state, reviews),
            self.transcript: full_transcript_markdown(state, reviews),
        }
