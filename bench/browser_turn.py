"""Speed in the browser: submit-to-card in Chromium against the same turn through the HTTP API, in one run.

The app runs as `python app.py` would (critic workers included). The same kind of answers go through both paths,
one interview each, one turn at a time, the two paths taking turns so that a drift in the machine's speed affects
both alike; each turn starts once the server and Chromium are idle (a candidate reads the card before answering):
- API: POST /gradio_api/call/submit_answer and read its event stream until the result (bench/throughput.py's call).
- Browser: Playwright types the answer into the page, presses the mouse on Submit, and the clock stops when the
  critique card of the new critique appears in the chat.
Target (issue "Candidate and coach experience"): browser p50 at most 2x the API p50.
Needs the dev extras (Playwright) and Chromium at /usr/bin/chromium (or CHROMIUM=path).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hot_path import percentile, prepare  # noqa: E402
from load_test import free_port, start_app, wait_up  # noqa: E402
from throughput import CLOCK, TEXTS, answer_text, call, cpu_seconds, wait_workers_idle  # noqa: E402

TURNS = int(os.environ.get("BROWSER_TURNS", "12"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# each critique arrives in the chat as a card titled "Question n: feedback on your answer" (earlier ones collapse),
# in the same update as the next question; the chat's rows are only ever appended to. The predicates read only the
# rows added since the click: reading the text of the whole chat (about 250 KB after ten turns) on every frame or
# every DOM change was the benchmark's own cost, on the cores the page and server share.
ROWS = "document.querySelectorAll('#chat .bot-row')"
NEW_CARD = f"(before) => Array.from({ROWS}).slice(before).some(r => r.textContent.includes('feedback on your'))"
CARD_ADDED = f"([before]) => ({NEW_CARD})(before)"
# the page's own clock: when the click reaches the page, and when the chat first shows the new card
PAGE_CLOCK = f"""() => {{ window.__turn = {{}};
  document.addEventListener('click', e => {{ if (e.target.closest('#submit-btn')) {{
    window.__turn = {{click: performance.now(), rows: {ROWS}.length}}; }} }}, true);
  new MutationObserver(() => {{ const t = window.__turn;
    if (t.click && !t.card && ({NEW_CARD})(t.rows)) t.card = performance.now(); }})
    .observe(document.querySelector('#chat'), {{childList: true, subtree: true, characterData: true}}); }}"""


def chromium_cpu() -> float:
    """CPU seconds used so far by every Chromium process on this machine (the benchmark's browser)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(chromium" in text or "(chrome" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK
    return total


def settle(server_pid: int, quiet_s: float = 0.15, timeout: float = 5.0) -> None:
    """Wait until neither the server (workers included) nor Chromium has used the CPU for `quiet_s`.

    A turn is timed only from a quiet machine: after the card appears, Chromium goes on painting for a while, and
    an API turn started then would share the cores with it (its p50 rose from about 0.16 to 0.26 s).
    """
    deadline = time.monotonic() + timeout
    last = cpu_seconds(server_pid) + chromium_cpu()
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        used = cpu_seconds(server_pid) + chromium_cpu()
        if used - last < 0.02 * quiet_s * 2:  # under 2% of the two cores
            return
        last = used


def api_turn(url: str, session_id: str, n: int) -> float:
    """One answer through the API; seconds until its result."""
    t0 = time.perf_counter()
    out = call(url, "submit_answer", session_id, answer_text(session_id, n))
    took = time.perf_counter() - t0
    if "error" in out:
        raise SystemExit(out["error"])
    return took


def alternating_turns(url: str, server_pid: int) -> tuple[list[float], list[float], list[float], float]:
    """API and browser turns taken in turn (so a drift in the machine's speed affects both alike).

    Returns the API times, submit-to-card as Playwright sees it and as the page sees it, and Chromium's CPU
    seconds per browser turn.
    """
    from playwright.sync_api import sync_playwright

    api_session = call(url, "start_interview", "feature", "", "pm", 10)["session_id"]
    api, times, in_page = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page: Any = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_label("number input for Number of questions").fill(
            "10"
        )  # room for every measured turn, as the API's session
        page.locator("#start-btn").click()
        page.locator("#chat").get_by_text("Question 1").first.wait_for()
        box = page.locator("#answer textarea")
        page.evaluate(PAGE_CLOCK)
        cpu = 0.0
        for n in range(TURNS + 1):  # the first turn of each warms its path's own code; it is not counted
            settle(server_pid)
            took = api_turn(url, api_session, n)
            page.locator("#submit-btn:not([disabled])").wait_for()
            before = page.evaluate(f"() => {ROWS}.length")
            box.fill(answer_text("browser", n))
            # a click as a person's: mouse down and up where the button is (Locator.click() first runs Playwright's
            # actionability checks, waiting two animation frames for the button to be stable: 60-80 ms here)
            button = page.locator("#submit-btn")
            button.scroll_into_view_if_needed()
            box_at = button.bounding_box()
            x, y = box_at["x"] + box_at["width"] / 2, box_at["y"] + box_at["height"] / 2
            settle(server_pid)
            t0, c0 = time.perf_counter(), chromium_cpu()
            page.mouse.click(x, y)
            page.wait_for_function(CARD_ADDED, arg=[before], polling="raf")
            if n:
                api.append(took)
                times.append(time.perf_counter() - t0)
                cpu += chromium_cpu() - c0
                clock = page.evaluate("() => window.__turn")
                in_page.append((clock["card"] - clock["click"]) / 1000)
        browser.close()
    return api, times, in_page, cpu / TURNS


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        prepare(Path(data_dir))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_app(data_dir, port)
        try:
            wait_up(url, proc)
            warm = call(url, "start_interview", "feature", "", "pm", 10)["session_id"]
            wait_workers_idle(proc.pid)
            for n in range(TURNS):  # warm the server's own code (and the critic workers) once, then measure
                api_turn(url, warm, n)
            api, browser, in_page, chromium = alternating_turns(url, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    a50, b50 = statistics.median(api), statistics.median(browser)
    print(
        f"{TURNS} turns each, {'200-300-word' if len(TEXTS) > 1 else 'two-sentence'} answers, one at a time, API and browser alternating"
    )
    print(f"API submit_answer: p50 {a50:.2f} s, p95 {percentile(api, 0.95):.2f} s")
    print(f"browser submit-to-card: p50 {b50:.2f} s, p95 {percentile(browser, 0.95):.2f} s")
    print(f"ratio p50 {b50 / a50:.2f}x (target <= 2x)")
    p50 = statistics.median(in_page)
    print(f"the page's own clock, click to card: p50 {p50:.2f} s ({p50 / a50:.2f}x the API)")
    print(f"Chromium CPU from click to card: {chromium:.2f} s per turn, on the same cores as the server")


if __name__ == "__main__":
    main()
