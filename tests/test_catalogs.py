"""The shipped catalogs are complete, consistent with the source, and their placeholders match."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from portal.config import LOCALES, REPO_ROOT

TRANSLATED = [code for code in LOCALES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(code: str):
    path = REPO_ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=code)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=REPO_ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_has_every_message_of_the_source(code, source_ids):
    ids = {m.id for m in catalog(code) if m.id}
    missing = {str(i) for i in source_ids - ids}
    assert not missing, f"{code}: run `make translations` and translate: {sorted(missing)[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete_and_not_fuzzy(code):
    problems = []
    for m in catalog(code):
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(strings):
            problems.append(m.id)
    assert not problems, f"{code}: untranslated or fuzzy: {problems[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_survive_translation(code):
    for m in catalog(code):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == wanted, (code, m.id, s)


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_match_the_language(code):
    cat = catalog(code)
    assert cat.num_plurals == get_plural(code).num_plurals
    for m in cat:
        if m.id and isinstance(m.id, tuple):
            assert len(m.string) == cat.num_plurals, (code, m.id)


def test_compiled_catalogs_are_fresh():
    for code in TRANSLATED:
        folder = Path(REPO_ROOT / "translations" / code / "LC_MESSAGES")
        mo, po = folder / "messages.mo", folder / "messages.po"
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{code}: run `make translations-compile`")
