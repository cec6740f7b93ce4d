from flask import Blueprint

from portal.orders import views

bp = Blueprint("orders", __name__)

bp.add_url_rule("/cart", "cart", views.cart)
bp.add_url_rule("/cart/add/<int:filing_id>", "add", views.add, methods=["POST"])
bp.add_url_rule("/cart/remove/<int:filing_id>", "remove", views.remove, methods=["POST"])
bp.add_url_rule("/cart/checkout", "checkout", views.checkout, methods=["POST"])
bp.add_url_rule("/orders", "index", views.index)
bp.add_url_rule("/orders/<int:order_id>", "order", views.order)
bp.add_url_rule("/orders/<int:order_id>/receipt", "receipt", views.receipt)
bp.add_url_rule("/orders/<int:order_id>/acknowledgement/<int:filing_id>", "acknowledgement",
                views.acknowledgement)
bp.add_url_rule("/deposit", "deposit", views.deposit)
bp.add_url_rule("/orders/<int:order_id>/return", "stripe_return", views.stripe_return)
bp.add_url_rule("/payments/stripe/webhook", "stripe_webhook", views.stripe_webhook,
                methods=["POST"])
bp.add_url_rule("/orders/<int:order_id>/pay", "pay_by_card", views.pay_by_card)
bp.add_url_rule("/orders/<int:order_id>/credit-notes/<int:receipt_id>", "credit_note",
                views.credit_note)
bp.add_url_rule("/deposit/top-up", "top_up", views.top_up, methods=["POST"])
