"""Pages of the second factor: the login's second step, enrolment and the settings under My
account, and the guard that keeps accounts which must enrol on the enrolment page."""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import parse

from forms.second_factor import DisableForm, EnrolForm, RecoveryCodesForm, SecondFactorLoginForm
from portal.audit import audit
from portal.auth import second_factor as sf
from portal.auth import services, sessions
from portal.auth.models import User
from portal.extensions import db, limiter

PENDING = "second_factor_login"  # the session key of a login waiting for its code
ENROLMENT = "second_factor_enrolment"  # the session key of the secret being set up
NO_STORE = {"Cache-Control": "no-store"}
# Where an account that must enrol may still go.
ALLOWED_BEFORE_ENROLMENT = {"auth.second_factor", "auth.logout", "static", "core.language",
                            "auth.session_status", "auth.session_keepalive"}


# --- rate limits: wrong codes count against the account, whichever page they come from ------

def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_PER_ACCOUNT_LIMIT"]


def _account_key() -> str:
    if current_user.is_authenticated:
        return f"second-factor:{current_user.id}"
    return f"second-factor:{(session.get(PENDING) or {}).get('user')}"


def _code_failed(response) -> bool:
    return bool(g.get("second_factor_failed"))


_AUDIT_BREACH_EVERY = parse("1 per minute")


def _audit_breach(request_limit) -> None:
    """A refused attempt, audited at most once a minute per account and address."""
    key = f"{_account_key()}|{request.remote_addr}"
    if g.get("breach_audited") or not limiter.limiter.hit(_AUDIT_BREACH_EVERY, "audit-breach",
                                                          key):
        return
    g.breach_audited = True
    user = current_user if current_user.is_authenticated else _pending_user()
    audit("second_factor.rate_limited", user=user, obj=user, limit=str(request_limit.limit),
          actor=None if user else "second factor")
    db.session.commit()  # the refused request is rolled back; this row must stay


def code_limits(view):
    view = limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=_code_failed,
                         on_breach=_audit_breach)(view)
    return limiter.limit(_account_limit, methods=["POST"], key_func=_account_key,
                         deduct_when=_code_failed, on_breach=_audit_breach)(view)


def _checked(user: User, code: str, form_field, **kw) -> str | None:
    """`sf.check_code`, with its refusal shown on `form_field`."""
    try:
        return sf.check_code(user, code, **kw)
    except sf.SecondFactorError as exc:
        g.second_factor_failed = True
        form_field.errors.append(exc.message)
        return None


# --- the login's second step -------------------------------------------------------------------

def start_login(user: User, *, remember: bool, target: str | None) -> None:
    """The password was right: the session waits for the code, not yet logged in."""
    session[PENDING] = {"user": user.id, "token": user.session_token, "remember": remember,
                        "next": target,
                        "until": int(time.time()) + current_app.config[
                            "SECOND_FACTOR_LOGIN_SECONDS"]}


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"),
                                                                    int) else None
    # A password changed or an account disabled since the first step ends the login.
    if user is None or not user.active or user.session_token != pending.get("token") \
            or not sf.has_second_factor(user):
        return None
    return user


