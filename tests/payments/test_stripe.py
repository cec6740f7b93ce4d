"""The Stripe card provider: money conversion, PaymentIntents, refunds and webhooks, against
localstripe (tests/payments/stripe_server.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from payments.base import Observed, ProviderError
from payments.models import Order, Payment
from payments.providers.stripe import StripeProvider
from payments.providers.stripe.client import (
    IntentView,
    WebhookSignatureError,
    close_client,
    create_intent,
    from_minor,
    payment_state,
    refund_intent,
    retrieve_intent,
    stripe_client,
    to_minor,
    translate_errors,
    verify_webhook,
)
from portal.extensions import db
from tests.conftest import make_user
from tests.payments.stripe_server import (
    WEBHOOK_SECRET,
    declining_card,
    pay_intent,
    register_webhook,
)

# --- money ----------------------------------------------------------------------------------

MINOR_UNITS = [
    ("1500", "KHR", 150000),  # ISO 4217 and Babel: two decimals, although no coin circulates
    ("0.01", "USD", 1),
    ("12.34", "usd", 1234),
    ("500", "JPY", 500),
    ("25000", "VND", 25000),
    ("7", "XOF", 7),
    ("1.5", "KWD", 1500),
    ("1.23", "BHD", 1230),
    ("2E+3", "EUR", 200000),
]


@pytest.mark.parametrize(("amount", "currency", "minor"), MINOR_UNITS)
def test_to_minor_follows_stripes_currency_rules(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(("amount", "currency", "minor"), MINOR_UNITS)
def test_from_minor_gives_the_amount_back(amount, currency, minor):
    back = from_minor(minor, currency)
    assert isinstance(back, Decimal) and back == Decimal(amount)


def test_from_minor_keeps_the_currencys_decimals():
    assert str(from_minor(150000, "KHR")) == "1500.00"
    assert str(from_minor(500, "JPY")) == "500"
    assert str(from_minor(1230, "KWD")) == "1.230"


@pytest.mark.parametrize(("amount", "currency"), [
    ("1.001", "USD"),
    ("1500.005", "KHR"),
    ("1.5", "JPY"),
    ("0.5", "VND"),
    ("1.2345", "KWD"),
    ("1.234", "KWD"),  # Stripe takes three-decimal currencies with a last digit of 0 only
    ("NaN", "USD"),
])
def test_to_minor_refuses_what_it_would_have_to_round(amount, currency):
    with pytest.raises(ValueError):
        to_minor(Decimal(amount), currency)


def test_to_minor_refuses_floats():
    with pytest.raises(ValueError):
        to_minor(12.34, "USD")


# --- states ---------------------------------------------------------------------------------

def view(status: str, last_error: str | None = None) -> IntentView:
    return IntentView(id="pi_x", status=status, amount=Decimal(1), currency="USD",
                      client_secret=None, last_error=last_error)


@pytest.mark.parametrize(("status", "last_error", "state"), [
    ("succeeded", None, "succeeded"),
    ("canceled", None, "cancelled"),
    ("requires_payment_method", "Your card was declined.", "failed"),
    ("requires_payment_method", None, "pending"),
    ("requires_confirmation", None, "pending"),
    ("requires_action", None, "pending"),
    ("processing", None, "pending"),
    ("requires_capture", None, "pending"),
])
def test_payment_state_maps_stripe_statuses(status, last_error, state):
    assert payment_state(view(status, last_error)) == state


# --- PaymentIntents against localstripe -----------------------------------------------------

def new_intent(amount="1500", currency="KHR", key=None, **kw):
    return create_intent(Decimal(amount), currency, idempotency_key=key or uuid.uuid4().hex,
                         description=kw.get("description", "ORD-TEST"),
                         metadata=kw.get("metadata", {"order": "ORD-TEST"}))


def test_create_and_retrieve_an_intent(stripe_app):
    created = new_intent("1500", "KHR", metadata={"order": "ORD-1", "payment": "7"},
                         description="ORD-1")
    assert created.id.startswith("pi_") and created.client_secret.startswith(created.id)
    assert (created.status, created.amount, created.currency) == (
        "requires_payment_method", Decimal("1500"), "KHR")
    assert created.last_error is None and payment_state(created) == "pending"
    assert retrieve_intent(created.id) == created

    raw = stripe_client().v1.payment_intents.retrieve(created.id)
    assert (raw.amount, raw.currency, raw.description) == (150000, "khr", "ORD-1")
    assert raw.metadata.to_dict() == {"order": "ORD-1", "payment": "7"}


def test_a_paid_intent_is_succeeded(stripe_app):
    intent = new_intent("12.50", "USD")
    pay_intent(intent.id)
    paid = retrieve_intent(intent.id)
    assert (paid.status, paid.amount, paid.currency) == ("succeeded", Decimal("12.50"), "USD")
    assert payment_state(paid) == "succeeded"


def test_the_same_idempotency_key_creates_one_intent(stripe_app):
    key = uuid.uuid4().hex
    first, again = new_intent(key=key), new_intent(key=key)
    assert again.id == first.id
    assert new_intent(key=uuid.uuid4().hex).id != first.id


def test_a_declined_card_fails_the_payment(stripe_app):
    intent = new_intent("20", "USD")
    customer, card = declining_card()
    with pytest.raises(ProviderError) as caught, translate_errors():
        pay_intent(intent.id, card, customer=customer)
    assert caught.value.code == "card_declined"
    assert str(caught.value.message) == "The card was declined: Your card was declined."

    failed = retrieve_intent(intent.id)
    assert (failed.status, failed.last_error) == ("requires_payment_method",
                                                  "Your card was declined.")
    assert payment_state(failed) == "failed"


def test_an_unknown_intent_is_a_provider_error(stripe_app):
    with pytest.raises(ProviderError) as caught:
        retrieve_intent("pi_doesnotexist")
    assert caught.value.code.startswith("stripe:")
    assert "refused the request" in str(caught.value.message)


def test_an_unreachable_stripe_is_a_provider_error(app):
    with socket_closed_port() as port:
        app.config.update(STRIPE_SECRET_KEY="sk_test_portal",
                          STRIPE_API_BASE=f"http://127.0.0.1:{port}")
        try:
            with pytest.raises(ProviderError) as caught:
                retrieve_intent("pi_x")
        finally:
            close_client(app)
    assert caught.value.code == "unreachable"
    assert "could not be reached" in str(caught.value.message)


@contextmanager
def socket_closed_port():
    """A port nobody listens on, for as long as the block runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but never listening: connections are refused
        yield sock.getsockname()[1]


