"""Office staff confirm or reject bank transfers; unpaid transfers expire after the grace period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from payments.models import Order, OrderState, PaymentState
from portal.audit import AuditEntry
from portal.extensions import db
from portal.filings.models import FilingStatus
from portal.timeutil import utcnow
from tests.conftest import Browser, stored_mails
from tests.orders.conftest import checkout, fill_cart, order_id_of


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


@pytest.fixture
def transfer_order(agent, tariff):
    fill_cart(agent)
    return db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))


def confirm(staff, order, booked_on):
    return staff.submit(f"/office/payments/{order.payment.id}/confirm",
                        {"booked_on": booked_on.isoformat()}, page="/office/payments")


def test_staff_find_and_confirm_a_transfer_once(staff, transfer_order):
    html = staff.get(f"/office/payments?q={transfer_order.number}").get_data(as_text=True)
    assert transfer_order.number in html and "agent@example.org" in html
    today = utcnow().date()
    assert confirm(staff, transfer_order, today).status_code == 302
    assert confirm(staff, transfer_order, today).status_code == 302  # a second click
    db.session.expire_all()
    assert transfer_order.state is OrderState.PAID
    assert transfer_order.payment.state is PaymentState.SUCCEEDED
    assert all(i.filing.status is FilingStatus.ACCEPTED for i in transfer_order.items)
    audits = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payment.transfer_confirmed")).all()
    assert len(audits) == 1 and audits[0].details["after"] == "succeeded"
    assert audits[0].actor == "staff@example.org"


def test_a_transfer_booked_after_the_period_is_not_accepted(staff, transfer_order):
    late = transfer_order.payment.expires_at.date() + timedelta(days=1)
    confirm(staff, transfer_order, late)
    assert "booked after the payment period ended" in staff.get(
        "/office/payments").get_data(as_text=True)
    db.session.expire_all()
    assert transfer_order.state is OrderState.PENDING


def test_a_transfer_made_in_time_is_accepted_during_the_grace_period(staff, transfer_order):
    from payments.office import expire_transfers

    payment = transfer_order.payment
    payment.expires_at = utcnow() - timedelta(days=2)  # period over, grace (5 days) running
    db.session.commit()
    assert expire_transfers() == 0
    confirm(staff, transfer_order, payment.expires_at.date())
    db.session.expire_all()
    assert transfer_order.state is OrderState.PAID


def test_unpaid_transfers_expire_after_the_grace_period(app, transfer_order):
    from payments.office import expire_transfers

    transfer_order.payment.expires_at = utcnow() - timedelta(days=6)
    db.session.commit()
    assert expire_transfers() == 1
    assert expire_transfers() == 0
    db.session.commit()
    assert transfer_order.state is OrderState.CANCELLED
    assert transfer_order.payment.state is PaymentState.CANCELLED
    assert all(i.filing.status is FilingStatus.DRAFT for i in transfer_order.items)


def test_payers_are_reminded_once_before_expiry(app, transfer_order):
    from payments.office import remind_transfers

    transfer_order.payment.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert remind_transfers() == 1 and remind_transfers() == 0
    db.session.commit()
    subjects = [m["Subject"] for m in stored_mails(app)]
    assert f"Reminder: order {transfer_order.number} is not paid yet" in subjects


def test_rejecting_a_transfer_mails_the_reason_and_frees_the_filings(app, staff,
                                                                      transfer_order):
    r = staff.submit(f"/office/payments/{transfer_order.payment.id}/reject",
                     {"reason": "Amount received was 100 short."}, page="/office/payments")
    assert r.status_code == 302
    db.session.expire_all()
    assert transfer_order.state is OrderState.CANCELLED
    assert all(i.filing.status is FilingStatus.DRAFT for i in transfer_order.items)
    mail = [m for m in stored_mails(app) if "was not accepted" in m["Subject"]][0]
    assert "Amount received was 100 short." in mail.get_body(("plain",)).get_content()


def test_staff_credit_a_deposit_account(staff, users):
    from payments.providers.deposit_account import open_account

    account = open_account(users["agent"], "KHR")
    db.session.commit()
    r = staff.submit(f"/office/deposits/{account.id}/top-up",
                     {"amount": "1250000", "note": "Bank ref 778"}, page="/office/deposits")
    assert r.status_code == 302
    db.session.expire_all()
    assert account.balance == Decimal("1250000")
    assert account.movements[0].note == "Bank ref 778"
    staff.submit(f"/office/deposits/{account.id}/top-up", {"amount": "-5", "note": "x"},
                 page="/office/deposits")
    db.session.expire_all()
    assert account.balance == Decimal("1250000")


@pytest.mark.parametrize("url", ["/office/payments", "/office/deposits"])
def test_filers_cannot_see_office_payment_pages(agent, url):
    assert agent.get(url).status_code == 404
