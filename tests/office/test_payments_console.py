"""The console's payments: transfers to confirm or reject, orders by state, refunds with their
credit notes, amount mismatches, account accounts with their statements, top-ups and manual
adjustments. Money moves only after a confirmation step, once however often it is posted."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from payments.base import Observed
from payments.fees import office_today
from payments.models import (
    DepositAccount,
    DepositMovement,
    Order,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
)
from payments.providers.deposit_account import move, open_account
from portal.audit import AuditEntry
from portal.extensions import db
from portal.filings.models import FilingStatus
from portal.office.money import PAGE_SIZE
from portal.timeutil import utcnow
from tests.conftest import Browser, mail_text, make_user, stored_mails
from tests.filings.conftest import agent, applicant  # noqa: F401  (fixtures)
from tests.orders.conftest import checkout, fill_cart, order_id_of


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


@pytest.fixture
def account(deposit):
    """The agent's firm's deposit account with 5,000,000 KHR (tests.conftest's `deposit`)."""
    return deposit


@pytest.fixture
def transfer_order(agent, tariff):  # noqa: F811
    fill_cart(agent)
    return db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))


def make_order(user, *, total="1000.00", state=OrderState.PENDING, provider="bank_transfer",
               payment_state=PaymentState.PENDING, purpose="filings") -> Order:
    """An order with one payment, straight in the database (for listings)."""
    key = uuid.uuid4().hex
    order = Order(number=f"ORD-T-{key[:8].upper()}", checkout_key=key, user_id=user.id,
                  method=provider, purpose=purpose, currency="KHR", total=Decimal(total),
                  state=state)
    order.payments.append(Payment(provider=provider, amount=Decimal(total), currency="KHR",
                                  idempotency_key=key, state=payment_state,
                                  provider_reference=order.number,
                                  expires_at=utcnow() + timedelta(days=10)))
    db.session.add(order)
    db.session.commit()
    return order


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- bank transfers ---------------------------------------------------------------------------

def test_transfers_are_found_by_reference_amount_and_payer(staff, transfer_order, users):
    other = make_order(users["applicant"], total="777.00")
    for needle in (transfer_order.number, str(transfer_order.total), "agent@example.org",
                   "vanna keo", "Mekong"):
        page = text(staff.get("/office/payments", query_string={"q": needle}))
        assert transfer_order.number in page, needle
        assert other.number not in page, needle
    for needle in (other.number, "777", "applicant@example.org", "Sokha"):
        page = text(staff.get("/office/payments", query_string={"q": needle}))
        assert other.number in page and transfer_order.number not in page, needle
    assert "No transfer awaiting confirmation matches" in text(
        staff.get("/office/payments?q=nobody-at-all"))


def test_transfers_are_paginated(staff, users):
    orders = [make_order(users["applicant"]) for _ in range(PAGE_SIZE + 1)]
    first = text(staff.get("/office/payments"))
    assert 'rel="next"' in first and "Page 1" in first
    second = text(staff.get("/office/payments?page=2"))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    listed = [o for o in orders if o.number in first] + [o for o in orders if o.number in second]
    assert len(listed) == PAGE_SIZE + 1


def test_confirming_shows_the_transfer_first_and_twice_posted_accepts_once(staff,
                                                                           transfer_order):
    payment = transfer_order.payment
    today = utcnow().date().isoformat()
    url = f"/office/payments/{payment.id}/confirm"
    step = text(staff.get(f"{url}?booked_on={today}"))
    for shown in (transfer_order.number, "agent@example.org", "Vanna Keo", "Booked on",
                  f'name="booked_on" value="{today}"', 'method="post"'):
        assert shown in step, shown
    db.session.expire_all()
    assert transfer_order.state is OrderState.PENDING  # looking at the step changes nothing
    first = staff.submit(url, {"booked_on": today}, page=f"{url}?booked_on={today}")
    second = staff.submit(url, {"booked_on": today}, page=f"{url}?booked_on={today}")
    assert first.status_code == second.status_code == 302
    assert "already been confirmed" in text(staff.get("/office/payments"))
    db.session.expire_all()
    assert transfer_order.state is OrderState.PAID
    assert all(i.filing.status is FilingStatus.ACCEPTED for i in transfer_order.items)
    (entry,) = audits("payment.transfer_confirmed")
    assert entry.details["before"] == "pending" and entry.details["after"] == "succeeded"
    assert entry.details["booked_on"] == today and entry.actor == "staff@example.org"
    assert transfer_order.number not in text(staff.get("/office/payments"))


