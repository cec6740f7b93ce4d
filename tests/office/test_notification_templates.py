"""Notification templates: administrators make, change and deactivate them (audited), staff
read them and start a notification by hand from one (a GET that fills the form, no script);
what is sent keeps every language's text, and each filer reads their own language or the
office's default one."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from payments.fees import office_today
from portal.audit import AuditEntry
from portal.extensions import db
from portal.office.models import Office
from portal.tracking.models import Notification, NotificationTemplate
from tests.backoffice.test_connector import accepted
from tests.conftest import Browser, csrf_token, stored_mails

KM = {"subject": "សេចក្តីជូនដំណឹងអំពីកង្វះខាត", "body": "សូមដាក់ការបកប្រែបញ្ជីទំនិញ។"}
FR = {"subject": "Notification d'irrégularités", "body": "Veuillez déposer la traduction."}
AR = {"subject": "إشعار بأوجه القصور", "body": "يرجى تقديم الترجمة."}
LIST = "/office/notification-templates"
NEW = "/office/notification-templates/new"


@pytest.fixture
def office(app):
    office = db.session.scalar(select(Office))
    office.default_locale = "km"
    db.session.commit()
    return office


def web_as(app, email: str) -> Browser:
    web = Browser(app.test_client())
    assert web.login(email).status_code == 302
    return web


@pytest.fixture
def admin(app, users, office):
    return web_as(app, "admin@example.org")


@pytest.fixture
def staff(app, users, office):
    return web_as(app, "staff@example.org")


def template_form(code="deficiencies", title="Formal deficiencies", days="60", **languages):
    data = {"code": code, "title": title, "response_days": days}
    for language, texts in (languages or {"km": KM, "fr": FR}).items():
        data.update({f"{language}-{key}": value for key, value in texts.items()})
    return data


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def templates() -> list[NotificationTemplate]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationTemplate).order_by(NotificationTemplate.id)))


class PostForm(HTMLParser):
    """The fields a browser would send from the page's form with method="post"."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_post, self._textarea = False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_post = a.get("method") == "post"
        elif self._in_post and tag == "input" and a.get("name") and a.get("type") != "file":
            self.values[a["name"]] = a.get("value") or ""
        elif self._in_post and tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def post_fields(page: str) -> dict[str, str]:
    parser = PostForm()
    parser.feed(page)
    # A browser drops the one newline that opens a textarea's content.
    return {k: v.removeprefix("\r\n").removeprefix("\n") if v[:1] in "\r\n" else v
            for k, v in parser.values.items()}


# --- making and changing templates ---------------------------------------------------------

def test_an_administrator_makes_a_template_once(admin, users):
    assert admin.get(NEW).status_code == 200
    r = admin.submit(NEW, template_form())
    assert r.status_code == 302 and r.headers["Location"].endswith(LIST)
    [t] = templates()
    assert (t.code, t.title, t.response_days, t.active) == ("deficiencies",
                                                           "Formal deficiencies", 60, True)
    assert t.texts == {"km": KM, "fr": FR}
    [entry] = audits("notification_template.created")
    assert entry.user_id == users["admin"].id and entry.object_id == str(t.id)
    assert entry.details["before"] is None
    assert entry.details["after"]["texts"] == {"km": KM, "fr": FR}
    # The same form sent again (a double click) makes nothing more.
    again = admin.submit(NEW, template_form())
    assert again.status_code == 302 and len(templates()) == 1
    assert len(audits("notification_template.created")) == 1
    listing = admin.get(LIST).get_data(as_text=True)
    assert "Formal deficiencies" in listing and "Français" in listing


