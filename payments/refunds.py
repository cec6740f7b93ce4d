"""Refunds by office staff: of a filing withdrawn before delivery, or of an order (in part or
whole), through the payment's own provider. Each refund is a row of its own and gets a credit
note that refers to the receipt."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from payments.base import ProviderError
from payments.models import Order, OrderItem, PaymentState, Refund
from payments.registry import get_provider
from payments.services import lock_payment
from payments.states import transition
from portal.audit import audit
from portal.auth.models import User
from portal.backoffice.models import OutboxMessage, OutboxState
from portal.extensions import db
from portal.filings.models import FilingStatus, record_event
from portal.jobs.queue import enqueue


class RefundError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def refunded_so_far(payment_id: int) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                             .where(Refund.payment_id == payment_id)) or Decimal(0)


def refund(order: Order, *, reason: str, staff: User, item_id: int | None = None,
           amount: Decimal | None = None) -> Refund:
    """Give money back. With `item_id`, the filing is withdrawn (it must not have reached the
    back office); without it, `amount` (default: all that is left) comes off the order."""
    payment = lock_payment(order.payment.id)
    if payment.state not in (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED):
        raise RefundError(_l("Only a paid order can be refunded."))
    left = payment.amount - refunded_so_far(payment.id)
    item = _item(order, item_id) if item_id is not None else None
    amount = amount if amount is not None else (item.total if item else left)
    if amount <= 0 or amount > left or (item is not None and amount > item.total):
        raise RefundError(_l("The amount must be more than zero and at most what was paid "
                             "and not yet refunded."))
    if item is not None:
        _withdraw(item, staff)
    row = Refund(payment=payment, item=item, amount=amount, reason=reason, by_user_id=staff.id)
    db.session.add(row)
    db.session.flush()
    try:
        row.provider_reference = get_provider(payment.provider).refund(payment, amount,
                                                                       key=str(row.id))
    except ProviderError as exc:
        raise RefundError(exc.message) from exc
    whole = amount == left
    transition(payment, PaymentState.REFUNDED if whole else PaymentState.PARTIALLY_REFUNDED,
               "refunded", amount=str(amount), refund=row.id)
    audit("payment.refunded", user=staff, obj=payment, order=order.number, amount=str(amount),
          item=item_id, reason=reason, before=str(left), after=str(left - amount))
    refund_id = row.id
    enqueue("receipts.credit_note", refund_id=refund_id)
    return row


def _item(order: Order, item_id: int) -> OrderItem:
    item = next((i for i in order.items if i.id == item_id), None)
    if item is None:
        raise RefundError(_l("This filing is not part of the order."))
    return item


def _withdraw(item: OrderItem, staff: User) -> None:
    filing = item.filing
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.filing_id == filing.id)
                                .with_for_update())
    if filing.status is not FilingStatus.ACCEPTED or (
            message is not None and message.state is not OutboxState.DUE):
        raise RefundError(_l("%(number)s has already been delivered to the office's back "
                             "office: it can no longer be withdrawn and refunded here.",
                             number=filing.portal_number or ""))
    filing.status = FilingStatus.WITHDRAWN
    if message is not None:
        message.state = OutboxState.CANCELLED
    record_event(filing, "withdrawn", staff, refund=str(item.total))


