"""The tariff's versions as the office runs them: which is in force and which are scheduled, a
new version compared with the one in force and created once it is confirmed, a scheduled
version deleted before it starts, and what a filing would cost under each version.

A version takes over on its `valid_from`, in the office's time zone (payments.fees). A new one
must start after today: the fees already shown today (forms, carts) stay true until checkout,
and orders keep the fee lines frozen at their checkout whatever comes after. Nothing here
commits: the request does, once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from payments.fees import FeeQuote, _labeller, calculate_fees, office_today
from payments.models import KINDS, FeeRule, FeeRuleType, FeeSchedule
from payments.tariff_check import (
    CheckedTariff,
    Problem,
    TariffProblems,
    check_tariff,
    dump_schedule,
    plain,
)
from portal.audit import audit
from portal.extensions import db
from portal.filings.models import Filing
from portal.office.models import Office, current_office

# What a rule is, compared field by field between two versions.
COMPARED = ("kind", "filing_type", "rule", "item", "threshold", "amount", "percent",
            "applies_to", "categories", "valid_from", "valid_to", "year_from", "year_to")


class TariffRefused(Exception):
    """A change the tariff does not allow (deleting a version in force, say)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- versions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    schedule: FeeSchedule
    rules: int
    status: str  # "in_force", "scheduled" or "past"


def in_force_id(today: date) -> int | None:
    """The id of the version in force on `today` (the order of fees.schedule_in_force)."""
    return db.session.scalar(
        select(FeeSchedule.id).where(FeeSchedule.valid_from <= today)
        .order_by(FeeSchedule.valid_from.desc(), FeeSchedule.id.desc()).limit(1))


def status_of(schedule: FeeSchedule, today: date, current: int | None) -> str:
    if schedule.id == current:
        return "in_force"
    return "scheduled" if schedule.valid_from > today else "past"


def list_versions(offset: int, limit: int) -> tuple[list[Version], int]:
    """Newest first, with their numbers of rules (one SELECT for the page)."""
    today = office_today()
    current = in_force_id(today)
    rules = (select(func.count(FeeRule.id)).where(FeeRule.schedule_id == FeeSchedule.id)
             .correlate(FeeSchedule).scalar_subquery())
    rows = db.session.execute(
        select(FeeSchedule, rules)
        .order_by(FeeSchedule.valid_from.desc(), FeeSchedule.id.desc())
        .offset(offset).limit(limit)).all()
    total = db.session.scalar(select(func.count(FeeSchedule.id))) or 0
    return [Version(s, n, status_of(s, today, current)) for s, n in rows], total


def get_version(schedule_id: int) -> FeeSchedule | None:
    return db.session.scalar(select(FeeSchedule).where(FeeSchedule.id == schedule_id)
                             .options(selectinload(FeeSchedule.rules)))


def current_version() -> FeeSchedule | None:
    current = in_force_id(office_today())
    return get_version(current) if current else None


def rule_groups(schedule: FeeSchedule) -> list[tuple[str, str, list[FeeRule]]]:
    """(kind, filing type, rules) in the order a reader looks for them: kind by kind (fees
    common to every kind last), applications before requests, rules in their tariff order."""
    order = {kind: n for n, kind in enumerate(KINDS)}
    groups: dict[tuple[str, str], list[FeeRule]] = {}
    for rule in schedule.rules:
        groups.setdefault((rule.kind, rule.filing_type), []).append(rule)
    keys = sorted(groups, key=lambda k: (order.get(k[0], len(KINDS)), k[1] != "application",
                                         k[1]))
    return [(kind, filing_type, groups[(kind, filing_type)]) for kind, filing_type in keys]


def fee_name(names: dict[str, str] | None, code: str) -> str:
    """A fee's name in the user's language, with the fallback the fee lines use."""
    return _labeller(None, current_office())(SimpleNamespace(names=names or {}, code=code))


