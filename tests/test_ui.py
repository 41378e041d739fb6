"""The Gradio app end to end through gradio_client, plus the escaping of reports and the critique card."""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.report import critique_card, markdown_report, progress_frame, score_chart

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](javascript:x)"
ANSWER = (
    "I would start by defining what good looks like with a golden set of graded examples, measure precision "
    "and recall per segment, set a launch bar in advance, plan for hallucination and policy failure modes with "
    "guardrails, a human fallback and a kill switch, and roll out behind a flag to a small share of traffic, "
    "comparing reopen rate and CSAT against the control before expanding."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The app served in-process on a free loopback port, on its own data folder."""
    from bot.session import Coach
    from bot.ui import CSS, build_app

    coach = Coach(Settings(data_dir=tmp_path_factory.mktemp("ui-data")))
    demo = build_app(coach)
    demo.queue(default_concurrency_limit=16)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url)
    yield coach, url
    demo.close()


@pytest.fixture(scope="module")
def client(app: tuple[Any, str]) -> Any:
    from gradio_client import Client

    return Client(app[1], verbose=False)


def test_full_interview_through_the_api(client: Any) -> None:
    started = client.predict("feature", "", "pm", 2, api_name="/start_interview")
    assert "error" not in started, started
    assert started["session_id"] and started["question"]
    assert started["messages"] and started["messages"][0]["kind"] == "question"
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
    coach = app[0]
    started = client.predict("vertical", "legal", "technical", 1, api_name="/start_interview")
    sid = started["session_id"]
    turn = client.predict(sid, HOSTILE, api_name="/submit_answer")
    assert "error" not in turn, turn
    client.predict(sid, api_name="/end_interview")
    text = markdown_report(coach.view(sid))
    for raw in ("<script", "<img", "](javascript:", "](javascript"):
        assert raw not in text
    assert "&lt;script&gt;" in text


def test_unknown_session_and_bad_input_return_errors(client: Any) -> None:
    for api, args in (("/submit_answer", ("no-such-session", "hello")), ("/end_interview", ("no-such-session",))):
        result = client.predict(*args, api_name=api)
        assert "error" in result and "no interview" in result["error"]
    assert "error" in client.predict("astronaut", "", "pm", 2, api_name="/start_interview")
    assert "error" in client.predict("vertical", "", "pm", 2, api_name="/start_interview")
    sid = client.predict("platform", "", "pm", 1, api_name="/start_interview")["session_id"]
    assert "empty" in client.predict(sid, "   ", api_name="/submit_answer")["error"]


def test_page_with_unknown_session_still_serves(app: tuple[Any, str]) -> None:
    with urllib.request.urlopen(app[1] + "?session=bogus&candidate=x", timeout=10) as response:
        assert response.status == 200


def test_critique_card_escapes_everything() -> None:
    critique = {
        "overall": 2.5,
        "dimensions": {"evaluation": 3, "failure_modes": 2, "product_judgment": 2.5, "communication": 2.5},
        "strengths": [HOSTILE],
        "gaps": [HOSTILE],
        "follow_up": HOSTILE,
        "follow_up_dimension": "evaluation",
        "stronger_answer": [HOSTILE],
        "citations": [
            {"topic": "evaluation", "source": "g.md", "heading": "<img src=x onerror=alert(1)>", "text": HOSTILE}
        ],
        "source": "offline",
        "flags": ["<script>x</script>"],
        "notices": [HOSTILE],
    }
    card = critique_card(critique, notices=[HOSTILE])
    assert "<script" not in card and "<img" not in card
    assert "&lt;script&gt;" in card and "<details><summary>" in card
    assert "offline critic" in card
    assert critique_card(None) == ""


def test_chart_frames() -> None:
    frame = score_chart({"evaluation": 3.0, "failure_modes": 2.0})
    assert list(frame.columns) == ["dimension", "score"] and len(frame) == 2
    history = [
        {"started": "2026-01-01", "overall": 2.0, "averages": {"evaluation": 2.0}},
        {"started": "2026-01-02", "overall": 3.0, "averages": {"evaluation": 3.5}},
    ]
    progress = progress_frame(history)
    assert set(progress["dimension"]) == {"Evaluation", "Overall"} and progress["session"].max() == 2


def test_summary_links_open_the_guides(app: tuple[Any, str]) -> None:
    import re
    import urllib.request

    from bot.report import gaps_markdown

    summary = {"gaps": [{"dimension": "failure_modes", "average": 1.5, "guide": "knowledge/guides/failure-modes.md"}]}
    target = re.search(r"\]\((/gradio_api/file=[^)]+)\)", gaps_markdown(summary))
    assert target is not None
    _, url = app
    with urllib.request.urlopen(url.rstrip("/") + target.group(1), timeout=30) as response:
        assert response.status == 200 and b"topic: failure-modes" in response.read()


def test_llm_replies_stream_into_the_chat() -> None:
    from bot.calibration import load_labelled
    from bot.session import Coach
    from bot.ui import build_app
    from tests.fakes import ScriptedChatModel

    coach = Coach(chat_model=ScriptedChatModel())
    demo = build_app(coach)
    handler = next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_answer_streamed")
    start = coach.start("feature", questions=2)
    answer = next(i.answer for i in load_labelled() if i.kind == "eval_only")
    updates = list(handler(start.session_id, answer, 0))
    partial = [next(iter(u.values())) for u in updates[:-1]]
    assert len(partial) >= 3 and all(len(u) == 1 for u in updates[:-1])  # only the chat changes while streaming
    texts = [messages[-1]["content"] for messages in partial]
    assert len(texts[0]) < len(texts[-1]) and texts[-1].strip().startswith("Scripted interviewer")
    assert partial[0][-2]["role"] == "user"  # the candidate's answer shows before the reply streams in
    final = updates[-1]
    assert any("coach-card" in str(v) for v in final.values())  # then the critique card
