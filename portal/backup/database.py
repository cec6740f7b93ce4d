"""The database half of a backup: a consistent copy, and what it holds.

SQLite is copied with its online backup API (a plain file copy of a live WAL database can be
torn); PostgreSQL with pg_dump on a snapshot exported from a REPEATABLE READ transaction, and the
counts, schema revision and storage keys recorded in the manifest are read in that same
snapshot, so they describe exactly the rows in the dump.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

SQLITE_HEADER = b"SQLite format 3\x00"
# The columns that name a file in the document store (documents, receipts).
STORAGE_KEY_COLUMN = "storage_key"
# pg_dump and pg_restore may take long on a large office; past this they are stopped.
TOOL_TIMEOUT_SECONDS = 6 * 3600


class BackupError(Exception):
    """The backup, check or restore cannot go on; the message says why, for the operator."""


@dataclass
class Contents:
    """What a database (or its copy) holds: the schema revision, rows per table, and the
    storage keys its rows refer to."""

    revision: str | None
    counts: dict[str, int]
    storage_keys: set[str] = field(default_factory=set)
    server_version: str | None = None


def database_kind(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database: SQLite and PostgreSQL only")
    return backend


def sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"not an SQLite database file: {make_url(url)!r}")
    return Path(database).resolve()


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


# --- SQLite ----------------------------------------------------------------------------------

def copy_sqlite(source: Path, target: Path) -> None:
    """An online, consistent copy of a live SQLite database, as one self-contained file."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    # mode=rw: never create an empty database where the real one was expected.
    src = sqlite3.connect(source.as_uri() + "?mode=rw", uri=True, timeout=60)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    dst = sqlite3.connect(target)
    try:
        # One step (pages=-1): the copy is read under one read transaction, so it is the
        # database as of one instant; in WAL mode writers go on meanwhile.
        src.backup(dst)
        # The copy must not need a -wal file beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _read_only(path: Path) -> sqlite3.Connection:
    # immutable=1: no lock or journal files are made beside a copy that must stay as it is.
    return sqlite3.connect(path.as_uri() + "?mode=ro&immutable=1", uri=True)


def sqlite_contents(path: Path) -> Contents:
    conn = _read_only(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        tables = {name: [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
                  for name in names}
        return _contents(tables, lambda sql: conn.execute(sql).fetchall())
    finally:
        conn.close()


def sqlite_integrity(path: Path) -> list[str]:
    """SQLite's own check of a copy: [] when sound."""
    conn = _read_only(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


# --- PostgreSQL ------------------------------------------------------------------------------

def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it (a
    password on a command line is visible to every user of the machine)."""
    url = make_url(url)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{Path(argv[0]).name} took longer than {exc.timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {done.stderr.strip()}")
    return done.stdout


def dump_postgres(engine: Engine, target: Path) -> Contents:
    """pg_dump (custom format) of the database as of one snapshot, and its contents then."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                            postgresql_readonly=True) as conn:
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            contents = _postgres_contents(conn)
            contents.server_version = conn.execute(text("SHOW server_version")).scalar_one()
            # The snapshot lives as long as this transaction: pg_dump must run inside it.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                  f"--file={target}", f"--dbname={uri}"], env)
    os.chmod(target, 0o600)
    return contents


def _postgres_contents(conn) -> Contents:
    rows = conn.execute(text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")).all()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    views = set(conn.execute(text(
        "SELECT table_name FROM information_schema.views "
        "WHERE table_schema = current_schema()")).scalars())
    tables = {name: cols for name, cols in tables.items() if name not in views}
    return _contents(tables, lambda sql: conn.execute(text(sql)).all())


def postgres_contents(url: str) -> Contents:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _postgres_contents(conn)
    finally:
        engine.dispose()


def list_dump(path: Path) -> None:
    """pg_restore reads the dump's table of contents: the archive is whole and readable."""
    _run([_tool("pg_restore"), "--list", str(path)])


def postgres_is_empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema "
                "NOT IN ('pg_catalog', 'information_schema')")).scalar_one()
    finally:
        engine.dispose()


def restore_postgres(dump: Path, url: str) -> None:
    """pg_restore into an empty database, in one transaction: all of it or nothing."""
    uri, env = _libpq(url)
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--no-password", f"--dbname={uri}", str(dump)], env)


# --- both ------------------------------------------------------------------------------------

def _contents(tables: dict[str, list[str]], query: Callable[[str], Iterable]) -> Contents:
    # Table names come from the database's own catalog, never from outside.
    counts = {name: int(list(query(f'SELECT count(*) FROM "{name}"'))[0][0])
              for name in sorted(tables)}
    revision = None
    if "alembic_version" in tables:
        versions = [r[0] for r in query("SELECT version_num FROM alembic_version")]
        revision = ",".join(sorted(versions)) or None
    keys: set[str] = set()
    for name, columns in tables.items():
        if STORAGE_KEY_COLUMN in columns:
            keys.update(r[0] for r in query(
                f'SELECT DISTINCT {STORAGE_KEY_COLUMN} FROM "{name}" '
                f"WHERE {STORAGE_KEY_COLUMN} IS NOT NULL"))
    return Contents(revision=revision, counts=counts, storage_keys=keys)
