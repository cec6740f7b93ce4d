"""Form values from what is known of a right (portal.rights.lookup.RightRecord)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta


def field_names(form_class) -> list[str]:
    return [name for name, _ in form_class()._fields.items()]


def right_values(right_form, record, today: date) -> dict[str, str]:
    """The values of one right's entry (without prefix) that `record` can fill in."""
    names = set(field_names(right_form))
    out = {"number": record.number}
    if "expires_on" in names and record.expires_on:
        out["expires_on"] = record.expires_on.isoformat()
    if "classes" in names and record.classes:
        out["classes"] = ", ".join(record.classes)
    if "designs" in names and record.designs:
        out["designs"] = ", ".join(str(n) for n in range(1, record.designs + 1))
    if "filed_on" in names and record.filed_on:
        out["filed_on"] = record.filed_on.isoformat()
        if "first_year" in names:  # the next year of protection not yet begun
            out["first_year"] = str(relativedelta(today, record.filed_on).years + 2)
    return out


def holder_values(record) -> dict[str, str]:
    return {f"holder-{name}": value for name, value in record.holder.items() if value}
