"""The second factor: TOTP codes (RFC 6238: 30-second steps, 6 digits) and one-time recovery
codes. Mandatory for office staff and administrators, for agents when the office says so
(SECOND_FACTOR_REQUIRED_FOR_AGENTS), optional for everyone else.

Keeping the secrets:
- The TOTP secret is encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256) under a key
  derived from SECRET_KEY by HKDF-SHA256 (its own `info`, so it is no other use's key). A copy of
  the database alone gives no codes. Changing SECRET_KEY makes the stored secrets unreadable:
  those accounts must then be reset (console or `flask user reset-second-factor`).
- Recovery codes carry 60 random bits each. A slow hash (argon2) protects guessable secrets such
  as passwords and adds nothing to codes nobody can guess; so they are kept as HMAC-SHA256 under
  another HKDF-derived key (with the user's id): one indexed lookup checks a code, and the
  database alone does not even allow testing guesses offline.
- A code's time step is remembered and only later steps are accepted: a code is good once.

The functions change models, write the audit log and flush; the request commits.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from hashlib import sha256

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from portal.audit import audit
from portal.auth.models import RecoveryCode, Role, User
from portal.auth.services import AccountError, WrongPassword, check_password
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.mail import queue_mail
from portal.timeutil import utcnow

STEP_SECONDS = 30
DIGITS = 6
# Codes of the step before and after the server's are accepted too (a slow typist, a clock a
# little off), as RFC 6238 section 5.2 recommends.
VALID_WINDOW = 1
RECOVERY_CODES = 10
# 31 letters and digits without the look-alikes 0/o, 1/l/i: 12 of them carry 59 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
TOTP_RE = re.compile(r"^\d{6}$")


class SecondFactorError(AccountError):
    message = _l("The second factor could not be changed.")


class WrongCode(SecondFactorError):
    message = _l("The code is not correct. Enter the code your app shows now, or one of your "
                 "recovery codes.")


class WrongEnrolmentCode(SecondFactorError):
    message = _l("The code is not correct. Check that your device's clock is right, then enter "
                 "the code your app shows now.")


class CodeUsed(SecondFactorError):
    message = _l("This code has already been used. Wait for your app to show a new one.")


class SecondFactorRequired(SecondFactorError):
    message = _l("Your account must have a second factor: it cannot be turned off.")


class AlreadyEnabled(SecondFactorError):
    message = _l("Your second factor is already on. Its recovery codes were shown once, in the "
                 "answer to your first confirmation; if you did not keep them, make new ones "
                 "below.")


# --- keys and secrets --------------------------------------------------------------------------

def _derived_key(purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"portal.second-factor.{purpose}".encode()).derive(
        current_app.config["SECRET_KEY"].encode())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key("totp-secret")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str, ttl: int | None = None) -> str | None:
    """The plain value, or None when it was made under another key or is older than `ttl`."""
    try:
        return _fernet().decrypt(token.encode(), ttl=ttl).decode()
    except (InvalidToken, ValueError):
        return None


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def grouped(secret: str) -> str:
    """The secret as people copy it: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(user: User, secret: str) -> str:
    from portal.office.models import current_office

    office = current_office()
    issuer = (office.short_name if office is not None else "") or "Filing portal"
    return _totp(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of `uri` as an inline SVG (no script, no style attribute: the page's CSP)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr-code",
        lineclass=None, omitsize=False)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def current_step() -> int:
    return int(time.time()) // STEP_SECONDS


# --- who needs one -----------------------------------------------------------------------------

def has_second_factor(user: User) -> bool:
    return user.second_factor_enabled_at is not None


def is_required(user: User) -> bool:
    """Whether the account may not be used without a second factor."""
    if user.role.is_office or user.second_factor_must_enrol:
        return True
    return user.role is Role.AGENT and bool(
        current_app.config.get("SECOND_FACTOR_REQUIRED_FOR_AGENTS"))


def needs_enrolment(user: User) -> bool:
    return is_required(user) and not has_second_factor(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- checking codes ----------------------------------------------------------------------------

def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _recovery_hash(user_id: int, code: str) -> str:
    return hmac.new(_derived_key("recovery-codes"), f"{user_id}:{code}".encode(),
                    sha256).hexdigest()


def _accept_step(user: User, secret: str, code: str) -> None:
    """Accept `code` for `user` once, or raise WrongCode / CodeUsed. The step is claimed by one
    conditional UPDATE, so two requests with one code cannot both pass."""
    try:
        step = _totp(secret).verify_and_get_timecode(code, valid_window=VALID_WINDOW)
    except pyotp.OTPVerificationError as exc:
        raise WrongCode() from exc
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                   User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    db.session.expire(user, ["totp_last_step"])
    if claimed.rowcount != 1:
        raise CodeUsed()


def _use_recovery_code(user: User, code: str) -> None:
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _recovery_hash(user.id, code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise WrongCode()
    left = recovery_codes_left(user)
    audit("second_factor.recovery_used", user=user, obj=user, left=left)
    _mail(user, lazy_ngettext("One of the recovery codes of your account was used. %(num)s "
                              "is left.", "One of the recovery codes of your account was used. "
                              "%(num)s are left.", left))


def check_code(user: User, code: str, *, purpose: str, recovery: bool = True) -> str:
    """Check a code from the user's app (or, with `recovery`, a recovery code) and use it up.
    Returns "totp" or "recovery"; raises WrongCode or CodeUsed (audited as a failure)."""
    code = normalise(code)
    try:
        if TOTP_RE.match(code):
            secret = decrypt(user.totp_secret or "")
            if secret is None:
                raise WrongCode()
            _accept_step(user, secret, code)
            return "totp"
        if not recovery or not code or len(code) > 64:
            raise WrongCode()
        _use_recovery_code(user, code)
        return "recovery"
    except SecondFactorError as exc:
        audit("second_factor.failed", user=user, obj=user, purpose=purpose,
              reason="used" if isinstance(exc, CodeUsed) else "wrong")
        raise


# --- turning it on and off ---------------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    """A secret offered to the user, not yet confirmed: kept encrypted in the session."""

    secret: str
    token: str  # what the session keeps

    ENROL_SECONDS = 3600  # long enough to find and install an app

    @classmethod
    def start(cls, user: User) -> Enrolment:
        secret = new_secret()
        return cls(secret, encrypt(f"{user.id}:{secret}"))

    @classmethod
    def resume(cls, user: User, token: str | None) -> Enrolment | None:
        """The enrolment the session holds for `user`, unless it is too old or another's."""
        plain = decrypt(token, ttl=cls.ENROL_SECONDS) if token else None
        owner, _, secret = (plain or "").partition(":")
        return cls(secret, token) if secret and owner == str(user.id) else None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, code))
                       for code in codes)
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on with `secret` once `code` proves the app has it; returns the
    recovery codes, to be shown this once."""
    if has_second_factor(user):
        raise AlreadyEnabled()
    code = normalise(code)
    if not TOTP_RE.match(code):
        audit("second_factor.failed", user=user, obj=user, purpose="enrol", reason="wrong")
        raise WrongEnrolmentCode()
    try:
        _accept_step(user, secret, code)
    except SecondFactorError as exc:
        audit("second_factor.failed", user=user, obj=user, purpose="enrol", reason="wrong")
        raise WrongEnrolmentCode() from exc
    user.totp_secret = encrypt(secret)
    user.second_factor_enabled_at = utcnow()
    user.second_factor_must_enrol = False
    codes = _new_recovery_codes(user)
    audit("second_factor.enabled", user=user, obj=user, before={"second_factor": False},
          after={"second_factor": True})
    _mail(user, _l("A second factor was turned on for your account."))
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for a current code; the old ones stop working."""
    if not has_second_factor(user):
        raise SecondFactorError()
    check_code(user, code, purpose="regenerate")
    codes = _new_recovery_codes(user)
    audit("second_factor.recovery_regenerated", user=user, obj=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.second_factor_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, password: str, code: str) -> None:
    """The user turns the second factor off: the password and a code (or a recovery code)."""
    if not has_second_factor(user):
        return
    if is_required(user):
        raise SecondFactorRequired()
    if not check_password(user.password_hash, password):
        audit("second_factor.failed", user=user, obj=user, purpose="disable", reason="password")
        raise WrongPassword()
    check_code(user, code, purpose="disable")
    _clear(user)
    audit("second_factor.disabled", user=user, obj=user, before={"second_factor": True},
          after={"second_factor": False})
    _mail(user, _l("The second factor of your account was turned off."))


def reset(user: User, *, by: User | None = None, actor: str | None = None) -> bool:
    """An administrator removes the user's second factor (a lost phone): every session of the
    account ends, and it must enrol again at its next login. False if there was nothing to
    reset."""
    if not has_second_factor(user):
        return False
    before = {"second_factor": has_second_factor(user)}
    _clear(user)
    user.second_factor_must_enrol = True
    end_sessions(user)
    audit("second_factor.reset", user=by, actor=actor, obj=user, before=before,
          after={"second_factor": False, "must_enrol": True})
    _mail(user, _l("An administrator of the office reset the second factor of your account. "
                   "At your next login you will set it up again."))
    return True


def _mail(user: User, what) -> None:
    queue_mail(db.session, user.email, _l("The security of your account changed"),
               "second_factor_changed", user.locale, user=user, what=what)
