"""Backups: `flask backup create`, `verify` and `restore`, end to end on the suite's database
kind (SQLite, or PostgreSQL with TEST_DATABASE_URL): a portal with paid filings, documents and
a receipt is backed up, restored into a fresh database and data dir, and the restored portal
serves the same filings and the same bytes."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from payments.fees import load_tariff
from payments.models import Order
from payments.providers.deposit_account import move, open_account
from portal import create_app
from portal.audit import AuditEntry
from portal.auth.models import Role
from portal.backup.services import create_backup, verify_backup
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.office.models import Office
from portal.receipts.models import Receipt
from portal.seed import TARIFF_FILE
from portal.timeutil import utcnow
from tests.conftest import (
    Browser,
    IsolatedClient,
    base_config,
    fresh_database_url,
    is_postgres,
    make_user,
    migrate_to_head,
)
from tests.orders.conftest import checkout, fill_cart, order_id_of

KINDS = ("trademark", "patent", "design")


def build_app(data_dir: Path, url: str):
    """The portal on `url`; its test client gives each request its own context, as in
    production, when the test holds one itself."""
    app = create_app(base_config(data_dir, url))
    app.test_client_class = IsolatedClient
    return app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(web, url: str) -> bytes:
    response = web.get(url)
    assert response.status_code == 200, url
    data = response.get_data()
    response.close()
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A portal of its own (committed, not rolled back: a backup reads what is committed): an
    agent's paid order of a trademark, a patent (two PDFs) and a design (a PNG), its receipt
    and mail, and a secret key generated into the data dir."""
    tmp = tmp_path_factory.mktemp("site")
    url, drop = fresh_database_url(tmp, "site")
    migrate_to_head(url, tmp / "migrate")
    data_dir = tmp / "data"
    app = build_app(data_dir, url)
    (data_dir / "secret_key").write_text("generated-secret-key-of-this-office")
    with app.app_context():
        db.session.add(Office(name="Test Intellectual Property Office", short_name="TIPO",
                              country_code="KH", currency="KHR", timezone="Asia/Phnom_Penh",
                              default_locale="en", address="1 Test Street, Phnom Penh"))
        load_tariff(TARIFF_FILE)
        agent = make_user("agent@example.org", Role.AGENT, full_name="Vanna Keo",
                          organisation="Mekong IP", agent_number="KH-AG-1")
        move(open_account(agent, "KHR"), Decimal("5000000"), "top_up", note="opening")
        db.session.commit()
        web = Browser(app.test_client())
        web.login("agent@example.org")
        fill_cart(web, KINDS)
        order_id = order_id_of(checkout(web, "deposit_account"))
        order = db.session.get(Order, order_id)
        assert {i.filing.status for i in order.items} == {FilingStatus.ACCEPTED}
        documents = {d.id: download(web, f"/filings/documents/{d.id}")
                     for d in db.session.scalars(select(Document))}
        receipt = db.session.scalars(select(Receipt).where(Receipt.kind == "receipt")).one()
        numbers = sorted(i.filing.portal_number for i in order.items)
        state = {"order_id": order_id, "documents": documents, "numbers": numbers,
                 "receipt": download(web, f"/orders/{order_id}/receipt"),
                 "receipt_sha": receipt.sha256,
                 "doc_hashes": {d.id: d.sha256 for d in db.session.scalars(select(Document))}}
        db.session.remove()
    assert len(state["documents"]) >= 3 and (data_dir / "mail").is_dir()
    yield app, url, data_dir, state
    with app.app_context():
        db.engine.dispose()
    drop()


@pytest.fixture
def fresh(tmp_path):
    """A restore target: a new data dir and a new empty database (dropped afterwards)."""
    url, drop = fresh_database_url(tmp_path, "restored")
    data_dir = tmp_path / "restored"
    if not is_postgres():
        url = f"sqlite:///{data_dir / 'portal.db'}"
    made = []
    yield data_dir, url, made
    for app in made:
        with app.app_context():
            db.engine.dispose()
    drop()


def back_up(site, target: Path) -> dict:
    app = site[0]
    result = run(app, "backup", "create", "--to", str(target))
    assert result.exit_code == 0, result.output
    return json.loads((target / "manifest.json").read_text())


