"""The back-office simulator: the office's side of the contract in DESIGN.md, as a small app of
its own (`flask --app portal backoffice-sim --port P`), for demos, acceptance environments and
tests.

- `POST /filings` receives a filing as the connector sends it: the bearer token must be the one
  the portal sends (BACKOFFICE_TOKEN), the `Idempotency-Key` names the filing; a new key gets an
  office number in the office's format (`TM/2026/000001`) and 201, a known key 409 with the
  number it already has. Stored in its own SQLite file, never in the portal's database.
- `/` lists what it received; for each filing a person can send a status change or a
  notification (with a PDF) back through the portal's API (`links.events` of the filing), with
  the API token the simulator was given.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import threading
import uuid
from contextlib import closing
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import requests
from flask import Flask, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import CSRFProtect, FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
STATUSES = Path(__file__).resolve().parents[1] / "data" / "office_statuses.json"
PREFIXES = {"trademark": "TM", "patent": "PT", "design": "ID", "utility_model": "UM"}
SCHEMA = """
CREATE TABLE IF NOT EXISTS filings (
    key TEXT PRIMARY KEY,
    office_number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    type TEXT NOT NULL,
    portal_number TEXT,
    events_url TEXT,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_events (
    id TEXT PRIMARY KEY,
    filing_key TEXT NOT NULL REFERENCES filings(key),
    type TEXT NOT NULL,
    summary TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    answer TEXT NOT NULL
);
"""


class Store:
    """The simulator's own records, in a SQLite file (one connection per call; writes take the
    database's lock at once, so two deliveries of one key store one filing)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def receive(self, key: str, body: dict) -> tuple[str, bool]:
        """The office number of `key` and whether it is new."""
        kind = str(body.get("kind") or "")
        filing_type = str(body.get("type") or "")
        year = datetime.now(UTC).year
        prefix = PREFIXES.get(kind, "XX") if filing_type == "application" else "RQ"
        with self.lock, closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                known = db.execute("SELECT office_number FROM filings WHERE key = ?",
                                   (key,)).fetchone()
                if known is not None:
                    return known["office_number"], False
                like = f"{prefix}/{year}/%"
                count = db.execute("SELECT count(*) FROM filings WHERE office_number LIKE ?",
                                   (like,)).fetchone()[0]
                number = f"{prefix}/{year}/{count + 1:06d}"
                links = body.get("links") if isinstance(body.get("links"), dict) else {}
                db.execute("INSERT INTO filings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (key, number, kind, filing_type, body.get("portal_number"),
                            links.get("events"), _now(), json.dumps(body)))
                db.execute("COMMIT")
                return number, True
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def filings(self, limit: int = 200) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute("SELECT key, office_number, kind, type, portal_number, "
                              "events_url, received_at FROM filings "
                              "ORDER BY received_at DESC, office_number DESC LIMIT ?",
                              (limit,)).fetchall()

    def count(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT count(*) FROM filings").fetchone()[0]

    def filing(self, key: str) -> sqlite3.Row | None:
        with closing(self._connect()) as db:
            return db.execute("SELECT * FROM filings WHERE key = ?", (key,)).fetchone()

    def events(self, key: str) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute("SELECT * FROM sent_events WHERE filing_key = ? ORDER BY sent_at",
                              (key,)).fetchall()

    def sent(self, event_id: str, key: str, kind: str, summary: str, answer: str) -> None:
        with self.lock, closing(self._connect()) as db:
            db.execute("INSERT OR REPLACE INTO sent_events VALUES (?, ?, ?, ?, ?, ?)",
                       (event_id, key, kind, summary, _now(), answer))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@lru_cache(maxsize=1)
def status_choices() -> list[tuple[str, str]]:
    """The office's status codes (read once: the page builds a form per filing)."""
    rows = json.loads(STATUSES.read_text(encoding="utf-8"))
    return [(row["code"], row["names"]["en"]) for row in rows]


class StatusForm(FlaskForm):
    event_id = HiddenField()
    status = SelectField(_l("Status"), choices=status_choices)
    registration_number = StringField(_l("Registration number"),
                                      validators=[Optional(), Length(max=40)])
    expires_on = DateField(_l("Expiry date"), validators=[Optional()])


class NotificationForm(FlaskForm):
    event_id = HiddenField()
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=50000)])
    response_due = DateField(_l("Response due"), validators=[Optional()])
    document = FileField(_l("Document (PDF)"),
                         validators=[FileAllowed(["pdf"], _l("Only PDF files."))])


def _errors(form: FlaskForm) -> str:
    return "; ".join(f"{form[name].label.text}: {' '.join(map(str, messages))}"
                     for name, messages in form.errors.items())


