"""A throwaway portal for the benchmarks: a migrated database with the demo office and tariff."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.conftest import base_config, migrate_to_head  # noqa: E402


def demo_office_app(database_url: str | None = None):
    """The app on a fresh database (SQLite in a temporary folder unless `database_url` names an
    empty PostgreSQL database), seeded with the demo office and its tariff; and its URL."""
    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    migrate_to_head(url, folder)
    app = create_app({**base_config(folder / "data", url), "TESTING": False})
    with app.app_context():
        from payments.fees import load_tariff
        from portal.seed import TARIFF_FILE, seed_office

        seed_office()
        load_tariff(TARIFF_FILE)
        db.session.commit()
    return app, url
