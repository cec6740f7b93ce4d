"""Background jobs: `enqueue` in the transaction that owes the work, run after it commits.

A job is a row (portal.jobs.models.Job) and a registered function. Who runs it is the
configuration's JOBS_MODE:

- "inline": this process, right after the commit (tests; a tiny office without a worker);
- "worker": `flask --app portal worker` polls the table (the embedded default);
- "celery": the commit sends the job's id to Celery over Redis (scale-out); a periodic sweep
  runs any job whose message was lost.

Whoever runs a job first claims it (a lease, under `FOR UPDATE SKIP LOCKED` on PostgreSQL), so
two workers never run one job at the same time, and a job whose worker died is taken up again
when its lease ends. A failing job is retried with a growing wait, then left dead for staff.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.extensions import db
from portal.jobs.models import Job, JobState
from portal.timeutil import utcnow
from portal.txn import begin_write, on_commit

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[..., None]] = {}
# The modules that define jobs: imported before a job is looked up by name.
JOB_MODULES = ("portal.mail", "portal.receipts.services")
LEASE = timedelta(minutes=10)  # longer than any job (a 200-filing receipt takes ~20 s)


def job(name: str):
    """Register a job function under `name`; it takes the job's args as keywords."""
    def register(fn):
        JOBS[name] = fn
        return fn
    return register


def load_jobs() -> dict[str, Callable[..., None]]:
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)
    return JOBS


def enqueue(name: str, **args) -> Job:
    """Owe `name(**args)`: written with the current transaction, run after its commit."""
    if name not in load_jobs():
        raise KeyError(f"no job {name!r}")
    row = Job(name=name, args=args)
    db.session.add(row)
    db.session.flush()
    job_id = row.id
    app = current_app._get_current_object()
    on_commit(lambda: dispatch(app, job_id))
    return row


def kick_connector() -> None:
    """After this transaction commits, have the connector look for due deliveries at once
    (scale-out mode; the embedded worker's poll finds them within CONNECTOR_POLL_SECONDS)."""
    app = current_app._get_current_object()
    if app.config["JOBS_MODE"] == "celery" and app.config["BACKOFFICE_URL"]:
        from portal.jobs.celery_app import send

        on_commit(lambda: send(app, "portal.deliver"))


def dispatch(app, job_id: int) -> None:
    mode = app.config["JOBS_MODE"]
    if mode == "inline":
        with app.app_context():
            run_job(job_id)
    elif mode == "celery":
        from portal.jobs.celery_app import send

        send(app, "portal.run_job", job_id)
    # "worker": the worker's poll finds it.


def claim_rows(model, time_column, due, *, limit: int, lease: timedelta, ids=None,
               then: Callable[[str, list[int]], None] | None = None) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows of `model` (a table with id, state, claim, attempts and a
    not-before `time_column`): one UPDATE whose subquery skips rows other workers hold on
    PostgreSQL. Returns the claim and the ids, oldest first; `then(claim, ids)` runs in the
    same transaction, which commits."""
    now = utcnow()
    token = uuid.uuid4().hex
    pick = (select(model.id).where(model.state == due, time_column <= now)
            .order_by(time_column, model.id).limit(limit))
    if ids is not None:
        pick = pick.where(model.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    begin_write()
    claimed = db.session.scalars(
        update(model).where(model.id.in_(pick.scalar_subquery()))
        .values({"claim": token, time_column.key: now + lease, "attempts": model.attempts + 1})
        .returning(model.id).execution_options(synchronize_session=False)).all()
    claimed = sorted(claimed)
    if then is not None and claimed:
        then(token, claimed)
    db.session.commit()
    return token, claimed


def retry_delay(attempt: int, base: float, ceiling: float) -> float:
    """Exponential backoff with jitter: about base * 2^(attempt-1), capped at `ceiling`, drawn
    from its upper half so that retries of many rows spread out."""
    delay = min(ceiling, base * (2 ** max(0, attempt - 1)))
    return delay / 2 + random.uniform(0, delay / 2)


def run_job(job_id: int) -> bool:
    """Run one job if it is due and nobody holds it; True when it ran and succeeded."""
    token, claimed = claim_rows(Job, Job.run_after, JobState.DUE, limit=1, lease=LEASE,
                                ids=[job_id])
    return bool(claimed) and _run_claimed(claimed[0], token)


def run_due_jobs(limit: int = 50) -> int:
    """Run the jobs that are due (the worker's poll, Celery's sweep); how many ran."""
    token, claimed = claim_rows(Job, Job.run_after, JobState.DUE, limit=limit, lease=LEASE)
    for job_id in claimed:
        _run_claimed(job_id, token)
    return len(claimed)


def _run_claimed(job_id: int, token: str) -> bool:
    row = db.session.get(Job, job_id)
    fn = load_jobs().get(row.name)
    try:
        if fn is None:
            raise LookupError(f"no job {row.name!r} in this version")
        fn(**row.args)
    except Exception as exc:  # a job's failure is recorded on its row, never lost
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, row.name)
        _finish(job_id, token, error=f"{type(exc).__name__}: {exc}"[:1000])
        return False
    _finish(job_id, token)
    return True


def _finish(job_id: int, token: str, *, error: str | None = None) -> None:
    begin_write()
    now = utcnow()
    row = db.session.get(Job, job_id, populate_existing=True)
    if row is None or row.claim != token:
        db.session.rollback()
        return
    if error is None:
        values = {"state": JobState.DONE, "finished_at": now, "last_error": None}
    elif row.attempts >= current_app.config["JOB_MAX_ATTEMPTS"]:
        values = {"state": JobState.DEAD, "finished_at": now, "last_error": error}
    else:
        wait = retry_delay(row.attempts, 30.0, 3600.0)
        values = {"run_after": now + timedelta(seconds=wait), "last_error": error}
    db.session.execute(update(Job).where(Job.id == job_id, Job.claim == token)
                       .values(claim=None, **values))
    db.session.commit()
