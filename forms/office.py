"""Forms of the office console."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import NumberRange

from forms.base import PortalForm
from forms.fields import AmountField, DateField
from forms.validators import MaxLength, Optional, Required


class ConfirmTransferForm(PortalForm):
    booked_on = DateField(_l("Booked on"), validators=[Required()],
                          description=_l("The date the bank booked the transfer."))


class RejectTransferForm(PortalForm):
    reason = TextAreaField(_l("Reason"), validators=[Required(), MaxLength(1000)],
                           description=_l("Mailed to the payer."), render_kw={"rows": 2})


class TopUpForm(PortalForm):
    amount = AmountField(
        _l("Amount"), places=2, validators=[Required(), NumberRange(
            min=Decimal("0.01"), message=_l("Enter an amount greater than zero."))])
    note = StringField(_l("Bank reference or note"), validators=[Required(), MaxLength(300)])


class RefundForm(PortalForm):
    amount = AmountField(
        _l("Amount (leave empty for all of it)"), places=2, validators=[Optional(), NumberRange(
            min=Decimal("0.01"), message=_l("Enter an amount greater than zero."))])
    reason = StringField(_l("Reason"), validators=[Required(), MaxLength(500)])


class ReplayForm(PortalForm):
    """Send a rejected or dead delivery to the back office again (the button is the form)."""
