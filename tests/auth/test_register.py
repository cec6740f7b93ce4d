"""Registration: applicants (person or legal entity) and agents; bad input never loses data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.auth.models import Firm, PartyKind, Role, User
from portal.extensions import db
from tests.conftest import PASSWORD, make_user, stored_mails

GOOD = {
    "account_type": "applicant",
    "party_kind": "person",
    "full_name": "Sophea Meas",
    "organisation": "",
    "agent_number": "",
    "email": "Sophea@Example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "locale": "km",
}


def register(web, **changes):
    return web.submit("/register", {**GOOD, **changes})


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_applicant_person_registers_and_is_mailed_a_confirmation_link(web, app):
    r = register(web)
    assert r.status_code == 302 and r.headers["Location"].endswith("/register/check-email")
    user = db.session.scalar(select(User).where(User.email == "sophea@example.org"))
    assert user.role is Role.APPLICANT and user.party_kind is PartyKind.PERSON
    assert user.locale == "km" and not user.is_confirmed
    assert user.password_hash.startswith("$argon2")
    (mail,) = stored_mails(app)
    assert mail["To"] == "sophea@example.org"
    assert mail["Content-Language"] == "km"
    assert "/confirm/" in mail.get_body(preferencelist=("plain",)).get_content()
    page = web.get("/register/check-email").get_data(as_text=True)
    assert "sophea@example.org" in page


def test_legal_entity_needs_its_name(web):
    r = register(web, party_kind="entity", organisation="")
    assert r.status_code == 200
    assert "Enter the name of the legal entity or firm." in r.get_data(as_text=True)
    r = register(web, party_kind="entity", organisation="Angkor Foods Co., Ltd.")
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sophea@example.org"))
    assert user.party_kind is PartyKind.ENTITY
    assert user.organisation == "Angkor Foods Co., Ltd."
    assert user.firm_id is None


def test_agent_registers_with_firm_and_registration_number(web):
    r = register(web, account_type="agent", organisation="Mekong IP Law", agent_number="")
    assert "Enter your agent registration number." in r.get_data(as_text=True)
    assert user_count() == 0
    r = register(web, account_type="agent", organisation="Mekong IP Law",
                 agent_number="KH-AG-0099")
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sophea@example.org"))
    assert user.role is Role.AGENT and user.agent_number == "KH-AG-0099"
    assert db.session.get(Firm, user.firm_id).name == "Mekong IP Law"


def test_existing_email_is_refused_and_the_form_keeps_what_was_typed(web, app):
    make_user("sophea@example.org")
    r = register(web, full_name="Another Person", email="SOPHEA@example.org ")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "An account with this email address already exists." in html
    assert 'value="Another Person"' in html
    assert PASSWORD not in html
    assert user_count() == 1
    assert stored_mails(app) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"password": "password1234", "confirm": "password1234"}, "too easy to guess"),
        ({"password": "sophea@example.org", "confirm": "sophea@example.org"},
         "too easy to guess"),
        ({"confirm": PASSWORD + "x"}, "The two passwords do not match."),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"full_name": ""}, "This field is required."),
        ({"full_name": "x" * 201}, "At most 200 characters."),
        ({"account_type": "staff"}, "Choose one of the options offered."),
        ({"locale": "xx"}, "Choose one of the options offered."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_created(web, app, changes, message):
    r = register(web, **changes)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert message in html
    assert 'class="error-summary"' in html
    assert user_count() == 0
    assert stored_mails(app) == []
    if "full_name" not in changes:
        assert 'value="Sophea Meas"' in html
    assert PASSWORD not in html


def test_error_summary_links_to_each_field(web):
    html = register(web, full_name="", email="bad").get_data(as_text=True)
    assert 'href="#full_name"' in html and 'href="#email"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="full_name-hint full_name-error"' in html


def test_registration_without_csrf_token_is_refused(client):
    r = client.post("/register", data=GOOD)
    assert r.status_code == 400
    assert "forms expire" in r.get_data(as_text=True)
    assert user_count() == 0


def test_registration_is_audited(web):
    register(web)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "account.registered"))
    assert entry.actor == "sophea@example.org"
    assert entry.ip == "127.0.0.1" and entry.user_agent


def test_logged_in_user_is_sent_to_the_dashboard(web, users):
    web.login("applicant@example.org")
    assert web.get("/register").headers["Location"].endswith("/dashboard")


def test_account_page_shows_what_was_registered(web):
    register(web, party_kind="entity", organisation="Angkor Foods Co., Ltd.", locale="en")
    user = db.session.scalar(select(User).where(User.email == "sophea@example.org"))
    from portal.timeutil import utcnow

    user.email_confirmed_at = utcnow()
    db.session.commit()
    web.login("sophea@example.org")
    html = web.get("/account").get_data(as_text=True)
    assert "Angkor Foods Co., Ltd." in html
    assert "Legal entity (company, university, institution)" in html
