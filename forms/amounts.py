"""Amounts as people type them: the way their language writes numbers, or the plain form.

Reading (`read_amount`), in this order:

1. The digits of any script become ASCII digits (Khmer ១២, Lao ໑໒, Arabic-Indic ١٢: the
   helper of forms.dates), bidi marks are dropped, the Arabic decimal and group separators
   ٫ ٬ stand for the locale's own, and spaces between digits (ordinary, no-break, narrow
   no-break) for its group separator: "1 234,56" is French however the space was typed.
2. The locale's way, strictly (Babel's `parse_decimal(strict=True)`): its decimal symbol and,
   if any, its group symbol at the right places. "12,5" is 12.5 in French, Spanish,
   Vietnamese and Lao; "1.234,56" is 1234.56 in Spanish; "1,234.56" is 1234.56 in English.
   Where "." groups digits (es, vi, lo), "1.500" is 1500: the locale's reading comes first.
3. Else the plain form: ASCII digits with "." as decimal point and no grouping, "12.50", as
   the API, old drafts and our own hidden fields send it, accepted in every locale. Where the
   locale's decimal symbol is not "." (fr, es, vi, lo), a plain value with exactly three digits
   after the point ("1.500" in French) could be a thousands group and is refused as ambiguous.

Anything else (letters, so no "1e5", "NaN" or "Infinity"; "12,3,4"; "--5"; grouping in the
wrong places; "12,5" in English) is refused with a message giving an example written the
reader's way. A sign is read but the forms' validators decide whether a negative is allowed.

Showing (`show_amount`): the reader's decimal symbol, no grouping (the narrow no-break space
French groups with cannot be typed, and an ungrouped number reads back the same in every
locale), and every decimal the value holds: nothing is rounded away, so what is shown is what
was read, and a reader sees at once how "1.500" was understood.

Carrying (`plain_amount`): the plain form for hidden fields and links, which every locale
reads back exactly; a value with three decimals gets a fourth "0" so that it is not ambiguous.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from forms import dates

MAX_LENGTH = 40  # far beyond any amount; longer text is not an amount someone typed
# Nor is a thousand trillion: amounts are kept as NUMERIC(14, 2), and Babel cannot show a
# number of more digits than Decimal's context holds (28).
TOO_LARGE = Decimal(10) ** 15
EXAMPLE = Decimal("1250.50")
_PLAIN = re.compile(r"[+-]?\d+(?:\.(\d+))?")
_SPACES_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


def _locale(locale=None) -> Locale:
    return Locale.parse(str(locale or get_locale() or "en"))


def read_amount(text: str, locale=None) -> Decimal:
    """The amount written in `text` (see the module's rules); ValueError when it is none,
    could be read two ways, or is beyond any amount (`TOO_LARGE`)."""
    value = _read_amount(text, locale)
    if not value.is_finite() or abs(value) >= TOO_LARGE:
        raise ValueError(f"not an amount: {text!r}")
    return value


def _read_amount(text: str, locale=None) -> Decimal:
    loc = _locale(locale)
    point, group = get_decimal_symbol(loc), get_group_symbol(loc)
    cleaned = (dates.ascii_digits(text).replace("\u2212", "-")  # the minus sign
               .replace("\u066b", point).replace("\u066c", group))
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise ValueError(f"not an amount: {text!r}")
    sign, body = (cleaned[0], cleaned[1:]) if cleaned[0] in "+-" else ("", cleaned)
    local = _SPACES_BETWEEN_DIGITS.sub(group, body)
    if re.fullmatch(rf"[\d{re.escape(point + group)}]*\d[\d{re.escape(point + group)}]*", local):
        try:  # the sign apart: Arabic writes it with a bidi mark Babel would compare
            value = parse_decimal(local, locale=loc, strict=True)
        except NumberFormatError:
            pass
        else:
            return -value if sign == "-" else value
    plain = _PLAIN.fullmatch(cleaned)
    if plain is None:
        raise ValueError(f"not an amount: {text!r}")
    if point != "." and plain.group(1) is not None and len(plain.group(1)) == 3:
        raise ValueError(f"ambiguous amount: {text!r}")
    return Decimal(cleaned)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def show_amount(value, places: int | None = None, locale=None) -> str:
    """`value` the reader's way, ungrouped, with all its decimals (at least `places`)."""
    value = Decimal(str(value))
    digits = max(_places(value), places or 0)
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(value, format=pattern, locale=_locale(locale),
                          decimal_quantization=False)


def plain_amount(value) -> str:
    """`value` in the plain form every locale reads back exactly: "12.50", "1.2340"."""
    text = format(Decimal(str(value)), "f")
    if "." in text and len(text.rsplit(".", 1)[1]) == 3:
        text += "0"
    return text


def invalid_message() -> str:
    return _("Enter an amount in figures, for example %(example)s.",
             example=show_amount(EXAMPLE))
