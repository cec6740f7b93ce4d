"""Agents invite colleagues into their firm, who then share its filings and client book."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import AuditEntry
from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import PASSWORD, Browser, link_in, stored_mails


def invite(web, email="colleague@example.org"):
    return web.submit("/account/firm/invite", {"email": email}, page="/account")


def test_an_invited_colleague_registers_into_the_firm(app, users):
    agent = Browser(app.test_client())
    agent.login("agent@example.org")
    assert invite(agent).status_code == 302
    (mail,) = stored_mails(app)
    assert mail["To"] == "colleague@example.org" and "Mekong IP" in mail["Subject"]
    link = link_in(mail)

    newcomer = Browser(app.test_client())
    page = newcomer.get(link).get_data(as_text=True)
    assert "You have been invited to join Mekong IP as an agent." in page
    assert 'value="colleague@example.org"' in page
    token = link.split("invite=", 1)[1]
    r = newcomer.submit(link, {"invite": token, "account_type": "agent",
                               "full_name": "Rith Colleague", "agent_number": "KH-AG-0100",
                               "email": "colleague@example.org", "password": PASSWORD,
                               "confirm": PASSWORD, "locale": "en"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    colleague = db.session.scalar(select(User).where(User.email == "colleague@example.org"))
    assert colleague.role is Role.AGENT and colleague.firm_id == users["agent"].firm_id
    assert colleague.organisation == "Mekong IP"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "firm.invited"))


def test_the_invitation_is_bound_to_its_address(app, users):
    agent = Browser(app.test_client())
    agent.login("agent@example.org")
    invite(agent)
    link = link_in(stored_mails(app)[0])
    token = link.split("invite=", 1)[1]
    stranger = Browser(app.test_client())
    r = stranger.submit(link, {"invite": token, "account_type": "agent", "full_name": "X",
                               "agent_number": "1", "email": "someone.else@example.org",
                               "password": PASSWORD, "confirm": PASSWORD, "locale": "en"})
    assert r.status_code == 200
    assert "This invitation was sent to another email address." in r.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "someone.else@example.org")) \
        is None


def test_a_tampered_invitation_is_refused(client):
    r = client.get("/register?invite=abc.def.ghi")
    assert r.status_code == 400 and "This link is not valid." in r.get_data(as_text=True)


def test_only_agents_invite(app, users):
    applicant = Browser(app.test_client())
    applicant.login("applicant@example.org")
    assert invite(applicant).status_code == 404
    assert stored_mails(app) == []
    assert "Invite a colleague" not in applicant.get("/account").get_data(as_text=True)
