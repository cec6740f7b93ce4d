"""Receipts, acknowledgements and credit notes in Khmer, Lao, Vietnamese and Arabic: the labels
of the page language and the person's name in its own script are in the text, drawn with a font
of that script, every font embedded; Arabic documents are laid out right to left."""

from __future__ import annotations

import logging

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.receipts import render as receipts
from tests.receipts.test_render import (
    ARABIC_NAME,
    KHMER_NAME,
    LAO_NAME,
    OFFICE,
    compact,
    contains_run,
    document,
    glyphs_drawn,
    numbered_filings,
    pdf_fonts,
    pdf_text,
    receipt_context,
    shaped_alone,
    word_boxes,
)

VIETNAMESE_NAME = "Công ty Cổ phần Sông Hồng"


def khmer(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17ff"


def lao(ch: str) -> bool:
    return "\u0e80" <= ch <= "\u0eff"


def arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def vietnamese(ch: str) -> bool:
    """A Latin letter with a Vietnamese vowel or tone mark (Vietnamese is written in Latin)."""
    return ch in "ăâđêôơưàáãèéìíòóõùúýĂÂĐÊÔƠƯ" or "\u1ea0" <= ch <= "\u1ef9"


# locale -> (is a character of its script, the font family that draws it, a name in that script)
SCRIPTS = {
    "km": (khmer, "Noto Sans Khmer", KHMER_NAME),
    "lo": (lao, "Noto Sans Lao", LAO_NAME),
    "vi": (vietnamese, "Noto Sans", VIETNAMESE_NAME),
    "ar": (arabic, "Noto Naskh Arabic", ARABIC_NAME),
}


def acknowledgement(locale: str, name: str) -> dict:
    return {
        "locale": locale, "office": OFFICE, "portal_number": "EF-PT-2026-000002",
        "kind": "Patent", "filing_type": "Application", "title": "Rice husk insulation panel",
        "applicants": [name], "reference": "P-17", "accepted_at": "3 March 2026, 10:15",
        "documents": [document("description.pdf"), document("claims.pdf", pages=3)],
        "order_number": "ORD-2026-000042", "receipt_number": "RCP-2026-000001", "signed": False,
    }


def credit_note(locale: str, name: str) -> dict:
    return {
        "locale": locale, "office": OFFICE, "number": "CN-2026-000001",
        "issued_at": "9 March 2026", "receipt_number": "RCP-2026-000001",
        "receipt_date": "3 March 2026", "order_number": "ORD-2026-000042",
        "lines": [{"label": "EF-TM-2026-000001", "amount": "KHR 200,000"}],
        "total": "KHR 200,000", "currency": "KHR", "reason": "Class 35 withdrawn.",
        "payer": {"name": name, "organisation": "", "email": "sokha@example.org"},
        "signed": False,
    }


def receipt(locale: str, name: str) -> dict:
    return receipt_context(numbered_filings(1, applicant=name), locale=locale,
                           payer={"name": name, "organisation": "", "email": "x@example.org"})


# document -> (context, render function, its title, another label of the page)
DOCUMENTS = {
    "receipt": (receipt, receipts.render_receipt, "Receipt", "Paid by"),
    "acknowledgement": (acknowledgement, receipts.render_acknowledgement,
                        "Acknowledgement of receipt", "Documents received"),
    "credit note": (credit_note, receipts.render_credit_note, "Credit note", "Refunded to"),
}


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield app


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog):
    """A glyph missing from every font is logged by WeasyPrint (".notdef glyph rendered"), as
    is unsupported CSS (a logical property it would not know): either fails the test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    logged = [r.getMessage() for r in caplog.records
              if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert not logged, logged


@pytest.mark.parametrize("kind", list(DOCUMENTS))
@pytest.mark.parametrize("locale", list(SCRIPTS))
def test_documents_speak_the_page_language_in_its_script(request_ctx, tmp_path, locale, kind):
    in_script, family, name = SCRIPTS[locale]
    font = family.replace(" ", "")
    context, render, *labels = DOCUMENTS[kind]
    with force_locale(locale):
        translated = [_(label) for label in labels]

    pdf = render(context(locale, name))

    text = compact(pdf_text(pdf))
    for english, label in zip(labels, translated, strict=True):
        assert label != english and any(in_script(ch) for ch in label), (locale, label)
        assert compact(label) in text, (locale, label)
    if locale == "km":
        # The text layer of a Khmer name after Khmer labels maps its glyphs to the labels'
        # clusters (Kozea/WeasyPrint#2841, see test_render.py): compare what is drawn, the
        # name's glyphs as the Khmer font shapes it on its own.
        assert contains_run(glyphs_drawn(pdf, font), shaped_alone(name, family))
    else:
        assert compact(name) in text
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts.get(font) == "yes", fonts  # a real font of the script, embedded
    assert set(fonts.values()) == {"yes"}, fonts  # and every other font embedded too
    assert glyphs_drawn(pdf, font)


@pytest.mark.parametrize("kind", ["acknowledgement", "credit note"])
def test_arabic_acknowledgement_and_credit_note_are_right_to_left(request_ctx, tmp_path, kind):
    context, render, *_labels = DOCUMENTS[kind]
    rtl, ltr = context("ar", ARABIC_NAME), context("en", ARABIC_NAME)

    assert '<html lang="ar" dir="rtl">' in receipts.render_html(template(kind), rtl)
    assert '<html lang="en" dir="ltr">' in receipts.render_html(template(kind), ltr)

    # The letterhead sits against the right margin in Arabic, the left one in English.
    def office_email_x(pdf: bytes) -> tuple[float, float]:
        return next((x0, x1) for word, x0, x1 in word_boxes(pdf, tmp_path)
                    if word == OFFICE["email"])

    rtl_left, rtl_right = office_email_x(render(rtl))
    ltr_left, _ltr_right = office_email_x(render(ltr))
    assert rtl_left > 300 and rtl_right > 595 - 60  # A4: 595 points wide, margins 16 mm
    assert ltr_left < 60

    # The statement's rule is on the start side: right in Arabic, left in English
    # (border-inline-start in receipt.css).
    assert statement_borders(template(kind), rtl) == (0, pytest.approx(2 * 4 / 3))
    assert statement_borders(template(kind), ltr) == (pytest.approx(2 * 4 / 3), 0)


def template(kind: str) -> str:
    return {"receipt": "receipts/receipt.html", "acknowledgement": "receipts/acknowledgement.html",
            "credit note": "receipts/credit_note.html"}[kind]


def statement_borders(template_name: str, context: dict) -> tuple[float, float]:
    """(left, right) border widths, in CSS pixels, of the document's statement box."""
    from weasyprint import HTML

    root = receipts.static_root()
    document = HTML(string=receipts.render_html(template_name, context),
                    base_url=root.as_uri() + "/",
                    url_fetcher=receipts.static_url_fetcher(root)).render()

    def boxes(box):
        yield box
        for child in getattr(box, "children", ()):
            yield from boxes(child)

    for page in document.pages:
        for box in boxes(page._page_box):
            element = getattr(box, "element", None)
            if (element is not None and box.element_tag == "div"
                    and "statement" in (element.get("class") or "").split()):
                return box.border_left_width, box.border_right_width
    raise AssertionError("no statement box")


@pytest.mark.parametrize(("locale", "family"), [
    ("km", "Noto Sans Khmer"), ("lo", "Noto Sans Lao"), ("ar", "Noto Naskh Arabic"),
    ("vi", "Noto Sans"), ("en", "Noto Sans"),
])
def test_each_page_language_puts_its_own_font_first(request_ctx, locale, family):
    """receipt.css names a font per :lang(): the page's script is never left to a fallback."""
    from weasyprint import HTML

    root = receipts.static_root()
    html = receipts.render_html("receipts/receipt.html",
                                receipt_context(numbered_filings(1), locale=locale))
    document = HTML(string=html, base_url=root.as_uri() + "/",
                    url_fetcher=receipts.static_url_fetcher(root)).render()
    style = document.pages[0]._page_box.children[0].style  # the html element's box
    assert style["font_family"][0] == family
    # Every shipped script stays in the list, for names in another script.
    assert {"Noto Sans", "Noto Sans Khmer", "Noto Sans Lao",
            "Noto Naskh Arabic"} <= set(style["font_family"])
