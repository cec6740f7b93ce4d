"""A private iCalendar feed of each user's deadlines, at a secret address that can be revoked.

Only the SHA-256 of the secret is stored: the address is shown once, when it is made; making a
new one revokes the old.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import delete, select

from portal.auth.models import User
from portal.extensions import db
from portal.i18n import is_supported, office_locale
from portal.office.models import current_office
from portal.timeutil import utcnow
from portal.tracking.models import CalendarFeed
from portal.tracking.services import upcoming

FEED_MONTHS = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def new_feed(user: User) -> str:
    """A new secret address for `user` (the old one stops working); returns its URL."""
    token = secrets.token_urlsafe(32)
    revoke(user)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    return url_for("calendar.feed", token=token, _external=True)


def revoke(user: User) -> None:
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_of(token: str) -> User | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    return db.session.get(User, feed.user_id) if feed else None


def feed_locale(user: User) -> str:
    """The language of `user`'s feed: theirs, else the office's (a calendar program asks for
    the feed with its own language, not its owner's)."""
    return user.locale if is_supported(user.locale) else office_locale()


def ics(user: User) -> bytes:
    """The user's deadlines as all-day events, titled in the user's language."""
    locale = feed_locale(user)
    with force_locale(locale):
        return _calendar(user, locale).to_ical()


def _calendar(user: User, locale: str) -> Calendar:
    office = current_office()
    cal = Calendar()
    cal.add("prodid", "-//Filing portal//Deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("%(office)s: deadlines",
                              office=office.short_name if office else "IPO"))
    stamp = utcnow()
    language = {"LANGUAGE": locale.replace("_", "-")}
    for deadline in upcoming(user, months=FEED_MONTHS, limit=2000):
        filing = deadline.filing
        number = filing.registration_number or filing.office_number or filing.portal_number
        event = Event()
        event.add("uid", f"{deadline.kind}-{filing.uuid}-{deadline.due.isoformat()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + timedelta(days=1))
        event.add("summary", f"{deadline.label}: {number or ''} {filing.title or ''}".strip(),
                  parameters=language)
        event.add("description", _description(deadline, number), parameters=language)
        event.add("url", url_for("notifications.show", notification_id=deadline.notification.id,
                                 _external=True) if deadline.notification
                  else url_for("filings.show", filing_id=filing.id, _external=True))
        cal.add_component(event)
    return cal


def _description(deadline, number: str | None) -> str:
    filing = deadline.filing
    lines = [deadline.label, filing.type_label]
    if number:
        lines.append(_("Number: %(number)s", number=number))
    if filing.title:
        lines.append(filing.title)
    if filing.applicant_names:
        lines.append(_("Applicant or owner: %(names)s", names=filing.applicant_names))
    lines.append(_("Due on %(date)s.", date=format_date(deadline.due, "long")))
    return "\n".join(lines)
