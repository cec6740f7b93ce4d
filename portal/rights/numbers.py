"""The office's number formats: application numbers and registration (or patent) numbers.

Each IP kind has its own: a request that names a right checks the number against the format of
the right's kind. An office sets its own with OFFICE_NUMBER_FORMATS (JSON, merged over the
defaults below), each format a regular expression and an example shown to users::

    {"trademark": {"application": "KH/\\\\d{5}/\\\\d{2}", "application_example": "KH/49999/12"}}

Numbers are compared as the office writes them: trimmed, without inner spaces, in capitals.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import current_app

APPLICATION = "application"
REGISTRATION = "registration"
ANY = "any"

DEFAULT_FORMATS: dict[str, dict[str, str]] = {
    "trademark": {"application": r"TM/\d{4}/\d{6}", "application_example": "TM/2026/000123",
                  "registration": r"TM-\d{6}", "registration_example": "TM-012345"},
    "patent": {"application": r"PT/\d{4}/\d{6}", "application_example": "PT/2026/000123",
               "registration": r"PT-\d{6}", "registration_example": "PT-001234"},
    "design": {"application": r"ID/\d{4}/\d{6}", "application_example": "ID/2026/000123",
               "registration": r"ID-\d{6}", "registration_example": "ID-000456"},
    "utility_model": {"application": r"UM/\d{4}/\d{6}", "application_example": "UM/2026/000123",
                      "registration": r"UM-\d{6}", "registration_example": "UM-000078"},
}


def formats() -> dict[str, dict[str, str]]:
    custom = current_app.config.get("OFFICE_NUMBER_FORMATS") or {}
    return {kind: {**spec, **custom.get(kind, {})} for kind, spec in DEFAULT_FORMATS.items()}


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def normalise(number: str | None) -> str:
    return re.sub(r"\s+", "", number or "").upper()


def number_kind(kind: str, number: str) -> str | None:
    """APPLICATION or REGISTRATION when `number` has that format for `kind`, else None."""
    spec = formats()[kind]
    for which in (APPLICATION, REGISTRATION):
        if _compiled(spec[which]).fullmatch(normalise(number)):
            return which
    return None


def matches(kind: str, number: str, wanted: str = ANY) -> bool:
    found = number_kind(kind, number)
    return found is not None and wanted in (ANY, found)


def examples(kind: str, wanted: str = ANY) -> list[str]:
    spec = formats()[kind]
    which = (APPLICATION, REGISTRATION) if wanted == ANY else (wanted,)
    return [spec[f"{w}_example"] for w in which]
