"""Many rights at once: a pasted list or a CSV file, checked line by line.

Each line is one right: its number, then the columns the request type asks per right
(RightForm.COLUMNS), separated by commas, semicolons or tabs; a first line without any digit is
taken for column headings. A line whose number the portal knows may leave the other columns
empty: they are filled in from the right (see forms.requests.prefill). Good lines are added;
bad ones are reported with their line number and what is wrong, and kept for correcting.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.requests.prefill import right_values
from portal.rights.numbers import normalise

MAX_LINES = 5000


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    messages: list[str]


@dataclass
class ImportResult:
    added: list[dict[str, str]] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)

    @property
    def kept_text(self) -> str:
        """The bad lines, for the user to correct and import again."""
        return "\n".join(b.text for b in self.bad)


def split_line(line: str) -> list[str]:
    delimiter = "\t" if "\t" in line else ";" if ";" in line and "," not in line else ","
    try:
        row = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:
        row = line.split(delimiter)
    cells = [cell.strip() for cell in row]
    while cells and not cells[-1]:  # a trailing separator is not a column
        cells.pop()
    return cells


def numbers_in(text: str) -> list[str]:
    return [normalise(cells[0]) for line in text.splitlines()[:MAX_LINES]
            if (cells := split_line(line)) and cells[0]]


def import_lines(form_class, text: str, existing: set[str], known: dict, today: date,
                 room: int) -> ImportResult:
    """Check every line of `text` as a right of `form_class` (a request form for one kind);
    at most `room` lines are added, the good lines beyond it are kept for another request."""
    right_form = form_class.RIGHT_FORM
    columns = ("number", *right_form.COLUMNS)
    result = ImportResult()
    seen = set(existing)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        result.bad.append(BadLine(MAX_LINES + 1, "", [
            _("Only the first %(max)s lines were read.", max=format_decimal(MAX_LINES))]))
        lines = lines[:MAX_LINES]
    for number, line in enumerate(lines, 1):
        cells = split_line(line)
        if not any(cells):
            continue
        if number == 1 and not any(ch.isdigit() for ch in line):
            continue  # column headings
        if len(cells) > len(columns):
            result.bad.append(BadLine(number, line, [_(
                "Too many columns: expected %(count)d (%(columns)s).", count=len(columns),
                columns=", ".join(columns))]))
            continue
        values = {name: value for name, value in zip(columns, cells, strict=False) if value}
        values["number"] = normalise(values.get("number"))
        record = known.get(values["number"])
        if record is not None:
            values = {**right_values(right_form, record, today), **values}
        messages = _check(right_form, values)
        if values["number"] in seen:
            messages.append(_("%(number)s is already in the list.", number=values["number"]))
        if not messages and len(result.added) >= room:
            messages.append(_("A request can name at most %(max)d rights: file this one in "
                              "another request.", max=len(existing) + room))
        if messages:
            result.bad.append(BadLine(number, line, messages))
            continue
        seen.add(values["number"])
        result.added.append(values)
    return result


def _check(right_form, values: dict[str, str]) -> list[str]:
    form = right_form(formdata=MultiDict(values))
    form.validate()
    return [f"{form[name].label.text}: {message}" for name, errors in form.errors.items()
            for message in errors]
