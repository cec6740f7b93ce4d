"""Deposit accounts as the office sees them: the accounts with their holders, an account's
statement, and manual adjustments (a credit or a debit with a reason), which may never take
the balance below zero. An adjustment locks the account row, moves the money, and is audited
with the balance before and after, in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from payments.fees import minor_unit
from payments.models import DepositAccount, DepositMovement, Order
from payments.office import day_bounds, done_before, lock_account
from payments.providers.deposit_account import move
from portal.audit import audit
from portal.auth.models import Firm, User
from portal.extensions import db

Direction = Literal["credit", "debit"]
ACCOUNT_NUMBER = re.compile(r"^(?:DA-?)?0*(\d{1,9})$", re.IGNORECASE)


class AdjustmentError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Preview:
    """What an adjustment will do, for the confirmation step."""

    signed: Decimal
    before: Decimal
    after: Decimal


def account_number(account_id: int) -> str:
    return f"DA-{account_id:06d}"


def accounts_query(search: str = "") -> Select:
    """Deposit accounts with their holder (a firm, or an applicant) in one query."""
    query = (select(DepositAccount, Firm.name.label("firm_name"),
                    User.full_name.label("user_name"), User.email.label("user_email"))
             .outerjoin(Firm, Firm.id == DepositAccount.firm_id)
             .outerjoin(User, User.id == DepositAccount.user_id)
             .order_by(DepositAccount.id))
    needle = search.strip()
    if needle:
        like = f"%{needle.lower()}%"
        found = [func.lower(func.coalesce(Firm.name, "")).like(like),
                 func.lower(func.coalesce(User.full_name, "")).like(like),
                 func.lower(func.coalesce(User.email, "")).like(like)]
        number = ACCOUNT_NUMBER.match(needle)
        if number:
            found.append(DepositAccount.id == int(number.group(1)))
        query = query.where(or_(*found))
    return query


def account_with_holder(account_id: int):
    """(account, firm_name, user_name, user_email) or None."""
    return db.session.execute(accounts_query().where(DepositAccount.id == account_id)).first()


def statement_query(account_id: int, since: date | None = None,
                    until: date | None = None) -> Select:
    """The account's movements, newest first, each with the balance it left and its order."""
    query = (select(DepositMovement, Order.number.label("order_number"))
             .outerjoin(Order, Order.id == DepositMovement.order_id)
             .where(DepositMovement.account_id == account_id)
             .order_by(DepositMovement.id.desc()))
    start, end = day_bounds(since, until)
    if start is not None:
        query = query.where(DepositMovement.at >= start)
    if end is not None:
        query = query.where(DepositMovement.at < end)
    return query


def preview_adjustment(account: DepositAccount, direction: Direction,
                       amount: Decimal) -> Preview:
    """Check an adjustment against the account as it is now; raise AdjustmentError if not."""
    unit = minor_unit(account.currency)
    if amount <= 0 or amount != amount.quantize(unit):
        raise AdjustmentError(_l("Enter an amount greater than zero, in %(currency)s with at "
                                 "most %(places)d decimals.", currency=account.currency,
                                 places=max(-unit.as_tuple().exponent, 0)))
    signed = amount if direction == "credit" else -amount
    after = account.balance + signed
    if after < 0:
        raise AdjustmentError(_l("This debit would take the balance below zero: the account "
                                 "holds %(balance)s. Nothing was changed.",
                                 balance=format_currency(account.balance, account.currency)))
    return Preview(signed, account.balance, after)


def adjust_balance(account_id: int, *, direction: Direction, amount: Decimal, reason: str,
                   staff: User, key: str | None = None) -> DepositMovement | None:
    """Credit or debit the account by hand. None when the form with `key` was already done."""
    reason = reason.strip()
    if not reason:
        raise AdjustmentError(_l("Give the reason for the adjustment."))
    account = lock_account(account_id)
    if done_before("deposit.adjusted", account, key):
        return None
    preview = preview_adjustment(account, direction, amount)
    movement = move(account, preview.signed, "adjustment", note=reason)
    audit("deposit.adjusted", user=staff, obj=account, before=str(preview.before),
          after=str(account.balance), amount=str(preview.signed), direction=direction,
          reason=reason, movement=movement.id, key=key)
    return movement
