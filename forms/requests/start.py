"""Starting a request: the kind of right it concerns, and its number to fill the form from."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from forms.base import PortalForm
from forms.fields import RadioField, choices
from forms.requests.base import number_message
from forms.validators import MaxLength, Required
from portal.filings.models import IP_KIND_LABELS, IPKind
from portal.rights import numbers


class StartRequestForm(PortalForm):
    kind = RadioField(_l("The right is a"), validators=[Required()])
    number = StringField(
        _l("Office number of the right"), validators=[MaxLength(40)],
        description=_l("Optional. When the right was filed through this portal, the form is "
                       "filled in from it."))
    notification_id = HiddenField()

    def __init__(self, request_form, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_form = request_form
        self.kind.choices = choices((kind, IP_KIND_LABELS[IPKind(kind)])
                                    for kind in request_form.KINDS)
        if len(request_form.KINDS) == 1 and not self.kind.data:
            self.kind.data = request_form.KINDS[0]

    def validate_number(self, field):
        value = numbers.normalise(field.data)
        if value and self.kind.data in self.request_form.KINDS and not numbers.matches(
                self.kind.data, value, self.request_form.NUMBER):
            raise ValidationError(number_message(self.kind.data, self.request_form.NUMBER))
