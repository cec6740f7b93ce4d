"""Thin, database-free functions around Stripe's API: PaymentIntents, refunds and webhooks.

Amounts cross this boundary as Decimal in the currency's major unit; Stripe's integer minor
units never leave this module. Every Stripe error becomes a payments.base.ProviderError whose
message is translated for the payer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from payments.base import ProviderError

EXTENSION = "portal_stripe"
# Connect, read: a checkout waits on this call, so fail fast and let the payer retry.
TIMEOUT = (5, 30)
# Stripe's library retries connection errors and 409/5xx answers, re-sending the same
# idempotency key, so a retry never creates a second intent or refund.
MAX_NETWORK_RETRIES = 2

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())

UNREACHABLE = _l("The card payment service could not be reached. Try again in a moment, "
                 "or choose another way of paying.")
REFUSED = _l("The card payment service refused the request. Try again later, or choose "
             "another way of paying.")


class WebhookSignatureError(Exception):
    """The webhook is not signed with our secret (or no secret is configured)."""


@dataclass(frozen=True)
class IntentView:
    """What the portal needs to know of a PaymentIntent."""

    id: str
    status: str  # Stripe's status string
    amount: Decimal
    currency: str  # upper-case ISO 4217
    client_secret: str | None
    last_error: str | None


# --- client ---------------------------------------------------------------------------------

def stripe_client() -> stripe.StripeClient:
    """The app's StripeClient, built once per app from its configuration."""
    cached = current_app.extensions.get(EXTENSION)
    if cached is None:
        cached = current_app.extensions[EXTENSION] = _build_client(current_app.config)
    return cached[0]


def _build_client(config) -> tuple[stripe.StripeClient, stripe.HTTPClient]:
    # Our own HTTP client, kept next to the StripeClient, so that it can be closed.
    http = stripe.RequestsClient(timeout=TIMEOUT)
    base = config.get("STRIPE_API_BASE")
    client = stripe.StripeClient(config["STRIPE_SECRET_KEY"],
                                 base_addresses={"api": base} if base else None,
                                 max_network_retries=MAX_NETWORK_RETRIES, http_client=http)
    return client, http


def close_client(app: Flask) -> None:
    """Close the app's pooled connections (tests, or a worker shutting down)."""
    cached = app.extensions.pop(EXTENSION, None)
    if cached is not None:
        cached[1].close()


# --- money ----------------------------------------------------------------------------------

def _exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def to_minor(amount: Decimal, currency: str) -> int:
    """`amount` in Stripe's integer unit; ValueError rather than rounding a single unit."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"not a Decimal amount: {amount!r}")
    exponent = _exponent(currency)
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more than {exponent} decimals")
    # Stripe takes three-decimal amounts only with a last digit of 0 (docs.stripe.com/currencies).
    if exponent == 3 and minor % 10:
        raise ValueError(f"{amount} {currency}: Stripe charges this currency to 0.01 only")
    return int(minor)


def from_minor(value: int, currency: str) -> Decimal:
    return Decimal(int(value)).scaleb(-_exponent(currency))


# --- errors ---------------------------------------------------------------------------------

@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn Stripe's exceptions into ProviderError; the original stays as __cause__."""
    try:
        yield
    except stripe.CardError as exc:
        reason = exc.user_message or exc.code or "card_declined"
        raise ProviderError(_l("The card was declined: %(reason)s", reason=reason),
                            code="card_declined") from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        # Not reached, too busy, or failing itself (5xx): worth trying again later.
        raise ProviderError(UNREACHABLE, code="unreachable") from exc
    except stripe.StripeError as exc:  # our request was wrong (key, parameters, idempotency)
        code = getattr(exc, "code", None) or type(exc).__name__
        raise ProviderError(REFUSED, code=f"stripe:{code}") from exc


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with translate_errors():
        return fn(*args, **kwargs)


def _field(obj: Any, name: str) -> Any:
    # stripe 16 objects are not dicts: no .get(), and a missing attribute raises.
    return obj[name] if obj is not None and name in obj else None


# --- PaymentIntents -------------------------------------------------------------------------

def view_of(intent: Any) -> IntentView:
    error = _field(intent, "last_payment_error")
    return IntentView(id=intent["id"], status=intent["status"],
                      amount=from_minor(intent["amount"], intent["currency"]),
                      currency=intent["currency"].upper(),
                      client_secret=_field(intent, "client_secret"),
                      last_error=_field(error, "message") or _field(error, "code"))


def create_intent(amount: Decimal, currency: str, *, idempotency_key: str, description: str,
                  metadata: dict[str, str]) -> IntentView:
    """A card PaymentIntent; the same idempotency key gives back the same intent (24 h)."""
    params = {"amount": to_minor(amount, currency), "currency": currency.lower(),
              "payment_method_types": ["card"], "description": description,
              "metadata": dict(metadata)}
    intent = _call(stripe_client().v1.payment_intents.create, params=params,
                   options={"idempotency_key": idempotency_key})
    return view_of(intent)


def retrieve_intent(intent_id: str) -> IntentView:
    return view_of(_call(stripe_client().v1.payment_intents.retrieve, intent_id))


def refund_intent(intent_id: str, amount: Decimal, currency: str, *,
                  idempotency_key: str) -> str:
    """Refund `amount` (all or part) of a succeeded intent; returns the refund's id."""
    params = {"payment_intent": intent_id, "amount": to_minor(amount, currency)}
    refund = _call(stripe_client().v1.refunds.create, params=params,
                   options={"idempotency_key": idempotency_key})
    return refund["id"]


def payment_state(view: IntentView) -> str:
    """The PaymentState value for an intent's Stripe status."""
    if view.status == "succeeded":
        return "succeeded"
    if view.status == "canceled":
        return "cancelled"
    # After a decline Stripe returns the intent to requires_payment_method with the error;
    # without one the payer simply has not entered a card yet.
    if view.status == "requires_payment_method" and view.last_error:
        return "failed"
    return "pending"


# --- webhooks -------------------------------------------------------------------------------

def verify_webhook(payload: bytes, signature_header: str | None) -> dict[str, str | None]:
    """The id, type and object id of a webhook event signed with STRIPE_WEBHOOK_SECRET.

    Only a trigger: the caller asks Stripe for the object's state, never trusts the body."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError: not JSON
        raise WebhookSignatureError(str(exc)) from exc
    obj = _field(_field(event, "data"), "object")
    return {"id": event["id"], "type": event["type"], "object_id": _field(obj, "id")}
