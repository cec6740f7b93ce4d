"""The console's forms for texts the office writes in each language: its name and address, and
its notification templates. One sub-form per shipped language, named by the language's code
(`km-subject`, `fr-name`); the office's default language is the one that must be filled."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField, TextAreaField
from wtforms.validators import Regexp, ValidationError

from forms.account import strip
from forms.base import PlainForm, PortalForm
from forms.fields import IntegerField
from forms.validators import MaxLength, Optional, Required
from portal.config import LOCALES
from portal.i18n import LANGUAGE_NAMES

NAME_MAX, ADDRESS_MAX = 200, 500
SUBJECT_MAX, BODY_MAX = 300, 20000
RESPONSE_DAYS_MAX = 3650


class OfficeTextEntry(PlainForm):
    name = StringField(_l("Name of the office"), validators=[MaxLength(NAME_MAX)],
                       filters=[strip])
    address = TextAreaField(_l("Address"), validators=[MaxLength(ADDRESS_MAX)], filters=[strip],
                            render_kw={"rows": 3})


class NotificationTextEntry(PlainForm):
    subject = StringField(_l("Subject"), validators=[MaxLength(SUBJECT_MAX)], filters=[strip])
    body = TextAreaField(_l("Text"), validators=[MaxLength(BODY_MAX)], filters=[strip],
                         render_kw={"rows": 8})

    def validate_body(self, field):
        # A subject without its text (or the reverse) would reach filers half written.
        if bool(self.subject.data) != bool(field.data):
            raise ValidationError(_l("Give both the subject and the text in this language, or "
                                     "neither."))


def with_languages(entry: type[PlainForm], prefix: str = ""):
    """A class decorator: one `entry` sub-form per shipped language, after the form's own
    fields (FormMeta takes fields set on the class later too)."""

    def decorate(cls):
        for code in LOCALES:
            setattr(cls, f"{prefix}{code}", FormField(entry, label=LANGUAGE_NAMES[code]))
        cls.PREFIX = prefix
        return cls

    return decorate


class PerLanguage:
    """Reading and filling the per-language sub-forms of a form."""

    PREFIX = ""

    def entry(self, code: str) -> FormField:
        return self[f"{self.PREFIX}{code}"]

    def texts(self, keys: tuple[str, ...], only: tuple[str, ...] = LOCALES,
              ) -> dict[str, dict[str, str]]:
        out = {}
        for code in only:
            values = {k: self.entry(code).form[k].data or "" for k in keys}
            if any(values.values()):
                out[code] = values
        return out

    def fill(self, texts: dict | None, keys: tuple[str, ...]) -> None:
        for code in LOCALES:
            entry = (texts or {}).get(code) or {}
            for key in keys:
                self.entry(code).form[key].data = entry.get(key, "")


@with_languages(OfficeTextEntry)
class OfficeTextsForm(PerLanguage, PortalForm):
    """The office's name and address in each language."""


CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@with_languages(NotificationTextEntry)
class NotificationTemplateForm(PerLanguage, PortalForm):
    """A notification template: its code and title, and its texts in each language."""

    code = StringField(_l("Code"), validators=[
        Required(), MaxLength(40),
        Regexp(CODE, message=_l("Use small letters, digits, dots, dashes and underscores, "
                                "starting with a letter or digit."))],
        filters=[strip],
        description=_l("A short name for staff, such as formal-deficiencies."))
    title = StringField(_l("Title (for staff)"), validators=[Required(), MaxLength(200)],
                        filters=[strip])
    response_days = IntegerField(
        _l("Response period in days (optional)"), validators=[Optional()],
        description=_l("When the template is chosen, the response deadline is set this many "
                       "days after the day of sending."))

    def __init__(self, *args, office_locale: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.office_locale = office_locale

    def validate_response_days(self, field):
        if field.data is not None and not 1 <= field.data <= RESPONSE_DAYS_MAX:
            raise ValidationError(_l("Between 1 and %(max)d days.", max=RESPONSE_DAYS_MAX))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        own = self.entry(self.office_locale).form
        if not own.subject.data and not own.subject.errors:
            own.subject.errors = [*own.subject.errors, _l(
                "The office's default language (%(language)s) must be filled.",
                language=LANGUAGE_NAMES.get(self.office_locale, self.office_locale))]
            return False
        return valid
