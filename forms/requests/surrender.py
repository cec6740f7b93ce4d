"""13. Surrender of a registration, total or partial."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import RadioField, choices
from forms.requests.base import DocumentSlot, RequestForm, require_when
from forms.validators import MaxLength, Required
from portal.rights import numbers

SCOPES = [("total", _l("The whole registration")),
          ("partial", _l("Some classes, goods, services, designs or claims only"))]
THIRD_PARTIES = [("none", _l("No licence or security interest is recorded on it")),
                 ("consent", _l("Licensees or creditors are recorded: their consent is "
                                "attached"))]


class SurrenderForm(RequestForm):
    TYPE = "surrender"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Surrender of a registration")
    HELP = _l("Give up a registration, or part of it, from the date the office records it.")
    NUMBER = numbers.REGISTRATION
    RIGHTS_LABEL = lazy_pgettext("registered right", "Registration")
    DOCUMENTS = {"consent": DocumentSlot("deed", _l("Consent of the licensees or creditors"))}
    SECTIONS = [(_l("Surrender"), ["scope", "scope_detail", "third_parties", "confirm"])]

    scope = RadioField(_l("What is surrendered"), choices=choices(SCOPES), default="total",
                       validators=[Required()])
    scope_detail = TextAreaField(_l("Classes, goods, services, designs or claims surrendered"),
                                 validators=[MaxLength(20000)], render_kw={"rows": 4})
    third_parties = RadioField(_l("Rights of others"), choices=choices(THIRD_PARTIES),
                               default="none", validators=[Required()])
    confirm = BooleanField(_l("I understand that a surrender cannot be undone."))

    def validate_scope_detail(self, field):
        require_when(self.scope.data == "partial", field, _l("Say what is surrendered."))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Confirm that you want to surrender the registration."))

    def required_documents(self) -> set[str]:
        return {"consent"} if self.third_parties.data == "consent" else set()
