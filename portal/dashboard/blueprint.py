from flask import Blueprint

from portal.dashboard import views

bp = Blueprint("dashboard", __name__)

bp.add_url_rule("/dashboard", "index", views.index)
bp.add_url_rule("/dashboard/filings.csv", "export", views.export)