def test_a_partial_then_a_full_refund(stripe_app):
    intent = new_intent("1500", "KHR")
    pay_intent(intent.id)
    first = refund_intent(intent.id, Decimal("500"), "KHR", idempotency_key=f"{intent.id}-r1")
    rest = refund_intent(intent.id, Decimal("1000.00"), "KHR",
                         idempotency_key=f"{intent.id}-r2")
    assert first.startswith("re_") and rest.startswith("re_") and first != rest
    retried = refund_intent(intent.id, Decimal("500"), "KHR", idempotency_key=f"{intent.id}-r1")
    assert retried == first

    refunds = stripe_client().v1.refunds.list(params={"payment_intent": intent.id})
    assert sorted(r.amount for r in refunds.data) == [50000, 100000]


def test_a_failed_payment_cannot_be_refunded(stripe_app):
    intent = new_intent("20", "USD")
    customer, card = declining_card()
    with pytest.raises(ProviderError), translate_errors():
        pay_intent(intent.id, card, customer=customer)
    with pytest.raises(ProviderError):
        refund_intent(intent.id, Decimal("20"), "USD", idempotency_key=uuid.uuid4().hex)


# --- webhooks -------------------------------------------------------------------------------

EVENT = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_123", "object": "payment_intent"}}}


def signed(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256)
    return f"t={at},v1={mac.hexdigest()}"


