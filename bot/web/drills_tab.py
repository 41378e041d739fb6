"""The Drills tab: "should we launch?" data cases and "be the rater" rounds, and drill assignments from a share link."""

from __future__ import annotations

import secrets
from typing import Any

import gradio as gr

from bot.coaching.assignments import open_assignment
from bot.coaching.attempts import start_drill_attempt
from bot.content.vocabulary import DOMAINS
from bot.drills.model import DrillOutcome, DrillView
from bot.drills.service import DrillService
from bot.errors import CoachError
from bot.web import drill_render, render
from bot.web.errors import guarded
from bot.web.interview_tab import ROLE_CHOICES
from bot.web.page import Page
from bot.web.request_info import base_url, query_params

Outputs = dict[Any, Any]
MAX_NUMBERS = 6  # number parts a case can ask for
MAX_ITEMS = 20  # items in one rater round
KIND_CHOICES = [("Should we launch? A data case", "case"), ("Be the rater: label outputs against a rubric", "rate")]
INTRO = (
    "Exact-graded drills. **Should we launch?** gives you a seeded evaluation of a baseline and a candidate model: "
    "compute the figures, find the slice that regresses and make the call. **Be the rater** has you label model "
    "outputs against a rubric and measures your agreement with an expert (Cohen's kappa), in two rounds."
)
START_FIRST = "start a drill first"
UNKNOWN_DRILL = "⚠️ That drill link does not match any drill. Start a new one below."


