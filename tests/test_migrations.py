"""Every migration upgrades and downgrades, one by one, on the suite's database kind (SQLite, or
PostgreSQL with TEST_DATABASE_URL), and the models match the migrated schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import create_app
from portal.dbtypes import include_object
from portal.extensions import db
from tests.conftest import base_config, fresh_database_url, is_postgres


def revisions() -> list[str]:
    """The revisions from the first to the head (one line of history: a second head, from two
    migrations made on the same parent, fails here)."""
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()}"
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema() -> dict:
    """The schema as the database reports it: tables with their columns, keys, indexes and
    constraints (and sequences on PostgreSQL); alembic_version left out. (The get_multi_*
    calls reflect every table in one query each on PostgreSQL.)"""
    insp = inspect(db.engine)
    tables = sorted(set(insp.get_table_names()) - {"alembic_version"})
    if not tables:
        return {"<sequences>": sorted(insp.get_sequence_names())} if is_postgres() else {}
    columns, pks, fks, indexes, uniques, checks = (
        {key[1]: value for key, value in reflect(filter_names=tables).items()}
        for reflect in (insp.get_multi_columns, insp.get_multi_pk_constraint,
                        insp.get_multi_foreign_keys, insp.get_multi_indexes,
                        insp.get_multi_unique_constraints, insp.get_multi_check_constraints))
    out = {}
    for table in tables:
        out[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                        for c in columns[table]],
            "pk": sorted(pks[table]["constrained_columns"]),
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                           tuple(f["referred_columns"]), str(f.get("options")))
                          for f in fks[table]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in indexes[table]),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in uniques[table]),
            "checks": sorted(" ".join(c["sqltext"].split()) for c in checks[table]),
        }
    if is_postgres():
        out["<sequences>"] = sorted(insp.get_sequence_names())
    return out


def model_drift() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True,
                        "render_as_batch": True, "include_object": include_object})
        return compare_metadata(context, db.metadata)


def leftovers_at_base() -> list[str]:
    """What a full downgrade left behind besides alembic_version."""
    left = sorted(set(inspect(db.engine).get_table_names()) - {"alembic_version"})
    if is_postgres():
        with db.engine.connect() as conn:
            left += conn.execute(text(
                "SELECT relkind::text || ':' || relname FROM pg_class WHERE relnamespace = "
                "current_schema()::regnamespace AND relkind IN ('r', 'S', 'v', 'm', 'i') "
                "AND relname NOT IN ('alembic_version', 'alembic_version_pkc')")).scalars().all()
            left += conn.execute(text(
                "SELECT 'enum:' || typname FROM pg_type WHERE typnamespace = "
                "current_schema()::regnamespace AND typtype = 'e'")).scalars().all()
    return left


def test_every_revision_upgrades_and_downgrades_one_by_one(tmp_path):
    """Up one revision at a time, each one also taken down and up again (the schema after its
    downgrade must be the one before it, and after the second upgrade the one after the
    first); at the head the models match; then down one at a time to the base, where nothing
    is left; then up to the head again, still matching the models."""
    url, drop = fresh_database_url(tmp_path, "migrations")
    try:
        app = create_app(base_config(tmp_path, url))
        with app.app_context():
            steps = revisions()
            assert len(steps) >= 13
            seen = {None: schema()}
            previous = None
            for revision in steps:
                upgrade(revision=revision)
                assert current_revision() == revision
                seen[revision] = schema()
                downgrade(revision=previous or "base")
                assert current_revision() == previous, f"downgrade of {revision}"
                assert schema() == seen[previous], f"downgrade of {revision} left changes"
                upgrade(revision=revision)
                assert schema() == seen[revision], f"{revision} upgraded again differs"
                previous = revision
            assert {"users", "filings", "documents", "orders", "audit_log"} <= set(
                seen[steps[-1]])
            assert model_drift() == []

            for revision, below in zip(reversed(steps), [*reversed(steps[:-1]), None],
                                       strict=True):
                downgrade(revision=below or "base")
                assert current_revision() == below, f"downgrade of {revision}"
                assert schema() == seen[below]
            assert leftovers_at_base() == []

            upgrade()
            assert current_revision() == steps[-1]
            assert schema() == seen[steps[-1]]
            assert model_drift() == []
            db.engine.dispose()
    finally:
        drop()
