"""The office console: landing page and, in the embedded mode, the mail that was not sent."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from sqlalchemy import func, select

from portal.auth.access import office_required
from portal.auth.models import Role, User
from portal.extensions import db
from portal.office import services

PAGE_SIZE = 50


@office_required
def index():
    counts = dict(db.session.execute(
        select(User.role, func.count(User.id)).group_by(User.role)).all())
    unconfirmed = db.session.scalar(
        select(func.count(User.id)).where(User.email_confirmed_at.is_(None))) or 0
    return render_template("office/index.html", counts=counts, roles=list(Role),
                           unconfirmed=unconfirmed,
                           mail_to_files=not current_app.config["MAIL_SERVER"])


@office_required
def mail_list():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    search = request.args.get("q", "")[:254]
    rows, total = services.list_mail((page - 1) * PAGE_SIZE, PAGE_SIZE, search)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("office/mail.html", rows=rows, total=total, page=page, pages=pages,
                           q=search, mail_to_files=not current_app.config["MAIL_SERVER"])


@office_required
def mail_message(name: str):
    found = services.read_mail(name)
    if found is None:
        abort(404)
    meta, text = found
    return render_template("office/mail_message.html", meta=meta, text=text)
