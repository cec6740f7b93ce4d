"""An agent finds the renewal on the Requests page, pastes a list of registrations with one
bad line, corrects it, sees the fees per right, checks the request and puts it in the cart."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_renewal_of_several_registrations(page: Page, live_server):
    base = live_server.url
    expiry = (date.today() + timedelta(days=60)).isoformat()
    log_in(page, base, "agent@example.org", PASSWORD)
    page.get_by_role("link", name="Requests").first.click()
    page.get_by_label("Find a request").fill("renew")
    expect(page.get_by_role("link", name="Recordal of a licence")).to_be_hidden()
    page.locator("#group-trademark ~ ul").get_by_role(
        "link", name="Renewal of a registration").click()
    page.get_by_role("button", name="Start the request").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))

    page.get_by_text("Add many rights at once").click()
    page.get_by_label("Numbers to add").fill(
        f"TM-000001,{expiry},9\nTM-000002,{expiry},\"9, 35\"\nTM-2,{expiry},9")
    page.get_by_role("button", name="Check and add these rights").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("2 rights were added to the list.")
    expect(report).to_contain_text("1 line could not be added")
    expect(page.locator("#rights-1-classes")).to_have_value("9, 35")
    page.get_by_label("Numbers to add").fill(f"TM-000003,{expiry},9")
    page.get_by_role("button", name="Check and add these rights").click()
    expect(page.locator("#import-report")).to_contain_text("1 right was added to the list.")
    expect(page.locator("#rights-2-number")).to_have_value("TM-000003")
    # three registrations, four classes: three renewal fees and one extra class
    expect(page.locator(".fee-table")).to_contain_text("× 3")

    page.locator("#holder-name").fill("Angkor Brew Co., Ltd.")
    page.locator("#holder-address").fill("7 Street 240, Phnom Penh")
    page.locator("#holder-country").select_option("KH")
    page.get_by_role("button", name="Check before filing").click()
    expect(page.locator("#problems")).to_contain_text("The request is complete")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("main")).to_contain_text("Renewal of a registration (trademark)")
    expect(page.locator("main")).to_contain_text("TM-000001 and 2 more")
