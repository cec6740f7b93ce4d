"""Forms of the office console's Tariff pages (admin only). They read input; what a tariff may
hold is checked by payments.tariff_check, whose problems the views put on these fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, FormField, HiddenField, StringField
from wtforms.fields import DecimalField

from forms.base import PlainForm, PortalForm
from forms.fields import DateField
from forms.validators import MaxLength, Optional, Required

START_HELP = _l(
    "The first day the new fees apply, in the office's time zone. It must be after today: "
    "fees already shown today, in forms and carts, stay as shown until the end of the day. "
    "Orders keep the fees of their checkout whatever the tariff becomes.")
INVALID_AMOUNT = _l("Enter an amount in figures, for example 400000 or 12.50.")


class AmountField(DecimalField):
    """A decimal read exactly (no float), with the portal's own message when unreadable."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = Decimal(valuelist[0].strip().replace(",", "").replace(" ", ""))
        except InvalidOperation as exc:
            self.data = None
            raise ValueError(INVALID_AMOUNT) from exc
        if not self.data.is_finite():
            self.data = None
            raise ValueError(INVALID_AMOUNT)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")


class RuleEditForm(PlainForm):
    """One row of the rules table: the fee's code, its amount (a reduction's percent) and its
    name in the user's language."""

    code = HiddenField()
    amount = AmountField(_l("Amount"), validators=[Required()])
    name = StringField(_l("Name"), validators=[MaxLength(300)])


class NewVersionForm(PortalForm):
    name = StringField(_l("Name of the new version"), validators=[Required(), MaxLength(200)])
    valid_from = DateField(_l("In force from"), validators=[Required()], description=START_HELP)
    # The tariff the rows start from, signed by the page (file format): rows cannot drift.
    base = HiddenField()
    rules = FieldList(FormField(RuleEditForm), label=_l("Rules"))


class UploadTariffForm(PortalForm):
    file = FileField(_l("Tariff file (JSON)"), validators=[
        FileRequired(message=_l("Choose the tariff file to upload."))],
        description=_l("The format of payments/data/tariff_demo.json; download a version "
                       "from its page to start from it."))
    valid_from = DateField(_l("In force from (optional)"), validators=[Optional()],
                           description=_l(
                               "Leave empty to use the file's valid_from. Either must be after "
                               "today, in the office's time zone: fees already shown today "
                               "stay as shown until the end of the day."))


class ConfirmVersionForm(PortalForm):
    proposal = HiddenField(validators=[Required()])


class ButtonForm(PortalForm):
    """A button and its CSRF token: delete a scheduled version, go back to change one."""
