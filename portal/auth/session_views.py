"""The session's own pages: how long it has left and "Stay logged in" (for session.js), and
My account → Log out everywhere."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.account import LogoutForm
from portal.auth import services, sessions


@login_required
def session_status():
    """How long this session has left; asking is not activity (it does not extend it)."""
    return jsonify(sessions.timing())


@login_required
def session_keepalive():
    """"Stay logged in" (a POST with the CSRF token): the session counts from now."""
    sessions.keep_alive()
    return "", 204


@login_required
def sessions_page():
    """The confirmation page of logging out everywhere (else)."""
    user = current_user._get_current_object()
    live = sessions.current()
    ends_at = live.created_at + timedelta(seconds=sessions.lifetime_seconds()) if live else None
    return render_template("auth/sessions.html", form=LogoutForm(), live=live, ends_at=ends_at,
                           kept=live is not None and sessions.kept_logged_in(user, live),
                           others=sessions.other_sessions(user))


@login_required
def end_everywhere():
    if LogoutForm().validate_on_submit():
        services.end_all_sessions(current_user._get_current_object())
        sessions.forget()
        flash(_("You have been logged out everywhere, on this device too."), "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.sessions"))
