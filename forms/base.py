"""The base form: Flask-WTF (CSRF on every form), and the error list for the page's summary.

WTForms' and Flask-WTF's own messages ("Not a valid decimal value.", "The CSRF token is
missing.") are looked up in the portal's catalogs, not in WTForms' (which lack Khmer, Lao and
Vietnamese): forms/wtforms_messages.py puts them in translations/messages.pot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField
from wtforms.validators import ValidationError


def walk_errors(form, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(field id, label, message) of every error, lists and sub-forms included, in page order.

    A field inside a list is labelled with the list and its position ("Applicants 2: Name").
    """
    for field in form:
        label = f"{prefix}{field.label.text}"
        if isinstance(field, FieldList):
            for message in field.errors:
                if not isinstance(message, dict | list):
                    yield field.id, label, str(message)
            for number, entry in enumerate(field.entries, 1):
                entry_prefix = _("%(list)s %(n)d: ", list=label, n=number)
                if isinstance(entry, FormField):
                    yield from walk_errors(entry.form, entry_prefix)
                else:
                    for message in entry.errors:
                        yield entry.id, entry_prefix.rstrip(": "), str(message)
        elif isinstance(field, FormField):
            yield from walk_errors(field.form, f"{label}: ")
        else:
            for message in field.errors:
                yield field.id, label, str(message)


class PortalTranslations:
    """What WTForms asks a form's translations for, answered from the portal's catalogs in the
    request's language. The strings come back unformatted: WTForms fills in %(min)d itself."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = PortalTranslations()
CSRF_LABEL = _l("Security token of the form")


class PortalCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF check, with its messages (raised in English) and the token field's
    label translated. CSRFProtect checks every POST before the view, so a form reports these
    only where the app-wide check is exempted."""

    def setup_form(self, form):
        fields = super().setup_form(form)
        for _name, unbound in fields:
            unbound.kwargs["label"] = CSRF_LABEL
        return fields

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as exc:
            raise ValidationError(TRANSLATIONS.gettext(str(exc.args[0]))) from exc


# Characters no one types and nothing downstream takes: NUL (PostgreSQL refuses it in text) and
# the other C0 controls and non-characters that XML 1.0 (the ST.96 export) cannot carry. Tab,
# line feed and carriage return are typed; bidirectional marks are text.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTROL_CHARACTER_MESSAGE = _l("This contains invisible control characters that cannot be "
                               "saved. Remove them and try again.")


def refuse_control_characters(value):
    """A filter of every field of the portal's forms: its error is the field's (WTForms keeps
    a filter's ValueError as a process error), and the text typed stays in the page."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError(CONTROL_CHARACTER_MESSAGE)
    return value


def bind_refusing_control_characters(unbound_field, form, options):
    if issubclass(unbound_field.field_class, FieldList | FormField):  # their fields have it
        return unbound_field.bind(form=form, **options)
    filters = (refuse_control_characters, *unbound_field.kwargs.get("filters", ()))
    return unbound_field.bind(form=form, **{**options, "filters": filters})


class PortalForm(FlaskForm):
    """All portal forms derive from this one."""

    class Meta:
        csrf_class = PortalCSRF

        def get_translations(self, form):
            return TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            return bind_refusing_control_characters(unbound_field, form, options)

        def wrap_formdata(self, form, formdata):
            """Without the parts of a hand-made multipart body that have no name (Werkzeug
            keeps them under None, which the lists of sub-forms cannot read)."""
            formdata = super().wrap_formdata(form, formdata)
            if formdata is not None and None in formdata:
                formdata = MultiDict([(key, value) for key, value in formdata.items(multi=True)
                                      if key is not None])
            return formdata

    def error_list(self) -> list[tuple[str, str, str]]:
        return list(walk_errors(self))


class PlainForm(Form):
    """A form without CSRF token: the sub-forms of FormField and lists (their parent has the
    token), and filters read from the query string. Same translations as PortalForm."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            return bind_refusing_control_characters(unbound_field, form, options)
