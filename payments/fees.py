"""Fee calculation from the office's tariff, and loading a tariff file into the database.

The tariff is data: a `FeeSchedule` (one version, in force from `valid_from` until the next
version begins) holding `FeeRule`s. Money is `Decimal`, rounded to the currency's minor units
as Babel knows them (KHR 2, USD 2, JPY 0), half up.

Tariff file format (JSON, UTF-8)::

    {
      "name": "Demo IPO tariff of fees",
      "currency": "KHR",
      "valid_from": "2026-01-01",
      "rules": [
        {"code": "TM-APP", "kind": "trademark", "rule": "per_filing", "amount": "400000",
         "names": {"en": "Trademark application fee", "km": "...", ...}},
        {"code": "TM-CLASS", "kind": "trademark", "rule": "per_item_beyond", "item": "classes",
         "threshold": 1, "amount": "400000", "names": {...}},
        {"code": "PT-EXAM", "kind": "patent", "rule": "if_flag",
         "item": "examination_requested", "amount": "1200000", "names": {...}},
        {"code": "RED-50", "kind": "*", "rule": "reduction_percent", "percent": "50",
         "categories": ["natural_person", "university"], "applies_to": ["TM-APP", ...],
         "names": {...}}
      ]
    }

Per rule, also optional: "filing_type" (default "application"; or a post-filing request type
such as "renewal", see forms.requests.registry), "threshold" (default 0: the first N items are
free), "valid_from" / "valid_to" (ISO dates, both inclusive, for one fee introduced or withdrawn
during the schedule's life), "years" ([first, last], inclusive: an annual fee for those years of
protection only) and "position" (default: the rule's place in the list).

A post-filing request is priced right by right: its basis has one part per right (per year
paid, for annual fees), each part is priced on its own, and lines of the same fee are added up.
"per_filing" is then "per right"; the items "first_right" (1 for the first right of the request)
and "further_rights" (1 for each other) let a tariff charge a request fee plus a smaller fee per
further right; "late_months" counts the months, begun, since a time limit passed; "copies" the
copies ordered. "amount" and "percent" are strings or JSON
numbers; both are read as Decimal, never through float. "kind" is one of KINDS or "*".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import get_currency_precision, is_currency
from flask import g, has_app_context, has_request_context
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from payments.models import ANY_KIND, CATEGORIES, ITEMS, KINDS, FeeRule, FeeRuleType, FeeSchedule
from portal.extensions import db
from portal.office.models import Office, current_office

DEMO_TARIFF = Path(__file__).parent / "data" / "tariff_demo.json"
NO_CURRENCY = "XXX"  # ISO 4217's "no currency", for a portal without an office row yet
APPLICANT_CATEGORIES = ("standard", *CATEGORIES)


class TariffError(ValueError):
    """A tariff file (or a fee rule) that cannot be applied as written."""


@dataclass(frozen=True)
class FeeBasis:
    """What the fees of one filing depend on."""

    kind: str
    filing_type: str = "application"
    classes: int = 0
    claims: int = 0
    pages: int = 0
    designs: int = 0
    priorities: int = 0
    applicant_category: str = "standard"
    flags: frozenset[str] = frozenset()
    copies: int = 0
    late_months: int = 0
    first_right: int = 0
    further_rights: int = 0
    year: int = 0  # the year of protection an annual fee is paid for
    parts: tuple[FeeBasis, ...] = ()  # a request: one basis per right (and year)


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: str
    quantity: int
    unit_amount: Decimal
    amount: Decimal  # negative for a reduction


@dataclass(frozen=True)
class FeeQuote:
    lines: tuple[FeeLine, ...]
    total: Decimal
    currency: str
    schedule_id: int | None
    on: date


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for USD, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def office_today() -> date:
    """Today where the office is: a fee due "today" follows the office's calendar."""
    return datetime.now(office_zone()).date()


def office_zone() -> tzinfo:
    office = current_office()
    return _zone(office.timezone if office else "UTC")


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def schedule_in_force(on: date) -> FeeSchedule | None:
    """The schedule begun latest on or before `on`, with its rules (two SELECTs in all)."""
    query = (select(FeeSchedule).where(FeeSchedule.valid_from <= on)
             .order_by(FeeSchedule.valid_from.desc(), FeeSchedule.id.desc()).limit(1)
             .options(selectinload(FeeSchedule.rules)))
    return db.session.scalar(query)


class Priced(Protocol):
    """Anything that can say what it would be charged for, such as a filing."""

    def fee_basis(self) -> FeeBasis: ...