@pytest.mark.parametrize(("data", "field", "message"), [
    (template_form(fr=FR), "km-subject", "default language"),
    (template_form(km={"subject": KM["subject"]}), "km-body", "or neither"),
    (template_form(km=KM, fr={"body": FR["body"]}), "fr-body", "or neither"),
    (template_form(code="Not a code!"), "code", "Use small letters"),
    (template_form(title=""), "title", "This field is required."),
    (template_form(days="0"), "response_days", "Between 1 and 3650 days."),
    (template_form(days="soon"), "response_days", "whole number"),
    (template_form(km={"subject": "s" * 301, "body": "b"}), "km-subject", "At most 300"),
])
def test_a_bad_template_is_refused_and_nothing_typed_is_lost(admin, data, field, message):
    r = admin.submit(NEW, data)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and message in page and f'href="#{field}"' in page
    kept = post_fields(page)
    for name, value in data.items():
        assert kept.get(name, "").strip() == value.strip(), name
    assert templates() == [] and audits("notification_template.created") == []


def test_a_code_is_one_templates(admin):
    admin.submit(NEW, template_form())
    r = admin.submit(NEW, template_form(title="Another one"))
    assert r.status_code == 400 and "Another template has this code." in r.get_data(as_text=True)
    assert "Another one" in r.get_data(as_text=True)
    admin.submit(NEW, template_form(code="second", title="Second"))
    second = templates()[1]
    r = admin.submit(f"{LIST}/{second.id}", template_form(code="deficiencies", title="Second"))
    assert r.status_code == 400 and "Another template has this code." in r.get_data(as_text=True)
    assert [t.code for t in templates()] == ["deficiencies", "second"]


def test_changes_are_audited_with_before_and_after(admin, users):
    admin.submit(NEW, template_form())
    [t] = templates()
    page = admin.get(f"{LIST}/{t.id}").get_data(as_text=True)
    assert post_fields(page)["fr-subject"] == FR["subject"]
    r = admin.submit(f"{LIST}/{t.id}", template_form(days="", km=KM, ar=AR))
    assert r.status_code == 302
    [t] = templates()
    assert t.texts == {"km": KM, "ar": AR} and t.response_days is None
    [entry] = audits("notification_template.changed")
    assert entry.details["before"]["texts"] == {"km": KM, "fr": FR}
    assert entry.details["before"]["response_days"] == 60
    assert entry.details["after"]["texts"] == {"km": KM, "ar": AR}
    assert entry.details["after"]["response_days"] is None
    # The same again: nothing changes, nothing is recorded.
    r = admin.submit(f"{LIST}/{t.id}", template_form(days="", km=KM, ar=AR), follow=True)
    assert "Nothing was changed." in r.get_data(as_text=True)
    assert len(audits("notification_template.changed")) == 1
    assert admin.get(f"{LIST}/999999").status_code == 404


def test_deactivating_twice_is_deactivating_once(admin, staff, users):
    admin.submit(NEW, template_form())
    [t] = templates()
    url = f"{LIST}/{t.id}/active"
    for _ in range(2):
        assert admin.submit(url, {"active": "0"}, page=LIST).status_code == 302
    [t] = templates()
    assert t.active is False
    [entry] = audits("notification_template.deactivated")
    assert entry.details["before"] == {"active": True}
    assert entry.details["after"] == {"active": False}
    assert admin.submit(url, {"active": "maybe"}, page=LIST).status_code == 400
    assert admin.submit(url, {"active": "1"}, page=LIST).status_code == 302
    assert templates()[0].active and len(audits("notification_template.reactivated")) == 1
    assert staff.submit(url, {"active": "0"}, page=LIST).status_code == 404
    assert templates()[0].active


def test_staff_read_templates_and_filers_do_not_see_them(app, admin, staff, users):
    admin.submit(NEW, template_form())
    [t] = templates()
    listing = staff.get(LIST)
    assert listing.status_code == 200 and "Formal deficiencies" in listing.get_data(as_text=True)
    assert f"{LIST}/{t.id}" not in listing.get_data(as_text=True)  # no link to edit
    assert staff.get(NEW).status_code == 404
    assert staff.get(f"{LIST}/{t.id}").status_code == 404
    token = csrf_token(staff.get("/account").get_data(as_text=True))
    r = staff.client.post(NEW, data={"csrf_token": token, **template_form(code="staff-made")})
    assert r.status_code == 404
    for email in ("agent@example.org", "applicant@example.org"):
        filer = web_as(app, email)
        assert filer.get(LIST).status_code == 404
        assert filer.get(f"{LIST}/{t.id}").status_code == 404
    assert [x.code for x in templates()] == ["deficiencies"]


