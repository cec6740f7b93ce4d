"""The "stripe" provider: a PaymentIntent per payment, confirmed by Stripe.js in the browser."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l

from payments.base import Observed, PaymentProvider, Started
from payments.providers.stripe.client import (
    create_intent,
    payment_state,
    refund_intent,
    retrieve_intent,
    to_minor,
)

if TYPE_CHECKING:
    from payments.models import Order, Payment


class StripeProvider(PaymentProvider):
    id = "stripe"
    label = _l("Card (Visa, Mastercard, …)")

    def is_available(self, order: Order) -> bool:
        if not current_app.config.get("STRIPE_SECRET_KEY"):
            return False
        try:  # e.g. 1.234 KWD: Stripe charges three-decimal currencies to 0.01 only
            to_minor(order.total, order.currency)
        except ValueError:
            return False
        return True

    def start(self, payment: Payment) -> Started:
        # The payment's idempotency key is the checkout's: a checkout posted twice reaches
        # Stripe twice but creates one intent. Stripe refuses a key reused with other
        # parameters, so they hold nothing a retry after a rollback would change (a database
        # id: PostgreSQL's sequences do not give numbers back).
        number = payment.order.number
        intent = create_intent(payment.amount, payment.currency,
                               idempotency_key=payment.idempotency_key, description=number,
                               metadata={"order": number, "checkout": payment.idempotency_key})
        return Started(state="pending", provider_reference=intent.id,
                       data={"client_secret": intent.client_secret,
                             "publishable_key": current_app.config.get(
                                 "STRIPE_PUBLISHABLE_KEY", "")})

    def observe(self, payment: Payment) -> Observed:
        view = retrieve_intent(payment.provider_reference)
        return Observed(state=payment_state(view), amount=view.amount, currency=view.currency)

    def refund(self, payment: Payment, amount: Decimal, *, key: str | None = None) -> str:
        """Refund `amount`. Pass `key` (e.g. the refund row's id) so that retrying that refund
        is idempotent while two equal partial refunds stay two refunds; without it the key is
        derived from the amount, so a second refund of the same amount within Stripe's 24-hour
        idempotency window would be answered with the first one."""
        suffix = key if key is not None else str(to_minor(amount, payment.currency))
        return refund_intent(payment.provider_reference, amount, payment.currency,
                             idempotency_key=f"{payment.idempotency_key}-refund-{suffix}")
