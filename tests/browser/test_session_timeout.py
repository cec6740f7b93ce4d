"""The end of an idle session in a real browser, with very short timeouts: the warning comes,
"Stay logged in" extends the session, and when time is up the draft being typed is saved
before the page goes to the login page, which brings the user back to it."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

IDLE = 18  # seconds without activity before the session ends
WARN = 9  # seconds before the end the warning comes


@pytest.fixture
def short_sessions(live_server):
    live_server.app.config.update(SESSION_IDLE_MINUTES=IDLE / 60,
                                  SESSION_WARNING_MINUTES=WARN / 60,
                                  SESSION_ACTIVITY_RESOLUTION_SECONDS=1)
    return live_server


def test_the_warning_and_stay_logged_in(page: Page, short_sessions):
    base = short_sessions.url
    log_in(page, base, "agent@example.org", PASSWORD)
    loaded = time.monotonic()  # the server counts from the request, to the second
    page.goto(f"{base}/account")
    dialog = page.get_by_role("alertdialog", name="Your session is about to end")
    expect(dialog).to_be_visible(timeout=(IDLE - WARN + 5) * 1000)
    assert time.monotonic() - loaded >= IDLE - WARN - 2  # not before it is due
    stay = dialog.get_by_role("button", name="Stay logged in")
    expect(stay).to_be_focused()  # the keyboard is in the dialog
    expect(dialog.locator(".js-session-countdown")).to_have_text(re.compile(r"Time left: .0:0\d."))
    expect(dialog.locator("[aria-live=polite]")).to_contain_text("Time left")

    with page.expect_response(f"{base}/session/keepalive") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 204
    expect(dialog).to_be_hidden()
    # Past the end the first page load promised: still here, still logged in.
    time.sleep(max(0.0, loaded + IDLE + 2 - time.monotonic()))
    assert urlsplit(page.url).path == "/account"
    assert page.request.get(f"{base}/session",
                            headers={"X-Requested-With": "fetch"}).status == 200

    # Left alone this time: the page goes to the login page, which says why.
    page.wait_for_url(re.compile(r"/login\?next="), timeout=(IDLE + 5) * 1000)
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/account"]
    expect(page.locator(".flash--info")).to_contain_text("without activity")
    expect(page.get_by_role("alertdialog")).to_have_count(0)


def test_the_draft_typed_is_saved_before_the_login_page(page: Page, short_sessions):
    base = short_sessions.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(f"{base}/filings/new")
    page.get_by_role("button", name="Start a trademark application").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    edit_path = urlsplit(page.url).path

    # The usual autosave never reaches the portal (the network is down for it): only the save
    # made as the session ends can keep what is typed.
    saves = []

    def autosave(route):
        passive = route.request.headers.get("x-portal-activity") == "none"
        saves.append(passive)
        if passive:
            route.continue_()
        else:
            route.abort()

    page.route("**/autosave", autosave)
    page.get_by_label("Text of the mark").fill("MEKONG SUNRISE")
    expect(page.get_by_role("alertdialog")).to_be_visible(timeout=(IDLE + 5) * 1000)
    page.wait_for_url(re.compile(r"/login\?next="), timeout=(IDLE + 5) * 1000)
    assert saves and saves[-1] is True and saves.count(True) == 1
    assert parse_qs(urlsplit(page.url).query)["next"] == [edit_path]
    expect(page.locator(".flash--info")).to_contain_text("without activity")

    page.unroute("**/autosave")
    page.get_by_label("Email address").fill("agent@example.org")
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert urlsplit(page.url).path == edit_path  # back where the user was
    expect(page.get_by_label("Text of the mark")).to_have_value("MEKONG SUNRISE")
