"""Scale-out mode (REDIS_URL set): the same background work as Celery tasks over Redis.

- `portal.run_job(id)`: one job row (mail, receipts), sent when its transaction commits;
- `portal.sweep`: runs due job rows whose message was lost (Redis down at the commit, a worker
  killed), every 30 s;
- `portal.deliver`: the connector, every CONNECTOR_POLL_SECONDS and right after acceptances;
- `portal.housekeeping`: bank-transfer reminders and expiry, every 15 minutes.

The beat schedule drives the periodic ones: run beat once (`flask --app portal worker --beat` on
one node, or `celery -A portal.celery_worker beat`). Several workers may run at once: every task
claims its rows first (portal.jobs.queue.claim_rows), so no row is worked on twice at a time.
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery import Celery, Task
from flask import Flask

log = logging.getLogger(__name__)


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    cfg = app.config
    celery = Celery(app.import_name, task_cls=FlaskTask)
    poll = cfg["CONNECTOR_POLL_SECONDS"]
    celery.conf.update(
        broker_url=cfg["REDIS_URL"],
        task_ignore_result=True,
        task_acks_late=True,  # a task whose worker dies is given to another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule_filename=str(Path(cfg["PORTAL_DATA_DIR"]) / "celerybeat-schedule"),
        beat_schedule={
            "connector": {"task": "portal.deliver", "schedule": poll,
                          "options": {"expires": max(poll, 1.0)}},
            "jobs": {"task": "portal.sweep", "schedule": 30.0, "options": {"expires": 30.0}},
            "housekeeping": {"task": "portal.housekeeping", "schedule": 900.0,
                             "options": {"expires": 900.0}},
        },
    )

    @celery.task(name="portal.run_job")
    def run_job_task(job_id: int) -> None:
        from portal.jobs.queue import run_job

        run_job(job_id)

    @celery.task(name="portal.sweep")
    def sweep_task() -> None:
        from portal.jobs.queue import run_due_jobs

        run_due_jobs()

    @celery.task(name="portal.deliver")
    def deliver_task() -> None:
        from portal.jobs.worker import deliver_once

        deliver_once()

    @celery.task(name="portal.housekeeping")
    def housekeeping_task() -> None:
        from portal.jobs.worker import housekeeping

        housekeeping()

    app.extensions["celery"] = celery
    return celery


def send(app: Flask, task: str, *args) -> None:
    """Hand a task to the workers; if Redis cannot be reached, the periodic tasks catch up."""
    try:
        app.extensions["celery"].send_task(task, args=list(args))
    except Exception:  # kombu raises several kinds; the row in the database is what counts
        log.exception("could not send %s%r to the workers; the sweep will run it", task, args)
