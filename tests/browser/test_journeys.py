"""Whole journeys in Chromium, as people make them: an applicant from registration to the
office number, an agent from two applications and a renewal to the office's notification and
the response, and both again in the languages of the people who make them (Arabic, Khmer)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journey_agent import agent_journey
from tests.browser.journey_applicant import applicant_journey
from tests.browser.journey_world import backoffice  # noqa: F401
from tests.payments.stripe_server import SECRET_KEY, WEBHOOK_SECRET, localstripe_url  # noqa: F401

pytestmark = pytest.mark.browser
KHMER = re.compile("[\u1780-\u17ff]")
ARABIC = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


@pytest.fixture
def card_payments(live_server, localstripe_url):  # noqa: F811
    from payments.providers.stripe.client import close_client

    app = live_server.app
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield
    close_client(app)


def test_an_applicant_registers_files_pays_by_card_and_gets_the_office_number(
        page: Page, live_server, backoffice, card_payments, tmp_path):  # noqa: F811
    shown = applicant_journey(page, live_server, backoffice, tmp_path, language=None)
    assert "Receipt" in shown["receipt"]


def test_an_agent_files_for_two_clients_and_renews_pays_by_transfer_and_responds(
        page: Page, browser, live_server, backoffice):  # noqa: F811
    shown = agent_journey(page, browser, live_server, backoffice, language=None)
    assert shown["response"].startswith("EF-RQ-")


def test_the_agent_journey_in_khmer(page: Page, browser, live_server, backoffice):  # noqa: F811
    shown = agent_journey(page, browser, live_server, backoffice, language="ខ្មែរ", locale="km")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert KHMER.search(heading), heading
    assert shown["response"].startswith("EF-RQ-")


def test_the_applicant_journey_in_arabic(page: Page, live_server, backoffice,  # noqa: F811
                                         card_payments, tmp_path):
    shown = applicant_journey(page, live_server, backoffice, tmp_path, language="العربية",
                              locale="ar", full_name="سخا تشان")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert ARABIC.search(shown["receipt"])