# --- a new version ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    code: str
    name: str
    what: str  # "added", "removed" or "changed"
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, before, after) of a changed rule


@dataclass(frozen=True)
class Proposal:
    tariff: CheckedTariff
    base: FeeSchedule | None  # the version in force it is compared with
    changes: list[Change]


def edit_tariff(base: dict, name: str, valid_from: date,
                edits: list[tuple[str, Decimal, str]], language: str) -> dict:
    """`base` (file format) with a new name and start, and, rule by rule, a new amount (the
    percent of a reduction) and name in `language` (empty: no name in that language)."""
    data = copy.deepcopy(base)
    data.update(name=name, valid_from=valid_from.isoformat())
    by_code = {spec.get("code"): spec for spec in data.get("rules", [])}
    for code, amount, label in edits:
        spec = by_code[code]
        key = "percent" if spec.get("rule") == FeeRuleType.REDUCTION_PERCENT.value else "amount"
        spec[key] = plain(amount)
        names = spec.setdefault("names", {})
        if label.strip():
            names[language] = label.strip()
        else:
            names.pop(language, None)
    return data


def propose_version(data: dict) -> Proposal:
    """`data` checked and compared with the version in force; raises TariffProblems."""
    office = current_office()
    tariff = check_tariff(data, today=office_today(), currency=office.currency if office else None)
    taken = db.session.scalar(select(FeeSchedule).where(
        FeeSchedule.valid_from == tariff.valid_from))
    if taken is not None:
        raise TariffProblems([Problem(str(_l(
            "The version \u201c%(name)s\u201d already starts on that day: delete it first, or "
            "choose another day.", name=taken.name)), "valid_from")])
    base = current_version()
    return Proposal(tariff, base, compare(base.rules if base else [], tariff.rules))


def compare(before: list[FeeRule], after: list[FeeRule]) -> list[Change]:
    """Rule by rule, by fee code: added, removed, or changed (which fields, from and to)."""
    old = {rule.code: rule for rule in before}
    new = {rule.code: rule for rule in after}
    changes = []
    for rule in after:
        if rule.code not in old:
            changes.append(Change(rule.code, fee_name(rule.names, rule.code), "added"))
            continue
        fields = tuple(_differences(old[rule.code], rule))
        if fields:
            changes.append(Change(rule.code, fee_name(rule.names, rule.code), "changed", fields))
    changes += [Change(rule.code, fee_name(rule.names, rule.code), "removed")
                for rule in before if rule.code not in new]
    return changes


def _differences(old: FeeRule, new: FeeRule):
    for field in COMPARED:
        a, b = _value(old, field), _value(new, field)
        if a != b:
            yield field, a, b
    old_names, new_names = old.names or {}, new.names or {}
    for language in sorted(set(old_names) | set(new_names)):
        if old_names.get(language) != new_names.get(language):
            yield f"names.{language}", old_names.get(language), new_names.get(language)


def _value(rule: FeeRule, field: str) -> Any:
    value = getattr(rule, field)
    if field == "threshold":
        return value or 0
    if field in ("applies_to", "categories"):
        return sorted(value or [])
    return value  # Decimals compare by value: 400000.00 == 400000


def create_version(data: dict, user) -> tuple[FeeSchedule, bool]:
    """Create the version `data` describes, once: the same confirmation posted again finds the
    version it made (False). Raises TariffProblems when it cannot be created (any more)."""
    _lock_tariff()
    office = current_office()
    tariff = check_tariff(data, today=office_today(), currency=office.currency if office else None)
    existing = db.session.scalar(
        select(FeeSchedule).where(FeeSchedule.valid_from == tariff.valid_from)
        .options(selectinload(FeeSchedule.rules)))
    if existing is not None:
        if (existing.name, existing.currency) == (tariff.name, tariff.currency) and not compare(
                existing.rules, tariff.rules):
            return existing, False
        raise TariffProblems([Problem(str(_l(
            "The version \u201c%(name)s\u201d already starts on that day: delete it first, or "
            "choose another day.", name=existing.name)), "valid_from")])
    base = current_version()
    changes = compare(base.rules if base else [], tariff.rules)
    schedule = FeeSchedule(name=tariff.name, currency=tariff.currency,
                           valid_from=tariff.valid_from, rules=tariff.rules)
    db.session.add(schedule)
    db.session.flush()
    audit("tariff.version_created", user=user, obj=schedule,
          before=_summary(base) if base else None,
          after={**_summary(schedule), **change_summary(changes)})
    return schedule, True


