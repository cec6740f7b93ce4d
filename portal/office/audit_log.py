"""Reading the audit log: filters, pages newest first (keyset: fast on any page of a large log),
the CSV rows, and the words a person reads for an action and its details. Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select, text
from werkzeug.routing import BuildError

from forms.office_audit import parse_object
from payments.fees import office_zone
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.extensions import db

PAGE_SIZE = 50
CSV_BATCH = 1000

ACTION_LABELS = {
    "account.created": _l("Account created"),
    "account.registered": _l("Account registered"),
    "account.email_confirmed": _l("Email address confirmed"),
    "account.locale_changed": _l("Language changed"),
    "account.role_changed": _l("Role changed"),
    "account.agent_verified": _l("Agent verified"),
    "account.disabled": _l("Account disabled"),
    "account.enabled": _l("Account enabled again"),
    "login.succeeded": _l("Logged in"),
    "login.failed": _l("Login failed"),
    "login.rate_limited": _l("Login refused: too many attempts"),
    "logout": _l("Logged out"),
    "password.reset_requested": _l("Password reset asked for"),
    "password.reset_rate_limited": _l("Password reset refused: too many attempts"),
    "password.reset": _l("Password reset"),
    "password.changed": _l("Password changed"),
    "password.change_refused": _l("Password change refused (wrong current password)"),
    "sessions.ended": _l("Other sessions ended"),
    "sessions.ended_everywhere": _l("Logged out everywhere"),
    "session.expired": _l("Session ended (inactivity or maximum length)"),
    "firm.invited": _l("Colleague invited"),
    "api_token.created": _l("API token made"),
    "api_token.revoked": _l("API token revoked"),
    "api_client.created": _l("API client made"),
    "api_client.revoked": _l("API client revoked"),
    "payment.transfer_confirmed": _l("Bank transfer confirmed"),
    "payment.transfer_rejected": _l("Bank transfer rejected"),
    "payment.refunded": _l("Refund made"),
    "deposit.top_up": _l("Deposit account credited"),
    "deposit.adjusted": _l("Deposit account adjusted"),
    "tariff.version_created": _l("Tariff version made"),
    "tariff.version_deleted": _l("Tariff version deleted"),
    "notification.sent": _l("Notification sent"),
    "notification_template.created": _l("Notification template made"),
    "notification_template.changed": _l("Notification template changed"),
    "notification_template.deactivated": _l("Notification template deactivated"),
    "notification_template.reactivated": _l("Notification template used again"),
    "office.texts_changed": _l("Office name and address changed"),
    "delivery.replay": _l("Delivery sent again"),
    "document.infected": _l("Upload refused: the virus check found harmful content"),
}
# Console pages of the objects the log names: (endpoint, its id argument). A page that does
# not exist (yet), or that the reader may not open, simply gives no link.
OBJECT_PAGES = {
    "Order": ("office.order", "order_id"),
    "DepositAccount": ("office.deposit_account", "account_id"),
    "FeeSchedule": ("office.tariff_version", "schedule_id"),
    "OutboxMessage": ("office.delivery", "message_id"),
    "User": ("office.user", "user_id"),
    "NotificationTemplate": ("office.notification_template", "template_id"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS[code]) if code in ACTION_LABELS else code


# DISTINCT reads every row; this walks the index on `action` instead, one step per action.
_ACTIONS = text("""
WITH RECURSIVE actions(action) AS (
  SELECT (SELECT MIN(action) FROM audit_log)
  UNION ALL
  SELECT (SELECT MIN(a.action) FROM audit_log a WHERE a.action > actions.action)
  FROM actions WHERE actions.action IS NOT NULL
)
SELECT action FROM actions WHERE action IS NOT NULL""")


def action_choices() -> list[tuple[str, str]]:
    """The actions present in the log, as (code, label), by label."""
    codes = db.session.scalars(_ACTIONS)
    return sorted(((c, action_label(c)) for c in codes), key=lambda pair: pair[1].lower())


def day_start(day: date) -> datetime:
    """Midnight at the office on `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=office_zone()).astimezone(UTC)


def conditions(f: dict[str, Any]) -> list:
    """The WHERE clauses of the filters `f` (user, action, object, date_from, date_to)."""
    where = []
    if who := (f.get("user") or "").strip():
        emails = select(User.id).where(User.email.icontains(who, autoescape=True))
        where.append(or_(AuditEntry.user_id.in_(emails),
                         AuditEntry.actor.icontains(who, autoescape=True)))
    if f.get("action"):
        where.append(AuditEntry.action == f["action"])
    if obj := parse_object(f.get("object")):
        where.append(AuditEntry.object_type == obj[0])
        if obj[1] is not None:
            where.append(AuditEntry.object_id == obj[1])
    if f.get("date_from"):
        where.append(AuditEntry.at >= day_start(f["date_from"]))
    if f.get("date_to"):  # the whole last day, office time
        where.append(AuditEntry.at < day_start(f["date_to"] + timedelta(days=1)))
    return where


def _older_than(at: datetime, entry_id: int):
    # `at <= :at` alone lets the index on `at` do the work; the OR breaks ties by id.
    return and_(AuditEntry.at <= at, or_(AuditEntry.at < at, AuditEntry.id < entry_id))


def _newer_than(at: datetime, entry_id: int):
    return and_(AuditEntry.at >= at, or_(AuditEntry.at > at, AuditEntry.id > entry_id))


NEWEST_FIRST = (AuditEntry.at.desc(), AuditEntry.id.desc())


@dataclass
class Page:
    rows: list[tuple[AuditEntry, str | None]]  # each entry with its user's email
    newer: int | None  # the cursor of the page before (after=...), None on the first
    older: int | None  # the cursor of the page after (before=...), None on the last


def page_of(f: dict[str, Any], *, before: int | None = None, after: int | None = None,
            size: int = PAGE_SIZE) -> Page:
    """One page of the filtered log, newest first, older than entry `before` or newer than
    entry `after` (the cursors the page's links carry)."""
    where = conditions(f)
    query = (select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.user_id)
             .where(*where))
    cursor_id = after or before
    mark = db.session.execute(select(AuditEntry.at, AuditEntry.id)
                              .where(AuditEntry.id == cursor_id)).first() if cursor_id else None
    if mark is not None and after:
        found = db.session.execute(query.where(_newer_than(*mark))
                                   .order_by(AuditEntry.at, AuditEntry.id).limit(size + 1)).all()
        if not found:  # nothing newer than the newest: the first page
            return page_of(f, size=size)
        more_newer, rows = len(found) > size, list(reversed(found[:size]))
        more_older = True  # the entry `after` itself
    else:
        if mark is not None:
            query = query.where(_older_than(*mark))
        found = db.session.execute(query.order_by(*NEWEST_FIRST).limit(size + 1)).all()
        rows, more_older = found[:size], len(found) > size
        more_newer = mark is not None and db.session.scalar(
            select(AuditEntry.id).where(*where, _newer_than(*mark)).limit(1)) is not None
    rows = [(entry, email) for entry, email in rows]
    return Page(rows, rows[0][0].id if rows and more_newer else None,
                rows[-1][0].id if rows and more_older else None)


def export_rows(where: list) -> Iterator[tuple]:
    """Every entry matching `where` (from `conditions`, built while the request's objects are
    at hand), newest first, as plain columns, read in batches (keyset) so that no more than
    CSV_BATCH rows are in memory at once."""
    columns = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, User.email, AuditEntry.action,
               AuditEntry.object_type, AuditEntry.object_id, AuditEntry.ip, AuditEntry.details)
    query = (select(*columns).outerjoin(User, User.id == AuditEntry.user_id)
             .where(*where).order_by(*NEWEST_FIRST).limit(CSV_BATCH))
    mark = None
    while True:
        batch = db.session.execute(query.where(_older_than(*mark)) if mark else query).all()
        yield from (row[1:] for row in batch)
        if len(batch) < CSV_BATCH:
            return
        mark = batch[-1].at, batch[-1].id


# --- what a person reads -------------------------------------------------------------------------

def object_url(object_type: str | None, object_id: str | None) -> str | None:
    """The console page of the object, when there is one."""
    page = OBJECT_PAGES.get(object_type or "")
    if page is None or not (object_id or "").isdigit():
        return None
    endpoint, argument = page
    view = current_app.view_functions.get(endpoint)
    if view is None or current_user.role not in getattr(view, "required_roles", ()):
        return None  # no such page, or not one for this reader (a user's page: admins only)
    try:
        return url_for(endpoint, **{argument: int(object_id)})
    except BuildError:
        return None


def _short(value: Any, limit: int = 80) -> str:
    if value is None:
        text = "—"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def summarise(details: Any) -> list[str]:
    """The details in a few short lines: "before → after" first (per key when both are
    mappings), then the other values."""
    if not isinstance(details, dict):
        return [_short(details)] if details else []
    lines = []
    if "before" in details or "after" in details:
        before, after = details.get("before"), details.get("after")
        if isinstance(before, dict) and isinstance(after, dict):
            lines += [f"{key}: {_short(before.get(key))} → {_short(after.get(key))}"
                      for key in sorted(before.keys() | after.keys())
                      if before.get(key) != after.get(key)]
        else:
            lines.append(f"{_short(before)} → {_short(after)}")
    lines += [f"{key}: {_short(value)}" for key, value in details.items()
              if key not in ("before", "after")]
    return lines
