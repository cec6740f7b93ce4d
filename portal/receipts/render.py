"""Render receipts, acknowledgements and credit notes to PDF, and sign them.

Every function takes a context of plain values, built elsewhere: dates and amounts arrive
already formatted (in the reader's language and the office's time zone), labels already
translated. Rendering needs an application context (templates, static folder, configuration),
not a request and not the database. The page text is in `context["locale"]`.

Context of `render_receipt` (the batch receipt of a paid order)::

    locale        "km", "ar", "en", ... (the language, `lang` and the text direction; empty or
                  missing: BABEL_DEFAULT_LOCALE)
    office        {name, address, email}
    number        receipt number, "RCP-2026-000001"
    order_number  "ORD-2026-000042"
    issued_at     formatted date and time of the receipt
    payer         {name, organisation, email}  (organisation and email may be empty)
    items         list of filings, each:
        portal_number  "EF-TM-2026-000001"
        kind           translated label, "Trademark"
        filing_type    translated label, "Application"
        title          the mark's text or the invention's title
        applicant      the applicant's name(s), in any script
        applicant_local  the same in the local script (may be empty)
        reference      the filer's own reference (may be empty)
        accepted_at    formatted date and time
        documents      list of {filename, kind (label), pages (int or None), size (formatted),
                       sha256 (64 hex digits)}
        fees           list of {label, quantity, amount (formatted)}
        total          formatted total of this filing
    total         formatted total of the order
    currency      "KHR"
    payment       {method (label), reference, paid_at (formatted)}
    signed        bool: a signature will be applied (`sign_pdf`), and the text says so

Context of `render_acknowledgement` (one filing, one page)::

    locale, office, signed     as above
    portal_number, kind, filing_type (optional), title, reference, accepted_at
    applicants                 list of names, or of {name, name_local} (name_local: the name
                               in the local script, may be empty); without it `applicant`, one
                               string (an item of the receipt context fits as it is)
    documents                  list of {filename, kind, pages, size, sha256}
    order_number, receipt_number

Context of `render_credit_note`::

    locale, office, payer, currency, signed   as above
    number          credit note number, "CN-2026-000001"
    issued_at       formatted date of the credit note
    receipt_number  the receipt it corrects, and receipt_date (formatted) that receipt's date
    order_number
    lines           list of {label, amount (formatted)}
    total           formatted total refunded
    reason          why (free text, already in the reader's language)

Resources. WeasyPrint gets `base_url` = the static folder and a URL fetcher that serves only
regular files under the static folder, read from disk, and refuses everything else: http(s),
ftp, `data:` URLs (nothing of ours needs them, and refusing them keeps the rule to one
sentence) and `file:` URLs outside the static folder, `..` and symbolic links resolved first.
A refusal stops the rendering (`RenderingError`) rather than giving a receipt without its
stylesheet, that is without its fonts. User-supplied values reach the HTML only through Jinja's
autoescaping, so they cannot add resources of their own; the fetcher is the second line.

Fonts come from fontconfig (Debian's fonts-noto-core): one fallback list with "Noto Sans" (Latin,
Vietnamese), "Noto Sans Khmer", "Noto Sans Lao", "Noto Naskh Arabic" and "Noto Sans Arabic", the
page language's family first; see static/css/receipt.css.

Signing. With `RECEIPT_SIGNING_PKCS12` (path of a PKCS#12 file) and `RECEIPT_SIGNING_PASSWORD`
(may be empty) in the configuration, `sign_pdf` adds an invisible PAdES (B-B) signature, as an
incremental update covering the whole file, reason "Receipt issued by <office>"; without them it
returns the PDF unchanged. No timestamp authority and no revocation data: a B-B signature proves
integrity and the signer, not the time of signing.

Known limitation (WeasyPrint 70, Kozea/WeasyPrint#2841): the PDF text layer maps each glyph to
the text of the first cluster it was drawn in, so copying or extracting Khmer (and some Arabic)
text can drop or change characters although the page itself is drawn correctly.
"""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.config import RTL_LOCALES

