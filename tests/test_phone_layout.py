"""The Interview tab on a phone (390x844, touch) in a real Chromium: every tab in view, the card under its answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.test_browser import ARGS, CHROMIUM, served_app
from tests.test_ui import ANSWER

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABS = ["Interview", "Drills", "History", "Guides", "About the feedback", "Coach"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, built_index: Settings) -> Iterator[str]:
    yield from served_app(tmp_path_factory, built_index)


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return dict(found)


def tab_names(page: Any) -> list[str]:
    return [name.strip() for name in page.get_by_role("tab").all_inner_texts()]


def test_every_tab_is_in_view_and_clicking_one_never_adds_another(url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for options in (PHONE, {"viewport": {"width": 1280, "height": 900}}):
            page: Any = browser.new_page(**options)
            page.set_default_timeout(30_000)
            page.goto(url)
            expect(page.get_by_role("tab", name="Coach")).to_be_visible(timeout=60_000)
            assert tab_names(page) == TABS
            assert page.get_by_role("button", name="More tabs").count() == 0  # no overflow menu to open
            width = options["viewport"]["width"]
            for name in TABS:
                tab = page.get_by_role("tab", name=name, exact=True)
                expect(tab).to_be_visible()
                place = box(tab)
                assert place["x"] >= 0 and place["x"] + place["width"] <= width, name  # on screen, not clipped
            for name in [*TABS[1:], TABS[0], "Coach", "Coach"]:  # each once, and the reported Coach tab twice
                page.get_by_role("tab", name=name, exact=True).click()
                expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
                assert tab_names(page) == TABS, f"after clicking {name}"
            page.close()
        browser.close()


def test_on_a_phone_the_card_sits_under_its_answer_and_above_the_buttons(url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page: Any = browser.new_page(**PHONE)
        page.set_default_timeout(30_000)
        page.goto(url)
        page.locator("#start-btn").click()
        chat = page.locator("#chat")
        expect(chat).to_contain_text("Question 1", timeout=120_000)
        answer = page.locator("#answer textarea")
        answer.fill("I would ship it and see how it goes.")
        answer.press("Enter")  # on a touch screen Enter adds a line; the button sends
        assert answer.input_value().endswith("\n")
        page.locator("#submit-btn").click()
        cards = chat.locator(".thought-group")
        expect(cards).to_have_count(1, timeout=120_000)
        expect(cards.first).to_contain_text("Feedback:")
        expect(page.locator("#submit-btn")).to_be_enabled()
        page.wait_for_timeout(1_000)  # the page script brings the new card into view

        card = box(cards.first)
        assert 0 <= card["y"] < 844, "the new card is not in view after sending"
        mine = box(chat.locator(".user-row").last)
        assert mine["y"] + mine["height"] <= card["y"], "the card is not below the answer it is about"
        for below in ("#answer", "#submit-btn", "#try-again-btn", "#hint-btn", "#skip-btn", "#end-btn"):
            assert card["y"] + card["height"] <= box(page.locator(below))["y"], f"{below} is above the card"
        wrap = chat.locator(".bubble-wrap")
        assert wrap.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), "the chat scrolls inside the page"
        buttons = [box(page.locator(f"#{b}")) for b in ("submit-btn", "try-again-btn", "hint-btn", "skip-btn")]
        assert len({round(b["y"]) for b in buttons}) <= 2, "the answer buttons take a row each"

        page.locator("#try-again-btn").click()  # a second attempt: its card comes under it, the first collapses
        expect(chat).to_contain_text("Question 1 again", timeout=60_000)
        answer.fill(ANSWER)
        page.locator("#submit-btn").click()
        expect(cards).to_have_count(2, timeout=120_000)
        expect(cards.last).to_contain_text(re.compile(r"attempt 2: \d\.\d/5"))
        expect(cards.last.locator(".coach-side-by-side")).to_be_visible()
        expect(cards.first.locator(".coach-card")).to_have_count(0)  # collapsed ...
        cards.first.locator(".title").click()
        expect(cards.first.locator(".coach-card")).to_be_visible()  # ... and reachable
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)  # under pytest's temp folder only
        browser.close()
