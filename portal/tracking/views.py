"""The notification inbox: unread first, open (marks read), archive, filter by filing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from forms.base import PortalForm
from portal.auth.access import filer_required
from portal.extensions import db
from portal.filings.services import get_filing
from portal.tracking import services
from portal.tracking.models import Notification

PER_PAGE = 50


def _user():
    return current_user._get_current_object()


@filer_required
def index():
    user = _user()
    archived = request.args.get("archived") == "1"
    filing = None
    query = services.visible_notifications(user).where(
        Notification.archived_at.is_not(None) if archived else Notification.archived_at.is_(None))
    if request.args.get("filing", type=int):
        filing = get_filing(user, request.args.get("filing", type=int))
        query = query.where(Notification.filing_id == filing.id)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                       Notification.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return render_template("notifications/index.html", notifications=rows, filing=filing,
                           archived=archived, page=page, pages=max(1, -(-total // PER_PAGE)),
                           total=total, form=PortalForm())


@filer_required
def show(notification_id: int):
    notification = services.get_notification(_user(), notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification, _user())
    return render_template("notifications/show.html", n=notification, form=PortalForm())


@filer_required
def archive(notification_id: int):
    notification = services.get_notification(_user(), notification_id)
    if notification is None or not PortalForm().validate_on_submit():
        abort(404)
    from portal.timeutil import utcnow

    if request.form.get("restore"):
        notification.archived_at = None
        flash(_("The notification is back in the inbox."), "success")
    else:
        notification.archived_at = notification.archived_at or utcnow()
        services.mark_read(notification, _user())
        flash(_("The notification was archived."), "success")
    return redirect(url_for("notifications.index"))
