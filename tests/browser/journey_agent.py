"""Journey 2, step by step, in any shipped language: an agent files two trademark applications
for two clients of the client book and a renewal of three registrations, pays the three in one
order by bank transfer; office staff (2FA) confirm the transfer in the console; the connector
delivers; the back office (the simulator's page) sends a status change and a notification;
the agent sees the status, opens the notification and responds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import log_in
from tests.browser.journey_world import (
    Labels,
    ascii_digits,
    mails_to,
    run_connector,
    shows_language,
)
from tests.conftest import PASSWORD

CLIENTS = (("Lotus Foods Plc", "3 Road 271, Phnom Penh"),
           ("Kampot Pepper Co., Ltd.", "8 Riverside, Kampot"))
MARKS = ("LOTUS LEAF", "KAMPOT GOLD")
STAFF = "staff@example.org"


def agent_world(app) -> None:
    """What the office and the agent have before the journey: the office's statuses, a staff
    account (with its second factor) and the agent's two clients."""
    from portal.auth.models import Role, User
    from portal.clients.models import Client
    from portal.extensions import db
    from portal.seed import seed_statuses
    from tests.conftest import make_user

    with app.app_context():
        seed_statuses()
        make_user(STAFF, Role.STAFF, full_name="Dara Sok")
        agent = db.session.scalar(db.select(User).where(User.email == "agent@example.org"))
        for name, address in CLIENTS:
            db.session.add(Client(firm_id=agent.firm_id, kind="entity", name=name,
                                  legal_form="Private limited company", address=address,
                                  country="KH"))
        db.session.commit()
        db.session.remove()


def file_application(page: Page, t: Labels, reference: str, mark: str, client: str) -> None:
    page.locator(".site-nav").get_by_role("link", name=t("New filing")).click()
    # the button's text is built from the kind's name: its form names the kind stably
    page.locator("form:has(input[name=kind][value=trademark])").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    page.get_by_label(t("Your reference"), exact=True).fill(reference)
    page.get_by_label(t("Type of mark")).select_option("word")
    page.get_by_label(t("Text of the mark")).fill(mark)
    page.locator("#goods-0-class_number").select_option("29")
    page.locator("#goods-0-terms").fill("preserved vegetables")
    page.get_by_label(t("Fill in from your client book")).first.select_option(label=client)
    page.get_by_role("button", name=t("Use this client")).first.click()
    expect(page.locator("#applicants-0-name")).to_have_value(client)
    expect(page.get_by_label(t("Text of the mark"))).to_have_value(mark)  # kept
    page.get_by_role("button", name=t("Check before filing")).click()
    expect(page.locator("#problems")).to_contain_text(
        t("The application is complete: it can be filed."))
    page.get_by_role("button", name=t("Add to cart")).click()
    expect(page.locator(".cart-table")).to_contain_text(mark)


def file_renewal(page: Page, t: Labels, numbers: list[str]) -> None:
    expiry = (date.today() + timedelta(days=60)).isoformat()
    page.locator(".site-nav").get_by_role("link", name=t("Requests")).click()
    page.get_by_label(t("Find a request")).fill(t("Renewal of a registration")[:6])
    page.locator("#group-trademark ~ ul").get_by_role(
        "link", name=t("Renewal of a registration")).click()
    page.get_by_role("button", name=t("Start the request")).click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    page.get_by_text(t("Add many rights at once: paste a list or upload a CSV file")).click()
    page.get_by_label(t("Numbers to add")).fill(
        "\n".join(f"{n},{expiry},29" for n in numbers))
    page.get_by_role("button", name=t("Check and add these rights")).click()
    expect(page.locator("#rights-2-number")).to_have_value(numbers[2])
    page.locator("#holder-name").fill(CLIENTS[0][0])
    page.locator("#holder-address").fill(CLIENTS[0][1])
    page.locator("#holder-country").select_option("KH")
    page.get_by_role("button", name=t("Check before filing")).click()
    expect(page.locator("#problems")).to_contain_text(
        t("The request is complete: it can be filed."))
    page.get_by_role("button", name=t("Add to cart")).click()
    expect(page.locator(".cart-table")).to_contain_text(f"{numbers[0]}")
    shows_language(page, t.locale)


