"""Parties: applicants and owners, inventors, designers. Names in Latin and the local script."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, Form, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import RadioField, SelectField, choices
from forms.parts.countries import country_choices
from forms.validators import EmailAddress, MaxLength, Optional, Required  # noqa: F401


def _countries():
    return country_choices(organisations=False)


class PartyForm(Form):
    """An applicant or owner: a natural person or a legal entity."""

    client_id = HiddenField()
    kind = RadioField(
        _l("The applicant is"),
        choices=choices([("person", _l("A natural person")),
                         ("entity", _l("A legal entity (company, university, institution)"))]),
        default="person", validators=[Required()])
    name = StringField(
        _l("Name in Latin script"), validators=[Required(), MaxLength(300)],
        description=_l("Family name and given names of a person, or the full official name of "
                       "a legal entity, in Latin letters."))
    name_local = StringField(
        _l("Name in the local script"), validators=[MaxLength(300)],
        description=_l("The same name as written in the local script (for example Khmer or "
                       "Lao), if it has one."))
    legal_form = StringField(
        _l("Legal form"), validators=[MaxLength(100)],
        description=_l("Legal entities only: for example limited company, public university."))
    state_of_incorporation = SelectField(
        _l("State of incorporation"), choices=_countries,
        description=_l("Legal entities only: the country under whose law the entity was "
                       "formed."))
    address = TextAreaField(
        _l("Address"), validators=[Required(), MaxLength(500)],
        description=_l("Street and number, city, postal code, province."),
        render_kw={"rows": 3})
    address_local = TextAreaField(_l("Address in the local script"),
                                  validators=[MaxLength(500)], render_kw={"rows": 3})
    country = SelectField(_l("Country of residence or seat"), choices=_countries,
                          validators=[Required()])
    nationality = SelectField(
        _l("Nationality"), choices=_countries, description=_l("Natural persons only."))
    email = EmailField(_l("Email address"), validators=[Optional(), MaxLength(254),
                                                        EmailAddress()])
    phone = StringField(_l("Telephone"), validators=[MaxLength(40)])

    def validate_legal_form(self, field):
        if self.kind.data == "entity" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the legal form of the entity."))

    def validate_nationality(self, field):
        if self.kind.data == "person" and not field.data:
            raise ValidationError(_l("Choose the nationality of the person."))


class InventorForm(Form):
    """An inventor or designer: always a natural person."""

    name = StringField(_l("Name in Latin script"), validators=[Required(), MaxLength(300)])
    name_local = StringField(_l("Name in the local script"), validators=[MaxLength(300)])
    address = TextAreaField(_l("Address"), validators=[Required(), MaxLength(500)],
                            render_kw={"rows": 3})
    country = SelectField(_l("Country of residence"), choices=_countries,
                          validators=[Required()])
    nationality = SelectField(_l("Nationality"), choices=_countries)


class PatentInventorForm(InventorForm):
    not_named = BooleanField(
        _l("The inventor asks not to be named in the publication"),
        description=_l("Where the law allows, an inventor may ask that their name is not "
                       "published. The office still records it."))
