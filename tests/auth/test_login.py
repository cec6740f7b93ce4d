"""Confirmation, login, logout, rate limits, roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.auth.models import Role
from portal.extensions import db
from tests.auth.test_register import register
from tests.conftest import PASSWORD, link_in, make_user, stored_mails

GENERIC = "The email address or the password is not correct."


def test_confirmation_link_confirms_once(web, app):
    register(web)
    link = link_in(stored_mails(app)[0])
    r = web.get(link)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert "is confirmed" in web.get("/login").get_data(as_text=True)
    r = web.get(link)  # the same link again
    assert r.status_code == 302
    assert "already confirmed" in web.get("/login").get_data(as_text=True)
    r = web.login("sophea@example.org")
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")


def test_tampered_confirmation_link_is_refused(web, app):
    register(web)
    link = link_in(stored_mails(app)[0])
    r = web.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert r.status_code == 400
    assert "This link is not valid." in r.get_data(as_text=True)
    assert web.login("sophea@example.org").status_code == 200  # still unconfirmed


@pytest.mark.parametrize("config_overrides", [{"CONFIRM_TOKEN_MAX_AGE": -1}])
def test_expired_confirmation_link_is_refused(web, app, config_overrides):
    register(web)
    r = web.get(link_in(stored_mails(app)[0]))
    assert r.status_code == 400
    assert "This link has expired." in r.get_data(as_text=True)


def test_unconfirmed_account_cannot_log_in_and_can_ask_for_a_new_link(web, app):
    make_user("new@example.org", confirmed=False)
    html = web.login("new@example.org").get_data(as_text=True)
    assert "not confirmed yet" in html
    assert web.get("/dashboard").status_code == 302
    r = web.submit("/confirm", {"email": "new@example.org"})
    assert r.status_code == 302
    (mail,) = stored_mails(app)
    web.get(link_in(mail))
    assert web.login("new@example.org").headers["Location"].endswith("/dashboard")


def test_resending_to_an_unknown_address_looks_the_same(web, app):
    r = web.submit("/confirm", {"email": "nobody@example.org"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/register/check-email")
    assert stored_mails(app) == []


def test_wrong_password_and_unknown_email_get_the_same_answer(web, users):
    wrong = web.login("applicant@example.org", "wrong-password-123").get_data(as_text=True)
    unknown = web.login("ghost@example.org", "wrong-password-123").get_data(as_text=True)
    assert GENERIC in wrong and GENERIC in unknown
    def same(html, email):  # the pages differ only by the typed address and CSRF tokens
        return re.sub(r'name="csrf_token"[^>]*>', "", html.replace(email, "X"))

    assert same(wrong, "applicant@example.org") == same(unknown, "ghost@example.org")
    assert 'value="applicant@example.org"' in wrong


def test_disabled_account_gets_the_generic_answer(web, users):
    users["applicant"].active = False
    db.session.commit()
    assert GENERIC in web.login("applicant@example.org").get_data(as_text=True)


def test_login_lands_on_the_dashboard_and_logout_ends_the_session(web, users):
    r = web.login("applicant@example.org")
    assert r.headers["Location"].endswith("/dashboard")
    assert "Welcome, Sokha Chan" in web.get("/dashboard").get_data(as_text=True)
    r = web.logout()
    assert r.status_code == 302
    assert web.get("/dashboard").status_code == 302


def test_logout_needs_post_with_csrf(web, users, client):
    web.login("applicant@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_login_follows_a_local_next_but_not_another_site(web, users):
    r = web.submit("/login?next=/account", {"email": "applicant@example.org",
                                            "password": PASSWORD})
    assert r.headers["Location"].endswith("/account")
    web.logout()
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = web.submit(f"/login?next={evil}", {"email": "applicant@example.org",
                                               "password": PASSWORD}, page="/login")
        assert r.headers["Location"].endswith("/dashboard"), evil
        web.logout()


def test_staff_login_lands_on_the_office_console(web, users):
    web.login("staff@example.org")
    r = web.get("/dashboard")
    assert r.status_code == 302 and r.headers["Location"].endswith("/office/")


def test_login_is_rate_limited_per_account_with_a_clear_message(web, users):
    for _ in range(5):
        assert web.login("applicant@example.org", "wrong-password-1").status_code == 200
    r = web.login("applicant@example.org", "wrong-password-1")
    html = r.get_data(as_text=True)
    assert r.status_code == 429
    assert "You have tried this too many times." in html
    assert 'value="applicant@example.org"' in html
    # even the right password waits now
    assert web.login("applicant@example.org").status_code == 429


def test_login_is_rate_limited_per_address(web, users):
    for i in range(10):
        web.login(f"someone{i}@example.org", "wrong-password-1")
    assert web.login("applicant@example.org").status_code == 429


def test_successful_logins_do_not_count_against_the_account(web, users):
    for _ in range(6):
        assert web.login("applicant@example.org").status_code == 302
        web.logout()


def test_logins_and_failures_are_audited(web, users):
    web.login("applicant@example.org", "wrong-password-1")
    web.login("ghost@example.org", "wrong-password-1")
    web.login("applicant@example.org")
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [(r.action, r.actor, r.details.get("reason")) for r in rows]
    assert ("login.failed", "applicant@example.org", "password") in actions
    assert ("login.failed", "ghost@example.org", "unknown") in actions
    assert ("login.succeeded", "applicant@example.org", None) in actions
    assert all(r.ip == "127.0.0.1" for r in rows)


@pytest.mark.parametrize("role", ["applicant", "agent"])
def test_office_pages_are_404_for_filers(web, users, role):
    web.login(f"{role}@example.org")
    assert web.get("/office/").status_code == 404
    assert web.get("/office/mail").status_code == 404


def test_office_pages_send_anonymous_users_to_login(client):
    r = client.get("/office/")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_office_pages_open_for_staff_and_admins(web, users, role):
    web.login(f"{role}@example.org")
    html = web.get("/office/").get_data(as_text=True)
    assert "Office console" in html and 'href="/office/mail"' in html


def test_role_required_helper(app, users):
    from flask_login import login_user

    from portal.auth.access import role_required

    @role_required(Role.AGENT)
    def agents_only():
        return "ok"

    with app.test_request_context("/"):
        login_user(users["agent"])
        assert agents_only() == "ok"
    with app.test_request_context("/"):
        login_user(users["applicant"])
        with pytest.raises(Exception) as info:
            agents_only()
        assert getattr(info.value, "code", None) == 404
