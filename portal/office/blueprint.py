from flask import Blueprint

from portal.office import views

bp = Blueprint("office", __name__, url_prefix="/office")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/mail", "mail", views.mail_list)
bp.add_url_rule("/mail/<name>", "mail_message", views.mail_message)
