"""The Gradio app end to end through gradio_client, the Interview tab's handlers, and the escaping of reports."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest
from markdown_it import MarkdownIt

from bot.config import PROJECT_ROOT, Settings
from bot.critic.model import Citation, Critique
from bot.interview.service import InterviewService
from bot.interview.state import InterviewPlan, Summary, SummaryGap
from bot.storage.models import public_attempt_id
from bot.web.render import critique_card, gaps_markdown
from bot.web.reports import REPORT_KEYS, json_report, markdown_report, progress_frame, score_chart
from tests.indexes import indexed_folder
from tests.ports import held_port

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](javascript:x)"
ANSWER = (
    "I would start by defining what good looks like with a golden set of graded examples, measure precision "
    "and recall per segment, set a launch bar in advance, plan for hallucination and policy failure modes with "
    "guardrails, a human fallback and a kill switch, and roll out behind a flag to a small share of traffic, "
    "comparing reopen rate and CSAT against the control before expanding."
)
LAX_MARKDOWN = MarkdownIt("gfm-like", {"html": True, "linkify": True})  # raw HTML and bare links on
WARNINGS = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request is a UserWarning


def serve(demo: gr.Blocks) -> str:
    """Launch `demo` on loopback, on a port the OS reserved for it (tests/ports.py), and return its URL.

    Not Gradio's own search from 7860 up: two xdist workers launching at once collide there, and the loser waits
    5 s for its server to fail before trying the next port.
    """
    from bot.web.app import CSS
    from bot.web.security import launch_options

    with held_port() as port:
        demo.launch(
            server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS, **launch_options()
        )
    url = f"http://127.0.0.1:{demo.server_port}/"
    wait_until_up(url)
    return url


def wait_until_up(url: str, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up in {timeout}s")


def fake_request(**query: str) -> Any:
    """Just enough of gr.Request for the handlers: client, headers, url and query parameters."""
    return SimpleNamespace(
        client=SimpleNamespace(host="203.0.113.9"),
        headers={"host": "coach.example"},
        url=SimpleNamespace(scheme="https"),
        query_params=query,
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> Iterator[tuple[Any, str]]:
    """The app served in-process on a free loopback port, on its own data folder (a copy of the session's index)."""
    from bot.web.app import CoachApp

    built = CoachApp(InterviewService(Settings(data_dir=indexed_folder(tmp_path_factory, built_index, "ui-data"))))
    built.demo.queue(default_concurrency_limit=16)
    url = serve(built.demo)
    yield built, url
    built.demo.close()


@pytest.fixture(scope="module")
def client(app: tuple[Any, str]) -> Any:
    from gradio_client import Client

    return Client(app[1], verbose=False)


def test_full_interview_through_the_api(client: Any) -> None:
    started = client.predict("feature", "", "pm", 2, api_name="/start_interview")
    assert "error" not in started, started
    assert started["session_id"] and started["question"]
    assert started["messages"] and started["messages"][0]["kind"] == "question"
    assert {"role", "content", "kind"} <= set(started["messages"][0])
    for key in ("prompt", "question_number", "total", "time_limit_s", "deadline"):
        assert key in started
    sid = started["session_id"]
    critiques, turn = [], {"done": False}
    for i in range(8):
        turn = client.predict(sid, f"{ANSWER} (turn {i})", api_name="/submit_answer")
        assert "error" not in turn, turn
        for key in ("critique", "next", "done", "summary", "notices"):
            assert key in turn
        if turn["critique"]:
            critiques.append(turn["critique"])
        if turn["done"]:
            break
    assert critiques, "no critique came back"
    assert set(critiques[0]["dimensions"]) == {"evaluation", "failure_modes", "product_judgment", "communication"}
    assert critiques[0]["source"] == "offline"
    ended = client.predict(sid, api_name="/end_interview")
    assert "error" not in ended, ended
    assert ended["summary"] and ended["summary"]["averages"]
    assert ended["done"] is True


def test_hostile_answer_is_inert_in_the_report(app: tuple[Any, str], client: Any) -> None:
    service = app[0].service
    started = client.predict("vertical", "legal", "technical", 1, api_name="/start_interview")
    sid = started["session_id"]
    turn = client.predict(sid, HOSTILE, api_name="/submit_answer")
    assert "error" not in turn, turn
    client.predict(sid, api_name="/end_interview")
    page = LAX_MARKDOWN.render(markdown_report(service.view(sid)))  # as the laxest renderer would show it
    for live in ("<script", "<img", "<a "):
        assert live not in page
    assert "&lt;script&gt;" in page and "[click](javascript:alert(1))" in page  # shown, as text
    document = json.loads(json_report(service.view(sid)))
    assert tuple(document) == REPORT_KEYS and document["attempt_id"] == public_attempt_id(sid)
    assert sid not in json.dumps(document)  # a report is made to be shared: never the id that opens the session
    assert HOSTILE in json.dumps(document["transcript"], ensure_ascii=False)  # JSON is data: kept verbatim


def test_unknown_session_and_bad_input_return_errors(client: Any) -> None:
    for api, args in (("/submit_answer", ("no-such-session", "hello")), ("/end_interview", ("no-such-session",))):
        result = client.predict(*args, api_name=api)
        assert "error" in result and "no interview" in result["error"]
    assert "error" in client.predict("astronaut", "", "pm", 2, api_name="/start_interview")
    assert "error" in client.predict("vertical", "", "pm", 2, api_name="/start_interview")
    sid = client.predict("platform", "", "pm", 1, api_name="/start_interview")["session_id"]
    assert "empty" in client.predict(sid, "   ", api_name="/submit_answer")["error"]


def test_page_with_a_hostile_session_serves_the_app_and_reflects_nothing(app: tuple[Any, str]) -> None:
    hostile = "<script>window.__pwned=1</script>"
    query = urllib.parse.urlencode({"session": hostile, "candidate": hostile})
    with urllib.request.urlopen(f"{app[1]}?{query}", timeout=10) as response:
        page = response.read().decode()
    assert "AI PM mock-interview coach" in page and "Start interview" in page  # the app's own config is served
    assert hostile not in page and "__pwned" not in page


@WARNINGS
def test_timed_answer_runs_to_the_servers_deadline(app: tuple[Any, str]) -> None:
    tab = app[0].interview
    out = tab.on_start("feature", "healthcare", "pm", 2, 2, 0.02, "timed-candidate", fake_request())
    sid = out[tab.page.session]
    due = out[tab.deadline]
    assert due == app[0].service.view(sid).answer_deadline()  # the page shows the server's deadline
    assert out[tab.timer].active and "left" in out[tab.countdown]
    assert "left" in tab.on_tick(sid, "typed so far", due)[tab.countdown]
    time.sleep(max(0.0, due - time.time()) + 0.1)
    expired = tab.on_tick(sid, "A timed answer about a launch bar", due)
    assert "Time is up" in expired[tab.page.banner] and expired[tab.answer] == ""
    assert "A timed answer" in str(expired[tab.chat])
    assert tab.on_tick(sid, "again", due) == gr.skip()  # the same deadline is never submitted twice
    assert "start an interview" in str(tab.on_answer("", "hello"))
    assert tab.on_answer(sid, "  ") == {tab.page.banner: ""}  # said once, as a toast (test below)
    untimed = tab.on_start("feature", "healthcare", "pm", 1, 2, 0, "timed-candidate", fake_request())
    assert untimed[tab.deadline] == 0.0 and not untimed[tab.timer].active and untimed[tab.countdown] == ""


@WARNINGS
def test_resume_link_restores_the_interview(app: tuple[Any, str]) -> None:
    tab = app[0].interview
    out = tab.on_start("platform", "healthcare", "pm", 1, 2, 0, "", fake_request())
    sid, candidate = out[tab.page.session], out[tab.page.candidate]
    url = re.search(r"`(https://coach\.example/\?session=\S+)`", out[tab.link])
    assert url and candidate and f"candidate={candidate}" in url.group(1)
    restored = tab.on_load(fake_request(session=sid, candidate=candidate))  # the whole resume link
    assert "Welcome back" in restored[tab.page.banner] and restored[tab.page.candidate] == candidate
    for request in (fake_request(session=sid), fake_request(session=sid, candidate="a-guess")):  # ?session= alone
        opened = tab.on_load(request)
        assert "Welcome back" in opened[tab.page.banner]  # the session itself opens
        assert opened[tab.page.candidate] != candidate and candidate not in str(opened)  # the key stays secret
    unknown = tab.on_load(fake_request(session="not-a-session"))
    assert "does not match any interview" in unknown[tab.page.banner]


def test_critique_card_escapes_everything() -> None:
    critique = Critique(
        overall=2.5,
        dimensions={"evaluation": 3, "failure_modes": 2, "product_judgment": 2.5, "communication": 2.5},
        strengths=[HOSTILE],
        gaps=[HOSTILE],
        follow_up=HOSTILE,
        follow_up_dimension="evaluation",
        stronger_answer=[HOSTILE],
        citations=[Citation(topic="evaluation", source="g.md", heading="<img src=x onerror=alert(1)>", text=HOSTILE)],
        source="offline",
        flags=["<script>x</script>"],
        notices=[HOSTILE],
    )
    card = critique_card(critique, notices=[HOSTILE])
    assert "<script" not in card and "<img" not in card
    assert "&lt;script&gt;" in card and "<details><summary>" in card
    assert "offline critic" in card and "Feedback: 2.5/5" in card
    assert critique_card(None) == ""


def test_chart_frames() -> None:
    frame = score_chart({"evaluation": 3.0, "failure_modes": 2.0})
    assert list(frame.columns) == ["dimension", "score"] and len(frame) == 2
    history = [
        {"started": "2026-01-01", "overall": 2.0, "averages": {"evaluation": 2.0}},
        {"started": "2026-01-02", "overall": 3.0, "averages": {"evaluation": 3.5}},
    ]
    progress = progress_frame(history)
    assert set(progress["dimension"]) == {"Evaluation", "Overall"} and sorted(set(progress["session"])) == ["01", "02"]
    single = progress_frame(history[:1])  # one session still gives points to show
    assert len(single) == 2 and set(single["session"]) == {"01"}


def test_summary_links_open_the_guides(app: tuple[Any, str]) -> None:
    built, url = app
    guides_dir = built.service.settings.guides_dir
    gap = SummaryGap(dimension="failure_modes", average=1.5, guide="knowledge/guides/failure-modes.md")
    shown = gaps_markdown(Summary(gaps=[gap]), guides_dir)
    target = re.search(r"\]\((guides/[^)]+)\)", shown)
    assert target is not None and str(PROJECT_ROOT) not in shown and "gradio_api" not in shown
    with urllib.request.urlopen(url.rstrip("/") + "/" + target.group(1), timeout=30) as response:
        assert response.status == 200 and b"topic: failure-modes" in response.read()
    outside = SummaryGap(dimension="evaluation", average=1.0, guide="README.md")  # not in the guides folder
    assert "guides/" not in gaps_markdown(Summary(gaps=[outside]), guides_dir)
    for wrong in ("guides/..%2FREADME.md", "guides/README.md", "guides/nothing-here.md"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.rstrip("/") + "/" + wrong, timeout=30)
        assert refused.value.code == 404


def test_refused_files_name_no_server_path(app: tuple[Any, str]) -> None:
    """Gradio's file route names the path it refused; the app's answer names nothing."""
    _, url = app
    for asked in (str(PROJECT_ROOT / "README.md"), "/etc/passwd", "../../secret.txt", "data/coach.db"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/file={asked}", timeout=30)
        body = refused.value.read()
        assert refused.value.code == 403 and body == b'{"detail":"File not allowed."}'
        assert refused.value.headers["x-content-type-options"] == "nosniff"


def test_llm_replies_stream_into_the_chat() -> None:
    from bot.critic.calibration import load_labelled
    from bot.web.app import CoachApp
    from tests.fakes import ScriptedChatModel

    service = InterviewService(chat_model=ScriptedChatModel())
    tab = CoachApp(service).interview
    start = service.start("feature", questions=2)
    answer = next(i.answer for i in load_labelled(service.settings.calibration_dir) if i.kind == "eval_only")
    updates = list(tab.on_answer_streamed(start.session_id, answer))
    partial = [next(iter(u.values())) for u in updates[:-1]]
    assert len(partial) >= 3 and all(list(u) == [tab.chat] for u in updates[:-1])  # only the chat changes
    texts = [messages[-1]["content"] for messages in partial]
    assert len(texts[0]) < len(texts[-1]) and texts[-1].strip().startswith("Scripted interviewer")
    assert partial[0][-2]["role"] == "user"  # the candidate's answer shows before the reply streams in
    final = updates[-1][tab.chat]  # then the critique card, in the chat right after the answer
    card = next(i for i, m in enumerate(final) if "metadata" in m)
    assert "coach-card" in final[card]["content"] and final[card - 1]["role"] == "user"


def test_guides_tab_shows_when_each_guide_was_reviewed_and_its_sources() -> None:
    from bot.config import get_settings
    from bot.content.guides import load_guides
    from bot.web.render import guide_markdown

    guides = {g.topic: g for g in load_guides(get_settings().guides_dir)}
    finance = guide_markdown(guides["finance"])
    assert f"Reviewed on {guides['finance'].reviewed:%d %B %Y}" in finance
    assert "**Sources**" in finance and "SR 26-2" in finance.split("**Sources**")[1]
    unreviewed = dataclasses.replace(guides["portfolio"], reviewed=None, sources=())
    assert "Not yet reviewed" in guide_markdown(unreviewed) and "**Sources**" not in guide_markdown(unreviewed)


def test_every_response_carries_the_security_headers(app: tuple[Any, str]) -> None:
    for path in ("", "config", "gradio_api/info"):
        with urllib.request.urlopen(app[1] + path, timeout=10) as response:
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'self' https://huggingface.co" in csp and "img-src 'self' data: blob:" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "SAMEORIGIN"  # not on a Space: no embedding elsewhere


def test_uploads_over_the_limit_are_refused(app: tuple[Any, str]) -> None:
    def upload(size: int) -> int:
        boundary = "coachboundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="x.bin"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + b"x" * size
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            app[1] + "gradio_api/upload", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert upload(2 * 1024 * 1024) == 413  # 2 MB against the 1 MB limit
    assert upload(1024) == 200  # small files still work (Gradio's own components use this route)


def test_wrong_argument_types_through_the_api_name_the_argument(client: Any) -> None:
    assert client.predict("feature", "", "pm", "three", api_name="/start_interview") == {
        "error": "argument 'questions' must be a whole number, not str"
    }
    assert client.predict("A" * 22, 42, api_name="/submit_answer") == {
        "error": "argument 'answer' must be text, not int"
    }
    assert client.predict("feature", "", "pm", "2", api_name="/start_interview")["session_id"]  # digits still do


def test_clearing_the_chat_view_loses_nothing() -> None:
    from bot.web.app import CoachApp

    service = InterviewService()
    tab = CoachApp(service).interview
    started = service.start("feature", questions=2)
    service.submit(started.session_id, ANSWER)
    restored = tab.on_chat_cleared(started.session_id)[tab.chat]
    texts = [m["content"] if isinstance(m, dict) else m.content for m in restored]
    assert any(ANSWER[:40] in str(t) for t in texts) and any("Question 1" in str(t) for t in texts)
    assert tab.on_chat_cleared("")[tab.chat] == []


def test_history_reads_as_words_and_plots_a_single_session() -> None:
    from bot.web.app import CoachApp

    service = InterviewService()
    history = CoachApp(service).history
    done = service.start("feature", questions=1, candidate="cand-history")
    result = service.submit(done.session_id, ANSWER)
    while not result.done:
        result = service.submit(done.session_id, "end")
    service.start("platform", questions=2, candidate="cand-history")  # left open
    out = history.on_history("cand-history")
    rows = out[history.table]
    assert [r[4] for r in rows] == ["finished", "not finished (open it from its resume link)"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r[0]) for r in rows)  # no "T", no seconds
    assert re.fullmatch(r"\d\.\d", rows[0][3]) and rows[1][3] == "—"
    assert set(out[history.plot]["session"]) == {"01"}  # the one finished session is plotted

    # a past session opens from History: its resume link, only for sessions History listed for this key
    assert out[history.open_pick].choices == [
        (f"{r[0]} · {role} · {r[4]}", n) for n, (r, role) in enumerate(zip(rows, ("feature", "platform"), strict=True))
    ]
    sessions = out[history.sessions]
    link = history.on_open(sessions, 1, "cand-history")[history.open_link]
    opened = re.search(r"\?session=([\w-]+)&candidate=cand-history", link)
    assert opened and opened.group(1) == sessions[1] and sessions[1] != done.session_id
    tab = CoachApp(service).interview  # and that link reopens the open interview, its question waiting
    assert "Question 1" in str(tab.on_load(fake_request(session=sessions[1], candidate="cand-history"))[tab.chat])
    assert history.on_open(sessions, 7, "cand-history")[history.open_link] == ""  # not a listed session


def test_guides_show_once_titled_and_excerpts_render_markdown_safely() -> None:
    from bot.config import get_settings
    from bot.content.guides import load_guides
    from bot.retrieval.search import Hit
    from bot.web.app import CoachApp
    from bot.web.render import guide_markdown, search_results

    guides = {g.topic: g for g in load_guides(get_settings().guides_dir)}
    shown = guide_markdown(guides["evaluation"])
    assert shown.count(f"# {guides['evaluation'].title}") == 1  # the title once, not twice

    tab = CoachApp(InterviewService()).guides
    assert tab.pick.value == next(iter(tab.guides)) and tab.guide.value  # the selected guide is already shown

    hit = Hit(topic="evaluation", heading="Rubrics", source="knowledge/guides/evaluation.md", score=1.0, similarity=None,
              text="Use a **written rubric** <script>window.__pwned=1</script> and [a link](javascript:alert(1))")  # fmt: skip
    html_out = search_results([hit])
    assert "<strong>written rubric</strong>" in html_out and "**" not in html_out
    assert "<script" not in html_out and "href" not in html_out and "&lt;script&gt;" in html_out  # inert text


def test_the_markdown_report_reads_cleanly() -> None:
    service = InterviewService()
    started = service.start("feature", questions=1)
    plain = "I'd ship it (roughly 5% first) & watch \"edit rates\"; then I'd widen it."
    service.submit(started.session_id, plain + " " + ANSWER)
    service.end(started.session_id)
    text = markdown_report(service.view(started.session_id))
    assert plain in text  # apostrophes, quotes, parentheses and & as written
    assert "&#x27;" not in text and "&quot;" not in text and "&amp;" not in text and "\\(" not in text


def test_an_empty_answer_is_pointed_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web import interview_tab
    from bot.web.app import CoachApp

    service = InterviewService()
    tab = CoachApp(service).interview
    started = service.start("feature", questions=1)
    shown: list[str] = []
    monkeypatch.setattr(interview_tab.gr, "Warning", shown.append)
    out = tab.on_answer(started.session_id, "   \n ")
    assert shown == [interview_tab.EMPTY_ANSWER] and out[tab.page.banner] == ""  # a toast, not a toast and a banner
    assert service.store.turns(started.session_id) == []  # nothing was sent


def cards(chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The critique cards in a chat (collapsible messages with a title)."""
    return [m for m in chat if "metadata" in m]


@WARNINGS
def test_every_critique_card_stays_in_the_chat_and_comes_back_after_a_refresh() -> None:
    from bot.web.app import CoachApp

    tab = CoachApp(InterviewService()).interview
    sid = tab.on_start("feature", "healthcare", "pm", 2, 2, 0, "", fake_request())[tab.page.session]
    first = tab.on_answer(sid, "I would ship it and see how it goes.")[tab.chat]
    assert len(cards(first)) == 1 and "status" not in cards(first)[0]["metadata"]  # the newest card is open
    second = tab.on_answer(sid, ANSWER)[tab.chat]
    shown = cards(second)
    assert len(shown) == 2 and shown[0]["metadata"]["status"] == "done" and "status" not in shown[1]["metadata"]
    assert shown[0]["metadata"]["title"].startswith("Question 1: feedback on your answer")
    for card in shown:  # each card right after the answer it is about, with the whole critique
        at = second.index(card)
        assert second[at - 1]["role"] == "user" and "coach-card" in card["content"] and "Strengths" in card["content"]
    assert not any("See the critique card" in str(m["content"]) for m in second)  # the card replaces its stand-in
    assert tab.on_load(fake_request(session=sid))[tab.chat] == second  # a refresh or resume link: all of them
    assert tab.on_chat_cleared(sid)[tab.chat] == second


def test_held_back_feedback_stays_held_back_on_every_card() -> None:
    from bot.interview.service import HELD_BACK
    from bot.web.app import CoachApp

    service = InterviewService()
    tab = CoachApp(service).interview
    plan = InterviewPlan(role="feature", questions=2, closes_at=time.time() + 3600, hold_feedback=True)
    sid = service.start(plan=plan).session_id
    service.submit(sid, "I would ship it and see how it goes.")
    service.submit(sid, ANSWER)
    chat = tab.on_chat_cleared(sid)[tab.chat]
    assert len(cards(chat)) == 2
    for card in cards(chat):
        assert "<h4>Gaps</h4>" not in card["content"] and HELD_BACK in card["content"]


@WARNINGS
def test_the_finished_screen_shows_the_full_transcript_and_offers_a_pdf() -> None:
    from pathlib import Path

    from bot.web.app import CoachApp

    tab = CoachApp(InterviewService()).interview
    sid = tab.on_start("feature", "healthcare", "pm", 2, 2, 0, "", fake_request())[tab.page.session]
    tab.on_answer(sid, "I would ship it and see how it goes.")
    tab.try_again.on_try_again(sid)
    tab.on_answer(sid, ANSWER)
    done, screen = tab.on_end(sid), tab.end_screen
    transcript = done[screen.transcript]
    assert "> I would ship it and see how it goes." in transcript and f"> {ANSWER}" in transcript  # both attempts
    assert transcript.count("**Feedback:") >= 1 and "Attempt 2 at question 1" in transcript  # with every critique
    pdf = Path(done[screen.pdf_download])
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2_000
    assert tab.on_load(fake_request(session=sid))[screen.transcript] == transcript  # a finished session reopens with it


@pytest.mark.parametrize("with_llm", [False, True])
def test_an_offline_turn_flashes_no_progress_overlay_and_an_llm_turn_streams(with_llm: bool) -> None:
    from bot.web.app import build_app
    from tests.fakes import ScriptedChatModel

    service = InterviewService(chat_model=ScriptedChatModel()) if with_llm else InterviewService()
    demo = build_app(service)
    config = demo.get_config_file()
    submit = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "submit-btn")
    turns = [d for d in config["dependencies"] if [submit, "click"] in [list(t) for t in d["targets"]]]
    assert len(turns) == 1
    assert turns[0]["show_progress"] == ("full" if with_llm else "hidden")
    # hidden progress registers no loading status on the page (bot/web/progress.py); shown, it covers the chat
    chat = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "chat")
    assert (chat in turns[0]["show_progress_on"]) == with_llm
    handler = demo.fns[turns[0]["id"]]
    assert handler.types_generator == with_llm  # offline nothing streams: one reply, no generator round


def test_events_register_a_loading_status_only_where_progress_can_show() -> None:
    """Events register a loading status only on outputs that can show their progress.

    Every event with hidden progress (page loads among them) names no components; the others name their outputs
    except layout blocks that draw no progress (columns, groups, tabs). Otherwise the page keeps a status for each
    and updates all of them, walking the component tree and each layout block's contents, on every status message
    of every later event (bench/browser_turn.py: Chromium CPU per turn about halved).
    """
    from bot.web.app import build_app

    demo = build_app(InterviewService())
    config = demo.get_config_file()
    deps, blocks = config["dependencies"], {c["id"]: c for c in config["components"]}
    loads = [d for d in deps if any(t[1] == "load" for t in d["targets"]) and d["outputs"]]
    assert len(loads) >= 3 and all(d["show_progress"] == "hidden" for d in loads)  # interview, assignment, drills
    hidden = [d for d in deps if d["show_progress"] == "hidden"]
    assert len(hidden) > len(loads) and all(d["show_progress_on"] == [] for d in hidden)
    layouts = {"column", "row", "group", "tabs", "tabitem", "accordion"}
    shown = [d for d in deps if d["show_progress"] != "hidden"]
    for dep in shown:
        registered = dep["outputs"] if dep["show_progress_on"] is None else dep["show_progress_on"]
        assert set(registered) <= set(dep["outputs"])
        assert not [o for o in registered if blocks[o]["type"] in layouts], demo.fns[dep["id"]].name
        assert [o for o in dep["outputs"] if blocks[o]["type"] not in layouts] == registered  # the rest keep it
    button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "assignment-start")
    start = next(d for d in shown if [button, "click"] in [list(t) for t in d["targets"]])  # an assignment's start
    assert {blocks[o]["type"] for o in start["outputs"]} >= {"column", "chatbot"}
    assert "chatbot" in {blocks[o]["type"] for o in start["show_progress_on"]}  # its chat still shows progress
