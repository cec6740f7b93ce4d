"""Many rights in one request: a pasted list or a CSV file, checked line by line."""

from __future__ import annotations

from datetime import timedelta

from forms.requests.base import MAX_RIGHTS
from payments.fees import office_today
from portal.extensions import db
from portal.filings.models import Filing
from portal.filings.services import stored_form
from tests.filings.conftest import save
from tests.requests.conftest import HOLDER, start_request

BAD = {17: "TM-12", 58: "PT-000058", 120: "TM-000120,31-12-2027,9",
       201: "TM-000201,,9", 288: "TM-000005"}  # 288 repeats line 5


def renewal_csv() -> tuple[str, int]:
    expiry = (office_today() + timedelta(days=90)).isoformat()
    lines = ["number,expires_on,classes"]
    for n in range(1, 301):
        lines.append(BAD.get(n, f"TM-{n:06d},{expiry},\"9, 35\""))
    return "\n".join(lines) + "\n", 300 - len(BAD)


def test_a_300_line_csv_with_5_bad_lines_is_reported_line_by_line(agent, tariff):
    filing_id = start_request(agent, "renewal", "trademark")
    text, good = renewal_csv()
    r = save(agent, filing_id, {**HOLDER, "rights-0-number": ""}, action="import:rights",
             files={"bulk_file": (text.encode("utf-8-sig"), "renewals.csv")})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f"{good} rights were added to the list." in page
    assert "5 lines could not be added" in page
    # each bad line by its number in the file (the heading is line 1), with what is wrong
    report = page[page.index('id="import-report"'):page.index("</section>",
                                                               page.index('id="import-report"'))]
    for line in (18, 59, 121, 202, 289):
        assert f"<td>{line}</td>" in report
    assert "registration number in the office&#39;s format" in report  # TM-12, PT-000058
    assert "Enter a real date" in report  # 31-12-2027
    assert "Expiry date: This field is required." in report  # line 202
    assert "TM-000005 is already in the list." in report

    filing = db.session.get(Filing, filing_id)
    form = stored_form(filing)
    numbers = [e.form.number.data for e in form.rights.filled()]
    assert len(numbers) == good and numbers[0] == "TM-000001" and "TM-000300" in numbers
    assert all(e.form.classes.data == "9, 35" for e in form.rights.filled())
    # nothing good is lost; the bad lines wait in the box to be corrected
    assert form.bulk.data.splitlines() == [BAD[n] for n in sorted(BAD)]
    assert filing.title == f"TM-000001 and {good - 1} more"
    assert filing.problems == 0


def test_corrected_lines_are_added_to_the_list(agent, tariff):
    filing_id = start_request(agent, "renewal", "trademark")
    expiry = (office_today() + timedelta(days=90)).isoformat()
    save(agent, filing_id, {**HOLDER, "bulk": f"TM-000001,{expiry},9\nTM-1,{expiry},9"},
         action="import:rights")
    form = stored_form(db.session.get(Filing, filing_id))
    assert form.bulk.data == f"TM-1,{expiry},9"
    data = {**HOLDER, "rights-0-number": "TM-000001", "rights-0-expires_on": expiry,
            "rights-0-classes": "9", "bulk": f"TM-000002,{expiry},9; 35"}
    page = save(agent, filing_id, data, action="import:rights").get_data(as_text=True)
    assert "1 right was added to the list." in page
    form = stored_form(db.session.get(Filing, filing_id))
    assert [e.form.number.data for e in form.rights.filled()] == ["TM-000001", "TM-000002"]
    assert form.rights.entries[1].form.classes.data == "9; 35"
    assert not form.bulk.data


def test_pasted_numbers_semicolons_and_tabs_are_read(agent, tariff):
    filing_id = start_request(agent, "change_name_address", "design")
    text = "ID-000001\nID-000002;\n\nID/2026/000003\t\n id-000004 \n"
    page = save(agent, filing_id, {**HOLDER, "bulk": text},
                action="import:rights").get_data(as_text=True)
    assert "4 rights were added to the list." in page
    form = stored_form(db.session.get(Filing, filing_id))
    assert form.right_numbers() == ["ID-000001", "ID-000002", "ID/2026/000003", "ID-000004"]


def test_a_single_right_request_takes_no_list(agent, tariff):
    filing_id = start_request(agent, "withdrawal", "trademark")
    page = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert 'name="bulk"' not in page and "bulk_file" not in page
    r = save(agent, filing_id, {**HOLDER, "rights-0-number": "TM/2026/000001"},
             action="add:rights")
    assert r.status_code == 302
    form = stored_form(db.session.get(Filing, filing_id))
    assert len(form.rights.entries) == 1


def test_lines_beyond_the_limit_are_kept_for_another_request(agent, tariff):
    filing_id = start_request(agent, "correspondence_address", "trademark")
    numbers = "\n".join(f"TM-{n:06d}" for n in range(1, MAX_RIGHTS + 3))
    page = save(agent, filing_id, {**HOLDER, "addressee": "A", "address": "B", "country": "KH",
                                   "bulk": numbers}, action="import:rights").get_data(as_text=True)
    assert f"A request can name at most {MAX_RIGHTS} rights" in page
    filing = db.session.get(Filing, filing_id)
    form = stored_form(filing)
    assert len(form.rights.entries) == MAX_RIGHTS
    assert form.bulk.data.splitlines() == [f"TM-{MAX_RIGHTS + 1:06d}", f"TM-{MAX_RIGHTS + 2:06d}"]
    assert filing.problems == 0


def test_a_csv_file_too_large_is_refused_and_nothing_else_lost(agent, tariff):
    filing_id = start_request(agent, "renewal", "trademark")
    big = b"TM-000001\n" * (2 * 1024 * 1024 // 10 + 10)
    r = save(agent, filing_id, {**HOLDER, "reference": "R-77"}, action="import:rights",
             files={"bulk_file": (big, "big.csv")})
    assert "The list is too large" in r.get_data(as_text=True)
    assert db.session.get(Filing, filing_id).reference == "R-77"


def test_import_is_shown_to_a_person_with_the_columns(agent, tariff):
    filing_id = start_request(agent, "annuity", "utility_model")
    page = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert "Number · Filing date · From year · To year" in " ".join(page.split())
    assert 'id="bulk_file"' in page
