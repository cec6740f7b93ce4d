"""Browser tests: the real portal served on a free loopback port, driven in Debian's Chromium."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pyotp
import pytest

from portal import create_app
from portal.auth.models import Role
from portal.auth.second_factor import current_step
from tests.conftest import TOTP_SECRET, base_config, fresh_database_url, migrate_to_head
from tests.serving import LiveServer

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


_USED_STEPS: dict[tuple[str, str], int] = {}


def log_in(page, base: str, email: str, password: str, totp_secret: str = TOTP_SECRET) -> None:
    """Log in; where the account has a second factor (office accounts made by make_user), type
    the code its app shows (a later one when this one was used: the portal takes a code once)."""
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    while urlsplit(page.url).path == "/login/second-factor":  # again if the code was used
        step = max(current_step(), _USED_STEPS.get((base, email), 0) + 1)
        if step > current_step() + 1:
            time.sleep((step - 1) * 30 - time.time() + 0.1)
        _USED_STEPS[(base, email)] = step
        page.locator("#code").fill(pyotp.TOTP(totp_secret).at(step * 30))
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()


@pytest.fixture
def live_server(tmp_path):
    """A fresh, migrated database with real commits, and the app serving it."""
    url, drop = fresh_database_url(tmp_path, "browser")
    migrate_to_head(url, tmp_path)
    app = create_app({**base_config(tmp_path / "data", url), "PROPAGATE_EXCEPTIONS": False})
    with app.app_context():
        from payments.fees import load_tariff
        from portal.extensions import db
        from portal.seed import TARIFF_FILE, seed_office
        from tests.conftest import make_user

        seed_office()
        load_tariff(TARIFF_FILE)
        make_user("agent@example.org", Role.AGENT, full_name="Vanna Keo",
                  organisation="Mekong IP", agent_number="KH-AG-1")
        db.session.commit()
    try:
        with LiveServer(app) as server:
            yield server
    finally:
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
        drop()
