"""Account operations. They change models, write the audit log and flush; the caller commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import audit
from portal.auth.models import Firm, PartyKind, Role, User, UserSession
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.i18n import is_supported
from portal.mail import queue_mail
from portal.timeutil import utcnow

_hasher = PasswordHasher()
# Verified against when the email is unknown, so that both answers take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(Exception):
    """Base of the errors a form shows to the user; `message` is translated."""

    message = _l("The request could not be completed.")


class EmailTaken(AccountError):
    message = _l("An account with this email address already exists.")


class TokenInvalid(AccountError):
    message = _l("This link is not valid. Check that you copied all of it, or ask for a new one.")


class TokenExpired(AccountError):
    message = _l("This link has expired. Ask for a new one.")


class TokenUsed(AccountError):
    message = _l("This link has already been used.")


class WrongPassword(AccountError):
    message = _l("The current password is not correct.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass
class Registration:
    email: str
    password: str
    full_name: str
    role: Role
    party_kind: PartyKind = PartyKind.PERSON
    organisation: str | None = None
    agent_number: str | None = None
    locale: str | None = None
    firm: Firm | None = None  # set when the agent was invited into an existing firm


def register_user(reg: Registration) -> User:
    """Create an unconfirmed applicant or agent account and mail the confirmation link."""
    if reg.role not in (Role.APPLICANT, Role.AGENT):
        raise ValueError("self-registration is for applicants and agents")
    if reg.firm is not None and reg.role is not Role.AGENT:
        raise ValueError("only agents join a firm")
    email = normalise_email(reg.email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        password_hash=hash_password(reg.password),
        full_name=reg.full_name.strip(),
        role=reg.role,
        party_kind=PartyKind.ENTITY if reg.role is Role.AGENT else reg.party_kind,
        organisation=(reg.organisation or "").strip() or None,
        agent_number=(reg.agent_number or "").strip() or None,
        locale=reg.locale if is_supported(reg.locale) else None,
    )
    if reg.firm is not None:
        user.firm, user.organisation = reg.firm, reg.firm.name
    elif reg.role is Role.AGENT:
        user.firm = Firm(name=user.organisation or user.full_name)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # two registrations of one address at the same instant
        raise EmailTaken() from exc
    audit("account.registered", user=user, obj=user, role=user.role.value)
    send_confirmation(user)
    return user


# --- signed, expiring, single-use tokens -------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def _fingerprint(purpose: str, user: User) -> str:
    """Changes once the token has done its work, which makes the token single-use."""
    if purpose == "confirm":
        state = f"{user.email}|{user.email_confirmed_at is not None}"
    else:
        state = user.password_hash
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(purpose: str, user: User) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(purpose, user)})


def read_token(purpose: str, token: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid()
    user = db.session.get(User, data["u"])
    if user is None:
        raise TokenInvalid()
    if data.get("f") != _fingerprint(purpose, user):
        raise TokenUsed()
    return user


# --- confirmation -------------------------------------------------------------------------------

def send_confirmation(user: User) -> None:
    link = url_for("auth.confirm", token=make_token("confirm", user), _external=True)
    queue_mail(db.session, user.email, _l("Confirm your email address"), "confirm_email",
               user.locale, user=user, link=link)


def resend_confirmation(email: str) -> None:
    """Same outcome for every address, so that nobody learns which addresses have accounts."""
    user = find_user_by_email(email)
    if user is not None and not user.is_confirmed and user.active:
        send_confirmation(user)


def confirm_email(token: str) -> User:
    user = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user.email_confirmed_at = utcnow()
    audit("account.email_confirmed", user=user, obj=user)
    return user


# --- login --------------------------------------------------------------------------------------

def authenticate(email: str, password: str) -> User | None:
    """The user when email and password match an active account, else None (audited)."""
    user = find_user_by_email(email)
    if user is None:
        check_password(_DUMMY_HASH, password)
        audit("login.failed", actor=normalise_email(email)[:254], reason="unknown")
        return None
    if not check_password(user.password_hash, password) or not user.active:
        audit("login.failed", user=user, obj=user,
              reason="password" if user.active else "disabled")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit("login.succeeded", user=user, obj=user)


def record_logout(user: User) -> None:
    audit("logout", user=user, obj=user)


def record_rate_limited(action: str, email: str | None, by: str, limit: str) -> None:
    """A login or password reset refused for too many attempts (`by` the address or the
    account). The caller commits it at once: the refused request itself is rolled back."""
    user = find_user_by_email(email) if email else None
    if user is not None:
        audit(action, user=user, obj=user, by=by, limit=limit)
    else:
        audit(action, actor=email, by=by, limit=limit)


# --- passwords ----------------------------------------------------------------------------------

def set_password(user: User, password: str, *, keep: UserSession | None = None) -> None:
    """The new password ends every login of the user but `keep` (the one that changed it)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(user, keep=keep)


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an active account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        audit("password.reset_requested", actor=normalise_email(email)[:254], known=False)
        return
    link = url_for("auth.reset_password", token=make_token("reset", user), _external=True)
    queue_mail(db.session, user.email, _l("Reset your password"), "reset_password",
               user.locale, user=user, link=link)
    audit("password.reset_requested", user=user, obj=user, known=True)


