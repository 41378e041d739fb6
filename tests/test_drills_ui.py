"""The Drills tab's handlers called as methods, the coach's drill assignment on the dashboard and in History, and the
start_drill / submit_drill endpoints through the running app (gradio_client)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from bot.coaching import accounts
from bot.coaching.drill_results import public_drill_id
from bot.config import Settings
from bot.drills.model import Case
from bot.drills.rating import RaterSet
from bot.drills.service import DrillService
from bot.interview.service import InterviewService
from bot.storage.models import DrillAttempt
from bot.web.app import CoachApp
from bot.web.assignment_panel import DRILL_NOTICE
from tests.indexes import indexed_folder
from tests.test_drills import quiet_grader, right_answers
from tests.test_ui import fake_request, serve

WARNINGS = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request is a UserWarning
HOSTILE = "<script>alert(1)</script>"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> CoachApp:
    """The app on its own data folder (a copy of the session's guide index), with a stand-in rationale grader."""
    service = InterviewService(Settings(data_dir=indexed_folder(tmp_path_factory, built_index, "drills-ui")))
    return CoachApp(service, DrillService(service.settings, service.store, grade_rationale=quiet_grader))


def by_id(out: dict[Any, Any]) -> dict[str, Any]:
    return {k.elem_id: v for k, v in out.items() if getattr(k, "elem_id", None)}


def stored(app: CoachApp, drill_id: str) -> dict[str, Any]:
    with app.service.store.session() as db:
        return dict(db.get(DrillAttempt, drill_id).content)


def case_inputs(app: CoachApp, out: dict[Any, Any], answers: dict[str, str]) -> list[Any]:
    """The values the case form sends: the number slots (by part id), the slice, the decision, the rationale."""
    tab = app.drill_tab
    numbers = [answers.get(pid, "") for pid in out[tab.part_ids]]
    numbers += [""] * (len(tab.numbers) - len(numbers))
    return [*numbers, answers.get("regressing_slice"), answers.get("decision"), answers.get("rationale")]


@WARNINGS
def test_case_drill_through_the_tab(built: CoachApp) -> None:
    tab = built.drill_tab
    out = tab.on_start("case", "vertical", "finance", 2, "1234", "cand-case", fake_request())
    assert out[tab.case_view].visible and not out[tab.rate_view].visible
    assert "seed **1234**" in out[tab.status] and "Should the new fraud model" in out[tab.brief]
    assert list(out[tab.table].columns) == ["slice", "model", "cases", "TP", "FP", "FN", "TN"]
    assert set(out[tab.chart]["outcome"]) == {"false negatives", "false positives"}
    shown = [box for box in tab.numbers if out[box].visible]
    assert len(shown) == len(out[tab.part_ids]) == 6 and "within ±0.005" in out[shown[0]].label
    drill_id = out[tab.drill_id]
    case = Case.model_validate(stored(built, drill_id)["case"])
    answers = right_answers(case)
    partial = {**answers, case.parts[0].id: "twelve", "decision": None, "rationale": HOSTILE}
    problems = tab.on_submit_case(drill_id, out[tab.part_ids], *case_inputs(built, out, partial))
    page = problems[tab.case_result]
    assert "Not graded yet" in page and "is not a number" in page and "not answered yet" in page
    assert built.drills.view(drill_id).answers[case.parts[1].id] == answers[case.parts[1].id]  # kept
    graded = tab.on_submit_case(drill_id, out[tab.part_ids], *case_inputs(built, out, answers))
    assert "Graded" in graded[tab.status] and graded[tab.case_result].count("✅") == len(case.parts)
    assert "Worked solution" in graded[tab.case_result]
    link = f"https://coach.example/?drill={drill_id}"
    assert link in out[tab.link]  # a private link back to the drill
    resumed = tab.on_load(fake_request(drill=drill_id))  # a graded drill shows its answers and grades again
    assert resumed[tab.decision].value == case.decision and "Worked solution" in resumed[tab.case_result]
    assert resumed[tab.tabs].selected == "drills"
    assert "does not match any drill" in tab.on_load(fake_request(drill="drill-unknown"))[tab.status]
    assert tab.on_load(fake_request()) == gr.skip()
    assert "start a drill first" in str(tab.on_submit_case("", [], *[""] * 9))


@WARNINGS
def test_rater_drill_through_the_tab_in_two_rounds(built: CoachApp) -> None:
    tab = built.drill_tab
    out = tab.on_start("rate", "vertical", "legal", 1, "5", "cand-rate", fake_request())
    assert out[tab.rate_view].visible and "round 1 of 2" in out[tab.rubric]
    first = out[tab.item_ids]
    assert len(first) == 10 and sum(out[group].visible for group in tab._groups) == 10
    rater_set = RaterSet.model_validate(stored(built, out[tab.drill_id])["rater_set"])
    labels = [rater_set.item(i).label for i in first]
    missing = tab.on_submit_rate(out[tab.drill_id], first, *labels[:-1], None, *[None] * 10)
    assert "Item 10" in missing[tab.rate_result] and "missing a label" in missing[tab.rate_result]
    wrong = ["supported" if n < 4 else label for n, label in enumerate(labels)]
    nxt = tab.on_submit_rate(out[tab.drill_id], first, *wrong, *[None] * 10)
    second = nxt[tab.item_ids]
    assert "Round 2 is ready" in nxt[tab.status] and not set(first) & set(second)
    assert "round 2 of 2" in nxt[tab.rubric] and "Round 1: kappa" in nxt[tab.rate_result]
    assert all(nxt[radio].value is None for _, radio in tab.items[: len(second)])  # fresh, unlabelled
    right = [rater_set.item(i).label for i in second]
    done = tab.on_submit_rate(out[tab.drill_id], second, *right, *[None] * (20 - len(right)))
    assert "Both rounds graded" in done[tab.status] and "Agreement improved" in done[tab.rate_result]


@WARNINGS
def test_a_coach_sets_a_drill_and_sees_it_on_the_dashboard_and_in_history(built: CoachApp) -> None:
    coach, panel, drills_tab = built.coach, built.interview.assignment, built.drill_tab
    email = f"lead@{uuid.uuid4().hex[:8]}.example"
    accounts.add_coach(built.service.store, email, PASSWORD)
    cid = [v for k, v in coach.on_sign_in(email, PASSWORD, fake_request()).items() if isinstance(k, gr.State)][0]
    due = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    made = by_id(
        coach.on_create_drill(cid, "Week 5 <b>case</b>", "feature", None, "case", "99", 3, due, 0, fake_request())
    )
    code = made["asg-share"].split("=", 1)[1]
    assert "Created" in made["coach-status"]
    assert panel.on_load(fake_request(assignment=code))[panel.notice] == DRILL_NOTICE  # not an interview
    opened = drills_tab.on_load(fake_request(assignment=code))
    assert opened[drills_tab.panel].visible and opened[drills_tab.tabs].selected == "drills"
    assert "Week 5 &lt;b&gt;case&lt;/b&gt;" in opened[drills_tab.intro]
    started = drills_tab.on_assignment_start(code, HOSTILE, "", "cand-cohort", fake_request())
    again = drills_tab.on_assignment_start(code, "Bo", "", "cand-bo", fake_request())
    assert started[drills_tab.brief] == again[drills_tab.brief] and "seed **99**" in started[drills_tab.status]
    drill_id = started[drills_tab.drill_id]
    answers = right_answers(Case.model_validate(stored(built, drill_id)["case"]))
    drills_tab.on_submit_case(drill_id, started[drills_tab.part_ids], *case_inputs(built, started, answers))
    board = coach.on_pick(cid, made["asg-pick"].value)
    table = by_id(board)["asg-attempts"]
    assert "&lt;script&gt;" in table and "<script" not in table and "launch-decision case" in table
    choices = [v for k, v in board.items() if getattr(k, "elem_id", "") == "asg-attempt"][0].choices
    drill_choice = next(value for label, value in choices if "drill" in label and value == public_drill_id(drill_id))
    detail = by_id(coach.on_attempt(cid, drill_choice))["asg-transcript"]
    assert "Worked solution" in detail and "<script" not in detail
    rows = list(csv.DictReader(io.StringIO(Path(by_id(board)["asg-csv"]).read_text(encoding="utf-8"))))
    assert rows[0]["candidate_name"] == HOSTILE and rows[0]["score"] == "1.0" and rows[0]["seed"] == "99"
    document = json.loads(Path(by_id(board)["asg-json"]).read_text(encoding="utf-8"))
    assert document["drills"][0]["attempt"]["candidate_name"] == HOSTILE
    history = built.history.on_history("cand-cohort")
    assert history[built.history.drill_table][0][1] == "launch-decision case"
    assert history[built.history.drill_table][0][4] == "1.00" and history[built.page.banner] == ""


# ------------------------------------------------------------------ the two API endpoints through the running app


@pytest.fixture(scope="module")
def client(built: CoachApp) -> Iterator[Any]:
    from gradio_client import Client

    built.demo.queue(default_concurrency_limit=8)
    url = serve(built.demo)
    yield Client(url, verbose=False)
    built.demo.close()


def test_start_and_submit_a_case_through_the_api(built: CoachApp, client: Any) -> None:
    started = client.predict("case", "platform", "", "77", 3, api_name="/start_drill")
    assert "error" not in started, started
    assert started["seed"] == 77 and started["case"]["parts"] and started["rater"] is None
    assert "expected" not in json.dumps(started) and "solution" not in json.dumps(started)
    drill_id = started["drill_id"]
    answers = right_answers(Case.model_validate(stored(built, drill_id)["case"]))
    first = client.predict(drill_id, {"mcnemar_p": "p<0.05"}, api_name="/submit_drill")
    assert first["complete"] is False and "is not a number" in first["errors"]["mcnemar_p"]
    assert first["errors"]["decision"] == "not answered yet" and first["answers"] == {"mcnemar_p": "p<0.05"}
    graded = client.predict(drill_id, answers, api_name="/submit_drill")
    assert graded["complete"] and graded["done"] and graded["score"] == 1.0
    assert all(g["solution"] and g["correct"] for g in graded["grades"])


def test_start_and_submit_a_rater_round_through_the_api(built: CoachApp, client: Any) -> None:
    started = client.predict("rate", "foundation", "", "3", 1, api_name="/start_drill")
    assert started["rater"]["round"] == 1 and len(started["rater"]["items"]) == 10
    rater_set = RaterSet.model_validate(stored(built, started["drill_id"])["rater_set"])
    labels = {item["id"]: rater_set.item(item["id"]).label for item in started["rater"]["items"]}
    graded = client.predict(started["drill_id"], {"labels": labels}, api_name="/submit_drill")
    assert graded["rounds"][0]["kappa"] == 1.0 and graded["next_round"]["round"] == 2


def test_bad_drill_input_returns_errors(client: Any) -> None:
    assert "unknown drill" in client.predict("quiz", "feature", "", "", 1, api_name="/start_drill")["error"]
    assert "seed" in client.predict("case", "feature", "", "minus one", 1, api_name="/start_drill")["error"]
    assert "domain" in client.predict("case", "vertical", "", "", 1, api_name="/start_drill")["error"]
    assert "difficulty" in client.predict("case", "feature", "", "", 9, api_name="/start_drill")["error"]
    assert "no drill" in client.predict("drill-missing", {}, api_name="/submit_drill")["error"]


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_a_case_drill_in_the_browser_keeps_a_bad_answer_for_fixing(built: CoachApp, client: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.set_default_timeout(30_000)
        page.goto(client.src)
        page.get_by_role("tab", name="Drills").click()
        tabs = page.get_by_role("tab").all_inner_texts()
        assert "Drills" in tabs and len(tabs) == len(set(tabs))  # the tab bar stays whole with Drills selected
        page.locator("#drill-start").click()
        expect(page.locator("#drill-brief")).to_contain_text("Should", timeout=60_000)
        first = page.locator("#drill-number-0").locator("input, textarea").first
        first.fill("twelve")
        page.locator("#drill-submit").click()
        expect(page.locator("#drill-result")).to_contain_text("is not a number")
        assert first.input_value() == "twelve"  # what was entered stays for fixing
        browser.close()
