"""The connector: sends the outbox to the back office, per the contract in DESIGN.md.

`POST <BACKOFFICE_URL>/filings` with the interchange JSON, `Idempotency-Key: <filing uuid>` and
`Authorization: Bearer <BACKOFFICE_TOKEN>`:

- 2xx, or 409 ("I have it already"): delivered; the office number is kept when the answer
  gives one, and the filing's history says so;
- any other 4xx (but 408 and 429): rejected, kept for office staff, not retried;
- 5xx, 408, 429, timeouts, refused or dropped connections: tried again after a growing wait
  with jitter (CONNECTOR_RETRY_BASE_SECONDS, doubling up to CONNECTOR_RETRY_MAX_SECONDS), and
  after CONNECTOR_MAX_ATTEMPTS tries dead-lettered for staff.

A row is claimed before it is sent (a lease, so that a worker that dies mid-way leaves it to be
sent again when the lease ends) and marked delivered only after the back office has said so.
Because every try carries the same Idempotency-Key, a try whose answer was lost and is made
again stores nothing twice. Every try is logged (DeliveryAttempt), also one cut short.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from portal.backoffice.interchange import interchange
from portal.backoffice.models import DeliveryAttempt, OutboxMessage, OutboxState
from portal.extensions import db
from portal.filings.models import Filing, record_event
from portal.jobs.queue import claim_rows, retry_delay
from portal.timeutil import utcnow
from portal.txn import begin_write

log = logging.getLogger(__name__)
RETRYABLE_4XX = {408, 425, 429}


class NotConfigured(RuntimeError):
    """BACKOFFICE_URL is not set: there is nowhere to deliver to."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # delivered, rejected, retry
    http_status: int | None = None
    error: str | None = None
    office_number: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def lease() -> timedelta:
    """How long a claimed row stays with its worker: the longest a try can take, and more
    (CONNECTOR_LEASE_SECONDS, by default twice the timeout and half a minute)."""
    cfg = current_app.config
    return timedelta(seconds=cfg.get("CONNECTOR_LEASE_SECONDS")
                     or 2 * cfg["CONNECTOR_TIMEOUT_SECONDS"] + 30)


def deliver_due(*, limit: int | None = None, ids: list[int] | None = None,
                concurrency: int | None = None) -> Counter:
    """Send what is due now (at most `limit` rows; only `ids` when given) until nothing is due,
    on CONNECTOR_CONCURRENCY threads, each claiming one row at a time (a slow answer does not
    hold up the others). Returns how many were delivered, rejected, retried and dead."""
    cfg = current_app.config
    if not cfg["BACKOFFICE_URL"]:
        raise NotConfigured("BACKOFFICE_URL is not set")
    threads = concurrency or cfg["CONNECTOR_CONCURRENCY"]
    budget = Budget(limit)
    if threads <= 1:
        return _drain(budget, ids)
    app = current_app._get_current_object()
    results: list[Counter] = []
    failures: list[BaseException] = []

    def run():
        with app.app_context():
            try:
                results.append(_drain(budget, ids))
            except BaseException as exc:  # reported in the caller's thread
                failures.append(exc)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=run, name=f"connector-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise failures[0]
    return sum(results, Counter())


class Budget:
    """How many tries are left to a run (None: no limit), shared by its threads."""

    def __init__(self, limit: int | None):
        self.left, self.lock = limit, threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def _drain(budget: Budget, ids: list[int] | None) -> Counter:
    done: Counter = Counter()
    with requests.Session() as http:  # one keep-alive connection per thread
        while budget.take():
            token, claimed = claim_rows(OutboxMessage, OutboxMessage.next_attempt_at,
                                        OutboxState.DUE, limit=1, lease=lease(), ids=ids,
                                        then=_log_attempt)
            if not claimed:
                break
            done[deliver_claimed(claimed[0], token, http)] += 1
    return done


def _log_attempt(token: str, ids: list[int]) -> None:
    """With the claim, in its transaction: the try is on record before it is made, and the
    body is fixed at the first try (every later try sends the same, as staff see it)."""
    worker = worker_name()
    for message_id in ids:
        db.session.add(DeliveryAttempt(
            message_id=message_id, worker=worker, claim=token,
            number=select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)
            .scalar_subquery()))
        message = db.session.get(OutboxMessage, message_id)
        if message.payload is None:
            base = current_app.config["PORTAL_URL"]
            with current_app.test_request_context("/", base_url=base):  # public URLs
                message.payload = interchange(message.filing)


