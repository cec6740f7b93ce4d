"""The payment provider interface. Every way of paying (card through Stripe, bank transfer,
deposit account) is one class with these methods, registered in payments.registry.

Providers never change an order or a filing themselves: they talk to the outside world and
report what they learned. Only payments.services moves payments through their states
(`transition`) and confirms orders (`confirm_payment`), so that a repeated callback, a retried
webhook or a double click has the effect of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from payments.models import Order, Payment


class ProviderError(Exception):
    """The provider refused or could not be reached; `message` is translated for the user."""

    def __init__(self, message, *, code: str = "provider_error"):
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Started:
    """What `start` tells the checkout: the state the payment is now in and what to show.

    `state` is a PaymentState value: "pending" (wait for the provider or the office),
    "succeeded" (paid at once, e.g. from a deposit account) or "failed".
    `provider_reference` is the provider's id for the payment (a PaymentIntent id, a transfer
    reference). `data` is kept on the payment and shown on the order page (bank details, the
    client secret Stripe.js needs).
    """

    state: str
    provider_reference: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Observed:
    """What the provider says a payment's state is, when asked (never from the browser)."""

    state: str  # a PaymentState value
    amount: Decimal | None = None
    currency: str | None = None
    provider_event_id: str | None = None


class PaymentProvider:
    """One way of paying. Subclasses set `id` and `label` and implement the methods."""

    id: ClassVar[str] = ""
    label: ClassVar[Any] = ""  # a lazy translated string

    def is_available(self, order: Order) -> bool:
        """Whether the checkout may offer this method for `order` (currency, configuration,
        the payer's deposit account). Called while rendering the cart; must not write."""
        return True

    def unavailable_reason(self, order: Order) -> str | None:
        """Why the method cannot pay `order` (e.g. the balance is too low), for the cart page;
        None when it can. Called while rendering; must not write."""
        return None

    def start(self, payment: Payment) -> Started:
        """Called once, inside the checkout transaction, after the order and its payment rows
        exist. May call the provider's API (with the payment's idempotency key, so that a
        retried checkout does not charge twice) and may write rows of its own (a deposit
        debit). Must not commit, and must not confirm the order itself: when it returns
        state "succeeded" the checkout calls confirm_payment."""
        raise NotImplementedError

    def observe(self, payment: Payment) -> Observed:
        """Ask the provider for the payment's true state (called on the return page and on a
        webhook, which are only triggers). Must not write."""
        raise NotImplementedError

    def refund(self, payment: Payment, amount: Decimal) -> str:
        """Give `amount` back through the provider; returns the provider's refund reference.
        Called inside the refund transaction; must not change the payment's state."""
        raise NotImplementedError