def test_a_backup_restored_into_a_fresh_database_serves_the_same_filings_and_bytes(
        site, fresh, tmp_path):
    app, url, data_dir, state = site
    manifest = back_up(site, tmp_path / "backup")
    kind = "postgresql" if is_postgres() else "sqlite"
    assert manifest["database"]["kind"] == kind
    assert manifest["counts"]["filings"] == len(KINDS)
    assert manifest["counts"]["documents"] == len(state["documents"])
    assert manifest["database"]["alembic_revision"]
    assert manifest["missing_documents"] == []
    assert "secret_key" in manifest["files"]
    assert any(name.startswith("mail/") for name in manifest["files"])
    for name, entry in manifest["files"].items():
        assert sha((data_dir / name).read_bytes()) == entry["sha256"]
    assert not any(name.startswith("portal.db") for name in manifest["files"])
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "backup.created")).one()
        assert entry.details["filings"] == len(KINDS)
        db.session.remove()

    verified = run(app, "backup", "verify", str(tmp_path / "backup"))
    assert verified.exit_code == 0, verified.output
    assert "Backup sound" in verified.output

    new_dir, new_url, made = fresh
    args = ["backup", "restore", str(tmp_path / "backup"), "--into", str(new_dir)]
    if is_postgres():
        args += ["--database-url", new_url]
    restored = run(app, *args)
    assert restored.exit_code == 0, restored.output
    assert (new_dir / "secret_key").read_text() == "generated-secret-key-of-this-office"

    copy = build_app(new_dir, new_url)
    made.append(copy)
    with copy.app_context():
        numbers = sorted(db.session.scalars(select(Filing.portal_number)))
        assert numbers == state["numbers"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "backup.restored")) == 1
        web = Browser(copy.test_client())
        assert web.login("agent@example.org").status_code == 302
        dashboard = web.get("/dashboard").get_data(as_text=True)
        for number in state["numbers"]:
            assert number in dashboard
        for doc_id, original in state["documents"].items():
            data = download(web, f"/filings/documents/{doc_id}")
            assert sha(data) == sha(original) == state["doc_hashes"][doc_id]
        receipt = download(web, f"/orders/{state['order_id']}/receipt")
        assert sha(receipt) == state["receipt_sha"] == sha(state["receipt"])
        db.session.remove()


def test_verify_finds_a_changed_a_truncated_a_missing_and_an_extra_file(site, tmp_path):
    app = site[0]
    target = tmp_path / "backup"
    manifest = back_up(site, target)
    document = next(n for n in manifest["files"] if n.startswith("documents/"))
    path = target / "files" / document
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, same size
    path.write_bytes(bytes(data))
    result = run(app, "backup", "verify", str(target))
    assert result.exit_code == 1
    assert f"files/{document}: SHA-256 differs" in result.output
    assert "not sound" in result.output

    path.write_bytes(bytes(data[:-10]))
    (target / "files" / "secret_key").unlink()
    (target / "files" / "stray.txt").write_text("left here by hand")
    result = run(app, "backup", "verify", str(target))
    assert f"files/{document}: {len(data) - 10} bytes instead of {len(data)}" in result.output
    assert "files/secret_key: missing" in result.output
    assert "files/stray.txt: not in the manifest" in result.output
    assert "3 problem(s)" in result.output

    # A tampered backup is not restored: nothing is written.
    into = tmp_path / "into"
    result = run(app, "backup", "restore", str(target), "--into", str(into))
    assert result.exit_code == 1 and "does not verify" in result.output
    assert not into.exists()


def test_verify_finds_a_damaged_database_copy(site, tmp_path):
    app = site[0]
    target = tmp_path / "backup"
    manifest = back_up(site, target)
    name = manifest["database"]["file"]
    with (target / name).open("r+b") as fh:
        fh.seek(4096 + 100)
        fh.write(b"\xff" * 16)
    result = run(app, "backup", "verify", str(target))
    assert result.exit_code == 1
    assert f"{name}: SHA-256 differs" in result.output


def test_a_backup_without_its_manifest_or_with_an_unsafe_one_is_refused(site, tmp_path):
    app = site[0]
    target = tmp_path / "backup"
    back_up(site, target)
    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").unlink()
    result = run(app, "backup", "verify", str(target))
    assert result.exit_code == 1 and "no manifest.json" in result.output

    # A manifest that would make a restore write outside the data dir.
    entry = next(iter(manifest["files"].values()))
    manifest["files"]["../escaped"] = entry
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = run(app, "backup", "verify", str(target))
    assert result.exit_code == 1 and "unsafe path '../escaped'" in result.output
    result = run(app, "backup", "restore", str(target), "--into", str(tmp_path / "in" / "d"))
    assert result.exit_code == 1
    assert not (tmp_path / "in").exists() and not (tmp_path / "escaped").exists()


