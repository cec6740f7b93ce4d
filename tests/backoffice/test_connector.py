"""The connector against a back office that answers well, refuses, fails, is slow or is not
there; claims and leases; replay by staff; and a back office that misbehaves at random while
three workers deliver at once."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.auth.models import Role
from portal.backoffice.connector import Outcome, deliver_due, record, replay
from portal.backoffice.models import DeliveryAttempt, OutboxMessage, OutboxState
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.filings.models import Filing, FilingEvent
from portal.jobs.queue import claim_rows, retry_delay
from portal.office.models import Office
from portal.timeutil import utcnow
from tests.backoffice.receiver import Receiver
from tests.conftest import fresh_database_url, make_user, migrate_to_head


def accepted(agent, n: int, seed: int = 1) -> list[Filing]:
    seed_filings(agent, n, seed=seed)
    db.session.commit()
    return list(db.session.scalars(select(Filing).where(Filing.accepted_seq.is_not(None))
                                   .order_by(Filing.accepted_seq)))


def message_of(filing: Filing) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.filing_id == filing.id)
                             .execution_options(populate_existing=True))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_delivery_carries_the_contract_and_keeps_the_office_number(app, users):
    filings = accepted(users["agent"], 3)
    with Receiver() as receiver:
        app.config.update(BACKOFFICE_URL=receiver.url + "/ipas/", BACKOFFICE_TOKEN="s3cret")
        assert deliver_due() == {"delivered": 3}
        assert deliver_due() == {}  # nothing is due any more
    assert [c["path"] for c in receiver.calls] == ["/ipas/filings"] * 3
    assert {c["authorization"] for c in receiver.calls} == {"Bearer s3cret"}
    # oldest first (by when they became due: here, when they were accepted)
    assert [c["key"] for c in receiver.calls] == [
        f.uuid for f in sorted(filings, key=lambda f: (f.accepted_at, f.id))]
    first = receiver.stored[filings[0].uuid]
    assert first["id"] == filings[0].uuid and first["portal_number"] == filings[0].portal_number
    assert first["links"]["events"] == (f"http://localhost/api/v1/submissions/"
                                        f"{filings[0].id}/events")
    for filing in filings:
        db.session.refresh(filing)
        assert filing.office_number == receiver.numbers[filing.uuid]
        assert filing.delivered_at is not None
        message = message_of(filing)
        assert (message.state, message.attempts, message.claim) == (OutboxState.DELIVERED, 1,
                                                                    None)
        assert message.payload == receiver.stored[filing.uuid]  # kept as sent, for staff
        [attempt] = message.attempt_log
        assert (attempt.outcome, attempt.http_status) == ("delivered", 201)
        assert attempt.finished_at is not None and attempt.duration_ms >= 0
        kinds = [e.kind for e in db.session.scalars(
            select(FilingEvent).where(FilingEvent.filing_id == filing.id))]
        assert kinds.count("delivered") == 1


def test_409_means_the_back_office_has_it_already(app, users):
    [filing] = accepted(users["agent"], 1)
    with Receiver() as receiver:
        receiver.stored[filing.uuid] = {}
        receiver.numbers[filing.uuid] = "TM/2025/000777"
        app.config["BACKOFFICE_URL"] = receiver.url
        assert deliver_due() == {"delivered": 1}
    db.session.refresh(filing)
    assert filing.office_number == "TM/2025/000777"
    assert message_of(filing).attempt_log[0].http_status == 409


def test_a_refusal_is_kept_for_staff_and_not_tried_again(app, users):
    [filing] = accepted(users["agent"], 1)
    with Receiver(status=422) as receiver:
        app.config["BACKOFFICE_URL"] = receiver.url
        assert deliver_due() == {"rejected": 1}
        assert deliver_due() == {}
        assert len(receiver.calls) == 1
    message = message_of(filing)
    assert message.state is OutboxState.REJECTED
    assert message.last_error.startswith("HTTP 422") and "as told" in message.last_error
    db.session.refresh(filing)
    assert filing.delivered_at is None and filing.office_number is None


@pytest.mark.parametrize("trouble", ["server_error", "refused", "timeout", "too_many"])
def test_failures_are_tried_again_later_then_dead_lettered(app, users, trouble):
    [filing] = accepted(users["agent"], 1)
    app.config.update(CONNECTOR_TIMEOUT_SECONDS=0.3, CONNECTOR_RETRY_BASE_SECONDS=0.6,
                      CONNECTOR_RETRY_MAX_SECONDS=0.8, CONNECTOR_MAX_ATTEMPTS=3)
    receiver = {"server_error": lambda: Receiver(status=503),
                "too_many": lambda: Receiver(status=429),
                "timeout": lambda: Receiver(slow=1.0, slow_seconds=0.6),
                "refused": lambda: None}[trouble]()
    if receiver:
        receiver.__enter__()
    app.config["BACKOFFICE_URL"] = receiver.url if receiver else f"http://127.0.0.1:{free_port()}"
    try:
        before = utcnow()
        assert deliver_due() == {"retry": 1}
        message = message_of(filing)
        assert message.state is OutboxState.DUE and message.attempts == 1
        assert message.next_attempt_at >= before + timedelta(seconds=0.3)  # not again at once
        assert deliver_due() == {}
        expected = {"server_error": "HTTP 503", "too_many": "HTTP 429", "timeout": "Timeout",
                    "refused": "ConnectionError"}[trouble]
        assert expected in message.last_error
        outcomes = []
        while len(outcomes) < 2:
            time.sleep(0.05)
            outcomes += list(deliver_due().elements())
        assert outcomes == ["retry", "dead"]
        message = message_of(filing)
        assert (message.state, message.attempts) == (OutboxState.DEAD, 3)
        assert [a.outcome for a in message.attempt_log] == ["retry", "retry", "dead"]
        assert deliver_due() == {}
    finally:
        if receiver:
            receiver.__exit__(None, None, None)


def test_the_wait_doubles_up_to_the_ceiling_with_jitter():
    for attempt in range(1, 12):
        full = min(3600, 30 * 2 ** (attempt - 1))
        waits = {retry_delay(attempt, 30, 3600) for _ in range(20)}
        assert all(full / 2 <= w <= full for w in waits)
        assert len(waits) > 1  # jittered: many rows failing together spread out
    assert retry_delay(30, 30, 3600) <= 3600


def test_a_claimed_row_stays_with_its_worker_until_the_lease_ends(app, users):
    filings = accepted(users["agent"], 2)
    token, ids = claim_rows(OutboxMessage, OutboxMessage.next_attempt_at, OutboxState.DUE,
                            limit=5, lease=timedelta(minutes=1))
    assert len(ids) == 2
    assert claim_rows(OutboxMessage, OutboxMessage.next_attempt_at, OutboxState.DUE,
                      limit=5, lease=timedelta(minutes=1))[1] == []
    # A worker whose lease ran out and whose row another took: its late answer is ignored.
    message = message_of(filings[0])
    message.claim = "someone-else"
    attempt = DeliveryAttempt(message=message, number=1)
    db.session.add(attempt)
    db.session.commit()
    assert record(message.id, attempt.id, token, Outcome("delivered", 201), 5) == "superseded"
    assert message_of(filings[0]).state is OutboxState.DUE
    # An expired lease makes the row due again, for anyone.
    message = message_of(filings[1])
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert claim_rows(OutboxMessage, OutboxMessage.next_attempt_at, OutboxState.DUE,
                      limit=5, lease=timedelta(minutes=1))[1] == [message.id]


def test_staff_replay_a_dead_or_rejected_delivery(app, users):
    [filing] = accepted(users["agent"], 1)
    message = message_of(filing)
    message.state, message.attempts = OutboxState.DEAD, 12
    db.session.commit()
    assert replay(message, users["staff"])
    db.session.commit()
    message = message_of(filing)
    assert (message.state, message.attempts) == (OutboxState.DUE, 0)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delivery.replay"))
    assert entry.user_id == users["staff"].id and entry.details["before"]["state"] == "dead"
    with Receiver() as receiver:
        app.config["BACKOFFICE_URL"] = receiver.url
        assert deliver_due() == {"delivered": 1}
    assert not replay(message_of(filing), users["staff"])  # delivered: nothing to replay


def test_three_workers_and_a_misbehaving_back_office_store_every_filing_once(make_app,
                                                                            tmp_path):
    """30% of calls fail, 5% of connections are dropped, 3% answer after the timeout, 10% are
    stored and then answered 500: in the end each filing is stored once, none twice at the
    same time, and the portal knows every office number."""
    url, drop = fresh_database_url(tmp_path, "chaos")
    try:
        migrate_to_head(url, tmp_path / "migrate")
        with Receiver(fail=0.30, drop=0.05, slow=0.03, slow_seconds=0.8,
                      fail_after_store=0.10, seed=11) as receiver:
            app = make_app(url, BACKOFFICE_URL=receiver.url, CONNECTOR_TIMEOUT_SECONDS=0.4,
                           CONNECTOR_RETRY_BASE_SECONDS=0.01, CONNECTOR_RETRY_MAX_SECONDS=0.1,
                           CONNECTOR_MAX_ATTEMPTS=100)
            with app.app_context():
                db.session.add(Office(name="Chaos Office", short_name="CO", country_code="KH",
                                      currency="KHR", timezone="Asia/Phnom_Penh",
                                      default_locale="en", address="Phnom Penh"))
                agent = make_user("agent@example.org", Role.AGENT)
                filings = accepted(agent, 120, seed=5)
                uuids = {f.uuid for f in filings}

            errors = []

            def work():
                with app.app_context():
                    deadline = time.monotonic() + 120
                    try:
                        while time.monotonic() < deadline:
                            deliver_due()
                            left = db.session.scalar(select(func.count()).where(
                                OutboxMessage.state == OutboxState.DUE))
                            db.session.rollback()
                            if not left:
                                return
                            time.sleep(0.02)
                    except Exception as exc:  # noqa: BLE001 (reported below)
                        errors.append(exc)

            workers = [threading.Thread(target=work) for _ in range(3)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            assert errors == []
            fates = {c["fate"] for c in receiver.calls}
            assert {"fail", "drop", "slow", "fail_after_store", "ok"} <= fates
            assert set(receiver.stored) == uuids
            assert set(receiver.stores.values()) == {1}
            assert receiver.overlaps == []
            with app.app_context():
                states = dict(db.session.execute(
                    select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
                assert states == {OutboxState.DELIVERED: 120}
                numbers = dict(db.session.execute(select(Filing.uuid, Filing.office_number)).all())
                assert numbers == receiver.numbers
                attempts = db.session.scalar(select(func.count(DeliveryAttempt.id)))
                assert attempts == len(receiver.calls) > 120
    finally:
        drop()
