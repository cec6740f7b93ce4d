"""Forgotten password, reset, change; sessions end when the password changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEntry
from portal.extensions import db
from tests.conftest import PASSWORD, Browser, link_in, stored_mails

NEW = "quiet-lantern-orbit-meadow"


def ask_reset(web, email="applicant@example.org"):
    return web.submit("/password/forgot", {"email": email})


def test_reset_by_mailed_link(web, app, users):
    r = ask_reset(web)
    assert r.status_code == 200 and "If applicant@example.org belongs" in r.get_data(as_text=True)
    (mail,) = stored_mails(app)
    link = link_in(mail)
    r = web.submit(link, {"password": NEW, "confirm": NEW})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert web.login("applicant@example.org", PASSWORD).status_code == 200
    assert web.login("applicant@example.org", NEW).status_code == 302
    notices = stored_mails(app)[1:]
    assert [m["Subject"] for m in notices] == ["Your password was changed"]


def test_reset_link_works_once(web, app, users):
    ask_reset(web)
    link = link_in(stored_mails(app)[0])
    web.submit(link, {"password": NEW, "confirm": NEW})
    r = web.get(link)
    assert r.status_code == 400
    assert "This link has already been used." in r.get_data(as_text=True)


def test_tampered_reset_link_is_refused(web, app, users):
    ask_reset(web)
    link = link_in(stored_mails(app)[0])
    r = web.get(link.replace("/reset/", "/reset/x"))
    assert r.status_code == 400 and "This link is not valid." in r.get_data(as_text=True)


@pytest.mark.parametrize("config_overrides", [{"RESET_TOKEN_MAX_AGE": -1}])
def test_expired_reset_link_is_refused(web, app, users, config_overrides):
    ask_reset(web)
    r = web.get(link_in(stored_mails(app)[0]))
    assert r.status_code == 400 and "This link has expired." in r.get_data(as_text=True)


def test_reset_with_a_weak_password_keeps_the_link_usable(web, app, users):
    ask_reset(web)
    link = link_in(stored_mails(app)[0])
    r = web.submit(link, {"password": "password", "confirm": "password"})
    assert r.status_code == 200 and "Use at least 10 characters." in r.get_data(as_text=True)
    assert web.submit(link, {"password": NEW, "confirm": NEW}).status_code == 302


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(web, app, users):
    known = ask_reset(web).get_data(as_text=True)
    unknown = ask_reset(web, "ghost@example.org").get_data(as_text=True)
    assert "If ghost@example.org belongs" in unknown
    def same(html, email):  # the CSRF tokens carry a timestamp: leave them out
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html.replace(email, "X"))

    assert same(known, "applicant@example.org") == same(unknown, "ghost@example.org")
    assert len(stored_mails(app)) == 1


def test_reset_requests_are_rate_limited(web, app, users):
    for _ in range(5):
        assert ask_reset(web).status_code == 200
    r = ask_reset(web)
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert "You have tried this too many times." in html
    assert 'value="applicant@example.org"' in html
    assert len(stored_mails(app)) == 5


def test_change_password_ends_the_other_sessions(app, users):
    mine, other = Browser(app.test_client()), Browser(app.test_client())
    mine.login("applicant@example.org")
    other.login("applicant@example.org")
    assert other.get("/dashboard").status_code == 200
    r = mine.submit("/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert r.status_code == 302
    assert mine.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    assert mine.get("/account").status_code == 200
    rows = db.session.scalars(select(AuditEntry.action)).all()
    assert "password.changed" in rows


def test_change_password_with_the_wrong_current_one(web, users):
    web.login("applicant@example.org")
    r = web.submit("/account/password", {"current": "not-it-at-all", "password": NEW,
                                         "confirm": NEW})
    assert "The current password is not correct." in r.get_data(as_text=True)
    web.logout()
    assert web.login("applicant@example.org", PASSWORD).status_code == 302


def test_change_password_refuses_a_mismatched_confirmation(web, users):
    web.login("applicant@example.org")
    r = web.submit("/account/password", {"current": PASSWORD, "password": NEW,
                                         "confirm": NEW + "!"})
    assert "The two passwords do not match." in r.get_data(as_text=True)


def test_remember_me_cookie_dies_with_a_password_change(app, users):
    remembered, mine = Browser(app.test_client()), Browser(app.test_client())
    remembered.login("applicant@example.org", remember="y")
    assert remembered.client.get_cookie("remember_token") is not None
    remembered.client.delete_cookie("session")  # the browser was closed
    assert remembered.get("/dashboard").status_code == 200
    mine.login("applicant@example.org")
    mine.submit("/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    remembered.client.delete_cookie("session")
    assert remembered.get("/dashboard").status_code == 302


def test_log_out_everywhere_else(app, users):
    mine, other = Browser(app.test_client()), Browser(app.test_client())
    mine.login("applicant@example.org")
    other.login("applicant@example.org")
    mine.submit("/account/sessions/end", page="/account")
    assert mine.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
