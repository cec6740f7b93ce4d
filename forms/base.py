"""The base form: Flask-WTF (CSRF on every form) with length limits on every text field."""

from __future__ import annotations

from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    """All portal forms derive from this one.

    `error_list()` gives (field id, label, message) for the error summary at the top of a page.
    """

    def error_list(self) -> list[tuple[str, str, str]]:
        out = []
        for field in self:
            for message in field.errors if isinstance(field.errors, list) else []:
                out.append((field.id, field.label.text, str(message)))
        return out