def calculate_fees(basis: FeeBasis | Priced, on: date | None = None,
                   locale: str | None = None) -> FeeQuote:
    """The fees due for `basis` (or a filing) on `on` (default: the office's today), labelled
    in `locale`."""
    if not isinstance(basis, FeeBasis):
        basis = basis.fee_basis()
    office = current_office()
    on = on or office_today()
    schedule = schedule_in_force(on)
    if schedule is None:
        currency = office.currency if office else NO_CURRENCY
        return FeeQuote((), Decimal(0).quantize(minor_unit(currency)), currency, None, on)
    unit = minor_unit(schedule.currency)
    label = _labeller(locale, office)
    if basis.parts:
        lines = _merge([line for part in basis.parts
                        for line in _lines(schedule, part, on, unit, label)])
    else:
        lines = _lines(schedule, basis, on, unit, label)
    total = sum((line.amount for line in lines), Decimal(0)).quantize(unit)
    return FeeQuote(tuple(lines), total, schedule.currency, schedule.id, on)


def _lines(schedule: FeeSchedule, basis: FeeBasis, on: date, unit: Decimal,
           label: Callable[[FeeRule], str]) -> list[FeeLine]:
    rules = [rule for rule in schedule.rules if _applies(rule, basis, on)]
    lines = [line for rule in rules if (line := _fee_line(rule, basis, unit, label))]
    return lines + _reduction_lines(rules, lines, basis, unit, label)


def _merge(lines: list[FeeLine]) -> list[FeeLine]:
    """The lines of every part, one per fee (and unit amount), in the order first met."""
    merged: dict[tuple[str, Decimal], FeeLine] = {}
    for line in lines:
        key = (line.code, line.unit_amount)
        seen = merged.get(key)
        merged[key] = line if seen is None else FeeLine(
            line.code, line.label, seen.quantity + line.quantity, line.unit_amount,
            seen.amount + line.amount)
    return list(merged.values())


def _applies(rule: FeeRule, basis: FeeBasis, on: date) -> bool:
    return (rule.kind in (basis.kind, ANY_KIND) and rule.filing_type == basis.filing_type
            and rule.in_force(on) and rule.covers_year(basis.year))


def _quantity(rule: FeeRule, basis: FeeBasis) -> int:
    if rule.rule is FeeRuleType.PER_FILING:
        return 1
    if rule.rule is FeeRuleType.IF_FLAG:
        return int(rule.item in basis.flags)
    if rule.item not in ITEMS:
        # Refuse rather than charge nothing: an unknown item is a tariff error, not a free fee.
        raise TariffError(f"fee {rule.code}: unknown item {rule.item!r}")
    return max(0, getattr(basis, rule.item) - rule.threshold)


def _fee_line(rule: FeeRule, basis: FeeBasis, unit: Decimal,
              label: Callable[[FeeRule], str]) -> FeeLine | None:
    if rule.rule is FeeRuleType.REDUCTION_PERCENT:
        return None
    quantity = _quantity(rule, basis)
    if quantity == 0:
        return None
    # The unit amount is rounded first so that every line reads unit x quantity = amount.
    unit_amount = rule.amount.quantize(unit, ROUND_HALF_UP)
    return FeeLine(rule.code, label(rule), quantity, unit_amount, unit_amount * quantity)


def _reduction_lines(rules: Iterable[FeeRule], lines: list[FeeLine], basis: FeeBasis,
                     unit: Decimal, label: Callable[[FeeRule], str]) -> list[FeeLine]:
    """Reductions apply to fee lines only (never to one another), and never reduce a fee
    below zero nor, however a tariff stacks them, the total below zero."""
    remaining = sum((line.amount for line in lines), Decimal(0))
    reductions = []
    for rule in rules:
        if (rule.rule is not FeeRuleType.REDUCTION_PERCENT
                or basis.applicant_category not in rule.categories):
            continue
        base = sum((line.amount for line in lines if line.code in rule.applies_to), Decimal(0))
        cut = (base * (rule.percent or 0) / 100).quantize(unit, ROUND_HALF_UP)
        cut = min(cut, base, remaining)
        if cut > 0:
            reductions.append(FeeLine(rule.code, label(rule), 1, -cut, -cut))
            remaining -= cut
    return reductions


def _labeller(locale: str | None, office: Office | None) -> Callable[[FeeRule], str]:
    wanted = [*_locale_codes(locale or _request_locale()),
              *_locale_codes(office.default_locale if office else None), "en"]

    def label(rule: FeeRule) -> str:
        names = rule.names or {}
        return next((names[code] for code in wanted if names.get(code)), rule.code)

    return label


def _locale_codes(locale: str | None) -> list[str]:
    # "fr_FR" or "fr-FR" falls back to "fr": tariffs name fees per language.
    if not locale:
        return []
    code = str(locale).replace("-", "_")
    return [code, code.split("_")[0]]


