"""The office's local language and its script.

An office may want the names (and addresses) of parties in its own language's script as well
as in Latin letters: LOCAL_LANGUAGE names the language (default: the office's default language
when it is not English), LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS makes the local version required
of its own nationals. A local-script field of a language written in another script than Latin
(Khmer, Lao, Arabic...) must hold that script; Vietnamese is written in Latin letters, so
nothing is checked for it.
"""

from __future__ import annotations

import unicodedata

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask import current_app, has_app_context
from flask_babel import get_locale

# ISO 15924 script code -> the prefixes of the Unicode names of its letters.
SCRIPT_LETTERS = {
    "Arab": ("ARABIC",), "Armn": ("ARMENIAN",), "Beng": ("BENGALI",),
    "Cyrl": ("CYRILLIC",), "Deva": ("DEVANAGARI",), "Ethi": ("ETHIOPIC",),
    "Geor": ("GEORGIAN",), "Grek": ("GREEK",), "Hebr": ("HEBREW",),
    "Hans": ("CJK",), "Hant": ("CJK",), "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Khmr": ("KHMER",), "Kore": ("HANGUL",), "Laoo": ("LAO",), "Latn": ("LATIN",),
    "Mong": ("MONGOLIAN",),
    "Mymr": ("MYANMAR",), "Sinh": ("SINHALA",), "Taml": ("TAMIL",), "Thai": ("THAI",),
    "Tibt": ("TIBETAN",),
}


def parse_language(code: str | None) -> str | None:
    """A language code as configured ("km", "lo_LA"), checked against Babel's data; "" and
    None are no language. A code Babel does not know raises ValueError."""
    code = (code or "").strip().replace("-", "_")
    if not code:
        return None
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"unknown language code {code!r}") from exc
    return code


def local_language() -> str | None:
    """LOCAL_LANGUAGE, else the office's default language unless it is English, else None."""
    if not has_app_context():
        return None
    configured = current_app.config.get("LOCAL_LANGUAGE")
    if configured:
        return configured
    from portal.office.models import current_office

    office = current_office()
    default = (office.default_locale or "").strip() if office else ""
    return default if default and default.split("_")[0] != "en" else None


def required_for_nationals() -> bool:
    return bool(has_app_context()
                and current_app.config.get("LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS"))


def office_country() -> str | None:
    from portal.office.models import current_office

    office = current_office()
    return office.country_code if office else None


def script_of(language: str | None) -> str | None:
    """The ISO 15924 code of the script `language` is usually written in ("Khmr", "Latn")."""
    if not language:
        return None
    subtags = get_global("likely_subtags")
    base = language.split("_")[0]
    for key in (language, base):
        found = subtags.get(key)
        if found:
            for part in found.split("_")[1:]:
                if len(part) == 4 and part.isalpha():
                    return part
    return None


def checks_script(language: str | None) -> bool:
    """Whether a local-script field of `language` must be in a script other than Latin."""
    script = script_of(language)
    return script is not None and script != "Latn"


def in_script(text: str, script: str) -> bool:
    """Whether `text` is written in `script`: some letter of it is, or it has no letters at all
    (a house number). Latin words beside it ("ក្រុមហ៊ុន ABC") are allowed."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    prefixes = SCRIPT_LETTERS.get(script)
    if prefixes:
        return any(unicodedata.name(ch, "").startswith(prefixes) for ch in text)
    return any("LATIN" not in unicodedata.name(ch, "") for ch in letters)


def _reader() -> Locale:
    return (get_locale() if has_app_context() else None) or Locale("en")


def language_name(language: str, locale: Locale | str | None = None) -> str:
    """`language` named in the reader's language (or `locale`'s): "Khmer", "khmer", "ខ្មែរ"."""
    locale = Locale.parse(locale) if locale else _reader()
    try:
        return Locale.parse(language).get_display_name(locale) or language
    except (UnknownLocaleError, ValueError):
        return language


def script_name(script: str, locale: Locale | str | None = None) -> str:
    locale = Locale.parse(locale) if locale else _reader()
    return locale.scripts.get(script) or script
