from flask import Blueprint

from portal.tracking import calendar_views, views

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/<int:notification_id>", "show", views.show)
bp.add_url_rule("/<int:notification_id>/archive", "archive", views.archive, methods=["POST"])

calendar_bp = Blueprint("calendar", __name__)
calendar_bp.add_url_rule("/account/calendar", "settings", calendar_views.settings,
                         methods=["GET", "POST"])
calendar_bp.add_url_rule("/calendar/<token>.ics", "feed", calendar_views.feed)
