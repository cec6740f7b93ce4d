"""Fees, the cart and checkout, and the payment providers behind one interface."""
