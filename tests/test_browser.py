"""A real Chromium drives one interview through the page: answer, critique, end, chart, download, no XSS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.indexes import indexed_folder
from tests.test_ui import ANSWER, LAX_MARKDOWN, serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def served_app(tmp_path_factory: pytest.TempPathFactory, index: Settings) -> Iterator[str]:
    """The app served in-process on a free loopback port, on its own copy of `index` (for a module's fixture)."""
    from bot.interview.service import InterviewService
    from bot.web.app import build_app

    demo = build_app(InterviewService(Settings(data_dir=indexed_folder(tmp_path_factory, index, "browser-data"))))
    demo.queue(default_concurrency_limit=16)
    address = serve(demo)
    yield address
    demo.close()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> Iterator[str]:
    yield from served_app(tmp_path_factory, built_index)


def test_interview_in_the_browser(url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 1600}, accept_downloads=True)
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_text(re.compile("^Platform PM")).first.click()
        page.locator("#start-btn").click()
        chat = page.locator("#chat")
        expect(chat).to_contain_text("Question 1", timeout=120_000)
        expect(page.get_by_text("Private resume link")).to_be_visible()

        hostile = ANSWER + ' <img src=x onerror="window.__pwned=1"> [click](javascript:window.__pwned=2)'
        box = page.locator("#answer textarea")
        box.fill(hostile)
        box.press("End")
        box.press("Shift+Enter")  # a new line, not a submit
        box.type("Second paragraph.")
        assert "\nSecond paragraph." in box.input_value()
        page.locator("#submit-btn").click()
        card = chat.locator(".coach-card").last  # the critique card, in the chat under the answer
        expect(card).to_contain_text("Feedback:", timeout=120_000)
        expect(card).to_contain_text("Scored by the offline critic")
        expect(chat).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(page.locator("#submit-btn")).to_be_enabled()

        expect(box).to_have_value("")
        box.fill("Follow-up: I would page the on-call owner, pause auto-send for refunds and audit similar replies.")
        box.press("Enter")  # Enter submits
        expect(chat).to_contain_text("pause auto-send for refunds", timeout=120_000)
        expect(page.locator("#submit-btn")).to_be_enabled()
        titles = chat.locator(".thought-group .title")
        expect(titles).to_have_count(2)  # the first card is still there, collapsed under its title
        expect(chat.locator(".coach-card")).to_have_count(1)
        titles.first.click()
        expect(chat.locator(".coach-card")).to_have_count(2)
        page.locator("#end-btn").click()
        page.locator("#end-yes").click()  # ending asks first
        expect(page.locator("#summary")).to_contain_text("Interview complete", timeout=120_000)
        chart = page.locator("#score-chart")
        expect(chart).to_be_visible()
        expect(chart.locator("canvas, svg").first).to_be_visible(timeout=60_000)

        with page.expect_download() as info:
            page.locator("#download-md").click()
        report = Path(info.value.path()).read_text(encoding="utf-8")
        assert "AI PM mock interview report" in report and len(report) > 200
        shown = LAX_MARKDOWN.render(report)  # as the laxest Markdown renderer would show it
        assert "<img" not in shown and "<a " not in shown and "onerror=&quot;window.__pwned=1&quot;" in shown
        with page.expect_download() as info:
            page.locator("#download-pdf").click()
        assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
        expect(page.locator("#full-transcript")).to_contain_text("Second paragraph.")  # every answer, every critique
        expect(page.locator("#full-transcript")).to_contain_text("Feedback:")

        assert page.evaluate("typeof window.__pwned") == "undefined"
        shot = tmp_path / "interview.png"
        page.screenshot(path=str(shot), full_page=True)  # under pytest's temp folder only
        assert shot.stat().st_size > 10_000

        link = re.search(
            r"https?://\S+\?session=[\w-]+&candidate=[\w-]+", page.get_by_text("Private resume link").inner_text()
        )
        assert link, "no resume link"
        page.goto(link.group(0))
        expect(page.locator("#summary")).to_contain_text("Interview complete", timeout=60_000)
        page.goto(url + "?session=not-a-session")
        expect(page.get_by_text("does not match any interview")).to_be_visible(timeout=60_000)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        browser.close()


def test_timer_history_and_guides_in_the_browser(url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page: Any = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.set_default_timeout(30_000)
        page.goto(url)
        page.get_by_label("Minutes per answer (0 = no timer)").fill("0.1")
        page.locator("#start-btn").click()
        expect(page.locator("#chat")).to_contain_text("Question 1", timeout=120_000)
        expect(page.locator("#countdown")).to_contain_text("left")
        page.locator("#answer textarea").fill("A timed answer: I would set a launch bar and a rollback plan.")
        expect(page.get_by_text("Time is up")).to_be_visible(timeout=60_000)
        expect(page.locator("#chat")).to_contain_text("A timed answer")
        page.locator("#end-btn").click()
        page.locator("#end-yes").click()  # ending asks first
        expect(page.locator("#summary")).to_contain_text("Interview complete", timeout=60_000)

        page.get_by_role("tab", name="History").click()
        page.get_by_role("button", name="Show my history").click()
        expect(page.get_by_role("tabpanel")).to_contain_text("feature")

        page.get_by_role("tab", name="Guides").click()
        page.get_by_label("Search the guides").fill("refund <script>window.__pwned=3</script>")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("details").first).to_be_visible()
        page.get_by_role("tab", name="About the feedback").click()
        expect(page.get_by_text("Rank agreement with the graders")).to_be_visible()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        browser.close()


def test_a_refresh_or_a_new_tab_keeps_the_interview_and_the_draft(url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        page: Any = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url)
        page.locator("#start-btn").click()
        expect(page.locator("#chat")).to_contain_text("Question 1", timeout=120_000)
        page.wait_for_url(re.compile(r"\?session=[\w-]+&candidate=[\w-]+"), timeout=10_000)  # the URL carries it
        question = page.locator("#chat").inner_text()
        draft = "Half-written: I would start by sampling real tickets into an eval set and"
        page.locator("#answer textarea").fill(draft)
        page.wait_for_timeout(1_500)  # the draft is kept every second

        page.reload()
        expect(page.locator("#chat")).to_contain_text("Question 1", timeout=60_000)
        expect(page.locator("#answer textarea")).to_have_value(draft, timeout=10_000)
        assert page.locator("#chat").inner_text() == question

        other: Any = context.new_page()  # the same address in a new tab
        other.goto(page.url)
        expect(other.locator("#answer textarea")).to_have_value(draft, timeout=60_000)

        page.locator("#submit-btn").click()  # sent: the kept draft goes, the next reload shows an empty box
        expect(page.locator("#chat .coach-card")).to_contain_text("Feedback", timeout=60_000)
        page.wait_for_timeout(1_500)
        page.reload()
        expect(page.locator("#chat")).to_contain_text(draft, timeout=60_000)
        expect(page.locator("#answer textarea")).to_have_value("")

        page.locator("#end-btn").click()
        page.locator("#end-yes").click()  # ending asks first
        expect(page.locator("#summary")).to_contain_text("Interview complete", timeout=60_000)
        page.get_by_role("button", name="New interview").click()
        page.wait_for_url(re.compile(r"^[^?]*$"), timeout=10_000)  # a new interview leaves the old one's address
        browser.close()
