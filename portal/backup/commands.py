"""`flask --app portal backup ...`: create, verify and restore backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db

# Tables whose counts the commands print (the manifest has every table's).
SHOWN = ("filings", "documents", "receipts", "orders", "users")


def register(app: Flask) -> None:
    # AppGroup: each command runs in the app's context however it is invoked.
    group = AppGroup("backup", help="Back up, check and restore the portal's data.")
    app.cli.add_command(group)

    @group.command("create")
    @click.option("--to", "target", required=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="A new or empty directory, outside the data dir.")
    def create_command(target: Path):
        """Back up the database (SQLite online backup, or pg_dump) and then the data dir
        (documents, receipts, kept mail, the generated secret key) into TARGET, with a
        manifest of every file's SHA-256. Safe while the portal runs."""
        from portal.audit import audit
        from portal.backup.services import BackupError, create_backup
        from portal.timeutil import utcnow

        try:
            manifest = create_backup(target, db.engine,
                                     Path(current_app.config["PORTAL_DATA_DIR"]), utcnow())
        except (BackupError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        _summary(manifest)
        for key in manifest["missing_documents"]:
            click.echo(f"warning: documents/{key} is named in the database but was not in "
                       "the data dir", err=True)
        audit("backup.created", actor="command line", to=str(target.resolve()),
              database=manifest["database"]["kind"],
              revision=manifest["database"]["alembic_revision"],
              filings=manifest["counts"].get("filings"), files=len(manifest["files"]))
        db.session.commit()
        click.echo(f"Backup complete: {target}")

    @group.command("verify")
    @click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
    def verify_command(source: Path):
        """Check the backup SOURCE against its manifest: every file's size and SHA-256,
        nothing unlisted, the database copy readable (SQLite's integrity check and row counts;
        pg_restore --list for a PostgreSQL dump)."""
        from portal.backup.services import verify_backup

        report = verify_backup(source)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        if not report.ok:
            raise click.ClickException(f"{len(report.problems)} problem(s): "
                                       f"the backup {source} is not sound")
        _summary(report.manifest)
        click.echo(f"Backup sound: {source}")

    @group.command("restore")
    @click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
    @click.option("--into", "data_dir", required=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="The new data dir: must not exist or be empty.")
    @click.option("--database-url", default=None,
                  help="The database to restore into: a new SQLite file (default: portal.db "
                       "in the new data dir) or an empty PostgreSQL database (required for a "
                       "PostgreSQL backup).")
    def restore_command(source: Path, data_dir: Path, database_url: str | None):
        """Restore the backup SOURCE into an empty data dir and an empty database, after
        verifying it. Refuses any target that holds something already."""
        from portal.backup.services import BackupError, restore_backup

        if database_url is None:
            database_url = f"sqlite:///{data_dir.resolve() / 'portal.db'}"
        try:
            manifest = restore_backup(source, data_dir, database_url, _known_revision)
            _record_restore(database_url, source, manifest)
        except (BackupError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        _summary(manifest)
        click.echo(f"Restored into {data_dir.resolve()} and the database. Start the portal "
                   f"with PORTAL_DATA_DIR={data_dir.resolve()} and DATABASE_URL set to that "
                   "database, after `flask --app portal db upgrade`.")


def _summary(manifest: dict) -> None:
    database, counts = manifest["database"], manifest["counts"]
    click.echo(f"made {manifest['created_at']}; {database['kind']} database at revision "
               f"{database['alembic_revision']}; {len(manifest['files'])} files")
    click.echo(", ".join(f"{counts.get(t, 0)} {t}" for t in SHOWN))


def _known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not revision:
        return False
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        return all(scripts.get_revision(r) is not None for r in revision.split(","))
    except CommandError:
        return False


def _record_restore(database_url: str, source: Path, manifest: dict) -> None:
    """The restored database's audit log says where it came from."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from portal.audit import AuditEntry

    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            session.add(AuditEntry(action="backup.restored", actor="command line", details={
                "from": str(source.resolve()), "created_at": manifest["created_at"],
                "revision": manifest["database"]["alembic_revision"]}))
            session.commit()
    finally:
        engine.dispose()
