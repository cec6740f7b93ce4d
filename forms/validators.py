"""Validators with the portal's own translated messages (WTForms' catalog lacks Khmer and Lao)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import validators
from wtforms.validators import StopValidation, ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128


def Required():  # noqa: N802 - reads like the WTForms validators it sits beside
    return validators.InputRequired(message=_l("This field is required."))


def Optional():  # noqa: N802
    return validators.Optional()


class LocalNumber:
    """A number in a lazily translated message, written the reader's way when the message is
    shown (20 000 in French, 20,000 in English)."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        from flask_babel import format_decimal

        return "" if self.value is None else format_decimal(self.value)


def MaxLength(n: int):  # noqa: N802
    return validators.Length(max=n, message=_l("At most %(max)s characters.",
                                               max=LocalNumber(n)))


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange, with the bounds in its message written the reader's way."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError:
            if self.message is None:
                raise
            bounds = {"min": LocalNumber(self._resolve(self.min)),
                      "max": LocalNumber(self._resolve(self.max))}
            raise ValidationError(str(self.message) % bounds) from None


def EmailAddress():  # noqa: N802
    return validators.Email(message=_l("Enter a valid email address, like name@example.org."),
                            check_deliverability=False)


def EqualTo(other: str):  # noqa: N802
    return validators.EqualTo(other, message=_l("The two passwords do not match."))


class StrongPassword:
    """At least MIN_PASSWORD_LENGTH characters and hard to guess (zxcvbn score 3 or more).

    `user_inputs` names fields whose values make a password weak when it contains them.
    """

    def __init__(self, *user_inputs: str):
        self.user_inputs = user_inputs

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < MIN_PASSWORD_LENGTH:
            raise StopValidation(
                _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
        if len(value) > MAX_PASSWORD_LENGTH:
            raise StopValidation(_l("At most %(max)s characters.",
                                    max=LocalNumber(MAX_PASSWORD_LENGTH)))
        from zxcvbn import zxcvbn  # imported on first use: its word lists take a while to load

        inputs = [str(getattr(form, name).data or "") for name in self.user_inputs
                  if hasattr(form, name)]
        if zxcvbn(value, user_inputs=inputs)["score"] < 3:
            raise ValidationError(_l(
                "This password is too easy to guess. Use a longer phrase of several unrelated "
                "words, and avoid names, dates and common patterns."))
