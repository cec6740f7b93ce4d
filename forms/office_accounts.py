"""Forms of the console's users and API clients pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from forms.account import strip
from forms.base import PortalForm
from forms.fields import CheckboxesField, SelectField, choices
from forms.validators import MaxLength, Required
from portal.api.models import SCOPES
from portal.auth.models import ROLE_LABELS

SCOPE_LABELS = {
    "submissions:read": _l("Read accepted submissions (the back office pulls them)"),
    "submissions:write": _l("Report statuses and notifications about submissions"),
    "filings:read": _l("Read filings"),
    "filings:write": _l("Write filings"),
}


class ActionForm(PortalForm):
    """A button that changes something: the form is its CSRF token."""


class RoleForm(PortalForm):
    role = SelectField(_l("Role"), choices=choices(
        (role.value, label) for role, label in ROLE_LABELS.items()), validators=[Required()])


class ApiClientForm(PortalForm):
    name = StringField(
        _l("Name"), validators=[Required(), MaxLength(200)], filters=[strip],
        description=_l("Which system uses the client, for example the back office."))
    scopes = CheckboxesField(
        _l("What the client may do"), validators=[Required()],
        choices=choices((scope, SCOPE_LABELS.get(scope, scope)) for scope in SCOPES))
    # Made when the form is shown: the same form sent twice makes one client.
    request_id = HiddenField()
