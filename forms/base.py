"""The base form: Flask-WTF (CSRF on every form), and the error list for the page's summary."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField


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


class PortalForm(FlaskForm):
    """All portal forms derive from this one."""

    def error_list(self) -> list[tuple[str, str, str]]:
        return list(walk_errors(self))
