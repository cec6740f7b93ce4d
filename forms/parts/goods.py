"""Goods and services: Nice classes with their terms."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from forms.base import PlainForm
from forms.fields import SelectField
from forms.validators import MaxLength, Required

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "portal" / "data"
NICE_FILE = DATA_DIR / "nice_classes.json"
# One file a language, {"1": heading, ..., "45": heading}; keys starting with "_" are notes.
NICE_HEADINGS_DIR = DATA_DIR / "nice"
_LOCALE_CODE = re.compile(r"[a-z]{2,3}(?:_[A-Za-z0-9]+)*")


@lru_cache(maxsize=1)
def nice_classes() -> tuple[dict, ...]:
    """The 45 Nice classes (number, heading, note, includes, excludes), as shipped: English, the
    text the back office and ST.96 documents use."""
    return tuple(json.loads(NICE_FILE.read_text(encoding="utf-8")))


def localized_nice_classes(locale: str | None = None) -> tuple[dict, ...]:
    """The 45 classes as {number, heading, lang} for a reader of `locale` (the request's when
    not given): the heading in that language where the portal ships one, else the English one,
    with `lang` saying which it is so a page can mark a fallback as English."""
    if locale is None:
        locale = str(get_locale() or "en")
    return _localized(locale)


@lru_cache(maxsize=32)
def _localized(locale: str) -> tuple[dict, ...]:
    lang, headings = _headings(locale)
    out = []
    for c in nice_classes():
        heading = (headings.get(str(c["number"])) or "").strip()
        out.append({"number": c["number"], "heading": heading or c["heading"],
                    "lang": lang if heading else "en"})
    return tuple(out)


def _headings(locale: str) -> tuple[str, dict[str, str]]:
    """(the code whose file was read, its headings by class number); ("en", {}) when neither
    the locale ("pt_BR") nor its language ("pt") has a file."""
    locale = locale.replace("-", "_")
    for code in dict.fromkeys((locale, locale.split("_")[0])):
        # Only a plain locale code names a file: never a path.
        path = NICE_HEADINGS_DIR / f"{code}.json"
        if code != "en" and _LOCALE_CODE.fullmatch(code) and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return code, {k: v for k, v in data.items()
                          if not k.startswith("_") and isinstance(v, str)}
    return "en", {}


def class_choices() -> list[SelectChoice]:
    out = [SelectChoice("", str(_l("Choose a class…")))]
    for c in localized_nice_classes():
        out.append(SelectChoice(str(c["number"]), f"{c['number']} – {_shorten(c['heading'])}"))
    return out


def _shorten(text: str, limit: int = 90) -> str:
    """At most `limit` characters for a drop-down, cut at a space where there is one, and never
    between a letter and its marks (Khmer and Lao vowel signs and subscripts, Arabic vowels)."""
    if len(text) <= limit:
        return text
    end = limit - 1
    if " " in text[:end]:
        end = text.rindex(" ", 0, end)
    while end > 1 and (unicodedata.category(text[end]).startswith("M")
                       or text[end - 1] == "\u17d2"):  # Khmer coeng: the next letter is subscript
        end -= 1
    return text[:end].rstrip(" ;,،؛") + "…"


def split_terms(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").replace("\n", ";").split(";") if t.strip()]


class NiceClassForm(PlainForm):
    class_number = SelectField(_l("Nice class"), choices=class_choices, validators=[Required()])
    terms = TextAreaField(
        _l("Goods or services in this class"), validators=[Required(), MaxLength(20000)],
        description=_l("List each product or service, separated by semicolons, for example: "
                       "coffee; tea; cocoa."),
        render_kw={"rows": 3})
