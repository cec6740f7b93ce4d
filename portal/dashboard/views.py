"""The filer's dashboard, where a login lands."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required


@login_required
def index():
    if current_user.role.is_office:
        return redirect(url_for("office.index"))
    from sqlalchemy import select

    from portal.extensions import db
    from portal.filings.models import Filing, FilingStatus
    from portal.filings.services import list_drafts, visible_to

    user = current_user._get_current_object()
    filed = db.session.scalars(select(Filing).where(visible_to(user),
                                                    Filing.status != FilingStatus.DRAFT)
                               .order_by(Filing.updated_at.desc(), Filing.id.desc()).limit(10))
    return render_template("dashboard/index.html", drafts=list_drafts(user), filed=list(filed))