@pytest.mark.parametrize("booked_on, message", [("", "This field is required."),
                                                ("31/02/2026", "Enter a real date")])
def test_the_confirmation_step_needs_a_booking_date(staff, transfer_order, booked_on, message):
    url = f"/office/payments/{transfer_order.payment.id}/confirm"
    page = text(staff.get(url, query_string={"booked_on": booked_on}))
    assert message in page and 'type="hidden" name="booked_on"' not in page
    r = staff.submit(url, {"booked_on": booked_on}, page=url)
    assert r.status_code == 200 and message in text(r)
    db.session.expire_all()
    assert transfer_order.state is OrderState.PENDING and not audits(
        "payment.transfer_confirmed")


def test_rejecting_asks_for_the_reason_and_mails_it(app, staff, transfer_order):
    payment = transfer_order.payment
    url = f"/office/payments/{payment.id}/reject"
    page = text(staff.get(url))
    assert transfer_order.number in page and "agent@example.org" in page
    assert f'href="{url}"' in text(staff.get(f"/office/orders/{transfer_order.id}"))
    refused = staff.submit(url, {"reason": "  "}, page=url)
    assert refused.status_code == 200 and "This field is required." in text(refused)
    db.session.expire_all()
    assert transfer_order.state is OrderState.PENDING
    r = staff.submit(url, {"reason": "Only 100 of the amount arrived."}, page=url)
    assert r.status_code == 302
    again = staff.submit(url, {"reason": "Again"}, page=url)
    assert again.status_code == 302
    assert "no longer awaiting confirmation" in text(staff.get("/office/payments"))
    db.session.expire_all()
    assert transfer_order.state is OrderState.CANCELLED
    assert payment.state is PaymentState.FAILED
    mails = [m for m in stored_mails(app) if "was not accepted" in m["Subject"]]
    assert len(mails) == 1 and "Only 100 of the amount arrived." in mail_text(mails[0])
    (entry,) = audits("payment.transfer_rejected")
    assert (entry.details["before"], entry.details["after"]) == ("pending", "failed")
    assert entry.details["reason"] == "Only 100 of the amount arrived."


# --- orders, mismatches, refunds --------------------------------------------------------------

def test_orders_by_state_with_counts_search_and_pages(staff, users):
    paid = make_order(users["agent"], state=OrderState.PAID,
                      payment_state=PaymentState.SUCCEEDED, total="2500.00")
    cancelled = make_order(users["agent"], state=OrderState.CANCELLED,
                           payment_state=PaymentState.CANCELLED)
    pending = make_order(users["applicant"])
    page = text(staff.get("/office/orders"))
    assert "All (3)" in page and "Paid (1)" in page and "Cancelled (1)" in page
    assert "Awaiting payment (1)" in page
    page = text(staff.get("/office/orders?state=paid"))
    assert paid.number in page and cancelled.number not in page and pending.number not in page
    page = text(staff.get("/office/orders?q=applicant@example.org"))
    assert pending.number in page and paid.number not in page and "All (1)" in page
    page = text(staff.get("/office/orders?q=2500"))
    assert paid.number in page and pending.number not in page
    page = text(staff.get(f"/office/orders?q={cancelled.number.lower()}"))
    assert cancelled.number in page and paid.number not in page
    for _ in range(PAGE_SIZE):
        make_order(users["applicant"])
    first = text(staff.get("/office/orders"))
    assert 'rel="next"' in first
    last = text(staff.get("/office/orders?page=2"))
    assert paid.number in last and 'rel="next"' not in last  # the oldest come last
    assert text(staff.get("/office/orders?state=bogus")).count("aria-current=\"page\">All") == 1


