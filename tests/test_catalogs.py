"""The shipped catalogs are complete, consistent with the source, and their placeholders match;
and the checks that say so find each kind of fault planted in a copy of a shipped catalog."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.config import LOCALES, REPO_ROOT
from scripts.check_catalogs import (
    EXTRACT_KEYWORDS,
    Problem,
    check_catalog,
    compiled_problems,
    extract_source,
    missing_messages,
    msgfmt_problems,
    plural_problems,
    read_catalog,
    shipped_catalog,
    translation_problems,
    written_plural_problems,
)

TRANSLATED = [code for code in LOCALES if code != "en"]


@pytest.fixture(scope="module")
def source():
    return extract_source()


def report(problems: list[Problem], limit: int = 8) -> str:
    shown = "\n  ".join(str(p) for p in problems[:limit])
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"\n  {shown}{more}"


# --- the shipped catalogs ------------------------------------------------------------------------

@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_has_every_message_of_the_source(code, source):
    problems = missing_messages(read_catalog(shipped_catalog(code)), source)
    assert not problems, f"{code}: run `make translations` and translate:" + report(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete_not_fuzzy_and_keeps_placeholders(code):
    problems = translation_problems(read_catalog(shipped_catalog(code)))
    assert not problems, code + report(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_match_the_language(code):
    path = shipped_catalog(code)
    catalog = read_catalog(path)
    problems = plural_problems(catalog) + written_plural_problems(path, catalog)
    assert not problems, code + report(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_format_strings_compile(code):
    problems = msgfmt_problems(shipped_catalog(code))
    assert not problems, code + report(problems)


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalog_is_fresh(code):
    problems = compiled_problems(shipped_catalog(code))
    assert not problems, code + report(problems)


def test_the_makefile_extracts_with_the_same_keywords():
    """`make translations-extract` and these checks must agree on what a message is."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    command = re.search(r"pybabel extract(.*?)(?<!\\)\n", makefile, re.S)
    assert command, "no pybabel extract command in the Makefile"
    assert re.findall(r"-k\s+(\S+)", command.group(1)) == list(EXTRACT_KEYWORDS)


def test_context_and_plural_keywords_are_extracted(source):
    """lazy_pgettext and lazy_ngettext (forms/wtforms_messages.py uses both) reach the pot."""
    assert source.get("Copy", context="to the clipboard") is not None
    assert source.get("Copy", context="duplicate a draft") is not None
    plural = source.get("Field must be at least %(min)d character long.")
    assert plural is not None and plural.id[1] == "Field must be at least %(min)d characters long."


# --- the checks find planted faults --------------------------------------------------------------

@pytest.fixture
def planted(tmp_path):
    """A copy of the shipped French catalog to damage. Each test compares the problems after the
    damage with those before: the shipped catalog may lag behind the source meanwhile."""
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    shutil.copy(shipped_catalog("fr"), po)
    return po


def rewrite(po: Path, change) -> None:
    """Read the copy with Babel, let `change` alter the catalog, write it back."""
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    change(catalog)
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0)


def new_problems(po: Path, before: list[Problem], source=None) -> set[tuple]:
    after = check_catalog(po, source, msgfmt=False, compiled=False)
    return {(p.kind, p.msgid, p.context) for p in after} - {
        (p.kind, p.msgid, p.context) for p in before}


def first(catalog, test):
    return next(m for m in catalog if m.id and test(m))


def placeholder_message(catalog, name: str, spec: str):
    """A translated singular message whose msgid and msgstr have `%(name)<spec>` once."""
    token = f"%({name}){spec}"
    return first(catalog, lambda m: isinstance(m.id, str) and m.string
                 and m.id.count(f"%({name})") == m.string.count(f"%({name})") == 1
                 and token in m.id and token in m.string)


def test_an_empty_translation_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    hit = {}

    def empty(catalog):
        m = first(catalog, lambda m: isinstance(m.id, str) and m.string)
        m.string, hit["id"] = "", m.id

    rewrite(planted, empty)
    assert new_problems(planted, before) == {("untranslated", hit["id"], None)}


def test_a_fuzzy_entry_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    hit = {}

    def fuzzy(catalog):
        m = first(catalog, lambda m: isinstance(m.id, str) and m.string and not m.fuzzy)
        m.flags.add("fuzzy")
        hit["id"] = m.id

    rewrite(planted, fuzzy)
    assert new_problems(planted, before) == {("fuzzy", hit["id"], None)}


def test_a_dropped_placeholder_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    hit = {}

    def drop(catalog):
        m = placeholder_message(catalog, "n", "d")
        m.string = re.sub(r"%\(n\)d", "", m.string)
        hit["id"] = m.id

    rewrite(planted, drop)
    assert new_problems(planted, before) == {("placeholders", hit["id"], None)}
    problem = next(p for p in check_catalog(planted, msgfmt=False, compiled=False)
                   if p.msgid == hit["id"])
    assert problem.detail == "lacks %(n)"


