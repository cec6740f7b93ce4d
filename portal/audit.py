"""The audit log: who did what, when, from where. One helper for every area."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    # What happened to one object (a user's page in the console, the log filtered by object).
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def audit(action: str, *, user=None, obj=None, actor: str | None = None, **details: Any):
    """Record `action` in the audit log within the current transaction.

    `user` is who acted (defaults to the logged-in user); `obj` is what was acted on
    (any model with an `id`); `details` must be JSON-serialisable and never hold a secret.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        details=details,
    )
    if has_request_context():
        entry.ip = request.remote_addr
        entry.user_agent = (request.user_agent.string or "")[:300]
    db.session.add(entry)
    return entry


_KEPT = "audit_kept"
_COLUMNS = ("at", "user_id", "actor", "action", "object_type", "object_id", "ip", "user_agent",
            "details")


def audit_kept(action: str, **kwargs: Any) -> AuditEntry:
    """audit(), for an event that must stay on record even when the request that saw it fails
    (a refused infected upload: the API rolls back every failed request). If the transaction
    rolls back instead of committing, write_kept() writes the entry again on its own."""
    from portal.txn import on_commit

    entry = audit(action, **kwargs)
    entry.at = utcnow()
    session = db.session()
    session.info.setdefault(_KEPT, []).append({c: getattr(entry, c) for c in _COLUMNS})
    on_commit(lambda: session.info.pop(_KEPT, None), session)
    return entry


def write_kept() -> None:
    """After a rollback: commit the entries of audit_kept() that the rollback took away."""
    session = db.session()
    kept = session.info.pop(_KEPT, None)
    if not kept:
        return
    try:
        session.add_all(AuditEntry(**columns) for columns in kept)
        session.commit()
    except Exception:  # the error being answered must still be answered
        session.rollback()
        log.exception("could not keep %d audit entries after a rollback: %r", len(kept), kept)
