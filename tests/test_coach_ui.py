"""The Coach tab and the candidate share-link flow, driven through the tabs' own handler methods (and one browser)."""

from __future__ import annotations

import asyncio
import base64
import csv
import importlib.util
import io
import json
import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import gradio.oauth
import pytest
import uvicorn
import yaml
from sqlalchemy import func, select
from starlette.requests import Request as StarletteRequest

from bot.coaching import accounts, assignments, reviews
from bot.coaching.reports import list_assignments
from bot.config import Settings
from bot.errors import CoachError
from bot.interview.service import InterviewService
from bot.storage.models import CoachDevice
from bot.web import coach_forms
from bot.web.app import CoachApp
from bot.web.coach_tab import hf_account, hf_sign_in_available
from bot.web.request_info import base_url, client_key, trust_forwarded_headers
from tests.indexes import indexed_folder
from tests.test_assignments import ANSWER
from tests.test_ui import fake_request

PASSWORD = "a long enough password"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_COMMENT = "<script>alert(1)</script>"
WARNINGS = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request is a UserWarning


class App:
    """The built app: its service and store, and the tabs whose handler methods the tests call."""

    def __init__(self, data_dir: Path) -> None:
        self.service = InterviewService(Settings(data_dir=data_dir))
        self.store = self.service.store
        self.ui = CoachApp(self.service)
        self.coach = self.ui.coach
        self.interview = self.ui.interview
        self.panel = self.ui.interview.assignment
        self.domain = "example.com"


def by_id(out: dict[Any, Any]) -> dict[str, Any]:
    """Outputs keyed by elem_id (components without one are left out)."""
    return {k.elem_id: v for k, v in out.items() if getattr(k, "elem_id", None)}


def state_of(out: dict[Any, Any]) -> Any:
    """The coach id written to state: the first gr.State among the outputs (the board's stamp comes later)."""
    return next(v for k, v in out.items() if isinstance(k, gr.State))


def sign_in(app: App, email: str, password: str = PASSWORD) -> int:
    """Sign in through the handler; returns the coach id kept in state."""
    out = app.coach.on_sign_in(email, password, fake_request())
    return int(out[app.coach.coach_id])


def create(app: App, cid: int, title: str = "Week 3", **over: Any) -> dict[str, Any]:
    """Create an assignment through the handler; returns its outputs by elem_id (and the raw dict)."""
    fields: dict[str, Any] = {
        "title": title,
        "role": "feature",
        "domain": None,
        "skills": ["evaluation"],
        "questions": 1,
        "difficulty": 2,
        "minutes": 5,
        "due": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S"),
        "custom": [],
        "max_attempts": 0,
        "hold_feedback": False,
    }
    fields.update(over)
    out = app.coach.on_create(cid, *fields.values(), fake_request())
    return {**by_id(out), "raw": out}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> App:
    """One app for the module, on its own data folder (a copy of the session's index)."""
    return App(indexed_folder(tmp_path_factory, built_index, "coach-ui-data"))


@pytest.fixture
def app(shared: App) -> App:
    """The shared app with two fresh coaches for this test: lead@<test>.example and other@<test>.example."""
    shared.domain = f"t{uuid.uuid4().hex[:10]}.example"
    accounts.add_coach(shared.store, f"lead@{shared.domain}", PASSWORD)
    accounts.add_coach(shared.store, f"other@{shared.domain}", PASSWORD)
    return shared


@WARNINGS
def test_sign_in_success_failure_and_rate_limit(app: App) -> None:
    wrong = by_id(app.coach.on_sign_in(f"lead@{app.domain}", "not the password", fake_request()))
    assert "wrong email or password" in wrong["coach-status"] and "coach-sign-in" not in wrong
    out = app.coach.on_sign_in(f"Lead@{app.domain.upper()} ", PASSWORD, fake_request())
    assert state_of(out) and f"lead@{app.domain}" in str(out.values())
    for _ in range(5):
        app.coach.on_sign_in(f"other@{app.domain}", "nope", fake_request())
    limited = by_id(app.coach.on_sign_in(f"other@{app.domain}", PASSWORD, fake_request()))
    assert "too many sign-in attempts" in limited["coach-status"]
    signed_out = app.coach.on_sign_out()
    assert state_of(signed_out) is None
    with pytest.raises(CoachError, match="sign in"):
        coach_forms.load_coach(app.store, None)


