"""18. Limitation of the list of goods and services of a trademark application or
registration: the list as it is to read after the limitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FormField
from wtforms.validators import ValidationError

from forms.fields import EntryList
from forms.parts.goods import NiceClassForm
from forms.requests.base import RequestForm


class LimitationForm(RequestForm):
    TYPE = "limitation"
    KINDS = ("trademark",)
    LABEL = _l("Limitation of the goods and services")
    HELP = _l("Narrow the list of goods and services of a trademark, for example to overcome "
              "an objection; a limitation cannot add anything.")
    SECTIONS = [(_l("Goods and services after the limitation"), ["goods"])]

    goods = EntryList(FormField(NiceClassForm), min_entries=1, max_entries=45,
                      label=_l("Goods and services as limited"))

    def validate_goods(self, field):
        found = [e.form.class_number.data for e in field.filled()]
        if not found:
            raise ValidationError(_l("Keep at least one class: to give up every class, "
                                     "surrender the registration or withdraw the "
                                     "application."))
        if len(set(found)) != len(found):
            raise ValidationError(_l("Each class may appear only once: put all its goods or "
                                     "services together."))
