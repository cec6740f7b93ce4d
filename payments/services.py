"""Checkout and payment confirmation: where money and filings change together.

Every function here changes rows and flushes; the request (or command) commits once. Checkout
locks the payer, re-checks every item with the rules of "check before filing", freezes the fee
lines on the order, and hands the payment to its provider. Confirming a payment accepts every
filing of the order: portal number, acceptance time, events and an outbox row each, in the
same transaction. Doing any of it twice has the effect of once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payments.base import Observed, ProviderError
from payments.cart import CartError, lock_payer, ready_items
from payments.fees import calculate_fees, office_today
from payments.models import (
    CartItem,
    Order,
    OrderFee,
    OrderItem,
    OrderState,
    Payment,
    PaymentState,
)
from payments.numbering import formatted, next_number
from payments.registry import get_provider
from payments.states import transition
from portal.auth.models import Role, User
from portal.backoffice.models import OutboxMessage
from portal.extensions import db
from portal.filings.models import KIND_CODES, Filing, FilingStatus, record_event
from portal.jobs.queue import enqueue, kick_connector
from portal.timeutil import utcnow


class AmountMismatch(Exception):
    """The provider reports another amount or currency than the order's: recorded, not paid."""


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool  # False when the same checkout had already been done


def find_order(user: User, checkout_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key,
                                                 Order.user_id == user.id))


def checkout(user: User, checkout_key: str, method: str, locale: str = "en") -> CheckoutResult:
    """Turn the user's cart into one order and one payment (idempotent on `checkout_key`)."""
    lock_payer(user)  # two tabs of one user check out one after the other
    existing = find_order(user, checkout_key)
    if existing is not None:
        return CheckoutResult(existing, False)
    try:
        with db.session.begin_nested():
            order = _build_order(user, checkout_key, method, locale)
            if order.total == 0:  # nothing is due: no provider is asked for nothing
                order.method = "no_charge"
            provider = get_provider(order.method)
            if not provider.is_available(order):
                raise CartError(_l("This way of paying is not available for this order."))
            _start_payment(order, provider)
    except IntegrityError:  # the same key committed by a concurrent request meanwhile
        db.session.rollback()
        existing = find_order(user, checkout_key)
        if existing is None:
            raise
        return CheckoutResult(existing, False)
    return CheckoutResult(order, True)


def _build_order(user: User, checkout_key: str, method: str, locale: str) -> Order:
    items = ready_items(user)
    quotes = [(filing, calculate_fees(filing)) for filing in items]
    currencies = {quote.currency for _, quote in quotes}
    if len(currencies) != 1:
        raise CartError(_l("The fees of these filings are in different currencies: pay them "
                           "in separate orders."))
    year = office_today().year
    order = Order(number=formatted("ORD", year), checkout_key=checkout_key, user_id=user.id,
                  firm_id=user.firm_id if user.role is Role.AGENT else None, method=method,
                  currency=currencies.pop(), locale=locale,
                  total=sum((q.total for _, q in quotes), Decimal(0)))
    db.session.add(order)
    now = utcnow()
    for position, (filing, quote) in enumerate(quotes, 1):
        item = OrderItem(filing=filing, position=position, total=quote.total)
        order.items.append(item)
        item.fees = [OrderFee(code=line.code, label=line.label, quantity=line.quantity,
                              unit_amount=line.unit_amount, amount=line.amount)
                     for line in quote.lines]
        filing.status, filing.submitted_at = FilingStatus.SUBMITTED, now
        record_event(filing, "submitted", user, order=order.number, total=str(quote.total))
    db.session.execute(CartItem.__table__.delete().where(
        CartItem.filing_id.in_([f.id for f in items])))
    return order


def _start_payment(order: Order, provider) -> Payment:
    payment = Payment(provider=provider.id, amount=order.total, currency=order.currency,
                      idempotency_key=order.checkout_key)
    order.payments.append(payment)
    db.session.add(payment)
    db.session.flush()
    try:
        started = provider.start(payment)
    except ProviderError as exc:
        raise CartError(exc.message) from exc
    payment.provider_reference = started.provider_reference
    payment.data = dict(started.data)
    payment.expires_at = started.data.get("expires_at_dt")
    payment.data.pop("expires_at_dt", None)
    if started.state == PaymentState.SUCCEEDED:
        transition(payment, PaymentState.PENDING, "started")
        confirm_payment(payment, kind="paid")
    elif started.state == PaymentState.FAILED:
        raise CartError(_l("The payment was refused. Nothing was charged; choose another way "
                           "of paying."))
    else:
        transition(payment, PaymentState.PENDING, "started")
    return payment


def lock_payment(payment_id: int) -> Payment | None:
    """The payment, re-read under a row lock: its state is the one committed now."""
    return db.session.scalar(select(Payment).where(Payment.id == payment_id)
                             .with_for_update().execution_options(populate_existing=True))


