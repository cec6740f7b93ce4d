"""The console's overview: today's and this month's filings by kind and status in the office's
time zone, transfers awaiting confirmation, deliveries in trouble, charts drawn from the same
numbers, and a flat number of SQL statements however many filings there are."""

from __future__ import annotations

import re
import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask_babel import format_currency
from sqlalchemy import event

from payments.fees import office_today
from payments.models import Order, Payment, PaymentState
from portal.backoffice.models import OutboxMessage, OutboxState
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.office.overview import build_overview
from tests.conftest import Browser

ZONE = ZoneInfo("Asia/Phnom_Penh")  # the test office's zone, UTC+7


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given in the office's local time."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def make_filing(owner, kind: str, status: FilingStatus, at: datetime) -> Filing:
    """A filing submitted (and, but for one awaiting payment, accepted) at `at`."""
    filing = Filing(owner_id=owner.id, firm_id=owner.firm_id, kind=kind, status=status,
                    title="Test", submitted_at=at)
    if status in (FilingStatus.ACCEPTED, FilingStatus.WITHDRAWN):
        filing.accepted_at = at
    db.session.add(filing)
    return filing


def section(page: str, element_id: str, tag: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start:page.index(f"</{tag}>", start)]


def cell(table: str, kind: str, status: str) -> str:
    row = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', table, re.S).group(1)
    return re.search(rf'data-status="{status}">([^<]*)<', row).group(1)


def bars(page: str, chart_id: str) -> list[int]:
    return [int(v) for v in re.findall(r'class="chart__bar" data-value="(\d+)"',
                                       section(page, chart_id, "svg"))]


def test_counts_by_kind_and_status_follow_the_office_calendar(app, users):
    agent = users["agent"]
    today = date(2026, 3, 15)
    yesterday, first = today - timedelta(days=1), today.replace(day=1)
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(today, 0, 30))  # UTC: the 14th
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(today, 23, 30))
    make_filing(agent, "trademark", FilingStatus.WITHDRAWN, local(today, 9))
    make_filing(agent, "patent", FilingStatus.SUBMITTED, local(today, 10))
    make_filing(agent, "design", FilingStatus.ACCEPTED, local(yesterday, 23, 59))
    make_filing(agent, "utility_model", FilingStatus.ACCEPTED, local(first, 0, 10))
    make_filing(agent, "patent", FilingStatus.SUBMITTED, local(first - timedelta(days=1), 23, 50))
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(first - timedelta(days=1), 12))
    make_filing(agent, "trademark", FilingStatus.DRAFT, local(today, 11))
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(today + timedelta(days=1), 0, 5))
    db.session.commit()
    with app.test_request_context("/"):
        overview = build_overview(today)
    day, month = overview.counts_today, overview.counts_month
    assert day.cells == {("trademark", "accepted"): 2, ("trademark", "withdrawn"): 1,
                         ("patent", "submitted"): 1}
    assert month.cells == {("trademark", "accepted"): 2, ("trademark", "withdrawn"): 1,
                           ("patent", "submitted"): 1, ("design", "accepted"): 1,
                           ("utility_model", "accepted"): 1}
    assert (day.total, month.total) == (4, 6)
    assert month.by_kind("trademark") == 3 and month.by_status("accepted") == 4
    per_day = dict(overview.accepted_per_day)
    assert len(overview.accepted_per_day) == 30
    assert overview.accepted_per_day[0][0] == today - timedelta(days=29)
    assert overview.accepted_per_day[-1][0] == today
    assert {d: n for d, n in per_day.items() if n} == {
        today: 3, yesterday: 1, first: 1, first - timedelta(days=1): 1}


