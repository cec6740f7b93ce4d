"""10. Response to a notification (office action): linked to the notification it answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import DateField
from forms.requests.base import DocumentSlot, RequestForm, not_in_future
from forms.validators import MaxLength, Required


class ResponseForm(RequestForm):
    TYPE = "response"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Response to a notification")
    HELP = _l("Answer an office action: arguments, amendments and evidence, before its "
              "deadline.")
    DOCUMENTS = {
        "response_pdf": DocumentSlot("response", _l("Response (signed letter)"), multiple=True),
        "amendments": DocumentSlot("other", _l("Amended documents (claims, description, list "
                                               "of goods, drawings)"), multiple=True,
                                   accept="application/pdf,image/png,image/jpeg"),
        "evidence": DocumentSlot("evidence", _l("Evidence"), multiple=True,
                                 accept="application/pdf,image/png,image/jpeg"),
    }
    SECTIONS = [(_l("The notification answered"), ["notification_ref", "notification_date"]),
                (_l("Your response"), ["response"])]

    notification_id = HiddenField()
    notification_ref = StringField(
        _l("Office's reference of the notification"), validators=[Required(), MaxLength(100)],
        description=_l("As printed on the notification."))
    notification_date = DateField(_l("Date of the notification"),
                                  validators=[Required(), not_in_future])
    response = TextAreaField(
        _l("Response"), validators=[MaxLength(50000)],
        description=_l("Your arguments; or upload a signed letter below."),
        render_kw={"rows": 10})

    def validate_response(self, field):
        # Either typed here or uploaded: required_documents asks for the letter otherwise.
        if field.data and not field.data.strip():
            raise ValidationError(_l("Enter your response."))

    def required_documents(self) -> set[str]:
        return set() if (self.response.data or "").strip() else {"response_pdf"}
