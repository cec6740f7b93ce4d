"""The public home page, the health check and the language switcher."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from forms.account import LanguageForm
from portal.auth import services as account_services
from portal.auth.access import safe_next
from portal.extensions import db, limiter
from portal.i18n import LANG_COOKIE

ONE_YEAR = 365 * 24 * 3600


def index():
    return render_template("core/index.html")


@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def set_language():
    form = LanguageForm()
    target = safe_next(request.form.get("next")) or url_for("core.index")
    if not form.validate_on_submit():
        flash(_("That language is not available."), "error")
        return redirect(target)
    code = form.locale.data
    if current_user.is_authenticated:
        account_services.set_locale(current_user._get_current_object(), code)
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response
