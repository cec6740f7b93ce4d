"""Check the translation catalogs: complete, not fuzzy, placeholders kept, plural forms right,
format strings valid (GNU msgfmt) and compiled catalogs up to date.

    .venv/bin/python scripts/check_catalogs.py            # every shipped catalog
    .venv/bin/python scripts/check_catalogs.py km lo      # some of them
    .venv/bin/python scripts/check_catalogs.py path/to/messages.po

Each check returns a list of `Problem`s for one catalog file; tests/test_catalogs.py runs them on
the shipped catalogs and proves, on planted faults, that they report what they should.
Exit status: 0 when nothing is wrong, 1 otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, unescape

REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO_ROOT / "translations"

# The keywords `make translations-extract` gives pybabel besides its defaults (gettext, _,
# ngettext, pgettext, npgettext, ...); tests/test_catalogs.py checks the Makefile says the same.
EXTRACT_KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")


@dataclass(frozen=True, order=True)
class Problem:
    kind: str  # missing, untranslated, fuzzy, placeholders, plural-forms, format, compiled
    msgid: str  # the message concerned ("" for the whole catalog)
    detail: str = ""
    context: str | None = None

    def __str__(self) -> str:
        where = f"[{self.context}] {self.msgid!r}" if self.context else repr(self.msgid)
        text = f"{self.kind}: {where}" if self.msgid else self.kind
        return f"{text}: {self.detail}" if self.detail else text


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with Path(path).open("rb") as fh:
        return read_po(fh, locale=locale or locale_of(path))


def locale_of(path: Path) -> str:
    """translations/<code>/LC_MESSAGES/messages.po -> <code>."""
    return Path(path).parent.parent.name


def extract_source(root: Path = REPO_ROOT) -> Catalog:
    """What `make translations-extract` would write to messages.pot, read back."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        keywords = [arg for k in EXTRACT_KEYWORDS for arg in ("-k", k)]
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                        "-F", "babel.cfg", *keywords, "--no-location", "-o", str(pot), "."],
                       cwd=root, check=True, capture_output=True)
        with pot.open("rb") as fh:
            return read_po(fh)


def _key(message) -> tuple[str | None, str]:
    context = message.context  # Babel's read_mo gives it as bytes
    if isinstance(context, bytes):
        context = context.decode("utf-8")
    return context, _singular(message)


def _strings(message) -> tuple[str, ...]:
    string = message.string  # a tuple from a po file, a list from an mo file
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def _singular(message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else message.id


def placeholders(text: str) -> Counter:
    """The %-placeholders of a string: named ones by name, positional ones counted as "%"."""
    found = Counter()
    for match in PYTHON_FORMAT.finditer(text):
        name, _flags, conversion = match.groups()
        if conversion != "%":
            found[name or "%"] += 1
    return found


def _describe(wanted: Counter, got: Counter) -> str:
    lost = sorted((wanted - got).elements())
    added = sorted((got - wanted).elements())
    parts = []
    if lost:
        parts.append("lacks " + ", ".join(f"%({n})" if n != "%" else "%s" for n in lost))
    if added:
        parts.append("has unknown " + ", ".join(f"%({n})" if n != "%" else "%s" for n in added))
    return "; ".join(parts)


def missing_messages(catalog: Catalog, source: Catalog) -> list[Problem]:
    """Messages of the source (the extracted template) that the catalog does not have."""
    have = {_key(m) for m in catalog if m.id}
    return [Problem("missing", _singular(m), "run `make translations` and translate it",
                    m.context)
            for m in source if m.id and _key(m) not in have]


def translation_problems(catalog: Catalog) -> list[Problem]:
    """Untranslated and fuzzy entries, and placeholders lost, renamed or added."""
    problems = []
    for m in catalog:
        if not m.id:
            continue
        msgid, strings = _singular(m), _strings(m)
        if m.fuzzy:
            problems.append(Problem("fuzzy", msgid, "check the translation and remove the "
                                    "fuzzy flag", m.context))
        if not all(strings):
            problems.append(Problem("untranslated", msgid, "", m.context))
        # The plural msgid has every placeholder a form may need (%(num)d among them).
        wanted = placeholders(m.id[1] if isinstance(m.id, tuple) else m.id)
        for index, string in enumerate(strings):
            got = placeholders(string)
            if string and got != wanted:
                form = f"msgstr[{index}] " if isinstance(m.id, tuple) else ""
                problems.append(Problem("placeholders", msgid, form + _describe(wanted, got),
                                        m.context))
    return problems


def plural_problems(catalog: Catalog) -> list[Problem]:
    """The header's number of plural forms is the language's."""
    expected = get_plural(str(catalog.locale)).num_plurals
    if catalog.num_plurals != expected:
        return [Problem("plural-forms", "", f"the header says {catalog.num_plurals} plural "
                        f"forms, {catalog.locale} has {expected}")]
    return []


def written_plural_forms(path: Path) -> dict[tuple[str | None, str], int]:
    """How many msgstr[n] each plural entry has as written (Babel's reader pads missing forms
    with empty ones and drops extra ones), keyed by (context, msgid)."""
    counts: dict[tuple[str | None, str], int] = {}
    entry: dict[str, str] = {}
    field = None
    forms = 0

    def close():
        if "msgid_plural" in entry:
            counts[entry.get("msgctxt"), entry.get("msgid", "")] = forms

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and entry:
                close()
                entry, field, forms = {}, None, 0
            continue
        if line.startswith('"'):
            if field:
                entry[field] += unescape(line)
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in entry):
            close()  # a new entry without a blank line before it
            entry, forms = {}, 0
        if keyword.startswith("msgstr["):
            forms += 1
        field = keyword
        entry[field] = unescape(rest)
    close()
    return counts


