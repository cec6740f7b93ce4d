"""Field classes whose own messages come from the portal's catalogs."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import fields, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

INVALID_CHOICE = _l("Choose one of the options offered.")
INVALID_DATE = _l("Enter a real date, for example 2026-03-31.")
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


class _StopOnBadInput:
    """A value that could not be read is reported once, without the validators' messages."""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class DateField(_StopOnBadInput, fields.DateField):
    """A date input (the browser shows its own picker in the user's language)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([valuelist[0].strip()])
        except ValueError as exc:
            self.data = None
            raise ValueError(INVALID_DATE) from exc


class IntegerField(_StopOnBadInput, fields.IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(INVALID_NUMBER) from exc


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