def test_a_renamed_placeholder_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    hit = {}

    def rename(catalog):
        m = placeholder_message(catalog, "name", "s")
        m.string = m.string.replace("%(name)s", "%(nom)s")
        hit["id"] = m.id

    rewrite(planted, rename)
    assert new_problems(planted, before) == {("placeholders", hit["id"], None)}
    problem = next(p for p in check_catalog(planted, msgfmt=False, compiled=False)
                   if p.msgid == hit["id"])
    assert problem.detail == "lacks %(name); has unknown %(nom)"


def test_a_plural_form_that_lost_its_placeholder_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    hit = {}

    def lose(catalog):
        m = first(catalog, lambda m: isinstance(m.id, tuple) and "%(num)" in m.id[1]
                  and all("%(num)" in s for s in m.string))
        m.string = (m.string[0], re.sub(r"%\(num\)[sd]", "", m.string[1]))
        hit["id"] = m.id[0]

    rewrite(planted, lose)
    assert new_problems(planted, before) == {("placeholders", hit["id"], None)}
    problem = next(p for p in check_catalog(planted, msgfmt=False, compiled=False)
                   if p.msgid == hit["id"])
    assert problem.detail == "msgstr[1] lacks %(num)"


def test_a_plural_entry_with_too_few_forms_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    text = planted.read_text(encoding="utf-8")
    entry = re.search(r'msgid "([^"]+)"\nmsgid_plural "[^"]+"\nmsgstr\[0\] "[^"]*"\n'
                      r'(msgstr\[1\] "[^"]*"\n)', text)
    planted.write_text(text[:entry.start(2)] + text[entry.end(2):], encoding="utf-8")
    # Babel's reader pads the lost form with an empty one: it is untranslated as well.
    assert new_problems(planted, before) == {("plural-forms", entry.group(1), None),
                                             ("untranslated", entry.group(1), None)}


def test_a_header_with_the_wrong_number_of_plural_forms_is_reported(planted):
    before = check_catalog(planted, msgfmt=False, compiled=False)
    text = planted.read_text(encoding="utf-8")
    assert "nplurals=2; plural=(n > 1);" in text
    planted.write_text(text.replace("nplurals=2; plural=(n > 1);", "nplurals=1; plural=0;"),
                       encoding="utf-8")
    problems = check_catalog(planted, msgfmt=False, compiled=False)
    assert Problem("plural-forms", "", "the header says 1 plural forms, fr has 2") in problems
    assert {(p.kind, p.msgid) for p in problems} - {(p.kind, p.msgid) for p in before} == {
        ("plural-forms", "")}


def test_a_message_of_the_source_missing_from_the_catalog_is_reported(planted, source):
    before = check_catalog(planted, source, msgfmt=False, compiled=False)
    hit = {}

    def remove(catalog):
        m = first(catalog, lambda m: isinstance(m.id, str) and source.get(m.id) is not None)
        hit["id"] = m.id
        del catalog[m.id]

    rewrite(planted, remove)
    assert new_problems(planted, before, source) == {("missing", hit["id"], None)}


def msgfmt_news(po: Path, change) -> list[str]:
    """What msgfmt says of the copy after `change` and did not say before (line numbers cut)."""
    def said():
        return {re.sub(r"^\S+:\d+: ", "", p.detail) for p in msgfmt_problems(po)}

    rewrite(po, lambda catalog: None)  # Babel's own layout, so that only `change` differs
    before = said()
    rewrite(po, change)
    return sorted(said() - before)


def test_a_translation_whose_format_does_not_compile_is_reported_by_msgfmt(planted):
    def break_format(catalog):
        m = placeholder_message(catalog, "n", "d")
        m.string = m.string.replace("%(n)d", "%(n)")

    news = msgfmt_news(planted, break_format)
    assert len(news) == 1 and "is not a valid Python format string" in news[0], news


def test_a_changed_placeholder_type_is_reported_by_msgfmt(planted):
    def retype(catalog):
        m = placeholder_message(catalog, "n", "d")
        m.string = m.string.replace("%(n)d", "%(n)s")

    news = msgfmt_news(planted, retype)
    assert news == ["format specifications in 'msgid' and 'msgstr' for argument 'n' are not "
                    "the same"]


def test_a_compiled_catalog_older_than_its_po_file_is_reported(planted):
    with planted.open("rb") as po, planted.with_suffix(".mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="fr"))
    assert compiled_problems(planted) == []

    def change(catalog):
        m = first(catalog, lambda m: isinstance(m.id, str) and m.string)
        m.string = m.string + " (modifié)"

    rewrite(planted, change)
    problems = compiled_problems(planted)
    assert len(problems) == 1 and problems[0].kind == "compiled"
    assert "make translations-compile" in problems[0].detail
    planted.with_suffix(".mo").unlink()
    assert compiled_problems(planted)[0].detail.startswith("messages.mo is missing")


def test_a_context_is_part_of_a_message(planted):
    """A msgid translated without a context does not count for the same msgid with one."""
    catalog = read_catalog(planted)
    plain = first(catalog, lambda m: isinstance(m.id, str) and m.string and not m.context)
    source = Catalog(locale="fr")
    source.add(plain.id, context="some sense")
    assert missing_messages(catalog, source) == [
        Problem("missing", plain.id, "run `make translations` and translate it", "some sense")]
    catalog.add(plain.id, "traduit", context="some sense")
    assert missing_messages(catalog, source) == []
