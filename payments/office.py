"""What office staff do with money: confirm or reject bank transfers, credit deposit accounts,
and the scheduled expiry of unpaid transfers. Every action is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from payments.fees import office_zone
from payments.models import (
    DepositAccount,
    Order,
    OrderItem,
    OrderState,
    Payment,
    PaymentEvent,
    PaymentState,
    Refund,
)
from payments.providers.bank_transfer import booked_in_time, grace_ended
from payments.providers.deposit_account import move
from payments.services import confirm_payment, fail_payment, lock_payment
from portal.audit import AuditEntry, audit
from portal.auth.models import User
from portal.extensions import db
from portal.mail import queue_mail
from portal.timeutil import utcnow


class TransferError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Page:
    """One page of a listing: its rows, and whether a next page exists (no COUNT needed)."""

    rows: list[Any]
    number: int
    more: bool


def paged(query: Select, number: int, size: int, *, entities: bool = True) -> Page:
    number = max(number, 1)
    result = db.session.execute(query.offset((number - 1) * size).limit(size + 1))
    rows = list(result.scalars() if entities else result.all())
    return Page(rows[:size], number, len(rows) > size)


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants that begin `since` and end `until` (inclusive), in the office's days."""
    zone = office_zone()

    def start(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)

    return (start(since) if since else None,
            start(until + timedelta(days=1)) if until else None)


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace(" ", "").replace("\u00a0", ""))
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def _matches(needle: str, amount) -> list:
    """An order's number, its payer (email, name, organisation) or, for a number, `amount`."""
    like = f"%{needle.lower()}%"
    found = [func.lower(Order.number).like(like), func.lower(User.email).like(like),
             func.lower(User.full_name).like(like),
             func.lower(func.coalesce(User.organisation, "")).like(like)]
    value = _decimal_or_none(needle)
    if value is not None:
        found.append(amount == value)
    return found


def transfers_query(search: str = "", *, purpose: str | None = None) -> Select:
    """Bank transfers awaiting confirmation, the first to expire first, with order and payer."""
    query = (select(Payment).join(Payment.order).join(User, User.id == Order.user_id)
             .options(contains_eager(Payment.order).contains_eager(Order.user),
                      contains_eager(Payment.order).selectinload(Order.items))
             .where(Payment.provider == "bank_transfer", Payment.state == PaymentState.PENDING)
             .order_by(Payment.expires_at, Payment.id))
    if purpose:
        query = query.where(Order.purpose == purpose)
    needle = search.strip()
    if needle:
        like = f"%{needle.lower()}%"
        query = query.where(or_(func.lower(Payment.provider_reference).like(like),
                                *_matches(needle, Payment.amount)))
    return query


def pending_transfers(search: str = "") -> list[Payment]:
    return list(db.session.scalars(transfers_query(search).limit(200)))


def transfer(payment_id: int) -> Payment | None:
    """A bank transfer with its order and payer, for the pages that confirm or reject it."""
    return db.session.scalar(
        select(Payment).join(Payment.order).join(User, User.id == Order.user_id)
        .options(contains_eager(Payment.order).contains_eager(Order.user))
        .where(Payment.id == payment_id, Payment.provider == "bank_transfer"))


def _transfer(payment_id: int) -> Payment:
    payment = lock_payment(payment_id)
    if payment is None or payment.provider != "bank_transfer":
        raise LookupError(payment_id)
    return payment


def confirm_transfer(payment_id: int, booked_on: date, staff: User) -> bool:
    """The transfer arrived: accept the order. Confirming it again changes nothing."""
    payment = _transfer(payment_id)
    if payment.state is PaymentState.SUCCEEDED:
        return False
    if payment.state is not PaymentState.PENDING:
        raise TransferError(_l("This payment is no longer awaiting a transfer."))
    if not booked_in_time(payment, booked_on):
        raise TransferError(_l("The transfer was booked after the payment period ended. "
                               "Reject it and pay the money back."))
    confirm_payment(payment, kind="transfer_confirmed", booked_on=booked_on.isoformat(),
                    by=staff.email)
    audit("payment.transfer_confirmed", user=staff, obj=payment, before="pending",
          after="succeeded", booked_on=booked_on.isoformat(), order=payment.order.number)
    return True


def reject_transfer(payment_id: int, reason: str, staff: User) -> bool:
    payment = _transfer(payment_id)
    if not fail_payment(payment, PaymentState.FAILED, kind="transfer_rejected", reason=reason,
                        by=staff.email):
        return False
    order, user = payment.order, payment.order.user
    audit("payment.transfer_rejected", user=staff, obj=payment, before="pending",
          after="failed", reason=reason, order=order.number)
    queue_mail(db.session, user.email, _l("Your transfer for order %(order)s was not accepted",
                                          order=order.number),
               "transfer_rejected", user.locale, user=user, order=order, reason=reason)
    return True


def expire_transfers(now=None) -> int:
    """Cancel the transfers whose payment period and grace period have both passed."""
    now = now or utcnow()
    count = 0
    for payment in db.session.scalars(select(Payment).where(
            Payment.provider == "bank_transfer", Payment.state == PaymentState.PENDING)):
        if grace_ended(payment, now) and fail_payment(payment, PaymentState.CANCELLED,
                                                      kind="expired"):
            count += 1
    return count


