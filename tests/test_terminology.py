"""The key terms of industrial property read the same way everywhere in a language: catalogs,
fee names and status names use the wording of translations/glossary.json."""

from __future__ import annotations

import json
import re

import pytest
from babel.messages.pofile import read_po

from portal.config import LOCALES, REPO_ROOT

GLOSSARY = json.loads((REPO_ROOT / "translations" / "glossary.json").read_text("utf-8"))["terms"]
TRANSLATED = [code for code in LOCALES if code != "en"]


def catalog_texts(code: str):
    path = REPO_ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        for m in read_po(fh, locale=code):
            if m.id:
                english = m.id[0] if isinstance(m.id, tuple) else m.id
                for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
                    yield "catalog", english, text


def data_texts(code: str):
    """Fee names of the shipped tariff and the office statuses, which the office may keep."""
    tariff = json.loads((REPO_ROOT / "payments" / "data" / "tariff_demo.json").read_text("utf-8"))
    statuses = json.loads((REPO_ROOT / "portal" / "data" / "office_statuses.json")
                          .read_text("utf-8"))
    for where, rows in (("tariff", tariff["rules"]), ("statuses", statuses)):
        for row in rows:
            names = row.get("names") or {}
            if names.get("en") and names.get(code):
                yield f"{where}:{row['code']}", names["en"], names[code]


def off_glossary(code: str, texts) -> list[tuple[str, str, str, str]]:
    wrong = []
    for where, english, text in texts:
        for term, spec in GLOSSARY.items():
            if text and re.search(spec["en"], english, re.IGNORECASE) and not any(
                    form.lower() in text.lower() for form in spec[code]):
                wrong.append((term, where, english, text))
    return wrong


def test_every_locale_has_its_wording_of_every_term():
    for term, spec in GLOSSARY.items():
        assert all(spec.get(code) for code in TRANSLATED), term


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_and_office_data_use_the_glossary(code):
    wrong = off_glossary(code, [*catalog_texts(code), *data_texts(code)])
    assert not wrong, f"{code}: {len(wrong)} texts off the glossary, e.g. {wrong[:5]}"


def test_a_text_off_the_glossary_is_found():
    texts = [("catalog", "Renew a trademark", "Renouveler une marque"),
             ("catalog", "Patent application", "Demande de titre")]
    assert off_glossary("fr", texts) == [
        ("patent", "catalog", "Patent application", "Demande de titre")]
