"""Field classes whose own messages come from the portal's catalogs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import fields
from wtforms.validators import ValidationError

INVALID_CHOICE = _l("Choose one of the options offered.")


class _ChoiceCheck:
    def pre_validate(self, form):
        if self.data is None or self.data == "":
            return  # a Required() validator says what is missing
        if not any(value == self.data for value, *_ in self.iter_choices()):
            raise ValidationError(INVALID_CHOICE)


class SelectField(_ChoiceCheck, fields.SelectField):
    pass


class RadioField(_ChoiceCheck, fields.RadioField):
    pass
