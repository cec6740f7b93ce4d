"""Card payments through Stripe (localstripe): return page, webhooks, signatures, mismatches."""

from __future__ import annotations

import json
import time

import stripe
from sqlalchemy import func, select

from payments.models import Order, OrderState, PaymentEvent, PaymentState
from portal.backoffice.models import OutboxMessage
from portal.extensions import db
from portal.filings.models import FilingStatus
from tests.orders.conftest import checkout, fill_cart, order_id_of
from tests.payments.stripe_server import WEBHOOK_SECRET, declining_card, pay_intent


def card_order(agent) -> Order:
    fill_cart(agent)
    return db.session.get(Order, order_id_of(checkout(agent, "stripe")))


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(
        f"{timestamp}.{payload.decode()}", secret)
    return payload, f"t={timestamp},v1={signature}"


def post_webhook(client, event: dict, secret: str = WEBHOOK_SECRET):
    payload, header = signed(event, secret)
    return client.post("/payments/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": header, "Content-Type": "application/json"})


def intent_event(event_id: str, intent_id: str, kind="payment_intent.succeeded") -> dict:
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()),
            "data": {"object": {"id": intent_id, "object": "payment_intent"}}}


def test_checkout_by_card_creates_one_intent_and_waits(stripe_app, agent, tariff):
    order = card_order(agent)
    payment = order.payment
    assert payment.state is PaymentState.PENDING and payment.provider_reference.startswith("pi_")
    assert payment.data["client_secret"]
    assert all(i.filing.status is FilingStatus.SUBMITTED for i in order.items)


def test_the_return_page_asks_stripe_and_accepts(stripe_app, agent, tariff):
    order = card_order(agent)
    r = agent.get(f"/orders/{order.id}/return?redirect_status=failed")  # the query lies
    assert r.status_code == 302
    db.session.expire_all()
    assert order.state is OrderState.PENDING  # not paid yet: Stripe says so
    pay_intent(order.payment.provider_reference)
    agent.get(f"/orders/{order.id}/return")
    db.session.expire_all()
    assert order.state is OrderState.PAID
    assert all(i.filing.portal_number for i in order.items)


def test_webhook_three_times_and_out_of_order_accepts_once(stripe_app, agent, tariff, client):
    order = card_order(agent)
    intent = order.payment.provider_reference
    early = post_webhook(client, intent_event("evt_1", intent, "payment_intent.processing"))
    assert early.get_json()["status"] == "pending"
    pay_intent(intent)
    answers = [post_webhook(client, intent_event(f"evt_{n}", intent)).get_json()["status"]
               for n in (2, 2, 3)]
    assert answers == ["confirmed", "duplicate", "unchanged"]
    db.session.expire_all()
    assert order.state is OrderState.PAID
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert db.session.scalar(select(func.count(PaymentEvent.id)).where(
        PaymentEvent.to_state == "succeeded")) == 1


def test_a_webhook_with_a_bad_signature_changes_nothing(stripe_app, agent, tariff, client):
    order = card_order(agent)
    pay_intent(order.payment.provider_reference)
    r = post_webhook(client, intent_event("evt_x", order.payment.provider_reference),
                     secret="whsec_wrong")
    assert r.status_code == 400
    r = client.post("/payments/stripe/webhook", data=b"{}")
    assert r.status_code == 400
    db.session.expire_all()
    assert order.state is OrderState.PENDING


def test_an_amount_mismatch_is_recorded_not_accepted(stripe_app, agent, tariff, client):
    from payments.providers.stripe.client import stripe_client

    order = card_order(agent)
    intent = order.payment.provider_reference
    stripe_client().v1.payment_intents.update(intent, params={"amount": 100})
    pay_intent(intent)
    r = post_webhook(client, intent_event("evt_m", intent))
    assert r.get_json()["status"] == "mismatch"
    db.session.expire_all()
    assert order.state is OrderState.PENDING
    mismatch = db.session.scalar(select(PaymentEvent).where(
        PaymentEvent.kind == "amount_mismatch"))
    assert mismatch.data["observed"] == "1.00" and mismatch.data["expected"] == str(order.total)


def test_a_declined_card_returns_the_filings_to_drafts(stripe_app, agent, tariff):
    order = card_order(agent)
    customer, method = declining_card()
    try:
        pay_intent(order.payment.provider_reference, method, customer=customer)
    except stripe.CardError:
        pass
    agent.get(f"/orders/{order.id}/return")
    db.session.expire_all()
    assert order.state is OrderState.CANCELLED
    assert order.payment.state is PaymentState.FAILED
    assert all(i.filing.status is FilingStatus.DRAFT for i in order.items)


def test_the_card_page_alone_allows_stripes_hosts(stripe_app, agent, tariff):
    order = card_order(agent)
    r = agent.get(f"/orders/{order.id}/pay")
    assert r.status_code == 200
    assert "https://js.stripe.com" in r.headers["Content-Security-Policy"]
    assert order.payment.data["client_secret"] in r.get_data(as_text=True)
    other = agent.get(f"/orders/{order.id}")
    assert "js.stripe.com" not in other.headers["Content-Security-Policy"]


def test_office_staff_see_an_amount_mismatch(stripe_app, agent, tariff, client, users):
    from payments.providers.stripe.client import stripe_client
    from tests.conftest import Browser

    order = card_order(agent)
    intent = order.payment.provider_reference
    stripe_client().v1.payment_intents.update(intent, params={"amount": 100})
    pay_intent(intent)
    post_webhook(client, intent_event("evt_seen", intent))
    staff = Browser(stripe_app.test_client())
    staff.login("staff@example.org")
    html = staff.get(f"/office/orders/{order.id}").get_data(as_text=True)
    assert "amount_mismatch" in html and 'class="row--problem"' in html
