from flask import Blueprint

from portal.office import (
    audit_views,
    deliveries,
    deposit_accounts,
    money,
    tariff,
    text_views,
    users,
    views,
)
from portal.office import notifications as manual_notifications

bp = Blueprint("office", __name__, url_prefix="/office")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/mail", "mail", views.mail_list)
bp.add_url_rule("/mail/<name>", "mail_message", views.mail_message)
bp.add_url_rule("/payments", "payments", money.payments)
bp.add_url_rule("/payments/<int:payment_id>/confirm", "confirm_transfer", money.confirm_transfer,
                methods=["GET", "POST"])
bp.add_url_rule("/payments/<int:payment_id>/reject", "reject_transfer", money.reject_transfer,
                methods=["GET", "POST"])
bp.add_url_rule("/deposits", "deposits", deposit_accounts.deposits)
bp.add_url_rule("/deposits/<int:account_id>", "deposit_account", deposit_accounts.account)
bp.add_url_rule("/deposits/<int:account_id>/top-up", "top_up", deposit_accounts.top_up,
                methods=["GET", "POST"])
bp.add_url_rule("/deposits/<int:account_id>/adjust", "adjust_deposit", deposit_accounts.adjust,
                methods=["POST"])
bp.add_url_rule("/orders", "orders", money.orders)
bp.add_url_rule("/orders/mismatches", "mismatches", money.mismatches)
bp.add_url_rule("/orders/<int:order_id>", "order", money.order)
bp.add_url_rule("/orders/<int:order_id>/refund", "refund", money.refund, methods=["POST"])
bp.add_url_rule("/refunds", "refunds", money.refunds)
bp.add_url_rule("/receipts/<int:receipt_id>", "receipt_file", money.receipt_file)
bp.add_url_rule("/deliveries", "deliveries", deliveries.index)
bp.add_url_rule("/deliveries/<int:message_id>", "delivery", deliveries.show)
bp.add_url_rule("/deliveries/replay", "replay_deliveries", deliveries.replay_many,
                methods=["POST"])
bp.add_url_rule("/deliveries/<int:message_id>/replay", "replay_delivery", deliveries.replay,
                methods=["POST"])
bp.add_url_rule("/audit", "audit", audit_views.index)
bp.add_url_rule("/audit.csv", "audit_export", audit_views.export)
bp.add_url_rule("/users", "users", users.index)
bp.add_url_rule("/users/<int:user_id>", "user", users.show)
bp.add_url_rule("/users/<int:user_id>/verify", "verify_user", users.verify, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/disable", "disable_user", users.disable,
                methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>/enable", "enable_user", users.enable, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/role", "change_role", users.change_role, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/second-factor/reset", "reset_second_factor",
                users.reset_second_factor, methods=["GET", "POST"])
bp.add_url_rule("/api-clients", "api_clients", users.api_clients)
bp.add_url_rule("/api-clients/new", "create_api_client", users.create_api_client,
                methods=["POST"])
bp.add_url_rule("/api-clients/<int:client_id>/revoke", "revoke_api_client",
                users.revoke_api_client, methods=["GET", "POST"])
bp.add_url_rule("/notifications", "notifications", manual_notifications.index)
bp.add_url_rule("/notifications/new", "new_notification", manual_notifications.new,
                methods=["GET", "POST"])
bp.add_url_rule("/notification-templates", "notification_templates",
                text_views.notification_templates)
bp.add_url_rule("/notification-templates/new", "new_notification_template",
                text_views.new_notification_template, methods=["GET", "POST"])
bp.add_url_rule("/notification-templates/<int:template_id>", "notification_template",
                text_views.notification_template, methods=["GET", "POST"])
bp.add_url_rule("/notification-templates/<int:template_id>/active",
                "notification_template_active", text_views.notification_template_active,
                methods=["POST"])
bp.add_url_rule("/office-texts", "office_texts", text_views.office_texts,
                methods=["GET", "POST"])
bp.add_url_rule("/tariff", "tariff", tariff.index)
bp.add_url_rule("/tariff/<int:schedule_id>", "tariff_version", tariff.version)
bp.add_url_rule("/tariff/<int:schedule_id>/tariff.json", "tariff_export", tariff.export)
bp.add_url_rule("/tariff/<int:schedule_id>/delete", "tariff_delete", tariff.delete,
                methods=["GET", "POST"])
bp.add_url_rule("/tariff/new", "tariff_new", tariff.new_version, methods=["GET", "POST"])
bp.add_url_rule("/tariff/upload", "tariff_upload", tariff.upload, methods=["GET", "POST"])
bp.add_url_rule("/tariff/confirm", "tariff_confirm", tariff.confirm, methods=["POST"])
bp.add_url_rule("/tariff/preview", "tariff_preview", tariff.preview)
