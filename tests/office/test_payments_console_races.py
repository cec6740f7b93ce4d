"""Adjustments of a deposit account racing each other: PostgreSQL, several threads, real commits.
The account row lock makes them take turns: the same confirmation posted at once acts once, and
debits that fit one by one but not together never take the balance below zero."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from payments.adjustments import AdjustmentError, adjust_balance
from payments.models import DepositAccount, DepositMovement
from portal.audit import AuditEntry
from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import is_postgres, make_user
from tests.orders.test_concurrency import live_app, run_together  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not is_postgres(), reason="row locks need PostgreSQL")


def account_with(app, balance: str) -> tuple[int, int]:
    from payments.providers.deposit_account import move, open_account

    with app.test_request_context("/"):
        holder = make_user(f"holder-{uuid.uuid4().hex[:8]}@example.org", Role.AGENT)
        staff = make_user(f"staff-{uuid.uuid4().hex[:8]}@example.org", Role.STAFF)
        account = open_account(holder, "KHR")
        move(account, Decimal(balance), "top_up", note="opening")
        db.session.commit()
        return account.id, staff.id


def state(app, account_id: int) -> tuple[Decimal, int, int]:
    with app.app_context():
        balance = db.session.get(DepositAccount, account_id).balance
        moves = db.session.scalar(select(func.count(DepositMovement.id)).where(
            DepositMovement.account_id == account_id, DepositMovement.kind == "adjustment"))
        audits = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "deposit.adjusted", AuditEntry.object_id == str(account_id)))
        return balance, moves, audits


def test_the_same_confirmation_posted_at_once_adjusts_once(live_app):  # noqa: F811
    account_id, staff_id = account_with(live_app, "100")
    key = uuid.uuid4().hex

    def work(_i):
        return adjust_balance(account_id, direction="credit", amount=Decimal("25"),
                              reason="Correction", staff=db.session.get(User, staff_id),
                              key=key)

    results = run_together(live_app, 5, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r is not None) == 1
    assert state(live_app, account_id) == (Decimal("125"), 1, 1)


def test_racing_debits_never_take_the_balance_below_zero(live_app):  # noqa: F811
    account_id, staff_id = account_with(live_app, "100")

    def work(_i):
        return adjust_balance(account_id, direction="debit", amount=Decimal("40"),
                              reason="Charge", staff=db.session.get(User, staff_id),
                              key=uuid.uuid4().hex)

    results = run_together(live_app, 3, work)
    refused = [r for r in results if isinstance(r, AdjustmentError)]
    assert len(refused) == 1 and "below zero" in str(refused[0])
    assert state(live_app, account_id) == (Decimal("20"), 2, 2)
