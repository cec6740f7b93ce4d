"""Drafts of new applications: create, save exactly what was typed, check, copy, delete.

A draft keeps the form as the user left it (name/value pairs), so that a half-typed date or an
empty fourth applicant survive a save. The check before filing rebuilds the form from those
pairs and validates it, with the documents and the priority periods; checkout runs it again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField

from forms.applications.base import ApplicationForm
from forms.applications.registry import APPLICATION_FORMS
from forms.base import CONTROL_CHARACTERS, walk_errors
from forms.parts.priority import priority_problem
from payments.fees import office_today
from portal.auth.models import Role, User
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus, IPKind
from portal.timeutil import utcnow

_ENTRY = re.compile(r"^(?P<list>[a-z_]+)-(?P<index>\d+)(?P<rest>-.+)?$")


@dataclass(frozen=True)
class Problem:
    field_id: str
    label: str
    message: str


# --- access -------------------------------------------------------------------------------------

def visible_to(user: User):
    """The filings `user` may see: its own, and its firm's when it is an agent."""
    if user.firm_id is not None and user.role is Role.AGENT:
        return or_(Filing.owner_id == user.id, Filing.firm_id == user.firm_id)
    return Filing.owner_id == user.id


def get_filing(user: User, filing_id: int, *, draft: bool = False) -> Filing:
    """The filing, or 404 when it does not exist or `user` may not see it."""
    filing = db.session.scalar(select(Filing).where(Filing.id == filing_id, visible_to(user)))
    if filing is None or (draft and not filing.is_draft):
        abort(404)
    return filing


def list_drafts(user: User) -> list[Filing]:
    return list(db.session.scalars(
        select(Filing).where(visible_to(user), Filing.status == FilingStatus.DRAFT)
        .order_by(Filing.updated_at.desc(), Filing.id.desc())))


# --- forms and pairs ----------------------------------------------------------------------------

def form_class(filing: Filing) -> type[ApplicationForm]:
    """The form of the filing: its kind's application form, or its request type's form."""
    if filing.is_request:
        from forms.requests.registry import request_form

        return request_form(filing.filing_type, filing.kind.value)
    return APPLICATION_FORMS[filing.kind.value]


def stored_form(filing: Filing) -> ApplicationForm:
    """The draft's form rebuilt from what was saved (no CSRF: it is not a request)."""
    return form_class(filing)(formdata=MultiDict(filing.form_data), meta={"csrf": False})


def form_to_pairs(form) -> list[list[str]]:
    """Every value of the form as typed, in order: the inverse of building it from formdata.

    Dates and whole numbers that could be read are kept in one spelling (ISO 8601, ASCII
    digits: forms.fields), so that a draft reads the same in every language.
    """
    pairs: list[list[str]] = []
    for field in _leaves(form):
        if field.type in ("CSRFTokenField", "FileField", "MultipleFileField", "SubmitField"):
            continue
        if field.type == "BooleanField":
            if field.data:
                pairs.append([field.name, "y"])
            continue
        if hasattr(field, "stored_values"):
            values = field.stored_values()
        else:
            values = field.raw_data or [_shown_value(field)]
        # A draft keeps what was typed, but not the control characters no one types (NUL:
        # PostgreSQL refuses it): the form's check reports them, the draft drops them.
        pairs.extend([field.name, CONTROL_CHARACTERS.sub("", str(v))] for v in values)
    return pairs


def _stored_spelling(pairs: list[list[str]], form) -> list[list[str]]:
    """`pairs` with the dates and numbers `form` read from them in their stored spelling."""
    stored = {field.name: field.stored_values() for field in _leaves(form)
              if hasattr(field, "stored_values") and field.data is not None}
    return [[name, stored[name][0]] if name in stored else [name, value]
            for name, value in pairs]


def _shown_value(field) -> str:
    """The value a field shows when nothing was typed in it (a new entry, a default)."""
    if field.data is None:
        return ""
    return field._value() if hasattr(field, "_value") else str(field.data)