STYLESHEET = "css/receipt.css"  # relative to the static folder, which is the base URL
SIGNATURE_FIELD = "OfficeSignature"


class ResourceRefused(PermissionError):
    """A receipt asked for a resource that is not a file of the static folder."""


class RenderingError(RuntimeError):
    """WeasyPrint could not render a document (for instance: a resource was refused)."""


class SigningError(RuntimeError):
    """Signing is configured but the signing certificate cannot be used."""


# ---------------------------------------------------------------------------------------------
# The three documents


def render_receipt(context: dict) -> bytes:
    """The batch receipt of a paid order, as PDF bytes."""
    return render_pdf("receipts/receipt.html", context)


def render_acknowledgement(context: dict) -> bytes:
    """The acknowledgement of receipt of one filing, as PDF bytes (one page)."""
    return render_pdf("receipts/acknowledgement.html", context,
                      applicants=acknowledgement_applicants(context))


def acknowledgement_applicants(context: dict) -> list[dict]:
    """The applicants of an acknowledgement's context, each as {name, name_local}."""
    applicants = context.get("applicants")
    if applicants is None:
        applicants = [context["applicant"]] if context.get("applicant") else []
    return [a if isinstance(a, dict) else {"name": a, "name_local": ""} for a in applicants]


def render_credit_note(context: dict) -> bytes:
    """A credit note correcting a receipt, as PDF bytes."""
    return render_pdf("receipts/credit_note.html", context)


# ---------------------------------------------------------------------------------------------
# HTML, then PDF


def html_lang(locale: str) -> str:
    """BCP 47 tag for the `lang` attribute: "pt_BR" -> "pt-BR"."""
    return str(locale).replace("_", "-")


def text_direction(locale: str) -> str:
    return "rtl" if str(locale).split("_")[0].split("-")[0] in RTL_LOCALES else "ltr"


FSI, PDI = "\u2068", "\u2069"  # first strong isolate ... pop directional isolate


def isolate(value) -> Markup | str:
    """`value` (escaped) as a bidirectional isolate, for right-to-left documents.

    WeasyPrint has no `unicode-bidi`, so without this a Latin value in an Arabic cell is
    reordered by its leading or trailing digits ("3 March 2026" shows as "March 2026 3",
    "1.2 MB" as "MB 1.2"). FSI takes the direction of the value's first strong character.
    """
    if value is None or value == "":
        return "" if value is None else value
    return Markup(FSI) + escape(value) + Markup(PDI)


def _as_is(value):
    return value


def render_html(template: str, context: dict, **extra) -> str:
    """The document's HTML, in the context's language (the default locale when it has none)."""
    locale = context.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
    direction = text_direction(locale)
    with force_locale(locale):
        return render_template(
            template,
            doc=context,
            lang=html_lang(locale),
            direction=direction,
            bidi=isolate if direction == "rtl" else _as_is,
            page_counter=page_counter_css(),
            stylesheet=STYLESHEET,
            **extra,
        )


def render_pdf(template: str, context: dict, **extra) -> bytes:
    html = render_html(template, context, **extra)
    from weasyprint import HTML  # ~0.6 s to import: only when a document is rendered
    from weasyprint.urls import FatalURLFetchingError

    root = static_root()
    try:
        return HTML(string=html, base_url=root.as_uri() + "/",
                    url_fetcher=static_url_fetcher(root)).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary error
        raise RenderingError(f"{exc} ({exc.__cause__})") from exc


_PAGE, _PAGES = "\x00page\x00", "\x00pages\x00"


def page_counter_css() -> Markup:
    """The CSS `content` value of the footer, "Page X of Y" in the current language.

    The translation decides the word order; the numbers become `counter(page)` and
    `counter(pages)`, the words CSS strings.
    """
    text = _("Page %(page)s of %(pages)s", page=_PAGE, pages=_PAGES)
    parts = []
    for piece in re.split(f"({_PAGE}|{_PAGES})", text):
        if piece == _PAGE:
            parts.append("counter(page)")
        elif piece == _PAGES:
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts))