def check_out_by_transfer(page: Page, t: Labels) -> tuple[str, str]:
    """Returns the transfer's reference and the amount, as the order page shows them."""
    expect(page.locator(".cart-table tbody tr")).to_have_count(3)
    page.get_by_label(t("Bank transfer")).check()
    page.get_by_role("button", name=t.pattern("Check out and pay %(total)s")).click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    notice = page.locator("section.notice")
    expect(notice.get_by_role("heading")).to_have_text(t("Pay by bank transfer"))
    shows_language(page, t.locale)
    reference = notice.locator("dd strong").first.inner_text()
    amount = page.locator(".status-line").inner_text().split("·")[-1].strip()
    return reference, amount


def staff_confirm_transfer(browser: Browser, base: str, reference: str, amount: str) -> None:
    """Office staff, in a browser of their own, log in with the second factor and confirm
    the transfer as booked today (the console is driven in English: the office's language)."""
    context = browser.new_context()
    try:
        staff = context.new_page()
        staff.set_default_timeout(10_000)
        log_in(staff, base, STAFF, PASSWORD)
        staff.get_by_role("link", name="Office console").click()
        staff.locator(".sub-nav").get_by_role("link", name="Bank transfers").click()
        staff.get_by_label("Reference, payer or amount").fill(reference)
        staff.get_by_role("button", name="Search").click()
        row = staff.locator("tbody tr", has_text=reference)
        expect(row).to_have_count(1)
        assert ascii_digits(amount) in ascii_digits(row.inner_text())  # each in its language
        row.get_by_label("Booked on").fill(date.today().isoformat())
        row.get_by_role("button", name="Confirm…").click()
        # accepting renders the receipt and the mails at once (JOBS_MODE=inline): slow here
        staff.get_by_role("button", name=re.compile("^Confirm that .* was received$")).click(
            timeout=60_000)
        expect(staff.locator(".flash--success")).to_be_visible()
        staff.goto(f"{base}/office/payments")
        expect(staff.locator("main")).not_to_contain_text(reference)
    finally:
        context.close()


def simulator_sends(browser: Browser, sim_url: str, office_number: str, *, status: str,
                    subject: str, body: str, due: date) -> None:
    """A clerk of the back office, on the simulator's page, sends a status change and then a
    notification with a response date for one filing."""
    context = browser.new_context()
    try:
        clerk = context.new_page()
        clerk.set_default_timeout(10_000)
        clerk.goto(sim_url)
        card = filing_card(clerk, office_number)
        card.get_by_text("Send a status change").click()
        card.get_by_label("Status").select_option(status)
        card.get_by_role("button", name="Send").first.click()
        card = filing_card(clerk, office_number)
        expect(card.locator("ul")).to_contain_text("HTTP 20")
        card.get_by_text("Send a notification").click()
        card.get_by_label("Subject").fill(subject)
        card.get_by_label("Text").fill(body)
        card.get_by_label("Response due").fill(due.isoformat())
        card.get_by_role("button", name="Send").last.click()
        card = filing_card(clerk, office_number)
        expect(card.locator("ul li")).to_have_count(2)
        expect(card.locator("ul")).to_contain_text(subject)
    finally:
        context.close()


def filing_card(clerk: Page, office_number: str):
    return clerk.locator("section.card", has=clerk.get_by_role("heading", name=office_number))