def confirm_payment(payment: Payment, *, kind: str, observed: Observed | None = None,
                    provider_event_id: str | None = None, **data) -> bool:
    """Mark the payment paid and accept its order's filings. False when it already was."""
    payment = lock_payment(payment.id)
    if payment.state is PaymentState.SUCCEEDED:
        return False
    if observed is not None and (observed.amount != payment.amount
                                 or (observed.currency or "").upper() != payment.currency):
        from payments.models import PaymentEvent

        db.session.add(PaymentEvent(payment=payment, kind="amount_mismatch",
                                    provider_event_id=provider_event_id,
                                    data={"expected": str(payment.amount),
                                          "currency": payment.currency,
                                          "observed": str(observed.amount),
                                          "observed_currency": observed.currency}))
        raise AmountMismatch(payment.id)
    transition(payment, PaymentState.SUCCEEDED, kind, provider_event_id=provider_event_id,
               **data)
    _mark_paid(payment.order)
    return True


def _mark_paid(order: Order) -> None:
    now = utcnow()
    order.state, order.paid_at = OrderState.PAID, now
    if order.purpose == "top_up":
        _credit_top_up(order)
    for item in order.items:
        accept_filing(item.filing, order, now)
    enqueue("receipts.issue", order_id=order.id)
    kick_connector()


def accept_filing(filing: Filing, order: Order, now) -> None:
    """Paid in full: the portal number and the filing time are fixed, and a delivery to the
    back office is owed."""
    if filing.status is FilingStatus.ACCEPTED:
        return
    year = office_today().year
    code = "RQ" if filing.is_request else KIND_CODES[filing.kind.value]
    filing.portal_number = formatted(f"EF-{code}", year)
    filing.accepted_seq = next_number("accepted")
    filing.status, filing.accepted_at = FilingStatus.ACCEPTED, now
    record_event(filing, "paid", None, order=order.number)
    record_event(filing, "accepted", None, portal_number=filing.portal_number)
    filing.refresh_search_text()
    db.session.add(OutboxMessage(filing=filing, topic="filing.accepted"))
    from portal.tracking.services import filing_accepted

    filing_accepted(filing)


def fail_payment(payment: Payment, to: PaymentState, *, kind: str,
                 provider_event_id: str | None = None, **data) -> bool:
    """The payment failed, was cancelled or expired: cancel the order, items back to drafts."""
    payment = lock_payment(payment.id)
    if not transition(payment, to, kind, provider_event_id=provider_event_id, **data):
        return False
    order = payment.order
    if order.state is OrderState.PENDING:
        order.state, order.cancelled_at = OrderState.CANCELLED, utcnow()
        for item in order.items:
            if item.filing.status is FilingStatus.SUBMITTED:
                item.filing.status = FilingStatus.DRAFT
                record_event(item.filing, "returned_to_draft", None, order=order.number,
                             reason=to.value)
    return True


def settle_from_provider(payment: Payment, *, kind: str,
                         provider_event_id: str | None = None) -> str:
    """Ask the provider what became of `payment` and act on it (return page, webhook).

    The provider's answer, not the caller's, decides; the same answer twice acts once.
    """
    from payments.models import PaymentEvent

    if provider_event_id and db.session.scalar(select(PaymentEvent.id).where(
            PaymentEvent.provider_event_id == provider_event_id)):
        return "duplicate"
    observed = get_provider(payment.provider).observe(payment)
    if observed.state == PaymentState.SUCCEEDED:
        try:
            done = confirm_payment(payment, kind=kind, observed=observed,
                                   provider_event_id=provider_event_id)
        except AmountMismatch:
            return "mismatch"
        return "confirmed" if done else "unchanged"
    if observed.state in (PaymentState.FAILED, PaymentState.CANCELLED):
        return "failed" if fail_payment(payment, PaymentState(observed.state), kind=kind,
                                         provider_event_id=provider_event_id) else "unchanged"
    return "pending"


def start_top_up(user: User, amount: Decimal, method: str, checkout_key: str,
                 locale: str = "en") -> CheckoutResult:
    """An order whose payment goes into the payer's deposit account (by card)."""
    from payments.providers.deposit_account import account_of

    lock_payer(user)
    existing = find_order(user, checkout_key)
    if existing is not None:
        return CheckoutResult(existing, False)
    account = account_of(user)
    if account is None:
        raise CartError(_l("You have no deposit account with the office."))
    if method == "deposit_account":
        raise CartError(_l("Choose another way of paying."))
    order = Order(number=formatted("ORD", office_today().year), checkout_key=checkout_key,
                  user_id=user.id, firm_id=user.firm_id if user.role is Role.AGENT else None,
                  method=method, purpose="top_up", currency=account.currency, total=amount,
                  locale=locale)
    db.session.add(order)
    with db.session.begin_nested():
        _start_payment(order, get_provider(method))
    return CheckoutResult(order, True)


def _credit_top_up(order: Order) -> None:
    from payments.providers.deposit_account import account_of, move

    account = account_of(order.user, lock=True)
    move(account, order.total, "top_up", order_id=order.id, note=order.number)
