"""Jinja filters of the portal."""

from __future__ import annotations

import re

from flask import request
from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify_own(text: str) -> Markup:
    """Escape `text` and make links of the URLs that point at this portal, and only those."""
    own = request.host_url
    out, last = [], 0
    escaped = str(escape(text))
    for match in _URL.finditer(escaped):
        url = match.group(0)
        out.append(escaped[last:match.start()])
        if url.startswith(own):
            out.append(f'<a href="{url}">{url}</a>')
        else:
            out.append(url)
        last = match.end()
    out.append(escaped[last:])
    return Markup("".join(out))


def money(amount, currency: str) -> str:
    """An amount in the user's locale, with the currency's own number of decimals."""
    from flask_babel import format_currency

    return format_currency(amount, currency)


def isodateformat(value, format: str = "medium") -> str:
    """A date kept as ISO 8601 text (an event's data, JSON) in the reader's language; text
    that is not a date is shown as it is."""
    from datetime import date, datetime

    from flask_babel import format_date

    if isinstance(value, date | datetime):
        return format_date(value, format)
    try:
        return format_date(date.fromisoformat(str(value or "")[:10]), format)
    except ValueError:
        return str(value or "")


_SIZE_UNITS = (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6),
               ("digital-kilobyte", 10**3))


def filesize(size: int) -> str:
    """A file's size in the reader's language and units: 1.2 MB, 1,2 Mo in French."""
    from babel.units import format_unit
    from flask_babel import get_locale

    locale = get_locale() or "en"
    for unit, factor in _SIZE_UNITS:
        if size >= factor:
            return format_unit(size / factor, unit, length="short", format="#,##0.#",
                               locale=locale)
    return format_unit(size, "digital-byte", length="short", locale=locale)


def date_hint() -> str:
    """How to type a date in the reader's language, for a date box made in a template."""
    from forms import dates

    return dates.hint()


def date_example(iso: bool = False) -> str:
    """31 March of this year as a person types it in the reader's language (or ISO 8601)."""
    from forms import dates

    return (dates.ISO if iso else dates.current_format()).example()


_TYPE_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG",
               "audio/*": "MP3, WAV, OGG, FLAC, M4A"}


def upload_hint(slot) -> str:
    """What an upload place accepts, for the hint under it: types and the size limit."""
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    from portal.documents.checks import MIB, size_limit

    types = ", ".join(_TYPE_NAMES.get(t, t) for t in slot.accept.split(","))
    size = format_decimal(size_limit(slot.kind) / MIB, "#,##0.#")
    return _("Accepted: %(types)s, at most %(size)s MiB per file.", types=types, size=size)


def provider_label(provider_id: str) -> str:
    from payments.registry import providers

    provider = providers().get(provider_id)
    return str(provider.label) if provider else provider_id


def order_state_label(state) -> str:
    from payments.models import ORDER_STATE_LABELS

    return str(ORDER_STATE_LABELS.get(state, state))


def movement_label(kind: str) -> str:
    from payments.models import MOVEMENT_LABELS

    return str(MOVEMENT_LABELS.get(kind, kind))


def deposit_holder(account) -> str:
    from portal.auth.models import Firm, User
    from portal.extensions import db

    if account.firm_id:
        firm = db.session.get(Firm, account.firm_id)
        return firm.name if firm else ""
    user = db.session.get(User, account.user_id)
    return f"{user.full_name} ({user.email})" if user else ""


def event_label(kind: str) -> str:
    from portal.filings.models import EVENT_LABELS

    return str(EVENT_LABELS.get(kind, kind))


def number_examples(kind: str, wanted: str) -> list[str]:
    """Examples of the office's number formats, for hints next to number fields."""
    from portal.rights.numbers import examples

    return examples(kind, wanted)


def request_types(kind: str) -> list:
    """The request forms that apply to rights of `kind`, in the Requests page's order."""
    from forms.requests.registry import REQUEST_TYPES

    return [form for form in REQUEST_TYPES.values() if kind in form.KINDS]


def unread_notifications() -> int:
    """The header's counter: unread notifications of the filings the user sees."""
    from flask_login import current_user

    if not current_user.is_authenticated or current_user.role.is_office:
        return 0
    from portal.tracking.services import unread_count

    return unread_count(current_user)


def office_status_name(code: str | None) -> str:
    """The office's name of a status in the reader's language (its code when unknown)."""
    if not code:
        return ""
    from flask_babel import get_locale

    from portal.office.models import current_office
    from portal.tracking.services import statuses

    status = statuses().get(code)
    office = current_office()
    return status.name(str(get_locale() or "en"), office.default_locale if office else None) \
        if status else code


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail; empty when there is neither a request nor SERVER_NAME to
    build it from (the mail then tells the user where to look instead)."""
    from flask import current_app, has_request_context, url_for

    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        return ""
    return url_for(endpoint, _external=True, **values)


def register(app) -> None:
    from forms.parts.countries import country_name
    from forms.parts.goods import localized_nice_classes, nice_classes

    app.jinja_env.globals["upload_hint"] = upload_hint
    app.jinja_env.globals["nice_classes"] = nice_classes
    app.jinja_env.globals["localized_nice_classes"] = localized_nice_classes
    app.jinja_env.globals["country_name"] = country_name
    app.jinja_env.globals["number_examples"] = number_examples
    app.jinja_env.globals["request_types"] = request_types
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["office_status_name"] = office_status_name
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals.update(provider_label=provider_label,
                                 order_state_label=order_state_label,
                                 movement_label=movement_label, deposit_holder=deposit_holder,
                                 event_label=event_label)
    app.jinja_env.filters["linkify_own"] = linkify_own
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["isodateformat"] = isodateformat
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals["date_example"] = date_example
    app.jinja_env.globals["date_hint"] = date_hint
