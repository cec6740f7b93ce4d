"""Working days: weekends and holidays skipped, across a month's and a year's end; the settings
read from the environment, and refused when they cannot be read."""

from __future__ import annotations

from datetime import date

import pytest

from portal.config import from_environment
from portal.workdays import WorkCalendar, office_calendar

CALENDAR = WorkCalendar.of((6, 7), [date(2027, 1, 1), date(2027, 4, 14)])


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2027, 3, 1), 3, date(2027, 3, 4)),  # Monday: within the week
    (date(2027, 3, 5), 3, date(2027, 3, 10)),  # Friday: the weekend skipped
    (date(2027, 3, 6), 1, date(2027, 3, 8)),  # from a Saturday: Monday is the first
    (date(2027, 4, 9), 3, date(2027, 4, 15)),  # Friday, and a holiday on the Wednesday
    (date(2027, 3, 30), 5, date(2027, 4, 6)),  # across a month's end and a weekend
    (date(2026, 12, 30), 3, date(2027, 1, 5)),  # across the year's end and New Year's Day
    (date(2027, 3, 3), 0, date(2027, 3, 3)),  # nothing to count
])
def test_adding_working_days(start, days, due):
    assert CALENDAR.add_working_days(start, days) == due


def test_another_weekend():
    friday_saturday = WorkCalendar.of((5, 6))
    # Thursday 4 March 2027 + 1: Friday and Saturday are the weekend
    assert friday_saturday.add_working_days(date(2027, 3, 4), 1) == date(2027, 3, 7)
    assert friday_saturday.is_working_day(date(2027, 3, 7))  # a Sunday
    assert not CALENDAR.is_working_day(date(2027, 1, 1))  # a Friday, but a holiday


def test_impossible_calendars_are_refused():
    with pytest.raises(ValueError):
        WorkCalendar.of(range(1, 8))
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2027, 3, 1), -1)


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test")
    for name in ("OFFICE_WEEKEND", "OFFICE_HOLIDAYS", "LOCAL_LANGUAGE",
                 "LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS", "TRANSLATION_DEADLINE_WORKING_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_settings_and_their_defaults(environment):
    config = from_environment()
    assert config["OFFICE_WEEKEND"] == (6, 7) and config["OFFICE_HOLIDAYS"] == ()
    assert config["LOCAL_LANGUAGE"] is None
    assert config["LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS"] is False
    assert config["TRANSLATION_DEADLINE_WORKING_DAYS"] == 0
    environment.setenv("OFFICE_WEEKEND", "5, 6")
    environment.setenv("OFFICE_HOLIDAYS", "2027-04-14, 2027-01-01,")
    environment.setenv("LOCAL_LANGUAGE", "km")
    environment.setenv("LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS", "yes")
    environment.setenv("TRANSLATION_DEADLINE_WORKING_DAYS", "3")
    config = from_environment()
    assert config["OFFICE_WEEKEND"] == (5, 6)
    assert config["OFFICE_HOLIDAYS"] == (date(2027, 1, 1), date(2027, 4, 14))
    assert config["LOCAL_LANGUAGE"] == "km"
    assert config["LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS"] is True
    assert config["TRANSLATION_DEADLINE_WORKING_DAYS"] == 3


@pytest.mark.parametrize(("name", "value"), [
    ("OFFICE_WEEKEND", "saturday"), ("OFFICE_WEEKEND", "0,7"),
    ("OFFICE_WEEKEND", "1,2,3,4,5,6,7"), ("OFFICE_HOLIDAYS", "2027-02-30"),
    ("OFFICE_HOLIDAYS", "14/04/2027"), ("LOCAL_LANGUAGE", "xx-not-a-language"),
])
def test_unreadable_settings_stop_the_start(environment, name, value):
    environment.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        from_environment()


def test_the_office_calendar_comes_from_the_configuration(app):
    app.config["OFFICE_WEEKEND"] = (5, 6)
    app.config["OFFICE_HOLIDAYS"] = (date(2027, 3, 8),)
    calendar = office_calendar()
    # Thursday 4 March: Friday, Saturday weekend; Sunday 7 counts; Monday 8 a holiday; Tuesday
    assert calendar.add_working_days(date(2027, 3, 4), 2) == date(2027, 3, 9)