# --- sending from a template ---------------------------------------------------------------

@pytest.fixture
def filing(app, users):
    [filing] = accepted(users["agent"], 1)
    db.session.commit()
    return filing


def test_staff_send_from_a_template_in_every_language(app, admin, staff, users, filing):
    admin.submit(NEW, template_form(km=KM, fr=FR, ar=AR))
    [t] = templates()
    form_url = f"/office/notifications/new?filing={filing.id}"
    page = staff.get(form_url).get_data(as_text=True)
    assert f'<option value="{t.id}"' in page and "Formal deficiencies" in page
    page = staff.get(f"{form_url}&template={t.id}").get_data(as_text=True)
    fields = post_fields(page)
    assert (fields["subject"], fields["body"]) == (KM["subject"], KM["body"])
    assert fields["text_fr-subject"] == FR["subject"] and fields["text_ar-body"] == AR["body"]
    assert fields["template"] == "deficiencies" and fields["response_due"]
    assert "text_km-subject" not in fields  # the office's language is the main subject
    fields["text_fr-body"] = "Veuillez déposer la traduction avant l'échéance."
    r = staff.client.post(form_url, data=fields, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    [n] = db.session.scalars(select(Notification)).all()
    assert (n.subject, n.body) == (KM["subject"], KM["body"])
    assert n.texts == {"km": KM, "ar": AR, "fr": {
        "subject": FR["subject"], "body": "Veuillez déposer la traduction avant l'échéance."}}
    assert n.response_due == office_today() + timedelta(days=60)
    [entry] = audits("notification.sent")
    assert entry.details["template"] == "deficiencies"
    assert entry.details["languages"] == ["ar", "fr", "km"]
    # The same form sent twice is one notification.
    assert staff.client.post(form_url, data=fields,
                             content_type="multipart/form-data").status_code == 302
    assert db.session.scalar(select(func.count(Notification.id))) == 1

    # Each filer reads their language; one without a text reads the office's (Khmer).
    agent = web_as(app, "agent@example.org")
    for locale, expected, absent in (("fr", FR["subject"], KM["subject"]),
                                     ("ar", AR["subject"], KM["subject"]),
                                     ("es", KM["subject"], FR["subject"]),
                                     ("km", KM["subject"], FR["subject"])):
        users["agent"].locale = locale
        db.session.commit()
        page = html.unescape(agent.get(f"/notifications/{n.id}").get_data(as_text=True))
        assert expected in page and absent not in page, locale
    mails = [m for m in stored_mails(app) if m["To"] == filing.owner.email]
    assert len(mails) == 1


def test_a_deactivated_template_is_neither_offered_nor_filled_in(admin, staff, filing):
    admin.submit(NEW, template_form())
    [t] = templates()
    admin.submit(f"{LIST}/{t.id}/active", {"active": "0"}, page=LIST)
    form_url = f"/office/notifications/new?filing={filing.id}"
    page = staff.get(form_url).get_data(as_text=True)
    assert f'<option value="{t.id}"' not in page
    r = staff.get(f"{form_url}&template={t.id}", follow_redirects=False)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "not offered any more" in page
    assert KM["subject"] not in page and post_fields(page)["subject"] == ""


def test_other_languages_typed_by_hand_must_be_whole(staff, filing):
    form_url = f"/office/notifications/new?filing={filing.id}"
    page = staff.get(form_url).get_data(as_text=True)
    fields = post_fields(page)
    fields.update({"subject": KM["subject"], "body": KM["body"],
                   "text_fr-subject": FR["subject"]})
    r = staff.client.post(form_url, data=fields, content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "or neither" in page
    assert re.search(r"<details[^>]* open", page)  # the languages are shown with the error
    assert post_fields(page)["text_fr-subject"] == FR["subject"]
    assert db.session.scalar(select(func.count(Notification.id))) == 0
