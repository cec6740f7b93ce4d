"""The 45 Nice class headings in the reader's language, English where a language has none."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from flask_babel import refresh

from forms.parts import goods
from forms.parts.goods import (
    NICE_HEADINGS_DIR,
    class_choices,
    localized_nice_classes,
    nice_classes,
)
from portal.auth.models import Role
from portal.config import LOCALES
from tests.conftest import Browser, make_user
from tests.filings.conftest import start

TRANSLATED = [code for code in LOCALES if code != "en"]
KEYS = {str(n) for n in range(1, 46)}
ENGLISH = {str(c["number"]): c["heading"] for c in nice_classes()}
# Unicode blocks of the scripts that are not Latin.
SCRIPTS = {"km": (0x1780, 0x17FF), "lo": (0x0E80, 0x0EFF), "ar": (0x0600, 0x06FF)}
VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
# What an unfinished file would hold: notes to self, format placeholders, markup, "?" runs.
PLACEHOLDER = re.compile(r"TODO|TBD|FIXME|XXX|lorem|\?\?|%[(sd]|[{}<>]", re.IGNORECASE)
FR_25 = "Vêtements, articles chaussants, articles de chapellerie."
AR_25 = "الملابس ولباس القدم وأغطية الرأس."


def headings_file(code: str) -> dict:
    path = NICE_HEADINGS_DIR / f"{code}.json"
    assert path.is_file(), f"portal/data/nice/{code}.json is missing"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_shipped_language_has_all_45_headings_and_says_where_they_come_from(code):
    data = headings_file(code)
    assert set(data) == KEYS | {"_source"}
    assert "13" in data["_source"] and "2026" in data["_source"]
    for number in sorted(KEYS, key=int):
        heading = data[number]
        assert isinstance(heading, str) and heading.strip() == heading and heading, (code, number)
        assert heading != ENGLISH[number], (code, number)
        assert not PLACEHOLDER.search(heading), (code, number, heading)


@pytest.mark.parametrize("code", sorted(SCRIPTS))
def test_khmer_lao_and_arabic_headings_are_written_in_their_script(code):
    low, high = SCRIPTS[code]
    for number, heading in headings_file(code).items():
        if number.startswith("_"):
            continue
        native = sum(1 for ch in heading if low <= ord(ch) <= high)
        latin = sum(1 for ch in heading if ch.isascii() and ch.isalpha())
        assert native, (code, number, heading)
        assert native > latin, (code, number, heading)


def test_vietnamese_headings_are_written_with_vietnamese_letters():
    for number, heading in headings_file("vi").items():
        if not number.startswith("_"):
            assert VIETNAMESE & set(heading.lower()), (number, heading)


def test_a_language_without_a_file_gets_the_english_headings():
    for code in ("de", "en", "", "../nice_classes", "fr/../es"):
        classes = localized_nice_classes(code)
        assert [c["heading"] for c in classes] == list(ENGLISH.values()), code
        assert {c["lang"] for c in classes} == {"en"}


def test_a_regional_locale_uses_its_language_and_the_result_is_cached():
    french = localized_nice_classes("fr")
    assert french[24] == {"number": 25, "heading": FR_25, "lang": "fr"}
    assert localized_nice_classes("fr_CA")[24]["heading"] == FR_25
    assert localized_nice_classes("fr") is french  # read once per language, not per page


def test_a_missing_or_empty_heading_falls_back_to_english_for_that_class(tmp_path, monkeypatch):
    (tmp_path / "xy.json").write_text(json.dumps({"_source": "test", "1": "Un", "2": "  "}),
                                      encoding="utf-8")
    monkeypatch.setattr(goods, "NICE_HEADINGS_DIR", tmp_path)
    goods._localized.cache_clear()
    try:
        classes = localized_nice_classes("xy")
    finally:
        goods._localized.cache_clear()
    assert classes[0] == {"number": 1, "heading": "Un", "lang": "xy"}
    assert classes[1] == {"number": 2, "heading": ENGLISH["2"], "lang": "en"}
    assert classes[44]["heading"] == ENGLISH["45"]
    assert len(classes) == 45


def test_the_class_drop_down_follows_the_request_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        labels = {c.value: c.label for c in class_choices()}
    assert labels["25"] == "25 – Prendas de vestir, calzado, artículos de sombrerería."
    assert labels["9"].startswith("9 – Aparatos e instrumentos científicos")
    assert labels["9"].endswith("…") and len(labels["9"]) <= 94
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        refresh()  # the test's app context outlives the first request's chosen locale
        labels = {c.value: c.label for c in class_choices()}
    assert labels["25"] == "25 – Clothing, footwear, headwear."


def test_shortening_never_separates_a_letter_from_its_marks():
    # No spaces; the plain cut (89) would fall on a vowel sign that follows a subscript letter.
    khmer = "ក" + "សម្លៀកបំពាក់" * 12
    assert unicodedata.category(khmer[89]).startswith("M") and khmer[87] == "\u17d2"
    short = goods._shorten(khmer)
    assert short.endswith("…") and len(short) <= 90
    body = short[:-1]
    assert khmer.startswith(body)
    following = khmer[len(body)]
    assert not unicodedata.category(following).startswith("M") and body[-1] != "\u17d2"
    words = "word " * 30
    assert goods._shorten(words) == ("word " * 17).strip() + "…"
    assert goods._shorten("Clothing, footwear, headwear.") == "Clothing, footwear, headwear."


def test_the_trademark_form_in_french_shows_the_french_headings(agent, tariff):
    filing_id = start(agent, "trademark")
    agent.client.set_cookie("lang", "fr")
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert f"<span>{FR_25}</span>" in html  # the class list, in the page's own language
    assert f"25 – {FR_25}</option>" in html  # the drop-down
    assert ENGLISH["25"] not in html


def test_the_trademark_form_in_arabic_shows_the_arabic_headings(app, users, tariff):
    make_user("ar-agent@example.org", Role.AGENT, locale="ar")
    web = Browser(app.test_client())
    web.login("ar-agent@example.org")
    filing_id = start(web, "trademark")
    html = web.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html
    assert f"<span>{AR_25}</span>" in html
    assert f"25 – {AR_25}</option>" in html
    assert ENGLISH["25"] not in html


def test_a_heading_shown_in_english_on_a_translated_page_is_marked_english(
        agent, tariff, tmp_path, monkeypatch):
    (tmp_path / "fr.json").write_text(json.dumps({"25": FR_25}), encoding="utf-8")
    monkeypatch.setattr(goods, "NICE_HEADINGS_DIR", tmp_path)
    goods._localized.cache_clear()
    try:
        filing_id = start(agent, "trademark")
        agent.client.set_cookie("lang", "fr")
        html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    finally:
        goods._localized.cache_clear()
    assert f"<span>{FR_25}</span>" in html
    assert f'<span lang="en" dir="auto">{ENGLISH["38"]}</span>' in html
