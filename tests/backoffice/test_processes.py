"""The background work as separate processes: an embedded worker killed with SIGKILL in the
middle of a delivery run, and the scale-out mode with a real redis-server and two Celery
workers (one with the beat schedule) delivering and running jobs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.backoffice.models import DeliveryAttempt, OutboxMessage
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.jobs.models import Job, JobState
from portal.office.models import Office
from tests.backoffice.receiver import Receiver
from tests.backoffice.test_connector import free_port
from tests.conftest import fresh_database_url, make_user, migrate_to_head, stored_mails

BIN = Path(sys.executable).parent


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def database(tmp_path, make_app):
    """A migrated database with real commits, an office and an agent with N accepted filings
    (all due), and the environment for processes that use it."""
    url, drop = fresh_database_url(tmp_path, "procs")
    migrate_to_head(url, tmp_path / "migrate")
    data_dir = tmp_path / "data"

    def build(n: int, **config):
        app = make_app(url, PORTAL_DATA_DIR=str(data_dir), **config)
        with app.app_context():
            db.session.add(Office(name="Process Office", short_name="PO", country_code="KH",
                                  currency="KHR", timezone="Asia/Phnom_Penh",
                                  default_locale="en", address="Phnom Penh"))
            agent = make_user("agent@example.org", Role.AGENT)
            seed_filings(agent, n, seed=9)
            db.session.commit()
        env = {**os.environ, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(data_dir),
               "PORTAL_ENV": "development", "PORTAL_URL": "http://127.0.0.1:5000",
               "CONNECTOR_POLL_SECONDS": "0.2", "CONNECTOR_RETRY_BASE_SECONDS": "0.05",
               "CONNECTOR_TIMEOUT_SECONDS": "5", "JOBS_MODE": "worker"}
        env.pop("REDIS_URL", None)
        return app, env

    yield build
    drop()


def states(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.state, func.count())
                                  .group_by(OutboxMessage.state)).all()
        db.session.remove()
        return {state.value: n for state, n in rows}


def test_a_worker_killed_mid_delivery_loses_nothing_and_stores_nothing_twice(database):
    with Receiver(delay=0.05) as receiver:
        app, env = database(40)
        env |= {"BACKOFFICE_URL": receiver.url, "CONNECTOR_LEASE_SECONDS": "1"}
        log = open(env["PORTAL_DATA_DIR"] + "-worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen([BIN / "flask", "--app", "portal", "worker"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: len(receiver.calls) >= 10 and any(receiver.in_flight.values()),
                     60, "the worker to be in the middle of a delivery")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            log.close()
        cut_short = len(receiver.calls)
        assert 10 <= cut_short < 40
        with app.app_context():
            open_tries = db.session.scalar(select(func.count(DeliveryAttempt.id)).where(
                DeliveryAttempt.outcome.is_(None)))
            held = db.session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.claim.is_not(None)))
            db.session.remove()
        # the tries it was making (one per connector thread at most), on record
        assert 1 <= open_tries == held <= 4
        time.sleep(1.1)  # the dead worker's lease ends
        again = subprocess.run([BIN / "flask", "--app", "portal", "connector", "run",
                                "--once"], env=env, capture_output=True, text=True,
                               timeout=120)
        assert again.returncode == 0, again.stderr
        assert "delivered" in again.stdout
    assert states(app) == {"delivered": 40}
    assert len(receiver.stored) == 40 and set(receiver.stores.values()) == {1}
    assert receiver.overlaps == []


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is needed (make install-test installs it)"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), 10, "redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    process.terminate()
    process.wait(10)


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def test_scale_out_two_celery_workers_deliver_everything_once_and_run_jobs(database,
                                                                          redis_url):
    with Receiver(delay=0.01, fail=0.2, seed=3) as receiver:
        app, env = database(60, JOBS_MODE="celery", REDIS_URL=redis_url)
        env |= {"BACKOFFICE_URL": receiver.url, "REDIS_URL": redis_url,
                "JOBS_MODE": "celery"}
        log = open(env["PORTAL_DATA_DIR"] + "-celery.log", "wb")  # noqa: SIM115
        workers = [
            subprocess.Popen([BIN / "flask", "--app", "portal", "worker", "--beat",
                              "--concurrency", "2"], env=env,
                             stdout=log, stderr=subprocess.STDOUT),
            subprocess.Popen([BIN / "celery", "-A", "portal.celery_worker", "worker",
                              "-n", "second@%h", "--concurrency", "2", "--loglevel", "INFO"],
                             env=env, stdout=log, stderr=subprocess.STDOUT)]
        try:
            wait_for(lambda: states(app) == {"delivered": 60}, 300, "every delivery")
            # A job written with a transaction goes to the workers when it commits.
            with app.app_context():
                from portal.auth.models import User
                from portal.mail import queue_mail
                from portal.txn import begin_write

                begin_write()  # as a request that writes does (SQLite: the workers write too)
                agent = db.session.scalar(select(User))
                queue_mail(db.session, agent.email, "Scale-out check", "password_changed", "en",
                           user=agent)
                db.session.commit()
                job_id = db.session.scalar(select(func.max(Job.id)))
                db.session.remove()

            def job_done():
                with app.app_context():
                    job = db.session.get(Job, job_id)
                    done = job.state is JobState.DONE
                    db.session.remove()
                    return done

            wait_for(job_done, 30, "the mail job")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(10)
            log.close()
    assert set(receiver.stores.values()) == {1} and len(receiver.stored) == 60
    assert receiver.overlaps == []
    assert any(m["Subject"] == "Scale-out check" for m in stored_mails(app))