def written_plural_problems(path: Path, catalog: Catalog) -> list[Problem]:
    """Plural entries with more or fewer msgstr[n] than the language has."""
    expected = get_plural(str(catalog.locale)).num_plurals
    return [Problem("plural-forms", msgid, f"{count} forms instead of {expected}", context)
            for (context, msgid), count in sorted(written_plural_forms(path).items(),
                                                   key=lambda item: str(item[0]))
            if msgid and count != expected]


def msgfmt_problems(path: Path) -> list[Problem]:
    """GNU msgfmt's own check: every python-format string compiles and matches its msgid."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return [Problem("format", "", "msgfmt is not installed (Debian package gettext)")]
    result = subprocess.run([msgfmt, "--check-format", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True)
    if result.returncode == 0:
        return []
    lines = [line for line in result.stderr.splitlines()
             if line and not line.startswith(("msgfmt: found", f"{msgfmt}: found"))]
    return [Problem("format", "", line) for line in lines] or [
        Problem("format", "", f"msgfmt failed with status {result.returncode}")]


def compiled_problems(path: Path, catalog: Catalog | None = None) -> list[Problem]:
    """messages.mo beside messages.po holds exactly the po file's usable translations."""
    mo = Path(path).with_suffix(".mo")
    if not mo.exists():
        return [Problem("compiled", "", f"{mo.name} is missing: run `make translations-compile`")]
    catalog = catalog or read_catalog(path)
    with mo.open("rb") as fh:
        compiled = {_key(m): _strings(m) for m in read_mo(fh) if m.id}
    wanted = {_key(m): _strings(m) for m in catalog
              if m.id and not m.fuzzy and all(_strings(m))}
    if compiled != wanted:
        differ = sorted(k[1] for k in set(compiled) ^ set(wanted)
                        | {k for k in wanted if compiled.get(k) != wanted[k]})
        return [Problem("compiled", "", f"{mo.name} differs from the po file ({len(differ)} "
                        f"messages, e.g. {differ[:3]}): run `make translations-compile`")]
    return []


def check_catalog(path: Path, source: Catalog | None = None, *, msgfmt: bool = True,
                  compiled: bool = True) -> list[Problem]:
    """Every problem of one catalog file; `source` is the extracted template to compare with."""
    path = Path(path)
    catalog = read_catalog(path)
    problems = translation_problems(catalog) + plural_problems(catalog)
    problems += written_plural_problems(path, catalog)
    if source is not None:
        problems += missing_messages(catalog, source)
    if msgfmt:
        problems += msgfmt_problems(path)
    if compiled:
        problems += compiled_problems(path, catalog)
    return problems


def shipped_catalog(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"


def main(argv: list[str]) -> int:
    from portal.config import LOCALES

    targets = [Path(a) if a.endswith(".po") else shipped_catalog(a) for a in argv] or [
        shipped_catalog(code) for code in LOCALES if code != "en"]
    source = extract_source()
    status = 0
    for path in targets:
        problems = check_catalog(path, source)
        for problem in problems:
            print(f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}: "
                  f"{problem}")
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
