"""Reliability under SIGKILL: the web process or the connector killed at the points that matter
of checkout, payment confirmation and delivery leaves no half-done state, and doing it again
(the same checkout re-posted, the webhook redelivered, the worker restarted) has its effect
exactly once.

Every process is real and dies of a real SIGKILL: tests/crash/boot.py starts the portal with one
function wrapped so that the process kills itself there. The database has real commits (a file
SQLite database, or one of its own on the PostgreSQL server of TEST_DATABASE_URL).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
import requests
import stripe
from sqlalchemy import func, select

from payments.fees import load_tariff
from payments.models import (
    CartItem,
    DepositAccount,
    DepositMovement,
    NumberSequence,
    Order,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
)
from payments.providers.deposit_account import move, open_account
from portal.audit import AuditEntry
from portal.auth.models import Role, User
from portal.backoffice.models import DeliveryAttempt, OutboxMessage, OutboxState
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.filings.models import Filing, FilingEvent, FilingStatus
from portal.jobs.models import Job
from portal.seed import TARIFF_FILE, seed_office
from tests.backoffice.receiver import Receiver
from tests.conftest import PASSWORD, Browser, make_user
from tests.crash.harness import KILLED, Template, Visitor, World, checkout_key
from tests.crash.invariants import consistent
from tests.filings.conftest import complete_draft
from tests.payments.stripe_server import (  # noqa: F401  (fixture)
    SECRET_KEY,
    WEBHOOK_SECRET,
    localstripe_url,
    pay_intent,
)

AGENT, STAFF = "agent@example.org", "staff@example.org"
OPENING = Decimal("5000000")


def seed(app) -> list[int]:
    """What every test starts from: the office, its tariff, the agent with a deposit account
    and two trademarks in the cart, and a staff member."""
    with app.app_context():
        seed_office()
        load_tariff(TARIFF_FILE)
        agent = make_user(AGENT, Role.AGENT, organisation="Mekong IP", agent_number="KH-AG-1")
        make_user(STAFF, Role.STAFF)
        move(open_account(agent, "KHR"), OPENING, "top_up", note="opening balance")
        db.session.commit()
    web = Browser(app.test_client())
    web.login(AGENT)
    ids = []
    for _ in range(2):
        filing_id = complete_draft(web, "trademark")
        r = web.submit(f"/cart/add/{filing_id}", page=f"/filings/{filing_id}/edit")
        assert r.status_code == 302 and r.headers["Location"].endswith("/cart")
        ids.append(filing_id)
    return ids


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    template = Template(tmp_path_factory.mktemp("crash-template"), seed)
    yield template
    template.close()


@pytest.fixture
def world(template, tmp_path):
    made: list[World] = []

    def build(**config) -> World:
        made.append(World(template, tmp_path, **config))
        return made[-1]

    yield build
    for w in made:
        w.close()


def crashes(post) -> None:
    """The request never gets an answer: its process died under it."""
    with pytest.raises(requests.ConnectionError):
        post()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def balance(session) -> Decimal:
    return session.scalar(select(DepositAccount.balance))


def accepted_once(session, filing_ids: list[int]) -> None:
    """Every filing accepted once: one portal number each, one delivery owed each."""
    filings = [session.get(Filing, i) for i in filing_ids]
    assert {f.status for f in filings} == {FilingStatus.ACCEPTED}
    assert len({f.portal_number for f in filings}) == len(filings)
    assert session.scalar(select(NumberSequence.last).where(
        NumberSequence.name == "accepted")) == len(filings)
    assert count(session, OutboxMessage) == len(filings)
    assert count(session, FilingEvent, FilingEvent.kind == "accepted") == len(filings)


# --- checkout, in the web process ------------------------------------------------------------

@pytest.mark.parametrize("point", ["checkout.before_commit", "checkout.after_commit"])
def test_checkout_killed_then_posted_again_makes_one_order_and_one_debit(world, point):
    w = world()
    filing_ids = w.made
    agent = Visitor()
    with w.serve(point) as server:
        agent.at(server).log_in(AGENT, PASSWORD)
        html, token = agent.form("/cart")
        form = {"csrf_token": token, "checkout_key": checkout_key(html),
                "method": "deposit_account"}
        crashes(lambda: agent.post("/cart/checkout", form))
        assert server.killed(), server.output()
    with w.read() as session:
        consistent(session)
        if point == "checkout.before_commit":  # nothing of it was stored
            assert count(session, Order) == count(session, Payment) == 0
            assert count(session, CartItem) == 2 and balance(session) == OPENING
            assert count(session, DepositMovement) == 1
            assert {f.status for f in session.scalars(select(Filing))} == {FilingStatus.DRAFT}
        else:  # all of it was stored; the answer was lost
            assert count(session, Order) == 1 and count(session, CartItem) == 0
            assert balance(session) == OPENING - session.scalar(select(Order.total))
    with w.serve() as server:  # the payer posts the same form again
        answer = agent.at(server).post("/cart/checkout", form)
        assert answer.status_code == 302 and "/orders/" in answer.headers["Location"]
    with w.read() as session:
        consistent(session)
        order = session.scalars(select(Order)).one()
        assert answer.headers["Location"].endswith(f"/orders/{order.id}")
        assert order.state is OrderState.PAID and order.checkout_key == form["checkout_key"]
        assert count(session, Payment) == 1 and count(session, CartItem) == 0
        assert count(session, DepositMovement, DepositMovement.kind == "debit") == 1
        assert balance(session) == OPENING - order.total
        assert count(session, Job, Job.name == "receipts.issue") == 1
        accepted_once(session, filing_ids)


def test_card_checkout_killed_after_the_intent_was_made_asks_stripe_the_same_again(
        world, localstripe_url, tmp_path):  # noqa: F811
    """Stripe refuses a reused idempotency key with other parameters: the retry must send
    exactly what the first try sent, even where the database hands out new ids."""
    w = world(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url,
              STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    spy, agent = tmp_path / "stripe-calls.jsonl", Visitor()
    with w.serve("checkout.before_commit", crash_log=spy) as server:
        agent.at(server).log_in(AGENT, PASSWORD)
        html, token = agent.form("/cart")
        form = {"csrf_token": token, "checkout_key": checkout_key(html), "method": "stripe"}
        crashes(lambda: agent.post("/cart/checkout", form))
        assert server.killed(), server.output()
    with w.read() as session:
        consistent(session)
        assert count(session, Order) == 0 and count(session, CartItem) == 2
    with w.serve(crash_log=spy) as server:
        answer = agent.at(server).post("/cart/checkout", form)
        assert answer.status_code == 302 and "/orders/" in answer.headers["Location"]
    first, second = [json.loads(line) for line in spy.read_text().splitlines()]
    assert first == second and first["idempotency_key"] == form["checkout_key"]
    with w.read() as session:
        consistent(session)
        payment = session.scalars(select(Payment)).one()
        assert payment.state is PaymentState.PENDING and payment.provider_reference
        assert count(session, CartItem) == 0


# --- card payment confirmation: the Stripe webhook -------------------------------------------

def signed_event(event_id: str, intent_id: str) -> tuple[bytes, dict]:
    payload = json.dumps({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
                          "created": int(time.time()),
                          "data": {"object": {"id": intent_id, "object": "payment_intent"}}})
    stamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{payload}", WEBHOOK_SECRET)
    return payload.encode(), {"Stripe-Signature": f"t={stamp},v1={signature}",
                              "Content-Type": "application/json"}


@pytest.mark.parametrize("point", ["payment.recorded", "payment.after_commit"])
def test_card_payment_webhook_killed_then_redelivered_accepts_once(
        world, localstripe_url, point):  # noqa: F811
    w = world(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url,
              STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    filing_ids = w.made
    web = Browser(w.app.test_client())
    web.login(AGENT)
    r = web.submit("/cart/checkout", {"method": "stripe", "checkout_key": uuid.uuid4().hex},
                   page="/cart")
    assert r.status_code == 302
    with w.read() as session:
        intent = session.scalar(select(Payment.provider_reference))
        pay_intent(intent)  # the payer's card, through Stripe.js
    body, headers = signed_event("evt_crash_1", intent)
    url = "/payments/stripe/webhook"
    with w.serve(point) as server:
        crashes(lambda: requests.post(server.url + url, data=body, headers=headers, timeout=30))
        assert server.killed(), server.output()
    with w.read() as session:
        consistent(session)
        order = session.scalars(select(Order)).one()
        expected = OrderState.PENDING if point == "payment.recorded" else OrderState.PAID
        assert order.state is expected
    with w.serve() as server:  # Stripe delivers the event again, as it does without a 2xx
        answer = requests.post(server.url + url, data=body, headers=headers, timeout=30)
        again = requests.post(server.url + url, data=body, headers=headers, timeout=30)
    assert answer.status_code == 200 and again.status_code == 200
    assert answer.json()["status"] == ("confirmed" if point == "payment.recorded"
                                       else "duplicate")
    assert again.json()["status"] == "duplicate"
    with w.read() as session:
        consistent(session)
        order = session.scalars(select(Order)).one()
        assert order.state is OrderState.PAID and order.payment.state is PaymentState.SUCCEEDED
        assert count(session, PaymentEvent, PaymentEvent.to_state == "succeeded") == 1
        accepted_once(session, filing_ids)


# --- bank transfer confirmation by office staff ----------------------------------------------

@pytest.mark.parametrize("point", ["payment.recorded", "transfer.before_commit",
                                   "transfer.after_commit"])
def test_transfer_confirmation_killed_then_confirmed_again_accepts_once(world, point):
    w = world()
    filing_ids = w.made
    web = Browser(w.app.test_client())
    web.login(AGENT)
    r = web.submit("/cart/checkout", {"method": "bank_transfer", "checkout_key": uuid.uuid4().hex},
                   page="/cart")
    assert r.status_code == 302
    with w.read() as session:
        payment_id = session.scalar(select(Payment.id))
    staff, path = Visitor(), f"/office/payments/{payment_id}/confirm"
    booked = date.today().isoformat()
    with w.serve(point) as server:
        staff.at(server).log_in(STAFF, PASSWORD)
        _, token = staff.form(f"{path}?booked_on={booked}")
        form = {"csrf_token": token, "booked_on": booked}
        crashes(lambda: staff.post(path, form))
        assert server.killed(), server.output()
    with w.read() as session:
        consistent(session)
        paid = point == "transfer.after_commit"
        assert session.scalar(select(Order.state)) is (OrderState.PAID if paid
                                                       else OrderState.PENDING)
        assert count(session, AuditEntry,
                     AuditEntry.action == "payment.transfer_confirmed") == int(paid)
    with w.serve() as server:  # the staff member presses the button again
        answer = staff.at(server).post(path, form)
        assert answer.status_code == 302
    with w.read() as session:
        consistent(session)
        assert session.scalar(select(Order.state)) is OrderState.PAID
        assert count(session, PaymentEvent, PaymentEvent.to_state == "succeeded") == 1
        assert count(session, AuditEntry,
                     AuditEntry.action == "payment.transfer_confirmed") == 1
        accepted_once(session, filing_ids)


# --- delivery to the back office: the connector ----------------------------------------------

@pytest.mark.parametrize("point, received", [("deliver.before_request", 0),
                                             ("deliver.after_answer", 1),
                                             ("deliver.during_record", 1)])
def test_connector_killed_mid_delivery_then_restarted_delivers_once(world, point, received):
    with Receiver() as receiver:
        w = world(BACKOFFICE_URL=receiver.url)
        with w.read():
            seed_filings(db.session.scalar(select(User).where(User.email == AGENT)), 2, seed=5)
            db.session.commit()
        status, output = w.connector(point)
        assert status == KILLED, output
        assert len(receiver.calls) == received
        with w.read() as session:
            consistent(session)
            assert count(session, OutboxMessage, OutboxMessage.state == OutboxState.DUE) == 2
            assert count(session, DeliveryAttempt, DeliveryAttempt.outcome.is_(None)) == 1
        time.sleep(1.1)  # the dead connector's lease on its row ends
        status, output = w.connector()
        assert status == 0, output
        assert json.loads(output.strip().splitlines()[-1]) == {"delivered": 2}
    assert len(receiver.stored) == 2 and set(receiver.stores.values()) == {1}
    assert [c["key"] for c in receiver.calls].count(receiver.calls[0]["key"]) == received + 1
    with w.read() as session:
        consistent(session)
        for filing in session.scalars(select(Filing).where(
                Filing.status == FilingStatus.ACCEPTED)):
            assert filing.office_number == receiver.numbers[filing.uuid]
            assert filing.delivered_at is not None
        assert count(session, OutboxMessage, OutboxMessage.state == OutboxState.DELIVERED) == 2
        assert count(session, FilingEvent, FilingEvent.kind == "delivered") == 2
        # the try cut short stays on record, unfinished
        assert count(session, DeliveryAttempt) == 3
        assert count(session, DeliveryAttempt, DeliveryAttempt.outcome.is_(None)) == 1

