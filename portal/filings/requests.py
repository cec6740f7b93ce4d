"""Post-filing requests: start one about a right, fill it in from the right, add many rights.

A request is a Filing whose `filing_type` is the request type (forms.requests.registry) and
whose `kind` is the IP kind of the rights it concerns; it is a draft, checked, put in the cart
and paid for like an application.
"""

from __future__ import annotations

import re

from wtforms.fields.core import UnboundField

from forms.requests.bulk import ImportResult, import_lines, numbers_in
from forms.requests.prefill import holder_values, right_values
from forms.requests.registry import request_form
from payments.fees import office_today
from portal.auth.models import Role, User
from portal.filings.models import Filing, IPKind
from portal.filings.services import create_draft, form_class, stored_form
from portal.rights.lookup import look_up
from portal.rights.numbers import normalise

_RIGHT = re.compile(r"^rights-(\d+)$")
_RIGHT_FIELD = re.compile(r"^rights-(?P<index>\d+)-(?P<rest>.+)$")


def start_request(user: User, code: str, kind: IPKind, number: str | None = None,
                  notification_id: str | None = None) -> Filing:
    """A new draft of request `code` about rights of `kind`; prefilled when `number` names a
    right the portal (or the office) knows."""
    form = request_form(code, kind.value)
    values: dict[str, str] = {}
    number = normalise(number)
    if number:
        values["rights-0-number"] = number
        record = look_up(user, kind.value, [number]).get(number)
        if record is not None:
            values.update(_record_values(form, record, "rights-0-"))
    if notification_id and has_field(form, "notification_id"):
        values.update(_notification_values(user, notification_id))
    if user.role is Role.AGENT and has_field(form, "agent_name"):
        values.update(_agent_values(user))
    return create_draft(user, kind, code, values)


def _record_values(form, record, prefix: str) -> dict[str, str]:
    today = office_today()
    values = {f"{prefix}{name}": value
              for name, value in right_values(form.RIGHT_FORM, record, today).items()}
    values.update(holder_values(record))
    if has_field(form, "goods"):  # the list to limit: the right's present list
        for index, (number, terms) in enumerate(record.goods):
            values[f"goods-{index}-class_number"] = number
            values[f"goods-{index}-terms"] = terms
    if has_field(form, "claims_count") and record.claims:
        values["claims_count"] = str(record.claims)
    return values


def _notification_values(user: User, notification_id: str) -> dict[str, str]:
    """The notification a response answers, when it is one of the user's."""
    from portal.tracking.services import get_notification

    notification = (get_notification(user, int(notification_id))
                    if str(notification_id).isdigit() else None)
    if notification is None:
        return {}
    return {"notification_id": str(notification.id), "notification_ref": notification.event_id,
            "notification_date": notification.created_at.date().isoformat()}


def has_field(form_class, name: str) -> bool:
    """Whether the form class has the field (a kind's form drops the fields of other kinds)."""
    return isinstance(getattr(form_class, name, None), UnboundField)


def _agent_values(user: User) -> dict[str, str]:
    firm = user.firm
    return {"agent_name": firm.name if firm else user.full_name,
            "agent_number": user.agent_number or "", "agent_email": user.email}


def fill_right(user: User, filing: Filing, pairs: list[list[str]],
               entry: str) -> tuple[list[list[str]], bool]:
    """Fill right `entry` ("rights-0") and the owner from what is known of its number."""
    if not _RIGHT.match(entry):
        return pairs, False
    number = normalise(next((v for n, v in pairs if n == f"{entry}-number"), ""))
    record = look_up(user, filing.kind.value, [number]).get(number) if number else None
    if record is None:
        return pairs, False
    values = _record_values(form_class(filing), record, f"{entry}-")
    if "goods-0-class_number" in values:  # replace the whole list, not merge into it
        pairs = [p for p in pairs if not p[0].startswith("goods-")]
    kept = [p for p in pairs if p[0] not in values]
    return kept + [[name, value] for name, value in values.items()], True


def import_rights(user: User, filing: Filing, pairs: list[list[str]],
                  text: str) -> tuple[list[list[str]], ImportResult]:
    """Add the good lines of `text` as rights; the bad ones stay in the "bulk" box."""
    form = form_class(filing)
    current = stored_form_from(filing, pairs)
    entries = current.rights.filled()
    existing = {normalise(e.form.number.data) for e in entries}
    known = look_up(user, filing.kind.value, numbers_in(text))
    room = current.rights.max_entries - len(entries)
    result = import_lines(form, text, existing, known, office_today(), room)
    kept = [p for p in pairs if not p[0].startswith("rights-") and p[0] != "bulk"]
    # The rights already listed keep their values, renumbered without the blank entries.
    index_of = {int(e.name.rsplit("-", 1)[1]): i for i, e in enumerate(entries)}
    rights: list[list[str]] = []
    for name, value in pairs:
        match = _RIGHT_FIELD.match(name)
        if match and int(match["index"]) in index_of:
            rights.append([f"rights-{index_of[int(match['index'])]}-{match['rest']}", value])
    index = len(entries)
    for values in result.added:
        rights.extend([f"rights-{index}-{name}", value] for name, value in values.items())
        index += 1
    if index == 0:
        rights.append(["rights-0-number", ""])
    if result.added:
        _fill_holder(kept, known, result)
    return kept + rights + [["bulk", result.kept_text]], result


def _fill_holder(pairs: list[list[str]], known: dict, result: ImportResult) -> None:
    """The owner of the first known right, when the form has none yet."""
    if any(name == "holder-name" and value.strip() for name, value in pairs):
        return
    for values in result.added:
        record = known.get(values["number"])
        if record is not None and record.holder:
            pairs[:] = [p for p in pairs if not p[0].startswith("holder-")]
            pairs.extend([name, value] for name, value in holder_values(record).items())
            return


def stored_form_from(filing: Filing, pairs: list[list[str]]):
    from werkzeug.datastructures import MultiDict

    return form_class(filing)(formdata=MultiDict(pairs), meta={"csrf": False})


__all__ = ["fill_right", "import_rights", "start_request", "stored_form"]
