"""The second factor: enrolment, recovery codes, the login's second step, replays, rate limits,
accounts that must have one, turning it off, the console's reset, and who may touch whose."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.api.models import create_client
from portal.audit import AuditEntry
from portal.auth import second_factor as sf
from portal.auth.models import RecoveryCode, Role, User
from portal.extensions import db
from tests.conftest import PASSWORD, TOTP_SECRET, Browser, make_user, stored_mails, totp_code

SECOND_STEP = "/login/second-factor"


def code_for(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset * 30)


def wrong_code(secret: str) -> str:
    """A 6-digit code that none of the accepted steps (now, before, after) has."""
    valid = {code_for(secret, n) for n in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in valid)


def actions(user: User | None = None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    if user is not None:
        query = query.where(AuditEntry.object_type == "User",
                            AuditEntry.object_id == str(user.id))
    return list(db.session.scalars(query))


def password_step(web, email: str, **extra):
    return web.submit("/login", {"email": email, "password": PASSWORD, **extra})


def enrol_page_secret(web) -> str:
    html = web.get("/account/second-factor").get_data(as_text=True)
    match = re.search(r'<code class="secret" id="secret" dir="ltr">([A-Z2-7 ]+)</code>', html)
    assert match, html
    return match.group(1).replace(" ", "")


def enrol(web, secret: str | None = None):
    """Turn the second factor on through the pages; the secret and the recovery codes."""
    secret = secret or enrol_page_secret(web)
    r = web.submit("/account/second-factor", {"code": code_for(secret)})
    assert r.status_code == 200, r.get_data(as_text=True)
    return secret, re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>",
                              r.get_data(as_text=True))


def applicant_with_factor(web, users):
    web.login("applicant@example.org")
    secret, codes = enrol(web)
    web.logout()
    return secret, codes


# --- enrolment -----------------------------------------------------------------------------

def test_enrolment_refuses_a_wrong_code_then_takes_the_right_one(web, users, app):
    web.login("applicant@example.org")
    page = web.get("/account/second-factor")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # The QR code is an inline SVG (no image service, no script), the key is grouped text.
    assert re.search(r'<svg role="img" [^>]*class="qr-code"', html) and "<script>" not in html
    assert "<title>QR code to scan with your authenticator app</title>" in html
    secret = enrol_page_secret(web)
    assert len(secret) == 32 and re.search(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", html)
    assert enrol_page_secret(web) == secret  # a reload shows the same key

    r = web.submit("/account/second-factor", {"code": wrong_code(secret)})
    assert r.status_code == 400
    assert "The code is not correct. Check that your device&#39;s clock is right" in \
        r.get_data(as_text=True)
    user = users["applicant"]
    assert user.second_factor_enabled_at is None and user.totp_secret is None
    assert "second_factor.failed" in actions(user)

    r = web.submit("/account/second-factor", {"code": " " + code_for(secret) + " "})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "The second factor is on." in r.get_data(as_text=True)
    db.session.refresh(user)
    assert user.second_factor_enabled_at is not None
    # Kept encrypted: the database does not hold the key, and another SECRET_KEY cannot read it.
    assert secret not in user.totp_secret and sf.decrypt(user.totp_secret) == secret
    app.config["SECRET_KEY"] = "another-key"
    assert sf.decrypt(user.totp_secret) is None
    app.config["SECRET_KEY"] = "test-secret-key-not-for-production"
    assert actions(user)[-1] == "second_factor.enabled"
    assert "A second factor was turned on" in stored_mails(app)[-1].get_body(
        ("plain",)).get_content()


def test_recovery_codes_are_shown_once_and_kept_only_as_hashes(web, users):
    web.login("applicant@example.org")
    _secret, codes = enrol(web)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == users["applicant"].id)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    for page in ("/account/second-factor", "/account"):
        html = web.get(page).get_data(as_text=True)
        assert not any(code in html for code in codes)
    assert "Recovery codes left</dt><dd>10" in web.get("/account/second-factor").get_data(
        as_text=True)


def test_confirming_twice_turns_it_on_once(web, users):
    web.login("applicant@example.org")
    secret = enrol_page_secret(web)
    _secret, codes = enrol(web, secret)
    before = set(db.session.scalars(select(RecoveryCode.code_hash)))
    r = web.submit("/account/second-factor", {"code": code_for(secret, 1)},
                   page="/account/second-factor", follow=True)
    assert "Your second factor is already on." in r.get_data(as_text=True)
    assert set(db.session.scalars(select(RecoveryCode.code_hash))) == before
    assert actions(users["applicant"]).count("second_factor.enabled") == 1


# --- logging in ------------------------------------------------------------------------------

def test_login_needs_the_code_and_the_pending_session_reaches_no_page(web, users, app):
    secret, _codes = applicant_with_factor(web, users)
    r = password_step(web, "applicant@example.org")
    assert r.status_code == 302 and r.headers["Location"] == SECOND_STEP
    # Between the two steps the session is not logged in: no page shows the account.
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in (
                "static", "auth.login_code"):
            continue
        page = web.get(rule.rule)
        body = page.get_data(as_text=True)
        assert "applicant@example.org" not in body and "Log out" not in body, rule.rule
        assert page.status_code in (200, 302, 401, 404), (rule.rule, page.status_code)
    assert web.get("/dashboard").headers["Location"].startswith("/login")
    assert web.get("/account").headers["Location"].startswith("/login")
    assert actions(users["applicant"]).count("login.succeeded") == 1  # when it enrolled

    # (the enrolment took this window's code: the next one)
    r = web.submit(SECOND_STEP, {"code": totp_code(users["applicant"])})
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard"
    assert "Welcome, Sokha Chan" in web.get("/dashboard").get_data(as_text=True)
    assert actions(users["applicant"])[-1] == "login.succeeded"


def test_the_second_step_keeps_next_and_remember_me(web, users):
    secret, _codes = applicant_with_factor(web, users)
    r = web.submit("/login?next=/account", {"email": "applicant@example.org",
                                            "password": PASSWORD, "remember": "y"})
    assert r.headers["Location"] == SECOND_STEP
    assert "remember_token" not in r.headers.get("Set-Cookie", "")
    r = web.submit(SECOND_STEP, {"code": totp_code(users["applicant"])})
    assert r.headers["Location"] == "/account"
    assert "remember_token=" in " ".join(r.headers.getlist("Set-Cookie"))
    # Only the remember-me cookie left (the session cookie gone): still logged in.
    web.client.delete_cookie("session")
    assert web.get("/account").status_code == 200


def test_a_code_is_good_once(web, users):
    make_user("clerk@example.org", Role.STAFF)
    code = code_for(TOTP_SECRET)
    password_step(web, "clerk@example.org")
    assert web.submit(SECOND_STEP, {"code": code}).status_code == 302
    web.logout()
    password_step(web, "clerk@example.org")
    r = web.submit(SECOND_STEP, {"code": code})
    assert r.status_code == 200
    assert "This code has already been used." in r.get_data(as_text=True)
    assert web.get("/office/").status_code == 302
    failed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "second_factor.failed")).all()
    assert [e.details for e in failed] == [{"purpose": "login", "reason": "used"}]


def test_a_code_from_the_previous_step_is_accepted_but_not_older(web, users):
    make_user("clerk@example.org", Role.STAFF)
    password_step(web, "clerk@example.org")
    assert web.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET, -4)}).status_code == 200
    assert web.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET, -1)}).status_code == 302


def test_each_recovery_code_logs_in_once(web, users, app):
    _secret, codes = applicant_with_factor(web, users)
    for code in codes[:2]:
        password_step(web, "applicant@example.org")
        r = web.submit(SECOND_STEP, {"code": code.upper().replace("-", " ")})
        assert r.status_code == 302 and r.headers["Location"] == "/dashboard"
        web.logout()
    password_step(web, "applicant@example.org")
    r = web.submit(SECOND_STEP, {"code": codes[0]})
    assert r.status_code == 200 and "The code is not correct." in r.get_data(as_text=True)
    assert actions(users["applicant"]).count("second_factor.recovery_used") == 2
    assert "One of the recovery codes of your account was used. 8 are left." in \
        stored_mails(app)[-1].get_body(("plain",)).get_content()


def test_wrong_codes_are_rate_limited_per_account(web, users, app):
    make_user("clerk@example.org", Role.STAFF)
    password_step(web, "clerk@example.org")
    for _ in range(5):
        assert web.submit(SECOND_STEP, {"code": wrong_code(TOTP_SECRET)}).status_code == 200
    r = web.submit(SECOND_STEP, {"code": wrong_code(TOTP_SECRET)})
    assert r.status_code == 429
    assert "You have tried this too many times." in r.get_data(as_text=True)
    # Not even the right code, and not from a new session on another address either.
    assert web.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET)}).status_code == 429
    other = Browser(app.test_client())
    password_step(other, "clerk@example.org", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    r = other.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET)},
                     environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 429
    clerk = db.session.scalar(select(User).where(User.email == "clerk@example.org"))
    assert actions(clerk).count("second_factor.failed") == 5
    assert "second_factor.rate_limited" in actions(clerk)


def test_right_codes_do_not_count_against_the_account(web, users):
    make_user("clerk@example.org", Role.STAFF)
    for _ in range(6):  # five a minute at most would be refused if they counted
        assert web.login("clerk@example.org").status_code == 302
        web.logout()
        clerk = db.session.scalar(select(User).where(User.email == "clerk@example.org"))
        clerk.totp_last_step = None  # the next login may reuse this window's code
        db.session.commit()


@pytest.mark.parametrize("config_overrides", [{"SECOND_FACTOR_LOGIN_SECONDS": -1}])
def test_the_second_step_expires(web, users, config_overrides):
    password_step(web, "staff@example.org")
    r = web.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET)}, page="/login")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert "Your login has expired. Log in again." in web.get("/login").get_data(as_text=True)
    assert web.get("/office/").status_code == 302


def test_a_password_change_ends_a_waiting_second_step(web, users, app):
    password_step(web, "staff@example.org")
    users["staff"].session_token = "rotated"
    db.session.commit()
    r = web.submit(SECOND_STEP, {"code": code_for(TOTP_SECRET)}, page="/login")
    assert r.headers["Location"] == "/login"


# --- accounts that must have one -----------------------------------------------------------

def test_staff_without_a_factor_must_enrol_before_anything_else(web, users, app):
    make_user("clerk@example.org", Role.STAFF, second_factor=False)
    r = password_step(web, "clerk@example.org")
    assert r.status_code == 302
    for path in ("/office/", "/office/users", "/dashboard", "/account", "/account/password",
                 "/notifications/", "/"):
        r = web.get(path)
        assert r.status_code == 302 and r.headers["Location"] == "/account/second-factor", path
    r = web.submit("/account/language", {"locale": "fr"}, page="/account/second-factor")
    assert r.headers["Location"] == "/account/second-factor"
    html = web.get("/account/second-factor").get_data(as_text=True)
    assert "Your account must have a second factor." in html
    with web.get("/static/css/portal.css") as css:
        assert css.status_code == 200
    # The API is not concerned: tokens authenticate themselves.
    assert web.get("/api/v1/openapi.json").status_code == 200

    enrol(web)
    assert web.get("/office/").status_code == 200
    # and it cannot be turned off
    html = web.get("/account/second-factor").get_data(as_text=True)
    assert "it cannot be turned off" in html and 'action="/account/second-factor/disable"' \
        not in html
    r = web.submit("/account/second-factor/disable", {"password": PASSWORD, "code": "123456"},
                   page="/account/second-factor")
    assert "it cannot be turned off" in r.get_data(as_text=True)
    clerk = db.session.scalar(select(User).where(User.email == "clerk@example.org"))
    assert clerk.second_factor_enabled_at is not None


def test_a_pending_enrolment_can_log_out(web, users):
    make_user("clerk@example.org", Role.ADMIN, second_factor=False)
    password_step(web, "clerk@example.org")
    r = web.submit("/logout", page="/account/second-factor")
    assert r.headers["Location"] == "/login"
    assert web.get("/account/second-factor").headers["Location"].startswith("/login")


@pytest.mark.parametrize(("config_overrides", "forced"), [
    ({"SECOND_FACTOR_REQUIRED_FOR_AGENTS": True}, True),
    ({"SECOND_FACTOR_REQUIRED_FOR_AGENTS": False}, False),
])
def test_agents_must_enrol_only_when_the_office_says_so(web, users, app, config_overrides,
                                                        forced):
    _client, token = create_client("Docketing", ["filings:read"], user=users["agent"])
    db.session.commit()
    web.login("agent@example.org")
    r = web.get("/dashboard")
    assert (r.status_code == 302 and r.headers["Location"] == "/account/second-factor") is forced
    assert r.status_code == (302 if forced else 200)
    # Personal tokens keep working either way.
    api = app.test_client().get("/api/v1/filings", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    web.submit("/logout", page="/account/second-factor")
    web.login("applicant@example.org")
    assert web.get("/dashboard").status_code == 200  # applicants never must


# --- settings ------------------------------------------------------------------------------

def test_an_applicant_turns_it_off_with_password_and_code(web, users, app):
    secret, codes = applicant_with_factor(web, users)
    password_step(web, "applicant@example.org")
    web.submit(SECOND_STEP, {"code": codes[0]})
    page = "/account/second-factor"
    r = web.submit("/account/second-factor/disable",
                   {"password": "not-the-password", "code": code_for(secret)}, page=page)
    assert r.status_code == 400 and "The current password is not correct." in r.get_data(
        as_text=True)
    r = web.submit("/account/second-factor/disable",
                   {"password": PASSWORD, "code": wrong_code(secret)}, page=page)
    assert r.status_code == 400 and "The code is not correct." in r.get_data(as_text=True)
    user = users["applicant"]
    assert user.second_factor_enabled_at is not None
    r = web.submit("/account/second-factor/disable", {"password": PASSWORD,
                                                      "code": totp_code(user)}, page=page)
    assert r.status_code == 302 and r.headers["Location"] == "/account"
    db.session.refresh(user)
    assert (user.second_factor_enabled_at, user.totp_secret) == (None, None)
    assert db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id)).all() == []
    assert actions(user)[-1] == "second_factor.disabled"
    assert "turned off" in stored_mails(app)[-1].get_body(("plain",)).get_content()
    web.logout()
    assert password_step(web, "applicant@example.org").headers["Location"] == "/dashboard"


def test_new_recovery_codes_replace_the_old_ones(web, users):
    secret, old = applicant_with_factor(web, users)
    password_step(web, "applicant@example.org")
    web.submit(SECOND_STEP, {"code": old[0]})
    r = web.submit("/account/second-factor/recovery-codes", {"code": wrong_code(secret)},
                   page="/account/second-factor")
    assert r.status_code == 400 and "The code is not correct." in r.get_data(as_text=True)
    r = web.submit("/account/second-factor/recovery-codes",
                   {"code": totp_code(users["applicant"])}, page="/account/second-factor")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    new = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", r.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert actions(users["applicant"])[-1] == "second_factor.recovery_regenerated"
    web.logout()
    password_step(web, "applicant@example.org")
    assert web.submit(SECOND_STEP, {"code": old[1]}).status_code == 200  # refused
    assert web.submit(SECOND_STEP, {"code": new[0]}).status_code == 302


def test_account_page_links_the_setting(web, users):
    web.login("applicant@example.org")
    html = web.get("/account").get_data(as_text=True)
    assert 'href="/account/second-factor"' in html and "off. Turn it on" in html


# --- the console ---------------------------------------------------------------------------

def test_an_administrator_resets_a_factor_with_confirmation(web, users, app):
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    assert staff.get("/office/").status_code == 200
    web.login("admin@example.org")
    target = users["staff"]
    page = web.get(f"/office/users/{target.id}").get_data(as_text=True)
    assert f'href="/office/users/{target.id}/second-factor/reset"' in page
    confirm = web.get(f"/office/users/{target.id}/second-factor/reset")
    assert "Reset the second factor of staff@example.org?" in confirm.get_data(as_text=True)
    db.session.refresh(target)
    assert target.second_factor_enabled_at is not None  # the GET changed nothing

    r = web.submit(f"/office/users/{target.id}/second-factor/reset")
    assert r.status_code == 302
    db.session.refresh(target)
    assert (target.second_factor_enabled_at, target.totp_secret,
            target.second_factor_must_enrol) == (None, None, True)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "second_factor.reset")).one()
    assert (entry.actor, entry.object_id, entry.details["before"]) == (
        "admin@example.org", str(target.id), {"second_factor": True})
    # Its sessions ended; at the next login it must enrol again.
    assert staff.get("/office/").status_code == 302
    assert staff.get("/office/").headers["Location"].startswith("/login")
    assert password_step(staff, "staff@example.org").headers["Location"] == "/dashboard"
    assert staff.get("/office/").headers["Location"] == "/account/second-factor"
    # A second reset does nothing more.
    web.submit(f"/office/users/{target.id}/second-factor/reset",
               page=f"/office/users/{target.id}")
    assert actions(target).count("second_factor.reset") == 1


def test_a_reset_applicant_must_enrol_again_then_may_turn_it_off(web, users, app):
    applicant_with_factor(web, users)
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    admin.submit(f"/office/users/{users['applicant'].id}/second-factor/reset",
                 page=f"/office/users/{users['applicant'].id}")
    password_step(web, "applicant@example.org")
    assert web.get("/dashboard").headers["Location"] == "/account/second-factor"
    secret, _codes = enrol(web)
    assert web.get("/dashboard").status_code == 200
    html = web.get("/account/second-factor").get_data(as_text=True)
    assert 'action="/account/second-factor/disable"' in html


def test_nobody_else_reaches_anyones_factor(web, users, app):
    target = users["applicant"]
    url = f"/office/users/{users['admin'].id}/second-factor/reset"
    for email in ("applicant@example.org", "agent@example.org", "staff@example.org"):
        other = Browser(app.test_client())
        other.login(email)
        assert other.get(url).status_code == 404, email
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          other.get("/account").get_data(as_text=True)).group(1)
        assert other.client.post(url, data={"csrf_token": token}).status_code == 404, email
        assert other.get(f"/office/users/{target.id}").status_code == 404
    db.session.refresh(users["admin"])
    assert users["admin"].second_factor_enabled_at is not None
    web.login("admin@example.org")
    assert web.get("/office/users/999999/second-factor/reset").status_code == 404
    # One's own is under My account, not in the console.
    r = web.submit(url, page=f"/office/users/{users['admin'].id}")
    assert r.status_code == 302
    db.session.refresh(users["admin"])
    assert users["admin"].second_factor_enabled_at is not None
    # The account pages act on the logged-in user only: an agent's post leaves the
    # applicant's factor alone.
    secret, _codes = applicant_with_factor(Browser(app.test_client()), users)
    agent = Browser(app.test_client())
    agent.login("agent@example.org")
    agent.submit("/account/second-factor/disable", {"password": PASSWORD,
                                                    "code": code_for(secret)},
                 page="/account/second-factor")
    db.session.refresh(target)
    assert target.second_factor_enabled_at is not None


def test_the_command_line_resets_a_factor(app, users, runner):
    result = runner.invoke(args=["user", "reset-second-factor", "Admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "second factor reset" in result.output
    db.session.refresh(users["admin"])
    assert users["admin"].second_factor_enabled_at is None
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "second_factor.reset")).one()
    assert entry.actor == "command line" and entry.user_id is None
    again = runner.invoke(args=["user", "reset-second-factor", "admin@example.org"])
    assert "has no second factor" in again.output
    assert runner.invoke(args=["user", "reset-second-factor", "x@example.org"]).exit_code == 1
