"""Dates as people type them: the numeric order of their language with a four-digit year.

The order, the separators and whether day and month are zero-padded come from the locale's
short date pattern in CLDR (Babel): 31/03/2026 in French, 3/31/2026 in English, 31/3/2026 in
Arabic (with the right-to-left mark CLDR puts after each number, so the date reads from the
right). Reading also takes ISO 8601 (2026-03-31: API clients, old drafts, a browser's date
picker), the digits of any script (Khmer ៣១, Lao ໓໑, Arabic-Indic ٣١), / . - or spaces
between the numbers, or none at all (31032026: a phone's numeric keypad has no "/"). The
year must have its four digits: "26" is not a year anyone files in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format, tokenize_pattern
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

# Bidirectional formatting characters: CLDR writes some into patterns (Arabic), and people
# paste them in with the date.
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069"))
_SEPARATOR = r"\s*[\s/.\-]\s*"
_THREE_NUMBERS = re.compile(rf"(\d+){_SEPARATOR}(\d+){_SEPARATOR}(\d+)\s*\.?")
EXAMPLE = (3, 31)  # 31 March: a day above 12 shows which number is the day


@dataclass(frozen=True)
class DateFormat:
    """A numeric date format: the parts in order, each a field ("d", "dd", "M", "MM", "yyyy")
    or the characters between them."""

    parts: tuple[tuple[str, str], ...]  # ("field", "dd") or ("chars", "/")

    @property
    def order(self) -> str:
        """The fields' order as letters: "dmy", "mdy" or "ymd"."""
        return "".join(value[0].lower() for kind, value in self.parts if kind == "field")

    def format(self, value: date) -> str:
        out = []
        for kind, token in self.parts:
            if kind == "chars":
                out.append(token)
            elif token[0] == "y":
                out.append(f"{value.year:04d}")
            else:
                number = value.day if token[0] == "d" else value.month
                out.append(str(number).zfill(len(token)))
        return "".join(out)

    def letters(self) -> str:
        """The format in the reader's words, "dd/mm/yyyy" (French "jj/mm/aaaa")."""
        names = {"d": pgettext("date format", "dd"), "M": pgettext("date format", "mm"),
                 "y": pgettext("date format", "yyyy")}
        return "".join(names[token[0]] if kind == "field" else token
                       for kind, token in self.parts)

    def example(self) -> str:
        month, day = EXAMPLE
        return self.format(date(date.today().year, month, day))

    def parse(self, text: str) -> date:
        """The date written in `text`, in this format or in ISO 8601; ValueError otherwise."""
        numbers = _numbers(text)
        if numbers is None:
            return self._parse_compact(text)
        if len(numbers[0]) == 4:  # the year first: ISO 8601, whatever the language
            year, month, day = numbers
        else:
            found = dict(zip(self.order, numbers, strict=True))
            year, month, day = found["y"], found["m"], found["d"]
        if len(year) != 4 or len(month) > 2 or len(day) > 2:
            raise ValueError(f"not a date: {text!r}")
        return date(int(year), int(month), int(day))

    def _parse_compact(self, text: str) -> date:
        """Eight digits without separators (a phone's numeric keypad has none): in this
        format's order, else as ISO 8601's basic form, 20260331."""
        digits = ascii_digits(text)
        if re.fullmatch(r"\d{8}", digits):
            for order in dict.fromkeys((self.order, "ymd")):
                widths = [4 if letter == "y" else 2 for letter in order]
                cuts = [sum(widths[:i]) for i in range(4)]
                found = {letter: int(digits[cuts[i]:cuts[i + 1]]) for i, letter in enumerate(order)}
                try:
                    return date(found["y"], found["m"], found["d"])
                except ValueError:
                    continue
        raise ValueError(f"not a date: {text!r}")


ISO = DateFormat((("field", "yyyy"), ("chars", "-"), ("field", "MM"), ("chars", "-"),
                  ("field", "dd")))


def ascii_digits(text: str) -> str:
    """`text` with the digits of any script as ASCII digits, and without bidi marks."""
    text = unicodedata.normalize("NFKC", (text or "").translate(_BIDI))
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None
                   else ch for ch in text).strip()


def _numbers(text: str) -> tuple[str, str, str] | None:
    """The three numbers of a date, as ASCII digit strings."""
    match = _THREE_NUMBERS.fullmatch(ascii_digits(text))
    return match.groups() if match else None


@lru_cache(maxsize=64)
def date_format(locale: str) -> DateFormat:
    """The numeric date format of `locale`, from its short pattern with a four-digit year."""
    try:
        pattern = get_date_format("short", Locale.parse(locale)).pattern
    except (UnknownLocaleError, ValueError):
        return ISO
    parts: list[tuple[str, str]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "field" and value[0] in "dMLy":
            letter, width = value
            if letter == "y":
                parts.append(("field", "yyyy"))
            elif letter == "d":
                parts.append(("field", "dd" if width >= 2 else "d"))
            else:  # a month, numeric here even where the short pattern names it
                parts.append(("field", "M" if width == 1 else "MM"))
        elif kind == "chars" and parts and parts[-1][0] == "field":
            parts.append(("chars", value))
    while parts and parts[-1][0] == "chars" and len(parts) > 5:
        parts.pop()  # a trailing "." (Hungarian, Korean) is not needed to read the date
    made = DateFormat(tuple(parts))
    if sorted(made.order) != ["d", "m", "y"] or len(parts) != 5:
        return ISO
    return made


def current_format() -> DateFormat:
    locale = get_locale()
    return date_format(str(locale)) if locale else ISO


def format_for(text: str | None) -> DateFormat:
    """The format a person seems to have meant: ISO when they began with the year."""
    return ISO if re.match(r"\d{4}(\D|$)", ascii_digits(text or "")) else current_format()


def hint(fmt: DateFormat | None = None) -> str:
    fmt = fmt or current_format()
    return _("In the form %(format)s, for example %(example)s.", format=fmt.letters(),
             example=fmt.example())


def invalid_message(text: str | None = None) -> str:
    fmt = format_for(text)
    return _("Enter a real date in the form %(format)s, for example %(example)s.",
             format=fmt.letters(), example=fmt.example())