def test_restore_refuses_targets_that_hold_something(site, tmp_path):
    app, url, data_dir, _state = site
    target = tmp_path / "backup"
    back_up(site, target)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    result = run(app, "backup", "restore", str(target), "--into", str(busy),
                 *(["--database-url", url] if is_postgres() else []))
    assert result.exit_code == 1
    if is_postgres():  # the site's own database has tables
        assert "the target database is not empty" in result.output
    assert (busy / "keep.txt").read_text() == "mine" and len(list(busy.iterdir())) == 1

    empty = tmp_path / "empty"
    if is_postgres():
        result = run(app, "backup", "restore", str(target), "--into", str(empty),
                     "--database-url", url)
        assert "not empty" in result.output
    else:
        existing = tmp_path / "existing.db"
        existing.write_bytes(b"")
        result = run(app, "backup", "restore", str(target), "--into", str(empty),
                     "--database-url", f"sqlite:///{existing}")
        assert "exists already" in result.output
        result = run(app, "backup", "restore", str(target), "--into", str(busy))
        assert "is not empty" in result.output
    assert result.exit_code == 1 and not empty.exists()

    other = "sqlite:///x.db" if is_postgres() else "postgresql+psycopg://u@127.0.0.1:1/none"
    result = run(app, "backup", "restore", str(target), "--into", str(empty),
                 "--database-url", other)
    assert result.exit_code == 1 and "is restored into a" in result.output


def test_the_backup_target_must_be_new_or_empty_and_outside_the_data_dir(site, tmp_path):
    app, _url, data_dir, _state = site
    result = run(app, "backup", "create", "--to", str(data_dir / "backups" / "today"))
    assert result.exit_code == 1 and "inside the data dir" in result.output
    assert not (data_dir / "backups").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "old").write_text("an older backup")
    result = run(app, "backup", "create", "--to", str(busy))
    assert result.exit_code == 1 and "is not empty" in result.output
    assert [p.name for p in busy.iterdir()] == ["old"]


def test_the_backup_is_taken_while_another_connection_writes(site, tmp_path):
    """Online: a writer holding an open transaction (on SQLite, the write lock) neither blocks
    the copy nor leaks its uncommitted rows into it."""
    app, url, data_dir, _state = site
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("UPDATE filings SET reference = 'UNCOMMITTED'"))
            conn.execute(text("INSERT INTO audit_log (at, action, details) "
                              "VALUES (CURRENT_TIMESTAMP, 'uncommitted.row', '{}')"))
            with app.app_context():
                manifest = create_backup(tmp_path / "backup", db.engine, data_dir, utcnow())
                committed = db.session.scalar(select(func.count()).select_from(AuditEntry))
                db.session.remove()
            conn.rollback()
    finally:
        engine.dispose()
    assert manifest["counts"]["audit_log"] == committed
    assert verify_backup(tmp_path / "backup").ok
    if not is_postgres():
        copy = sqlite3.connect(tmp_path / "backup" / "database.sqlite3")
        try:
            refs = {r[0] for r in copy.execute("SELECT reference FROM filings")}
        finally:
            copy.close()
        assert refs and "UNCOMMITTED" not in refs


def test_a_document_missing_from_the_store_is_named_not_hidden(site, tmp_path):
    app, _url, data_dir, _state = site
    with app.app_context():
        key = db.session.scalars(select(Document.storage_key)).first()
        db.session.remove()
    stored = data_dir / "documents" / key
    saved = tmp_path / "saved"
    shutil.copy2(stored, saved)
    stored.unlink()
    try:
        result = run(app, "backup", "create", "--to", str(tmp_path / "backup"))
    finally:
        shutil.copy2(saved, stored)
    assert result.exit_code == 0, result.output
    assert f"warning: documents/{key} is named in the database" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["missing_documents"] == [key]
    result = run(app, "backup", "verify", str(tmp_path / "backup"))
    assert result.exit_code == 0 and f"documents/{key}: named in the database" in result.output


@pytest.mark.skipif(is_postgres(), reason="reads the SQLite copy itself")
def test_verify_compares_the_database_copy_with_the_manifest(site, tmp_path):
    """Hashes prove the bytes are those written; the counts prove the copy holds what the
    manifest says (a manifest rewritten by hand after the copy was changed)."""
    app = site[0]
    target = tmp_path / "backup"
    manifest = back_up(site, target)
    copy = sqlite3.connect(target / "database.sqlite3")
    copy.execute("DELETE FROM filing_events")
    copy.commit()
    copy.close()
    data = (target / "database.sqlite3").read_bytes()
    manifest["database"].update(size=len(data), sha256=sha(data))
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = run(app, "backup", "verify", str(target))
    assert result.exit_code == 1
    assert "database.sqlite3: its row counts differ from the manifest's" in result.output
