"""Sessions: the idle timeout, the absolute lifetime, remember-me (filers only), a new session
at every login, logout and "log out everywhere" ending sessions on the server, "Stay logged in"."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.auth import sessions
from portal.auth.models import User, UserSession
from portal.config import _session_limits
from portal.extensions import db
from tests.conftest import PASSWORD, Browser, csrf_token

MINUTE = 60
HOUR = 3600
IDLE_MESSAGE = "Your session ended after 30 minutes without activity. Log in again to go on."
OFFICE_IDLE_MESSAGE = "Your session ended after 15 minutes without activity."
LIFETIME_MESSAGE = "Your session ended: a session lasts at most 12 hours. Log in again to go on."


class Clock:
    """The portal's clock (portal.auth.sessions.clock), moved on by the tests."""

    def __init__(self):
        self.t = float(int(time.time()))  # whole seconds, as the session keeps them

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sessions, "clock", clock)
    return clock


def browser(app) -> Browser:
    return Browser(app.test_client())


def logged_in(web: Browser) -> bool:
    return web.get("/account").status_code == 200


def actions(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def rows(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id))


def session_cookie(web: Browser) -> str:
    return web.client.get_cookie("session").value


def put_back(web: Browser, value: str) -> None:
    web.client.set_cookie("session", value)


def restart_browser(web: Browser) -> None:
    """The browser was closed: the session cookie is gone, a remember-me cookie stays."""
    web.client.delete_cookie("session")


def keepalive(web: Browser, page: str = "/account"):
    token = csrf_token(web.get(page).get_data(as_text=True))
    return web.client.post("/session/keepalive", headers={
        "X-CSRFToken": token, "X-Requested-With": "fetch"})


# --- the idle timeout --------------------------------------------------------------------------

