"""Command line: seed-demo, user set-role, db upgrade."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.auth.models import Role, User
from portal.extensions import db
from portal.office.models import Office


def test_seed_demo_creates_the_office_and_four_accounts_and_is_idempotent(runner, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for email in ("applicant@example.org", "agent@example.org", "staff@example.org",
                  "admin@example.org"):
        assert email in first.output
    assert first.output.strip().endswith("Password: demo-password-for-tests")
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    emails = db.session.scalars(select(User.email).where(User.email.like("%@example.org")))
    assert sorted(emails) == ["admin@example.org", "agent@example.org",
                              "applicant@example.org", "staff@example.org"]
    assert db.session.scalar(select(func.count(Office.id))) == 1  # the test office
    agent = db.session.scalar(select(User).where(User.email == "agent@example.org"))
    assert agent.role is Role.AGENT and agent.firm is not None and agent.is_confirmed


def test_seed_demo_accounts_can_log_in(runner, monkeypatch, web):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    runner.invoke(args=["seed-demo"])
    r = web.login("staff@example.org", "demo-password-for-tests")
    assert r.status_code == 302


def test_seed_demo_generates_a_password_once_and_prints_it(runner, monkeypatch, app):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    out1 = runner.invoke(args=["seed-demo"]).output
    out2 = runner.invoke(args=["seed-demo"]).output
    password = out1.strip().rsplit("Password: ", 1)[1]
    assert len(password) >= 20
    assert out2.strip().endswith(f"Password: {password}")


def test_seed_demo_is_refused_in_production(runner, app):
    app.config["PORTAL_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused in a production environment" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_set_role_changes_the_role_and_audits_it(runner, users):
    result = runner.invoke(args=["user", "set-role", "Applicant@example.org", "staff"])
    assert result.exit_code == 0, result.output
    assert users["applicant"].role is Role.STAFF
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "account.role_changed"))
    assert entry.details == {"before": "applicant", "after": "staff"}
    assert entry.actor == "command line" and entry.object_id == str(users["applicant"].id)


def test_set_role_for_an_unknown_account(runner, app):
    result = runner.invoke(args=["user", "set-role", "ghost@example.org", "admin"])
    assert result.exit_code != 0 and "no account" in result.output