def create_sim_app(*, db_path: Path, portal_url: str, portal_token: str,
                   inbound_token: str) -> Flask:
    app = Flask("backoffice_sim", template_folder=str(REPO_ROOT / "templates"),
                static_folder=str(REPO_ROOT / "static"))
    app.config.update(SECRET_KEY=secrets.token_hex(32), MAX_CONTENT_LENGTH=32 * 1024 * 1024,
                      BABEL_TRANSLATION_DIRECTORIES=str(REPO_ROOT / "translations"),
                      WTF_CSRF_TIME_LIMIT=None)
    csrf = CSRFProtect(app)
    Babel(app, locale_selector=lambda: request.accept_languages.best_match(
        ["en", "fr", "es", "km", "lo", "vi", "ar"]) or "en")
    store = Store(db_path)
    app.extensions["sim_store"] = store
    http = requests.Session()

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "filings": store.count()}

    @app.post("/filings")
    @csrf.exempt
    def receive():
        if inbound_token and request.headers.get("Authorization") != f"Bearer {inbound_token}":
            return jsonify(error={"code": "unauthorized", "message": "bad token"}), 401
        key = request.headers.get("Idempotency-Key", "").strip()
        body = request.get_json(silent=True)
        if not key or len(key) > 100:
            return jsonify(error={"code": "invalid_request",
                                  "message": "an Idempotency-Key header is required"}), 400
        if not isinstance(body, dict) or not body.get("portal_number") or not body.get("kind"):
            return jsonify(error={"code": "invalid_request",
                                  "message": "a filing in the interchange form is required"}), 400
        number, new = store.receive(key, body)
        return jsonify(office_number=number), 201 if new else 409

    @app.get("/filings/<key>")
    def filing_json(key: str):
        row = store.filing(key)
        if row is None:
            abort(404)
        return {"key": key, "office_number": row["office_number"],
                "filing": json.loads(row["body"])}

    @app.get("/")
    def index():
        rows = store.filings()
        forms = {row["key"]: (StatusForm(prefix=f"s{i}", event_id=uuid.uuid4().hex),
                              NotificationForm(prefix=f"n{i}", event_id=uuid.uuid4().hex))
                 for i, row in enumerate(rows)}
        return render_template("backoffice_sim/index.html", rows=rows, forms=forms,
                               locale=str(get_locale()),
                               total=store.count(), portal_url=portal_url,
                               has_token=bool(portal_token), events=store.events)

    def send(row, payload: dict, summary: str):
        if not portal_token or not row["events_url"]:
            flash(_l("The simulator has no token for the portal's API."), "error")
            return
        try:
            answer = http.post(row["events_url"], json=payload, timeout=30,
                               headers={"Authorization": f"Bearer {portal_token}"})
            text = f"HTTP {answer.status_code}"
            ok = answer.status_code in (200, 201)
        except requests.RequestException as exc:
            text, ok = f"{type(exc).__name__}: {exc}", False
        store.sent(payload["id"], row["key"], payload["type"], summary, text)
        flash(_l("Sent to the portal: %(answer)s", answer=text) if ok
              else _l("The portal did not take it: %(answer)s", answer=text),
              "success" if ok else "error")

    @app.post("/filings/<key>/status")
    def send_status(key: str):
        row = store.filing(key) or abort(404)
        form = StatusForm(prefix=request.args.get("prefix", "s0"))
        if form.validate_on_submit():
            payload = {"id": form.event_id.data or uuid.uuid4().hex, "type": "status",
                       "status": form.status.data, "office_number": row["office_number"],
                       "occurred_at": _now()}
            if form.registration_number.data:
                payload["registration_number"] = form.registration_number.data
            if form.expires_on.data:
                payload["expires_on"] = form.expires_on.data.isoformat()
            send(row, payload, form.status.data)
        else:
            flash(_l("Check the status form: %(errors)s", errors=_errors(form)), "error")
        return redirect(url_for("index"))

    @app.post("/filings/<key>/notification")
    def send_notification(key: str):
        row = store.filing(key) or abort(404)
        form = NotificationForm(prefix=request.args.get("prefix", "n0"))
        if form.validate_on_submit():
            payload = {"id": form.event_id.data or uuid.uuid4().hex, "type": "notification",
                       "subject": form.subject.data, "body": form.body.data or "",
                       "occurred_at": _now()}
            if form.response_due.data:
                payload["response_due"] = form.response_due.data.isoformat()
            upload = form.document.data
            if upload and upload.filename:
                payload["document"] = {
                    "filename": Path(upload.filename).name[:200],
                    "content_base64": base64.b64encode(upload.read()).decode()}
            send(row, payload, form.subject.data)
        else:
            flash(_l("Check the notification form: %(errors)s", errors=_errors(form)), "error")
        return redirect(url_for("index"))

    return app