def test_an_idle_session_ends_and_the_login_page_says_why_and_comes_back(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(29 * MINUTE)
    assert logged_in(web)
    clock.advance(30 * MINUTE + 1)  # 30 minutes after the last activity
    r = web.get("/filings/drafts?page=2")
    assert r.status_code == 302
    target = urlsplit(r.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/filings/drafts?page=2"]
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert IDLE_MESSAGE in page
    assert not logged_in(web)
    (entry,) = actions("session.expired")
    assert entry.user_id == users["applicant"].id and entry.details == {"reason": "idle"}
    assert rows(users["applicant"]) == 0
    # Logging in again goes back to where the user was.
    r = web.submit("/login?next=/filings/drafts", {"email": "applicant@example.org",
                                                   "password": PASSWORD})
    assert r.headers["Location"] == "/filings/drafts"


def test_activity_is_noted_at_most_once_a_minute(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    web.get("/account")  # the first page after the login keeps the session's new CSRF token
    clock.advance(20)
    r = web.get("/account")  # within the resolution: the cookie is not written again
    assert "session=" not in " ".join(r.headers.getlist("Set-Cookie"))
    clock.advance(25 * MINUTE)
    r = web.get("/account")
    assert "session=" in " ".join(r.headers.getlist("Set-Cookie"))
    with web.client.session_transaction() as stored:
        assert stored[sessions.SEEN] == int(clock.t)
    clock.advance(25 * MINUTE)  # 50 minutes after the login, 25 after the last activity
    assert logged_in(web)


def test_office_accounts_have_a_shorter_idle_timeout(app, users, clock):
    staff, filer = browser(app), browser(app)
    staff.login("staff@example.org")
    filer.login("agent@example.org")
    clock.advance(15 * MINUTE + 1)
    r = staff.get("/office/")
    assert urlsplit(r.headers["Location"]).path == "/login"
    assert OFFICE_IDLE_MESSAGE in staff.get("/login").get_data(as_text=True)
    assert logged_in(filer)


@pytest.mark.parametrize("config_overrides", [{"SESSION_IDLE_MINUTES": 5}])
def test_the_idle_timeout_is_a_setting(app, users, clock, config_overrides):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(5 * MINUTE + 1)
    assert not logged_in(web)
    assert "after 5 minutes without activity" in web.get("/login").get_data(as_text=True)


def test_asking_how_long_is_left_is_not_activity(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(20 * MINUTE)
    status = web.get("/session", headers={"X-Requested-With": "fetch"}).get_json()
    assert status["active"] and status["by"] == "idle" and status["idle"] == 30 * MINUTE
    assert status["idle_ends_in"] == status["ends_in"] == 10 * MINUTE
    assert status["lifetime_ends_in"] == 12 * HOUR - 20 * MINUTE
    # Nor is a request marked as made without the user (the last autosave before the end).
    assert web.get("/account", headers={"X-Portal-Activity": "none"}).status_code == 200
    clock.advance(10 * MINUTE + 1)
    r = web.get("/session", headers={"X-Requested-With": "fetch"})
    assert r.status_code == 401 and r.get_json()["error"]["message"] == IDLE_MESSAGE
    # The message waits for the next page.
    assert IDLE_MESSAGE in web.get("/login").get_data(as_text=True)


def test_background_calls_after_the_end_get_401_json(app, users, clock):
    web = browser(app)
    web.login("agent@example.org")
    token = csrf_token(web.get("/account").get_data(as_text=True))
    clock.advance(31 * MINUTE)
    r = web.client.post("/account/language", data={"csrf_token": token, "locale": "fr"},
                        headers={"X-Requested-With": "fetch"})
    assert r.status_code == 401 and r.is_json
    assert db.session.get(User, users["agent"].id).locale is None  # nothing done


def test_a_form_sent_after_the_end_comes_back_to_its_page(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    token = csrf_token(web.get("/account").get_data(as_text=True))
    clock.advance(31 * MINUTE)
    r = web.client.post("/account/language", data={"csrf_token": token, "locale": "fr"},
                        headers={"Referer": "http://localhost/account?tab=1"})
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query)["next"] == ["/account?tab=1"]
    assert db.session.get(User, users["applicant"].id).locale is None


def test_an_ended_session_is_audited_once(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    copy = session_cookie(web)
    clock.advance(31 * MINUTE)
    assert not logged_in(web)
    put_back(web, copy)  # the same cookie again (another tab, a copy): already ended
    assert not logged_in(web)
    assert len(actions("session.expired")) == 1


# --- the absolute lifetime ---------------------------------------------------------------------

def test_a_session_ends_after_its_lifetime_whatever_the_activity(app, users, clock):
    web = browser(app)
    web.login("agent@example.org")
    for _step in range(24):  # active every 29 minutes: 11 hours 36 minutes
        clock.advance(29 * MINUTE)
        assert logged_in(web)
    clock.advance(25 * MINUTE)
    r = web.get("/dashboard")
    assert urlsplit(r.headers["Location"]).path == "/login"
    assert LIFETIME_MESSAGE in web.get("/login").get_data(as_text=True)
    assert actions("session.expired")[-1].details == {"reason": "lifetime"}


def test_keep_alive_cannot_pass_the_lifetime(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(12 * HOUR)
    with web.client.session_transaction() as stored:  # as if active a second ago
        stored[sessions.SEEN] = int(clock.t) - 1
    r = keepalive(web, page="/login")
    assert r.status_code == 401
    assert not logged_in(web)


# --- remember-me -------------------------------------------------------------------------------

def test_a_filer_kept_logged_in_has_no_idle_timeout_but_the_lifetime(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org", remember="y")
    cookie = web.client.get_cookie("remember_token")
    assert cookie is not None
    # The remember-me cookie lasts as long as the login may: 12 hours.
    assert abs(cookie.expires.timestamp() - (time.time() + 12 * HOUR)) < 120
    clock.advance(5 * HOUR)
    assert logged_in(web)
    restart_browser(web)
    clock.advance(HOUR)
    assert logged_in(web)  # the remember-me cookie started the session again
    clock.advance(6 * HOUR)
    assert not logged_in(web)
    assert LIFETIME_MESSAGE in web.get("/login").get_data(as_text=True)
    assert web.client.get_cookie("remember_token") is None  # deleted with the session
    assert "Log out" not in web.get("/").get_data(as_text=True)


def test_office_accounts_are_never_kept_logged_in(app, users, clock):
    web = browser(app)
    r = web.login("staff@example.org", remember="y")
    assert r.status_code == 302
    assert web.client.get_cookie("remember_token") is None
    assert not db.session.scalars(select(UserSession.remember)).one()
    clock.advance(16 * MINUTE)
    assert not logged_in(web)


def test_a_remembered_login_promoted_to_the_office_loses_its_remember_me(app, users, clock):
    from portal.auth.models import Role

    web = browser(app)
    web.login("agent@example.org", remember="y")
    users["agent"].role = Role.STAFF
    db.session.commit()
    restart_browser(web)  # the remember-me cookie alone may not start an office session
    assert web.get("/account").status_code == 302
    assert web.client.get_cookie("remember_token") is None


# --- a new session at every login --------------------------------------------------------------

def test_a_session_cookie_from_before_the_login_is_worth_nothing_after_it(app, users):
    web = browser(app)
    web.get("/login")
    with web.client.session_transaction() as stored:
        stored["planted"] = "by someone else"
    before = session_cookie(web)
    web.login("applicant@example.org")
    with web.client.session_transaction() as stored:
        assert "planted" not in stored
        user_id, token, key = stored["_user_id"].split(":")
    assert user_id == str(users["applicant"].id) and token == users["applicant"].session_token
    assert len(key) >= 40
    assert logged_in(web)
    put_back(web, before)
    assert not logged_in(web)


def test_each_login_has_its_own_key_and_logout_ends_it_on_the_server(app, users):
    web = browser(app)
    web.login("applicant@example.org")
    first = session_cookie(web)
    web.logout()
    assert rows(users["applicant"]) == 0
    put_back(web, first)  # a copy of the logged-in cookie, replayed after the logout
    assert not logged_in(web)
    web.login("applicant@example.org")
    second = session_cookie(web)
    put_back(web, first)
    assert not logged_in(web)
    put_back(web, second)
    assert logged_in(web)


def test_the_second_factor_step_starts_a_new_session_too(app, users):
    web = browser(app)
    web.submit("/login", {"email": "staff@example.org", "password": PASSWORD})
    waiting = session_cookie(web)  # the password was right, the code not typed yet
    web.login("staff@example.org")
    assert logged_in(web)
    with web.client.session_transaction() as stored:
        assert "second_factor_login" not in stored and stored["_user_id"].count(":") == 2
    put_back(web, waiting)
    assert not logged_in(web)


def test_the_session_form_of_before_this_change_no_longer_logs_in(app, users):
    web = browser(app)
    web.get("/login")
    with web.client.session_transaction() as stored:
        stored["_user_id"] = f"{users['applicant'].id}:{users['applicant'].session_token}"
    assert not logged_in(web)


# --- "Stay logged in" --------------------------------------------------------------------------

def test_keepalive_renews_the_session(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(25 * MINUTE)
    token = csrf_token(web.get("/account", headers={"X-Portal-Activity": "none"})
                       .get_data(as_text=True))
    clock.advance(4 * MINUTE)
    r = web.client.post("/session/keepalive", headers={"X-CSRFToken": token,
                                                       "X-Requested-With": "fetch"})
    assert r.status_code == 204 and r.get_data() == b""
    clock.advance(29 * MINUTE)  # 58 minutes after the login, 29 after "Stay logged in"
    assert logged_in(web)


def test_keepalive_needs_the_csrf_token(app, users, clock):
    web = browser(app)
    web.login("applicant@example.org")
    clock.advance(29 * MINUTE)
    r = web.client.post("/session/keepalive", headers={"X-Requested-With": "fetch"})
    assert r.status_code == 400
    clock.advance(2 * MINUTE)
    assert not logged_in(web)  # the refused keepalive renewed nothing


def test_keepalive_needs_a_live_session(app, users, clock):
    web = browser(app)
    r = keepalive(web, page="/login")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == 401
    web.login("applicant@example.org")
    token = csrf_token(web.get("/account").get_data(as_text=True))
    clock.advance(31 * MINUTE)
    r = web.client.post("/session/keepalive", headers={"X-CSRFToken": token,
                                                       "X-Requested-With": "fetch"})
    assert r.status_code == 401
    assert not logged_in(web)


def test_pages_carry_the_warning_for_the_script(app, users, clock):
    web = browser(app)
    assert 'id="session-warning"' not in web.get("/login").get_data(as_text=True)
    web.login("applicant@example.org")
    clock.advance(10 * MINUTE)
    page = web.get("/account", headers={"X-Portal-Activity": "none"}).get_data(as_text=True)
    assert 'id="session-warning"' in page and "js/session.js" in page
    assert 'data-idle="1800"' in page and 'data-idle-ends-in="1200"' in page
    assert 'data-warn="120"' in page and 'data-resolution="60"' in page
    assert 'role="alertdialog"' in page and 'aria-live="polite"' in page
    assert "Stay logged in" in page and "Time left: {time}" in page
    assert "<script>" not in page  # no inline script (CSP)


# --- log out everywhere ------------------------------------------------------------------------

def test_log_out_everywhere_ends_every_session_and_remember_me(app, users):
    mine, phone, laptop = browser(app), browser(app), browser(app)
    mine.login("agent@example.org")
    phone.login("agent@example.org", remember="y")
    laptop.login("agent@example.org")
    page = mine.get("/account/sessions").get_data(as_text=True)
    assert "Log out everywhere else" in page and "this one too" in page
    assert "<dt>Other sessions not logged out</dt><dd>2</dd>" in page
    r = mine.submit("/account/sessions/end-all", page="/account/sessions", follow=True)
    assert "You have been logged out everywhere, on this device too." in \
        r.get_data(as_text=True)
    for web in (mine, phone, laptop):
        assert not logged_in(web)
    restart_browser(phone)
    assert not logged_in(phone)  # its remember-me cookie too
    (entry,) = actions("sessions.ended_everywhere")
    assert entry.user_id == users["agent"].id and entry.details == {"sessions": 3}
    assert rows(users["agent"]) == 0


def test_log_out_everywhere_needs_post_and_csrf(app, users):
    web = browser(app)
    web.login("agent@example.org")
    assert web.get("/account/sessions/end-all").status_code == 405
    assert web.client.post("/account/sessions/end-all").status_code == 400
    assert logged_in(web) and actions("sessions.ended_everywhere") == []


def test_log_out_everywhere_else_keeps_this_device_remembered(app, users, clock):
    mine, other = browser(app), browser(app)
    mine.login("applicant@example.org", remember="y")
    login_row = db.session.scalars(select(UserSession)).one()
    began = login_row.created_at
    other.login("applicant@example.org", remember="y")
    old_cookie = mine.client.get_cookie("remember_token").value
    clock.advance(MINUTE)
    mine.submit("/account/sessions/end", page="/account/sessions")
    assert logged_in(mine) and not logged_in(other)
    restart_browser(other)
    assert not logged_in(other)
    new_cookie = mine.client.get_cookie("remember_token").value
    assert new_cookie != old_cookie
    restart_browser(mine)
    assert logged_in(mine)  # kept logged in, under the new cookie
    kept = db.session.scalars(select(UserSession)).one()
    assert kept.created_at == began  # the lifetime still counts from the login
    (entry,) = actions("sessions.ended")
    assert entry.details == {"sessions": 1}


def test_a_password_change_ends_the_other_sessions_on_the_server(app, users):
    mine, other = browser(app), browser(app)
    mine.login("applicant@example.org")
    other.login("applicant@example.org")
    new = "quiet-lantern-orbit-meadow"
    mine.submit("/account/password", {"current": PASSWORD, "password": new, "confirm": new})
    assert logged_in(mine) and not logged_in(other)
    assert rows(users["applicant"]) == 1


def test_a_password_reset_ends_every_session(app, users):
    from portal.auth.services import make_token

    web = browser(app)
    web.login("applicant@example.org", remember="y")
    link = f"/password/reset/{make_token('reset', users['applicant'])}"
    new = "quiet-lantern-orbit-meadow"
    Browser(app.test_client()).submit(link, {"password": new, "confirm": new})
    assert rows(users["applicant"]) == 0
    assert not logged_in(web)


def test_a_disabled_account_and_a_reset_second_factor_end_every_login_on_the_server(app,
                                                                                     users):
    """Every way of ending all of an account's logins is one (sessions.end_sessions): the
    cookies stop working and no row is left to count as a login on the sessions page."""
    from portal.auth.second_factor import reset
    from portal.office.accounts import disable_user

    staff, agent = browser(app), browser(app)
    staff.login("staff@example.org")
    agent.login("agent@example.org")
    assert rows(users["staff"]) == rows(users["agent"]) == 1
    assert reset(users["staff"], by=users["admin"])
    disable_user(users["agent"], users["admin"])
    db.session.commit()
    assert rows(users["staff"]) == rows(users["agent"]) == 0
    assert not logged_in(staff) and not logged_in(agent)


# --- housekeeping and settings -----------------------------------------------------------------

def test_housekeeping_drops_the_rows_of_logins_past_their_lifetime(app, users, clock):
    old, young = browser(app), browser(app)
    old.login("applicant@example.org")
    clock.advance(11 * HOUR)
    young.login("applicant@example.org", remember="y")  # no idle timeout
    clock.advance(HOUR + 1)
    assert sessions.purge_sessions() == 1
    db.session.commit()
    assert rows(users["applicant"]) == 1
    assert logged_in(young)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_session_settings_must_be_positive_numbers(monkeypatch, value):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", value)
    with pytest.raises(RuntimeError, match="SESSION_IDLE_MINUTES"):
        _session_limits()


def test_session_settings_from_the_environment(monkeypatch):
    monkeypatch.delenv("SESSION_WARNING_MINUTES", raising=False)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "20")
    monkeypatch.setenv("SESSION_IDLE_MINUTES_OFFICE", "7.5")
    monkeypatch.setenv("SESSION_MAX_HOURS", "")
    assert _session_limits() == {"SESSION_IDLE_MINUTES": 20, "SESSION_IDLE_MINUTES_OFFICE": 7.5,
                                 "SESSION_MAX_HOURS": 12, "SESSION_WARNING_MINUTES": 2}
