"""Notifications in the reader's language: the texts per language kept on a notification, each
reader's page, mail, dashboard, calendar and file history in their language or, when it has
none, in the office's default language; the events API taking the texts; and fee and status
names falling back to the office's default language before English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from payments.fees import office_today
from portal.extensions import db
from portal.office.models import Office
from portal.tracking.models import Notification, OfficeStatus
from portal.tracking.services import record_office_event
from tests.conftest import make_user, stored_mails
from tests.tracking.conftest import accepted

KM_SUBJECT, KM_BODY = "សេចក្តីជូនដំណឹងអំពីកង្វះខាត", "សូមដាក់ការបកប្រែបញ្ជីទំនិញ។"
FR_SUBJECT, FR_BODY = "Notification d'irrégularités", "Veuillez déposer la traduction."
EN_SUBJECT, EN_BODY = "Notification of deficiencies", "Please file the translation."


@pytest.fixture
def khmer_office(app):
    """The office's default language is Khmer."""
    office = db.session.scalar(select(Office))
    office.default_locale = "km"
    db.session.commit()
    return office


def letter(filing, texts, *, event_id="N-1", subject=KM_SUBJECT, body=KM_BODY, due_days=30):
    recorded = record_office_event(filing, event_id=event_id, type="notification",
                                   subject=subject, body=body, texts=texts,
                                   response_due=office_today() + timedelta(days=due_days))
    db.session.commit()
    return recorded.notification


# --- the fallback order --------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "office_default", "expected"), [
    ("km", "km", (KM_SUBJECT, KM_BODY)),           # the reader's own
    ("fr", "km", (FR_SUBJECT, FR_BODY)),
    ("fr_FR", "km", (FR_SUBJECT, FR_BODY)),        # a regional variant finds its language
    ("ar", "km", (KM_SUBJECT, KM_BODY)),           # none in Arabic: the office's language
    ("ar", "fr", (FR_SUBJECT, FR_BODY)),
    ("ar", "vi", ("Column subject", "Column body")),  # neither: the plain columns
])
def test_text_for_falls_back_to_the_office_language_then_the_columns(locale, office_default,
                                                                     expected):
    n = Notification(subject="Column subject", body="Column body",
                     texts={"km": {"subject": KM_SUBJECT, "body": KM_BODY},
                            "fr": {"subject": FR_SUBJECT, "body": FR_BODY},
                            "en": {"subject": "", "body": "no subject: no text"}})
    assert n.text_for(locale, office_default) == expected


def test_english_is_not_taken_before_the_office_language():
    n = Notification(subject=KM_SUBJECT, body=KM_BODY,
                     texts={"en": {"subject": EN_SUBJECT, "body": EN_BODY}})
    assert n.text_for("fr", "km") == (KM_SUBJECT, KM_BODY)
    assert n.text_for("en", "km") == (EN_SUBJECT, EN_BODY)
    assert Notification(subject="S", body=None, texts=None).text_for("km", "km") == ("S", "")


def test_record_office_event_keeps_only_shipped_languages_with_a_subject(app, agent, tariff,
                                                                        khmer_office):
    filing = accepted(agent)
    n = letter(filing, {"fr": {"subject": f"  {FR_SUBJECT}  ", "body": FR_BODY},
                        "de": {"subject": "Mängelbescheid", "body": "..."},
                        "vi": {"subject": " ", "body": "body without a subject"},
                        "es": "not a mapping", "ar": {"subject": "x" * 400}})
    assert set(n.texts) == {"fr", "ar"}
    assert n.texts["fr"] == {"subject": FR_SUBJECT, "body": FR_BODY}
    assert len(n.texts["ar"]["subject"]) == 300
    assert (n.subject, n.body) == (KM_SUBJECT, KM_BODY)
    # Without `subject`, the office language's entry gives it.
    other = record_office_event(filing, event_id="N-2", type="notification", texts={
        "km": {"subject": KM_SUBJECT, "body": KM_BODY}}).notification
    assert (other.subject, other.body) == (KM_SUBJECT, KM_BODY)


# --- what each reader sees -----------------------------------------------------------------

