"""Uploads scanned by clamd: the INSTREAM client against a stand-in clamd on a unix socket and
on TCP, then every way in (web form, API, back office, console, client book) with a clean
file, the EICAR test string, and a scanner that errs, is slow or is down (fail closed)."""

from __future__ import annotations

import base64
import io
import logging
import time
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from sqlalchemy import func, select

from portal.api.models import create_client
from portal.audit import AuditEntry
from portal.clients.models import PowerOfAttorney
from portal.documents.checks import check_upload
from portal.documents.models import Document
from portal.documents.scanner import (
    CHUNK_BYTES,
    ClamdScanner,
    DocumentInfected,
    NoScanner,
    ScanUnavailable,
    Verdict,
    parse_reply,
    scanner_from_config,
)
from portal.extensions import db
from portal.filings.models import Filing
from portal.tracking.models import Notification
from tests.backoffice.test_connector import accepted
from tests.conftest import Browser, csrf_token
from tests.documents.clamd_server import EICAR, SIGNATURE, VERSION, FakeClamd, free_tcp_port
from tests.filings.conftest import APPLICANT, COMPLETE, pdf_bytes, save, start
from tests.filings.test_client_book import add_client, add_power

INFECTED_MESSAGE = "the virus check found harmful content"
UNAVAILABLE_MESSAGE = "cannot be checked for viruses just now"


def eicar_pdf() -> bytes:
    """A sound one-page PDF carrying the test virus as an attached file."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("readme.com", EICAR)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def eicar_png() -> bytes:
    """A sound PNG carrying the test virus in a text chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", EICAR.decode())
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 120, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def noise_png(side: int = 300) -> bytes:
    """An image that does not compress: about 3 bytes a pixel, several chunks long."""
    import random

    rng = random.Random(7)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def settings(clamd: FakeClamd, transport: str) -> dict:
    if transport == "tcp":
        return {"CLAMD_HOST": "127.0.0.1", "CLAMD_PORT": clamd.tcp_port}
    return {"CLAMD_SOCKET": clamd.unix_path}


def client_for(clamd: FakeClamd, transport: str, timeout: float = 2.0) -> ClamdScanner:
    return scanner_from_config({**settings(clamd, transport), "CLAMD_TIMEOUT_SECONDS": timeout})


@pytest.fixture
def agent(app, users):
    web = Browser(app.test_client())
    web.login("agent@example.org")
    return web


@pytest.fixture
def clamd():
    server = FakeClamd(stream_max_length=1024 * 1024).start()
    yield server
    server.close()


@pytest.fixture
def config_overrides(request, clamd):
    """The app scans with the stand-in: on its unix socket unless the test asks for "tcp"."""
    return {**settings(clamd, getattr(request, "param", "unix")), "CLAMD_TIMEOUT_SECONDS": 2.0}


def stored_files(app) -> int:
    root = Path(app.config["PORTAL_DATA_DIR"]) / "documents"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def infected_entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "document.infected").order_by(AuditEntry.id)))


# --- the clamd client -----------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_clean_and_infected_streams_over_both_transports(clamd, transport):
    scanner = client_for(clamd, transport)
    clean = pdf_bytes(2)
    assert scanner.scan(clean).verdict is Verdict.CLEAN
    result = scanner.scan(eicar_pdf())
    assert (result.verdict, result.detail) == (Verdict.INFECTED, SIGNATURE)
    assert not result.accepted
    assert scanner.scan(eicar_png()).verdict is Verdict.INFECTED
    assert [s.data for s in clamd.streams] == [clean, eicar_pdf(), eicar_png()]
    assert clamd.commands == ["INSTREAM"] * 3


