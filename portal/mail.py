"""Outgoing mail in the recipient's language, with a text and an HTML part.

Services queue mail on the database session; it leaves only after that transaction commits (a
rolled-back registration sends nothing; see portal.txn). With MAIL_SERVER set it goes over SMTP;
without it (the embedded default) each message is written as an .eml file under the data dir,
where office staff read it at /office/mail.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.timeutil import utcnow
from portal.txn import on_commit

log = logging.getLogger(__name__)


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
    app = current_app._get_current_object()

    def send():
        with app.app_context():
            try:
                deliver(msg)
            except (OSError, smtplib.SMTPException):
                # The transaction is already committed; the user can ask for the mail again.
                log.exception("mail to %s could not be sent", msg["To"])

    on_commit(send, session)
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
