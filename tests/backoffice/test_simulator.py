"""The back-office simulator: its side of the contract, and the whole way with the portal —
accepted, delivered, numbered, a status and a notification with a PDF sent back."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from portal.api.models import create_client
from portal.auth.models import Role
from portal.backoffice.connector import deliver_due
from portal.backoffice.simulator import create_sim_app
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.filings.models import Filing, FilingEvent
from portal.office.models import Office
from portal.tracking.models import Notification
from tests.backoffice.test_connector import free_port
from tests.conftest import fresh_database_url, make_user, migrate_to_head, stored_mails
from tests.filings.conftest import pdf_bytes
from tests.serving import LiveServer

YEAR = datetime.now(UTC).year


@pytest.fixture
def sim(tmp_path):
    app = create_sim_app(db_path=tmp_path / "sim.db", portal_url="http://portal.invalid",
                         portal_token="", inbound_token="in-token")
    return app


def post(client, body, key="k-1", token="in-token"):
    headers = {"Idempotency-Key": key} if key else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/filings", json=body, headers=headers)


def test_the_simulator_numbers_each_filing_once(sim):
    client = sim.test_client()
    trademark = {"id": "u1", "portal_number": "EF-TM-2026-000001", "kind": "trademark",
                 "type": "application"}
    assert post(client, trademark, token=None).status_code == 401
    assert post(client, trademark, token="wrong").status_code == 401
    assert post(client, trademark, key="").status_code == 400
    assert post(client, {"kind": "trademark"}).status_code == 400
    first = post(client, trademark)
    assert first.status_code == 201 and first.json == {"office_number": f"TM/{YEAR}/000001"}
    again = post(client, trademark)
    assert again.status_code == 409 and again.json == first.json
    patent = {**trademark, "kind": "patent", "portal_number": "EF-PT-2026-000001"}
    assert post(client, patent, key="k-2").json == {"office_number": f"PT/{YEAR}/000001"}
    renewal = {**trademark, "type": "renewal", "portal_number": "EF-RQ-2026-000001"}
    assert post(client, renewal, key="k-3").json == {"office_number": f"RQ/{YEAR}/000001"}
    assert post(client, {**trademark, "portal_number": "X"}, key="k-4").json == {
        "office_number": f"TM/{YEAR}/000002"}
    page = client.get("/").get_data(as_text=True)
    assert f"TM/{YEAR}/000001" in page and "EF-PT-2026-000001" in page
    assert client.get("/healthz").json == {"status": "ok", "filings": 4}


def test_one_key_sent_many_times_at_once_is_stored_once(sim):
    body = {"id": "u1", "portal_number": "EF-TM-2026-000009", "kind": "trademark",
            "type": "application"}

    def send(_):
        with sim.test_client() as client:
            return post(client, body, key="same").status_code, post(client, body,
                                                                    key="same").json

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))
    assert {number["office_number"] for _, number in answers} == {f"TM/{YEAR}/000001"}
    assert sorted(status for status, _ in answers).count(201) == 1
    assert sim.extensions["sim_store"].count() == 1


def form_fields(html: str, action: str) -> dict:
    form = re.search(r'<form[^>]*action="' + re.escape(action) + r'[^"]*"[^>]*>(.*?)</form>',
                     html, re.S).group(1)
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))


def test_file_deliver_number_status_and_notification_the_whole_way(make_app, tmp_path):
    url, drop = fresh_database_url(tmp_path, "sim")
    portal_port, sim_port = free_port(), free_port()
    try:
        migrate_to_head(url, tmp_path / "migrate")
        portal = make_app(url, BACKOFFICE_URL=f"http://127.0.0.1:{sim_port}",
                          BACKOFFICE_TOKEN="bo-secret", JOBS_MODE="inline",
                          PORTAL_URL=f"http://127.0.0.1:{portal_port}")
        with portal.app_context():
            db.session.add(Office(name="Sim Office", short_name="SO", country_code="KH",
                                  currency="KHR", timezone="Asia/Phnom_Penh",
                                  default_locale="en", address="Phnom Penh"))
            agent = make_user("agent@example.org", Role.AGENT)
            seed_filings(agent, 2, seed=4)
            _client, token = create_client("Simulator", ["submissions:read",
                                                         "submissions:write"])
            db.session.commit()
        sim = create_sim_app(db_path=tmp_path / "backoffice-sim.db",
                             portal_url=f"http://127.0.0.1:{portal_port}",
                             portal_token=token, inbound_token="bo-secret")
        with LiveServer(portal, portal_port), LiveServer(sim, sim_port):
            with portal.app_context():
                assert deliver_due() == {"delivered": 2}
                filings = list(db.session.scalars(select(Filing).order_by(Filing.accepted_at)))
                numbers = {f.office_number for f in filings}
            assert all(re.fullmatch(r"(TM|PT|ID|UM|RQ)/\d{4}/00000[12]", n) for n in numbers)
            person = requests.Session()
            base = f"http://127.0.0.1:{sim_port}"
            page = person.get(base + "/").text
            for number in numbers:
                assert number in page
            filing = filings[0]
            action = f"/filings/{filing.uuid}/status"
            fields = form_fields(page, action)
            status_prefix = re.search(action + r'\?prefix=(\w+)', page).group(1)
            form = {**fields, f"{status_prefix}-status": "registered",
                    f"{status_prefix}-registration_number": "TM-000042",
                    f"{status_prefix}-expires_on": "2036-05-01"}
            for _ in range(2):  # a double click: the same event id twice
                answer = person.post(f"{base}{action}?prefix={status_prefix}", data=form)
                assert answer.status_code == 200 and "HTTP 20" in answer.text
            action = f"/filings/{filing.uuid}/notification"
            fields = form_fields(page, action)
            notice_prefix = re.search(action + r'\?prefix=(\w+)', page).group(1)
            answer = person.post(
                f"{base}{action}?prefix={notice_prefix}",
                data={**fields, f"{notice_prefix}-subject": "Office action: please respond",
                      f"{notice_prefix}-body": "Class 30 is too broad.",
                      f"{notice_prefix}-response_due": "2027-01-15"},
                files={f"{notice_prefix}-document": ("action.pdf", pdf_bytes(1),
                                                     "application/pdf")})
            assert "HTTP 201" in answer.text
        with portal.app_context():
            filing = db.session.get(Filing, filing.id)
            assert filing.office_status == "registered"
            assert filing.registration_number == "TM-000042"
            statuses = db.session.scalars(select(FilingEvent).where(
                FilingEvent.filing_id == filing.id, FilingEvent.kind == "status")).all()
            assert len(statuses) == 1
            notice = db.session.scalar(select(Notification).where(
                Notification.filing_id == filing.id))
            assert notice.subject == "Office action: please respond"
            assert notice.response_due.isoformat() == "2027-01-15"
            assert notice.document is not None and notice.document.media_type == "application/pdf"
            mails = stored_mails(portal)
            assert any("Office action: please respond" in m["Subject"] for m in mails)
    finally:
        drop()
