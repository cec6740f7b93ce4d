"""Test fixtures: a migrated database per session (SQLite, or PostgreSQL when TEST_DATABASE_URL
is set), an app per test whose session is rolled back afterwards, clients, users and mail."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.auth.models import Firm, PartyKind, Role, User
from portal.auth.second_factor import current_step, decrypt, encrypt
from portal.auth.services import hash_password
from portal.extensions import db, limiter
from portal.office.models import Office
from portal.timeutil import utcnow

PASSWORD = "amber-kettle-violin-harbour"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor of make_user's accounts
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def base_config(data_dir: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "PORTAL_ENV": "development",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PORTAL_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
        "PORTAL_HTTPS": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PROXY_FIX_HOPS": 0,
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_DEFAULT_SENDER": "portal@example.org",
        "MAIL_ALLOWLIST": (),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "PORTAL_URL": "http://localhost",
        "BACKOFFICE_URL": "",
        "BACKOFFICE_TOKEN": "",
        "CONNECTOR_RETRY_BASE_SECONDS": 0.01,
        "CONNECTOR_MAX_ATTEMPTS": 5,
        "CONNECTOR_RETRY_MAX_SECONDS": 1.0,
        "CONNECTOR_TIMEOUT_SECONDS": 2.0,
        "CONNECTOR_POLL_SECONDS": 0.2,
        # One thread: the test app's single connection cannot be shared (tests that want
        # several use a database of their own).
        "CONNECTOR_CONCURRENCY": 1,
        "JOBS_MODE": "inline",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "",
        "STRIPE_PUBLISHABLE_KEY": "",
        "BANK_ACCOUNT_HOLDER": "Test Intellectual Property Office",
        "BANK_NAME": "Test Bank",
        "BANK_ACCOUNT_NUMBER": "111-222-333",
        "BANK_SWIFT": "TESTKHPP",
        "BANK_TRANSFER_DAYS": 10,
        "BANK_TRANSFER_GRACE_DAYS": 5,
        "BANK_TRANSFER_REMIND_DAYS": 2,
        "DOCUMENT_SIZE_LIMITS": {},
        "OFFICE_NUMBER_FORMATS": {},
        "RENEWAL_WINDOW_MONTHS": 6,
        "RENEWAL_GRACE_MONTHS": 6,
        "ANNUITY_FIRST_YEAR": 2,
        "ANNUITY_GRACE_MONTHS": 6,
        "PATENT_TERM_YEARS": 20,
        "UTILITY_MODEL_TERM_YEARS": 10,
        "EXTENSION_MAX_MONTHS": 3,
        "RESTORATION_MONTHS_AFTER_CAUSE": 2,
        "RESTORATION_MONTHS_AFTER_LIMIT": 12,
        "DEADLINE_HORIZON_MONTHS": 6,
        "API_RATE_LIMIT": "600 per minute",
        "RECEIPT_SIGNING_PKCS12": "",
        "RECEIPT_SIGNING_PASSWORD": "",
    }


def is_postgres() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL"))


def fresh_database_url(tmp_dir: Path, label: str) -> tuple[str, callable]:
    """A new empty database and a function that drops it."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        path = tmp_dir / f"{label}.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    name = f"portal_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def migrate_to_head(database_url: str, data_dir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(data_dir, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Real argon2, with the cheapest parameters: the suite hashes hundreds of passwords."""
    from argon2 import PasswordHasher, profiles

    from portal.auth import services

    saved = services._hasher, services._DUMMY_HASH
    services._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    services._DUMMY_HASH = services._hasher.hash("not a real password")
    yield
    services._hasher, services._DUMMY_HASH = saved


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("db")
    url, drop = fresh_database_url(tmp, "test")
    migrate_to_head(url, tmp)
    yield url
    drop()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own `g`, own database session), as in production,
    although the test itself runs inside one. Afterwards the test's session re-reads what the
    request changed."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            db.session.expire_all()


@pytest.fixture
def config_overrides():
    """Override in a test module (or with indirect parametrisation) to change the config."""
    return {}


@contextmanager
def rolled_back(app):
    """`app` in its app context, with the test office, and every database change made inside
    rolled back at the end (the commits of the code under test are savepoints)."""
    app.test_client_class = IsolatedClient
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        try:
            db.session.add(Office(name="Test Intellectual Property Office", short_name="TIPO",
                                  country_code="KH", currency="KHR",
                                  timezone="Asia/Phnom_Penh", default_locale="en",
                                  address="1 Test Street, Phnom Penh"))
            db.session.commit()
            yield app
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    """The app, with every database change of the test rolled back at the end."""
    with rolled_back(create_app({**base_config(tmp_path / "data", database_url),
                                 **config_overrides})) as app:
        yield app


