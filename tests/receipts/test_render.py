"""PDF receipts: what they say, in which scripts and fonts, in which direction, which resources
they may load, how they paginate, and their signature."""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import subprocess
import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader

from portal.receipts import render as receipts
from portal.receipts.render import outside_event_loop

KHMER_NAME = "ក្រុមហ៊ុន អង្គរ"
LAO_NAME = "ບໍລິສັດ ລ້ານຊ້າງ"
ARABIC_NAME = "شركة النخيل"
OFFICE = {"name": "Test Intellectual Property Office", "address": "1 Test Street, Phnom Penh",
          "email": "receipts@tipo.example.org"}


# ---------------------------------------------------------------------------------------------
# Contexts: plain values, as the caller builds them from the database


def sha256(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def document(name: str, kind: str = "Specification", pages: int | None = 12) -> dict:
    return {"filename": name, "kind": kind, "pages": pages, "size": "1.2 MB",
            "sha256": sha256(name)}


def filing(number: str, *, kind="Trademark", applicant="Angkor Trading Co., Ltd.",
           documents=None, fees=None, total="KHR 600,000") -> dict:
    return {
        "portal_number": number, "kind": kind, "filing_type": "Application",
        "title": "ANGKOR GOLD", "applicant": applicant, "reference": "REF/42",
        "accepted_at": "3 March 2026, 10:15",
        "documents": documents if documents is not None else [
            document(f"{number}-specification.pdf"),
            document(f"{number}-mark.png", kind="Representation of the mark", pages=None)],
        "fees": fees if fees is not None else [
            {"label": "Filing fee", "quantity": 1, "amount": "KHR 400,000"},
            {"label": "Each class beyond the first", "quantity": 2, "amount": "KHR 200,000"}],
        "total": total,
    }


def receipt_context(items: list[dict], *, locale: str = "en", **overrides) -> dict:
    return {
        "locale": locale, "office": OFFICE, "number": "RCP-2026-000001",
        "order_number": "ORD-2026-000042", "issued_at": "3 March 2026, 10:20",
        "payer": {"name": "Sokha Chan", "organisation": "Mekong IP",
                  "email": "sokha@example.org"},
        "items": items, "total": "KHR 1,350,000", "currency": "KHR",
        "payment": {"method": "Card", "reference": "pi_3Q0042", "paid_at": "3 March 2026, 10:19"},
        "signed": False, **overrides,
    }


def numbered_filings(count: int, **kwargs) -> list[dict]:
    return [filing(f"EF-TM-2026-{n:06d}", **kwargs) for n in range(1, count + 1)]


# ---------------------------------------------------------------------------------------------
# Reading the PDFs back


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def compact(text: str) -> str:
    """Without white space and invisible format characters (zero-width spaces and joiners,
    bidi isolates), which extraction adds or drops between clusters and wrapped lines."""
    return "".join(ch for ch in text
                   if not ch.isspace() and unicodedata.category(ch) != "Cf")


def pdf_fonts(pdf: bytes, tmp_path) -> dict[str, str]:
    """`pdffonts`: font name without the subset prefix and hyphens -> its `emb` column."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    columns = [m.span() for m in re.finditer(r"-+", lines[1])]  # name type encoding emb ...
    fonts = {}
    for line in lines[2:]:
        cells = [line[start:end].strip() for start, end in columns]
        fonts[cells[0].split("+", 1)[-1].replace("-", "")] = cells[3]
    return fonts


def glyphs_drawn(pdf: bytes, font: str) -> list[int]:
    """The glyph ids drawn with `font` ("NotoSansKhmer": the regular face), in drawing order,
    read from the content streams (WeasyPrint writes Identity-H fonts and keeps the font's own
    glyph ids when it subsets)."""
    glyphs = []
    for page in PdfReader(BytesIO(pdf)).pages:
        names = {key[1:]: str(ref.get_object()["/BaseFont"]).split("+", 1)[-1].replace("-", "")
                 for key, ref in page["/Resources"]["/Font"].items()}
        current = None
        content = page.get_contents().get_data()
        for match in re.finditer(rb"/(\S+)\s+[-\d.]+\s+Tf|<([0-9A-Fa-f]+)>", content):
            if match.group(1):
                current = names.get(match.group(1).decode())
            elif current == font:
                hexa = match.group(2).decode()
                glyphs.extend(int(hexa[i:i + 4], 16) for i in range(0, len(hexa), 4))
    return glyphs


def contains_run(sequence: list[int], run: list[int]) -> bool:
    return any(sequence[i:i + len(run)] == run for i in range(len(sequence) - len(run) + 1))


def word_boxes(pdf: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """Words of the first page with their left and right x (points), from `pdftotext -bbox`."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(word, float(x_min), float(x_max)) for x_min, x_max, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        html)]


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def request_ctx(app):
    with app.test_request_context("/"):
        yield app


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog):
    """WeasyPrint logs (rather than warns) unsupported CSS, unreachable resources and glyphs
    missing from every font (".notdef glyph rendered ..."): any of them fails the test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    logged = [r.getMessage() for r in caplog.records
              if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert not logged, logged


# ---------------------------------------------------------------------------------------------
# Content


def test_receipt_lists_each_filing_its_documents_and_fees(request_ctx):
    items = [
        filing("EF-TM-2026-000001"),
        filing("EF-PT-2026-000002", kind="Patent", total="KHR 750,000",
               documents=[document("description.pdf"), document("claims.pdf", pages=3),
                          document("drawings.pdf", kind="Drawings", pages=7)],
               fees=[{"label": "Filing fee", "quantity": 1, "amount": "KHR 500,000"},
                     {"label": "Each claim beyond the tenth", "quantity": 5,
                      "amount": "KHR 250,000"}]),
    ]
    pdf = receipts.render_receipt(receipt_context(items))

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = compact(text)
    for expected in ("EF-TM-2026-000001", "EF-PT-2026-000002", "ORD-2026-000042",
                     "RCP-2026-000001", "KHR 400,000", "KHR 200,000", "KHR 500,000",
                     "KHR 250,000", "KHR 600,000", "KHR 750,000", "KHR 1,350,000",
                     "Documents received", "SHA-256", "Paid by", "pi_3Q0042"):
        assert compact(expected) in flat, expected
    for item in items:
        for doc in item["documents"]:
            # A fingerprint wraps inside its cell: compare without the line breaks (and nothing
            # else: copied from the PDF, it must be the fingerprint, no invisible characters).
            assert doc["sha256"] in re.sub(r"\s", "", text), doc["filename"]
    assert ("This receipt lists exactly the documents the office received, identified by "
            "their SHA-256 fingerprints.") in " ".join(text.split())
    pages = page_count(pdf)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "signed electronically" not in text  # signed: False


def test_signed_receipt_says_so(request_ctx):
    pdf = receipts.render_receipt(receipt_context(numbered_filings(1), signed=True))
    assert "signed electronically by the office" in " ".join(pdf_text(pdf).split())


def test_same_context_gives_the_same_pdf(request_ctx):
    context = receipt_context(numbered_filings(1))
    assert receipts.render_receipt(context) == receipts.render_receipt(context)


# ---------------------------------------------------------------------------------------------
# Scripts and fonts


def shaped_alone(name: str, family: str) -> list[int]:
    """The glyph ids of `name` shaped on its own by `family`, as WeasyPrint draws it."""
    from weasyprint import HTML

    pdf = HTML(string=f'<p style="font-family: \'{family}\'">{name}</p>').write_pdf()
    return glyphs_drawn(pdf, family.replace(" ", ""))


@pytest.mark.parametrize(("locale", "name", "family"), [
    ("km", KHMER_NAME, "Noto Sans Khmer"),
    ("lo", LAO_NAME, "Noto Sans Lao"),
])
def test_a_name_in_the_page_language_is_drawn_with_its_embedded_font(request_ctx, tmp_path,
                                                                      locale, name, family):
    pdf = receipts.render_receipt(receipt_context(numbered_filings(2, applicant=name),
                                                  locale=locale))

    font = family.replace(" ", "")
    assert pdf_fonts(pdf, tmp_path).get(font) == "yes"
    # The name, shaped by the same font on its own, is drawn glyph for glyph in the receipt
    # (and the autouse fixture checks that no character fell back to a .notdef box).
    name_glyphs = shaped_alone(name, family)
    assert len(name_glyphs) >= 10
    assert contains_run(glyphs_drawn(pdf, font), name_glyphs)


def test_khmer_receipt_text_contains_the_khmer_name(request_ctx):
    pdf = receipts.render_receipt(receipt_context(numbered_filings(2, applicant=KHMER_NAME),
                                                  locale="km"))
    # WeasyPrint 70 maps each glyph to the text of the first cluster it was drawn in
    # (Kozea/WeasyPrint#2841, open): on a Khmer page the Khmer labels come first, and the
    # subscript (coeng) consonant of the name loses its text ("ក ុមហ៊ុន" for "ក្រុមហ៊ុន"), although
    # the page shows it. So compare the name's base letters (no subscripts, vowel signs,
    # diacritics or spaces) here; the exact name is extracted from an English receipt below.
    assert khmer_letters(KHMER_NAME) in khmer_letters(pdf_text(pdf))


def khmer_letters(text: str) -> str:
    """The Khmer base letters of `text`: no subscript consonants, signs or spaces."""
    text = re.sub("\u17d2.", "", text)  # COENG + consonant: a subscript
    return "".join(ch for ch in text
                   if "\u1780" <= ch <= "\u17ff" and unicodedata.category(ch) == "Lo")


@pytest.mark.parametrize(("name", "font"), [
    (KHMER_NAME, "NotoSansKhmer"),
    (LAO_NAME, "NotoSansLao"),
    (ARABIC_NAME, "NotoNaskhArabic"),
])
def test_a_name_in_another_script_on_an_english_receipt(request_ctx, tmp_path, name, font):
    pdf = receipts.render_receipt(receipt_context(numbered_filings(1, applicant=name)))

    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts.get("NotoSans") == "yes" and fonts.get(font) == "yes"
    # The only text of its script on the page, so its glyphs map to its own text: exact.
    assert compact(name) in compact(pdf_text(pdf))


def test_arabic_receipt_is_right_to_left(request_ctx, tmp_path):
    context = receipt_context(numbered_filings(1, applicant=ARABIC_NAME), locale="ar")

    html = receipts.render_html("receipts/receipt.html", context)
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert re.search(r'<html lang="en" dir="ltr">', receipts.render_html(
        "receipts/receipt.html", receipt_context(numbered_filings(1))))

    pdf = receipts.render_receipt(context)
    assert pdf_fonts(pdf, tmp_path).get("NotoNaskhArabic") == "yes"
    text = pdf_text(pdf)
    assert re.search("[\u0600-\u06ff]{4}", text)  # Arabic letters, the labels' and the name's
    assert compact(ARABIC_NAME) in compact(text)

    # The layout is mirrored: the letterhead sits against the right margin, not the left.
    def office_email_x(document: bytes) -> tuple[float, float]:
        return next((x0, x1) for word, x0, x1 in word_boxes(document, tmp_path)
                    if word == OFFICE["email"])

    width = float(PdfReader(BytesIO(pdf)).pages[0].mediabox.width)
    rtl_left, rtl_right = office_email_x(pdf)
    ltr_left, _ = office_email_x(receipts.render_receipt(receipt_context(numbered_filings(1))))
    assert rtl_left > width / 2 and rtl_right > width - 60
    assert ltr_left < 60


def test_arabic_receipt_keeps_latin_values_in_order(request_ctx):
    """Values are bidi isolates: "3 March 2026" does not become "March 2026 3"."""
    html = receipts.render_html("receipts/receipt.html",
                                receipt_context(numbered_filings(1), locale="ar"))
    assert "\u20683 March 2026, 10:20\u2069" in html
    assert "\u2068" not in receipts.render_html("receipts/receipt.html",
                                                receipt_context(numbered_filings(1)))


def test_values_are_escaped(request_ctx):
    items = numbered_filings(1, applicant='<img src="http://example.org/x.png">')
    html = receipts.render_html("receipts/receipt.html", receipt_context(items))
    assert "<img" not in html and "&lt;img" in html


# ---------------------------------------------------------------------------------------------
# Resources: the static folder only


def test_url_fetcher_serves_the_static_folder_only(request_ctx, tmp_path):
    fetcher = receipts.static_url_fetcher()
    static = receipts.static_root()

    response = fetcher((static / "css" / "receipt.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    response.close()

    for url in ("http://example.org/x.png", "https://example.org/receipt.css",
                "ftp://example.org/x.css", "file:///etc/passwd",
                (static / ".." / "portal" / "config.py").as_uri(),
                "file://otherhost" + str(static / "css" / "receipt.css"),
                (static / "css" / "missing.css").as_uri(),
                (static / "css").as_uri(),
                (static / "css" / "receipt.css").as_uri().replace("receipt", "%00receipt"),
                "data:text/css,body{color:red}"):
        with pytest.raises(receipts.ResourceRefused):
            fetcher(url)


def test_url_fetcher_does_not_follow_links_out_of_the_folder(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "inside.css").write_text("p { color: red }")
    (root / "outside.css").symlink_to("/etc/passwd")
    fetcher = receipts.static_url_fetcher(root)

    assert fetcher((root / "inside.css").as_uri()).read() == b"p { color: red }"
    with pytest.raises(receipts.ResourceRefused):
        fetcher((root / "outside.css").as_uri())


def test_a_refused_resource_stops_the_rendering(request_ctx, monkeypatch):
    monkeypatch.setattr(receipts, "STYLESHEET", "http://example.org/receipt.css")
    with pytest.raises(receipts.RenderingError, match="example.org"):
        receipts.render_receipt(receipt_context(numbered_filings(1)))


def test_page_counter_is_a_safe_css_value(request_ctx):
    assert str(receipts.page_counter_css()) == '"Page " counter(page) " of " counter(pages)'
    escaped = receipts.css_string('a"b\\c</style>ខ')
    assert escaped.startswith('"') and escaped.endswith('"')
    assert '"' not in escaped[1:-1] and "<" not in escaped and "\\00005c" in escaped
    assert "ខ" in escaped


# ---------------------------------------------------------------------------------------------
# Pagination


def test_a_receipt_of_200_filings_runs_over_many_pages(request_ctx):
    short = receipts.render_receipt(receipt_context(numbered_filings(1)))
    long = receipts.render_receipt(receipt_context(numbered_filings(200)))

    assert page_count(short) == 1
    pages = page_count(long)
    assert pages > 50
    text = pdf_text(long)
    assert "EF-TM-2026-000200" in text and f"Page {pages} of {pages}" in text
    # Every page repeats the office and the receipt number in its header.
    last = PdfReader(BytesIO(long)).pages[-1].extract_text()
    assert "RCP-2026-000001" in last and OFFICE["name"] in last


# ---------------------------------------------------------------------------------------------
# Acknowledgement and credit note


def test_acknowledgement_is_one_page(request_ctx):
    documents = [document(f"part-{n}.pdf", pages=n) for n in range(1, 9)]
    pdf = receipts.render_acknowledgement({
        "locale": "en", "office": OFFICE, "portal_number": "EF-PT-2026-000002",
        "kind": "Patent", "filing_type": "Application", "title": "Rice husk insulation panel",
        "applicants": ["Angkor Trading Co., Ltd.", KHMER_NAME], "reference": "P-17",
        "accepted_at": "3 March 2026, 10:15", "documents": documents,
        "order_number": "ORD-2026-000042", "receipt_number": "RCP-2026-000001", "signed": False,
    })

    assert page_count(pdf) == 1
    flat = compact(pdf_text(pdf))
    for expected in ("EF-PT-2026-000002", "ORD-2026-000042", "RCP-2026-000001",
                     "Acknowledgement of receipt", "Applicants", KHMER_NAME,
                     "Rice husk insulation panel"):
        assert compact(expected) in flat, expected
    for doc in documents:
        assert doc["sha256"] in flat


def test_credit_note_names_the_receipt_it_corrects(request_ctx):
    pdf = receipts.render_credit_note({
        "locale": "en", "office": OFFICE, "number": "CN-2026-000001",
        "issued_at": "9 March 2026", "receipt_number": "RCP-2026-000001",
        "receipt_date": "3 March 2026", "order_number": "ORD-2026-000042",
        "lines": [{"label": "EF-TM-2026-000001: each class beyond the first",
                   "amount": "KHR 200,000"}],
        "total": "KHR 200,000", "currency": "KHR",
        "reason": "Class 35 withdrawn before examination.",
        "payer": {"name": "Sokha Chan", "organisation": "", "email": "sokha@example.org"},
        "signed": False,
    })

    flat = compact(pdf_text(pdf))
    for expected in ("Credit note", "CN-2026-000001", "RCP-2026-000001", "3 March 2026",
                     "ORD-2026-000042", "KHR 200,000", "Total refunded",
                     "Class 35 withdrawn before examination.", "Sokha Chan"):
        assert compact(expected) in flat, expected


# ---------------------------------------------------------------------------------------------
# Signing


@pytest.fixture
def signing_identity(tmp_path):
    """A throwaway self-signed certificate and its key in a PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TIPO receipts"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TIPO")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "receipts.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"receipts", key, cert, None, serialization.BestAvailableEncryption(b"kettle-violin")))
    return path, "kettle-violin", cert.public_bytes(serialization.Encoding.DER)


