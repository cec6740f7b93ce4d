"""The payment state machine: one function moves a payment and records why."""

from __future__ import annotations

from typing import Any

from payments.models import Payment, PaymentEvent, PaymentState
from portal.extensions import db

ALLOWED: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.CREATED: frozenset({PaymentState.PENDING, PaymentState.SUCCEEDED,
                                     PaymentState.FAILED, PaymentState.CANCELLED}),
    PaymentState.PENDING: frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED,
                                     PaymentState.CANCELLED}),
    PaymentState.SUCCEEDED: frozenset({PaymentState.REFUNDED, PaymentState.PARTIALLY_REFUNDED}),
    PaymentState.PARTIALLY_REFUNDED: frozenset({PaymentState.PARTIALLY_REFUNDED,
                                                PaymentState.REFUNDED}),
    PaymentState.FAILED: frozenset(),
    PaymentState.CANCELLED: frozenset(),
    PaymentState.REFUNDED: frozenset(),
}


class InvalidTransition(Exception):
    """A payment cannot move from its state to the one asked (e.g. failed -> succeeded)."""

    def __init__(self, payment: Payment, to: PaymentState):
        super().__init__(f"payment {payment.id}: {payment.state.value} -> {to.value}")
        self.payment, self.to = payment, to


def transition(payment: Payment, to: PaymentState | str, kind: str, *,
               provider_event_id: str | None = None, **data: Any) -> bool:
    """Move `payment` to `to` and record the event. Repeating the move it already made is a
    no-op (returns False); a move the machine does not allow raises InvalidTransition.
    A partial refund may repeat (each refund is its own event)."""
    to = PaymentState(to)
    if payment.state is to and to is not PaymentState.PARTIALLY_REFUNDED:
        return False
    if to not in ALLOWED[payment.state]:
        raise InvalidTransition(payment, to)
    db.session.add(PaymentEvent(payment=payment, kind=kind, from_state=payment.state.value,
                                to_state=to.value, provider_event_id=provider_event_id,
                                data=data))
    payment.state = to
    return True
