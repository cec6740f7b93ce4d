"""The demo office and its demo accounts (`flask --app portal seed-demo`)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from payments.fees import load_tariff
from portal.audit import audit
from portal.auth.models import Firm, PartyKind, Role, User
from portal.auth.services import check_password, hash_password, set_password
from portal.extensions import db
from portal.office.models import Office
from portal.timeutil import utcnow

DEMO_ACCOUNTS = [
    # email, role, full name, organisation, agent number
    ("applicant@example.org", Role.APPLICANT, "Sokha Chan", None, None),
    ("agent@example.org", Role.AGENT, "Vanna Keo", "Mekong IP Agents", "KH-AG-0042"),
    ("staff@example.org", Role.STAFF, "Dara Sok", None, None),
    ("admin@example.org", Role.ADMIN, "Bopha Lim", None, None),
]


def demo_password() -> str:
    """DEMO_PASSWORD, else the one generated on the first run and kept in the data dir."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = Path(current_app.config["PORTAL_DATA_DIR"]) / "demo-password"
    if path.exists():
        return path.read_text().strip()
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def seed_office() -> Office:
    office = db.session.scalar(select(Office).limit(1))
    if office is None:
        office = Office(
            name="Demo Intellectual Property Office", short_name="DEMO-IPO",
            country_code="KH", currency="KHR", timezone="Asia/Phnom_Penh",
            default_locale="en", email="office@example.org",
            address="Demo Street 1, Phnom Penh, Cambodia",
        )
        db.session.add(office)
    return office


def seed_accounts(password: str) -> list[User]:
    users = []
    for email, role, name, organisation, agent_number in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, password_hash=hash_password(password), full_name=name,
                        role=role, organisation=organisation, agent_number=agent_number,
                        party_kind=PartyKind.ENTITY if organisation else PartyKind.PERSON,
                        email_confirmed_at=utcnow())
            if role is Role.AGENT:
                user.firm = Firm(name=organisation)
            db.session.add(user)
            db.session.flush()
            audit("account.created", actor="seed-demo", obj=user, role=role.value)
        elif not check_password(user.password_hash, password):
            set_password(user, password)
            audit("password.reset", actor="seed-demo", obj=user)
        users.append(user)
    return users


TARIFF_FILE = Path(__file__).resolve().parent.parent / "payments" / "data" / "tariff_demo.json"


def seed_demo() -> tuple[Office, list[User], str]:
    if current_app.config["PORTAL_ENV"] == "production":
        raise RuntimeError("seed-demo is refused in a production environment")
    password = demo_password()
    office = seed_office()
    load_tariff(TARIFF_FILE)
    seed_statuses()
    users = seed_accounts(password)
    seed_deposit(next(u for u in users if u.role is Role.AGENT), office.currency)
    return office, users, password


STATUSES_FILE = Path(__file__).resolve().parent / "data" / "office_statuses.json"


def seed_statuses(path: Path = STATUSES_FILE) -> None:
    """The demo office's statuses (code, ST.27 category, stage, names per language); a status
    already there keeps what the office changed."""
    import json

    from portal.tracking.models import OfficeStatus

    known = set(db.session.scalars(select(OfficeStatus.code)))
    for position, spec in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        if spec["code"] not in known:
            db.session.add(OfficeStatus(code=spec["code"], st27=spec.get("st27"),
                                        stage=spec.get("stage"), names=spec["names"],
                                        position=position))
    db.session.flush()


def seed_deposit(agent: User, currency: str) -> None:
    """The demo firm's deposit account, with a balance to pay demo filings from."""
    from decimal import Decimal

    from payments.providers.deposit_account import account_of, move, open_account

    if account_of(agent) is None:
        move(open_account(agent, currency), Decimal("50000000"), "top_up",
             note="demo opening balance")