def test_signed_receipt_validates_and_covers_the_whole_file(request_ctx, signing_identity):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path, password, cert_der = signing_identity
    request_ctx.config.update(RECEIPT_SIGNING_PKCS12=str(path),
                              RECEIPT_SIGNING_PASSWORD=password)
    assert receipts.signing_configured()
    pdf = receipts.render_receipt(receipt_context(numbered_filings(1), signed=True))

    signed = receipts.sign_pdf(pdf, office=OFFICE["name"])

    assert signed.startswith(pdf)  # an incremental update: the receipt itself is untouched
    signatures = PdfFileReader(BytesIO(signed)).embedded_signatures
    assert len(signatures) == 1
    assert signatures[0].sig_object["/Reason"] == f"Receipt issued by {OFFICE['name']}"
    assert signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    # Trusting a self-signed root is out of scope: it is this test's trust root.
    trust = ValidationContext(trust_roots=[asn1_x509.Certificate.load(cert_der)])
    status = outside_event_loop(lambda: validate_pdf_signature(signatures[0], trust))
    assert status.intact and status.valid and status.trusted
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line

    # One changed byte in the signed range (inside the first stream) breaks it.
    tampered = bytearray(signed)
    tampered[signed.index(b"stream\n") + 20] ^= 0x01
    signature = PdfFileReader(BytesIO(bytes(tampered))).embedded_signatures[0]
    assert not outside_event_loop(lambda: validate_pdf_signature(signature, trust)).intact


