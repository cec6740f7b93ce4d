from flask import Blueprint

from portal.core import views

bp = Blueprint("core", __name__)

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/healthz", "healthz", views.healthz)
bp.add_url_rule("/language", "language", views.set_language, methods=["POST"])
