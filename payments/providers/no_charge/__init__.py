"""Nothing to pay: an order whose filings cost nothing (a response, a withdrawal, the correction
of the office's own error) is accepted at checkout without a payment provider."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from payments.base import Observed, PaymentProvider, ProviderError, Started


class NoChargeProvider(PaymentProvider):
    id = "no_charge"
    label = _l("Nothing to pay")

    def is_available(self, order) -> bool:
        return order.total == 0

    def unavailable_reason(self, order) -> str | None:
        return None if order.total == 0 else str(_l("This order has fees to pay."))

    def start(self, payment) -> Started:
        if payment.amount != 0:
            raise ProviderError(_l("This order has fees to pay."))
        return Started(state="succeeded", provider_reference=None)

    def observe(self, payment) -> Observed:
        return Observed(state=payment.state.value, amount=payment.amount,
                        currency=payment.currency)

    def refund(self, payment, amount: Decimal, *, key: str | None = None) -> str:
        raise ProviderError(_l("Nothing was paid for this order."))
