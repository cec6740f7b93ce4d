"""The payment providers the portal offers, by id."""

from __future__ import annotations

from functools import cache

from payments.base import PaymentProvider


@cache
def providers() -> dict[str, PaymentProvider]:
    from payments.providers.bank_transfer import BankTransferProvider
    from payments.providers.deposit_account import DepositAccountProvider
    from payments.providers.no_charge import NoChargeProvider
    from payments.providers.stripe import StripeProvider

    return {p.id: p for p in (StripeProvider(), BankTransferProvider(),
                               DepositAccountProvider(), NoChargeProvider())}


def get_provider(provider_id: str) -> PaymentProvider:
    """The provider, or KeyError for an id the portal does not know."""
    return providers()[provider_id]
