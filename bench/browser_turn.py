"""Speed in the browser: submit-to-card in Chromium against the same turn through the HTTP API, in one run.

The app runs as `python app.py` would (critic workers included). The same answers go through both paths, one
interview each, one turn at a time:
- API: POST /gradio_api/call/submit_answer and read its event stream until the result (bench/throughput.py's call).
- Browser: Playwright types the answer into the page, clicks Submit, and the clock stops when the critique
  card of the new critique appears in the chat.
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
from throughput import CLOCK, TEXTS, answer_text, call, wait_workers_idle  # noqa: E402

TURNS = int(os.environ.get("BROWSER_TURNS", "12"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# each critique arrives in the chat as a card titled "Question n: feedback on your answer" (earlier ones collapse)
CARDS = "Array.from(document.querySelectorAll('#chat .bot-row')).filter(r => r.textContent.includes('feedback on your')).length"
CARD_ADDED = f"([before]) => ({CARDS}) > before"
# the page's own clock: when the click reaches the page, and when the chat first shows one more card (Playwright's
# click() adds its own actionability checks, 60-80 ms here, before the page sees the click)
PAGE_CLOCK = f"""() => {{ window.__turn = {{}};
  document.addEventListener('click', e => {{ if (e.target.closest('#submit-btn')) window.__turn.click = performance.now(); }}, true);
  new MutationObserver(() => {{ const n = ({CARDS}); if (n !== window.__turn.cards) {{
    window.__turn.cards = n; window.__turn.card = performance.now(); }} }})
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


def api_turns(url: str) -> list[float]:
    started = call(url, "start_interview", "feature", "", "pm", 10)
    times = []
    for n in range(TURNS):
        t0 = time.perf_counter()
        out = call(url, "submit_answer", started["session_id"], answer_text(started["session_id"], n))
        times.append(time.perf_counter() - t0)
        if "error" in out:
            raise SystemExit(out["error"])
    return times


def browser_turns(url: str) -> tuple[list[float], list[float], float]:
    """Submit-to-card as Playwright sees it and as the page sees it, and Chromium's CPU seconds per turn."""
    from playwright.sync_api import sync_playwright

    times, in_page = [], []
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
        for n in range(TURNS + 1):  # the first turn warms the page's own code; it is not counted
            page.locator("#submit-btn:not([disabled])").wait_for()
            before = page.evaluate(CARDS)
            box.fill(answer_text("browser", n))
            t0, c0 = time.perf_counter(), chromium_cpu()
            page.locator("#submit-btn").click()
            page.wait_for_function(CARD_ADDED, arg=[before], polling="raf")
            if n:
                times.append(time.perf_counter() - t0)
                cpu += chromium_cpu() - c0
                clock = page.evaluate("() => window.__turn")
                in_page.append((clock["card"] - clock["click"]) / 1000)
        browser.close()
    return times, in_page, cpu / TURNS


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        prepare(Path(data_dir))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_app(data_dir, port)
        try:
            wait_up(url, proc)
            call(url, "start_interview", "feature", "", "pm", 3)
            wait_workers_idle(proc.pid)
            api_turns(url)  # warm both paths once, then measure
            api = api_turns(url)
            browser, in_page, chromium = browser_turns(url)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    a50, b50 = statistics.median(api), statistics.median(browser)
    print(f"{TURNS} turns each, {'200-300-word' if len(TEXTS) > 1 else 'two-sentence'} answers, one at a time")
    print(f"API submit_answer: p50 {a50:.2f} s, p95 {percentile(api, 0.95):.2f} s")
    print(f"browser submit-to-card: p50 {b50:.2f} s, p95 {percentile(browser, 0.95):.2f} s")
    print(f"ratio p50 {b50 / a50:.2f}x (target <= 2x)")
    p50 = statistics.median(in_page)
    print(f"the page's own clock, click to card: p50 {p50:.2f} s ({p50 / a50:.2f}x the API)")
    print(f"Chromium CPU from click to card: {chromium:.2f} s per turn, on the same cores as the server")


if __name__ == "__main__":
    main()