def test_an_open_amount_mismatch_is_listed_with_both_amounts(staff, users):
    from payments.services import AmountMismatch, confirm_payment

    order = make_order(users["agent"], provider="stripe", total="1500.00")
    with pytest.raises(AmountMismatch):
        confirm_payment(order.payment, kind="webhook",
                        observed=Observed(state="succeeded", amount=Decimal("15.00"),
                                          currency="usd"))
    db.session.commit()
    quiet = make_order(users["agent"], provider="stripe")
    assert "Amount mismatches (1)" in text(staff.get("/office/orders"))
    page = text(staff.get("/office/orders/mismatches"))
    assert order.number in page and quiet.number not in page
    assert "KHR1,500.00" in page and "$15.00" in page  # formatted by Babel, in English
    assert f'href="/office/orders/{order.id}"' in page
    order.payment.state = PaymentState.FAILED  # settled: the payment failed meanwhile
    db.session.commit()
    assert order.number not in text(staff.get("/office/orders/mismatches"))
    assert order.number in text(staff.get("/office/orders/mismatches?show=all"))


@pytest.fixture
def paid_order(agent, tariff, account):  # noqa: F811
    fill_cart(agent)
    return db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))


def test_refunds_are_listed_with_their_credit_note(staff, paid_order):
    from portal.receipts.models import Receipt

    r = staff.submit(f"/office/orders/{paid_order.id}/refund",
                     {"amount": "1000", "reason": "Fee charged twice"},
                     page=f"/office/orders/{paid_order.id}")
    assert r.status_code == 302
    note = db.session.scalar(select(Receipt).where(Receipt.kind == "credit_note"))
    page = text(staff.get("/office/refunds"))
    for shown in (paid_order.number, "Fee charged twice", "staff@example.org", note.number,
                  f'href="/office/receipts/{note.id}"'):
        assert shown in page, shown
    pdf = staff.get(f"/office/receipts/{note.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pdf.close()
    today = office_today()
    assert note.number in text(staff.get(f"/office/refunds?since={today}&until={today}"))
    later = text(staff.get(f"/office/refunds?since={today + timedelta(days=2)}"))
    assert note.number not in later and "No refunds in this period." in later
    earlier = text(staff.get(f"/office/refunds?until={today - timedelta(days=2)}"))
    assert note.number not in earlier
    wrong = text(staff.get(f"/office/refunds?since={today}&until={today - timedelta(days=1)}"))
    assert "The end of the period comes before its start." in wrong


# --- account accounts -------------------------------------------------------------------------

def adjust(staff, account, data, *, confirmed=True, key=None):
    payload = dict(data)
    if confirmed:
        payload.update(confirmed="yes", key=key or uuid.uuid4().hex)
    return staff.submit(f"/office/deposits/{account.id}/adjust", payload,
                        page=f"/office/deposits/{account.id}")


def test_deposit_accounts_are_listed_with_balances_and_found_by_holder(staff, users, account):
    own = open_account(users["applicant"], "KHR")
    db.session.commit()
    page = text(staff.get("/office/deposits"))
    assert f"DA-{account.id:06d}" in page and f"DA-{own.id:06d}" in page
    assert "Mekong IP" in page and "Sokha Chan (applicant@example.org)" in page
    found = text(staff.get("/office/deposits?q=mekong"))
    assert f"DA-{account.id:06d}" in found and f"DA-{own.id:06d}" not in found
    found = text(staff.get("/office/deposits?q=applicant@example"))
    assert f"DA-{own.id:06d}" in found and f"DA-{account.id:06d}" not in found
    found = text(staff.get(f"/office/deposits?q=DA-{own.id:06d}"))
    assert f'href="/office/deposits/{own.id}"' in found
    assert f'href="/office/deposits/{account.id}"' not in found


def test_a_top_up_by_bank_transfer_is_confirmed_from_the_deposit_accounts(staff, users,
                                                                         account):
    from payments.services import start_top_up

    order = start_top_up(users["agent"], Decimal("300000"), "bank_transfer",
                         uuid.uuid4().hex).order
    db.session.commit()
    page = text(staff.get("/office/deposits"))
    assert order.number in page
    url = f"/office/payments/{order.payment.id}/confirm"
    today = utcnow().date().isoformat()
    assert "top-up" in text(staff.get(f"{url}?booked_on={today}"))
    for _ in range(2):
        staff.submit(url, {"booked_on": today}, page=f"{url}?booked_on={today}")
    db.session.expire_all()
    assert account.balance == Decimal("5300000")
    assert order.number not in text(staff.get("/office/deposits"))


def test_crediting_a_top_up_shows_the_balances_first_and_credits_once(staff, account):
    url = f"/office/deposits/{account.id}/top-up"
    step = staff.get(url, query_string={"top_up-amount": "250000", "top_up-note": "Ref 99"})
    page = text(step)
    assert "5,000,000" in page and "5,250,000" in page and "Ref 99" in page
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    db.session.expire_all()
    assert account.balance == Decimal("5000000")
    for _ in range(2):  # a double click
        r = staff.submit(url, {"amount": "250000", "note": "Ref 99", "key": key}, page=url
                         + "?top_up-amount=250000&top_up-note=Ref+99")
        assert r.status_code == 302
    db.session.expire_all()
    assert account.balance == Decimal("5250000")
    (entry,) = audits("deposit.top_up")
    assert (entry.details["before"], entry.details["after"]) == ("5000000.00", "5250000.00")
    bad = text(staff.get(url, query_string={"top_up-amount": "lots", "top_up-note": "Ref 1"}))
    assert "Enter an amount in figures, for example 1250.50." in bad and 'name="key"' not in bad
    assert 'value="Ref 1"' in bad  # what was typed stays


@pytest.mark.parametrize("direction, amount, after", [("credit", "1000", "5001000.00"),
                                                      ("debit", "4999999.50", "0.50")])
def test_an_adjustment_changes_the_balance_after_its_confirmation_step(
        staff, users, account, direction, amount, after):
    data = {"direction": direction, "amount": amount, "reason": "Bank charges corrected"}
    step = adjust(staff, account, data, confirmed=False)
    page = text(step)
    assert step.status_code == 200 and "Balance after" in page and 'value="yes"' in page
    db.session.expire_all()
    assert account.balance == Decimal("5000000") and not audits("deposit.adjusted")
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    assert adjust(staff, account, data, key=key).status_code == 302
    assert adjust(staff, account, data, key=key).status_code == 302  # posted twice
    db.session.expire_all()
    assert account.balance == Decimal(after)
    movement = db.session.scalars(select(DepositMovement).where(
        DepositMovement.account_id == account.id).order_by(DepositMovement.id.desc())).first()
    assert movement.kind == "adjustment" and movement.note == "Bank charges corrected"
    assert movement.amount == (Decimal(amount) if direction == "credit" else -Decimal(amount))
    (entry,) = audits("deposit.adjusted")
    assert (entry.details["before"], entry.details["after"]) == ("5000000.00", after)
    assert entry.details["reason"] == "Bank charges corrected"
    assert entry.user_id == users["staff"].id
    statement = text(staff.get(f"/office/deposits/{account.id}"))
    assert "Adjustment by the office" in statement and "Bank charges corrected" in statement


def test_a_debit_beyond_the_balance_is_refused_and_changes_nothing(staff, account):
    data = {"direction": "debit", "amount": "5000000.01", "reason": "Mistaken top-up"}
    for confirmed in (False, True):
        r = adjust(staff, account, data, confirmed=confirmed)
        page = text(r)
        assert r.status_code == 200 and "would take the balance below zero" in page
        assert "5000000.01" in page and "Mistaken top-up" in page  # nothing typed is lost
    db.session.expire_all()
    assert account.balance == Decimal("5000000")
    assert db.session.scalar(select(func.count(DepositMovement.id)).where(
        DepositMovement.account_id == account.id)) == 1
    assert not audits("deposit.adjusted")


@pytest.mark.parametrize("data, message", [
    ({"direction": "credit", "amount": "10", "reason": ""}, "This field is required."),
    ({"direction": "credit", "amount": "10", "reason": "   "}, "This field is required."),
    ({"direction": "debit", "amount": "", "reason": "x"}, "This field is required."),
    ({"direction": "credit", "amount": "ten", "reason": "x"}, "Enter an amount in figures"),
    ({"direction": "credit", "amount": "0", "reason": "x"}, "Enter an amount from"),
    ({"direction": "credit", "amount": "1.005", "reason": "x"}, "at most 2 decimals"),
    ({"direction": "", "amount": "10", "reason": "x"}, "This field is required."),
    ({"direction": "steal", "amount": "10", "reason": "x"}, "Choose one of the options"),
])
def test_an_adjustment_needs_a_direction_an_amount_and_a_reason(staff, account, data,
                                                                  message):
    r = adjust(staff, account, data)
    assert r.status_code == 200 and message in text(r)
    db.session.expire_all()
    assert account.balance == Decimal("5000000") and not audits("deposit.adjusted")


def test_the_statement_filters_by_date_and_pages(staff, account):
    old = db.session.scalars(select(DepositMovement).where(
        DepositMovement.account_id == account.id)).one()
    old.at = utcnow() - timedelta(days=40)
    for n in range(PAGE_SIZE):
        move(account, Decimal(1), "top_up", note=f"small {n}")
    db.session.commit()
    url = f"/office/deposits/{account.id}"
    first = text(staff.get(url))
    assert "small 49" in first and "opening balance" not in first and 'rel="next"' in first
    assert "5,000,050" in first  # the running balance of the newest movement
    second = text(staff.get(f"{url}?page=2"))
    assert "opening balance" in second and "5,000,000" in second
    today = office_today()
    recent = text(staff.get(f"{url}?since={today - timedelta(days=1)}&page=2"))
    assert "opening balance" not in recent
    older = text(staff.get(f"{url}?until={today - timedelta(days=30)}"))
    assert "opening balance" in older and "small 1" not in older


# --- speed ------------------------------------------------------------------------------------

def statements_for(staff, url: str) -> int:
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert staff.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def add_payers(start: int, stop: int) -> None:
    for n in range(start, stop):
        payer = make_user(f"payer{n}@example.org", full_name=f"Payer {n}")
        make_order(payer)
        mismatched = make_order(payer, provider="stripe", purpose="top_up")
        db.session.add(PaymentEvent(payment=mismatched.payment, kind="amount_mismatch",
                                    data={"expected": "1000.00", "currency": "KHR",
                                          "observed": "10.00", "observed_currency": "usd"}))
        move(open_account(payer, "KHR"), Decimal(n + 1), "top_up", order_id=mismatched.id)
    db.session.commit()


def test_listings_cost_as_many_statements_for_many_rows_as_for_few(staff, users):
    add_payers(0, 2)
    first = db.session.scalar(select(func.min(DepositAccount.id)))
    urls = ["/office/payments", "/office/orders", "/office/orders/mismatches",
            "/office/refunds", "/office/deposits", f"/office/deposits/{first}"]
    for url in urls:
        statements_for(staff, url)  # anything read once per process is read now
    few = {url: statements_for(staff, url) for url in urls}
    add_payers(2, 12)
    many = {url: statements_for(staff, url) for url in urls}
    assert many == few


# --- access -----------------------------------------------------------------------------------

def test_filers_get_404_on_every_payments_page(agent, applicant, users, account):  # noqa: F811
    order = make_order(users["agent"])
    payment_id = order.payment.id
    pages = ["/office/payments", f"/office/payments/{payment_id}/confirm",
             f"/office/payments/{payment_id}/reject", "/office/orders",
             "/office/orders/mismatches", f"/office/orders/{order.id}", "/office/refunds",
             "/office/deposits", f"/office/deposits/{account.id}",
             f"/office/deposits/{account.id}/top-up?top_up-amount=1&top_up-note=x"]
    posts = [f"/office/payments/{payment_id}/confirm", f"/office/payments/{payment_id}/reject",
             f"/office/deposits/{account.id}/top-up", f"/office/deposits/{account.id}/adjust",
             f"/office/orders/{order.id}/refund"]
    for web in (agent, applicant):
        for url in pages:
            assert web.get(url).status_code == 404, url
        for url in posts:
            r = web.submit(url, {"booked_on": "2026-01-01", "reason": "x", "amount": "5",
                                 "note": "x", "direction": "credit", "confirmed": "yes"},
                           page="/account")
            assert r.status_code == 404, url
    db.session.expire_all()
    assert account.balance == Decimal("5000000") and order.state is OrderState.PENDING
