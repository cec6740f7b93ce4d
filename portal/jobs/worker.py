"""`flask --app portal worker`: the background work of the embedded default in one loop.

Every CONNECTOR_POLL_SECONDS (sooner when there was work): the due jobs (mail, receipts), the
connector's due deliveries, and every 15 minutes the housekeeping (bank-transfer reminders and
expiry; the rows of logins past their lifetime). SIGTERM or SIGINT ends the loop after the
current step; a worker killed outright leaves its claimed rows to be taken up again when their
lease ends.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from flask import current_app

from portal.extensions import db

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 900


def deliver_once(limit: int | None = None) -> dict:
    """The connector's due deliveries, if a back office is configured."""
    from portal.backoffice.connector import deliver_due

    if not current_app.config["BACKOFFICE_URL"]:
        return {}
    return dict(deliver_due(limit=limit))


def housekeeping() -> None:
    from payments.office import expire_transfers, remind_transfers
    from portal.auth.sessions import purge_sessions

    expire_transfers()
    remind_transfers()
    purge_sessions()
    db.session.commit()


def run(stop: threading.Event, *, echo=print) -> None:
    from portal.jobs.queue import run_due_jobs

    poll = current_app.config["CONNECTOR_POLL_SECONDS"]
    next_housekeeping = 0.0
    while not stop.is_set():
        busy = False
        for name, step in (("jobs", run_due_jobs), ("connector", lambda: deliver_once(200))):
            try:
                result = step()
                busy = busy or bool(result)
                if result:
                    echo(f"{name}: {result}")
            except Exception:  # one failing step must not stop the others or the loop
                db.session.rollback()
                log.exception("worker step %s failed", name)
        if time.monotonic() >= next_housekeeping:
            try:
                housekeeping()
            except Exception:
                db.session.rollback()
                log.exception("housekeeping failed")
            next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        db.session.remove()
        if not busy:
            stop.wait(poll)


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
