"""Browser tests: the real portal served on a free loopback port, driven in Debian's Chromium."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.auth.models import Role
from tests.conftest import base_config, fresh_database_url, migrate_to_head
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


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.locator("#password").fill(password)
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
