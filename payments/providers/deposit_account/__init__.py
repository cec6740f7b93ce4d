"""Deposit account: a prepaid balance with the office, debited at once under a row lock."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from payments.base import Observed, PaymentProvider, ProviderError, Started
from payments.models import DepositAccount, DepositMovement
from portal.auth.models import Role, User
from portal.extensions import db


def account_of(user: User, *, lock: bool = False) -> DepositAccount | None:
    """The firm's account for an agent, the user's own for an applicant."""
    if user.role is Role.AGENT and user.firm_id is not None:
        query = select(DepositAccount).where(DepositAccount.firm_id == user.firm_id)
    else:
        query = select(DepositAccount).where(DepositAccount.user_id == user.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def open_account(user: User, currency: str) -> DepositAccount:
    account = account_of(user)
    if account is None:
        firm = user.firm_id if user.role is Role.AGENT else None
        account = DepositAccount(firm_id=firm, user_id=None if firm else user.id,
                                 currency=currency, balance=Decimal(0))
        db.session.add(account)
        db.session.flush()
    return account


def move(account: DepositAccount, amount: Decimal, kind: str, *, order_id=None,
         payment_id=None, note=None) -> DepositMovement:
    """Change the balance by `amount` (negative for a debit); the caller holds the row lock."""
    account.balance = account.balance + amount
    if account.balance < 0:
        raise ProviderError(_l("The balance of the deposit account is too low."),
                            code="insufficient_balance")
    movement = DepositMovement(account=account, kind=kind, amount=amount,
                               balance_after=account.balance, order_id=order_id,
                               payment_id=payment_id, note=note)
    db.session.add(movement)
    db.session.flush()
    return movement


class DepositAccountProvider(PaymentProvider):
    id = "deposit_account"
    label = _l("Deposit account")

    def is_available(self, order) -> bool:
        account = account_of(order.user)
        return account is not None and account.currency == order.currency

    def unavailable_reason(self, order) -> str | None:
        account = account_of(order.user)
        if account is None:
            return str(_l("You have no deposit account with the office."))
        if account.currency != order.currency:
            return str(_l("Your deposit account is kept in another currency."))
        if account.balance < order.total:
            return str(_l("The balance of your deposit account (%(balance)s) does not cover "
                          "this order (%(total)s).",
                          balance=format_currency(account.balance, account.currency),
                          total=format_currency(order.total, order.currency)))
        return None

    def start(self, payment) -> Started:
        account = account_of(payment.order.user, lock=True)
        if account is None or account.balance < payment.amount:
            raise ProviderError(self.unavailable_reason(payment.order)
                                or _l("The balance of the deposit account is too low."),
                                code="insufficient_balance")
        movement = move(account, -payment.amount, "debit", order_id=payment.order_id,
                        payment_id=payment.id, note=payment.order.number)
        return Started(state="succeeded", provider_reference=f"DEP-{movement.id}")

    def observe(self, payment) -> Observed:
        return Observed(state=payment.state.value, amount=payment.amount,
                        currency=payment.currency)

    def refund(self, payment, amount: Decimal, *, key: str | None = None) -> str:
        account = account_of(payment.order.user, lock=True)
        movement = move(account, amount, "refund", order_id=payment.order_id,
                        note=payment.order.number)
        return f"DEP-{movement.id}"