@pytest.fixture
def make_app(tmp_path):
    """Build extra apps in a test; their connection pools are closed at the end."""
    made = []

    def build(database_url: str, **overrides):
        app = create_app({**base_config(tmp_path / "extra", database_url), **overrides})
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that posts forms the way a person does: with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def submit(self, url, data=None, *, page=None, follow=False, **kw):
        html = self.client.get(page or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_token(html), **(data or {})}
        return self.client.post(url, data=payload, follow_redirects=follow, **kw)

    def login(self, email, password=PASSWORD, **extra):
        response = self.submit("/login", {"email": email, "password": password, **extra})
        if response.status_code == 302 and \
                urlsplit(response.headers["Location"]).path == "/login/second-factor":
            # The account has a second factor: type the code its app would show.
            with self.client.application.app_context():
                code = totp_code(db.session.scalar(select(User).where(User.email == email)))
            response = self.submit("/login/second-factor", {"code": code})
        return response

    def logout(self):
        return self.submit("/logout", page="/account")


@pytest.fixture
def web(client):
    return Browser(client)


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows now, or the next one when this one was used
    (the portal takes a code once). A third login of one account within 30 seconds would have
    to wait for a new code: the helper forgets the used step instead, as if the time had passed
    (replays are refused, and tested, in tests/auth/test_second_factor.py)."""
    step = max(current_step(), (user.totp_last_step or 0) + 1)
    if step > current_step() + 1:
        user.totp_last_step = None
        db.session.commit()
        step = current_step()
    return pyotp.TOTP(decrypt(user.totp_secret)).at(step * 30)


def make_user(email: str, role: Role = Role.APPLICANT, *, confirmed: bool = True,
              locale: str | None = None, password: str = PASSWORD,
              second_factor: bool | None = None, **fields) -> User:
    """An account; office accounts (or any, with `second_factor=True`) with a second factor
    whose secret is TOTP_SECRET, as the portal requires of them."""
    user = User(email=email, password_hash=hash_password(password), role=role,
                full_name=fields.pop("full_name", "Test User"), locale=locale,
                email_confirmed_at=utcnow() if confirmed else None, **fields)
    if role.is_office if second_factor is None else second_factor:
        user.totp_secret, user.second_factor_enabled_at = encrypt(TOTP_SECRET), utcnow()
    if role is Role.AGENT and "firm" not in fields:
        user.firm = Firm(name=fields.get("organisation") or "Test Firm")
        user.party_kind = PartyKind.ENTITY
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def users(app):
    """One confirmed account of each role."""
    return role_accounts()


def role_accounts() -> dict:
    """One confirmed account of each role (the `users` fixture's)."""
    return {
        "applicant": make_user("applicant@example.org", Role.APPLICANT, full_name="Sokha Chan"),
        "agent": make_user("agent@example.org", Role.AGENT, full_name="Vanna Keo",
                           organisation="Mekong IP", agent_number="KH-AG-1"),
        "staff": make_user("staff@example.org", Role.STAFF, full_name="Dara Sok"),
        "admin": make_user("admin@example.org", Role.ADMIN, full_name="Bopha Lim"),
    }


def stored_mails(app) -> list:
    """The .eml files the embedded mode wrote, oldest first, parsed."""
    folder = Path(app.config["PORTAL_DATA_DIR"]) / "mail"
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    """The portal link in a mail, as a path the test client can open."""
    match = re.search(r"https?://[^/\s]+(/\S+)", mail_text(message))
    assert match, mail_text(message)
    return match.group(1)


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, and what it received."""
    from aiosmtpd.controller import Controller

    from tests.test_mail_smtp import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def tariff(app):
    """The demo tariff, in force since 2026-01-01."""
    from payments.fees import load_tariff
    from portal.seed import TARIFF_FILE

    schedule = load_tariff(TARIFF_FILE)
    db.session.commit()
    return schedule


@pytest.fixture
def deposit(users):
    """The agent's firm's deposit account with 5,000,000 KHR."""
    from decimal import Decimal

    from payments.providers.deposit_account import move, open_account

    account = open_account(users["agent"], "KHR")
    move(account, Decimal("5000000"), "top_up", note="opening balance")
    db.session.commit()
    return account


@pytest.fixture
def refusals(monkeypatch) -> list[str]:
    """The requests the role check itself refused (rather than a view not finding an object)."""
    from flask import request

    from portal.auth import access

    refused, real_abort = [], access.abort

    def abort(code, *args, **kwargs):
        refused.append(f"{request.method} {request.path}")
        real_abort(code, *args, **kwargs)

    monkeypatch.setattr(access, "abort", abort)
    return refused
