"""Texts the office writes in each language: its name and address, and its notification
templates. Each change is audited with what was before and after; a change that changes
nothing is not recorded again. Nothing here commits: the request does, once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import audit
from portal.auth.models import User
from portal.extensions import db
from portal.i18n import clean_texts
from portal.office.models import Office
from portal.tracking.models import NotificationTemplate

OFFICE_KEYS = ("name", "address")
NOTIFICATION_KEYS = ("subject", "body")

OFFICE_TEXTS_CHANGED = "office.texts_changed"
TEMPLATE_CREATED = "notification_template.created"
TEMPLATE_CHANGED = "notification_template.changed"
TEMPLATE_DEACTIVATED = "notification_template.deactivated"
TEMPLATE_REACTIVATED = "notification_template.reactivated"


class CodeTaken(Exception):
    """Another template already has this code."""


# --- the office's name and address --------------------------------------------------------

def save_office_texts(office: Office, texts: dict, *, user: User) -> bool:
    """Keep the office's name and address per language; False when nothing changed."""
    before = office.texts or None
    after = clean_texts(texts, OFFICE_KEYS)
    if before == after:
        return False
    office.texts = after
    db.session.flush()
    audit(OFFICE_TEXTS_CHANGED, user=user, obj=office, before=before, after=after)
    return True


# --- notification templates ----------------------------------------------------------------

def list_templates(*, active_only: bool = False) -> list[NotificationTemplate]:
    query = select(NotificationTemplate).order_by(NotificationTemplate.active.desc(),
                                                  NotificationTemplate.title,
                                                  NotificationTemplate.id)
    if active_only:
        query = query.where(NotificationTemplate.active.is_(True))
    return list(db.session.scalars(query))


def get_template(template_id: int, *, for_update: bool = False) -> NotificationTemplate | None:
    query = select(NotificationTemplate).where(NotificationTemplate.id == template_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _dump(template: NotificationTemplate) -> dict:
    return {"code": template.code, "title": template.title, "texts": template.texts or {},
            "response_days": template.response_days, "active": template.active}


def _template_by_code(code: str) -> NotificationTemplate | None:
    return db.session.scalar(select(NotificationTemplate)
                             .where(NotificationTemplate.code == code))


def create_template(*, code: str, title: str, texts: dict, response_days: int | None,
                    user: User) -> NotificationTemplate:
    """A new active template. The same form sent twice makes one template (the second finds
    the first, identical); another template with the code raises CodeTaken."""
    values = {"code": code, "title": title, "texts": clean_texts(texts, NOTIFICATION_KEYS) or {},
              "response_days": response_days, "active": True}
    known = _template_by_code(code)
    if known is not None:
        if _dump(known) == values:
            return known
        raise CodeTaken(code)
    template = NotificationTemplate(**values)
    try:
        with db.session.begin_nested():
            db.session.add(template)
            db.session.flush()
    except IntegrityError as exc:  # the same code, saved at the same moment
        known = _template_by_code(code)
        if known is not None and _dump(known) == values:
            return known
        raise CodeTaken(code) from exc
    audit(TEMPLATE_CREATED, user=user, obj=template, before=None, after=values)
    return template


def update_template(template: NotificationTemplate, *, code: str, title: str, texts: dict,
                    response_days: int | None, user: User) -> bool:
    """Change a template (lock it first: get_template(..., for_update=True)); False when
    nothing changed. Raises CodeTaken for the code of another template."""
    before = _dump(template)
    after = {**before, "code": code, "title": title,
             "texts": clean_texts(texts, NOTIFICATION_KEYS) or {}, "response_days": response_days}
    if after == before:
        return False
    other = _template_by_code(code)
    if other is not None and other.id != template.id:
        raise CodeTaken(code)
    try:
        with db.session.begin_nested():
            template.code, template.title = code, title
            template.texts, template.response_days = after["texts"], response_days
            db.session.flush()
    except IntegrityError as exc:
        raise CodeTaken(code) from exc
    audit(TEMPLATE_CHANGED, user=user, obj=template, before=before, after=after)
    return True


def set_template_active(template: NotificationTemplate, active: bool, *, user: User) -> bool:
    """Deactivate (no longer offered when sending) or reactivate; False when it already was."""
    if template.active == active:
        return False
    template.active = active
    db.session.flush()
    audit(TEMPLATE_REACTIVATED if active else TEMPLATE_DEACTIVATED, user=user, obj=template,
          code=template.code, before={"active": not active}, after={"active": active})
    return True


def prefill(template: NotificationTemplate, office_locale: str,
            today: date) -> tuple[str, str, dict[str, dict[str, str]], date | None]:
    """What the sending form starts from: the subject and text in the office's default
    language, the other languages' texts, and the response deadline."""
    subject, body = template.text_for(office_locale, office_locale)
    others = {code: entry for code, entry in (template.texts or {}).items()
              if code != office_locale}
    due = today + timedelta(days=template.response_days) if template.response_days else None
    return subject, body, others, due
