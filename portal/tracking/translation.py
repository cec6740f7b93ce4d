"""The translation follow-up: when a filing is accepted without everything the office wants in
its local language (LOCAL_LANGUAGE), the portal records a notification from the office asking
for it, once per filing, with a response due TRANSLATION_DEADLINE_WORKING_DAYS working days
after the filing day (portal.workdays). The filer answers with a response request.

What is asked for: the local-script name (and, for applicants and owners, address) of every
party that has such fields, and, for a trademark whose words are not in the local script, a
translation or transliteration.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from payments.fees import office_zone
from portal import local_script
from portal.config import LOCALES
from portal.filings.models import Filing
from portal.workdays import office_calendar

# Parties with local-script fields, in the order the office reads them. The owner named on a
# request (`holder`) is the office's own record of them: not asked for again.
PARTY_LISTS = {"applicants": _l("Applicant"), "inventors": _l("Inventor"),
               "designers": _l("Designer")}
PARTY_FORMS = {"new_owner": _l("New owner"), "licensee": _l("Licensee"),
               "creditor": _l("Secured creditor")}


@dataclass(frozen=True)
class Missing:
    """One thing the filing lacks in the local language: a party's name and/or address, or
    (`field` "mark") the translation or transliteration of the mark."""

    field: str  # "applicants", "new_owner", ..., or "mark"
    number: int | None  # position in its list, from 1; None for a single party or the mark
    name: str  # the party's name in Latin script, or the mark's text
    lacks_name: bool = False
    lacks_address: bool = False


def event_id(filing: Filing) -> str:
    return f"portal-translation-{filing.uuid}"


def missing_local(form, language: str) -> list[Missing]:
    """What the filing's form lacks in `language`'s script, in the order of the form."""
    out: list[Missing] = []
    for name in PARTY_LISTS:
        if name in form._fields:
            for number, entry in enumerate(form[name].filled(), 1):
                out += _party(entry.form, name, number)
    for name in PARTY_FORMS:
        if name in form._fields:
            out += _party(form[name].form, name, None)
    if "mark_text" in form._fields:
        words = (form.mark_text.data or "").strip()
        script = local_script.script_of(language)
        written = script is None or local_script.in_script(words, script)
        given = any((form[f].data or "").strip() for f in ("translation", "transliteration"))
        if words and not written and not given:
            out.append(Missing("mark", None, words))
    return out


def _party(party, field: str, number: int | None) -> list[Missing]:
    name = (party.name.data or "").strip()
    if not name:
        return []
    lacks_name = "name_local" in party._fields and not (party.name_local.data or "").strip()
    lacks_address = ("address_local" in party._fields
                     and not (party.address_local.data or "").strip())
    if lacks_name or lacks_address:
        return [Missing(field, number, name, lacks_name, lacks_address)]
    return []


def ask_for_translation(filing: Filing):
    """Record the office's request for what `filing` lacks in the local language, if anything;
    called in the transaction that accepts the filing. Returns what record_office_event did,
    or None when nothing is asked."""
    from portal.filings.services import stored_form
    from portal.tracking.services import record_office_event

    days = int(current_app.config.get("TRANSLATION_DEADLINE_WORKING_DAYS") or 0)
    language = local_script.local_language()
    if days <= 0 or language is None or filing.accepted_at is None:
        return None
    missing = missing_local(stored_form(filing), language)
    if not missing:
        return None
    filed_on = filing.accepted_at.astimezone(office_zone()).date()
    due = office_calendar().add_working_days(filed_on, days)
    texts = {}
    for locale in LOCALES:
        with force_locale(locale):
            texts[locale] = notice_text(filing, missing, language, due)
    default = texts.get(_office_locale()) or texts["en"]
    return record_office_event(filing, event_id=event_id(filing), type="notification",
                               subject=default["subject"], body=default["body"],
                               response_due=due, texts=texts)


def _office_locale() -> str:
    from portal.office.models import current_office

    office = current_office()
    return (office.default_locale if office else None) or "en"


def notice_text(filing: Filing, missing: list[Missing], language: str, due) -> dict[str, str]:
    """The notification's subject and body in the current locale."""
    name = local_script.language_name(language)
    subject = _("Translation into %(language)s required", language=name)
    lines = [_("The office needs the following in %(language)s for %(filing)s:",
               language=name, filing=filing.portal_number or filing.title or ""), ""]
    lines += [f"- {_line(item, name)}" for item in missing]
    lines += ["", _("Send them by %(date)s: respond to this notification with a response "
                    "request that gives them.", date=format_date(due, "long"))]
    return {"subject": subject, "body": "\n".join(lines)}


def _line(item: Missing, language: str) -> str:
    if item.field == "mark":
        return _("The mark “%(mark)s”: its translation or transliteration into %(language)s",
                 mark=item.name, language=language)
    role = str((PARTY_LISTS | PARTY_FORMS)[item.field])
    who = (_("%(role)s %(number)d", role=role, number=item.number) if item.number
           else role)
    if item.lacks_name and item.lacks_address:
        what = _("the name and the address in %(language)s", language=language)
    elif item.lacks_name:
        what = _("the name in %(language)s", language=language)
    else:
        what = _("the address in %(language)s", language=language)
    return _("%(party)s (%(name)s): %(missing)s", party=who, name=item.name, missing=what)
