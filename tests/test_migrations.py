"""Every migration upgrades and downgrades, and the models match the migrated schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.dbtypes import include_object
from portal.extensions import db
from tests.conftest import base_config, fresh_database_url


def test_upgrade_downgrade_upgrade_and_no_drift(tmp_path):
    url, drop = fresh_database_url(tmp_path, "migrations")
    try:
        app = create_app(base_config(tmp_path, url))
        with app.app_context():
            upgrade()
            assert {"users", "firms", "audit_log", "office"} <= set(
                inspect(db.engine).get_table_names())
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "render_as_batch": True,
                                "include_object": include_object})
                diff = compare_metadata(context, db.metadata)
            assert diff == []
            db.engine.dispose()
    finally:
        drop()
