"""A new office account in Chromium: sent to set up its second factor, scans nothing (types
the key), keeps its recovery codes, and logs in again with a code; no CSP violation on the way."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_staff_set_up_a_second_factor_then_log_in_with_it(page: Page, live_server):
    base = live_server.url
    with live_server.app.app_context():
        make_user("clerk@example.org", Role.STAFF, second_factor=False)
    errors = []
    page.on("console", lambda message: errors.append(message.text))

    log_in(page, base, "clerk@example.org", PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    page.goto(f"{base}/office/")  # nothing else until it is set up
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill("000000" if pyotp.TOTP(secret).now()
                                                 != "000000" else "111111")
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.locator(".error-summary")).to_contain_text("The code is not correct.")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_role("heading", name="Second factor", exact=True)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "clerk@example.org", PASSWORD, totp_secret=secret)
    expect(page).to_have_url(re.compile(r"/office/$"))
    assert [e for e in errors if "Content Security Policy" in e] == []
