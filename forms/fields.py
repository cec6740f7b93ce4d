"""Field classes whose own messages come from the portal's catalogs."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import fields
from wtforms.fields.choices import SelectChoice

INVALID_CHOICE = _l("Choose one of the options offered.")


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class SelectField(fields.SelectField):
    def __init__(self, *args, invalid_choice_message=INVALID_CHOICE, **kwargs):
        super().__init__(*args, invalid_choice_message=invalid_choice_message, **kwargs)


class RadioField(fields.RadioField):
    def __init__(self, *args, invalid_choice_message=INVALID_CHOICE, **kwargs):
        super().__init__(*args, invalid_choice_message=invalid_choice_message, **kwargs)