@code_limits
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user = _pending_user()
    if user is None:
        if session.pop(PENDING, None) is not None:
            flash(_("Your login has expired. Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorLoginForm()
    if form.validate_on_submit() and _checked(user, form.code.data, form.code,
                                              purpose="login"):
        pending = session[PENDING]
        # A new session at login: nothing planted before it survives.
        sessions.begin_session(user, remember=bool(pending.get("remember")))
        services.record_login(user)
        return redirect(pending.get("next") or url_for("dashboard.index"))
    form.code.data = ""
    return render_template("auth/second_factor_login.html", form=form)


# --- My account: the second factor ------------------------------------------------------------

def _me() -> User:
    return current_user._get_current_object()


def _enrolment(user: User) -> sf.Enrolment:
    enrolment = sf.Enrolment.resume(user, session.get(ENROLMENT))
    if enrolment is None:
        enrolment = sf.Enrolment.start(user)
        session[ENROLMENT] = enrolment.token
    return enrolment


def _enrol_page(user: User, form: EnrolForm, status: int = 200):
    enrolment = _enrolment(user)
    uri = sf.provisioning_uri(user, enrolment.secret)
    page = render_template(
        "auth/second_factor_enrol.html", form=form, secret=sf.grouped(enrolment.secret),
        qr=sf.qr_svg(uri, _("QR code to scan with your authenticator app")),
        required=sf.is_required(user))
    return page, status, NO_STORE


def _settings_page(user: User, codes_form=None, off_form=None, status: int = 200):
    return render_template(
        "auth/second_factor.html", codes_form=codes_form or RecoveryCodesForm(),
        off_form=off_form or DisableForm(), required=sf.is_required(user),
        codes_left=sf.recovery_codes_left(user)), status


def _codes_page(codes: list[str], *, first: bool):
    return render_template("auth/second_factor_codes.html", codes=codes, first=first), 200, \
        NO_STORE


@login_required
@code_limits
def second_factor():
    """GET: the settings, or the enrolment when there is no second factor yet; POST: confirm
    the enrolment with a code from the app."""
    user = _me()
    if sf.has_second_factor(user):
        if request.method == "POST":
            flash(str(sf.AlreadyEnabled.message), "info")
            return redirect(url_for("auth.second_factor"))
        return _settings_page(user)
    form = EnrolForm()
    if form.validate_on_submit():
        enrolment = _enrolment(user)
        try:
            codes = sf.enable(user, enrolment.secret, form.code.data)
        except sf.SecondFactorError as exc:
            g.second_factor_failed = True
            form.code.errors.append(exc.message)
        else:
            session.pop(ENROLMENT, None)
            return _codes_page(codes, first=True)
    form.code.data = ""
    return _enrol_page(user, form, 400 if form.errors else 200)


@login_required
@code_limits
def recovery_codes():
    user = _me()
    if not sf.has_second_factor(user):
        return redirect(url_for("auth.second_factor"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        try:
            codes = sf.regenerate_recovery_codes(user, form.code.data)
        except sf.SecondFactorError as exc:
            g.second_factor_failed = True
            form.code.errors.append(exc.message)
        else:
            return _codes_page(codes, first=False)
    form.code.data = ""
    return _settings_page(user, codes_form=form, status=400)


@login_required
@code_limits
def disable():
    user = _me()
    if not sf.has_second_factor(user):
        flash(_("Your account has no second factor."), "info")
        return redirect(url_for("auth.second_factor"))
    form = DisableForm()
    if form.validate_on_submit():
        try:
            sf.disable(user, form.password.data, form.code.data)
        except services.WrongPassword as exc:
            g.second_factor_failed = True
            form.password.errors.append(exc.message)
        except sf.SecondFactorRequired as exc:
            form.form_errors.append(exc.message)
        except sf.SecondFactorError as exc:
            g.second_factor_failed = True
            form.code.errors.append(exc.message)
        else:
            flash(_("The second factor is off: your password alone now logs you in."),
                  "success")
            return redirect(url_for("auth.account"))
    form.password.data = form.code.data = ""
    return _settings_page(user, off_form=form, status=400)


# --- the guard ---------------------------------------------------------------------------------

def enrolment_guard():
    """An account that must have a second factor and has none goes to the enrolment page, and
    nowhere else, until it has one. The API (bearer tokens) is not concerned."""
    if request.endpoint is None or request.endpoint in ALLOWED_BEFORE_ENROLMENT \
            or request.path.startswith("/api/"):
        return None
    if current_user.is_authenticated and sf.needs_enrolment(current_user):
        if request.method == "GET":
            flash(_("Your account must have a second factor. Set it up now to go on."), "info")
        return redirect(url_for("auth.second_factor"))
    return None
