"""What every post-filing request has: the rights it concerns, their holder, the filer's reference.

A request type is a `RequestForm` subclass in its own module (forms/requests/<type>.py) that
says which IP kinds it applies to, whether it may concern several rights, which number it needs
(an application number, a registration number, either) and, in `RIGHT_FORM`, what is asked per
right (a renewal asks the expiry date and the classes renewed of each registration). The class
used for a draft is `request_form(code, kind)`: the type's form for that kind, without the
fields of other kinds. Fees are computed per right: `fee_parts()` gives one basis per right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.applications.base import DocumentSlot
from forms.base import PlainForm, PortalForm
from forms.fields import EntryList, RadioField, SelectField, choices
from forms.parts.countries import country_choices
from forms.parts.party import PartyForm, check_local, local_label
from forms.validators import MaxLength, Required
from payments.fees import FeeBasis, office_today
from portal.rights import numbers

# How many rights one request may list (a change of address for an owner's whole portfolio).
MAX_RIGHTS = 1000

__all__ = ["DocumentSlot", "HolderForm", "OtherPartyForm", "RequestForm", "RightForm",
           "late_months"]


def late_months(due: date | None, today: date) -> int:
    """Months begun since `due` passed: 0 on or before it, 1 the day after, and so on."""
    if due is None or today <= due:
        return 0
    months = 0
    while due + relativedelta(months=months) < today:
        months += 1
    return months


def setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _tokens(text: str | None) -> list[str]:
    """The pieces between separators: "9, 35 42", "9;35", and with Arabic commas "٩، ٣٥"."""
    for separator in (";", " ", "\u060c", "\u3001"):
        text = (text or "").replace(separator, ",")
    return [token.strip() for token in (text or "").split(",") if token.strip()]


def split_numbers(text: str | None) -> list[int]:
    """Class or design numbers typed as "9, 35 42": the whole numbers in order, once each."""
    out: list[int] = []
    for token in _tokens(text):
        if token.isdecimal() and int(token) not in out:
            out.append(int(token))
    return out


def not_in_future(form, field) -> None:
    """A validator: a date that has already happened."""
    if field.data and field.data > office_today():
        raise ValidationError(_l("The date cannot be in the future."))


def require_when(condition: bool, field, message) -> None:
    """A field the form needs only in some cases (a partial transfer needs its scope)."""
    if condition and not (field.data or "").strip():
        raise ValidationError(message)


def check_numbers(text: str | None, low: int, high: int, message) -> None:
    if any(not t.isdecimal() or not low <= int(t) <= high for t in _tokens(text)):
        raise ValidationError(message)


def class_numbers(form, field) -> None:
    """A validator: Nice class numbers, "9, 35"."""
    check_numbers(field.data, 1, 45, _l("Enter class numbers from 1 to 45, separated by "
                                        "commas."))


def design_numbers(form, field) -> None:
    """A validator: the numbers of designs within a registration or application, "1, 3"."""
    check_numbers(field.data, 1, 999, _l("Enter the designs' numbers, separated by commas."))


def claim_count(form, field) -> None:
    """A validator: a number of claims."""
    if field.data is not None and not 1 <= field.data <= 1000:
        raise ValidationError(_l("Enter a number of claims from 1 to 1000."))


class HolderForm(PlainForm):
    """The owner of the rights (the applicant, for an application): as the office knows them."""

    name = StringField(_l("Name in Latin script"), validators=[Required(), MaxLength(300)],
                       description=_l("As recorded by the office; several owners are "
                                      "separated by semicolons."))
    name_local = StringField(local_label("name"), validators=[MaxLength(300)],
                             render_kw={"dir": "auto"})
    address = TextAreaField(_l("Address"), validators=[Required(), MaxLength(500)],
                            render_kw={"rows": 3})
    country = SelectField(_l("Country of residence or seat"),
                          choices=lambda: country_choices(organisations=False),
                          validators=[Required()])

    def validate_name_local(self, field):
        # As the office knows them: no nationality here, so only the script is checked.
        check_local(field, "name")


class OtherPartyForm(PartyForm):
    """A new owner, a licensee, a creditor: a person or an entity, with its address."""

    kind = RadioField(
        _l("This party is"),
        choices=choices([("person", _l("A natural person")),
                         ("entity", _l("A legal entity (company, university, institution)"))]),
        default="person", validators=[Required()])


class RightForm(PlainForm):
    """One right the request concerns, named by its office number."""

    IP_KIND = ""
    NUMBER = numbers.ANY
    # Columns of a pasted or uploaded list, after the number (see forms.requests.bulk).
    COLUMNS: tuple[str, ...] = ()
    ONLY_FOR: dict[str, set[str]] = {}  # field name -> the kinds that have it

    number = StringField(_l("Number"), validators=[Required(), MaxLength(40)])

    @classmethod
    def for_kind(cls, kind: str, number: str) -> type[RightForm]:
        hidden = {name: None for name, kinds in cls.ONLY_FOR.items() if kind not in kinds}
        columns = tuple(c for c in cls.COLUMNS if c not in hidden)
        return type(cls.__name__, (cls,), {"IP_KIND": kind, "NUMBER": number,
                                           "COLUMNS": columns, **hidden})

    def validate_number(self, field):
        value = numbers.normalise(field.data)
        if value and not numbers.matches(self.IP_KIND, value, self.NUMBER):
            raise ValidationError(number_message(self.IP_KIND, self.NUMBER))

    def right_basis(self, today: date) -> dict:
        """What the fees of this right depend on (FeeBasis fields), beyond being one right."""
        return {}


def number_message(kind: str, wanted: str):
    examples = numbers.examples(kind, wanted)
    if wanted == numbers.APPLICATION:
        return _l("Enter an application number in the office's format, for example %(example)s.",
                  example=examples[0])
    if wanted == numbers.REGISTRATION:
        return _l("Enter a registration number in the office's format, for example "
                  "%(example)s.", example=examples[0])
    return _l("Enter an application number (for example %(application)s) or a registration "
              "number (for example %(registration)s) in the office's format.",
              application=examples[0], registration=examples[1])


class RequestForm(PortalForm):
    TYPE = ""
    KINDS: tuple[str, ...] = ()
    LABEL = ""
    HELP = ""
    MULTIPLE = False  # may concern several rights of one holder
    NUMBER = numbers.ANY
    RIGHT_FORM: type[RightForm] = RightForm
    RIGHTS_LABEL = _l("Rights concerned")
    DOCUMENTS: dict[str, DocumentSlot] = {}
    ONLY_FOR: dict[str, set[str]] = {}
    # The page: sections of (title, field names), after the rights and the holder.
    SECTIONS: list[tuple[object, list[str]]] = []
    IP_KIND = ""

    reference = StringField(
        _l("Your reference"), validators=[MaxLength(100)],
        description=_l("Your own reference for this filing, shown in lists and on receipts."))
    holder = FormField(HolderForm, label=_l("Owner"))
    bulk = TextAreaField(
        _l("Numbers to add"), validators=[MaxLength(200_000)],
        description=_l("One right per line. Paste a list, or a spreadsheet saved as CSV, with "
                       "the columns shown below."),
        render_kw={"rows": 4})

    @classmethod
    def for_kind(cls, kind: str) -> type[RequestForm]:
        right_form = cls.RIGHT_FORM.for_kind(kind, cls.NUMBER)
        rights = EntryList(FormField(right_form), min_entries=1,
                           max_entries=MAX_RIGHTS if cls.MULTIPLE else 1, label=cls.RIGHTS_LABEL)
        hidden = {name: None for name, kinds in cls.ONLY_FOR.items() if kind not in kinds}
        if not cls.MULTIPLE:
            hidden["bulk"] = None
        return type(cls.__name__, (cls,), {"IP_KIND": kind, "rights": rights,
                                           "RIGHT_FORM": right_form, **hidden})

    # --- what lists show -------------------------------------------------------------------

    def right_numbers(self) -> list[str]:
        return [numbers.normalise(e.form.number.data) for e in self.rights.filled()
                if (e.form.number.data or "").strip()]

    def display_title(self) -> str:
        found = self.right_numbers()
        if len(found) > 1:
            return str(_l("%(first)s and %(count)d more", first=found[0], count=len(found) - 1))
        return found[0] if found else ""

    def applicant_names(self) -> list[str]:
        name = (self.holder.form.name.data or "").strip()
        return [name] if name else []

    def local_names(self) -> list[str]:
        name = (self.holder.form.name_local.data or "").strip()
        return [name] if name else []

    def section_fields(self) -> Iterable[tuple[object, list]]:
        """The page's sections with the fields this kind has."""
        for title, names in self.SECTIONS:
            present = [self[name] for name in names if name in self._fields]
            if present:
                yield title, present

    def required_documents(self) -> set[str]:
        return {name for name, slot in self.DOCUMENTS.items() if slot.required}

    # --- checks ----------------------------------------------------------------------------

    def validate_rights(self, field):
        filled = field.filled()
        if not filled:
            raise ValidationError(_l("Name the right this request concerns."))
        seen: set[str] = set()
        for entry in filled:
            number = numbers.normalise(entry.form.number.data)
            if number and number in seen:
                entry.form.number.errors.append(_l("This number is already in the list."))
            seen.add(number)

    # --- fees ------------------------------------------------------------------------------

    def fee_flags(self) -> set[str]:
        """Flags of the whole request that every right's fee may depend on."""
        return set()

    def fee_parts(self, today: date | None = None) -> list[FeeBasis]:
        today = today or office_today()
        flags = frozenset(self.fee_flags())
        parts = []
        for index, entry in enumerate(self.rights.filled()):
            extra = entry.form.right_basis(today)
            years = extra.pop("years", None)
            common = {"kind": self.IP_KIND, "filing_type": self.TYPE,
                      "first_right": int(index == 0), "further_rights": int(index > 0)}
            extra_flags = frozenset(extra.pop("flags", ())) | flags
            if years:  # annual fees: one part per year paid, the right counted once
                for position, (year, late) in enumerate(years):
                    counted = common if position == 0 else {
                        **common, "first_right": 0, "further_rights": 0}
                    parts.append(FeeBasis(**counted, **extra, year=year, late_months=late,
                                          flags=extra_flags))
            else:
                parts.append(FeeBasis(**common, **extra, flags=extra_flags))
        return parts


def date_window_problem(due: date, today: date, before_months: int, grace_months: int):
    """Why a time limit on `due` cannot be met today, or None: too early, or past the grace."""
    opens = due - relativedelta(months=before_months)
    if today < opens:
        return _l("This can be requested from %(date)s.", date=format_date(opens, "long"))
    ends = due + relativedelta(months=grace_months)
    if today > ends:
        return _l("The grace period ended on %(date)s: request restoration of the right "
                  "instead.", date=format_date(ends, "long"))
    return None
