"""Cart, checkout and acceptance: money and filings never disagree."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from payments.models import (
    CartItem,
    DepositMovement,
    Order,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
)
from portal.backoffice.models import OutboxMessage
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from tests.filings.conftest import save, start
from tests.orders.conftest import checkout, fill_cart, order_id_of


def test_cart_lists_items_with_fees_and_total(agent, tariff):
    fill_cart(agent)
    html = agent.get("/cart").get_data(as_text=True)
    assert "MEKONG GOLD" in html and "Rice husk water filter" in html
    assert "Check out and pay" in html
    assert html.count('class="fee-lines"') == 2


def test_a_draft_that_is_not_ready_is_flagged_with_a_link(agent, tariff):
    fill_cart(agent, ("trademark",))
    unfinished = start(agent, "patent")
    save(agent, unfinished, {"title": "Half done"})
    agent.submit(f"/cart/add/{unfinished}", page=f"/filings/{unfinished}/edit")
    html = agent.get("/cart").get_data(as_text=True)
    assert "problems stop it from being filed" in html
    assert f"/filings/{unfinished}/edit?check=1#problems" in html
    assert "Check out and pay" not in html
    r = checkout(agent, "deposit_account")
    assert r.headers["Location"].endswith("/cart")
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_the_cart_survives_logging_out(agent, tariff):
    fill_cart(agent, ("trademark",))
    agent.logout()
    agent.login("agent@example.org")
    assert "MEKONG GOLD" in agent.get("/cart").get_data(as_text=True)


def test_removing_from_the_cart_keeps_the_draft(agent, tariff):
    (filing_id,) = fill_cart(agent, ("trademark",))
    agent.submit(f"/cart/remove/{filing_id}", page="/cart")
    assert db.session.scalar(select(func.count(CartItem.id))) == 0
    assert db.session.get(Filing, filing_id).status is FilingStatus.DRAFT


def test_deposit_checkout_accepts_every_filing_at_once(agent, tariff, deposit):
    ids = fill_cart(agent)
    r = checkout(agent, "deposit_account")
    order = db.session.get(Order, order_id_of(r))
    assert order.state is OrderState.PAID and re.fullmatch(r"ORD-\d{4}-\d{6}", order.number)
    assert order.total == sum(item.total for item in order.items) > 0
    assert deposit.balance == Decimal("5000000") - order.total
    filings = [db.session.get(Filing, i) for i in ids]
    assert [f.status for f in filings] == [FilingStatus.ACCEPTED] * 2
    assert filings[0].portal_number.startswith("EF-TM-") and filings[1].portal_number.startswith(
        "EF-PT-")
    assert all(f.accepted_at is not None for f in filings)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    kinds = [e.kind for e in filings[0].events]
    assert kinds == ["submitted", "paid", "accepted"]
    assert db.session.scalar(select(func.count(CartItem.id))) == 0
    html = agent.get(f"/orders/{order.id}").get_data(as_text=True)
    assert filings[0].portal_number in html and "Paid" in html


def test_fees_are_frozen_on_the_order(agent, tariff, deposit):
    from payments.models import FeeRule

    fill_cart(agent, ("trademark",))
    order = db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))
    frozen = [(f.code, f.amount) for f in order.items[0].fees]
    for rule in db.session.scalars(select(FeeRule)):
        rule.amount = rule.amount * 3
    db.session.commit()
    db.session.expire_all()
    assert [(f.code, f.amount) for f in order.items[0].fees] == frozen


def test_the_same_checkout_posted_twice_makes_one_order_and_one_charge(agent, tariff, deposit):
    fill_cart(agent)
    first = checkout(agent, "deposit_account", key="same-key-0123456789")
    second = checkout(agent, "deposit_account", key="same-key-0123456789")
    assert order_id_of(first) == order_id_of(second)
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.scalar(select(func.count(DepositMovement.id)).where(
        DepositMovement.kind == "debit")) == 1


def test_insufficient_balance_is_explained_and_nothing_changes(agent, tariff, users):
    from payments.providers.deposit_account import open_account

    open_account(users["agent"], "KHR")
    db.session.commit()
    ids = fill_cart(agent)
    html = agent.get("/cart").get_data(as_text=True)
    assert "does not cover this order" in html
    r = checkout(agent, "deposit_account")
    assert r.headers["Location"].endswith("/cart")
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert [db.session.get(Filing, i).status for i in ids] == [FilingStatus.DRAFT] * 2
    assert db.session.scalar(select(func.count(CartItem.id))) == 2
    follow = agent.get("/cart").get_data(as_text=True)
    assert "too low" in follow or "does not cover" in follow


def test_bank_transfer_checkout_waits_for_the_office(agent, tariff):
    ids = fill_cart(agent)
    order = db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))
    payment = order.payment
    assert order.state is OrderState.PENDING and payment.state is PaymentState.PENDING
    assert payment.provider_reference == order.number and payment.expires_at is not None
    assert [db.session.get(Filing, i).status for i in ids] == [FilingStatus.SUBMITTED] * 2
    html = agent.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "111-222-333" in html and order.number in html


def test_confirming_a_payment_twice_accepts_once(agent, tariff):
    from payments.services import confirm_payment

    fill_cart(agent, ("trademark",))
    order = db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))
    assert confirm_payment(order.payment, kind="confirmed") is True
    number = order.items[0].filing.portal_number
    assert confirm_payment(order.payment, kind="confirmed") is False
    db.session.commit()
    assert order.items[0].filing.portal_number == number
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert db.session.scalar(select(func.count(PaymentEvent.id)).where(
        PaymentEvent.to_state == "succeeded")) == 1


def test_a_failed_payment_returns_the_items_to_drafts(agent, tariff):
    from payments.services import fail_payment

    ids = fill_cart(agent)
    order = db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))
    fail_payment(order.payment, PaymentState.CANCELLED, kind="expired")
    db.session.commit()
    assert order.state is OrderState.CANCELLED
    filings = [db.session.get(Filing, i) for i in ids]
    assert [f.status for f in filings] == [FilingStatus.DRAFT] * 2
    assert filings[0].title == "MEKONG GOLD" and filings[0].portal_number is None
    assert "returned_to_draft" in [e.kind for e in filings[0].events]


def test_portal_numbers_are_consecutive_per_kind_and_year(agent, tariff, deposit):
    fill_cart(agent, ("trademark", "trademark", "patent"))
    order = db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))
    numbers = [item.filing.portal_number for item in order.items]
    tm = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith("EF-TM"))
    assert tm[1] == tm[0] + 1
    assert any(n.startswith("EF-PT-") and n.endswith("-000001") for n in numbers)


def test_another_users_order_is_404(app, agent, tariff, deposit, users):
    from tests.conftest import Browser

    fill_cart(agent, ("trademark",))
    order_id = order_id_of(checkout(agent, "deposit_account"))
    other = Browser(app.test_client())
    other.login("applicant@example.org")
    for url in (f"/orders/{order_id}", f"/orders/{order_id}/receipt"):
        assert other.get(url).status_code == 404


def test_only_drafts_of_the_user_can_enter_its_cart(app, agent, tariff, users):
    from tests.conftest import Browser

    filing_id = start(agent, "trademark")
    other = Browser(app.test_client())
    other.login("applicant@example.org")
    assert other.submit(f"/cart/add/{filing_id}", page="/cart").status_code == 404
    assert db.session.scalar(select(func.count(CartItem.id))) == 0


def test_unknown_payment_method_is_refused(agent, tariff):
    fill_cart(agent, ("trademark",))
    r = checkout(agent, "cash")
    assert r.headers["Location"].endswith("/cart")
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_a_deposit_top_up_by_transfer_is_credited_once_confirmed(app, agent, tariff, deposit,
                                                                 users):
    from payments.office import confirm_transfer
    from portal.timeutil import utcnow

    before = deposit.balance
    r = agent.submit("/deposit/top-up", {"amount": "2500000", "method": "bank_transfer",
                                         "checkout_key": "top-up-key-0123456789"},
                     page="/deposit")
    order = db.session.get(Order, order_id_of(r))
    assert order.purpose == "top_up" and order.state is OrderState.PENDING
    assert deposit.balance == before
    confirm_transfer(order.payment.id, utcnow().date(), users["staff"])
    db.session.commit()
    db.session.expire_all()
    assert deposit.balance == before + Decimal("2500000")
    assert deposit.movements[-1].kind == "top_up" and deposit.movements[-1].order_id == order.id
    html = agent.get("/deposit").get_data(as_text=True)
    assert "Top-up" in html and order.number in html


def test_a_top_up_needs_a_positive_amount(agent, tariff, deposit):
    r = agent.submit("/deposit/top-up", {"amount": "-3", "method": "bank_transfer",
                                         "checkout_key": "top-up-key-0123456789"},
                     page="/deposit")
    assert r.status_code == 200 and "Enter an amount from" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Order.id))) == 0
