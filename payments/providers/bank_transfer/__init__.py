"""Bank transfer: the order gets a reference to quote and the office's bank details; office
staff confirm the transfer when it is booked, or reject it. Unpaid orders expire after the
payment period plus a grace period, so that a transfer made in time but booked late is not lost.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l

from payments.base import Observed, PaymentProvider, Started
from portal.timeutil import utcnow


def bank_details() -> dict[str, str]:
    cfg = current_app.config
    return {"account_holder": cfg["BANK_ACCOUNT_HOLDER"], "bank_name": cfg["BANK_NAME"],
            "account_number": cfg["BANK_ACCOUNT_NUMBER"], "swift": cfg["BANK_SWIFT"]}


class BankTransferProvider(PaymentProvider):
    id = "bank_transfer"
    label = _l("Bank transfer")

    def is_available(self, order) -> bool:
        return bool(current_app.config["BANK_ACCOUNT_NUMBER"])

    def start(self, payment) -> Started:
        days = current_app.config["BANK_TRANSFER_DAYS"]
        expires = utcnow() + timedelta(days=days)
        reference = payment.order.number
        return Started(state="pending", provider_reference=reference,
                       data={**bank_details(), "reference": reference,
                             "expires_on": expires.date().isoformat(),
                             "expires_at_dt": expires})

    def observe(self, payment) -> Observed:
        return Observed(state=payment.state.value, amount=payment.amount,
                        currency=payment.currency)

    def refund(self, payment, amount: Decimal, *, key: str | None = None) -> str:
        # The office pays the money back by its own bank; the credit note records it.
        return f"manual-{key or payment.id}"


def booked_in_time(payment, booked_on: date) -> bool:
    """A transfer counts when it was booked by the end of the payment period."""
    return payment.expires_at is None or booked_on <= payment.expires_at.date()


def grace_ended(payment, now=None) -> bool:
    grace = timedelta(days=current_app.config["BANK_TRANSFER_GRACE_DAYS"])
    return payment.expires_at is not None and (now or utcnow()) > payment.expires_at + grace
