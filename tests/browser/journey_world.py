"""What the whole journeys need around the portal: the office's back office (the simulator,
served on its own port, with an API token for the portal), the connector run as the worker
runs it, the mails, a receipt's text, and the labels of a page in the language it is shown in
(read from the shipped catalogs, so that a journey in Khmer or Arabic types what a reader
there sees)."""

from __future__ import annotations

import io
import re
import socket
from functools import cache
from pathlib import Path

import pytest
from babel.support import Translations

from tests.serving import LiveServer

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
BACKOFFICE_TOKEN = "journeys-backoffice-token"


@cache
def _catalog(locale: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [locale])


class Labels:
    """`t("Log in")` is the text the portal shows for that message in `locale` (the English
    message where the catalog has no translation yet, as the portal does too)."""

    def __init__(self, locale: str):
        self.locale = locale

    def __call__(self, message: str, **values) -> str:
        text = _catalog(self.locale).gettext(message)
        return text % values if values else text

    def pattern(self, message: str) -> re.Pattern:
        """A pattern for the message with its placeholders (%(name)s) matching anything."""
        text = _catalog(self.locale).gettext(message)
        parts = re.split(r"%\(\w+\)[sd]", text)
        return re.compile(".*".join(re.escape(p.strip()) for p in parts))


SCRIPTS = {"ar": re.compile("[\u0600-\u06ff]"), "km": re.compile("[\u1780-\u17ff]")}


def shows_language(page, locale: str, *, heading: str = "h1") -> None:
    """The page is in `locale`: its lang and direction, and its `heading` in the language's
    script (not the English fallback)."""
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")
    if locale in SCRIPTS:
        expect(page.locator(heading).first).to_have_text(SCRIPTS[locale])


def ascii_digits(text: str) -> str:
    """Only the digits of `text`, each as 0-9 (Arabic-Indic and Khmer digits too)."""
    import unicodedata

    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdecimal())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def backoffice(live_server, tmp_path):
    """The back-office simulator on a port of its own, with a token for the portal's API, and
    the portal pointed at it (BACKOFFICE_URL/TOKEN) as an office's deployment would be."""
    from portal.api.models import create_client
    from portal.backoffice.simulator import create_sim_app
    from portal.extensions import db

    app = live_server.app
    with app.app_context():
        _client, token = create_client("Back-office simulator",
                                       ["submissions:read", "submissions:write"])
        db.session.commit()
    sim = create_sim_app(db_path=tmp_path / "backoffice-sim.db", portal_url=live_server.url,
                         portal_token=token, inbound_token=BACKOFFICE_TOKEN)
    with LiveServer(sim) as server:
        # PORTAL_URL: the links the back office is sent (events of a filing) point here
        app.config.update(BACKOFFICE_URL=server.url, BACKOFFICE_TOKEN=BACKOFFICE_TOKEN,
                          PORTAL_URL=live_server.url)
        yield server


def run_connector(app) -> dict:
    """One pass of the worker's connector step (`flask worker` runs the same function)."""
    from portal.extensions import db
    from portal.jobs.worker import deliver_once

    with app.app_context():
        try:
            return deliver_once()
        finally:
            db.session.remove()


def mails_to(app, address: str) -> list:
    from tests.conftest import stored_mails

    return [m for m in stored_mails(app) if address in str(m["To"])]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF"), data[:20]
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def png_file(folder: Path, name: str = "mark.png") -> Path:
    from PIL import Image

    path = folder / name
    out = io.BytesIO()
    Image.new("RGB", (240, 160), (10, 90, 160)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path
