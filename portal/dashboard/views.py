"""The filer's dashboard, where a login lands."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required


@login_required
def index():
    if current_user.role.is_office:
        return redirect(url_for("office.index"))
    from portal.filings.services import list_drafts

    return render_template("dashboard/index.html",
                           drafts=list_drafts(current_user._get_current_object()))
