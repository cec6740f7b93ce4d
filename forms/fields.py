"""Field classes whose own messages come from the portal's catalogs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import fields, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from forms import amounts, dates

INVALID_CHOICE = _l("Choose one of the options offered.")
INVALID_NUMBER = _l("Enter a whole number, for example 12.")


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class _EmptyIsNotAChoice:
    """Nothing chosen is for Required() to report, not "not a valid choice"."""

    def __init__(self, *args, invalid_choice_message=INVALID_CHOICE, **kwargs):
        super().__init__(*args, invalid_choice_message=invalid_choice_message, **kwargs)

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class SelectField(_EmptyIsNotAChoice, fields.SelectField):
    pass


class RadioField(_EmptyIsNotAChoice, fields.RadioField):
    pass


class CheckboxesField(fields.SelectMultipleField):
    """Several of the choices, as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        offered = {value for value, *_rest in self.iter_choices()}
        if any(value not in offered for value in self.data or []):
            raise StopValidation(INVALID_CHOICE)


class _ReadTheReadersWay:
    """A value typed as text and read the reader's way (`read`), shown the reader's way
    (`shown`), kept in a plain form (`plain`); what cannot be read is refused with `refused`
    once, without the validators' messages, and shown and kept as typed."""

    def read(self, text: str):
        raise NotImplementedError

    def refused(self, text: str) -> str:
        raise NotImplementedError

    def shown(self) -> str:
        return str(self.data)

    def plain(self) -> str:
        return str(self.data)

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        if not text or not text.strip():
            self.data = None
            return
        try:
            self.data = self.read(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.refused(text)) from exc

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        if self.data is not None and not self.process_errors:
            return self.shown()
        return self.raw_data[0] if self.raw_data else ""

    def stored_values(self) -> list[str]:
        """What a draft keeps: the plain form, or the text typed when it could not be read."""
        if self.data is not None and not self.process_errors:
            return [self.plain()]
        return list(self.raw_data or [""])


class DateField(_ReadTheReadersWay, fields.DateField):
    """A date typed as text in the reader's numeric format (31/03/2026 in French, 3/31/2026 in
    English), or in ISO 8601, in the digits of any script (forms.dates).

    Not a browser date input: browsers show their picker in their own language, not the
    page's. What is kept (drafts, the API) is ISO 8601, whatever was typed; what is shown is
    the reader's format, or the text typed when it could not be read.
    """

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, render_kw=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **(render_kw or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def read(self, text: str):
        return dates.current_format().parse(text)

    def refused(self, text: str) -> str:
        return dates.invalid_message(text)

    def shown(self) -> str:
        return dates.current_format().format(self.data)

    def plain(self) -> str:
        """What a draft keeps: ISO 8601."""
        return self.data.isoformat()

    @property
    def format_hint(self) -> str:
        """The format to type, for the hint under the field."""
        return dates.hint()


class IntegerField(_ReadTheReadersWay, fields.IntegerField):
    """A whole number in the digits of any script (Khmer ១២, Lao ໑໒, Arabic-Indic ١٢), with
    the reader's digit grouping allowed ("1 000" in French, "1.000" in Spanish)."""

    def read(self, text: str):
        return read_whole_number(text)

    def refused(self, text: str) -> str:
        return INVALID_NUMBER


class AmountField(_ReadTheReadersWay, fields.DecimalField):
    """An amount or a percent, as Decimal, read the reader's way or in the plain form "12.50"
    (forms.amounts: "12,5" is 12.5 in French, "1.500" is 1500 in Spanish). Shown the reader's
    way without grouping and with every decimal the value holds (at least `places`, if given),
    or as typed when it could not be read. Hidden fields and links carry `plain_value`."""

    widget = widgets.TextInput()  # a browser's number input refuses the reader's decimal comma

    def __init__(self, label=None, validators=None, places=None, render_kw=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(render_kw or {})}
        super().__init__(label, validators, places=places, render_kw=render_kw, **kwargs)

    def read(self, text: str):
        return amounts.read_amount(text)

    def refused(self, text: str) -> str:
        return amounts.invalid_message()

    def shown(self) -> str:
        return amounts.show_amount(self.data, self.places)

    def plain(self) -> str:
        return amounts.plain_amount(self.data)

    @property
    def plain_value(self) -> str:
        """The amount in the plain form every locale reads back exactly ("12.50")."""
        return "" if self.data is None else amounts.plain_amount(self.data)


def read_whole_number(text: str) -> int:
    """A whole number written with any script's digits; ValueError when it is not one."""
    digits = dates.ascii_digits(text)
    if re.fullmatch(r"[+-]?\d+", digits):
        return int(digits)
    from babel.numbers import get_group_symbol
    from flask_babel import get_locale

    groups = re.escape(get_group_symbol(get_locale() or "en")) + r"\s\u00a0\u202f"
    if re.fullmatch(rf"\d{{1,3}}(?:[{groups}]\d{{3}})+", digits):
        return int(re.sub(r"\D", "", digits))
    raise ValueError(f"not a whole number: {text!r}")


class EntryList(fields.FieldList):
    """A list of sub-forms in which entries left completely blank are ignored."""

    def validate(self, form, extra_validators=()):
        self.errors = []
        keep = [e for e in self.entries if not is_blank(e)]
        for entry in keep:
            if not entry.validate(form):
                self.errors.append(entry.errors)
        chain = list(self.validators) + list(extra_validators)
        self._run_validation_chain(form, chain)
        return not any(self.errors)

    def filled(self) -> list:
        return [e for e in self.entries if not is_blank(e)]


def is_blank(entry) -> bool:
    """True when a sub-form holds nothing the user typed (hidden keys and defaults excepted)."""
    for field in entry.form if hasattr(entry, "form") else [entry]:
        if field.type in ("HiddenField", "CSRFTokenField", "RadioField", "BooleanField"):
            continue
        data = field.data
        if isinstance(data, str):
            data = data.strip()
        if data not in (None, "", [], 0) or (field.raw_data and any(
                v.strip() for v in field.raw_data if isinstance(v, str))):
            return False
    return True
