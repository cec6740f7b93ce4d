"""The console's form for a notification sent by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.account import strip
from forms.base import PortalForm
from forms.fields import DateField
from forms.office_texts import NotificationTextEntry, PerLanguage, with_languages
from forms.validators import MaxLength, Required


@with_languages(NotificationTextEntry, prefix="text_")
class NotificationForm(PerLanguage, PortalForm):
    """Subject and text in the office's default language; the other languages' sub-forms
    (`text_km-subject`...) are optional."""

    # Made when the form is first shown and sent back with it: one notification per form.
    event_id = HiddenField()
    template = HiddenField()  # the code of the template it was filled from, for the audit
    subject = StringField(_l("Subject"), validators=[Required(), MaxLength(300)],
                          filters=[strip])
    body = TextAreaField(_l("Text"), validators=[Required(), MaxLength(20000)],
                         render_kw={"rows": 10},
                         description=_l("What the filer reads in the portal and in the mail "
                                        "alert."))
    document = FileField(_l("The notification as PDF (optional)"),
                         render_kw={"accept": "application/pdf,.pdf"},
                         description=_l("If the page shows a problem, choose the file again."))
    response_due = DateField(_l("Response due by (optional)"),
                             description=_l("Shown to the filer as a deadline on the "
                                            "dashboard."))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_response_due(self, field):
        if field.data and self.today and field.data < self.today:
            raise ValidationError(_l("The response deadline cannot be in the past."))