def deliver_claimed(message_id: int, token: str, http: requests.Session) -> str:
    """Send one claimed row and record what became of it; the outcome's name."""
    attempt_id, body, uuid = db.session.execute(
        select(DeliveryAttempt.id, OutboxMessage.payload, Filing.uuid)
        .join(OutboxMessage, OutboxMessage.id == DeliveryAttempt.message_id)
        .join(Filing, Filing.id == OutboxMessage.filing_id)
        .where(DeliveryAttempt.message_id == message_id, DeliveryAttempt.claim == token)).one()
    db.session.rollback()  # no transaction stays open while the back office answers
    started = time.perf_counter()
    outcome = post(http, body, uuid)
    return record(message_id, attempt_id, token, outcome,
                  int((time.perf_counter() - started) * 1000))


def post(http: requests.Session, body: dict, idempotency_key: str) -> Outcome:
    cfg = current_app.config
    url = cfg["BACKOFFICE_URL"].rstrip("/") + "/filings"
    headers = {"Idempotency-Key": idempotency_key, "Accept": "application/json"}
    if cfg["BACKOFFICE_TOKEN"]:
        headers["Authorization"] = f"Bearer {cfg['BACKOFFICE_TOKEN']}"
    timeout = cfg["CONNECTOR_TIMEOUT_SECONDS"]
    try:
        response = http.post(url, json=body, headers=headers, timeout=(timeout, timeout))
    except requests.RequestException as exc:  # refused, reset, timed out, broken answer
        return Outcome("retry", None, f"{type(exc).__name__}: {exc}"[:1000])
    status = response.status_code
    if 200 <= status < 300 or status == 409:
        return Outcome("delivered", status, office_number=_office_number(response))
    detail = f"HTTP {status}: {response.text[:900]}"
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Outcome("rejected", status, detail)
    return Outcome("retry", status, detail)


def _office_number(response: requests.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    number = data.get("office_number") if isinstance(data, dict) else None
    return str(number)[:60] if number not in (None, "") else None


def record(message_id: int, attempt_id: int, token: str, outcome: Outcome,
           duration_ms: int) -> str:
    """Write the outcome of a try in one transaction, if the row is still this worker's."""
    cfg = current_app.config
    begin_write()
    now = utcnow()
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    attempt = db.session.get(DeliveryAttempt, attempt_id)
    kind = outcome.kind
    if kind == "retry" and message.attempts >= cfg["CONNECTOR_MAX_ATTEMPTS"]:
        kind = "dead"
    attempt.finished_at, attempt.outcome = now, kind
    attempt.http_status, attempt.error, attempt.duration_ms = (outcome.http_status,
                                                              outcome.error, duration_ms)
    values: dict = {"claim": None, "last_error": outcome.error}
    if kind == "delivered":
        values |= {"state": OutboxState.DELIVERED, "delivered_at": now}
    elif kind == "rejected":
        values |= {"state": OutboxState.REJECTED}
    elif kind == "dead":
        values |= {"state": OutboxState.DEAD}
    else:
        wait = retry_delay(message.attempts, cfg["CONNECTOR_RETRY_BASE_SECONDS"],
                           cfg["CONNECTOR_RETRY_MAX_SECONDS"])
        values |= {"next_attempt_at": now + timedelta(seconds=wait)}
    changed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id,
                                    OutboxMessage.claim == token,
                                    OutboxMessage.state == OutboxState.DUE)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not changed:  # the lease ran out and another worker has the row now: its word counts
        attempt.outcome, attempt.error = "superseded", (outcome.error or "lease ended")[:1000]
        db.session.commit()
        return "superseded"
    if kind == "delivered":
        _delivered(message.filing, outcome, now)
    db.session.commit()
    if kind in ("rejected", "dead"):
        log.warning("delivery of filing %s %s: %s", message.filing_id, kind, outcome.error)
    return kind


def _delivered(filing, outcome: Outcome, now) -> None:
    filing.delivered_at = filing.delivered_at or now
    if outcome.office_number and not filing.office_number:
        filing.office_number = outcome.office_number
        filing.refresh_search_text()
    record_event(filing, "delivered", None, at=now, office_number=outcome.office_number,
                 http_status=outcome.http_status)


def replay(message: OutboxMessage, actor) -> bool:
    """Staff send a rejected or dead delivery again: due now, with a fresh count of tries.
    False when it is in another state (delivered, due, cancelled)."""
    from portal.audit import audit

    if message.state not in (OutboxState.REJECTED, OutboxState.DEAD):
        return False
    before = message.state.value
    message.state, message.attempts, message.next_attempt_at = OutboxState.DUE, 0, utcnow()
    message.claim = None
    message.payload = None  # built afresh at the next try, from the filing as it is now
    audit("delivery.replay", user=actor, obj=message, filing=message.filing_id,
          before={"state": before, "attempts": len(message.attempt_log)}, after={"state": "due"})
    return True
