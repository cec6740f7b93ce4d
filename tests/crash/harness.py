"""A database with real commits, the portal started as a process (tests/crash/boot.py, forked
from the test's process) that can be told to SIGKILL itself at a named point, and a filer's or
staff member's browser over HTTP."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import requests
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import TOTP_SECRET, base_config, csrf_token, fresh_database_url, migrate_to_head

START_TIMEOUT = 60.0
KILLED = -signal.SIGKILL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Template:
    """One migrated database per test module, copied for each test (migrating takes seconds)."""

    def __init__(self, tmp_path: Path, prepare: Callable[[Flask], Any]):
        """Migrate, then `prepare(app)` what every test starts from; its result is `.made`."""
        self.tmp = tmp_path
        self.url, self._drop = fresh_database_url(tmp_path, "crash_template")
        migrate_to_head(self.url, tmp_path / "migrate")
        app = create_app({**base_config(tmp_path / "data", self.url), "JOBS_MODE": "worker"})
        try:
            self.made = prepare(app)
        finally:
            with app.app_context():
                db.engine.dispose()  # a template database must have no connections

    def clone(self, tmp_path: Path) -> tuple[str, Callable[[], None]]:
        source = make_url(self.url)
        if source.get_backend_name() == "sqlite":
            path = tmp_path / "crash.db"
            shutil.copyfile(source.database, path)
            return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
        name = f"portal_crash_{uuid.uuid4().hex[:8]}"
        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return source.set(database=name).render_as_string(hide_password=False), drop

    def close(self) -> None:
        self._drop()


class World:
    """One test's database and data folder, the app the test reads them with, and the
    configuration every process of the test shares."""

    def __init__(self, template: Template, tmp_path: Path, **overrides):
        self.tmp = tmp_path
        self.url, self._drop = template.clone(tmp_path)
        self.made = template.made
        self.config = {**base_config(tmp_path / "data", self.url), "JOBS_MODE": "worker",
                       "CONNECTOR_LEASE_SECONDS": 1, **overrides}
        self.app = create_app(self.config)
        self.children: list[Child] = []

    def close(self) -> None:
        for child in self.children:
            child.stop()
        with self.app.app_context():
            from payments.providers.stripe.client import close_client

            close_client(self.app)
            db.engine.dispose()
        self._drop()

    def read(self):
        """An app context with a fresh session, for looking at what the processes stored."""
        return _Reading(self.app)

    def _start(self, mode: str, args: list[str], point: str | None,
               crash_log: Path | None = None) -> Child:
        from tests.crash.boot import fork

        log = self.tmp / f"{mode}-{len(self.children)}.log"
        with self.app.app_context():  # nothing of this process's pool goes into the child
            db.engine.dispose()
        pid = fork(mode, args, self.config, str(log), point=point,
                   crash_log=str(crash_log) if crash_log else None)
        self.children.append(Child(pid, log))
        return self.children[-1]

    def serve(self, point: str | None = None, crash_log: Path | None = None) -> WebProcess:
        port = free_port()
        return WebProcess(self._start("web", [str(port)], point, crash_log),
                          f"http://127.0.0.1:{port}")

    def connector(self, point: str | None = None) -> tuple[int, str]:
        """Run `deliver_due` once in its own process: (exit status, what it printed)."""
        child = self._start("connector", [], point)
        status = child.wait(START_TIMEOUT)
        if status is None:
            child.stop()
        return child.status, child.output()


class Child:
    """A forked process of ours: its id, its log, and how it ended (-N: killed by signal N)."""

    def __init__(self, pid: int, log: Path):
        self.pid, self.log, self.status = pid, log, None

    def poll(self) -> int | None:
        if self.status is None:
            pid, raw = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(raw)
        return self.status

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.status

    def stop(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            if self.wait(10) is None:
                os.kill(self.pid, signal.SIGKILL)
                self.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class _Reading:
    def __init__(self, app):
        self.context = app.app_context()

    def __enter__(self):
        self.context.push()
        return db.session

    def __exit__(self, *exc):
        db.session.remove()
        self.context.pop()


class WebProcess:
    def __init__(self, child: Child, url: str):
        self.child, self.url = child, url

    def __enter__(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            if self.child.poll() is not None or time.monotonic() > deadline:
                self.child.stop()
                raise RuntimeError(f"the portal did not start:\n{self.output()}")
            time.sleep(0.05)

    def __exit__(self, *exc):
        self.child.stop()

    def output(self) -> str:
        return self.child.output()

    def killed(self) -> bool:
        """True once the process has died of SIGKILL (waits a little for it)."""
        return self.child.wait(10) == KILLED


class Visitor:
    """A person's browser: one cookie jar, kept across restarts of the portal (the session
    and its CSRF token live on, as they would in a real browser)."""

    def __init__(self):
        self.http = requests.Session()
        self.base = ""

    def at(self, server: WebProcess) -> Visitor:
        self.base = server.url
        return self

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kw)

    def form(self, page: str) -> tuple[str, str]:
        """The page's HTML and its CSRF token."""
        response = self.http.get(self.base + page, timeout=30)
        assert response.status_code == 200, (page, response.status_code)
        return response.text, csrf_token(response.text)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=30)

    def submit(self, path: str, data: dict, page: str | None = None) -> requests.Response:
        _, token = self.form(page or path)
        return self.post(path, {"csrf_token": token, **data})

    def log_in(self, email: str, password: str) -> None:
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:500]
        if urlsplit(response.headers["Location"]).path == "/login/second-factor":
            code = pyotp.TOTP(TOTP_SECRET).now()
            response = self.submit("/login/second-factor", {"code": code})
            assert response.status_code == 302, response.text[:500]
            assert urlsplit(response.headers["Location"]).path != "/login/second-factor"


def checkout_key(cart_html: str) -> str:
    return re.search(r'name="checkout_key" value="([0-9a-f]+)"', cart_html).group(1)

