"""The payment providers: one package per way of paying, each implementing payments.base."""
