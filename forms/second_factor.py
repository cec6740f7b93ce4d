"""Forms of the second factor: the login's second step, enrolment, recovery codes, turning off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField

from forms.account import strip
from forms.base import PortalForm
from forms.validators import MaxLength, Required

_CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false",
               "autocorrect": "off", "size": "16"}


def any_code_field(field_id: str | None = None) -> StringField:
    """The code of the app, or a recovery code instead. `field_id` tells apart the fields of
    two forms on one page (their names stay `code`)."""
    return StringField(
        _l("Code"), validators=[Required(), MaxLength(64)], filters=[strip], id=field_id,
        description=_l("The 6-digit code your authenticator app shows now. Without your "
                       "device, one of your recovery codes."),
        render_kw=dict(_CODE_ATTRS))


class SecondFactorLoginForm(PortalForm):
    code = any_code_field()


class EnrolForm(PortalForm):
    code = StringField(
        _l("Code from the app"), validators=[Required(), MaxLength(64)], filters=[strip],
        description=_l("The 6 digits the app shows for this account, to check that it is set "
                       "up."),
        render_kw={**_CODE_ATTRS, "inputmode": "numeric", "size": "8"})


class RecoveryCodesForm(PortalForm):
    code = any_code_field("recovery-code")


class DisableForm(PortalForm):
    password = PasswordField(_l("Password"), validators=[Required(), MaxLength(1024)],
                             id="off-password", render_kw={"autocomplete": "current-password"})
    code = any_code_field("off-code")