def device_of(out: dict[Any, Any]) -> Any:
    """The device token written to the browser's gr.BrowserState by a sign-in (absent when it failed)."""
    (value,) = [v for k, v in out.items() if isinstance(k, gr.BrowserState)] or [None]
    return value


def sign_in_event(demo: gr.Blocks) -> Any:
    """The sign-in button's event, with its input and output components."""
    (event,) = [f for f in demo.fns.values() if getattr(f, "name", "") == "on_sign_in" and "click" in str(f.targets)]
    return event


def lead_from(host: str, **query: str) -> Any:
    """A fake request from another client address."""
    request = fake_request(**query)
    request.client.host = host
    return request


@WARNINGS
def test_the_browser_keeps_a_device_token_that_outlasts_an_attack(app: App) -> None:
    email = f"lead@{app.domain}"
    event = sign_in_event(app.ui.demo)
    assert app.coach.device in event.inputs and app.coach.device in event.outputs  # wired through the page
    assert device_of(app.coach.on_sign_in(email, "not the password", fake_request())) is None
    first = app.coach.on_sign_in(email, PASSWORD, fake_request())
    token = device_of(first)
    assert isinstance(token, str) and len(token) >= 43 and state_of(first)
    again = app.coach.on_sign_in(email, PASSWORD, lead_from("192.0.2.1"), token)
    assert device_of(again) == token  # the same browser keeps its token
    for n in range(7):  # someone else guesses from several addresses
        app.coach.on_sign_in(email, "a wrong guess", lead_from(f"198.51.100.{n}"))
    refused = by_id(app.coach.on_sign_in(email, PASSWORD, lead_from("192.0.2.1")))
    assert "too many sign-in attempts" in refused["coach-status"]  # a browser without the token waits
    trusted = app.coach.on_sign_in(email, PASSWORD, lead_from("192.0.2.1"), token)
    assert state_of(trusted) and device_of(trusted) == token  # the coach's own browser signs in
    other = app.coach.on_sign_in(f"other@{app.domain}", PASSWORD, fake_request(), token)
    assert device_of(other) not in (None, token)  # another coach on the same browser gets a token of their own


def test_browser_state_survives_replicas_and_restarts(app: App) -> None:
    rebuilt = CoachApp(app.service).coach.device  # another process builds the same page
    assert (rebuilt.storage_key, rebuilt.secret) == (app.coach.device.storage_key, app.coach.device.secret)


