"""A person registers, confirms by the mailed link, logs in, switches to Khmer, logs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import link_in, stored_mails

pytestmark = pytest.mark.browser

PASSWORD = "amber-kettle-violin-harbour"


def test_register_confirm_login_khmer_logout(page: Page, live_server):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_role("link", name="Create an account").first.click()
    expect(page).to_have_url(f"{base}/register")

    # A first try with a weak password: explained, and what was typed is kept.
    page.get_by_label("An agent (representative), filing for clients").check()
    page.get_by_label("Full name").fill("Chenda Mao")
    page.get_by_label("Name of the legal entity or firm").fill("Tonle Sap IP Partners")
    page.get_by_label("Agent registration number").fill("KH-AG-0777")
    page.get_by_label("Email address").fill("chenda@example.org")
    page.locator("#password").fill("password")
    page.get_by_label("Repeat the password").fill("password")
    page.get_by_role("button", name="Create the account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Use at least 10 characters.")
    expect(page.get_by_label("Full name")).to_have_value("Chenda Mao")
    expect(page.get_by_label("Agent registration number")).to_have_value("KH-AG-0777")
    summary.get_by_role("link").first.click()
    expect(page.locator("#password")).to_be_focused()

    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    (mail,) = stored_mails(live_server.app)
    page.goto(base + link_in(mail))
    expect(page.locator(".flash--success")).to_contain_text("chenda@example.org")

    page.get_by_label("Email address").fill("chenda@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Chenda Mao")

    page.locator(".lang-switch summary").click()
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "Chenda Mao" in heading and re.search(r"[\u1780-\u17FF]", heading)

    page.locator(".site-nav button").click()  # log out, labelled in Khmer now
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "km")  # the cookie keeps Khmer
    page.goto(f"{base}/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_pages_work_at_320_px_without_horizontal_scrolling(page: Page, live_server):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", "/register", "/login"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)


def test_the_skip_link_is_the_first_stop_and_reaches_the_content(page: Page, live_server):
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_no_request_leaves_the_portal(page: Page, live_server):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(live_server.url + "/register")
    page.wait_for_load_state("networkidle")
    assert hosts == {live_server.url.split("/")[2]}
