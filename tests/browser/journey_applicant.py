"""Journey 1, step by step, in any shipped language: an applicant registers and confirms the
mailed link, files a trademark with two Nice classes and an image, pays by card (localstripe),
downloads the receipt, and finds the office number the back office gave."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.browser.journey_world import (
    Labels,
    ascii_digits,
    mails_to,
    pdf_text,
    png_file,
    run_connector,
    shows_language,
)
from tests.conftest import link_in

PASSWORD = "copper-lantern-monsoon-atlas"


def choose_language(page: Page, name: str) -> None:
    """Through the header's language chooser, as a reader does."""
    page.locator(".lang-switch summary").click()
    with page.expect_navigation():
        page.locator(".lang-switch__menu").get_by_role("button", name=name).click()


def register_and_confirm(page: Page, server, t: Labels, email: str, full_name: str) -> None:
    base = server.url
    page.get_by_role("link", name=t("Create an account")).first.click()
    expect(page).to_have_url(f"{base}/register")
    page.get_by_label(t("An applicant, filing for myself or my organisation")).check()
    page.get_by_label(t("A natural person")).check()
    page.get_by_label(t("Full name")).fill(full_name)
    page.get_by_label(t("Email address")).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_label(t("Repeat the password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Create the account")).click()
    expect(page.get_by_role("heading", name=t("Check your email"))).to_be_visible()
    shows_language(page, t.locale)

    (mail,) = mails_to(server.app, email)
    page.goto(base + link_in(mail))
    expect(page.locator(".flash--success")).to_contain_text(email)
    page.get_by_label(t("Email address")).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text(full_name)


def fill_trademark(page: Page, t: Labels, tmp_path, mark: str, applicant: str) -> None:
    page.locator(".site-nav").get_by_role("link", name=t("New filing")).click()
    # the button's text is built from the kind's name: its form names the kind stably
    page.locator("form:has(input[name=kind][value=trademark])").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    shows_language(page, t.locale)
    page.get_by_label(t("Type of mark")).select_option("combined")
    page.get_by_label(t("Text of the mark")).fill(mark)
    page.locator("#mark_image").set_input_files(png_file(tmp_path))
    page.locator("#goods-0-class_number").select_option("30")
    page.locator("#goods-0-terms").fill("coffee; tea")
    page.get_by_role("button", name=t("Add another class")).click()  # saves, with the image
    page.locator("#goods-1-class_number").select_option("43")
    page.locator("#goods-1-terms").fill("cafe services")
    # live: the application fee (one class included) and a fee for the second class
    expect(page.locator(".fee-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name=t("Check before filing")).click()
    expect(page.locator("#problems")).to_contain_text(t("Add at least one applicant."))
    # the applicant's fields repeat per applicant (and per representative): by id
    page.get_by_label(t("A natural person")).first.check()
    page.locator("#applicants-0-name").fill(applicant)
    page.locator("#applicants-0-address").fill("12 Street 51, Phnom Penh")
    page.locator("#applicants-0-country").select_option("KH")
    page.locator("#applicants-0-nationality").select_option("KH")
    page.get_by_role("button", name=t("Check before filing")).click()
    expect(page.locator("#problems")).to_contain_text(
        t("The application is complete: it can be filed."))
    expect(page.locator("#goods-1-terms")).to_have_value("cafe services")
    expect(page.locator("#mark_image-slot .documents a")).to_have_text("mark.png")
    page.get_by_role("button", name=t("Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator(".cart-table tbody tr")).to_have_count(1)
    expect(page.locator(".cart-table")).to_contain_text(mark)
    shows_language(page, t.locale)


def pay_by_card(page: Page, app, t: Labels) -> str:
    """Check out by card; confirm the PaymentIntent as Stripe.js would (it cannot load
    offline) and come back as Stripe sends the payer back. Returns the total shown."""
    from payments.providers.stripe.client import close_client
    from tests.payments.stripe_server import pay_intent

    total = page.locator(".cart-table tfoot strong").inner_text()
    page.get_by_label(t("Card (Visa, Mastercard, …)")).check()
    page.get_by_role("button", name=t.pattern("Check out and pay %(total)s")).click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    order_url = page.url
    with app.app_context():
        from payments.models import Order
        from portal.extensions import db

        intent = db.session.scalar(db.select(Order)).payment.provider_reference
        pay_intent(intent)
        close_client(app)
        db.session.remove()
    page.goto(f"{order_url}/return?payment_intent={intent}&redirect_status=succeeded",
              timeout=60_000)  # the receipt is rendered as the order is paid
    expect(page.locator(".flash--success")).to_be_visible()
    shows_language(page, t.locale)
    return total


def applicant_journey(page: Page, server, backoffice, tmp_path, *, language: str | None,
                      locale: str = "en", full_name: str = "Sokha Chan") -> dict:
    """The whole of journey 1; returns what the page showed, for the caller's own checks."""
    t = Labels(locale)
    app, base = server.app, server.url
    email = "sokha@example.org"
    page.set_default_timeout(10_000)
    page.goto(f"{base}/")
    if language:
        choose_language(page, language)
        expect(page.locator("html")).to_have_attribute("lang", locale)
    register_and_confirm(page, server, t, email, full_name)
    mark = "ANGKOR BREW"
    fill_trademark(page, t, tmp_path, mark, full_name)
    total = pay_by_card(page, app, t)

    main = page.locator("main")
    portal_number = main.locator("td strong").first.inner_text()
    assert portal_number.startswith("EF-TM-"), portal_number
    with page.expect_download() as download:
        page.get_by_role("link", name=t.pattern("Download the receipt %(number)s (PDF)")).click()
    receipt = pdf_text(download.value.path().read_bytes())
    assert portal_number in receipt and mark in receipt, receipt
    assert t("Receipt") in receipt and t("Portal number") in receipt, receipt
    amount = ascii_digits(total)
    assert amount and amount in ascii_digits(receipt), (total, receipt)

    assert run_connector(app) == {"delivered": 1}
    office_number = f"TM/{datetime.now(UTC).year}/000001"
    page.locator(".site-nav").get_by_role("link", name=t("Dashboard")).click()
    row = page.locator("tbody tr", has_text=portal_number)
    expect(row).to_contain_text(office_number)
    shows_language(page, t.locale)
    row.get_by_role("link").first.click()
    expect(page.locator("main dl")).to_contain_text(office_number)
    expect(page.locator("h1")).to_contain_text(mark)
    shows_language(page, t.locale)
    return {"receipt": receipt, "total": total, "portal_number": portal_number, "t": t}
