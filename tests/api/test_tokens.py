"""The account's personal access tokens page: make one (shown once), list, revoke."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.api.models import ApiClient, create_client, hash_token
from portal.audit import AuditEntry
from portal.extensions import db
from tests.api.conftest import bearer
from tests.conftest import Browser

TOKEN = re.compile(r"ipp_[A-Za-z0-9_-]{40,}")


def make_token(web, name="Docketing", scopes=("filings:read", "filings:write")):
    return web.submit("/account/tokens/new", {"name": name, "scopes": list(scopes)},
                      page="/account/tokens")


def test_a_token_is_shown_once_and_works_as_its_user(agent, client, users):
    assert "/account/tokens" in agent.get("/account").get_data(as_text=True)
    assert "You have no tokens." in agent.get("/account/tokens").get_data(as_text=True)
    r = make_token(agent)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    token = TOKEN.search(page).group(0)
    assert "It is shown only this once" in page and r.headers["Cache-Control"] == "no-store"
    made = db.session.scalar(select(ApiClient).where(ApiClient.user_id == users["agent"].id))
    assert made.token_hash == hash_token(token) and made.scopes == ["filings:read",
                                                                   "filings:write"]
    assert client.get("/api/v1/filings", headers=bearer(token)).status_code == 200

    listing = agent.get("/account/tokens").get_data(as_text=True)
    assert "Docketing" in listing and made.token_start in listing
    assert token not in listing and TOKEN.search(listing) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.created"))
    assert entry.user_id == users["agent"].id and entry.object_id == str(made.id)
    assert token not in str(entry.details)


def test_what_the_form_does_not_offer_makes_no_token(agent, users):
    for name, scopes in (("", ["filings:read"]), ("No scope", []),
                         ("Too much", ["submissions:read"])):
        r = make_token(agent, name, scopes)
        assert r.status_code == 200 and "There is a problem" in r.get_data(as_text=True)
    assert db.session.scalar(select(ApiClient)) is None


def test_revoking_a_token_stops_it(agent, client, users):
    token = TOKEN.search(make_token(agent, scopes=["filings:read"]).get_data(as_text=True))[0]
    made = db.session.scalar(select(ApiClient).where(ApiClient.user_id == users["agent"].id))
    r = agent.submit(f"/account/tokens/{made.id}/revoke", page="/account/tokens")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/tokens")
    assert client.get("/api/v1/filings", headers=bearer(token)).status_code == 401
    assert "Revoked on" in agent.get("/account/tokens").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoked"))


def test_another_users_token_is_not_found_and_csrf_is_required(app, agent, client, users):
    other, _token = create_client("Theirs", ["filings:read"], user=users["applicant"])
    db.session.commit()
    r = agent.submit(f"/account/tokens/{other.id}/revoke", page="/account/tokens")
    assert r.status_code == 404
    assert db.session.get(ApiClient, other.id).revoked_at is None
    # Without the page's CSRF token, nothing is made and nothing revoked.
    r = agent.client.post("/account/tokens/new", data={"name": "X", "scopes": "filings:read"})
    assert r.status_code == 400
    mine, _token = create_client("Mine", ["filings:read"], user=users["agent"])
    db.session.commit()
    assert agent.client.post(f"/account/tokens/{mine.id}/revoke").status_code == 400
    assert db.session.get(ApiClient, mine.id).revoked_at is None
    assert db.session.scalar(select(ApiClient).where(ApiClient.name == "X")) is None


def test_only_filers_have_tokens(app, users):
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    assert staff.get("/account/tokens").status_code == 404
    assert "/account/tokens" not in staff.get("/account").get_data(as_text=True)
