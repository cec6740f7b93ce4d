"""Background jobs (mail, PDFs): written in the transaction that owes them, run after it
commits: in the same process (inline), by `flask worker` (the embedded default) or by Celery
workers (scale-out). The row is the job's durable record whichever runs it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.dbtypes import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class JobState(enum.StrEnum):
    DUE = "due"
    DONE = "done"
    DEAD = "dead"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.DUE)
    attempts: Mapped[int] = mapped_column(default=0)
    # Not before this time; while a worker holds the job, the end of its lease.
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
