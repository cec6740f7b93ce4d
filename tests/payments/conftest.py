"""Fixtures of the payment tests: localstripe (see stripe_server.py)."""

from tests.payments.stripe_server import localstripe_url, stripe_app

__all__ = ["localstripe_url", "stripe_app"]
