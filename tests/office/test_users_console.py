"""Administrators find accounts, verify agents, disable and re-enable accounts and change
roles, and make, list and revoke API clients; each change is audited with its before and
after. Nobody else sees these pages."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from portal.api.models import ApiClient
from portal.audit import AuditEntry
from portal.auth.models import Firm, Role, User
from portal.extensions import db
from portal.timeutil import utcnow
from tests.api.conftest import bearer
from tests.conftest import Browser, csrf_token, make_user

TOKEN_RE = re.compile(r"ipp_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def admin(app, users):
    web = Browser(app.test_client())
    assert web.login("admin@example.org").status_code == 302
    return web


def audits(action: str, obj) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action,
                                 AuditEntry.object_type == type(obj).__name__,
                                 AuditEntry.object_id == str(obj.id))
        .order_by(AuditEntry.id)))


def emails_listed(page: str) -> set[str]:
    return set(re.findall(r'href="/office/users/\d+">([^<]+)</a>', page))


def test_search_finds_by_each_field_and_filters_by_role_and_state(admin, users):
    make_user("partner@bayon.example", Role.AGENT, full_name="Rith Meas",
              firm=Firm(name="Bayon Legal"), agent_number="KH-AG-0042")
    make_user("pending@example.org", Role.APPLICANT, confirmed=False, full_name="Nary Ouk")
    make_user("gone@example.org", Role.APPLICANT, full_name="Kosal Tep", active=False)
    searches = {
        "bayon.example": {"partner@bayon.example"},  # email
        "rith": {"partner@bayon.example"},  # name
        "Mekong": {"agent@example.org"},  # organisation (and the firm named after it)
        "bayon legal": {"partner@bayon.example"},  # firm
        "ag-0042": {"partner@bayon.example"},  # agent number
        "100%": set(),  # a wildcard character is searched for, not obeyed
    }
    for q, expected in searches.items():
        page = admin.get("/office/users", query_string={"q": q}).get_data(as_text=True)
        assert emails_listed(page) == expected, q
    filters = {
        "agents": ({"role": "agent"}, {"agent@example.org", "partner@bayon.example"}),
        "disabled": ({"state": "disabled"}, {"gone@example.org"}),
        "unconfirmed": ({"state": "unconfirmed"}, {"pending@example.org"}),
        "unverified": ({"state": "unverified", "q": "bayon"}, {"partner@bayon.example"}),
    }
    for name, (args, expected) in filters.items():
        page = admin.get("/office/users", query_string=args).get_data(as_text=True)
        assert emails_listed(page) == expected, name
    users["agent"].agent_verified_at = utcnow()
    db.session.commit()
    page = admin.get("/office/users?state=unverified").get_data(as_text=True)
    assert emails_listed(page) == {"partner@bayon.example"}


def test_the_list_is_paged(admin, users, monkeypatch):
    from portal.office import users as views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first = admin.get("/office/users").get_data(as_text=True)
    second = admin.get("/office/users?page=2").get_data(as_text=True)
    assert len(emails_listed(first)) == 3 and 'rel="next"' in first
    assert len(emails_listed(second)) == 1 and 'rel="next"' not in second
    assert not emails_listed(first) & emails_listed(second)


def test_the_user_page_shows_the_account_but_no_secret(admin, users):
    agent = users["agent"]
    page = admin.get(f"/office/users/{agent.id}").get_data(as_text=True)
    assert "agent@example.org" in page and "Mekong IP" in page and "KH-AG-1" in page
    assert "Not verified" in page
    assert agent.password_hash not in page and agent.session_token not in page
    assert "argon2" not in page
    assert f"/office/audit?object=User:{agent.id}" in page.replace("%3A", ":")
    assert admin.get("/office/users/999999").status_code == 404


def test_verifying_an_agent_is_recorded_once_and_shown(admin, users):
    agent, me = users["agent"], users["admin"]
    r = admin.submit(f"/office/users/{agent.id}/verify", page=f"/office/users/{agent.id}",
                     follow=True)
    assert "registration is verified" in r.get_data(as_text=True)
    assert agent.agent_verified_at is not None and agent.agent_verified_by_id == me.id
    page = admin.get(f"/office/users/{agent.id}").get_data(as_text=True)
    assert "Verified" in page and "admin@example.org" in page
    [entry] = audits("account.agent_verified", agent)
    assert entry.user_id == me.id and entry.details["before"] == {"agent_verified_at": None}
    assert entry.details["after"]["agent_verified_at"] == agent.agent_verified_at.isoformat()
    assert "account.agent_verified" in page  # the history on the user's page
    # twice is once
    admin.submit(f"/office/users/{agent.id}/verify", page=f"/office/users/{agent.id}")
    assert len(audits("account.agent_verified", agent)) == 1
    # an applicant has no registration as agent to verify
    applicant = users["applicant"]
    r = admin.submit(f"/office/users/{applicant.id}/verify", page=f"/office/users/{agent.id}",
                     follow=True)
    assert "Only an agent" in r.get_data(as_text=True)
    assert applicant.agent_verified_at is None
    # without the form's token nothing happens
    r = admin.client.post(f"/office/users/{applicant.id}/verify")
    assert r.status_code == 400


def test_disabling_ends_the_session_at_once_and_enabling_lets_the_user_back(app, admin, users):
    agent = users["agent"]
    victim = Browser(app.test_client())
    victim.login("agent@example.org")
    assert victim.get("/dashboard").status_code == 200
    page = admin.get(f"/office/users/{agent.id}/disable").get_data(as_text=True)
    assert "Every session of this account ends now." in page and agent.active  # asked first
    token_before = agent.session_token
    r = admin.submit(f"/office/users/{agent.id}/disable",
                     page=f"/office/users/{agent.id}/disable", follow=True)
    assert "account is disabled" in r.get_data(as_text=True)
    assert not agent.active and agent.session_token != token_before
    r = victim.get("/dashboard")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert Browser(app.test_client()).login("agent@example.org").status_code != 302
    [entry] = audits("account.disabled", agent)
    assert (entry.details["before"], entry.details["after"]) == ({"active": True},
                                                                 {"active": False})
    # a second click changes nothing more
    admin.submit(f"/office/users/{agent.id}/disable", page=f"/office/users/{agent.id}")
    assert len(audits("account.disabled", agent)) == 1

    r = admin.submit(f"/office/users/{agent.id}/enable", page=f"/office/users/{agent.id}",
                     follow=True)
    assert "account is enabled" in r.get_data(as_text=True) and agent.active
    [entry] = audits("account.enabled", agent)
    assert (entry.details["before"], entry.details["after"]) == ({"active": False},
                                                                 {"active": True})
    again = Browser(app.test_client())
    assert again.login("agent@example.org").status_code == 302
    assert again.get("/dashboard").status_code == 200


def test_a_role_change_is_confirmed_then_made_and_audited(admin, users):
    applicant = users["applicant"]
    r = admin.submit(f"/office/users/{applicant.id}/role", {"role": "staff"},
                     page=f"/office/users/{applicant.id}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "from Applicant to Office staff" in page
    assert "office console" in page and applicant.role is Role.APPLICANT  # not yet
    r = admin.submit(f"/office/users/{applicant.id}/role", {"role": "staff", "confirmed": "yes"},
                     page=f"/office/users/{applicant.id}", follow=True)
    assert "The role is now Office staff." in r.get_data(as_text=True)
    assert applicant.role is Role.STAFF
    [entry] = audits("account.role_changed", applicant)
    assert (entry.details["before"], entry.details["after"]) == ("applicant", "staff")
    assert entry.user_id == users["admin"].id
    r = admin.submit(f"/office/users/{applicant.id}/role", {"role": "boss", "confirmed": "yes"},
                     page=f"/office/users/{applicant.id}")
    assert r.status_code == 400 and "Choose one of the options" in r.get_data(as_text=True)
    assert applicant.role is Role.STAFF and len(audits("account.role_changed", applicant)) == 1


def test_an_admin_cannot_demote_or_disable_themselves(admin, users):
    me = users["admin"]
    for role in ("staff", "applicant"):
        r = admin.submit(f"/office/users/{me.id}/role", {"role": role, "confirmed": "yes"},
                         page="/office/users", follow=True)
        assert "cannot disable your own account" in r.get_data(as_text=True)
    r = admin.get(f"/office/users/{me.id}/disable", follow_redirects=True)
    assert "cannot disable your own account" in r.get_data(as_text=True)
    r = admin.submit(f"/office/users/{me.id}/disable", page="/office/users", follow=True)
    assert "cannot disable your own account" in r.get_data(as_text=True)
    assert me.role is Role.ADMIN and me.active
    assert not audits("account.role_changed", me) and not audits("account.disabled", me)
    assert admin.get("/office/users").status_code == 200


def test_an_api_client_shows_its_token_once_works_and_is_revoked(app, admin, users):
    page = admin.get("/office/api-clients").get_data(as_text=True)
    request_id = re.search(r'name="request_id"[^>]*value="([0-9a-f]+)"', page).group(1)
    form = {"name": "IPAS back office", "scopes": ["submissions:read", "submissions:write"],
            "request_id": request_id}
    r = admin.submit("/office/api-clients/new", form, page="/office/api-clients")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    [token] = set(TOKEN_RE.findall(r.get_data(as_text=True)))
    client = db.session.scalar(select(ApiClient).where(ApiClient.name == "IPAS back office"))
    assert client.user_id is None and client.created_by_id == users["admin"].id
    assert client.token_hash != token and token not in json.dumps(
        [e.details for e in db.session.scalars(select(AuditEntry))])
    [entry] = audits("api_client.created", client)
    assert entry.details["before"] is None and entry.details["after"] == {
        "name": "IPAS back office", "scopes": ["submissions:read", "submissions:write"],
        "token_start": token[:12]}

    api = app.test_client()
    assert api.get("/api/v1/submissions", headers=bearer(token)).status_code == 200
    listing = admin.get("/office/api-clients").get_data(as_text=True)
    assert "IPAS back office" in listing and token[:12] in listing and token not in listing
    assert not TOKEN_RE.search(listing.replace(token[:12], ""))

    # the same form sent again (a double click) makes no second client
    r = admin.submit("/office/api-clients/new", form, page="/office/api-clients", follow=True)
    assert "already made by your first click" in r.get_data(as_text=True)
    assert not TOKEN_RE.search(r.get_data(as_text=True).replace(token[:12], ""))
    assert db.session.scalar(select(db.func.count(ApiClient.id))) == 1

    confirm = admin.get(f"/office/api-clients/{client.id}/revoke").get_data(as_text=True)
    assert "refused from now on" in confirm and client.revoked_at is None
    r = admin.submit(f"/office/api-clients/{client.id}/revoke",
                     page=f"/office/api-clients/{client.id}/revoke", follow=True)
    assert "is revoked" in r.get_data(as_text=True) and client.revoked_at is not None
    assert api.get("/api/v1/submissions", headers=bearer(token)).status_code == 401
    [entry] = audits("api_client.revoked", client)
    assert entry.details["before"] == {"revoked_at": None}
    assert entry.details["after"] == {"revoked_at": client.revoked_at.isoformat()}


def test_bad_client_forms_keep_what_was_typed(admin):
    r = admin.submit("/office/api-clients/new", {"name": "Reporting", "request_id": "abc"},
                     page="/office/api-clients")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "This field is required." in page
    assert 'value="Reporting"' in page
    r = admin.submit("/office/api-clients/new", {"name": "x", "scopes": ["root"],
                                                 "request_id": "abc"},
                     page="/office/api-clients")
    assert r.status_code == 400 and "Choose one of the options" in r.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(ApiClient.id))) == 0


def test_personal_tokens_are_listed_by_owner_and_can_be_revoked(app, admin, users):
    from portal.api.models import create_client

    personal, token = create_client("Docketing", ["filings:read"], user=users["agent"],
                                    created_by=users["agent"])
    db.session.commit()
    page = admin.get(f"/office/api-clients?owner={users['agent'].id}").get_data(as_text=True)
    assert "Docketing" in page and "agent@example.org" in page and token not in page
    assert "Docketing" not in admin.get("/office/api-clients?kind=system").get_data(
        as_text=True)
    admin.submit(f"/office/api-clients/{personal.id}/revoke", page="/office/api-clients")
    assert personal.revoked_at is not None
    assert app.test_client().get("/api/v1/filings", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("email", ["staff@example.org", "agent@example.org",
                                   "applicant@example.org"])
def test_users_and_api_clients_are_for_administrators_only(app, users, email):
    other = Browser(app.test_client())
    other.login(email)
    target = users["applicant"]
    client = ApiClient(name="x", token_hash="0" * 64, token_start="ipp_xxxxxxxx", scopes=[])
    db.session.add(client)
    db.session.commit()
    for url in ("/office/users", f"/office/users/{target.id}",
                f"/office/users/{target.id}/disable", "/office/api-clients",
                f"/office/api-clients/{client.id}/revoke"):
        assert other.get(url).status_code == 404, url
    token = csrf_token(other.get("/account").get_data(as_text=True))
    for url in (f"/office/users/{target.id}/verify", f"/office/users/{target.id}/disable",
                f"/office/users/{target.id}/enable", f"/office/users/{target.id}/role",
                "/office/api-clients/new", f"/office/api-clients/{client.id}/revoke"):
        r = other.client.post(url, data={"csrf_token": token, "role": "admin",
                                         "confirmed": "yes"})
        assert r.status_code == 404, url
    assert target.role is Role.APPLICANT and target.active and client.revoked_at is None
    nav = other.get("/office/").get_data(as_text=True)
    assert "/office/users" not in nav and "/office/api-clients" not in nav
    anonymous = app.test_client().get("/office/users")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert db.session.get(User, target.id).role is Role.APPLICANT
