"""Backups of a portal: the database, then the data dir, with a manifest to check them by.

Layout of a backup directory:

    manifest.json        written last: a directory without it is no backup
    database.sqlite3     the SQLite copy, or database.pgdump (pg_dump -Fc) for PostgreSQL
    files/...            the data dir: documents/ (uploads, receipts), mail/, secret_key, ...

The database is copied first, the files after: a document's bytes are stored before the row
that names them is committed and removed only after the row is gone, so every file the
database copy refers to is still there when the files are copied. The other order would lose
the documents uploaded between the two copies.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import Engine

from portal.backup import database as dbcopy
from portal.backup.database import BackupError

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Where the document store keeps a storage key's bytes, inside the data dir
# (portal.documents.storage.get_storage).
DOCUMENTS = "documents"
# Not worth keeping: uploads being written, the beat scheduler's state, SQLite's side files.
TRANSIENT = (".tmp-*", "celerybeat-schedule*")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
CHUNK = 1024 * 1024


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# --- create ----------------------------------------------------------------------------------

def create_backup(target: Path, engine: Engine, data_dir: Path, now: datetime) -> dict:
    """Back up the database behind `engine` and the data dir into `target` (new or empty);
    returns the manifest. On any failure nothing is left in `target`."""
    target, data_dir = Path(target).resolve(), Path(data_dir).resolve()
    if target == data_dir or data_dir in target.parents:
        raise BackupError(f"the backup cannot go inside the data dir {data_dir}")
    _claim_empty_dir(target, "backup directory")
    try:
        kind = dbcopy.database_kind(engine.url)
        database_file = target / DATABASE_FILES[kind]
        skip: set[Path] = set()
        if kind == "sqlite":
            source = dbcopy.sqlite_path(engine.url)
            dbcopy.copy_sqlite(source, database_file)
            contents = dbcopy.sqlite_contents(database_file)
            skip = {source} | {Path(f"{source}{suffix}") for suffix in SQLITE_SIDE_FILES}
        else:
            contents = dbcopy.dump_postgres(engine, database_file)
        files = _copy_data_dir(data_dir, target / FILES, skip, target)
        missing = sorted(key for key in contents.storage_keys
                         if f"{DOCUMENTS}/{key}" not in files)
        size, digest = _hash(database_file)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "portal_version": _version(),
            "database": {"kind": kind, "file": database_file.name, "size": size,
                         "sha256": digest, "alembic_revision": contents.revision,
                         "server_version": contents.server_version},
            "counts": contents.counts,
            "data_dir": str(data_dir),
            "files": files,
            "missing_documents": missing,
        }
        # Everything else is on disk before the manifest says the backup is complete (the
        # files were synced as they were written; this makes their names durable too).
        _fsync_dirs(target)
        _write_json(target / MANIFEST, manifest)
    except BaseException:
        _empty(target)
        raise
    return manifest


def _copy_data_dir(source: Path, dest: Path, skip: set[Path], backup: Path) -> dict:
    files = {}
    for root, dirs, names in os.walk(source):
        here = Path(root)
        # Never copy a backup into itself, wherever it was put.
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() != backup)
        for name in sorted(names):
            path = here / name
            if path in skip or any(fnmatch.fnmatch(name, p) for p in TRANSIENT):
                continue
            if name.endswith(SQLITE_SIDE_FILES) and dbcopy.is_sqlite_file(
                    path.with_name(name.rsplit("-", 1)[0])):
                continue
            if path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(source).as_posix()
            out = dest / rel
            _make_dirs(out.parent)
            try:
                if dbcopy.is_sqlite_file(path):  # the back-office simulator's database
                    dbcopy.copy_sqlite(path, out)
                    size, digest = _hash(out)
                else:
                    size, digest = _copy(path, out)
            except FileNotFoundError:
                continue  # removed meanwhile; if the database still names it, it is reported
            files[rel] = {"size": size, "sha256": digest}
    return files


# --- verify ----------------------------------------------------------------------------------

def verify_backup(source: Path) -> Report:
    """Check a backup against its manifest: every file there with its size and SHA-256,
    nothing else beside them, and the database copy readable and matching the counts."""
    source = Path(source)
    report = Report()
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        report.problems.append(f"no {MANIFEST}: not a backup, or an incomplete one")
        return report
    except (OSError, ValueError) as exc:
        report.problems.append(f"{MANIFEST} cannot be read: {exc}")
        return report
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        report.problems.append(f"{MANIFEST}: unknown format {manifest.get('format')!r}"
                               if isinstance(manifest, dict) else f"{MANIFEST}: not an object")
        return report
    unsafe = _unsafe_entries(manifest)
    if unsafe:
        report.problems += [f"{MANIFEST}: {u}" for u in unsafe]
        return report
    report.manifest = manifest
    db_info = manifest["database"]
    expected = {db_info["file"]: db_info} | {
        f"{FILES}/{rel}": entry for rel, entry in manifest["files"].items()}
    for rel, entry in sorted(expected.items()):
        problem = _check_file(source / rel, entry)
        if problem:
            report.problems.append(f"{rel}: {problem}")
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if path.is_file() and rel != MANIFEST and rel not in expected:
            report.problems.append(f"{rel}: not in the manifest")
    database_file = source / db_info["file"]
    if not any(p.startswith(f"{db_info['file']}:") for p in report.problems):
        _check_database(db_info, database_file, manifest, report)
    for key in manifest.get("missing_documents", []):
        report.warnings.append(f"{DOCUMENTS}/{key}: named in the database but was not in the "
                               "data dir when the backup was made")
    return report


def _unsafe_entries(manifest: dict) -> list[str]:
    """What is missing from a manifest, or could make a restore write outside its target."""
    database, files = manifest.get("database"), manifest.get("files")
    if not isinstance(database, dict) or not isinstance(files, dict) \
            or not isinstance(manifest.get("counts"), dict) or "alembic_revision" not in database:
        return ["incomplete: database, files or counts are missing"]
    bad = [] if database.get("file") in DATABASE_FILES.values() else [
        f"unexpected database file {database.get('file')!r}"]
    bad += [f"unsafe path {name!r}" for name in files
            if name.startswith("/") or "\\" in name
            or any(part in ("", ".", "..") for part in name.split("/"))]
    bad += ["an entry without size and sha256" for entry in (database, *files.values())
            if not isinstance(entry, dict) or not isinstance(entry.get("size"), int)
            or not isinstance(entry.get("sha256"), str)]
    return bad


def _check_file(path: Path, entry: dict) -> str | None:
    if path.is_symlink():
        return "a symbolic link, not a file"
    if not path.is_file():
        return "missing"
    size, digest = _hash(path)
    if size != entry["size"]:
        return f"{size} bytes instead of {entry['size']}"
    if digest != entry["sha256"]:
        return "SHA-256 differs: the file was changed or damaged"
    return None


def _check_database(db_info: dict, path: Path, manifest: dict, report: Report) -> None:
    if db_info["kind"] == "postgresql":
        try:
            dbcopy.list_dump(path)
        except BackupError as exc:
            report.problems.append(f"{path.name}: {exc}")
        return
    problems = dbcopy.sqlite_integrity(path)
    if problems:
        report.problems += [f"{path.name}: {p}" for p in problems]
        return
    contents = dbcopy.sqlite_contents(path)
    if contents.revision != db_info["alembic_revision"]:
        report.problems.append(f"{path.name}: schema revision {contents.revision}, the "
                               f"manifest says {db_info['alembic_revision']}")
    if contents.counts != manifest["counts"]:
        report.problems.append(f"{path.name}: its row counts differ from the manifest's")
    listed = set(manifest.get("missing_documents", []))
    for key in sorted(contents.storage_keys - listed):
        if f"{DOCUMENTS}/{key}" not in manifest["files"]:
            report.problems.append(f"{FILES}/{DOCUMENTS}/{key}: named in the database, "
                                   "not in the backup")


# --- restore ---------------------------------------------------------------------------------

def restore_backup(source: Path, data_dir: Path, database_url: str,
                   known_revision: Callable[[str | None], bool]) -> dict:
    """Restore a verified backup into an empty data dir and an empty database (a new SQLite
    file, or an empty PostgreSQL database); returns the manifest. The files go first and the
    database last, so that a database, once there, finds every file it names. If anything
    fails, what was written is removed again."""
    source, data_dir = Path(source).resolve(), Path(data_dir).resolve()
    report = verify_backup(source)
    if not report.ok:
        raise BackupError("the backup does not verify: " + "; ".join(report.problems[:5]))
    manifest = report.manifest
    kind = manifest["database"]["kind"]
    if dbcopy.database_kind(database_url) != kind:
        raise BackupError(f"a {kind} backup is restored into a {kind} database")
    revision = manifest["database"]["alembic_revision"]
    if not known_revision(revision):
        raise BackupError(f"the backup's schema revision {revision} is unknown to this version "
                          "of the portal: restore it with the version that made it "
                          f"({manifest.get('portal_version')}) or a later one")
    if data_dir == source or source in data_dir.parents or data_dir in source.parents:
        raise BackupError("the data dir and the backup must be apart")
    _check_database_target(kind, database_url, data_dir)
    _claim_empty_dir(data_dir, "data dir")
    try:
        for rel, entry in manifest["files"].items():
            out = data_dir / rel
            _make_dirs(out.parent)
            size, digest = _copy(source / FILES / rel, out)
            if (size, digest) != (entry["size"], entry["sha256"]):
                raise BackupError(f"{FILES}/{rel} changed while it was being restored")
        database_file = source / manifest["database"]["file"]
        if kind == "sqlite":
            size, digest = _copy(database_file, dbcopy.sqlite_path(database_url))
            if digest != manifest["database"]["sha256"]:
                raise BackupError(f"{database_file.name} changed while it was being restored")
        else:
            dbcopy.restore_postgres(database_file, database_url)
    except BaseException:
        _empty(data_dir)
        if kind == "sqlite":
            dbcopy.sqlite_path(database_url).unlink(missing_ok=True)
        raise
    _check_restored(kind, database_url, manifest)
    return manifest


def _check_database_target(kind: str, url: str, data_dir: Path) -> None:
    if kind == "sqlite":
        path = dbcopy.sqlite_path(url)
        if any(Path(f"{path}{s}").exists() for s in ("", *SQLITE_SIDE_FILES)):
            raise BackupError(f"{path} exists already: restore into a new database file")
        if data_dir not in path.parents and not path.parent.is_dir():
            raise BackupError(f"no directory {path.parent} for the database")
    elif not dbcopy.postgres_is_empty(url):
        raise BackupError("the target database is not empty: create a new one "
                          "(createdb) and restore into it")


def _check_restored(kind: str, url: str, manifest: dict) -> None:
    if kind == "sqlite":
        contents = dbcopy.sqlite_contents(dbcopy.sqlite_path(url))
    else:
        contents = dbcopy.postgres_contents(url)
    if contents.revision != manifest["database"]["alembic_revision"] or \
            contents.counts != manifest["counts"]:
        differ = sorted(t for t in manifest["counts"] | contents.counts
                        if manifest["counts"].get(t) != contents.counts.get(t))
        raise BackupError("restored, but the database does not match the manifest "
                          f"(revision {contents.revision}; tables {', '.join(differ)})")


# --- files -----------------------------------------------------------------------------------

def _claim_empty_dir(path: Path, what: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"the {what} {path} is not empty")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _make_dirs(path: Path) -> None:
    """mkdir -p with mode 700 for every folder it adds (mkdir's mode skips the parents)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)


def _empty(path: Path) -> None:
    """Remove what a failed run put into `path` (it was empty or new when the run began)."""
    if not path.is_dir():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy a file (mode 600, never over an existing one); its size and SHA-256 as read."""
    sha, size = hashlib.sha256(), 0
    with source.open("rb") as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    return size, sha.hexdigest()


def _hash(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def _fsync_dirs(top: Path) -> None:
    for root, _dirs, _names in os.walk(top):
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _version() -> str | None:
    try:
        return metadata.version("filing-portal")
    except metadata.PackageNotFoundError:
        return None