class DrillsTab:
    """Start a drill, answer it part by part (what you enter is kept), see grades and worked solutions."""

    def __init__(self, drills: DrillService, page: Page) -> None:
        self.drills = drills
        self.page = page

    # -- layout -----------------------------------------------------------------------------------------------

    def build(self) -> None:
        """Lay out the tab (call inside gr.Tabs)."""
        with gr.Tab("Drills", id="drills"):  # states inside the tab: a Tabs child that is no Tab confuses the tab bar
            self.drill_id, self.part_ids, self.item_ids = gr.State(""), gr.State([]), gr.State([])
            self.code = gr.State("")
            gr.Markdown(INTRO)
            self.status = gr.Markdown("", elem_id="drill-status")
            self.link = gr.Markdown("", elem_id="drill-link")
            self.error_output = self.status
            with gr.Column(visible=False) as self.panel:
                self.intro = gr.HTML("", elem_id="drill-assignment-intro")
                with gr.Row():
                    self.name = gr.Textbox(label="Your name", elem_id="drill-candidate-name")
                    self.email = gr.Textbox(label="Your email (optional)")
                self.assignment_btn = gr.Button("Start assignment", variant="primary", elem_id="drill-assignment-start")
            with gr.Column() as self.setup:
                self._build_setup()
            with gr.Column(visible=False) as self.case_view:
                self._build_case()
            with gr.Column(visible=False) as self.rate_view:
                self._build_rate()

    def _build_setup(self) -> None:
        self.kind = gr.Radio(KIND_CHOICES, value="case", label="Drill")
        self.role = gr.Radio(ROLE_CHOICES, value="feature", label="Role")
        self.domain = gr.Dropdown(list(DOMAINS), value=DOMAINS[0], label="Domain (vertical roles only)", visible=False)
        with gr.Row():
            self.difficulty = gr.Slider(1, 3, value=1, step=1, label="Difficulty")
            self.seed = gr.Textbox(label="Seed (blank: random; the same seed gives the same drill)")
        self.start_btn = gr.Button("Start drill", variant="primary", elem_id="drill-start")

    def _build_case(self) -> None:
        self.brief = gr.Markdown("", elem_id="drill-brief")
        self.table = gr.Dataframe(interactive=False, label="Results by slice (counts)")
        self.chart = gr.BarPlot(
            x="bar", y="count", color="outcome", label="Errors by slice and model", x_label_angle=-30
        )
        self.numbers = [gr.Textbox(visible=False, elem_id=f"drill-number-{i}") for i in range(MAX_NUMBERS)]
        self.slice_answer = gr.Radio([], label="Which slice regresses?", elem_id="drill-slice")
        self.decision = gr.Radio(drill_render.decision_choices(), label="Your call", elem_id="drill-decision")
        self.rationale = gr.Textbox(lines=4, label="Why? Name your evidence and the failure you guard against")
        self.case_btn = gr.Button("Submit answers", variant="primary", elem_id="drill-submit")
        self.case_result = gr.HTML("", elem_id="drill-result")

    def _build_rate(self) -> None:
        self.rubric = gr.Markdown("", elem_id="drill-rubric")
        self.items: list[tuple[gr.Markdown, gr.Radio]] = []
        self._groups: list[gr.Group] = []
        for i in range(MAX_ITEMS):
            with gr.Group(visible=False) as group:
                text = gr.Markdown("")
                label = gr.Radio([], label="Your label", elem_id=f"drill-label-{i}")
            self.items.append((text, label))
            self._groups.append(group)
        self.rate_btn = gr.Button("Submit labels", variant="primary", elem_id="drill-rate-submit")
        self.rate_result = gr.HTML("", elem_id="drill-rate-result")

    @property
    def show_outputs(self) -> list[Any]:
        """Everything a started or resumed drill may update."""
        case = [self.brief, self.table, self.chart, *self.numbers, self.slice_answer, self.decision, self.rationale]
        rate = [self.rubric, *self._groups, *(c for pair in self.items for c in pair)]
        return [self.status, self.link, self.drill_id, self.part_ids, self.item_ids, self.case_view, self.rate_view, *case,
                self.case_result, *rate, self.rate_result]  # fmt: skip

    # -- wiring -----------------------------------------------------------------------------------------------

    def wire(self, demo: gr.Blocks, tabs: gr.Tabs) -> None:
        """Connect the handlers; `tabs` lets a drill share link open this tab."""
        self.tabs = tabs
        private: dict[str, Any] = {"api_visibility": "private"}
        self.role.change(self.show_domain, self.role, self.domain, queue=False, **private)
        setup = [self.kind, self.role, self.domain, self.difficulty, self.seed, self.page.candidate]
        self.start_btn.click(self.on_start, setup, self.show_outputs, **private)
        answers = [self.drill_id, self.part_ids, *self.numbers, self.slice_answer, self.decision, self.rationale]
        self.case_btn.click(self.on_submit_case, answers, [self.status, self.case_result], **private)
        labels = [self.drill_id, self.item_ids, *(pair[1] for pair in self.items)]
        self.rate_btn.click(self.on_submit_rate, labels, self.show_outputs, **private)
        loaded = [*self.show_outputs, self.code, self.intro, self.panel, tabs]
        demo.load(self.on_load, None, loaded, show_progress="hidden", **private)  # page load (bot/web/progress.py)
        start_in = [self.code, self.name, self.email, self.page.candidate]
        self.assignment_btn.click(self.on_assignment_start, start_in, [*self.show_outputs, self.panel], **private)

    # -- handlers -----------------------------------------------------------------------------------------------

    def show_domain(self, role: str) -> Any:
        """The domain picker is for vertical roles only."""
        return gr.Dropdown(visible=role == "vertical")

    @guarded
    def on_start(
        self,
        kind: str,
        role: str,
        domain: str,
        difficulty: float,
        seed: str,
        candidate: str,
        request: gr.Request,
    ) -> Outputs:
        """Start a drill under the candidate's key and show it."""
        view = self.drills.start(
            kind,
            role,
            domain if role == "vertical" else None,
            (seed or "").strip() or None,
            int(difficulty or 1),
            candidate=candidate or secrets.token_urlsafe(12),
        )
        return self.show(view, request)

    def show(self, view: DrillView, request: gr.Request | None = None) -> Outputs:
        """The outputs for a drill as it now stands (its data and inputs, what was entered, any result)."""
        label = "launch-decision case" if view.kind == "case" else "be-the-rater set"
        out: Outputs = {
            self.status: f"A {label}: seed **{view.seed}**, difficulty {view.difficulty}.",
            self.drill_id: view.drill_id,
            self.case_view: gr.Column(visible=view.kind == "case"),
            self.rate_view: gr.Column(visible=view.kind == "rate"),
        }
        if request is not None:  # the drill id in the link is the key to it: 128 random bits
            out[self.link] = render.resume_line(f"{base_url(request)}/?drill={view.drill_id}")
        out.update(self._show_case(view) if view.kind == "case" else self._show_round(view))
        return out

    def _show_case(self, view: DrillView) -> Outputs:
        case, saved = view.case or {}, view.answers
        numbers = [p for p in case["parts"] if p["kind"] == "number"]
        slice_part = next(p for p in case["parts"] if p["kind"] == "slice")
        out: Outputs = {
            self.part_ids: [p["id"] for p in numbers],
            self.brief: drill_render.case_brief(case),
            self.table: drill_render.case_table(case),
            self.chart: drill_render.case_chart(case),
            self.slice_answer: gr.Radio(
                slice_part["choices"], value=saved.get("regressing_slice") or None, label=slice_part["prompt"]
            ),
            self.decision: gr.Radio(value=saved.get("decision") or None, label=f"Your call: {case['question']}"),
            self.rationale: gr.Textbox(value=saved.get("rationale", "")),
            self.case_result: "" if view.outcome is None else drill_render.grades_html(view.outcome),
        }
        for i, box in enumerate(self.numbers):
            if i < len(numbers):
                part = numbers[i]
                label = drill_render.part_label(i + 1, part)
                out[box] = gr.Textbox(visible=True, label=label, value=saved.get(part["id"], ""))
            else:
                out[box] = gr.Textbox(visible=False, value="")
        return out

    def _show_round(self, view: DrillView, outcome: DrillOutcome | None = None) -> Outputs:
        rater, saved = view.rater or {}, view.answers
        items, values = rater["items"], [label["value"] for label in rater["labels"]]
        shown = outcome or view.outcome
        out: Outputs = {
            self.item_ids: [item["id"] for item in items],
            self.rubric: drill_render.rubric_markdown(rater),
            self.rate_result: "" if shown is None else drill_render.rounds_html(shown),
        }
        for i, (group, (text, radio)) in enumerate(zip(self._groups, self.items, strict=True)):
            visible = i < len(items)
            out[group] = gr.Group(visible=visible)
            out[text] = drill_render.rater_item(i + 1, items[i]) if visible else ""
            value = saved.get(items[i]["id"]) if visible else None
            out[radio] = gr.Radio(values if visible else [], value=value or None, label=f"Your label for item {i + 1}")
        return out

    @guarded
    def on_submit_case(self, drill_id: str, part_ids: list[str], *values: str | None) -> Outputs:
        """Submit the case's answers: per-part problems (what was entered is kept), or grades and solutions."""
        if not drill_id:
            raise CoachError(START_FIRST)
        numbers, (slice_answer, decision, rationale) = values[:MAX_NUMBERS], values[MAX_NUMBERS:]
        answers = {part_id: numbers[i] or "" for i, part_id in enumerate(part_ids)}
        answers.update(regressing_slice=slice_answer or "", decision=decision or "", rationale=rationale or "")
        outcome = self.drills.submit(drill_id, answers)
        if not outcome.complete:
            prompts = {p["id"]: p["prompt"] for p in (self.drills.view(drill_id).case or {}).get("parts", [])}
            return {self.status: "", self.case_result: drill_render.problems_html(outcome.errors, prompts)}
        graded = drill_render.grades_html(outcome)
        return {self.status: f"Graded: {outcome.score or 0:.0%} of the points.", self.case_result: graded}

    @guarded
    def on_submit_rate(self, drill_id: str, item_ids: list[str], *labels: str | None) -> Outputs:
        """Submit a round's labels: missing labels are named; a graded round 1 brings round 2."""
        if not drill_id:
            raise CoachError(START_FIRST)
        outcome = self.drills.submit(drill_id, {item: labels[i] or "" for i, item in enumerate(item_ids)})
        if not outcome.complete:
            prompts = {item: f"Item {i + 1}" for i, item in enumerate(item_ids)}
            return {self.status: "", self.rate_result: drill_render.problems_html(outcome.errors, prompts)}
        out = self._show_round(self.drills.view(drill_id), outcome)
        out[self.status] = "Round 2 is ready below." if outcome.next_round else "Both rounds graded."
        return out

    @guarded
    def on_load(self, request: gr.Request) -> Any:
        """?drill= brings back a drill; a share link to a drill assignment opens this tab with its start panel."""
        params = query_params(request)
        drill_id, code = params.get("drill", "").strip(), params.get("assignment", "").strip()
        if drill_id:
            try:
                shown = self.show(self.drills.view(drill_id), request)
            except CoachError:
                shown = {self.status: UNKNOWN_DRILL}
            return {**shown, self.tabs: gr.Tabs(selected="drills")}
        if not code:
            return gr.skip()  # an empty dict is not a no-op for Gradio: it fails the event
        try:
            assignment = open_assignment(self.drills.store, code)
        except CoachError:
            return gr.skip()  # the Interview tab's panel already says why the link cannot be taken
        if not assignment.drill:
            return gr.skip()
        due = render.due_text(assignment.due)
        intro = drill_render.drill_assignment_intro(
            assignment.title, assignment.drill["kind"], assignment.role, assignment.domain, due
        )
        shown = {self.code: code, self.intro: intro, self.panel: gr.Column(visible=True)}
        return {**shown, self.tabs: gr.Tabs(selected="drills")}

    @guarded
    def on_assignment_start(self, code: str, name: str, email: str, candidate: str, request: gr.Request) -> Outputs:
        """Start the candidate's attempt with the coach's drill, seed and difficulty."""
        view = start_drill_attempt(
            self.drills, code, name, (email or "").strip() or None, candidate or secrets.token_urlsafe(12)
        )
        out = self.show(view, request)
        out[self.panel] = gr.Column(visible=False)
        return out
