"""Outgoing mail in the recipient's language, with a text and an HTML part.

Services queue mail on the database session: the message is built at once (in the request's
language and context) and kept as a "mail.send" job (portal.jobs) of that transaction, so it
leaves only after the commit (a rolled-back registration sends nothing), and a mail server that
is down delays it instead of losing it: the job is tried again. With MAIL_SERVER set it goes over
SMTP;
without it (the embedded default) each message is written as an .eml file under the data dir,
where office staff read it at /office/mail. Acceptance and pre-production environments send only
to the addresses and domains of MAIL_ALLOWLIST and keep the rest there too.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.jobs.queue import enqueue, job
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

# Environments that rehearse with real addresses in the data: mail goes only to MAIL_ALLOWLIST.
ALLOWLIST_ENVIRONMENTS = ("acceptance", "pre-production")


def mail_dir() -> Path:
    return Path(current_app.config["PORTAL_DATA_DIR"]) / "mail"


def build_message(to: str, subject, template: str, locale: str | None,
                  attachments: tuple[tuple[bytes, str, str], ...] = (),
                  **context) -> EmailMessage:
    """Render `emails/<template>.txt` and `.html` and the subject in `locale`; `attachments`
    are (bytes, filename, media type)."""
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
    for content, filename, media_type in attachments:
        maintype, subtype = media_type.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    # Last: set_content drops the Content-* headers, and add_attachment moves them into the
    # text/html part it wraps, off the message.
    msg["Content-Language"] = locale
    return msg


def queue_mail(session: Session, to: str, subject, template: str, locale: str | None,
               attachments: tuple[tuple[bytes, str, str], ...] = (), **context) -> EmailMessage:
    """Build the message now (in the request's context) and send it after the next commit.
    `attachments` are (bytes, filename, media type)."""
    msg = build_message(to, subject, template, locale, attachments, **context)
    enqueue("mail.send", message=msg.as_string(policy=policy.SMTP))
    return msg


@job("mail.send")
def send_job(message: str) -> None:
    deliver(message_from_string(message, policy=policy.default))


def mail_allowlist() -> tuple[str, ...]:
    """MAIL_ALLOWLIST as lower-case entries: addresses, and "@domain" for a whole domain."""
    value = current_app.config.get("MAIL_ALLOWLIST") or ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(entry.strip().lower() for entry in value if entry.strip())


def is_allowed(address: str, allowlist: tuple[str, ...]) -> bool:
    address = address.strip().lower()
    return address in allowlist or "@" + address.rpartition("@")[2] in allowlist


def recipients(msg: EmailMessage) -> list[str]:
    fields = [value for name in ("To", "Cc", "Bcc") for value in msg.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]


def deliver(msg: EmailMessage) -> None:
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        keep(msg)
        return
    to, withheld = None, []  # None: every recipient of the message
    if cfg["PORTAL_ENV"] in ALLOWLIST_ENVIRONMENTS:
        # A rehearsal must not write to real filers: only the allow-list gets mail.
        allowlist = mail_allowlist()
        to = [address for address in recipients(msg) if is_allowed(address, allowlist)]
        withheld = [address for address in recipients(msg) if address not in to]
    if to is None or to:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as s:
            if cfg["MAIL_USE_TLS"]:
                s.starttls()
            if cfg["MAIL_USERNAME"]:
                s.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            s.send_message(msg, to_addrs=to)
    if withheld:
        # After the sending: a failed send is tried again, and must not keep the copy twice.
        name = keep(msg)
        log.warning("mail %r not sent to %s (not on MAIL_ALLOWLIST in %s); kept as %s",
                 str(msg["Subject"] or ""), ", ".join(withheld), cfg["PORTAL_ENV"], name)


def keep(msg: EmailMessage) -> str:
    """Write the message under the data dir's mail folder, where staff read it; its name."""
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(bytes(msg))
    tmp.rename(folder / name)
    return name
