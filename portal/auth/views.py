"""Account pages: register, confirm, log in and out, passwords, settings."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from limits import parse

from forms.account import (
    ChangePasswordForm,
    EmailForm,
    LanguageForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.auth import second_factor, second_factor_views, services, sessions
from portal.auth.access import next_from_request
from portal.auth.models import PartyKind, Role
from portal.extensions import db, limiter
from portal.i18n import LANG_COOKIE


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_PER_ACCOUNT_LIMIT"]


def _reset_rate_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _submitted_email() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))[:254]


_AUDIT_BREACH_EVERY = parse("1 per minute")


def _audit_breach(action: str, by: str):
    """The limiter's on_breach: audit a refused attempt, at most once a minute per address,
    account and kind (a flood of refused requests must not become a flood of rows)."""

    def on_breach(request_limit) -> None:
        email = services.normalise_email(request.form.get("email", ""))[:254] or None
        key = f"{action}|{by}|{request.remote_addr}|{email}"
        if g.get("breach_audited") or not limiter.limiter.hit(_AUDIT_BREACH_EVERY,
                                                              "audit-breach", key):
            return
        g.breach_audited = True
        services.record_rate_limited(action, email, by, str(request_limit.limit))
        db.session.commit()  # the refused request is rolled back; this row must stay

    return on_breach


def register():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    invitation = None
    if request.values.get("invite"):
        try:
            invitation = services.read_invitation(request.values["invite"])
        except services.AccountError as exc:
            return render_template("auth/token_problem.html", message=exc.message,
                                   again=None), 400
        form.account_type.data = "agent"
        form.organisation.data = invitation.firm.name
    if request.method == "GET":
        form.locale.data = request.cookies.get(LANG_COOKIE) or str(get_locale())
        if invitation:
            form.email.data, form.invite.data = invitation.email, request.values["invite"]
    if form.validate_on_submit():
        if invitation and services.normalise_email(form.email.data) != invitation.email:
            form.email.errors.append(services.InvitationForOther.message)
            return render_template("auth/register.html", form=form, invitation=invitation)
        reg = services.Registration(
            email=form.email.data,
            password=form.password.data,
            full_name=form.full_name.data,
            role=Role(form.account_type.data),
            party_kind=PartyKind(form.party_kind.data or "person"),
            organisation=form.organisation.data,
            agent_number=form.agent_number.data,
            locale=form.locale.data,
            firm=invitation.firm if invitation else None,
        )
        try:
            user = services.register_user(reg)
        except services.EmailTaken as exc:
            form.email.errors.append(exc.message)
        else:
            session["pending_email"] = user.email
            return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form, invitation=invitation)


def check_email():
    return render_template("auth/check_email.html", email=session.get("pending_email"))


def confirm(token: str):
    try:
        user = services.confirm_email(token)
    except services.TokenUsed:
        flash(_("Your email address is already confirmed. You can log in."), "info")
        return redirect(url_for("auth.login"))
    except services.AccountError as exc:
        return render_template("auth/token_problem.html", message=exc.message,
                               again=url_for("auth.resend_confirmation")), 400
    session.pop("pending_email", None)
    flash(_("Thank you: your email address %(email)s is confirmed. You can now log in.",
            email=user.email), "success")
    return redirect(url_for("auth.login"))


def resend_confirmation():
    form = EmailForm()
    if request.method == "GET" and session.get("pending_email"):
        form.email.data = session["pending_email"]
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        session["pending_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("auth.check_email"))
    return render_template("auth/resend.html", form=form)


@limiter.limit(_login_rate_limit, methods=["POST"],
               on_breach=_audit_breach("login.rate_limited", "address"))
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_submitted_email,
               deduct_when=lambda response: response.status_code != 302,
               on_breach=_audit_breach("login.rate_limited", "account"))
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    unconfirmed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The email address or the password is not correct."))
        elif not user.is_confirmed:
            unconfirmed = True
            session["pending_email"] = user.email
        else:
            target = next_from_request()
            session.clear()  # a new session at login: nothing planted before it survives
            if second_factor.has_second_factor(user):  # not logged in before the code
                second_factor_views.start_login(user, remember=form.remember.data,
                                                target=target)
                return redirect(url_for("auth.login_code"))
            sessions.begin_session(user, remember=form.remember.data)
            services.record_login(user)
            return redirect(target or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form, unconfirmed=unconfirmed)


def logout():
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.record_logout(current_user._get_current_object())
        sessions.end_session()
        sessions.forget()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@limiter.limit(_reset_rate_limit, methods=["POST"],
               on_breach=_audit_breach("password.reset_rate_limited", "address"))
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@limiter.limit(_reset_rate_limit, methods=["POST"],
               on_breach=_audit_breach("password.reset_rate_limited", "address"))
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except services.AccountError as exc:
        return render_template("auth/token_problem.html", message=exc.message,
                               again=url_for("auth.forgot_password")), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password has been changed. Log in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@login_required
def account():
    lang_form = LanguageForm(locale=current_user.locale or str(get_locale()))
    return render_template("auth/account.html", lang_form=lang_form, invite_form=EmailForm())


@login_required
def invite_colleague():
    user = current_user._get_current_object()
    if user.role is not Role.AGENT or user.firm is None:
        abort(404)
    form = EmailForm()
    if form.validate_on_submit():
        services.invite_colleague(user, form.email.data)
        flash(_("We have mailed an invitation to %(email)s. It is valid for seven days.",
                email=services.normalise_email(form.email.data)), "success")
        return redirect(url_for("auth.account", _anchor="firm"))
    lang_form = LanguageForm(locale=user.locale or str(get_locale()))
    return render_template("auth/account.html", lang_form=lang_form, invite_form=form)


@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.password.data,
                                     keep=sessions.current())
        except services.WrongPassword as exc:
            form.current.errors.append(exc.message)
        else:
            sessions.carry_on(user)  # this session goes on under a new key and token
            flash(_("Your password has been changed. Your other sessions have ended."),
                  "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@login_required
def account_language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_locale(current_user._get_current_object(), form.locale.data)
        db.session.flush()
        flash(_("Your language has been saved."), "success")
    else:
        flash(_("That language is not available."), "error")
    return redirect(url_for("auth.account"))


@login_required
def end_sessions():
    if LogoutForm().validate_on_submit():
        user = current_user._get_current_object()
        services.end_other_sessions(user, keep=sessions.current())
        sessions.carry_on(user)
        flash(_("You have been logged out everywhere else."), "success")
    return redirect(url_for("auth.account"))