def check_reset_token(token: str) -> User:
    return read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User:
    user = check_reset_token(token)
    set_password(user, new_password)
    if not user.is_confirmed:  # the reset link proves the address as well as a confirmation
        user.email_confirmed_at = utcnow()
    audit("password.reset", user=user, obj=user)
    queue_mail(db.session, user.email, _l("Your password was changed"), "password_changed",
               user.locale, user=user)
    return user


def change_password(user: User, current: str, new_password: str, *,
                    keep: UserSession | None = None) -> None:
    if not check_password(user.password_hash, current):
        audit("password.change_refused", user=user, obj=user)
        raise WrongPassword()
    set_password(user, new_password, keep=keep)
    audit("password.changed", user=user, obj=user)
    queue_mail(db.session, user.email, _l("Your password was changed"), "password_changed",
               user.locale, user=user)


def end_other_sessions(user: User, keep: UserSession | None) -> None:
    """Every login of the user but `keep` ends, with its remember-me cookie."""
    ended = end_sessions(user, keep=keep)
    audit("sessions.ended", user=user, obj=user, sessions=ended)


def end_all_sessions(user: User) -> None:
    """"Log out everywhere": every login of the user ends, this one too."""
    ended = end_sessions(user)
    audit("sessions.ended_everywhere", user=user, obj=user, sessions=ended)


# --- agents' firms ------------------------------------------------------------------------------

INVITE_MAX_AGE = 7 * 24 * 3600


class InvitationForOther(AccountError):
    message = _l("This invitation was sent to another email address. Register with the address "
                 "that received it.")


@dataclass(frozen=True)
class Invitation:
    firm: Firm
    email: str


def invite_colleague(inviter: User, email: str) -> None:
    """Mail `email` a link to register as an agent of the inviter's firm (valid for 7 days)."""
    if inviter.role is not Role.AGENT or inviter.firm is None:
        raise ValueError("only an agent with a firm invites colleagues")
    email = normalise_email(email)
    token = _serializer("invite").dumps({"firm": inviter.firm_id, "email": email})
    link = url_for("auth.register", invite=token, _external=True)
    queue_mail(db.session, email, _l("An invitation to file with %(firm)s",
                                     firm=inviter.firm.name),
               "invite_colleague", inviter.locale, inviter=inviter, link=link)
    audit("firm.invited", user=inviter, obj=inviter.firm, email=email)


def read_invitation(token: str) -> Invitation:
    try:
        data = _serializer("invite").loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    firm = db.session.get(Firm, data.get("firm")) if isinstance(data, dict) else None
    if firm is None or not isinstance(data.get("email"), str):
        raise TokenInvalid()
    return Invitation(firm, data["email"])


# --- settings and roles -------------------------------------------------------------------------

def set_locale(user: User, code: str) -> None:
    if not is_supported(code):
        raise ValueError(code)
    if user.locale != code:
        user.locale = code
        audit("account.locale_changed", user=user, obj=user, locale=code)


def change_role(user: User, role: Role, *, by: User | None = None, actor: str | None = None):
    if user.role is role:
        return
    before = user.role.value
    user.role = role
    if role.is_office and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    audit("account.role_changed", user=by, actor=actor, obj=user, before=before,
          after=role.value)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
