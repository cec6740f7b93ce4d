"""Forms of the office console's Tariff pages (admin only). They read input; what a tariff may
hold is checked by payments.tariff_check, whose problems the views put on these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, FormField, HiddenField, StringField

from forms.base import PlainForm, PortalForm
from forms.fields import AmountField, DateField
from forms.validators import MaxLength, Optional, Required

START_HELP = _l(
    "The first day the new fees apply, in the office's time zone. It must be after today: "
    "fees already shown today, in forms and carts, stay as shown until the end of the day. "
    "Orders keep the fees of their checkout whatever the tariff becomes.")


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
