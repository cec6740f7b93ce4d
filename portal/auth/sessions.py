"""Login sessions: every login is a row of its own (UserSession), named by a random key that the
session cookie and the remember-me cookie carry, so that the server can end it.

- A login starts a new session: whatever the cookie held before is dropped, and the new key is
  known only to this login, so a session cookie planted or captured before the login is worth
  nothing after it (and a cookie captured before a logout is worth nothing after the logout).
- The session cookie keeps the time of the last activity, rewritten at most once per
  SESSION_ACTIVITY_RESOLUTION_SECONDS; after SESSION_IDLE_MINUTES without activity (office
  accounts: SESSION_IDLE_MINUTES_OFFICE) the next request finds the session ended. The cookie
  is signed, so its time cannot be moved on; requests the user did not make (the page asking
  how long is left, the last autosave before the end) are not activity.
- Every login ends SESSION_MAX_HOURS after it began, whatever the activity.
- "Keep me logged in on this device" is for filers only, never office accounts: no idle
  timeout, and a remember-me cookie that outlives the browser, both only until that lifetime.
- Logout deletes the row; logging out everywhere and a new password delete them all and rotate
  the user's session token, which both cookies also carry (a disabled account rotates it too).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, func, select

from portal.audit import audit
from portal.auth.access import safe_next
from portal.auth.models import User, UserSession, new_session_token
from portal.extensions import db

SEEN = "seen_at"  # the session's last activity, in seconds since the epoch
ACTIVITY_HEADER = "X-Portal-Activity"  # "none": a request the user did not make
PASSIVE_ENDPOINTS = frozenset({"static", "auth.session_status"})


def clock() -> float:
    """Now, in seconds since the epoch (tests move it on)."""
    return time.time()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _login_id(user: User, key: str) -> str:
    """What Flask-Login keeps in the session and in the remember-me cookie: the user, the
    user's session token (rotated to end every login at once) and this login's key."""
    return f"{user.id}:{user.session_token}:{key}"


def idle_seconds(user: User) -> float:
    name = "SESSION_IDLE_MINUTES_OFFICE" if user.role.is_office else "SESSION_IDLE_MINUTES"
    return current_app.config[name] * 60


def lifetime_seconds() -> float:
    return current_app.config["SESSION_MAX_HOURS"] * 3600


def kept_logged_in(user: User, live: UserSession) -> bool:
    """Remember-me, which office accounts never have (even one promoted since its login)."""
    return live.remember and not user.role.is_office


def current() -> UserSession | None:
    """The login of this request, if it has one."""
    if not current_user.is_authenticated:  # loads the user, and with it g.user_session
        return None
    return g.get("user_session")


# --- Flask-Login -------------------------------------------------------------------------------

def load_user(login_id: str) -> User | None:
    """The user loader: the user of a live login, else None (anonymous)."""
    parts = login_id.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2]:
        return None  # also the form used before logins had keys: log in again
    user = db.session.get(User, int(parts[0]))
    if user is None or not user.active or not hmac.compare_digest(
            user.session_token.encode(), parts[1].encode()):
        return None
    live = db.session.scalar(select(UserSession).where(
        UserSession.key_hash == _key_hash(parts[2]), UserSession.user_id == user.id))
    if live is None:
        return None
    g.user_session = live
    return user


def _log_in(user: User, live: UserSession, key: str, now: float) -> None:
    remember = kept_logged_in(user, live)
    left = live.created_at.timestamp() + lifetime_seconds() - now
    # The remember-me cookie lasts no longer than the login it names.
    login_user(user, remember=remember,
               duration=timedelta(seconds=max(left, 1)) if remember else None)
    session["_user_id"] = _login_id(user, key)
    g.user_session = live


def begin_session(user: User, *, remember: bool = False) -> UserSession:
    """Log `user` in on a new session (after the password, and the code when there is one).
    Nothing the session held before survives; remember-me is refused to office accounts."""
    session.clear()
    now = clock()
    key = secrets.token_urlsafe(32)
    live = UserSession(user_id=user.id, key_hash=_key_hash(key), created_at=_at(now),
                       remember=remember and not user.role.is_office)
    db.session.add(live)
    db.session.flush()
    _log_in(user, live, key, now)
    session[SEEN] = int(now)
    return live


def carry_on(user: User) -> None:
    """After the user's other logins were ended (a new password, logout everywhere else):
    this one goes on under a new key and the new session token, keeping its login time and
    its remember-me (whose cookie is written again)."""
    live = current()
    if live is None:
        return
    key = secrets.token_urlsafe(32)
    live.key_hash = _key_hash(key)
    _log_in(user, live, key, clock())


def end_session() -> None:
    """Logout: this login's row goes, so its cookies are worth nothing, wherever copied."""
    live = current()
    if live is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == live.id))


def end_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """End every login of `user` but `keep` (a new password, logging out everywhere, a reset
    second factor, a disabled account): the user's session token, which every cookie carries,
    is rotated (`keep` goes on under the new one with `carry_on`) and the rows deleted.
    Returns how many logins ended."""
    user.session_token = new_session_token()
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement).rowcount