def test_signing_defaults_to_the_certificate_owner(request_ctx, signing_identity):
    from pyhanko.pdf_utils.reader import PdfFileReader

    path, password, _ = signing_identity
    request_ctx.config.update(RECEIPT_SIGNING_PKCS12=str(path),
                              RECEIPT_SIGNING_PASSWORD=password)
    signed = receipts.sign_pdf(receipts.render_credit_note({
        "locale": "en", "office": OFFICE, "number": "CN-2026-000002", "issued_at": "",
        "receipt_number": "RCP-2026-000001", "receipt_date": "3 March 2026",
        "order_number": "ORD-2026-000042", "lines": [], "total": "KHR 0", "currency": "KHR",
        "reason": "Test", "payer": {"name": "Sokha Chan"}, "signed": True}))
    signature = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    assert signature.sig_object["/Reason"] == "Receipt issued by TIPO"


def test_wrong_signing_password_is_an_error(request_ctx, signing_identity):
    path, _, _ = signing_identity
    request_ctx.config.update(RECEIPT_SIGNING_PKCS12=str(path),
                              RECEIPT_SIGNING_PASSWORD="not-the-password")
    with pytest.raises(receipts.SigningError):
        receipts.sign_pdf(b"%PDF-1.7\n")


def test_without_configuration_the_pdf_is_returned_unchanged(request_ctx):
    assert not request_ctx.config["RECEIPT_SIGNING_PKCS12"]
    assert not receipts.signing_configured()
    pdf = receipts.render_receipt(receipt_context(numbered_filings(1)))
    assert receipts.sign_pdf(pdf) is pdf
