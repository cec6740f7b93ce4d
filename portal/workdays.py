"""The office's working days: time limits counted in working days skip its weekend
(OFFICE_WEEKEND, ISO weekdays) and its holidays (OFFICE_HOLIDAYS)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_WEEKEND = (6, 7)


@dataclass(frozen=True)
class WorkCalendar:
    weekend: frozenset[int] = frozenset(DEFAULT_WEEKEND)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        if len(self.weekend) >= 7:
            raise ValueError("a calendar needs at least one working weekday")

    @classmethod
    def of(cls, weekend: Iterable[int] = DEFAULT_WEEKEND,
           holidays: Iterable[date] = ()) -> WorkCalendar:
        return cls(frozenset(weekend), frozenset(holidays))

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The day `days` working days after `start` (`start` itself is not counted, whether
        or not it is a working day); 0 gives `start`."""
        if days < 0:
            raise ValueError("count working days forward only")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day


def office_calendar() -> WorkCalendar:
    """The office's calendar, from the configuration (OFFICE_WEEKEND, OFFICE_HOLIDAYS)."""
    from flask import current_app

    return WorkCalendar.of(current_app.config.get("OFFICE_WEEKEND", DEFAULT_WEEKEND),
                           current_app.config.get("OFFICE_HOLIDAYS", ()))
