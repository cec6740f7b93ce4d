"""Forms of the account pages: register, log in, passwords, language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

from forms.base import PortalForm
from forms.fields import CheckboxesField, RadioField, SelectField, choices
from forms.validators import EmailAddress, EqualTo, MaxLength, Optional, Required, StrongPassword
from portal.config import LOCALES
from portal.i18n import LANGUAGE_NAMES


def strip(value):
    return value.strip() if isinstance(value, str) else value


LANGUAGE_CHOICES = choices((code, LANGUAGE_NAMES[code]) for code in LOCALES)


class RegisterForm(PortalForm):
    invite = HiddenField()  # an invitation to join an agents' firm
    account_type = RadioField(
        _l("I am registering as"),
        choices=choices([("applicant", _l("An applicant, filing for myself or my organisation")),
                         ("agent", _l("An agent (representative), filing for clients"))]),
        default="applicant",
        validators=[Required()],
    )
    party_kind = RadioField(
        _l("The applicant is"),
        choices=choices([("person", _l("A natural person")),
                         ("entity", _l("A legal entity (company, university, institution)"))]),
        default="person",
        validators=[Optional()],
        description=_l("Applicants only. A legal entity files in its own name through a "
                       "contact person."),
    )
    full_name = StringField(
        _l("Full name"), validators=[Required(), MaxLength(200)],
        description=_l("Your own name. For a legal entity or a firm, the contact person."),
        render_kw={"autocomplete": "name"},
    )
    organisation = StringField(
        _l("Name of the legal entity or firm"), validators=[MaxLength(200)],
        description=_l("Required for a legal entity and for an agent."),
        render_kw={"autocomplete": "organization"},
    )
    agent_number = StringField(
        _l("Agent registration number"), validators=[MaxLength(50)],
        description=_l("The number under which the office registered you as an agent. "
                       "Required for agents."),
    )
    email = EmailField(_l("Email address"), validators=[Required(), MaxLength(254),
                                                        EmailAddress()],
                       filters=[strip], render_kw={"autocomplete": "email"})
    password = PasswordField(
        _l("Password"), validators=[Required(), StrongPassword("email", "full_name")],
        description=_l("At least 10 characters. A phrase of several unrelated words is both "
                       "strong and easy to remember."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(_l("Repeat the password"), validators=[Required(),
                                                                   EqualTo("password")],
                            render_kw={"autocomplete": "new-password"})
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                         validators=[Required()],
                         description=_l("Pages and mail from the office will be in this "
                                        "language."))

    def validate_organisation(self, field):
        needs = self.account_type.data == "agent" or self.party_kind.data == "entity"
        if needs and not (field.data or "").strip():
            raise ValidationError(_l("Enter the name of the legal entity or firm."))

    def validate_agent_number(self, field):
        if self.account_type.data == "agent" and not (field.data or "").strip():
            raise ValidationError(_l("Enter your agent registration number."))


class LoginForm(PortalForm):
    email = EmailField(_l("Email address"), validators=[Required(), MaxLength(254)],
                       filters=[strip], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[Required(), MaxLength(1024)],
                             render_kw={"autocomplete": "current-password"})
    # The hint (templates/auth/login.html) says for how long, and not for office accounts.
    remember = BooleanField(_l("Keep me logged in on this device"),
                            render_kw={"aria-describedby": "remember-hint"})


class EmailForm(PortalForm):
    """Asks for an address only: forgotten password, new confirmation link."""

    email = EmailField(_l("Email address"), validators=[Required(), MaxLength(254),
                                                        EmailAddress()],
                       filters=[strip], render_kw={"autocomplete": "email"})


class ResetPasswordForm(PortalForm):
    password = PasswordField(_l("New password"), validators=[Required(), StrongPassword()],
                             description=_l("At least 10 characters."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[Required(), EqualTo("password")],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(PortalForm):
    current = PasswordField(_l("Current password"), validators=[Required(), MaxLength(1024)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[Required(), StrongPassword()],
                             description=_l("At least 10 characters. Your other sessions "
                                            "will be logged out."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[Required(), EqualTo("password")],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(PortalForm):
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                         validators=[Required()],
                         validate_choice=True)


class LogoutForm(PortalForm):
    """Logging out is a POST with a CSRF token, so no other site can log a user out."""


TOKEN_SCOPES = [
    ("filings:read", _l("Read your filings, drafts, cart and documents")),
    ("filings:write", _l("Create and change drafts, upload documents, add to the cart and pay "
                         "from your deposit account")),
]


class TokenForm(PortalForm):
    """A new personal access token for a docketing system."""

    name = StringField(
        _l("Name of the token"), validators=[Required(), MaxLength(200)], filters=[strip],
        description=_l("What the token is for, for example the name of your docketing "
                       "system. Only you see it."))
    scopes = CheckboxesField(
        _l("What the token may do"), choices=choices(TOKEN_SCOPES),
        default=["filings:read"], validators=[Required()],
        description=_l("A token acts as you, on your own filings (and your firm's, for an "
                       "agent). Give it only what the system needs."))