@pytest.fixture
def webhook_app(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return app


def test_a_signed_webhook_is_accepted(webhook_app):
    payload = json.dumps(EVENT).encode()
    assert verify_webhook(payload, signed(payload)) == {
        "id": "evt_1", "type": "payment_intent.succeeded", "object_id": "pi_123"}


@pytest.mark.parametrize("header", [
    None,
    "",
    "garbage",
    "t=1,v0=abc",
])
def test_a_webhook_without_a_usable_signature_is_refused(webhook_app, header):
    with pytest.raises(WebhookSignatureError):
        verify_webhook(json.dumps(EVENT).encode(), header)


def test_a_tampered_webhook_is_refused(webhook_app):
    payload = json.dumps(EVENT).encode()
    header = signed(payload)
    with pytest.raises(WebhookSignatureError):
        verify_webhook(payload.replace(b"pi_123", b"pi_999"), header)


def test_a_webhook_signed_with_another_secret_or_too_long_ago_is_refused(webhook_app):
    payload = json.dumps(EVENT).encode()
    with pytest.raises(WebhookSignatureError):
        verify_webhook(payload, signed(payload, secret="whsec_other"))
    with pytest.raises(WebhookSignatureError):  # a replay: Stripe's tolerance is 5 minutes
        verify_webhook(payload, signed(payload, at=int(time.time()) - 600))


def test_no_webhook_is_accepted_without_a_configured_secret(app):
    payload = json.dumps(EVENT).encode()
    with pytest.raises(WebhookSignatureError):
        verify_webhook(payload, signed(payload, secret=""))


class _Inbox(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.put((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_inbox():
    """A local HTTP endpoint; yields (url, queue of (body, signature header))."""
    server = HTTPServer(("127.0.0.1", 0), _Inbox)
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/stripe/webhook", server.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_localstripe_webhooks_verify(stripe_app, localstripe_url, webhook_inbox):
    url, received = webhook_inbox
    register_webhook(localstripe_url, url, events=["payment_intent.succeeded"])
    intent = new_intent("30", "USD")
    pay_intent(intent.id)
    # Earlier tests' payments are announced too (each about 1 s after it happened).
    deadline = time.monotonic() + 10
    while True:
        body, header = received.get(timeout=max(deadline - time.monotonic(), 0.1))
        event = verify_webhook(body, header)
        if event["object_id"] == intent.id:
            break
    assert event == {"id": json.loads(body)["id"], "type": "payment_intent.succeeded",
                     "object_id": intent.id}


# --- the provider ---------------------------------------------------------------------------

@pytest.fixture
def payment(stripe_app):
    user = make_user("payer@example.org")
    number = f"ORD-{uuid.uuid4().hex[:8].upper()}"
    order = Order(number=number, checkout_key=uuid.uuid4().hex, user_id=user.id,
                  method="stripe", currency="KHR", total=Decimal("1500"))
    payment = Payment(order=order, provider="stripe", amount=Decimal("1500"), currency="KHR",
                      idempotency_key=order.checkout_key)
    db.session.add_all([order, payment])
    db.session.flush()
    return payment


def test_the_provider_is_available_when_configured_for_chargeable_amounts(stripe_app, payment):
    provider, order = StripeProvider(), payment.order
    assert provider.id == "stripe" and str(provider.label) == "Card (Visa, Mastercard, …)"
    assert provider.is_available(order)
    order.currency, order.total = "KWD", Decimal("1.234")
    assert not provider.is_available(order)
    order.currency, order.total = "KHR", Decimal("1500")
    stripe_app.config["STRIPE_SECRET_KEY"] = ""
    assert not provider.is_available(order)


def test_start_creates_one_intent_per_payment(stripe_app, payment):
    stripe_app.config["STRIPE_PUBLISHABLE_KEY"] = "pk_test_portal"
    started = StripeProvider().start(payment)
    assert started.state == "pending" and started.provider_reference.startswith("pi_")
    assert started.data["publishable_key"] == "pk_test_portal"
    assert started.data["client_secret"].startswith(started.provider_reference)

    raw = stripe_client().v1.payment_intents.retrieve(started.provider_reference)
    assert (raw.amount, raw.currency, raw.description) == (150000, "khr", payment.order.number)
    assert raw.metadata.to_dict() == {"order": payment.order.number,
                                      "checkout": payment.idempotency_key}
    # A checkout posted twice starts the same payment twice: one intent.
    assert StripeProvider().start(payment).provider_reference == started.provider_reference


def test_observe_reports_what_stripe_says(stripe_app, payment):
    provider = StripeProvider()
    payment.provider_reference = provider.start(payment).provider_reference
    assert provider.observe(payment) == Observed(state="pending", amount=Decimal("1500"),
                                                 currency="KHR")
    pay_intent(payment.provider_reference)
    assert provider.observe(payment) == Observed(state="succeeded", amount=Decimal("1500"),
                                                 currency="KHR")


def test_refunds_are_idempotent_per_refund_key(stripe_app, payment):
    provider = StripeProvider()
    payment.provider_reference = provider.start(payment).provider_reference
    pay_intent(payment.provider_reference)

    first = provider.refund(payment, Decimal("500"), key="1")
    assert provider.refund(payment, Decimal("500"), key="1") == first  # a retry
    second = provider.refund(payment, Decimal("500"), key="2")  # same amount, another refund
    assert second != first
    unkeyed = provider.refund(payment, Decimal("500.00"))
    assert provider.refund(payment, Decimal("500")) == unkeyed  # key derived from the amount
    assert len({first, second, unkeyed}) == 3
