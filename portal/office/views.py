"""The office console: landing page and, in the embedded mode, the mail that was not sent."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from portal.auth.access import office_required
from portal.office import services
from portal.office.overview import build_overview

PAGE_SIZE = 50


@office_required
def index():
    return render_template("office/index.html", overview=build_overview())


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

