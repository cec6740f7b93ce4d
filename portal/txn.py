"""Work that must happen only once the current transaction has committed (mail, file deletion).

`on_commit(fn)` queues `fn` on the session; it runs after the next commit, and is dropped if
the transaction rolls back instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

log = logging.getLogger(__name__)
_KEY = "on_commit"


def on_commit(fn: Callable[[], None], session: Session | None = None) -> None:
    session = session or db.session()
    session.info.setdefault(_KEY, []).append(fn)


def begin_write(session: Session | None = None) -> None:
    """End the current transaction (committing it) and begin one that will write: on SQLite
    it takes the write lock at its start (BEGIN IMMEDIATE), waiting for other writers, so that
    what it reads is still true when it writes. Background workers use it next to the web
    processes; PostgreSQL needs nothing (its row locks do that work)."""
    session = session or db.session()
    session.commit()
    session.connection(execution_options={"sqlite_begin_immediate": True})


def _run(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint was released (begin_nested): the real commit is still to come.
        return
    for fn in session.info.pop(_KEY, []):
        try:
            fn()
        except Exception:  # the commit stands; one failed side effect must not stop the others
            log.exception("after-commit task %r failed", fn)


def _drop(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a rolled-back savepoint keeps the outer work
        session.info.pop(_KEY, None)


def register_session_hooks() -> None:
    if not event.contains(Session, "after_commit", _run):
        event.listen(Session, "after_commit", _run)
        event.listen(Session, "after_soft_rollback", _drop)
