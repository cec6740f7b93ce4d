"""Fixtures for post-filing requests: a complete request of every type, and its documents."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from payments.fees import office_today
from tests.filings.conftest import agent, applicant, pdf_bytes, save  # noqa: F401

EDIT_URL = re.compile(r"/filings/(\d+)/edit")
HOLDER = {"holder-name": "Sokha Chan", "holder-name_local": "សុខា ចាន់",
          "holder-address": "1 Street, Phnom Penh", "holder-country": "KH"}


def day(offset: int) -> str:
    return (office_today() + timedelta(days=offset)).isoformat()


def party(prefix: str) -> dict:
    return {f"{prefix}-kind": "entity", f"{prefix}-name": "Mekong Trading Co., Ltd.",
            f"{prefix}-legal_form": "limited company", f"{prefix}-state_of_incorporation": "KH",
            f"{prefix}-address": "8 Riverside, Phnom Penh", f"{prefix}-country": "KH"}


def deed() -> dict:
    return {"deed": (pdf_bytes(2), "deed.pdf")}


def complete_requests() -> dict[str, tuple[str, dict, dict]]:
    """Per request type: the kind of right, a complete form, the documents it needs."""
    return {
        "renewal": ("trademark", {"rights-0-number": "TM-012345",
                                  "rights-0-expires_on": day(60), "rights-0-classes": "9, 35"},
                    {}),
        "annuity": ("patent", {"rights-0-number": "PT-001234",
                               "rights-0-filed_on": (office_today().replace(day=1)
                                                     - timedelta(days=365 * 4 - 60)).isoformat(),
                               "rights-0-first_year": "5"}, {}),
        "change_name_address": ("trademark", {"rights-0-number": "TM/2026/000123",
                                              "change": "address",
                                              "new_address": "9 New Road, Phnom Penh",
                                              "new_country": "KH"}, {}),
        "assignment": ("trademark", {"rights-0-number": "TM-012345",
                                     "transfer_type": "assignment", "transfer_date": day(-10),
                                     "scope": "all", **party("new_owner")}, deed()),
        "licence": ("patent", {"rights-0-number": "PT-001234", "exclusivity": "exclusive",
                               "territory": "whole", "starts_on": day(0), "scope": "all",
                               **party("licensee")}, deed()),
        "security_interest": ("design", {"rights-0-number": "ID-000456", "operation": "record",
                                         "agreement_date": day(-5), **party("creditor")},
                              deed()),
        "representative": ("trademark", {"rights-0-number": "TM-012345", "operation": "appoint",
                                         "agent_name": "Angkor IP Partners",
                                         "agent_number": "AG-0042",
                                         "agent_address": "5 Monivong Blvd, Phnom Penh"},
                           {"power_of_attorney": (pdf_bytes(1), "poa.pdf")}),
        "correspondence_address": ("utility_model", {"rights-0-number": "UM-000078",
                                                     "addressee": "Angkor IP Partners",
                                                     "address": "5 Monivong Blvd",
                                                     "country": "KH"}, {}),
        "extension": ("trademark", {"rights-0-number": "TM/2026/000123",
                                    "deadline": "Reply to the notification of 1 October 2026",
                                    "due_on": day(20), "months": "2",
                                    "reason": "Evidence of use is being collected."}, {}),
        "response": ("trademark", {"rights-0-number": "TM/2026/000123",
                                   "notification_ref": "OA-2026-77",
                                   "notification_date": day(-10),
                                   "response": "The mark is distinctive: see the evidence."},
                     {}),
        "examination": ("patent", {"rights-0-number": "PT/2026/000123", "claims_count": "12",
                                   "basis": "own"}, {}),
        "withdrawal": ("design", {"rights-0-number": "ID/2026/000123", "confirm": "y"}, {}),
        "surrender": ("trademark", {"rights-0-number": "TM-012345", "scope": "total",
                                    "third_parties": "none", "confirm": "y"}, {}),
        "certified_copy": ("patent", {"rights-0-number": "PT/2026/000123",
                                      "document": "priority", "copies": "2",
                                      "certified": "certified", "delivery": "electronic"}, {}),
        "correction": ("trademark", {"rights-0-number": "TM-012345", "origin": "applicant",
                                     "corrections-0-field": "Owner's address",
                                     "corrections-0-wrong": "1 Stret",
                                     "corrections-0-right": "1 Street"}, {}),
        "restoration": ("trademark", {"rights-0-number": "TM-012345", "missed_act": "renewal",
                                      "missed_on": day(-40), "cause_removed_on": day(-10),
                                      "reason": "The owner was in hospital.",
                                      "act_completed": "y"}, {}),
        "division": ("trademark", {"rights-0-number": "TM/2026/000123", "classes": "35"}, {}),
        "limitation": ("trademark", {"rights-0-number": "TM-012345",
                                     "goods-0-class_number": "30",
                                     "goods-0-terms": "coffee"}, {}),
    }


def start_request(web, code: str, kind: str, number: str = "", **extra) -> int:
    r = web.submit(f"/requests/new/{code}", {"kind": kind, "number": number, **extra})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    return int(EDIT_URL.search(r.headers["Location"]).group(1))


def complete_request(web, code: str) -> int:
    kind, data, files = complete_requests()[code]
    filing_id = start_request(web, code, kind)
    r = save(web, filing_id, {**HOLDER, **data}, files=files)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    return filing_id


@pytest.fixture
def requests_data():
    return complete_requests()
