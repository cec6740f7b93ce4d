"""Country and office codes of WIPO Standard ST.3, with names in the user's language.

ST.3 is ISO 3166-1 alpha-2 plus codes of intergovernmental offices and organisations. The ISO
names come from Babel's CLDR data in the current locale; the organisations' names are ours.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

# CLDR territories that are not ISO 3166-1 countries (and EA, which ST.3 gives to the EAPO).
_NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK",
            "ZZ"}

ORGANISATIONS = {
    "AP": _l("African Regional Intellectual Property Organization (ARIPO)"),
    "BX": _l("Benelux Office for Intellectual Property (BOIP)"),
    "EA": _l("Eurasian Patent Organization (EAPO)"),
    "EM": _l("European Union Intellectual Property Office (EUIPO)"),
    "EP": _l("European Patent Office (EPO)"),
    "GC": _l("Patent Office of the Cooperation Council for the Arab States of the Gulf (GCC)"),
    "IB": _l("International Bureau of WIPO"),
    "OA": _l("African Intellectual Property Organization (OAPI)"),
    "QZ": _l("Community Plant Variety Office (CPVO)"),
    "WO": _l("World Intellectual Property Organization (WIPO)"),
    "XN": _l("Nordic Patent Institute (NPI)"),
    "XU": _l("International Union for the Protection of New Varieties of Plants (UPOV)"),
    "XV": _l("Visegrad Patent Institute (VPI)"),
}

ISO_CODES = frozenset(c for c in Locale("en").territories
                      if len(c) == 2 and c.isalpha() and c not in _NOT_ISO)
ST3_CODES = ISO_CODES | frozenset(ORGANISATIONS)


def country_name(code: str, locale: str | None = None) -> str:
    if code in ORGANISATIONS:
        return str(ORGANISATIONS[code])
    territories = Locale.parse(locale or str(get_locale())).territories
    return territories.get(code, code)


@lru_cache(maxsize=32)
def _choices(locale: str, organisations: bool) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    countries = sorted(((c, names.get(c, c)) for c in ISO_CODES), key=lambda p: p[1])
    out = [(c, f"{n} ({c})") for c, n in countries]
    if organisations:
        with force_locale(locale):
            orgs = sorted(((c, str(n)) for c, n in ORGANISATIONS.items()), key=lambda p: p[1])
        out += [(c, f"{n} ({c})") for c, n in orgs]
    return tuple(out)


def country_choices(*, organisations: bool = True, blank: bool = True) -> list[SelectChoice]:
    """ST.3 codes named in the current language, sorted by name; organisations last."""
    out = [SelectChoice("", str(_l("Choose…")))] if blank else []
    out += [SelectChoice(c, n) for c, n in _choices(str(get_locale()), organisations)]
    return out
