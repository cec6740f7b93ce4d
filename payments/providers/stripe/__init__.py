"""Card payments through Stripe PaymentIntents (Stripe.js confirms in the browser)."""

from payments.providers.stripe.provider import StripeProvider

__all__ = ["StripeProvider"]
