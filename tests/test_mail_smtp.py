"""Mail over a real SMTP server (aiosmtpd), in the recipient's language, text and HTML."""

from __future__ import annotations

import socket
from email import policy
from email.parser import BytesParser

import pytest

from tests.conftest import PASSWORD, Browser, make_user, stored_mails


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def config_overrides(smtp_server):
    controller, inbox = smtp_server
    inbox.messages.clear()
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port}


def test_registration_mail_arrives_over_smtp_in_the_chosen_language(app, smtp_server):
    _, inbox = smtp_server
    web = Browser(app.test_client())
    r = web.submit("/register", {"account_type": "agent", "full_name": "Nguyen Van An",
                                 "organisation": "Hanoi IP Agency", "agent_number": "VN-123",
                                 "email": "an@example.vn", "password": PASSWORD,
                                 "confirm": PASSWORD, "locale": "vi"})
    assert r.status_code == 302
    ((rcpt, msg),) = inbox.messages
    assert rcpt == ["an@example.vn"]
    assert msg["From"] == "portal@example.org"
    assert msg["Content-Language"] == "vi"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Xin chào Nguyen Van An," in text and "Xin chào Nguyen Van An," in html
    assert "http://localhost/confirm/" in text and 'href="http://localhost/confirm/' in html
    assert stored_mails(app) == []  # sent, not kept


def test_mail_is_not_sent_when_the_transaction_fails(app, smtp_server):
    _, inbox = smtp_server
    make_user("taken@example.org")
    web = Browser(app.test_client())
    web.submit("/register", {"account_type": "applicant", "party_kind": "person",
                             "full_name": "X", "email": "taken@example.org",
                             "password": "amber-kettle-violin-harbour",
                             "confirm": "amber-kettle-violin-harbour", "locale": "en"})
    assert inbox.messages == []


def test_an_unreachable_mail_server_does_not_lose_the_registration(app, smtp_server):
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.extensions import db

    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    web = Browser(app.test_client())
    r = web.submit("/register", {"account_type": "applicant", "party_kind": "person",
                                 "full_name": "Lost Mail", "email": "lost@example.org",
                                 "password": "amber-kettle-violin-harbour",
                                 "confirm": "amber-kettle-violin-harbour", "locale": "en"})
    assert r.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "lost@example.org"))
    # the user can ask again once the server is back
    app.config["MAIL_PORT"] = smtp_server[0].port
    web.submit("/confirm", {"email": "lost@example.org"})
    assert [rcpt for rcpt, _ in smtp_server[1].messages] == [["lost@example.org"]]