def _request_locale() -> str | None:
    """The reader's language: the request's, or the one a job forced (force_locale). A job
    without one has no reader: its names follow the office's default language, not English."""
    if has_request_context():
        return str(get_locale() or "en")
    if not has_app_context():
        return None
    forced = getattr(getattr(g, "_flask_babel", None), "forced_babel_locale", None)
    return str(forced) if forced else None


# --- loading a tariff file ---------------------------------------------------------------


def load_tariff(path: Path) -> FeeSchedule:
    """Create the schedule of a tariff file, or return the one already loaded (same name and
    valid_from) unchanged. Flushes, never commits: the caller owns the transaction."""
    data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal)
    try:
        name, currency = str(data["name"]), _currency(data["currency"])
        valid_from = date.fromisoformat(data["valid_from"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TariffError(f"{path}: bad name, currency or valid_from ({exc})") from exc
    existing = db.session.scalar(select(FeeSchedule).where(
        FeeSchedule.name == name, FeeSchedule.valid_from == valid_from))
    if existing is not None:
        return existing
    rules = [_rule(spec, position) for position, spec in enumerate(data.get("rules", []))]
    _check_codes(rules)
    schedule = FeeSchedule(name=name, currency=currency, valid_from=valid_from, rules=rules)
    db.session.add(schedule)
    db.session.flush()
    return schedule


def _currency(code: object) -> str:
    if not isinstance(code, str) or len(code) != 3 or not is_currency(code):
        raise TariffError(f"not an ISO 4217 currency code: {code!r}")
    return code


def _rule(spec: dict, position: int) -> FeeRule:
    where = f"rule {position} ({spec.get('code', '?')})"
    try:
        rule = FeeRule(
            position=int(spec.get("position", position)), code=str(spec["code"]),
            names=dict(spec.get("names", {})), kind=spec["kind"],
            filing_type=spec.get("filing_type", "application"), rule=FeeRuleType(spec["rule"]),
            item=spec.get("item"), threshold=int(spec.get("threshold", 0)),
            amount=_decimal(spec.get("amount", 0)),
            percent=None if spec.get("percent") is None else _decimal(spec["percent"]),
            applies_to=list(spec.get("applies_to", [])),
            categories=list(spec.get("categories", [])),
            valid_from=_date(spec.get("valid_from")), valid_to=_date(spec.get("valid_to")),
            **_years(spec.get("years")),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise TariffError(f"{where}: {exc!r}") from exc
    problem = _problem(rule)
    if problem:
        raise TariffError(f"{where}: {problem}")
    return rule


def _problem(rule: FeeRule) -> str | None:
    if rule.kind not in (*KINDS, ANY_KIND):
        return f"unknown kind {rule.kind!r}"
    if rule.amount < 0 or rule.threshold < 0:
        return "amount and threshold must not be negative"
    if any(-value.as_tuple().exponent > 2 for value in (rule.amount, rule.percent or Decimal(0))):
        return "amount and percent have at most 2 decimals (the columns' scale)"
    if rule.rule is FeeRuleType.PER_ITEM_BEYOND and rule.item not in ITEMS:
        return f"item must be one of {ITEMS}"
    if rule.rule is FeeRuleType.IF_FLAG and not rule.item:
        return "an if_flag fee needs the flag's name as item"
    if rule.rule is FeeRuleType.REDUCTION_PERCENT:
        if rule.percent is None or not 0 < rule.percent <= 100:
            return "percent must be over 0 and at most 100"
        if not rule.categories or not set(rule.categories) <= set(CATEGORIES):
            return f"categories must be some of {CATEGORIES}"
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        return "valid_to is before valid_from"
    return None


def _check_codes(rules: list[FeeRule]) -> None:
    codes = [rule.code for rule in rules]
    if len(set(codes)) != len(codes):
        raise TariffError(f"duplicate fee codes in {codes}")
    fees = {rule.code for rule in rules if rule.rule is not FeeRuleType.REDUCTION_PERCENT}
    for rule in rules:
        unknown = set(rule.applies_to) - fees
        if unknown:
            raise TariffError(f"reduction {rule.code} applies to unknown fees {sorted(unknown)}")


def _years(value: object) -> dict[str, int | None]:
    if value is None:
        return {"year_from": None, "year_to": None}
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
            or value[0] > value[1]):
        raise TariffError(f"years must be [first, last], whole numbers from 1: {value!r}")
    return {"year_from": value[0], "year_to": value[1]}


def _decimal(value: object) -> Decimal:
    # bool is an int, and float would carry binary rounding into the tariff: refuse both.
    if isinstance(value, bool | float) or not isinstance(value, int | str | Decimal):
        raise TariffError(f"not an exact amount: {value!r}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise TariffError(f"not a finite amount: {value!r}")
    return amount


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