def other_sessions(user: User) -> int:
    """The user's other logins still within their lifetime (some may have ended for
    inactivity without the portal having seen it yet)."""
    live = current()
    query = select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id,
        UserSession.created_at > _at(clock() - lifetime_seconds()))
    if live is not None:
        query = query.where(UserSession.id != live.id)
    return db.session.scalar(query)


def purge_sessions() -> int:
    """Housekeeping: the rows of logins past their lifetime, which no cookie can use."""
    cutoff = _at(clock() - lifetime_seconds())
    return db.session.execute(delete(UserSession).where(UserSession.created_at < cutoff)).rowcount


# --- every request -----------------------------------------------------------------------------

def _ended_by(user: User, live: UserSession, now: float) -> str | None:
    if now >= live.created_at.timestamp() + lifetime_seconds():
        return "lifetime"
    # A session without a time of activity came from a remember-me cookie: only a login kept
    # logged in may start that way.
    if not kept_logged_in(user, live) and now >= session.get(SEEN, 0) + idle_seconds(user):
        return "idle"
    return None


def _is_activity() -> bool:
    return request.endpoint not in PASSIVE_ENDPOINTS and \
        request.headers.get(ACTIVITY_HEADER, "").lower() != "none"


def check_session():
    """Before every request: end a login that has been idle or has lasted too long, else note
    the activity."""
    if request.endpoint in (None, "static") or request.path.startswith("/api/"):
        return None
    live = current()
    if live is None:
        return None
    user = current_user._get_current_object()
    now = clock()
    reason = _ended_by(user, live, now)
    if reason is not None:
        return _expire(user, live, reason)
    resolution = current_app.config["SESSION_ACTIVITY_RESOLUTION_SECONDS"]
    if SEEN not in session or (_is_activity() and now - session[SEEN] >= resolution):
        session[SEEN] = int(now)
    return None


def keep_alive() -> None:
    """"Stay logged in": activity now, whatever the resolution."""
    session[SEEN] = int(clock())


def ended_message(user: User, reason: str) -> str:
    if reason == "idle":
        minutes = idle_seconds(user) / 60
        return ngettext("Your session ended after %(num)d minute without activity. Log in "
                        "again to go on.",
                        "Your session ended after %(num)d minutes without activity. Log in "
                        "again to go on.", max(1, round(minutes)))
    return ngettext("Your session ended: a session lasts at most %(num)d hour. Log in again "
                    "to go on.",
                    "Your session ended: a session lasts at most %(num)d hours. Log in again "
                    "to go on.", max_hours())


def forget() -> None:
    """Drop this browser's login: the session cookie's content, then Flask-Login's user (after
    the clear: it asks for the remember-me cookie to be deleted)."""
    session.clear()
    logout_user()


def _wants_json() -> bool:
    return bool(request.headers.get("X-Requested-With")) or \
        request.accept_mimetypes.best == "application/json"


def _here() -> str | None:
    """Where to come back to after logging in again."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def _expire(user: User, live: UserSession, reason: str):
    from portal.txn import begin_write

    live_id = live.id
    begin_write()  # even on a GET: on SQLite, take the write lock before writing
    gone = db.session.execute(delete(UserSession).where(UserSession.id == live_id)).rowcount
    if gone:  # two requests at once may find the same end: one entry
        audit("session.expired", user=user, obj=user, reason=reason)
    message = ended_message(user, reason)
    forget()
    flash(message, "info")
    if _wants_json():
        return jsonify(error={"code": 401, "message": message}), 401
    if request.endpoint == "auth.login":
        return None  # the login page itself: it shows why
    return redirect(url_for("auth.login", next=_here()))


def timing() -> dict | None:
    """How long this login has left, for the page's warning (session.js)."""
    live = current()
    if live is None:
        return None
    user = current_user._get_current_object()
    now = clock()
    lifetime_ends_in = live.created_at.timestamp() + lifetime_seconds() - now
    idle = None if kept_logged_in(user, live) else idle_seconds(user)
    idle_ends_in = None if idle is None else session.get(SEEN, now) + idle - now
    ends_in = lifetime_ends_in if idle_ends_in is None else min(idle_ends_in, lifetime_ends_in)
    return {
        "active": True,
        "idle": idle,
        "idle_ends_in": None if idle_ends_in is None else max(0, int(idle_ends_in)),
        "lifetime_ends_in": max(0, int(lifetime_ends_in)),
        "ends_in": max(0, int(ends_in)),
        "by": "idle" if idle_ends_in is not None and idle_ends_in < lifetime_ends_in
        else "lifetime",
        "warn": current_app.config["SESSION_WARNING_MINUTES"] * 60,
        "resolution": current_app.config["SESSION_ACTIVITY_RESOLUTION_SECONDS"],
    }


def max_hours() -> int:
    """SESSION_MAX_HOURS, whole, for sentences."""
    return max(1, round(current_app.config["SESSION_MAX_HOURS"]))


def template_helpers() -> dict:
    return {"session_timing": timing, "session_max_hours": max_hours}
