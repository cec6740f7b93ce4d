"""8. Change of the address for correspondence or service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField

from forms.fields import SelectField
from forms.parts.countries import country_choices
from forms.requests.base import RequestForm
from forms.validators import EmailAddress, MaxLength, Optional, Required


class CorrespondenceAddressForm(RequestForm):
    TYPE = "correspondence_address"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Change of the address for correspondence")
    HELP = _l("Tell the office where to send its letters and notifications about the rights.")
    MULTIPLE = True
    SECTIONS = [(_l("New address for correspondence"), ["addressee", "address", "country",
                                                        "email", "phone"])]

    addressee = StringField(_l("Addressee"), validators=[Required(), MaxLength(300)],
                            description=_l("The person or firm the office writes to."))
    address = TextAreaField(_l("Address"), validators=[Required(), MaxLength(500)],
                            render_kw={"rows": 3})
    country = SelectField(_l("Country"), choices=lambda: country_choices(organisations=False),
                          validators=[Required()])
    email = EmailField(_l("Email address"), validators=[Optional(), MaxLength(254),
                                                         EmailAddress()])
    phone = StringField(_l("Telephone"), validators=[MaxLength(40)])
