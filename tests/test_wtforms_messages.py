"""WTForms' and Flask-WTF's own messages are the portal's: listed in forms/wtforms_messages.py
(hence in the portal's catalogs), and looked up through flask_babel in the user's language."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from decimal import Decimal
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, render_template_string
from wtforms import DecimalField, FormField, IntegerField
from wtforms.validators import Length, NumberRange

import forms
from forms.base import PlainForm, PortalForm
from payments.providers.deposit_account import move, open_account
from portal.config import REPO_ROOT
from portal.extensions import babel, db
from scripts.check_catalogs import extract_source
from tests.conftest import Browser

WTFORMS_POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


def wtforms_messages() -> set:
    """The msgids of the installed WTForms' catalog template (plurals as (singular, plural))."""
    with WTFORMS_POT.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def flask_wtf_messages() -> set:
    """The literal messages in Flask-WTF's sources: raised as ValidationError or StopValidation,
    or passed to a field's gettext. (FileSize's message is an f-string: it cannot be a msgid.)"""
    found = set()
    for path in Path(flask_wtf.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if (name in ("ValidationError", "StopValidation", "gettext")
                    and isinstance(first, ast.Constant) and isinstance(first.value, str)):
                found.add(first.value)
    return found


def missing_from(source: Catalog, wanted: set) -> list:
    """The messages of `wanted` that the extracted source lacks (a plural must match whole)."""
    missing = []
    for msgid in wanted:
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        message = source.get(singular)
        if message is None or (isinstance(msgid, tuple) and message.id != msgid):
            missing.append(msgid)
    return sorted(missing, key=str)


@pytest.fixture(scope="module")
def source():
    return extract_source()


def test_every_message_of_wtforms_is_in_the_portal_catalog(source):
    wanted = wtforms_messages()
    assert len(wanted) >= 35 and "Not a valid decimal value." in wanted
    assert ("Field must be at least %(min)d character long.",
            "Field must be at least %(min)d characters long.") in wanted
    assert missing_from(source, wanted) == [], "add them to forms/wtforms_messages.py"


def test_every_message_of_flask_wtf_is_in_the_portal_catalog(source):
    wanted = flask_wtf_messages()
    assert {"The CSRF token is missing.", "The CSRF tokens do not match.",
            "File does not have an approved extension."} <= wanted
    assert missing_from(source, wanted) == [], "add them to forms/wtforms_messages.py"


def test_a_message_missing_from_the_list_is_reported(source):
    """What an upgrade of WTForms bringing a new message looks like to the tests above."""
    new = "Not a valid colour value."
    plural = ("%(n)d new thing.", "%(n)d new things.")
    assert missing_from(source, {new, plural, "Not a valid decimal value."}) == [plural, new]
    changed = ("Field must be at least %(min)d character long.", "changed plural")
    assert missing_from(source, {changed}) == [changed]


# --- the messages are looked up in the portal's catalogs, in the user's language ------------------

KHMER = {  # planted: the shipped Khmer catalog may not have them yet
    "Not a valid decimal value.": "មិនមែនជាលេខទសភាគត្រឹមត្រូវទេ។",
    "Number must be at least %(min)s.": "លេខត្រូវតែយ៉ាងហោចណាស់ %(min)s។",
    "The CSRF token is missing.": "និមិត្តសញ្ញាសុវត្ថិភាពបាត់។",
    "Security token of the form": "និមិត្តសញ្ញាសុវត្ថិភាពនៃទម្រង់",
    "Enter an amount in figures, for example %(example)s.":
        "បញ្ចូលចំនួនទឹកប្រាក់ជាលេខ ឧទាហរណ៍ %(example)s។",
}
KHMER_PLURAL = {("Field must be at least %(min)d character long.",
                 "Field must be at least %(min)d characters long."):
                ("វាលត្រូវមានយ៉ាងហោចណាស់ %(min)d តួអក្សរ។",)}
KHMER_IN_CONTEXT = {("to the clipboard", "Copy"): "ចម្លងទុក",
                    ("duplicate a draft", "Copy"): "ធ្វើសេចក្តីព្រាងថ្មីពីនេះ",
                    ("procedure stage", "Filing"): "ដំណាក់កាលដាក់ពាក្យ"}


@pytest.fixture
def config_overrides(tmp_path):
    """A Khmer catalog with the messages above, after the shipped ones (it wins where both
    have a message)."""
    catalog = Catalog(locale="km")
    for msgid, msgstr in {**KHMER, **KHMER_PLURAL}.items():
        catalog.add(msgid, msgstr)
    for (context, msgid), msgstr in KHMER_IN_CONTEXT.items():
        catalog.add(msgid, msgstr, context=context)
    folder = tmp_path / "planted" / "km" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    return {"BABEL_TRANSLATION_DIRECTORIES":
            f"{REPO_ROOT / 'translations'};{tmp_path / 'planted'}"}


@pytest.fixture
def planted(app, monkeypatch):
    """flask_babel keeps loaded catalogs in one cache for every app of the process: this test
    reads its own, and leaves the others' alone."""
    monkeypatch.setattr(babel.domain_instance, "cache", {})


def test_a_field_message_reaches_the_page_in_khmer(app, users, planted):
    account = open_account(users["agent"], "KHR")
    move(account, Decimal("1000"), "top_up", note="opening balance")
    db.session.commit()
    web = Browser(app.test_client())
    web.client.set_cookie("lang", "km")
    web.login("agent@example.org")
    r = web.submit("/deposit/top-up", {"amount": "a lot", "method": "bank_transfer",
                                       "checkout_key": "top-up-key-0123456789"},
                   page="/deposit")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and '<html lang="km"' in html
    # the amount field's message (forms.amounts), in the planted Khmer, its example filled in
    message = KHMER["Enter an amount in figures, for example %(example)s."]
    assert message % {"example": "1250.50"} in html
    assert "Enter an amount" not in html and "Not a valid decimal value." not in html


class Amounts(PlainForm):
    amount = DecimalField("amount")


class Checked(PortalForm):
    count = IntegerField("count", validators=[NumberRange(min=3)])
    word = wtforms.StringField("word", validators=[Length(min=4)])
    nested = FormField(Amounts)


def validate_in(app, language: str, data: dict, *, csrf: bool = False) -> Checked:
    with app.test_request_context("/", method="POST", data=data,
                                  headers={"Cookie": f"lang={language}"}):
        if not csrf:
            g.csrf_valid = True  # as CSRFProtect leaves it for the view
        form = Checked()
        form.validate()
        errors = {name: field.errors if isinstance(field.errors, dict)
                  else [str(e) for e in field.errors] for name, field in form._fields.items()}
        errors["label"] = str(form.csrf_token.label.text)
        return errors


def test_builtin_validators_messages_are_looked_up_and_then_filled_in(app, planted):
    errors = validate_in(app, "km", {"count": "2", "word": "ab", "nested-amount": "x"})
    assert errors["count"] == ["លេខត្រូវតែយ៉ាងហោចណាស់ 3។"]  # gettext, then WTForms' %(min)s
    assert errors["word"] == ["វាលត្រូវមានយ៉ាងហោចណាស់ 4 តួអក្សរ។"]  # ngettext, Khmer's one form
    assert errors["nested"] == {"amount": [KHMER["Not a valid decimal value."]]}  # a sub-form
    assert errors["csrf_token"] == []


def test_english_is_the_message_itself(app, planted):
    errors = validate_in(app, "en", {"count": "2", "word": "ab", "nested-amount": "x"})
    assert errors["count"] == ["Number must be at least 3."]
    assert errors["word"] == ["Field must be at least 4 characters long."]


def test_flask_wtf_csrf_messages_are_translated(app, planted):
    errors = validate_in(app, "km", {"count": "5", "word": "long enough"}, csrf=True)
    assert errors["csrf_token"] == [KHMER["The CSRF token is missing."]]
    assert errors["label"] == KHMER["Security token of the form"]


def test_every_form_class_uses_the_portal_translations():
    """A form deriving from wtforms.Form directly would show WTForms' English messages."""
    for module in pkgutil.walk_packages(forms.__path__, "forms."):
        importlib.import_module(module.name)
    importlib.import_module("portal.backoffice.simulator")
    seen, todo, stray = set(), [wtforms.Form], []
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            todo.append(sub)
            path = Path(inspect.getfile(sub))
            if (path.is_relative_to(REPO_ROOT / "forms") or path.is_relative_to(
                    REPO_ROOT / "portal")) and not issubclass(sub, PortalForm | PlainForm):
                stray.append(f"{sub.__module__}.{sub.__qualname__}")
    # The back-office simulator stands in for the office's system, English on purpose: its
    # forms are found, and are the only ones.
    assert "portal.backoffice.simulator.StatusForm" in stray
    assert [s for s in stray if not s.startswith("portal.backoffice.simulator.")] == []


def test_a_message_with_a_context_is_its_own_message(app, planted):
    """pgettext in templates (flask-babel installs it in Jinja) and lazy_pgettext in Python:
    each sense of "Copy" has its own translation, and the plain msgid is neither."""
    from portal.tracking.models import STAGES

    with app.test_request_context("/", headers={"Cookie": "lang=km"}):
        page = render_template_string(
            '{{ pgettext("to the clipboard", "Copy") }}|{{ pgettext("duplicate a draft", "Copy") }}'
            '|{{ _("Copy") }}')
        stage = str(STAGES["filing"])
    clipboard, draft, plain = page.split("|")
    assert (clipboard, draft) == (KHMER_IN_CONTEXT["to the clipboard", "Copy"],
                                  KHMER_IN_CONTEXT["duplicate a draft", "Copy"])
    assert plain not in (clipboard, draft)
    assert stage == KHMER_IN_CONTEXT["procedure stage", "Filing"]
