from flask import Blueprint

from portal.office import deliveries, views

bp = Blueprint("office", __name__, url_prefix="/office")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/mail", "mail", views.mail_list)
bp.add_url_rule("/mail/<name>", "mail_message", views.mail_message)
bp.add_url_rule("/payments", "payments", views.payments)
bp.add_url_rule("/payments/<int:payment_id>/confirm", "confirm_transfer", views.confirm_transfer,
                methods=["POST"])
bp.add_url_rule("/payments/<int:payment_id>/reject", "reject_transfer", views.reject_transfer,
                methods=["POST"])
bp.add_url_rule("/deposits", "deposits", views.deposits)
bp.add_url_rule("/deposits/<int:account_id>/top-up", "top_up", views.top_up, methods=["POST"])
bp.add_url_rule("/orders", "orders", views.orders)
bp.add_url_rule("/orders/<int:order_id>", "order", views.order)
bp.add_url_rule("/orders/<int:order_id>/refund", "refund", views.refund, methods=["POST"])
bp.add_url_rule("/receipts/<int:receipt_id>", "receipt_file", views.receipt_file)
bp.add_url_rule("/deliveries", "deliveries", deliveries.index)
bp.add_url_rule("/deliveries/<int:message_id>", "delivery", deliveries.show)
bp.add_url_rule("/deliveries/replay", "replay_deliveries", deliveries.replay_many,
                methods=["POST"])
bp.add_url_rule("/deliveries/<int:message_id>/replay", "replay_delivery", deliveries.replay,
                methods=["POST"])