def css_string(text: str) -> str:
    """A double-quoted CSS string. Everything but ASCII letters, digits, spaces and printable
    non-ASCII characters is written as a six-digit escape, so that the value is safe inside a
    <style> element whatever the translation contains (quotes, backslashes, "</style>")."""
    out = []
    for ch in text:
        if (ch.isascii() and (ch.isalnum() or ch == " ")) or (
                not ch.isascii() and ch.isprintable()):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------------------------------------
# Resources: the static folder, and nothing else


def static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def resolve_static_url(root: Path, url: str) -> Path:
    """The file under `root` that a `file:` URL names, or `ResourceRefused`."""
    shown = url if len(url) <= 200 else url[:200] + "…"
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"not a file of the static folder: {shown}")
        path = Path(url2pathname(parts.path)).resolve()
    except (ValueError, OSError) as exc:  # malformed URL, NUL byte, symlink loop
        raise ResourceRefused(f"not a file of the static folder: {shown}") from exc
    if not path.is_relative_to(root) or not path.is_file():
        raise ResourceRefused(f"not a file of the static folder: {shown}")
    return path


def static_url_fetcher(root: Path | str | None = None):
    """A WeasyPrint URL fetcher serving the files under `root` (default: the app's static
    folder) and raising `ResourceRefused` for any other URL. It is callable: `fetcher(url)`."""
    root = Path(root).resolve() if root is not None else static_root()
    return _fetcher_class()(root)


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def __init__(self, root: Path):
            # fail_on_errors: a refused or unreadable resource stops the rendering.
            super().__init__(allowed_protocols=("file",), allow_redirects=False,
                             fail_on_errors=True)
            self.root = root

        def fetch(self, url, headers=None):
            path = resolve_static_url(self.root, url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if mime.startswith("text/"):
                mime += "; charset=utf-8"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return StaticFilesFetcher


# ---------------------------------------------------------------------------------------------
# Signing


def signing_configured() -> bool:
    return bool(current_app.config.get("RECEIPT_SIGNING_PKCS12"))


def load_signer():
    """pyHanko's signer from the configured PKCS#12 file (`SigningError` when unusable)."""
    from pyhanko.sign import signers

    path = current_app.config["RECEIPT_SIGNING_PKCS12"]
    password = current_app.config.get("RECEIPT_SIGNING_PASSWORD") or ""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read RECEIPT_SIGNING_PKCS12 {path}: {exc}") from exc
    # An empty password may mean "no encryption" or "encrypted with the empty password".
    attempts = [password.encode()] if password else [None, b""]
    for passphrase in attempts:
        try:
            return signers.SimpleSigner.load_pkcs12_data(data, other_certs=(),
                                                         passphrase=passphrase)
        except ValueError as exc:
            error = exc
    raise SigningError(f"cannot load RECEIPT_SIGNING_PKCS12 {path} "
                       f"(wrong RECEIPT_SIGNING_PASSWORD?)") from error


def _certificate_owner(signer) -> str:
    subject = signer.signing_cert.subject.native
    return subject.get("organization_name") or subject.get("common_name") or ""


def sign_pdf(pdf: bytes, *, office: str | None = None, locale: str | None = None) -> bytes:
    """Sign `pdf` with the configured certificate, or return it unchanged when signing is not
    configured. The signature is invisible, covers the whole file, and gives the reason
    "Receipt issued by <office>" (`office` defaults to the certificate's organisation), in
    `locale` when given, else in the current language."""
    if not signing_configured():
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = load_signer()
    name = office or _certificate_owner(signer)
    if locale:
        with force_locale(locale):
            reason = _("Receipt issued by %(office)s", office=name)
    else:
        reason = _("Receipt issued by %(office)s", office=name)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, reason=reason, name=name or None,
        subfilter=fields.SigSeedSubFilter.PADES)  # PAdES baseline B-B
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return outside_event_loop(
        lambda: signers.sign_pdf(writer, metadata, signer=signer).getvalue())


def outside_event_loop(work):
    """pyhanko's synchronous API runs its own event loop (asyncio.run), which fails in a thread
    that already runs one (an async worker, Playwright in the tests): use another thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