def test_a_khmer_reader_sees_khmer_everywhere(app, agent, tariff, khmer_office, users):
    users["agent"].locale = "km"
    db.session.commit()
    filing = accepted(agent)
    n = letter(filing, {"fr": {"subject": FR_SUBJECT, "body": FR_BODY},
                        "km": {"subject": KM_SUBJECT, "body": KM_BODY}},
               subject=EN_SUBJECT, body=EN_BODY)  # the columns say otherwise: texts win
    inbox = agent.get("/notifications/").get_data(as_text=True)
    assert KM_SUBJECT in inbox and EN_SUBJECT not in inbox and FR_SUBJECT not in inbox
    page = agent.get(f"/notifications/{n.id}").get_data(as_text=True)
    assert KM_SUBJECT in page and KM_BODY in page and EN_BODY not in page
    dashboard = agent.get("/dashboard").get_data(as_text=True)
    assert KM_SUBJECT in dashboard and EN_SUBJECT not in dashboard
    history = agent.get(f"/filings/{filing.id}").get_data(as_text=True)
    assert KM_SUBJECT in history and EN_SUBJECT not in history
    [mail] = [m for m in stored_mails(app) if m["To"] == "agent@example.org"
              and KM_SUBJECT in m["Subject"]]
    assert mail["Content-Language"] == "km"
    assert KM_SUBJECT in mail.get_body(preferencelist=("plain",)).get_content()
    assert KM_SUBJECT in mail.get_body(preferencelist=("html",)).get_content()


def test_a_french_reader_without_french_sees_the_office_language(app, agent, tariff,
                                                                 khmer_office, users):
    users["agent"].locale = "fr"
    db.session.commit()
    filing = accepted(agent)
    n = letter(filing, {"en": {"subject": EN_SUBJECT, "body": EN_BODY}})
    page = agent.get(f"/notifications/{n.id}").get_data(as_text=True)
    assert KM_SUBJECT in page and KM_BODY in page and EN_SUBJECT not in page
    assert KM_SUBJECT in agent.get("/notifications/").get_data(as_text=True)
    [mail] = [m for m in stored_mails(app) if KM_SUBJECT in m["Subject"]]
    assert "Nouvelle notification" in mail["Subject"] and EN_SUBJECT not in mail["Subject"]


def test_the_calendar_feed_speaks_its_owners_language(app, agent, tariff, khmer_office, users):
    from portal.tracking.calendar import ics

    filing = accepted(agent)
    letter(filing, {"fr": {"subject": FR_SUBJECT, "body": FR_BODY}})
    users["agent"].locale = "fr"
    db.session.commit()
    # Calendars fetch without a login, in whatever language they ask for.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        feed = ics(users["agent"]).decode().replace("\r\n ", "")
        assert "Notification d'irr" in feed and "Response due" not in feed
        users["agent"].locale = "ar"  # no Arabic text: the office's Khmer one
        feed = ics(users["agent"]).decode().replace("\r\n ", "")
        assert KM_SUBJECT in feed and "Notification d'irr" not in feed


# --- the events API ------------------------------------------------------------------------

@pytest.fixture
def submission(app, users):
    from portal.api.models import create_client
    from tests.backoffice.test_connector import accepted as accepted_submissions

    [filing] = accepted_submissions(users["agent"], 1)
    _client, token = create_client("IPAS", ["submissions:read", "submissions:write"])
    db.session.commit()
    return filing, {"Authorization": f"Bearer {token}"}


def test_the_api_takes_texts_per_language(app, client, submission, khmer_office):
    filing, auth = submission
    event = {"id": "API-N-1", "type": "notification", "subject": KM_SUBJECT, "body": KM_BODY,
             "texts": {"fr": {"subject": FR_SUBJECT, "body": FR_BODY},
                       "en": {"subject": EN_SUBJECT}}}
    r = client.post(f"/api/v1/submissions/{filing.id}/events", json=event, headers=auth)
    assert r.status_code == 201, r.json
    n = db.session.scalar(select(Notification).where(Notification.event_id == "API-N-1"))
    assert n.texts == {"fr": {"subject": FR_SUBJECT, "body": FR_BODY},
                       "en": {"subject": EN_SUBJECT}}
    assert n.text_for("fr", "km") == (FR_SUBJECT, FR_BODY)
    assert n.text_for("en", "km") == (EN_SUBJECT, "")
    again = client.post(f"/api/v1/submissions/{filing.id}/events", json=event, headers=auth)
    assert again.status_code == 200 and again.json["created"] is False
    # documented in the OpenAPI document the API serves
    spec = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "texts" in spec["EventIn"]["properties"]
    assert set(spec["NotificationTexts"]["properties"]) == {"en", "fr", "es", "km", "lo",
                                                            "vi", "ar"}


