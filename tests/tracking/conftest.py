"""Fixtures: the demo office's statuses, and filings the office has numbered."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.seed import seed_statuses
from portal.timeutil import utcnow
from tests.filings.conftest import agent, applicant, complete_draft  # noqa: F401


@pytest.fixture
def statuses(app):
    seed_statuses()
    db.session.commit()


def accepted(web, kind: str = "trademark", number: str | None = "TM/2026/000123") -> Filing:
    """A complete draft of `web`'s user, accepted as if paid, numbered by the office."""
    filing = db.session.get(Filing, complete_draft(web, kind))
    filing.status, filing.accepted_at = FilingStatus.ACCEPTED, utcnow()
    filing.portal_number = f"EF-XX-2026-{filing.id:06d}"
    filing.office_number = number
    filing.refresh_search_text()
    db.session.commit()
    return filing