def test_the_page_shows_todays_and_this_months_filings_and_charts(app, users, staff):
    agent = users["agent"]
    today = office_today()
    yesterday = today - timedelta(days=1)
    last_month = today.replace(day=1) - timedelta(days=1)
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(today, 0, 1))
    make_filing(agent, "trademark", FilingStatus.ACCEPTED, local(today, 0, 2))
    make_filing(agent, "design", FilingStatus.SUBMITTED, local(today, 0, 3))
    make_filing(agent, "patent", FilingStatus.ACCEPTED, local(yesterday, 23, 58))
    make_filing(agent, "utility_model", FilingStatus.ACCEPTED, local(last_month, 23, 58))
    db.session.commit()
    page = staff.get("/office/").get_data(as_text=True)
    today_table = section(page, "filings-today", "table")
    month_table = section(page, "filings-month", "table")
    assert cell(today_table, "trademark", "accepted") == "2"
    assert cell(today_table, "design", "submitted") == "1"
    assert cell(today_table, "patent", "accepted") == "0"  # yesterday, late in the evening
    assert cell(today_table, "all", "accepted") == "2"
    assert cell(month_table, "utility_model", "accepted") == "0"  # last month
    same_month = yesterday.month == today.month
    assert cell(month_table, "patent", "accepted") == ("1" if same_month else "0")
    assert cell(month_table, "all", "accepted") == ("3" if same_month else "2")
    # the charts: one bar a day for 30 days, today's last; one bar a kind
    days = bars(page, "chart-accepted")
    assert len(days) == 30 and days[-1] == 2 and days[-2] == 1
    assert sum(days) == 3 + (1 if (today - last_month).days < 30 else 0)
    assert bars(page, "chart-kinds") == [2, 1 if same_month else 0, 1, 0]
    # accessible: an image with a title and a description, and the numbers as a table
    svg = section(page, "chart-accepted", "svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-accepted-title chart-accepted-desc"' in svg
    assert '<title id="chart-accepted-title">Filings accepted per day, last 30 days</title>' in svg
    assert re.search(rf'<desc id="chart-accepted-desc">From .*: {sum(days)} accepted in all, '
                     r"at most 2 on one day\.</desc>", svg)
    numbers = section(page, "chart-accepted-table", "table")
    assert numbers.count('<td class="num">') == 30
    assert "<script" not in page.split('id="filings-title"')[1].split('id="accounts-title"')[0]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_numbers_are_formatted_for_the_reader(app, users, staff):
    for _ in range(1234):
        make_filing(users["agent"], "trademark", FilingStatus.SUBMITTED,
                    local(office_today(), 1))
    db.session.commit()
    page = staff.get("/office/").get_data(as_text=True)
    assert cell(section(page, "filings-today", "table"), "trademark", "submitted") == "1,234"
    staff.submit("/language", {"locale": "fr", "next": "/office/"}, page="/office/")
    page = staff.get("/office/").get_data(as_text=True)
    assert cell(section(page, "filings-today", "table"), "trademark", "submitted") in (
        "1\u202f234", "1\u00a0234")


def bank_transfer(user, amount: str, state: PaymentState = PaymentState.PENDING,
                  provider: str = "bank_transfer") -> Payment:
    key = uuid.uuid4().hex
    order = Order(number=f"ORD-T-{key[:8]}", checkout_key=key, user_id=user.id,
                  method=provider, currency="KHR", total=Decimal(amount))
    payment = Payment(order=order, provider=provider, amount=Decimal(amount), currency="KHR",
                      state=state, idempotency_key=key, provider_reference=f"REF-{key[:6]}")
    db.session.add_all([order, payment])
    return payment


def test_transfers_awaiting_confirmation_with_their_total(app, users, staff):
    applicant = users["applicant"]
    bank_transfer(applicant, "400000")
    bank_transfer(applicant, "250000.50")
    bank_transfer(applicant, "999999", PaymentState.SUCCEEDED)
    bank_transfer(applicant, "777777", provider="stripe")
    db.session.commit()
    page = staff.get("/office/").get_data(as_text=True)
    found = section(page, "pending-transfers", "dd")
    assert 'href="/office/payments"' in found and "2 transfers" in found
    with app.test_request_context("/"):
        total = format_currency(Decimal("650000.50"), "KHR")
        overview = build_overview()
    assert total in found
    assert overview.transfers.count == 2
    assert overview.transfers.totals == [("KHR", Decimal("650000.50"))]


def test_deliveries_being_retried_and_dead(app, users, staff):
    states = [(OutboxState.DUE, 0), (OutboxState.DUE, 2), (OutboxState.DUE, 1),
              (OutboxState.DEAD, 12), (OutboxState.REJECTED, 1), (OutboxState.DELIVERED, 1)]
    for state, attempts in states:
        filing = make_filing(users["agent"], "trademark", FilingStatus.ACCEPTED,
                             local(office_today(), 8))
        db.session.flush()
        db.session.add(OutboxMessage(filing_id=filing.id, topic="filing.accepted", state=state,
                                     attempts=attempts))
    db.session.commit()
    page = staff.get("/office/").get_data(as_text=True)
    retrying = section(page, "deliveries-retrying", "dd")
    dead = section(page, "deliveries-dead", "dd")
    assert re.search(r'href="/office/deliveries\?state=retrying">2<', retrying)
    assert re.search(r'href="/office/deliveries\?state=dead">1<', dead)
    # the links lead to the same deliveries
    listing = staff.get("/office/deliveries?state=retrying").get_data(as_text=True)
    assert "Retrying (2)" in listing and "Dead (every try failed) (1)" in listing


def test_accounts_and_the_mail_notice_are_still_shown(app, users, staff):
    page = staff.get("/office/").get_data(as_text=True)
    accounts = section(page, "accounts-title", "section")
    assert re.search(r"Office staff</th><td class=\"num\">1<", accounts)
    assert "Awaiting email confirmation: 0" in accounts
    assert "No mail server is configured" in page


def statements(web, url: str) -> tuple[int, float]:
    count = [0]

    def listener(*args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    started = clock.perf_counter()
    try:
        assert web.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return count[0], clock.perf_counter() - started


def test_the_overview_costs_the_same_statements_for_20_and_20000_filings(app, users, staff):
    seed_filings(users["agent"], 20, seed=1, delivered=0.5)
    db.session.commit()
    staff.get("/office/")  # warm up
    small, _ = statements(staff, "/office/")
    seed_filings(users["agent"], 19_980, seed=2, delivered=0.5)
    db.session.commit()
    large, _ = statements(staff, "/office/")
    assert small == large, (small, large)
    # user, the login's session row, office, 5 grouped queries, the test client's savepoints
    assert large <= 10


@pytest.mark.parametrize("email", ["applicant@example.org", "agent@example.org"])
def test_only_office_staff_see_the_overview(app, users, email):
    other = Browser(app.test_client())
    other.login(email)
    assert other.get("/office/").status_code == 404


def test_the_administrator_sees_it_and_a_visitor_is_asked_to_log_in(app, users):
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    assert admin.get("/office/").status_code == 200
    assert app.test_client().get("/office/").status_code == 302
