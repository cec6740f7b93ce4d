"""Outgoing mail in the recipient's language, with a text and an HTML part.

Services queue mail on the database session; it leaves only after that transaction commits (a
rolled-back registration sends nothing). With MAIL_SERVER set it goes over SMTP; without it (the
embedded default) each message is written as an .eml file under the data dir, where office staff
read it at /office/mail.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.timeutil import utcnow

log = logging.getLogger(__name__)

_QUEUE_KEY = "outgoing_mail"


@dataclass(frozen=True)
class OutgoingMail:
    message: EmailMessage


def mail_dir() -> Path:
    return Path(current_app.config["PORTAL_DATA_DIR"]) / "mail"


def build_message(to: str, subject, template: str, locale: str | None, **context) -> EmailMessage:
    """Render `emails/<template>.txt` and `.html` and the subject in `locale`."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
        subject = str(subject)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="portal.local")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = locale  # after set_content, which drops Content-* headers
    return msg


def queue_mail(session: Session, to: str, subject, template: str, locale: str | None,
               **context) -> EmailMessage:
    """Build the message now (in the request's context) and send it after the next commit."""
    msg = build_message(to, subject, template, locale, **context)
    session.info.setdefault(_QUEUE_KEY, []).append(OutgoingMail(msg))
    return msg


def deliver(msg: EmailMessage) -> None:
    cfg = current_app.config
    if cfg["MAIL_SERVER"]:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as s:
            if cfg["MAIL_USE_TLS"]:
                s.starttls()
            if cfg["MAIL_USERNAME"]:
                s.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            s.send_message(msg)
        return
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(bytes(msg))
    tmp.rename(folder / name)


def _send_queued(session: Session) -> None:
    for item in session.info.pop(_QUEUE_KEY, []):
        try:
            deliver(item.message)
        except (OSError, smtplib.SMTPException):
            # The transaction is already committed; the user can ask for the mail again.
            log.exception("mail to %s could not be sent", item.message["To"])


def _drop_queued(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a rolled-back savepoint keeps the outer mail
        session.info.pop(_QUEUE_KEY, None)


def register_session_hooks() -> None:
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_soft_rollback", _drop_queued)
