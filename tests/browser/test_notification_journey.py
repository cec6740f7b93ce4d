"""An agent opens the office's notification, responds to it, and finds the notification and the
response in the filing's history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def notified_filing(app) -> int:
    """A trademark of the agent's, accepted and numbered, with a notification from the office."""
    from payments.fees import office_today
    from portal.auth.models import User
    from portal.demo_filings import seed_filings
    from portal.extensions import db
    from portal.filings.models import Filing, IPKind
    from portal.seed import seed_statuses
    from portal.tracking.services import record_office_event

    with app.test_request_context("/"):
        seed_statuses()
        agent = db.session.scalar(db.select(User).where(User.email == "agent@example.org"))
        seed_filings(agent, 1, seed=3, delivered=0.85)
        filing = db.session.scalar(db.select(Filing))
        filing.kind, filing.filing_type, filing.office_number = (
            IPKind.TRADEMARK, "application", "TM/2026/000555")
        record_office_event(filing, event_id="OA-2026-555", type="notification",
                            subject="Objection: the mark lacks distinctiveness",
                            body="Please submit arguments or evidence of use.",
                            response_due=office_today() + timedelta(days=60))
        db.session.commit()
        return filing.id


def test_open_a_notification_respond_and_see_both_in_the_history(page: Page, live_server):
    base = live_server.url
    filing_id = notified_filing(live_server.app)
    log_in(page, base, "agent@example.org", PASSWORD)
    expect(page.locator(".site-nav .badge")).to_have_text("1")
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    page.get_by_role("link", name="Objection: the mark lacks distinctiveness").click()
    expect(page.locator("main")).to_contain_text("Please submit arguments")
    expect(page.locator(".site-nav .badge")).to_have_count(0)  # opened: read
    page.get_by_role("link", name="Respond").click()
    page.get_by_role("button", name="Start the request").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    expect(page.locator("#notification_ref")).to_have_value("OA-2026-555")
    page.locator("#holder-name").fill("Mekong Trading Co., Ltd.")
    page.locator("#holder-address").fill("1 Street, Phnom Penh")
    page.locator("#holder-country").select_option("KH")
    page.locator("#response").fill("The mark is used in Cambodia since 2019: see the evidence.")
    page.get_by_role("button", name="Check before filing").click()
    expect(page.locator("#problems")).to_contain_text("The request is complete")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Nothing to pay").check()
    page.get_by_role("button", name="File them: nothing is due").click()
    expect(page.locator("main")).to_contain_text("EF-RQ-")
    page.goto(f"{base}/filings/{filing_id}")
    history = page.locator(".filing-history")
    expect(history).to_contain_text("Notification from the office")
    expect(history).to_contain_text("Objection: the mark lacks distinctiveness")
    expect(history).to_contain_text("Response filed")
