"""Forms of the office console's payment pages: rejecting a transfer, crediting a top-up, date
filters and deposit account adjustments (confirming a transfer uses forms.office)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from forms import office
from forms.base import PortalForm
from forms.fields import AmountField, DateField, RadioField, choices
from forms.validators import MaxLength, NumberRange, Optional, Required


def not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))


class RejectTransferForm(office.RejectTransferForm):
    """The reason is mailed to the payer: spaces alone are no reason."""

    validate_reason = not_blank


class TopUpForm(office.TopUpForm):
    amount = AmountField(_l("Amount"), validators=[Required(), NumberRange(
        min=Decimal("0.01"), max=Decimal("1000000000000"),
        message=_l("Enter an amount from %(min)s to %(max)s."))])
    validate_note = not_blank


class DateRangeForm(PortalForm):
    """A listing's date filter, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    since = DateField(lazy_pgettext("date range", "From"), validators=[Optional()])
    until = DateField(lazy_pgettext("date range", "To"), validators=[Optional()])
    q = StringField(_l("Order number"), validators=[Optional(), MaxLength(40)])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))


class AdjustmentForm(PortalForm):
    direction = RadioField(_l("Adjustment"), choices=choices([
        ("credit", _l("Credit (add to the balance)")),
        ("debit", _l("Debit (take from the balance)"))]), validators=[Required()])
    amount = AmountField(_l("Amount"), validators=[Required(), NumberRange(
        min=Decimal("0.01"), max=Decimal("1000000000000"),
        message=_l("Enter an amount from %(min)s to %(max)s."))])
    reason = TextAreaField(_l("Reason"), validators=[Required(), MaxLength(300)],
                           description=_l("Shown on the account's statement and kept in the "
                                          "audit log."), render_kw={"rows": 2})

    validate_reason = not_blank
