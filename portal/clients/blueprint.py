from flask import Blueprint

from portal.clients import views

bp = Blueprint("clients", __name__, url_prefix="/clients")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/new", "new", views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:client_id>", "edit", views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:client_id>/delete", "delete", views.delete, methods=["POST"])
bp.add_url_rule("/<int:client_id>/powers", "add_power", views.add_power, methods=["POST"])
bp.add_url_rule("/<int:client_id>/powers/<int:power_id>/delete", "remove_power",
                views.remove_power, methods=["POST"])
