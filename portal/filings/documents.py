"""Documents attached to drafts: checked by content, stored under generated names."""

from __future__ import annotations

import re

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.auth.models import Role, User
from portal.documents.checks import DocumentKind, DocumentRejected, check_upload, size_limit
from portal.documents.models import Document
from portal.documents.storage import get_storage
from portal.extensions import db
from portal.filings.models import Filing
from portal.txn import on_commit

__all__ = ["DocumentRejected", "attach_upload", "copy_document", "discard_document",
           "may_download", "upload_slot"]

_DESIGN_VIEWS = re.compile(r"^designs-(\d+)-views$")


def upload_slot(form, name: str) -> tuple[str, str, bool] | None:
    """Where an upload named `name` goes on the form: (slot, document kind, several allowed),
    or None. A form's DOCUMENTS name its slots; a design's views go under the design's key."""
    if name in form.DOCUMENTS:
        slot = form.DOCUMENTS[name]
        return name, slot.kind, slot.multiple
    match = _DESIGN_VIEWS.match(name)
    if match and hasattr(form, "designs"):
        index = int(match.group(1))
        if index < len(form.designs.entries):
            key = form.designs.entries[index].form.key.data
            return f"design:{key}", form.VIEW_SLOT.kind, True
    return None


def read_upload(upload: FileStorage, kind: DocumentKind | str) -> bytes:
    """The upload's bytes, reading at most one byte past the kind's limit."""
    return upload.stream.read(size_limit(kind) + 1)


def attach_upload(filing: Filing, slot: str, kind: DocumentKind | str, upload: FileStorage,
                  *, replace: bool = True) -> Document:
    """Check the upload and file it on the draft under `slot` (replacing what was there)."""
    data = read_upload(upload, kind)
    checked = check_upload(kind, upload.filename or "", data)
    if replace:
        for old in [d for d in filing.documents if d.slot == slot]:
            discard_document(old)
    key = get_storage().put(data, suffix=f".{checked.extension}")
    document = Document(
        owner_id=filing.owner_id, firm_id=filing.firm_id, filing=filing, slot=slot,
        kind=str(kind), filename=clean_name(upload.filename, checked.extension),
        media_type=checked.media_type, size=checked.size, sha256=checked.sha256,
        pages=checked.pages, width=checked.width, height=checked.height, storage_key=key)
    db.session.add(document)
    db.session.flush()
    return document


def clean_name(filename: str | None, extension: str) -> str:
    name = secure_filename(filename or "") or f"document.{extension}"
    return name[-200:]


def discard_document(document: Document) -> None:
    """Remove the row now; the bytes go once the transaction has committed."""
    key = document.storage_key
    if document.filing is not None:
        document.filing.documents.remove(document)
    else:
        db.session.delete(document)
    storage = get_storage()
    on_commit(lambda: storage.delete(key))


def copy_document(document: Document, filing: Filing) -> Document:
    storage = get_storage()
    key = storage.put(storage.read(document.storage_key),
                      suffix="." + document.filename.rsplit(".", 1)[-1])
    copy = Document(owner_id=filing.owner_id, firm_id=filing.firm_id, filing=filing,
                    slot=document.slot, kind=document.kind, filename=document.filename,
                    media_type=document.media_type, size=document.size, sha256=document.sha256,
                    pages=document.pages, width=document.width, height=document.height,
                    storage_key=key)
    db.session.add(copy)
    return copy


def may_download(user: User, document: Document) -> bool:
    if user.role.is_office:
        return True
    if document.owner_id == user.id:
        return True
    # The firm's documents are its agents' (as its filings are: filings.services.visible_to);
    # an account that is no longer an agent keeps its firm id but not the firm's papers.
    return (user.role is Role.AGENT and user.firm_id is not None
            and document.firm_id == user.firm_id)


def rejected_message(exc: DocumentRejected) -> str:
    return str(exc.message)
