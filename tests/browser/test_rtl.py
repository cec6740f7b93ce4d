"""Arabic in Chromium: the draft page is mirrored (the fee panel and the language menu on the
left), and the autosave line puts the time, isolated, where the translation says."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FSI, PDI = "\u2068", "\u2069"


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_an_arabic_draft_page_is_mirrored(page: Page, live_server):
    base = live_server.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.context.add_cookies([{"name": "lang", "value": "ar", "url": base}])
    page.goto(f"{base}/filings/new")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.locator("form:has(input[name=kind][value=patent]) button").click()

    # Two columns (the viewport is 1280 px wide): the form on the right, the fees on the left.
    form, side = box(page, ".filing-form"), box(page, ".filing-side")
    assert side["x"] + side["width"] <= form["x"]

    # The language button ends the header: on the left. Its menu is aligned to the button's
    # end (left) edge and opens towards the middle of the page.
    page.locator(".lang-switch summary").click()
    summary, menu = box(page, ".lang-switch summary"), box(page, ".lang-switch__menu")
    assert summary["x"] < 640
    assert abs(menu["x"] - summary["x"]) <= 1
    assert menu["x"] + menu["width"] > summary["x"] + summary["width"]

    # Autosave: the translated line with the time as an isolate inside it.
    template = page.locator(".js-filing-form").get_attribute("data-saved-text")
    before, after = template.split("{when}")
    page.locator("#title").fill("مجفف أرز بالطاقة الشمسية")
    status = page.locator(".js-save-status")
    expect(status).to_contain_text(FSI, timeout=10_000)
    text = status.inner_text()
    assert text.startswith(before + FSI) and text.endswith(PDI + after), text
    assert any(ch.isdigit() for ch in text[len(before) + 1:-len(after) - 1])
