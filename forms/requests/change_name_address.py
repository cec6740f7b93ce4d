"""3. Recordal of a change in the owner's name and/or address (no change of owner)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import RadioField, SelectField, choices
from forms.parts.countries import country_choices
from forms.parts.party import check_local, local_label
from forms.requests.base import DocumentSlot, RequestForm, require_when
from forms.validators import MaxLength, Required

CHANGES = [("name", _l("The name")), ("address", _l("The address")),
           ("both", _l("The name and the address"))]


class ChangeNameAddressForm(RequestForm):
    TYPE = "change_name_address"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Change of the owner's name or address")
    HELP = _l("Record a new name or address of the same owner, for all of its rights at once.")
    MULTIPLE = True
    DOCUMENTS = {"evidence": DocumentSlot(
        "evidence", _l("Proof of the change of name (for example an extract of the commercial "
                       "register)"), accept="application/pdf,image/png,image/jpeg")}
    SECTIONS = [(_l("The change"), ["change", "new_name", "new_name_local", "new_address",
                                    "new_address_local", "new_country"])]

    change = RadioField(_l("What changes"), choices=choices(CHANGES), validators=[Required()])
    new_name = StringField(_l("New name in Latin script"), validators=[MaxLength(300)])
    new_name_local = StringField(local_label("new_name"), validators=[MaxLength(300)],
                                 render_kw={"dir": "auto"})
    new_address = TextAreaField(_l("New address"), validators=[MaxLength(500)],
                                render_kw={"rows": 3})
    new_address_local = TextAreaField(local_label("new_address"), validators=[MaxLength(500)],
                                      render_kw={"rows": 3, "dir": "auto"})
    new_country = SelectField(_l("Country of residence or seat"),
                              choices=lambda: country_choices(organisations=False))

    def validate_new_name(self, field):
        require_when(self.change.data in ("name", "both"), field, _l("Enter the new name."))
        if (field.data or "").strip() and (field.data.strip().casefold()
                                           == (self.holder.form.name.data or "").strip()
                                           .casefold()):
            raise ValidationError(_l("The new name is the same as the owner's present name."))

    def validate_new_name_local(self, field):
        check_local(field, "name")

    def validate_new_address_local(self, field):
        check_local(field, "address")

    def validate_new_address(self, field):
        require_when(self.change.data in ("address", "both"), field, _l("Enter the new address."))

    def validate_new_country(self, field):
        if self.change.data in ("address", "both") and not field.data:
            raise ValidationError(_l("Choose the country of the new address."))

    def required_documents(self) -> set[str]:
        return {"evidence"} if self.change.data in ("name", "both") else set()
