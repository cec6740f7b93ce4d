"""What office staff do with money: confirm or reject bank transfers, credit deposit accounts,
and the scheduled expiry of unpaid transfers. Every action is audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from payments.models import DepositAccount, Payment, PaymentState
from payments.providers.bank_transfer import booked_in_time, grace_ended
from payments.providers.deposit_account import move
from payments.services import confirm_payment, fail_payment, lock_payment
from portal.audit import audit
from portal.auth.models import User
from portal.extensions import db
from portal.mail import queue_mail
from portal.timeutil import utcnow


class TransferError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def pending_transfers(search: str = "") -> list[Payment]:
    from payments.models import Order

    query = (select(Payment).join(Order).join(User, User.id == Order.user_id)
             .where(Payment.provider == "bank_transfer", Payment.state == PaymentState.PENDING)
             .order_by(Payment.expires_at))
    needle = search.strip()
    if needle:
        like = f"%{needle.lower()}%"
        from sqlalchemy import func, or_

        query = query.where(or_(func.lower(Payment.provider_reference).like(like),
                                func.lower(User.email).like(like),
                                func.lower(User.full_name).like(like),
                                func.lower(func.coalesce(User.organisation, "")).like(like),
                                Payment.amount == _decimal_or_none(needle)))
    return list(db.session.scalars(query.limit(200)))


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        return None


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


def top_up(account_id: int, amount: Decimal, note: str, staff: User):
    account = db.session.scalar(select(DepositAccount).where(DepositAccount.id == account_id)
                                .with_for_update())
    if account is None:
        raise LookupError(account_id)
    before = account.balance
    movement = move(account, amount, "top_up", note=note)
    audit("deposit.top_up", user=staff, obj=account, before=str(before),
          after=str(account.balance), amount=str(amount), note=note)
    return movement