def remind_transfers(now=None) -> int:
    """Remind payers whose transfer period ends within BANK_TRANSFER_REMIND_DAYS (once)."""
    now = now or utcnow()
    soon = now + timedelta(days=current_app.config["BANK_TRANSFER_REMIND_DAYS"])
    count = 0
    for payment in db.session.scalars(select(Payment).where(
            Payment.provider == "bank_transfer", Payment.state == PaymentState.PENDING,
            Payment.reminded_at.is_(None), Payment.expires_at <= soon)):
        order, user = payment.order, payment.order.user
        queue_mail(db.session, user.email, _l("Reminder: order %(order)s is not paid yet",
                                              order=order.number),
                   "transfer_reminder", user.locale, user=user, order=order, payment=payment)
        payment.reminded_at = now
        count += 1
    return count


def lock_account(account_id: int) -> DepositAccount:
    """The deposit account under a row lock, its balance re-read: the one committed now."""
    account = db.session.scalar(select(DepositAccount).where(DepositAccount.id == account_id)
                                .with_for_update().execution_options(populate_existing=True))
    if account is None:
        raise LookupError(account_id)
    return account


def done_before(action: str, account: DepositAccount, key: str | None) -> bool:
    """Whether the form with this one-time `key` was already carried out (a second click).

    The key is kept in the action's audit row, written in the same transaction as the
    movement; the caller holds the account's row lock, so the first click has committed."""
    if not key:
        return False
    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == action, AuditEntry.object_type == "DepositAccount",
        AuditEntry.object_id == str(account.id),
        AuditEntry.details["key"].as_string() == key).limit(1)) is not None


def top_up(account_id: int, amount: Decimal, note: str, staff: User, key: str | None = None):
    """Credit money received for a deposit account; None when `key` was already used."""
    account = lock_account(account_id)
    if done_before("deposit.top_up", account, key):
        return None
    before = account.balance
    movement = move(account, amount, "top_up", note=note)
    audit("deposit.top_up", user=staff, obj=account, before=str(before),
          after=str(account.balance), amount=str(amount), note=note, key=key)
    return movement


# --- listings of the console's payment pages ----------------------------------------------------

def orders_query(search: str = "", state: OrderState | None = None) -> Select:
    query = (select(Order).join(User, User.id == Order.user_id)
             .options(contains_eager(Order.user)).order_by(Order.id.desc()))
    if search.strip():
        query = query.where(or_(*_matches(search.strip(), Order.total)))
    if state is not None:
        query = query.where(Order.state == state)
    return query


def order_counts(search: str = "") -> dict[str, int]:
    """Orders by state, among those the search finds."""
    query = select(Order.state, func.count(Order.id)).group_by(Order.state)
    if search.strip():
        query = (query.join(User, User.id == Order.user_id)
                 .where(or_(*_matches(search.strip(), Order.total))))
    return {str(state): n for state, n in db.session.execute(query)}


OPEN = (PaymentState.CREATED, PaymentState.PENDING)


def mismatches_query(*, open_only: bool = True) -> Select:
    """Payments whose provider reported another amount or currency, with the latest report.

    Open while the payment still waits: confirmed, failed or refunded since, it is settled."""
    latest = (select(PaymentEvent.payment_id, func.max(PaymentEvent.id).label("event_id"))
              .where(PaymentEvent.kind == "amount_mismatch")
              .group_by(PaymentEvent.payment_id).subquery())
    query = (select(Payment, PaymentEvent)
             .join(latest, latest.c.payment_id == Payment.id)
             .join(PaymentEvent, PaymentEvent.id == latest.c.event_id)
             .join(Payment.order).join(User, User.id == Order.user_id)
             .options(contains_eager(Payment.order).contains_eager(Order.user))
             .order_by(PaymentEvent.id.desc()))
    return query.where(Payment.state.in_(OPEN)) if open_only else query


def open_mismatches() -> int:
    return db.session.scalar(
        select(func.count(func.distinct(PaymentEvent.payment_id))).join(PaymentEvent.payment)
        .where(PaymentEvent.kind == "amount_mismatch", Payment.state.in_(OPEN))) or 0


def refunds_query(since: date | None = None, until: date | None = None,
                  search: str = "") -> Select:
    """Refunds, newest first, with their order, filing, staff member and credit note."""
    from portal.filings.models import Filing
    from portal.receipts.models import Receipt

    staff = aliased(User)
    query = (select(Refund.id, Refund.created_at, Refund.amount, Refund.reason,
                    Payment.currency, Order.id.label("order_id"),
                    Order.number.label("order_number"), Filing.portal_number,
                    staff.full_name.label("staff_name"), staff.email.label("staff_email"),
                    Receipt.id.label("note_id"), Receipt.number.label("note_number"))
             .join(Payment, Payment.id == Refund.payment_id)
             .join(Order, Order.id == Payment.order_id)
             .outerjoin(OrderItem, OrderItem.id == Refund.order_item_id)
             .outerjoin(Filing, Filing.id == OrderItem.filing_id)
             .outerjoin(staff, staff.id == Refund.by_user_id)
             .outerjoin(Receipt, and_(Receipt.refund_id == Refund.id,
                                      Receipt.kind == "credit_note"))
             .order_by(Refund.id.desc()))
    start, end = day_bounds(since, until)
    if start is not None:
        query = query.where(Refund.created_at >= start)
    if end is not None:
        query = query.where(Refund.created_at < end)
    if search.strip():
        query = query.where(func.lower(Order.number).like(f"%{search.strip().lower()}%"))
    return query