def test_a_file_larger_than_one_chunk_is_sent_in_chunks(clamd):
    data = noise_png()
    assert len(data) > 4 * CHUNK_BYTES
    assert client_for(clamd, "unix").scan(data).verdict is Verdict.CLEAN
    [stream] = clamd.streams
    assert stream.data == data and sum(stream.chunks) == len(data)
    assert stream.chunks[:-1] == [CHUNK_BYTES] * (len(data) // CHUNK_BYTES)
    assert 0 < stream.chunks[-1] <= CHUNK_BYTES


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_a_stream_past_clamds_stream_max_length_gives_no_verdict(clamd, transport):
    clamd.stream_max_length = 3 * CHUNK_BYTES
    result = client_for(clamd, transport).scan(noise_png())
    assert result.verdict is Verdict.ERROR and not result.accepted


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_an_error_answer_is_no_verdict(clamd, transport):
    clamd.answer_error = True
    result = client_for(clamd, transport).scan(pdf_bytes(1))
    assert result.verdict is Verdict.ERROR and "Can't allocate memory ERROR" in result.detail


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_a_slow_scanner_times_out(clamd, transport):
    clamd.delay = 30
    began = time.monotonic()
    result = client_for(clamd, transport, timeout=0.3).scan(pdf_bytes(1))
    assert result.verdict is Verdict.ERROR and "TimeoutError" in result.detail
    # not waiting for a slow clamd's answer (30 s): the 0.3 s timeout
    assert time.monotonic() - began < 15


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_a_scanner_that_is_down_gives_no_verdict(clamd, transport):
    scanner = client_for(clamd, transport)
    clamd.stop()
    result = scanner.scan(pdf_bytes(1))
    assert result.verdict is Verdict.ERROR and not result.accepted
    nowhere = scanner_from_config({"CLAMD_HOST": "127.0.0.1", "CLAMD_PORT": free_tcp_port()})
    assert nowhere.scan(b"x").verdict is Verdict.ERROR


@pytest.mark.parametrize(("reply", "verdict", "detail"), [
    ("stream: OK", Verdict.CLEAN, ""),
    ("stream: Win.Test.EICAR_HDB-1 FOUND", Verdict.INFECTED, "Win.Test.EICAR_HDB-1"),
    ("stream: FOUND", Verdict.ERROR, "clamd: stream: FOUND"),
    ("INSTREAM size limit exceeded. ERROR", Verdict.ERROR,
     "clamd: INSTREAM size limit exceeded. ERROR"),
    ("stream: Can't allocate memory ERROR", Verdict.ERROR,
     "clamd: stream: Can't allocate memory ERROR"),
    ("UNKNOWN COMMAND", Verdict.ERROR, "clamd: UNKNOWN COMMAND"),
])
def test_clamd_replies(reply, verdict, detail):
    assert (parse_reply(reply).verdict, parse_reply(reply).detail) == (verdict, detail)


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_ping_and_version(clamd, transport):
    scanner = client_for(clamd, transport)
    assert scanner.ping() == "PONG" and scanner.version() == VERSION
    assert clamd.commands == ["PING", "VERSION"]


def test_the_scanner_comes_from_the_settings():
    assert isinstance(scanner_from_config({}), NoScanner)
    assert isinstance(scanner_from_config({"CLAMD_SOCKET": "", "CLAMD_HOST": ""}), NoScanner)
    unix = scanner_from_config({"CLAMD_SOCKET": "/run/clamav/clamd.ctl", "CLAMD_HOST": "av"})
    assert unix.address == "unix:/run/clamav/clamd.ctl" and unix.timeout == 30
    tcp = scanner_from_config({"CLAMD_HOST": "av.office", "CLAMD_PORT": 3311,
                               "CLAMD_TIMEOUT_SECONDS": 5})
    assert (tcp.address, tcp.timeout) == ("tcp:av.office:3311", 5)
    assert NoScanner().scan(EICAR).accepted  # nothing configured: the content checks decide


def test_check_upload_scans_after_the_content_checks(app, clamd):
    with app.test_request_context():
        assert check_upload("specification", "a.pdf", pdf_bytes(1)).pages == 1
        with pytest.raises(DocumentInfected) as refused:
            check_upload("specification", "a.pdf", eicar_pdf())
        assert refused.value.code == "infected" and SIGNATURE not in str(refused.value)
        # a file the content checks refuse never reaches the scanner
        with pytest.raises(Exception, match="not a PDF"):
            check_upload("specification", "a.pdf", b"MZ" + EICAR)
        clamd.stop()
        with pytest.raises(ScanUnavailable):
            check_upload("specification", "a.pdf", pdf_bytes(1))
    assert len(clamd.streams) == 2


# --- the web form ---------------------------------------------------------------------------------

@pytest.mark.parametrize("config_overrides", ["unix", "tcp"], indirect=True)
def test_a_clean_pdf_is_accepted_through_the_web_form(app, agent, tariff, clamd):
    content = pdf_bytes(3)
    filing_id = start(agent, "patent")
    r = save(agent, filing_id, COMPLETE["patent"],
             files={"description_pdf": (content, "description.pdf")})
    assert r.status_code == 302
    (document,) = db.session.get(Filing, filing_id).documents
    assert document.pages == 3 and document.filename == "description.pdf"
    assert [s.data for s in clamd.streams] == [content]
    assert stored_files(app) == 1 and infected_entries() == []


@pytest.mark.parametrize("config_overrides", ["unix", "tcp"], indirect=True)
def test_an_infected_file_is_refused_on_the_web_and_what_was_typed_is_kept(
        app, agent, tariff, users, clamd, caplog):
    filing_id = start(agent, "patent")
    documents, files = count(Document), stored_files(app)
    data = {**COMPLETE["patent"], **APPLICANT, "title": "Kept title"}
    with caplog.at_level(logging.WARNING, logger="portal.documents.scanner"):
        r = save(agent, filing_id, data, files={"description_pdf": (eicar_pdf(), "spec.pdf"),
                                                "drawings_pdf": (eicar_png(), "fig.png")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Some files were refused" in html
    for name in ("spec.pdf", "fig.png"):
        assert f"{name}: This file was refused: {INFECTED_MESSAGE}" in html
    assert "Eicar" not in html and "EICAR" not in html  # nothing dangerous named
    assert 'value="Kept title"' in html
    filing = db.session.get(Filing, filing_id)
    assert filing.title == "Kept title" and filing.documents == []
    assert (count(Document), stored_files(app)) == (documents, files)
    entries = infected_entries()
    assert [e.details["filename"] for e in entries] == ["spec.pdf", "fig.png"]
    assert {e.user_id for e in entries} == {users["agent"].id}
    assert {e.actor for e in entries} == {"agent@example.org"}
    assert {e.details["signature"] for e in entries} == {SIGNATURE}
    assert entries[0].details["kind"] == "specification" and entries[0].ip
    assert SIGNATURE in caplog.text and "spec.pdf" in caplog.text


@pytest.mark.parametrize("trouble", ["down", "error", "slow"])
def test_without_a_verdict_the_web_refuses_the_file_fail_closed(app, agent, tariff, clamd,
                                                                trouble, caplog):
    app.config["CLAMD_TIMEOUT_SECONDS"] = 0.3
    if trouble == "down":
        clamd.stop()
    clamd.answer_error = trouble == "error"
    clamd.delay = 30 if trouble == "slow" else 0
    filing_id = start(agent, "patent")
    began = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="portal.documents.scanner"):
        r = save(agent, filing_id, {**COMPLETE["patent"], "title": "Kept title"},
                 files={"description_pdf": (pdf_bytes(2), "description.pdf"),
                        "claims_pdf": (pdf_bytes(1), "claims.pdf")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'value="Kept title"' in html
    for name in ("description.pdf", "claims.pdf"):
        assert f"{name}: The file {UNAVAILABLE_MESSAGE}" in html
    # clamd answering ERROR is about one file; a scanner that cannot be reached is waited
    # for once per request
    assert len(clamd.streams) == {"down": 0, "error": 2, "slow": 1}[trouble]
    # not waiting for a slow clamd's answer (30 s), nor once per file: the 0.3 s timeout
    assert time.monotonic() - began < 15
    assert db.session.get(Filing, filing_id).documents == [] and stored_files(app) == 0
    assert infected_entries() == []
    assert "could not be scanned" in caplog.text


def test_an_infected_power_of_attorney_is_refused(app, agent, clamd):
    client_id = add_client(agent)
    r = add_power(agent, client_id, document=(io.BytesIO(eicar_pdf()), "poa.pdf"))
    assert r.status_code == 200 and INFECTED_MESSAGE in r.get_data(as_text=True)
    assert count(PowerOfAttorney) == 0 and stored_files(app) == 0
    [entry] = infected_entries()
    assert entry.details["kind"] == "power_of_attorney"


# --- the API --------------------------------------------------------------------------------------

def personal_token(user) -> dict:
    _client, token = create_client("Docketing", ["filings:read", "filings:write"], user=user,
                                   created_by=user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def api_upload(client, headers, filing_id, content, filename, slot="description_pdf"):
    return client.post(f"/api/v1/filings/{filing_id}/documents", headers=headers,
                       data={"slot": slot, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_the_api_takes_a_clean_file_and_refuses_an_infected_one(app, client, tariff, users,
                                                                 clamd):
    headers = personal_token(users["agent"])
    filing_id = client.post("/api/v1/filings", json={"kind": "patent", "data": {}},
                            headers=headers).json["id"]
    r = api_upload(client, headers, filing_id, pdf_bytes(4), "description.pdf")
    assert r.status_code == 201 and r.json["pages"] == 4
    documents, files = count(Document), stored_files(app)

    r = api_upload(client, headers, filing_id, eicar_pdf(), "claims.pdf", slot="claims_pdf")
    assert r.status_code == 422
    error = r.json["error"]
    assert (error["code"], error["reason"]) == ("invalid_document", "infected")
    assert INFECTED_MESSAGE in error["message"] and SIGNATURE not in str(r.json)
    assert error["fields"] == [{"field": "file", "message": error["message"]}]
    assert (count(Document), stored_files(app)) == (documents, files)
    # the request was rolled back, the audit entry kept
    [entry] = infected_entries()
    assert (entry.user_id, entry.details["filename"], entry.details["signature"]) == (
        users["agent"].id, "claims.pdf", SIGNATURE)

    clamd.stop()
    r = api_upload(client, headers, filing_id, pdf_bytes(2), "claims.pdf", slot="claims_pdf")
    assert r.status_code == 503 and r.json["error"]["code"] == "scanner_unavailable"
    assert UNAVAILABLE_MESSAGE in r.json["error"]["message"]
    assert (count(Document), stored_files(app)) == (documents, files)
    assert len(infected_entries()) == 1
    shown = client.get(f"/api/v1/filings/{filing_id}", headers=headers).json
    assert [d["filename"] for d in shown["documents"]] == ["description.pdf"]


def test_the_openapi_document_tells_of_the_scanner(client):
    spec = client.get("/api/v1/openapi.json").json
    upload = spec["paths"]["/api/v1/filings/{filing_id}/documents"]["post"]["responses"]
    assert "503" in upload and "virus scanner" in upload["503"]["description"]
    events = spec["paths"]["/api/v1/submissions/{submission_id}/events"]["post"]["responses"]
    assert "503" in events


def test_a_back_office_notification_with_an_infected_pdf_is_refused(app, client, users, clamd):
    [filing] = accepted(users["agent"], 1)
    _client, token = create_client("IPAS", ["submissions:read", "submissions:write"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    documents, files = count(Document), stored_files(app)
    note = {"id": "ipas-9", "type": "notification", "subject": "Formal deficiencies",
            "body": "Please file the translation.",
            "document": {"filename": "letter.pdf",
                         "content_base64": base64.b64encode(eicar_pdf()).decode()}}
    r = client.post(f"/api/v1/submissions/{filing.id}/events", json=note, headers=headers)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_document"
    assert r.json["error"]["fields"][0]["field"] == "document"
    assert count(Notification) == 0 and (count(Document), stored_files(app)) == (documents, files)
    [entry] = infected_entries()
    assert (entry.user_id, entry.actor) == (None, "API client IPAS")

    clamd.stop()
    clean = {**note, "document": {"filename": "letter.pdf",
                                  "content_base64": base64.b64encode(pdf_bytes(1)).decode()}}
    r = client.post(f"/api/v1/submissions/{filing.id}/events", json=clean, headers=headers)
    assert r.status_code == 503 and r.json["error"]["code"] == "scanner_unavailable"
    assert count(Notification) == 0


# --- the console ----------------------------------------------------------------------------------

def test_the_console_refuses_an_infected_notification_pdf(app, users, clamd):
    [filing] = accepted(users["agent"], 1)
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    url = f"/office/notifications/new?filing={filing.id}"
    documents, files = count(Document), stored_files(app)

    def send(content):
        page = staff.get(url).get_data(as_text=True)
        event_id = page.split('name="event_id"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        return staff.client.post(url, content_type="multipart/form-data", data={
            "csrf_token": csrf_token(page), "event_id": event_id, "subject": "Objection 12",
            "body": "Please file a translation.", "document": (io.BytesIO(content), "o.pdf")})

    r = send(eicar_pdf())
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and INFECTED_MESSAGE in html and "Eicar" not in html
    assert 'value="Objection 12"' in html
    assert count(Notification) == 0 and (count(Document), stored_files(app)) == (documents, files)
    [entry] = infected_entries()
    assert (entry.user_id, entry.details["filename"]) == (users["staff"].id, "o.pdf")

    clamd.stop()
    r = send(pdf_bytes(1))
    assert r.status_code == 400 and UNAVAILABLE_MESSAGE in r.get_data(as_text=True)
    assert count(Notification) == 0 and stored_files(app) == files


def test_the_audit_log_names_the_refusal(app, agent, tariff, users, clamd):
    filing_id = start(agent, "patent")
    save(agent, filing_id, COMPLETE["patent"],
         files={"description_pdf": (eicar_pdf(), "spec.pdf")})
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    page = admin.get("/office/audit?action=document.infected").get_data(as_text=True)
    assert "Upload refused: the virus check found harmful content" in page
    assert "spec.pdf" in page


# --- the command line -----------------------------------------------------------------------------

@pytest.mark.parametrize("config_overrides", ["unix", "tcp"], indirect=True)
def test_scanner_check_prints_the_version_or_fails(app, clamd):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scanner", "check"])
    assert result.exit_code == 0, result.output
    assert VERSION in result.output and clamd.commands == ["PING", "VERSION"]
    clamd.stop()
    result = runner.invoke(args=["scanner", "check"])
    assert result.exit_code == 1 and "does not answer" in result.output
    app.config.update(CLAMD_SOCKET="", CLAMD_HOST="")
    result = runner.invoke(args=["scanner", "check"])
    assert result.exit_code == 2 and "No virus scanner is configured" in result.output