def test_forwarded_headers_count_only_from_configured_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "set by someone else")  # restored after the test
    monkeypatch.delenv("SPACE_HOST", raising=False)
    seen: dict[str, str] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = gr.Request(request=StarletteRequest(scope))
        seen.update(client=client_key(request), base=base_url(request))

    forged = [(b"host", b"coach.example"), (b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-proto", b"https")]
    forged.append((b"x-forwarded-host", b"evil.example"))

    def served(allowed: str) -> dict[str, str]:
        """What the app sees of a loopback request with forged forwarded headers, behind uvicorn as launched."""
        trust_forwarded_headers(Settings(forwarded_allow_ips=allowed))
        config = uvicorn.Config(app=app, log_config=None)  # as Gradio builds it: no forwarded_allow_ips argument
        config.load()
        scope = {"type": "http", "client": ("127.0.0.1", 50123), "headers": list(forged), "scheme": "http"}
        scope.update(method="GET", path="/", raw_path=b"/", query_string=b"", root_path="", server=("x", 80))
        asyncio.run(config.loaded_app(scope, None, None))
        return dict(seen)

    assert served("") == {"client": "127.0.0.1", "base": "http://coach.example"}  # the default: no proxy
    assert served("127.0.0.1") == {"client": "6.6.6.6", "base": "https://coach.example"}  # a configured proxy
    assert served("10.0.0.5") == {"client": "127.0.0.1", "base": "http://coach.example"}  # loopback is no proxy
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5, 10.1.0.0/16")
    assert Settings().forwarded_allow_ips == "10.0.0.5, 10.1.0.0/16"
    monkeypatch.setenv("SPACE_HOST", "someone-coach.hf.space,coach.example.org")
    assert base_url(fake_request()) == "https://someone-coach.hf.space"  # a Space: the platform names its host


def test_launch_hands_the_setting_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.web.app as web_app

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")
    monkeypatch.setattr(web_app, "get_settings", lambda: Settings(forwarded_allow_ips="10.0.0.5"))
    monkeypatch.setattr(web_app, "InterviewService", lambda settings: SimpleNamespace(settings=settings))
    monkeypatch.setattr(web_app, "warm_up", lambda service, workers=False: None)
    monkeypatch.setattr(web_app, "keep_pruning", lambda service: None, raising=False)  # no background work
    launched: dict[str, str] = {}

    class Demo:
        """Records what the server would read when launch() starts it."""

        def queue(self, **_: Any) -> None:
            launched["queued"] = "yes"

        def launch(self, **_: Any) -> None:
            launched["allow"] = os.environ["FORWARDED_ALLOW_IPS"]

        def block_thread(self) -> None:
            pass

    monkeypatch.setattr(web_app, "build_app", lambda service: Demo())
    mask = os.umask(0o022)
    try:
        web_app.launch()
    finally:
        os.umask(mask)
    assert launched == {"queued": "yes", "allow": "10.0.0.5"}


@WARNINGS
def test_create_assignment_shows_a_share_link_with_128_bits(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    made = create(app, cid)
    link = made["asg-share"]
    match = re.fullmatch(r"https://coach\.example/\?assignment=([A-Za-z0-9_-]+)", link)
    assert match, link
    code = match.group(1)
    assert len(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))) * 8 >= 128
    assert assignments.open_assignment(app.store, code).time_limit_s == 300
    short = create(app, cid, custom=[{"text": "too short", "key_points": {}}])
    assert "custom question 1: question text: too short" in short["coach-status"]
    past = create(app, cid, due="2001-01-01 00:00")
    assert "future" in past["coach-status"]
    assert "YYYY-MM-DD" in create(app, cid, due="next week")["coach-status"]
    assert "sign in" in create(app, 0)["coach-status"]  # no coach in state: refused


def test_the_created_line_stays_and_refresh_updates_the_attempt_counts(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    made = create(app, cid, title="Counted")
    assert "Counted" in made["coach-status"]
    (mine,) = [a for a in coaching_list(app, cid) if a["title"] == "Counted"]
    picked = app.coach.on_pick(cid, mine["id"])  # what selecting the new assignment runs next
    assert app.coach.status not in picked  # so the "created" line is not wiped
    code = made["asg-share"].split("=", 1)[1]
    app.panel.on_start(code, "Ada", "", "cand-counted", fake_request())
    refreshed = app.coach.on_refresh(cid, mine["id"])
    labels = [label for label, value in refreshed[app.coach.pick].choices if value == mine["id"]]
    assert labels and "1 attempt(s)" in labels[0], labels


def test_the_board_refreshes_itself_only_when_something_changed(app: App) -> None:
    coach = app.coach
    signed = coach.on_sign_in(f"lead@{app.domain}", PASSWORD, fake_request())
    assert signed[coach.refresh_timer].active and signed[coach.stamp] is None  # the timer runs while signed in
    cid = int(signed[coach.coach_id])
    assert coach.on_tick(None, None, None, None) == gr.skip()  # signed out: nothing to do
    made = create(app, cid, title="Ticking")
    asg = made["asg-pick"].value
    first = coach.on_tick(cid, asg, None, None)  # no stamp yet: the whole board is drawn
    stamp = first[coach.stamp]
    assert "No attempts yet" in first[coach.table] and "0 attempt(s)" in str(first[coach.pick].choices)
    assert coach.on_tick(cid, asg, None, stamp) == gr.skip()  # nothing changed: nothing is sent

    code = made["asg-share"].split("=", 1)[1]
    started = app.panel.on_start(code, "Grace <b>H</b>", "", "cand-tick", fake_request())
    after = coach.on_tick(cid, asg, None, stamp)
    labels = [label for label, value in after[coach.pick].choices if value == asg]
    assert labels and "1 attempt(s)" in labels[0], labels
    assert "Grace &lt;b&gt;H&lt;/b&gt;" in after[coach.table] and after[coach.attempt].choices
    # the choices are sent, not a value: what the coach picked stays picked (and the transcript is left alone)
    assert "value" not in after[coach.attempt].constructor_args and coach.transcript not in after
    assert coach.on_tick(cid, asg, None, after[coach.stamp]) == gr.skip()

    attempt_id = after[coach.attempt].choices[0][1]
    app.service.submit(state_of_session(app, started), ANSWER)  # an answer (and its grade) in the open attempt
    graded = coach.on_tick(cid, asg, attempt_id, after[coach.stamp])
    assert ANSWER[4:40] in graded[coach.transcript] and graded[coach.turn].choices  # the viewed attempt is redrawn
    assert "value" not in graded[coach.turn].constructor_args  # ...without moving the coach's picked answer
    assert not coach.on_sign_out()[coach.refresh_timer].active


def test_the_form_sets_an_attempt_limit_and_held_back_feedback(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    code = create(app, cid, max_attempts=1, hold_feedback=True)["asg-share"].split("=", 1)[1]
    made = assignments.open_assignment(app.store, code)
    assert made.max_attempts == 1 and made.feedback_after_end
    started = app.panel.on_start(code, "Ada", "", "cand-once", fake_request())
    critique = app.service.submit(state_of_session(app, started), ANSWER).critique
    assert critique is not None and critique.held_back and critique.gaps == []
    again = str(app.panel.on_start(code, "Ada", "", "cand-once", fake_request()))
    assert "can be taken once and you have used every attempt" in again
    assert "whole number" in create(app, cid, max_attempts=1.5)["coach-status"]
    assert "1 to 20 attempts" in create(app, cid, max_attempts=21)["coach-status"]
    assert assignments.open_assignment(app.store, create(app, cid)["asg-share"].split("=", 1)[1]).max_attempts is None


@WARNINGS
def test_candidate_attempt_reaches_the_dashboard_escaped(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    code = create(app, cid, title="Week <b>3</b>")["asg-share"].split("=", 1)[1]

    opened = app.panel.on_load(fake_request(assignment=code))
    assert "Week &lt;b&gt;3&lt;/b&gt;" in by_id(opened)["assignment-intro"] and "5 min per answer" in str(opened)
    intro = by_id(opened)["assignment-intro"]  # the due date as people write it, not an ISO timestamp
    assert "+00:00" not in intro and re.search(r"due \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC", intro), intro
    started = app.panel.on_start(code, HOSTILE_NAME, "", "cand-key-1", fake_request())
    sid = state_of_session(app, started)
    minutes = [v for k, v in started.items() if isinstance(k, gr.Number)]
    assert minutes and minutes[0].value == 5  # the assignment's time limit is shown
    due = started[app.interview.deadline]  # and the countdown runs to the deadline the server set
    assert due == app.service.view(sid).answer_deadline() and 290 < due - time.time() <= 300
    assert started[app.interview.timer].active and "left" in started[app.interview.countdown]
    result = app.service.submit(sid, ANSWER)
    while not result.done:
        result = app.service.submit(sid, "end")
    (assignment,) = coaching_list(app, cid)

    board = by_id(app.coach.on_pick(cid, assignment["id"]))
    table = board["asg-attempts"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in table and "<img" not in table
    attempt_id = app.coach.on_pick(cid, assignment["id"])
    choices = [v for k, v in attempt_id.items() if getattr(k, "elem_id", "") == "asg-attempt"][0].choices
    detail = app.coach.on_attempt(cid, choices[0][1])
    assert not by_id(detail)["asg-attempt-pdf"].constructor_args["visible"]  # made on request, not on every pick
    made_pdf = by_id(app.coach.on_attempt_pdf(cid, choices[0][1]))["asg-attempt-pdf"]
    pdf = Path(made_pdf.constructor_args["value"])  # the attempt as a PDF, beside the other exports
    assert made_pdf.constructor_args["visible"] and pdf.suffix == ".pdf" and pdf.read_bytes()[:5] == b"%PDF-"
    assert "pick an attempt" in str(app.coach.on_attempt_pdf(cid, None))
    turn_dd = [v for k, v in detail.items() if isinstance(v, gr.Dropdown)][0]
    reviewed = by_id(
        app.coach.on_review(cid, assignment["id"], choices[0][1], turn_dd.value, "evaluation", 5, HOSTILE_COMMENT)
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reviewed["asg-transcript"]
    assert "<script" not in reviewed["asg-transcript"] + reviewed["asg-attempts"]

    rows = list(csv.DictReader(io.StringIO(Path(reviewed["asg-csv"]).read_text(encoding="utf-8"))))
    assert rows[0]["candidate_name"] == HOSTILE_NAME and rows[0]["evaluation"]
    per_question = list(csv.DictReader(io.StringIO(Path(reviewed["asg-questions-csv"]).read_text(encoding="utf-8"))))
    assert per_question[0]["coach_comment"] == HOSTILE_COMMENT and per_question[0]["evaluation"] == "5.0"
    document = json.loads(Path(reviewed["asg-json"]).read_text(encoding="utf-8"))
    assert document["attempts"][0]["candidate_name"] == HOSTILE_NAME
    assert document["attempts"][0]["turns"][0]["reviews"][0]["comment"] == HOSTILE_COMMENT
    # the override downloads as a calibration entry in the labelled set's own format
    (entry,) = yaml.safe_load(Path(reviewed["asg-overrides"]).read_text(encoding="utf-8"))
    assert entry["grade"] == {"evaluation": 5} and entry["answer"] == ANSWER and entry["kind"] == "coach_review"

    mine = by_id(app.panel.on_results(sid))["my-results"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mine and "<script" not in mine and "Assignment:" in mine
    assert "start or resume" in str(app.panel.on_results(""))


@WARNINGS
def test_the_candidate_sees_a_badge_and_a_notice_once_a_coach_reviewed(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    made = create(app, cid, title="Badges")
    code = made["asg-share"].split("=", 1)[1]
    candidate = f"cand-badge-{uuid.uuid4().hex[:6]}"
    commented = state_of_session(app, app.panel.on_start(code, "Ada", "", candidate, fake_request()))
    scored = state_of_session(app, app.panel.on_start(code, "Ada", "", candidate, fake_request()))
    for sid in (commented, scored):
        app.service.submit(sid, ANSWER)
    history = app.ui.history
    before = history.on_history(candidate)
    assert [row[5] for row in before[history.table]] == ["", ""] and before[app.ui.page.banner] == ""
    assert not before[history.comments_pick].constructor_args["visible"]
    assert app.panel.on_load(fake_request(session=commented)) == gr.skip()  # nothing reviewed: no notice

    coach = coach_forms.load_coach(app.store, cid)
    turns = {sid: next(t.id for t in app.store.turns(sid) if t.kind == "answer") for sid in (commented, scored)}
    reviews.review(app.store, coach, turns[commented], comment=HOSTILE_COMMENT + " [look](http://evil.test)")
    reviews.review(app.store, coach, turns[scored], dimension="evaluation", score=4)
    after = history.on_history(candidate)
    assert sorted(row[5] for row in after[history.table]) == ["Reviewed", "💬 comments"]
    assert "Your coach reviewed 2 of your attempts" in after[app.ui.page.banner]
    assert len(after[history.comments_pick].constructor_args["choices"]) == 2
    reviewed = after[history.reviewed]
    page = history.on_comments(reviewed, reviewed.index(commented))[history.comments]
    assert "&lt;script&gt;" in page and "<script" not in page and "<a " not in page  # the comment, as text
    assert history.on_comments(reviewed, 7)[history.comments] == ""  # only what History listed
    assert candidate not in str(after[history.comments_pick].constructor_args["choices"])

    notice = by_id(app.panel.on_load(fake_request(session=commented)))["assignment-notice"]
    assert "Your coach commented on this attempt" in notice and "My results and coach comments" in notice
    assert "evil.test" not in notice and "<script" not in notice  # no coach text in the notice itself
    assert (
        "Your coach reviewed this attempt"
        in by_id(app.panel.on_load(fake_request(session=scored)))["assignment-notice"]
    )
    other = history.on_history("someone-else")
    assert other[history.table] == [] and other[history.reviewed] == []


@WARNINGS
def test_formula_names_are_neutralised_in_the_csv(app: App) -> None:
    cid = sign_in(app, f"lead@{app.domain}")
    code = create(app, cid)["asg-share"].split("=", 1)[1]
    for name in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)"):
        app.panel.on_start(code, name, "", "", fake_request())
    (assignment,) = coaching_list(app, cid)
    board = by_id(app.coach.on_pick(cid, assignment["id"]))
    rows = list(csv.DictReader(io.StringIO(Path(board["asg-csv"]).read_text(encoding="utf-8"))))
    assert sorted(r["candidate_name"] for r in rows) == ["'+1", "'-2", "'=HYPERLINK(1)", "'@SUM(A1)"]


@WARNINGS
def test_unknown_and_expired_codes_show_the_message(app: App) -> None:
    unknown = by_id(app.panel.on_load(fake_request(assignment="x" * 32)))
    assert "not valid" in unknown["assignment-notice"] and "normal interview" in unknown["assignment-notice"]
    owner = coach_forms.load_coach(app.store, sign_in(app, f"lead@{app.domain}"))
    soon = assignments.create_assignment(
        app.store, owner, "Soon", "feature", None, [], 1, 1, None, datetime.now(UTC) + timedelta(seconds=1)
    )
    time.sleep(1.5)
    closed = by_id(app.panel.on_load(fake_request(assignment=soon.code)))
    assert "closed" in closed["assignment-notice"]
    refused = app.panel.on_start(soon.code, "Bo", "", "", fake_request())
    assert "closed" in str(refused)
    assert app.panel.on_load(fake_request()) == gr.skip()  # no ?assignment=: no change


@WARNINGS
def test_a_second_coach_cannot_see_the_first_coachs_assignment(app: App) -> None:
    first = sign_in(app, f"lead@{app.domain}")
    create(app, first, title="Private to lead")
    (assignment,) = coaching_list(app, first)
    second = sign_in(app, f"other@{app.domain}")
    assert app.coach.assignment_choices(second) == []
    picked = by_id(app.coach.on_pick(second, assignment["id"]))
    assert "not found" in picked["coach-status"] and "asg-attempts" not in picked
    out = app.coach.on_sign_in(f"other@{app.domain}", PASSWORD, fake_request())
    pick = [v for k, v in out.items() if getattr(k, "elem_id", "") == "asg-pick"][0]
    assert pick.choices == []


@WARNINGS
def test_hugging_face_sign_in_on_a_space(shared: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def profile(username: str) -> gr.OAuthProfile:
        return gr.OAuthProfile({"name": username, "preferred_username": username, "profile": "", "picture": ""})

    allowed = ["Allowed-User"]
    assert hf_account(shared.store, None, allowed) is None
    assert hf_account(shared.store, profile("stranger"), allowed) is None
    account = hf_account(shared.store, profile("allowed-user"), allowed)
    assert account is not None and account.username == "allowed-user" and account.email == "hf:allowed-user"
    monkeypatch.setattr(shared.service.settings, "coach_allowlist", allowed)
    assert shared.coach.on_hf_sign_in(None) == gr.skip()  # not signed in to Hugging Face: no change
    refused = by_id(shared.coach.on_hf_sign_in(profile("stranger")))
    assert "not on the coach allow-list" in refused["coach-status"]
    assert state_of(shared.coach.on_hf_sign_in(profile("Allowed-User"))) == account.id
    assert not hf_sign_in_available() and not shared.coach.hf_sign_in  # not on a Space: no LoginButton
    monkeypatch.setenv("SPACE_ID", "someone/coach")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "client")
    monkeypatch.setenv("SYSTEM", "spaces")  # Gradio attaches the real OAuth routes only on a Space,
    space_oauth = {"CLIENT_ID": "client", "CLIENT_SECRET": "secret", "SCOPES": "openid profile"}
    for name, value in space_oauth.items():  # from the settings the Space sets (read when gradio.oauth loads)
        monkeypatch.setattr(gradio.oauth, f"OAUTH_{name}", value)
    monkeypatch.setattr(gradio.oauth, "OPENID_PROVIDER_URL", "https://huggingface.co")
    on_space = CoachApp(shared.service)  # builds on a Space whether or not gradio[oauth] is installed
    oauth_installed = importlib.util.find_spec("itsdangerous") is not None
    assert on_space.coach.hf_sign_in == oauth_installed == login_button(on_space.demo)
    assert not login_button(shared.ui.demo)
    monkeypatch.delenv("OAUTH_CLIENT_ID")
    assert not hf_sign_in_available()  # SPACE_ID alone (no hf_oauth) is not enough


def login_button(demo: gr.Blocks) -> bool:
    """Whether the page offers Hugging Face sign-in."""
    return any(isinstance(block, gr.LoginButton) for block in demo.blocks.values())


def test_parsers() -> None:
    assert coach_forms.parse_due("2030-05-01 09:30") == datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(CoachError, match="whole number"):
        coach_forms.parse_max_attempts(2.5)


def coaching_list(app: App, cid: int) -> list[dict[str, Any]]:
    """The coach's assignments as the dashboard lists them."""
    return list_assignments(app.store, coach_forms.load_coach(app.store, cid))


def state_of_session(app: App, out: dict[Any, Any]) -> str:
    """The session id the start handler stored in state."""
    ids = [v for v in out.values() if isinstance(v, str) and app.store.get_session(v) is not None]
    assert ids, out
    return str(ids[0])


@pytest.mark.browser
def sign_in_in_browser(page: Any, email: str, password: str) -> None:
    """Open the Coach tab of the page and submit the sign-in form (the caller checks what came of it)."""
    page.get_by_role("tab", name="Coach").click()
    page.locator("#coach-email").locator("input, textarea").fill(email)
    page.locator("#coach-password input").fill(password)
    page.locator("#coach-sign-in").click()


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_coach_signs_in_and_creates_an_assignment_in_the_browser(shared: App) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import ARGS, CHROMIUM
    from tests.test_ui import serve

    email = f"browser@{uuid.uuid4().hex[:8]}.example"
    cid = accounts.add_coach(shared.store, email, PASSWORD).id
    shared.ui.demo.queue(default_concurrency_limit=4)
    url = serve(shared.ui.demo)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page: Any = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.set_default_timeout(30_000)
            page.goto(url)
            sign_in_in_browser(page, email, "wrong password here")
            expect(page.locator("#coach-status")).to_contain_text("wrong email or password")
            page.locator("#coach-password input").fill(PASSWORD)
            page.locator("#coach-sign-in").click()
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
            page.wait_for_function("() => localStorage.getItem('coach-device') !== null")  # the device token
            page.reload()  # a new page load reads it back from localStorage and sends it with the next sign-in
            sign_in_in_browser(page, email, PASSWORD)
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
            with shared.store.session() as db:  # one device: the second sign-in presented the first one's token
                assert db.scalar(select(func.count()).select_from(CoachDevice).where(CoachDevice.coach_id == cid)) == 1
            page.locator("#asg-title").locator("input, textarea").fill("Browser <i>week</i>")
            page.locator("#asg-create").click()
            share = page.locator("#asg-share").locator("input, textarea")
            expect(share).to_have_value(re.compile(r"/\?assignment=[A-Za-z0-9_-]{32,}$"), timeout=60_000)
            code = share.input_value().split("=", 1)[1]
            page.goto(f"{url}?assignment={code}")
            expect(page.locator("#assignment-intro")).to_contain_text("Browser <i>week</i>")
            expect(page.locator("#candidate-name")).to_be_visible()
            browser.close()
    finally:
        shared.ui.demo.close()
