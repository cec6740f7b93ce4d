"""Reading the mail that the embedded mode writes as .eml files instead of sending it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from portal.mail import mail_dir

_NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}\.eml$")


@dataclass(frozen=True)
class StoredMail:
    name: str
    written_at: datetime
    to: str
    subject: str


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


def _written_at(name: str) -> datetime:
    return datetime.strptime(name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def list_mail(offset: int, limit: int, search: str = "") -> tuple[list[StoredMail], int]:
    """Newest first; `search` matches the recipient (case-insensitive)."""
    folder = mail_dir()
    names = sorted((p.name for p in folder.glob("*.eml") if _NAME.match(p.name)), reverse=True)
    needle = search.strip().lower()
    rows = []
    matched = 0
    for name in names:
        if needle:
            msg = _parse(folder / name)
            if needle not in str(msg["To"] or "").lower():
                continue
        matched += 1
        if offset < matched <= offset + limit:
            msg = _parse(folder / name)
            rows.append(StoredMail(name, _written_at(name), str(msg["To"] or ""),
                                   str(msg["Subject"] or "")))
    return rows, matched


def read_mail(name: str) -> tuple[StoredMail, str] | None:
    """The message and its text part, or None when there is no such stored message."""
    if not _NAME.match(name):
        return None
    path = mail_dir() / name
    if not path.is_file():
        return None
    msg = _parse(path)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return StoredMail(name, _written_at(name), str(msg["To"] or ""),
                      str(msg["Subject"] or "")), text
