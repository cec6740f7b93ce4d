"""Forms of the payer's pages."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from forms.base import PortalForm
from forms.fields import AmountField, RadioField, choices
from forms.validators import NumberRange, Required


class TopUpRequestForm(PortalForm):
    amount = AmountField(_l("Amount"), places=2, validators=[Required(), NumberRange(
        min=Decimal("1"), max=Decimal("1000000000000"),
        message=_l("Enter an amount from %(min)s to %(max)s."))])
    method = RadioField(_l("How do you want to pay?"), choices=choices([("stripe", _l("Card")),
                                                       ("bank_transfer", _l("Bank transfer"))]),
                        default="bank_transfer", validators=[Required()])
