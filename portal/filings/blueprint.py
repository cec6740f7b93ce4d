from flask import Blueprint

from portal.filings import request_views, views

bp = Blueprint("filings", __name__, url_prefix="/filings")

bp.add_url_rule("/new", "new", views.new, methods=["GET", "POST"])
bp.add_url_rule("/drafts", "drafts", views.drafts)
bp.add_url_rule("/<int:filing_id>", "show", views.show)
bp.add_url_rule("/<int:filing_id>/edit", "edit", views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:filing_id>/autosave", "autosave", views.autosave, methods=["POST"])
bp.add_url_rule("/<int:filing_id>/fees", "fees", views.fees, methods=["POST"])
bp.add_url_rule("/<int:filing_id>/copy", "copy", views.copy, methods=["POST"])
bp.add_url_rule("/<int:filing_id>/delete", "delete", views.delete, methods=["POST"])
bp.add_url_rule("/documents/<int:document_id>", "document", views.document)

requests_bp = Blueprint("requests", __name__, url_prefix="/requests")
requests_bp.add_url_rule("/", "index", request_views.index)
requests_bp.add_url_rule("/new/<code>", "start", request_views.start, methods=["GET", "POST"])
