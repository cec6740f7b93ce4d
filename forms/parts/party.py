"""Parties: applicants and owners, inventors, designers. Names in Latin and the local script."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.base import PlainForm
from forms.fields import RadioField, SelectField, choices
from forms.parts.countries import country_choices
from forms.validators import EmailAddress, MaxLength, Optional, Required  # noqa: F401
from portal import local_script


def _countries():
    return country_choices(organisations=False)


# --- the local script (portal.local_script) -------------------------------------------------

def _local_label_text(what: str) -> str:
    language = local_script.local_language()
    if language is None:
        return {"name": _("Name in the local script"),
                "address": _("Address in the local script"),
                "new_name": _("New name in the local script"),
                "new_address": _("New address in the local script")}[what]
    name = local_script.language_name(language)
    return {"name": _("Name in %(language)s", language=name),
            "address": _("Address in %(language)s", language=name),
            "new_name": _("New name in %(language)s", language=name),
            "new_address": _("New address in %(language)s", language=name)}[what]


def local_label(what: str) -> LazyString:
    """The label of a local-script field, naming the office's local language when it has one
    ("Name in Khmer"), in the reader's language: `what` is name, address, new_name or
    new_address."""
    return LazyString(_local_label_text, what)


def _missing_local(what: str, language: str | None) -> str:
    if language is None:
        if what == "address":
            return _("Give the address in the local script too: the office requires it for "
                     "its nationals.")
        return _("Give the name in the local script too: the office requires it for its "
                 "nationals.")
    name = local_script.language_name(language)
    if what == "address":
        return _("Give the address in %(language)s too: the office requires it for its "
                 "nationals.", language=name)
    return _("Give the name in %(language)s too: the office requires it for its nationals.",
             language=name)


def check_local(field, what: str = "name", *, national: bool = False) -> None:
    """The rules of a local-script field: given by the office's nationals when the office
    requires it (`what`: name or address), and written in the local language's script."""
    text = (field.data or "").strip()
    language = local_script.local_language()
    if not text:
        if national and local_script.required_for_nationals():
            raise ValidationError(_missing_local(what, language))
        return
    if local_script.checks_script(language):
        script = local_script.script_of(language)
        if not local_script.in_script(text, script):
            raise ValidationError(_(
                "Write this in %(script)s script: the version in Latin letters has its own "
                "field.", script=local_script.script_name(script)))


def is_national(nationality: str | None) -> bool:
    """Whether a party of this nationality (a state of incorporation, for an entity) is one of
    the office's nationals."""
    country = local_script.office_country()
    return bool(country and nationality and nationality == country)


class PartyForm(PlainForm):
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
        local_label("name"), validators=[MaxLength(300)],
        description=_l("The same name as written in the local script (for example Khmer or "
                       "Lao), if it has one."), render_kw={"dir": "auto"})
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
    address_local = TextAreaField(local_label("address"), validators=[MaxLength(500)],
                                  render_kw={"rows": 3, "dir": "auto"})
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

    def is_national(self) -> bool:
        """A person by nationality, an entity by its state of incorporation."""
        if self.kind.data == "entity":
            return is_national(self.state_of_incorporation.data)
        return is_national(self.nationality.data)

    def validate_name_local(self, field):
        check_local(field, "name", national=self.is_national())

    def validate_address_local(self, field):
        check_local(field, "address", national=self.is_national())


class InventorForm(PlainForm):
    """An inventor or designer: always a natural person."""

    name = StringField(_l("Name in Latin script"), validators=[Required(), MaxLength(300)])
    name_local = StringField(local_label("name"), validators=[MaxLength(300)],
                             render_kw={"dir": "auto"})
    address = TextAreaField(_l("Address"), validators=[Required(), MaxLength(500)],
                            render_kw={"rows": 3})
    country = SelectField(_l("Country of residence"), choices=_countries,
                          validators=[Required()])
    nationality = SelectField(_l("Nationality"), choices=_countries)

    def validate_name_local(self, field):
        check_local(field, "name", national=is_national(self.nationality.data))


class PatentInventorForm(InventorForm):
    not_named = BooleanField(
        _l("The inventor asks not to be named in the publication"),
        description=_l("Where the law allows, an inventor may ask that their name is not "
                       "published. The office still records it."))
