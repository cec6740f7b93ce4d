"""The environment: a banner on every page outside production (error pages and the console
too), and in acceptance and pre-production mail only to MAIL_ALLOWLIST, the rest kept for staff
to read; checked against a real SMTP server."""

from __future__ import annotations

import logging

import pytest

from portal.config import ENVIRONMENTS, from_environment
from portal.i18n import environment_label
from portal.mail import build_message, deliver
from tests.conftest import Browser, stored_mails

ALLOWLIST = ("tester@example.org", "@office.example")


@pytest.fixture
def config_overrides(smtp_server):
    controller, inbox = smtp_server
    inbox.messages.clear()
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
            "MAIL_ALLOWLIST": ALLOWLIST}


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


def banner(page: str) -> str | None:
    marker = '<p class="env-banner" role="note">'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_banner_names_the_environment_on_every_page_but_in_production(app, staff,
                                                                           environment):
    app.config["PORTAL_ENV"] = environment
    pages = {"/": staff.get("/"), "/office/": staff.get("/office/"),
             "/office/deliveries": staff.get("/office/deliveries"),
             "a missing page": staff.get("/no-such-page"),
             "a refused method": staff.client.post("/office/"),
             "an expired form": staff.client.post("/language", data={"locale": "fr"})}
    assert [r.status_code for r in pages.values()] == [200, 200, 200, 404, 405, 400]
    with app.test_request_context("/"):
        expected = environment_label(environment)
    for name, response in pages.items():
        found = banner(response.get_data(as_text=True))
        if environment == "production":
            assert found is None, name
        else:
            assert found == expected, name
            assert environment.split("-")[0].capitalize() in found


def test_the_banner_shows_on_the_error_page_of_a_crash(app):
    from portal.errors import MESSAGES, render_error

    app.config["PORTAL_ENV"] = "acceptance"
    with app.test_request_context("/"):
        response = render_error(500, *MESSAGES[500])
        assert banner(response.get_data(as_text=True)) == environment_label("acceptance")


def send(app, to: str, cc: str | None = None):
    with app.test_request_context("/"):
        msg = build_message(to, "Your password was changed", "password_changed", "en",
                            user=type("U", (), {"full_name": "Test"}))
        if cc:
            msg["Cc"] = cc
        deliver(msg)


@pytest.mark.parametrize("environment", ["acceptance", "pre-production"])
def test_a_rehearsal_sends_only_to_the_allowlist_and_keeps_the_rest(
        app, smtp_server, staff, caplog, monkeypatch, environment):
    _, inbox = smtp_server
    app.config["PORTAL_ENV"] = environment
    # Alembic's fileConfig (the test database's migration) disabled the loggers it found.
    monkeypatch.setattr(logging.getLogger("portal.mail"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="portal.mail")
    send(app, "Tester@Example.org")
    send(app, "clerk@office.example")
    assert [rcpt for rcpt, _ in inbox.messages] == [["Tester@Example.org"],
                                                    ["clerk@office.example"]]
    assert stored_mails(app) == []
    send(app, "real.filer@gmail.example")
    send(app, "someone@sub.office.example")  # a domain entry is that domain only
    assert len(inbox.messages) == 2  # nothing more arrived
    kept = stored_mails(app)
    assert [m["To"] for m in kept] == ["real.filer@gmail.example", "someone@sub.office.example"]
    assert "real.filer@gmail.example" in caplog.text and "MAIL_ALLOWLIST" in caplog.text
    listing = staff.get("/office/mail").get_data(as_text=True)
    assert "real.filer@gmail.example" in listing and "Your password was changed" in listing


def test_a_message_to_several_goes_to_the_allowed_ones_and_is_kept_for_the_others(app, smtp_server):
    _, inbox = smtp_server
    app.config["PORTAL_ENV"] = "acceptance"
    send(app, "tester@example.org", cc="outsider@example.net")
    ((rcpt, msg),) = inbox.messages
    assert rcpt == ["tester@example.org"]
    (kept,) = stored_mails(app)
    assert kept["Message-ID"] == msg["Message-ID"]


def test_registration_mail_in_acceptance_reaches_only_the_allowed(app, smtp_server):
    _, inbox = smtp_server
    app.config["PORTAL_ENV"] = "acceptance"
    for email in ("tester@example.org", "kanha@example.com"):
        web = Browser(app.test_client())
        r = web.submit("/register", {"account_type": "applicant", "party_kind": "person",
                                     "full_name": "Kanha Ouk", "email": email,
                                     "password": "amber-kettle-violin-harbour",
                                     "confirm": "amber-kettle-violin-harbour", "locale": "en"})
        assert r.status_code == 302
    assert [rcpt for rcpt, _ in inbox.messages] == [["tester@example.org"]]
    assert [m["To"] for m in stored_mails(app)] == ["kanha@example.com"]


@pytest.mark.parametrize("environment", ["development", "production"])
def test_other_environments_send_to_everyone(app, smtp_server, environment):
    _, inbox = smtp_server
    app.config["PORTAL_ENV"] = environment
    send(app, "real.filer@gmail.example")
    assert [rcpt for rcpt, _ in inbox.messages] == [["real.filer@gmail.example"]]
    assert stored_mails(app) == []


def test_the_overview_names_the_allowlist_in_a_rehearsal(app, staff):
    app.config["PORTAL_ENV"] = "pre-production"
    page = staff.get("/office/").get_data(as_text=True)
    notice = page.split('id="mail-allowlist"', 1)[1].split("</p>", 1)[0]
    assert "tester@example.org, @office.example" in notice
    assert 'href="/office/mail"' in notice
    app.config["MAIL_ALLOWLIST"] = ()
    page = staff.get("/office/").get_data(as_text=True)
    assert "the allow-list is empty: no mail is sent" in page
    app.config["PORTAL_ENV"] = "production"
    assert 'id="mail-allowlist"' not in staff.get("/office/").get_data(as_text=True)


def test_an_empty_allowlist_keeps_every_message(app, smtp_server):
    _, inbox = smtp_server
    app.config.update(PORTAL_ENV="acceptance", MAIL_ALLOWLIST=())
    send(app, "tester@example.org")
    assert inbox.messages == []
    assert [m["To"] for m in stored_mails(app)] == ["tester@example.org"]


def test_the_allowlist_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MAIL_ALLOWLIST", " QA@Example.org, @Office.example ,, ")
    assert from_environment()["MAIL_ALLOWLIST"] == ("qa@example.org", "@office.example")
    monkeypatch.delenv("MAIL_ALLOWLIST")
    assert from_environment()["MAIL_ALLOWLIST"] == ()