def change_summary(changes: list[Change]) -> dict:
    """The differences as JSON for the audit log."""
    return {"added": [c.code for c in changes if c.what == "added"],
            "removed": [c.code for c in changes if c.what == "removed"],
            "changed": {c.code: {field: [_json(a), _json(b)] for field, a, b in c.fields}
                        for c in changes if c.what == "changed"}}


def _summary(schedule: FeeSchedule) -> dict:
    return {"id": schedule.id, "name": schedule.name, "currency": schedule.currency,
            "valid_from": schedule.valid_from.isoformat(), "rules": len(schedule.rules)}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, FeeRuleType):
        return value.value
    return value


def delete_version(schedule_id: int, user) -> bool:
    """Delete a scheduled version before it starts (False: it was already deleted)."""
    _lock_tariff()
    schedule = get_version(schedule_id)
    if schedule is None:
        return False
    if schedule.valid_from <= office_today():
        raise TariffRefused(_l("A version in force or in the past cannot be deleted: fees were "
                               "quoted and charged under it. Make a new version instead."))
    audit("tariff.version_deleted", user=user, obj=schedule,
          before={"id": schedule.id, **dump_schedule(schedule)}, after=None)
    db.session.delete(schedule)
    db.session.flush()
    return True


def _lock_tariff() -> None:
    """Serialise changes of the tariff (the office's row lock on PostgreSQL; SQLite writes one
    at a time anyway), so that two confirmations cannot both find a day free."""
    db.session.execute(select(Office.id).with_for_update())


# --- what a filing would cost -------------------------------------------------------------


@dataclass(frozen=True)
class PricedVersion:
    schedule: FeeSchedule
    status: str
    on: date
    quote: FeeQuote


def find_filing(text: str) -> Filing | None:
    """A filing by its portal number, or by its id (a draft has no number yet)."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return db.session.get(Filing, int(text))
    return db.session.scalar(select(Filing).where(Filing.portal_number == text.upper()))


def price_under_versions(filing: Filing) -> list[PricedVersion]:
    """What `filing` would cost under the version in force (today) and under each scheduled
    one (on its first day), by the calculation checkout uses."""
    today = office_today()
    current = in_force_id(today)
    schedules = db.session.scalars(
        select(FeeSchedule).where((FeeSchedule.id == current) | (FeeSchedule.valid_from > today))
        .order_by(FeeSchedule.valid_from, FeeSchedule.id)).all()
    basis = filing.fee_basis()
    priced = []
    for schedule in schedules:
        on = today if schedule.id == current else schedule.valid_from
        priced.append(PricedVersion(schedule, status_of(schedule, today, current), on,
                                    calculate_fees(basis, on=on)))
    return priced


def side_by_side(priced: list[PricedVersion]) -> list[tuple[str, str, list[Decimal | None]]]:
    """(code, name, amount under each version) for every fee any version charges."""
    rows: dict[str, tuple[str, list[Decimal | None]]] = {}
    for n, version in enumerate(priced):
        for line in version.quote.lines:
            label, amounts = rows.setdefault(line.code, (line.label, [None] * len(priced)))
            amounts[n] = (amounts[n] or Decimal(0)) + line.amount
    return [(code, label, amounts) for code, (label, amounts) in rows.items()]