def _leaves(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaves(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _leaves(field.form)
        else:
            yield field


def apply_action(pairs: list[list[str]], action: str) -> list[list[str]]:
    """Add an empty entry to a list ("add:applicants"), or remove one ("remove:applicants-2")."""
    verb, _, target = action.partition(":")
    if verb == "add":
        count = len(_entry_indexes(pairs, target))
        return [*pairs, [f"{target}-{count}-name", ""]] if target else pairs
    if verb == "remove":
        match = _ENTRY.match(target)
        if match:
            return _drop_entry(pairs, match["list"], int(match["index"]))
    return pairs


def _entry_indexes(pairs, list_name: str) -> set[int]:
    out = set()
    for name, _ in pairs:
        match = _ENTRY.match(name)
        if match and match["list"] == list_name:
            out.add(int(match["index"]))
    return out


def _drop_entry(pairs, list_name: str, index: int) -> list[list[str]]:
    """Remove entry `index` of `list_name` and renumber the ones after it."""
    out = []
    for name, value in pairs:
        match = _ENTRY.match(name)
        if not match or match["list"] != list_name:
            out.append([name, value])
            continue
        i = int(match["index"])
        if i == index:
            continue
        i = i - 1 if i > index else i
        out.append([f"{list_name}-{i}{match['rest'] or ''}", value])
    return out


def assign_design_keys(form) -> None:
    """Give every design entry a stable key, under which its views are filed."""
    for entry in getattr(form, "designs", None) or []:
        if not entry.form.key.data:
            entry.form.key.data = uuid.uuid4().hex[:12]
            entry.form.key.raw_data = [entry.form.key.data]


# --- saving and checking ------------------------------------------------------------------------

def create_draft(user: User, kind: IPKind, filing_type: str = "application",
                 values: dict[str, str] | None = None) -> Filing:
    """A new draft showing the form's defaults, with `values` (field name -> value) filled in."""
    filing = Filing(owner=user, firm_id=user.firm_id if user.role is Role.AGENT else None,
                    kind=kind, filing_type=filing_type, form_data=[])
    blank = form_class(filing)(formdata=None, meta={"csrf": False})
    pairs = [p for p in form_to_pairs(blank) if p[0] not in (values or {})]  # defaults, as shown
    pairs += [[name, value] for name, value in (values or {}).items()]
    db.session.add(filing)
    db.session.flush()
    save_draft(filing, pairs)
    return filing


def save_draft(filing: Filing, pairs: list[list[str]]) -> None:
    """Keep the form as typed and refresh what lists show; the filing must be a draft."""
    if not filing.is_draft:
        raise ValueError("only drafts can be edited")
    filing.form_data = pairs
    form = stored_form(filing)
    filing.form_data = _stored_spelling(pairs, form)
    filing.reference = (form.reference.data or "").strip()[:100] or None
    filing.title = form.display_title()[:500] or None
    filing.applicant_names = "; ".join(form.applicant_names())[:1000] or None
    filing.names_local = "; ".join(form.local_names())[:1000] or None
    filing.client_id = _client_of(filing, form)
    filing.updated_at = filing.last_event_at = utcnow()
    filing.refresh_search_text()
    filing.problems = len(check_filing(filing, form))


def _client_of(filing: Filing, form) -> int | None:
    """The client-book entry the first applicant was taken from, if it is the filer's."""
    from portal.clients.models import Client

    entries = form.applicants.entries if hasattr(form, "applicants") else []
    raw = entries[0].form.client_id.data if entries else None
    if not raw or not str(raw).isdigit() or filing.firm_id is None:
        return None
    return db.session.scalar(select(Client.id).where(Client.id == int(raw),
                                                     Client.firm_id == filing.firm_id))


def check_filing(filing: Filing, form: ApplicationForm | None = None,
                 today: date | None = None) -> list[Problem]:
    """Every problem that stops this draft from being filed, each tied to its field."""
    form = form or stored_form(filing)
    form.validate()
    problems = [Problem(fid, label, message) for fid, label, message in walk_errors(form)]
    today = today or office_today()
    for entry in form.priorities.filled() if hasattr(form, "priorities") else []:
        message = priority_problem(filing.kind.value, entry.form.filed_on.data, today)
        if message:
            problems.append(Problem(entry.form.filed_on.id, str(entry.form.filed_on.label.text),
                                    message))
    problems.extend(_missing_documents(filing, form))
    return problems


def _missing_documents(filing: Filing, form: ApplicationForm) -> list[Problem]:
    from flask_babel import gettext as _

    have = {d.slot for d in filing.documents}
    out = []
    for slot in sorted(form.required_documents()):
        if slot not in have:
            out.append(Problem(slot, str(form.DOCUMENTS[slot].label),
                               _("Upload this document.")))
    for slot, title in getattr(form, "design_slots", lambda: [])():
        if slot not in have:
            out.append(Problem(slot, title or _("Design"),
                               _("Upload at least one view of this design.")))
    return out


def delete_draft(filing: Filing) -> None:
    if not filing.is_draft:
        raise ValueError("only drafts can be deleted")
    from portal.filings.documents import discard_document

    for document in list(filing.documents):
        discard_document(document)
    db.session.delete(filing)


def copy_filing(filing: Filing, user: User) -> Filing:
    """A new draft with the same data and copies of the documents ("file a similar one")."""
    from portal.filings.documents import copy_document

    copy = Filing(owner=user, firm_id=user.firm_id if user.role is Role.AGENT else None,
                  kind=filing.kind, filing_type=filing.filing_type,
                  form_data=[list(p) for p in filing.form_data], copied_from_id=filing.id,
                  reference=filing.reference, title=filing.title,
                  applicant_names=filing.applicant_names)
    db.session.add(copy)
    db.session.flush()
    for document in filing.documents:
        copy_document(document, copy)
    db.session.flush()
    copy.problems = len(check_filing(copy))
    return copy


def fill_party_from_client(pairs: list[list[str]], entry: str, client) -> list[list[str]]:
    """Replace the values of party entry `entry` (e.g. "applicants-0") with the client's."""
    prefix = f"{entry}-"
    kept = [p for p in pairs if not p[0].startswith(prefix)]
    data = client.party_data()
    values = [[f"{prefix}{name}", value] for name, value in data.items()]
    return kept + values + [[f"{prefix}client_id", str(client.id)]]


def documents_by_slot(filing: Filing) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {}
    for document in filing.documents:
        out.setdefault(document.slot or "", []).append(document)
    return out
