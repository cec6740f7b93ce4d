"""Checks on uploaded documents: what a file is is decided by its content, never by its name or
the type the browser declared. A file is refused with a message the applicant can act on."""

from __future__ import annotations

import enum
import hashlib
import io
import math
import re
import warnings
from dataclasses import dataclass

import filetype
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from PIL import Image
from pypdf import PdfReader

MIB = 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


class DocumentKind(enum.StrEnum):
    SPECIFICATION = "specification"
    CLAIMS = "claims"
    DRAWINGS = "drawings"
    ABSTRACT = "abstract"
    MARK_IMAGE = "mark_image"
    SOUND = "sound"
    DESIGN_VIEW = "design_view"
    POWER_OF_ATTORNEY = "power_of_attorney"
    PRIORITY_DOCUMENT = "priority_document"
    EVIDENCE = "evidence"
    DEED = "deed"
    RESPONSE = "response"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    DocumentKind.SPECIFICATION: _l("Description"),
    DocumentKind.CLAIMS: _l("Claims"),
    DocumentKind.DRAWINGS: _l("Drawings"),
    DocumentKind.ABSTRACT: _l("Abstract"),
    DocumentKind.MARK_IMAGE: _l("Representation of the mark"),
    DocumentKind.SOUND: _l("Sound recording of the mark"),
    DocumentKind.DESIGN_VIEW: _l("View of the design"),
    DocumentKind.POWER_OF_ATTORNEY: _l("Power of attorney"),
    DocumentKind.PRIORITY_DOCUMENT: _l("Priority document"),
    DocumentKind.EVIDENCE: _l("Evidence"),
    DocumentKind.DEED: _l("Deed"),
    DocumentKind.RESPONSE: _l("Response to the office"),
    DocumentKind.OTHER: _l("Other document"),
}

DEFAULT_SIZE_LIMITS: dict[str, int] = {
    **{kind.value: 10 * MIB for kind in DocumentKind},
    DocumentKind.MARK_IMAGE.value: 2 * MIB,
    DocumentKind.DESIGN_VIEW.value: 2 * MIB,
    DocumentKind.SOUND.value: 5 * MIB,
}


def size_limit(kind: DocumentKind | str) -> int:
    """The largest accepted file for a kind, in bytes (config DOCUMENT_SIZE_LIMITS wins)."""
    key = DocumentKind(kind).value
    if has_app_context():
        configured = current_app.config.get("DOCUMENT_SIZE_LIMITS", {})
        if key in configured:
            return int(configured[key])
    return DEFAULT_SIZE_LIMITS[key]