def respond(page: Page, t: Labels, subject: str, text: str) -> str:
    """From the notification to a filed response; returns the response's portal number."""
    page.locator(".site-nav").get_by_role("link", name=re.compile(
        "^" + re.escape(t("Notifications")))).click()
    page.get_by_role("link", name=subject).click()
    expect(page.locator("main")).to_contain_text("Class 29 is too broad")
    expect(page.locator(".site-nav .badge")).to_have_count(0)  # opened: read
    shows_language(page, t.locale, heading=".breadcrumb")  # the title is the office's subject
    page.get_by_role("link", name=t("Respond")).click()
    page.get_by_role("button", name=t("Start the request")).click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    page.locator("#holder-name").fill(CLIENTS[0][0])
    page.locator("#holder-address").fill(CLIENTS[0][1])
    page.locator("#holder-country").select_option("KH")
    page.locator("#response").fill(text)
    page.get_by_role("button", name=t("Check before filing")).click()
    expect(page.locator("#problems")).to_contain_text(
        t("The request is complete: it can be filed."))
    page.get_by_role("button", name=t("Add to cart")).click()
    page.get_by_label(t("Nothing to pay")).check()
    page.get_by_role("button", name=t("File them: nothing is due")).click()
    number = page.locator("main td strong").first
    expect(number).to_contain_text("EF-RQ-")
    filed = number.inner_text()
    # the notification now says it was answered, and leads to the response
    page.locator(".site-nav").get_by_role("link", name=re.compile(
        "^" + re.escape(t("Notifications")))).click()
    page.get_by_role("link", name=subject).click()
    expect(page.locator(".actions")).to_contain_text(t.pattern("Answered on %(date)s."))
    page.get_by_role("link", name=t("See the response")).click()
    expect(page.locator(".status-line")).to_contain_text(filed)
    return filed


def agent_journey(page: Page, browser: Browser, server, sim, *, language: str | None,
                  locale: str = "en") -> dict:
    t = Labels(locale)
    app, base = server.app, server.url
    agent_world(app)
    page.set_default_timeout(10_000)
    log_in(page, base, "agent@example.org", PASSWORD)
    if language:
        from tests.browser.journey_applicant import choose_language

        choose_language(page, language)
        expect(page.locator("html")).to_have_attribute("lang", locale)
    for (client, _address), mark, ref in zip(CLIENTS, MARKS, ("AG-1", "AG-2"), strict=True):
        file_application(page, t, ref, mark, client)
    renewed = ["TM-004711", "TM-004712", "TM-004713"]
    file_renewal(page, t, renewed)
    reference, amount = check_out_by_transfer(page, t)

    staff_confirm_transfer(browser, base, reference, amount)
    page.reload()
    expect(page.locator(".status-line .tag--ok")).to_be_visible()  # paid
    assert run_connector(app) == {"delivered": 3}

    year = datetime.now(UTC).year
    first = f"TM/{year}/000001"
    subject = "Objection: the mark describes the goods"
    simulator_sends(browser, sim.url, first, status="substantive_examination",
                    subject=subject, body="Class 29 is too broad; please limit it.",
                    due=date.today() + timedelta(days=60))

    page.locator(".site-nav").get_by_role("link", name=t("Dashboard")).click()
    row = page.locator("tbody tr", has_text=first)
    expect(row).to_contain_text(MARKS[0])
    status_name = status_label(app, "substantive_examination", locale)
    expect(row).to_contain_text(status_name)
    shows_language(page, t.locale)
    expect(page.locator("tbody tr", has_text=f"RQ/{year}/000001")).to_contain_text(renewed[0])
    expect(page.locator(".site-nav .badge")).to_have_text("1")
    response = respond(page, t, subject, "The goods are limited to pickled lotus roots.")
    assert any(subject in str(m["Subject"]) for m in mails_to(app, "agent@example.org"))
    return {"reference": reference, "amount": amount, "response": response, "t": t}


def status_label(app, code: str, locale: str) -> str:
    """The office's name of a status in `locale`, as the portal stores it."""
    import json

    from portal.seed import STATUSES_FILE

    rows = json.loads(STATUSES_FILE.read_text(encoding="utf-8"))
    names = next(r["names"] for r in rows if r["code"] == code)
    return names.get(locale) or names["en"]
