"""The calendar settings page and the feed itself (no login: the secret address is the key)."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from forms.base import PortalForm
from portal.auth.access import filer_required
from portal.extensions import limiter
from portal.tracking import calendar


@filer_required
def settings():
    user = current_user._get_current_object()
    form = PortalForm()
    url = None
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "revoke":
            calendar.revoke(user)
            flash(_("The calendar address was revoked: calendars using it get nothing more."),
                  "success")
        else:
            url = calendar.new_feed(user)
    return render_template("notifications/calendar.html", form=form, url=url,
                           feed=calendar.feed_of(user))


@limiter.limit("60 per minute")
def feed(token: str):
    user = calendar.user_of(token)
    if user is None or not user.is_active:
        abort(404)
    return Response(calendar.ics(user), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})