def max_image_pixels() -> int:
    if has_app_context():
        return int(current_app.config.get("DOCUMENT_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS))
    return MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class CheckedFile:
    media_type: str
    extension: str
    size: int
    sha256: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None


class DocumentRejected(Exception):
    """A refused upload: `message` is for the applicant, `code` for the program."""

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class _Format:
    family: str  # "pdf", "image" or "sound": which content check applies
    media_type: str
    extension: str
    extensions: frozenset[str]  # the name endings that fit this content
    label: object  # lazy, "a PNG image": used inside sentences


def _format(family, media_type, extension, label, *aliases) -> _Format:
    return _Format(family, media_type, extension, frozenset({extension, *aliases}), label)


# Keyed by the MIME type that `filetype` reports.
FORMATS = {
    "application/pdf": _format("pdf", "application/pdf", "pdf", _l("a PDF document")),
    "image/png": _format("image", "image/png", "png", _l("a PNG image")),
    "image/jpeg": _format("image", "image/jpeg", "jpg", _l("a JPEG image"), "jpeg", "jpe",
                          "jfif"),
    "audio/mpeg": _format("sound", "audio/mpeg", "mp3", _l("an MP3 sound file")),
    "audio/x-wav": _format("sound", "audio/wav", "wav", _l("a WAV sound file"), "wave"),
    "audio/ogg": _format("sound", "audio/ogg", "ogg", _l("an Ogg sound file"), "oga", "opus"),
    "audio/x-flac": _format("sound", "audio/flac", "flac", _l("a FLAC sound file")),
    "audio/mp4": _format("sound", "audio/mp4", "m4a", _l("an M4A sound file"), "mp4"),
    "audio/aac": _format("sound", "audio/aac", "aac", _l("an AAC sound file"), "adts"),
}

# What other common files are called when they are refused.
OTHER_TYPE_LABELS = {
    "application/zip": _l("a ZIP archive"),
    "application/x-rar-compressed": _l("a RAR archive"),
    "application/x-7z-compressed": _l("a 7-Zip archive"),
    "application/gzip": _l("a gzip archive"),
    "application/x-msdownload": _l("a Windows program"),
    "application/x-executable": _l("a program (executable file)"),
    "application/msword": _l("a Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        _l("a Word document"),
    "application/vnd.oasis.opendocument.text": _l("an OpenDocument text"),
    "application/rtf": _l("an RTF document"),
    "application/postscript": _l("a PostScript file"),
    "image/apng": _l("an animated PNG image"),
    "image/gif": _l("a GIF image"),
    "image/webp": _l("a WebP image"),
    "image/tiff": _l("a TIFF image"),
    "image/bmp": _l("a BMP image"),
    "image/heic": _l("a HEIC photo"),
    "video/mp4": _l("an MP4 video"),
}

_PDF = frozenset({"application/pdf"})
_IMAGES = frozenset({"image/png", "image/jpeg"})
_SOUNDS = frozenset({"audio/mpeg", "audio/x-wav", "audio/ogg", "audio/x-flac", "audio/mp4",
                     "audio/aac"})

ACCEPTED: dict[DocumentKind, frozenset[str]] = {
    **{kind: _PDF for kind in DocumentKind},
    DocumentKind.DRAWINGS: _PDF | _IMAGES,
    DocumentKind.EVIDENCE: _PDF | _IMAGES,
    DocumentKind.OTHER: _PDF | _IMAGES,
    DocumentKind.MARK_IMAGE: _IMAGES,
    DocumentKind.DESIGN_VIEW: _IMAGES,
    DocumentKind.SOUND: _SOUNDS,
}


def check_upload(kind: DocumentKind | str, filename: str, data: bytes) -> CheckedFile:
    """The checked facts about an upload, or DocumentRejected saying what is wrong with it.
    The content is checked first, then the configured virus scanner (portal.documents.scanner)
    must find it clean."""
    kind = DocumentKind(kind)
    if not data:
        raise DocumentRejected("empty", _l("The file is empty. Choose the file again and "
                                           "upload it."))
    _check_size(kind, len(data))
    mime = _guess_mime(data)
    fmt = FORMATS.get(mime) if mime in ACCEPTED[kind] else None
    if fmt is None:
        raise _wrong_type(kind, _describe(mime, data))
    _check_name(filename, fmt)
    details = _CONTENT_CHECKS[fmt.family](fmt, data)
    checked = CheckedFile(media_type=fmt.media_type, extension=fmt.extension, size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), **details)
    # The dearest check comes last. Imported here: the scanner module imports this one.
    from portal.documents.scanner import scan_upload

    scan_upload(data, filename=filename, kind=kind.value, sha256=checked.sha256)
    return checked


def _check_size(kind: DocumentKind, size: int) -> None:
    limit = size_limit(kind)
    if size > limit:
        raise DocumentRejected("too_large", _l(
            "The file is too large (%(size)s MiB). The limit for this document (%(kind)s) is "
            "%(limit)s MiB.", size=_mib(size, up=True), limit=_mib(limit, up=False),
            kind=KIND_LABELS[kind]))


def _mib(size: int, *, up: bool) -> str:
    # Rounded away from the limit, so that a refused file never looks the same size as it.
    tenths = (math.ceil if up else math.floor)(size * 10 / MIB)
    return f"{tenths / 10:g}" if tenths else f"{size / MIB:.2g}"


def _guess_mime(data: bytes) -> str | None:
    guessed = filetype.guess(data)
    return guessed.mime if guessed else None


def _describe(mime: str | None, data: bytes):
    if mime in FORMATS:
        return FORMATS[mime].label
    if mime in OTHER_TYPE_LABELS:
        return OTHER_TYPE_LABELS[mime]
    if mime:
        return _l("a file of type %(type)s", type=mime)
    if _looks_like_text(data):
        return _l("a text file")
    return _l("a file of unknown type")


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the end of the sample
    return True


def _wrong_type(kind: DocumentKind, detected) -> DocumentRejected:
    accepted = ACCEPTED[kind]
    if accepted == _PDF:
        message = _l("This file is not a PDF document (it appears to be %(detected)s). Only PDF "
                     "files are accepted here.", detected=detected)
    elif accepted == _IMAGES:
        message = _l("This file is not a PNG or JPEG image (it appears to be %(detected)s). "
                     "Only PNG and JPEG images are accepted here.", detected=detected)
    elif accepted == _SOUNDS:
        message = _l("This file is not a sound recording in a supported format (it appears to "
                     "be %(detected)s). Accepted here: MP3, WAV, Ogg, FLAC, M4A and AAC.",
                     detected=detected)
    else:
        message = _l("This file is neither a PDF document nor a PNG or JPEG image (it appears "
                     "to be %(detected)s). Accepted here: PDF, PNG and JPEG.", detected=detected)
    return DocumentRejected("wrong_type", message)


_EXTENSION_RE = re.compile(r"\.([A-Za-z0-9]{1,5})$")


def _check_name(filename: str, fmt: _Format) -> None:
    """The name's extension, when it has one, must fit the content: a mismatch is usually the
    wrong file, or one saved in another format than the applicant thinks."""
    basename = re.split(r"[\\/]", filename or "")[-1]
    match = _EXTENSION_RE.search(basename)
    # Names such as "Patent No. 12345" have no extension: only an ending with a letter counts.
    if not match or match.start() == 0 or match.group(1).isdigit():
        return
    extension = match.group(1).lower()
    if extension not in fmt.extensions:
        raise DocumentRejected("name_mismatch", _l(
            "The file is %(detected)s, but its name ends in .%(extension)s. Rename it or save "
            "it in the right format.", detected=fmt.label, extension=extension))


def _check_pdf(fmt: _Format, data: bytes) -> dict:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = None if encrypted else _count_pages(reader)
    # pypdf raises many kinds of errors (and RecursionError) on damaged files.
    except Exception as exc:
        raise DocumentRejected("pdf_broken", _l(
            "This PDF document is damaged or incomplete and cannot be read. Save or export it "
            "again as PDF and upload the new file.")) from exc
    if encrypted:
        # Even when it opens without a password: restrictions get in the way of the office's
        # processing and publication.
        raise DocumentRejected("pdf_encrypted", _l(
            "This PDF document is encrypted or password-protected. Save it again without a "
            "password or restrictions and upload the new file."))
    if pages == 0:
        raise DocumentRejected("pdf_empty", _l("This PDF document has no pages."))
    return {"pages": pages}


def _count_pages(reader: PdfReader) -> int:
    # The page tree and each page object are only parsed when touched: a truncated file can
    # open fine and fail here.
    for page in reader.pages:
        _ = page.mediabox
    return len(reader.pages)


_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


def _check_image(fmt: _Format, data: bytes) -> dict:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            width, height = _decode_image(data, _PILLOW_FORMATS[fmt.media_type])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _image_too_large() from exc
    except DocumentRejected:
        raise
    # Decoders raise OSError, SyntaxError, ValueError, struct.error... on damaged files.
    except Exception as exc:
        raise DocumentRejected("image_broken", _l(
            "This image is damaged or incomplete and cannot be read. Save or export it again "
            "and upload the new file.")) from exc
    return {"width": width, "height": height}


# The end of a complete file. Pillow's own truncation check cannot be relied upon: WeasyPrint
# sets ImageFile.LOAD_TRUNCATED_IMAGES for the whole process when it is imported.
_END_MARKERS = {"PNG": b"IEND", "JPEG": b"\xff\xd9"}


def _decode_image(data: bytes, pillow_format: str) -> tuple[int, int]:
    if _END_MARKERS[pillow_format] not in data[-64:]:
        raise ValueError("the image ends before its end marker")
    with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
        width, height = image.size
        # Only the header has been read so far: refuse before decoding anything big.
        if width * height > max_image_pixels():
            raise _image_too_large()
        image.verify()
    # verify() leaves the image unusable and does not decode the pixels: load() finds truncation.
    with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
        image.load()
    return width, height


def _image_too_large() -> DocumentRejected:
    return DocumentRejected("image_too_large", _l(
        "This image has too many pixels (at most %(limit)s million). Reduce its resolution and "
        "upload it again.", limit=f"{max_image_pixels() / 1_000_000:g}"))


def _check_sound(fmt: _Format, data: bytes) -> dict:
    if len(data) < _MIN_SOUND_BYTES or not _SOUND_CONTAINERS[fmt.media_type](data):
        raise DocumentRejected("sound_broken", _l(
            "This sound file is damaged, incomplete or too short. Export it again from your "
            "audio software and upload the new file."))
    return {}


# No real recording is smaller than this; the container checks below read at most this much.
_MIN_SOUND_BYTES = 128


def _u32le(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


def _wav_ok(data: bytes) -> bool:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    pos, has_format = 12, False
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], _u32le(data, pos + 4)
        body = data[pos + 8:pos + 8 + size]
        if chunk == b"fmt ":
            channels, rate = int.from_bytes(body[2:4], "little"), _u32le(body, 4)
            has_format = len(body) >= 16 and channels > 0 and rate > 0
        elif chunk == b"data":
            return has_format and size > 0 and len(body) > 0
        pos += 8 + size + (size & 1)  # chunks are padded to an even length
    return False


def _mpeg_frame_ok(header: bytes) -> bool:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 0xF and rate != 3


def _mp3_ok(data: bytes) -> bool:
    pos = 0
    if data[:3] == b"ID3":
        size_bytes = data[6:10]
        if data[3] not in (2, 3, 4) or any(b & 0x80 for b in size_bytes):
            return False
        size = sum(b << (7 * (3 - i)) for i, b in enumerate(size_bytes))  # synchsafe
        pos = 10 + size + (10 if data[5] & 0x10 else 0)  # 0x10: the tag has a footer
        while pos < len(data) and data[pos] == 0:  # padding some taggers leave after the tag
            pos += 1
    return _mpeg_frame_ok(data[pos:pos + 4])


def _ogg_ok(data: bytes) -> bool:
    # The first page: version 0, flagged "beginning of stream", its segment table present.
    segments = data[26]
    return data[4] == 0 and bool(data[5] & 0x02) and segments > 0 and len(data) >= 27 + segments


def _flac_ok(data: bytes) -> bool:
    # The first metadata block must be the 34-byte STREAMINFO.
    return data[4] & 0x7F == 0 and int.from_bytes(data[5:8], "big") == 34


def _mp4_ok(data: bytes) -> bool:
    """The top-level boxes must tile the file (truncation breaks that) and include the movie
    header, without which nothing can be played."""
    pos, boxes = 0, []
    while pos < len(data):
        size, box = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if size == 1:  # a 64-bit size follows the box type
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif size == 0:  # the box runs to the end of the file
            size = len(data) - pos
        if size < 8 or pos + size > len(data):
            return False
        boxes.append(box)
        pos += size
    return boxes[:1] == [b"ftyp"] and b"moov" in boxes


def _adts_ok(data: bytes) -> bool:
    frame_length = ((data[3] & 0x03) << 11) | (data[4] << 3) | (data[5] >> 5)
    layer, rate = (data[1] >> 1) & 3, (data[2] >> 2) & 0xF
    return layer == 0 and rate < 13 and 7 <= frame_length <= len(data)


_SOUND_CONTAINERS = {
    "audio/mpeg": _mp3_ok,
    "audio/wav": _wav_ok,
    "audio/ogg": _ogg_ok,
    "audio/flac": _flac_ok,
    "audio/mp4": _mp4_ok,
    "audio/aac": _adts_ok,
}

_CONTENT_CHECKS = {"pdf": _check_pdf, "image": _check_image, "sound": _check_sound}