@pytest.mark.parametrize("texts", [
    {"de": {"subject": "Mängelbescheid"}},          # a language the portal does not ship
    {"fr": {"body": "no subject"}},
    {"fr": {"subject": ""}},
    {"fr": {"subject": "x" * 301}},
    {"fr": "Notification"},
    {"fr": {"subject": "S", "colour": "red"}},
    ["fr", "Notification"],
])
def test_the_api_refuses_malformed_texts(app, client, submission, texts):
    filing, auth = submission
    r = client.post(f"/api/v1/submissions/{filing.id}/events", headers=auth, json={
        "id": "API-N-2", "type": "notification", "subject": "S", "texts": texts})
    assert r.status_code == 422, r.json
    assert db.session.scalar(select(Notification).where(
        Notification.event_id == "API-N-2")) is None


# --- fee and status names fall back to the office's default language -----------------------

def test_status_names_fall_back_to_the_office_language(app, agent, tariff, khmer_office, users):
    from portal.filters import office_status_name
    from portal.tracking.services import statuses

    db.session.add(OfficeStatus(code="examined", names={"en": "Examined", "km": "បានពិនិត្យ"},
                                stage="examination", position=1))
    filing = accepted(agent)
    record_office_event(filing, event_id="S-1", type="status", status="examined")
    users["agent"].locale = "fr"
    db.session.commit()
    for page in (agent.get("/dashboard"), agent.get(f"/filings/{filing.id}"),
                 agent.get("/dashboard/filings.csv")):
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "បានពិនិត្យ" in text and "Examined" not in text
    with app.test_request_context():
        with force_locale("en"):
            assert office_status_name("examined") == "Examined"
        with force_locale("ar"):
            assert office_status_name("examined") == "បានពិនិត្យ"
        assert statuses()["examined"].name("vi", None) == "Examined"  # no office default


def _km_fee_names(tariff):
    """The trademark application fee, named in English and Khmer only."""
    [rule] = [r for r in tariff.rules if r.code == "TM-APP"]
    rule.names = {"en": "English fee name", "km": "ថ្លៃខ្មែរ"}
    db.session.commit()
    return rule


def test_fee_names_fall_back_to_the_office_language(app, tariff, khmer_office):
    from payments.fees import FeeBasis, calculate_fees
    from payments.tariffs import fee_name

    rule = _km_fee_names(tariff)
    basis = FeeBasis(kind="trademark", classes=1)

    def label(quote):
        return next(line.label for line in quote.lines if line.code == rule.code)

    # a request in French, a job (no request) forcing French or English, or forcing nothing
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert label(calculate_fees(basis)) == "ថ្លៃខ្មែរ"
        assert fee_name(rule.names, rule.code) == "ថ្លៃខ្មែរ"
    with force_locale("fr"):
        assert label(calculate_fees(basis)) == "ថ្លៃខ្មែរ"
    with force_locale("en"):
        assert label(calculate_fees(basis)) == "English fee name"
    assert label(calculate_fees(basis)) == "ថ្លៃខ្មែរ"
    khmer_office.default_locale = "vi"  # no Vietnamese name: English, then the code
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert fee_name(rule.names, rule.code) == "English fee name"
        assert fee_name({}, rule.code) == rule.code


def test_fee_names_on_pages_and_api_fall_back_to_the_office_language(app, agent, tariff,
                                                                    khmer_office, users):
    from portal.api.models import PERSONAL_SCOPES, create_client
    from tests.filings.conftest import complete_draft

    _km_fee_names(tariff)
    users["agent"].locale = "fr"
    _client, token = create_client("Docketing", list(PERSONAL_SCOPES), user=users["agent"])
    db.session.commit()
    filing_id = complete_draft(agent, "trademark")
    page = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert "ថ្លៃខ្មែរ" in page and "English fee name" not in page
    r = app.test_client().get(f"/api/v1/filings/{filing_id}", headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "fr"})
    assert r.status_code == 200
    lines = {line["code"]: line["label"] for line in r.json["fees"]["lines"]}
    assert lines["TM-APP"] == "ថ្លៃខ្មែរ"


def test_the_alert_to_a_filer_without_a_language_is_in_the_office_language(app,
                                                                          khmer_office):
    from tests.backoffice.test_connector import accepted as accepted_submissions

    owner = make_user("sans-langue@example.org", locale=None)
    db.session.commit()
    assert owner.locale is None
    [filing] = accepted_submissions(owner, 1)
    record_office_event(filing, event_id="N-9", type="notification", subject=KM_SUBJECT,
                        texts={"fr": {"subject": FR_SUBJECT, "body": FR_BODY}})
    db.session.commit()
    [mail] = [m for m in stored_mails(app) if m["To"] == "sans-langue@example.org"]
    assert mail["Content-Language"] == "km" and KM_SUBJECT in mail["Subject"]
