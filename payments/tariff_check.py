"""A tariff in the file format (payments.fees), checked before anything is written.

The office console turns both of its ways to make a new version (amounts edited in a form, or
an uploaded file) into the file format, and checks it here: every problem of every rule is
reported at once, in the user's language, and the rules are then built by the loader's own
reader (`payments.fees`), so that the console and `load_tariff` cannot disagree on what a
tariff means. `dump_schedule` writes a version back in that format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import is_currency
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from payments.fees import TariffError, _rule
from payments.models import ANY_KIND, CATEGORIES, ITEMS, KINDS, FeeRule, FeeRuleType, FeeSchedule

MAX_AMOUNT = Decimal("999999999999.99")  # the columns' Numeric(14, 2)
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None = None  # "name", "currency", "valid_from", "rules" for the whole tariff
    index: int | None = None  # the rule's place in the list
    code: str = ""

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        return str(_l("Rule %(n)d (%(code)s): %(problem)s", n=self.index + 1,
                      code=self.code or "?", problem=self.message))


class TariffProblems(Exception):
    """A tariff that cannot be taken as written; `problems` says every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CheckedTariff:
    data: dict  # the tariff in the file format, as checked
    name: str
    currency: str
    valid_from: date
    rules: list[FeeRule]  # built, not added to the session


def read_tariff_file(raw: bytes) -> dict:
    """The JSON object of an uploaded tariff file; amounts written as numbers stay exact."""
    if len(raw) > MAX_FILE_BYTES:
        raise TariffProblems([Problem(str(_l("The file is larger than 1 MiB.")))])
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise TariffProblems([Problem(str(_l("The file is not UTF-8 text.")))]) from None
    except json.JSONDecodeError as exc:
        raise TariffProblems([Problem(str(_l(
            "The file is not valid JSON (line %(line)d, column %(column)d: %(error)s).",
            line=exc.lineno, column=exc.colno, error=exc.msg)))]) from None
    if not isinstance(data, dict):
        raise TariffProblems([Problem(str(_l(
            "A tariff file is one JSON object with a name, a currency, a valid_from date and "
            "a list of rules.")))])
    return data


def check_tariff(data: dict, *, today: date, currency: str | None) -> CheckedTariff:
    """`data` checked whole: raises TariffProblems with every problem found. A new version
    must start after `today` and be in the office's `currency` (when the office has one)."""
    problems = _head_problems(data, today, currency)
    specs = data.get("rules")
    if not isinstance(specs, list) or not specs:
        problems.append(Problem(str(_l("The tariff has no rules.")), "rules"))
        specs = []
    codes: set[str] = set()
    for index, spec in enumerate(specs):
        problems += _spec_problems(index, spec, codes)
    fees = {spec["code"] for spec in specs if isinstance(spec, dict)
            and isinstance(spec.get("code"), str)
            and spec.get("rule") != FeeRuleType.REDUCTION_PERCENT.value}
    for index, spec in enumerate(specs):
        if isinstance(spec, dict) and isinstance(spec.get("applies_to"), list):
            unknown = sorted({c for c in spec["applies_to"] if isinstance(c, str)} - fees)
            if unknown:
                problems.append(_p(index, spec, _l("it reduces fees the tariff does not have: "
                                                   "%(codes)s.", codes=", ".join(unknown))))
    if problems:
        raise TariffProblems(problems)
    rules = []
    for index, spec in enumerate(specs):
        try:  # the loader's reader: what the console accepts, seed-demo reads alike
            rules.append(_rule(spec, index))
        except TariffError as exc:
            problems.append(_p(index, spec, str(exc)))
    if problems:
        raise TariffProblems(problems)
    return CheckedTariff(data, data["name"].strip(), data["currency"],
                         date.fromisoformat(data["valid_from"]), rules)


def _head_problems(data: dict, today: date, office_currency: str | None) -> list[Problem]:
    problems = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(str(_l("The tariff has no name.")), "name"))
    elif len(name.strip()) > 200:
        problems.append(Problem(str(_l("The name has more than 200 characters.")), "name"))
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not is_currency(currency):
        problems.append(Problem(str(_l("The currency must be an ISO 4217 code such as KHR.")),
                                "currency"))
    elif office_currency and currency != office_currency:
        problems.append(Problem(str(_l(
            "The currency must be the office's, %(currency)s: orders, deposit accounts and "
            "refunds are kept in it.", currency=office_currency)), "currency"))
    valid_from = _iso_date(data.get("valid_from"))
    if valid_from is None:
        problems.append(Problem(str(_l("Give the start date as YYYY-MM-DD.")), "valid_from"))
    elif valid_from <= today:
        problems.append(Problem(str(_l(
            "The start date must be after today (%(today)s, in the office's time zone).",
            today=format_date(today, "medium"))), "valid_from"))
    return problems


def _p(index: int, spec: object, message) -> Problem:
    code = spec.get("code") if isinstance(spec, dict) else None
    return Problem(str(message), "rules", index, code if isinstance(code, str) else "")


def _spec_problems(index: int, spec: object, codes: set[str]) -> list[Problem]:
    if not isinstance(spec, dict):
        return [_p(index, spec, _l("a rule is a JSON object."))]
    found = []
    code = spec.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        found.append(_l("the code must be text of 1 to 40 characters."))
    elif code in codes:
        found.append(_l("another rule has the same code."))
    else:
        codes.add(code)
    names = spec.get("names", {})
    if (not isinstance(names, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items())):
        found.append(_l("names must map language codes to text."))
    elif any(len(v) > 300 for v in names.values()):
        found.append(_l("a name has more than 300 characters."))
    if spec.get("kind") not in (*KINDS, ANY_KIND):
        found.append(_l("the kind must be one of %(values)s.", values=", ".join(
            (*KINDS, ANY_KIND))))
    if not _known_filing_type(spec.get("filing_type", "application")):
        found.append(_l("unknown filing type %(value)s.", value=repr(spec.get("filing_type"))))
    try:
        kind = FeeRuleType(spec.get("rule"))
    except ValueError:
        found.append(_l("the rule must be one of %(values)s.", values=", ".join(FeeRuleType)))
        kind = None
    found += _amount_problems(spec, kind) + _rule_type_problems(spec, kind)
    found += _date_problems(spec)
    return [_p(index, spec, message) for message in found]


def _known_filing_type(value: object) -> bool:
    from forms.requests.registry import REQUEST_TYPES

    return isinstance(value, str) and (value == "application" or value in REQUEST_TYPES)


def _amount_problems(spec: dict, kind: FeeRuleType | None) -> list:
    found = []
    amount = _exact(spec.get("amount", 0))
    if amount is None:
        found.append(_l("the amount must be an exact number, for example \"400000\" or "
                        "\"12.50\"."))
    elif amount < 0:
        found.append(_l("the amount must not be negative."))
    elif amount > MAX_AMOUNT or -amount.as_tuple().exponent > 2:
        found.append(_l("the amount has more than 2 decimals or is too large."))
    threshold = spec.get("threshold", 0)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        found.append(_l("the threshold must be a whole number, 0 or more."))
    if kind is FeeRuleType.REDUCTION_PERCENT:
        percent = _exact(spec.get("percent"))
        if percent is None or not 0 < percent <= 100 or -percent.as_tuple().exponent > 2:
            found.append(_l("a reduction needs a percent over 0 and at most 100, with at most "
                            "2 decimals."))
    return found


def _rule_type_problems(spec: dict, kind: FeeRuleType | None) -> list:
    found = []
    item = spec.get("item")
    if kind is FeeRuleType.PER_ITEM_BEYOND and item not in ITEMS:
        found.append(_l("the item counted must be one of %(values)s.", values=", ".join(ITEMS)))
    if kind is FeeRuleType.IF_FLAG and (not isinstance(item, str) or not item.strip()
                                        or len(item) > 40):
        found.append(_l("a fee charged if a flag is set needs the flag's name as item."))
    categories = spec.get("categories", [])
    if (not isinstance(categories, list) or not all(isinstance(c, str) for c in categories)
            or not set(categories) <= set(CATEGORIES)):
        found.append(_l("categories must be some of %(values)s.", values=", ".join(CATEGORIES)))
    elif kind is FeeRuleType.REDUCTION_PERCENT and not categories:
        found.append(_l("a reduction needs the categories of applicant it is for."))
    applies_to = spec.get("applies_to", [])
    if not isinstance(applies_to, list) or not all(isinstance(c, str) for c in applies_to):
        found.append(_l("applies_to must be a list of fee codes."))
    years = spec.get("years")
    if years is not None and (
            not isinstance(years, list) or len(years) != 2
            or not all(isinstance(y, int) and not isinstance(y, bool) and y > 0 for y in years)
            or years[0] > years[1]):
        found.append(_l("years must be [first, last], whole numbers from 1."))
    return found


def _date_problems(spec: dict) -> list:
    found = []
    bounds = {}
    for key in ("valid_from", "valid_to"):
        value = spec.get(key)
        bounds[key] = _iso_date(value)
        if value is not None and bounds[key] is None:
            found.append(_l("%(key)s must be a date written YYYY-MM-DD.", key=key))
    if bounds["valid_from"] and bounds["valid_to"] and bounds["valid_to"] < bounds["valid_from"]:
        found.append(_l("valid_to is before valid_from."))
    return found


def _exact(value: object) -> Decimal | None:
    # float would carry binary rounding into the tariff, and bool is an int: refuse both.
    if isinstance(value, bool | float) or not isinstance(value, int | str | Decimal):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- a version written back in the file format -------------------------------------------


def dump_schedule(schedule: FeeSchedule) -> dict:
    return {"name": schedule.name, "currency": schedule.currency,
            "valid_from": schedule.valid_from.isoformat(),
            "rules": [dump_rule(rule) for rule in schedule.rules]}


def dump_rule(rule: FeeRule) -> dict:
    spec: dict = {"code": rule.code, "kind": rule.kind, "filing_type": rule.filing_type,
                  "rule": rule.rule.value}
    if rule.item:
        spec["item"] = rule.item
    if rule.threshold:
        spec["threshold"] = rule.threshold
    if rule.rule is not FeeRuleType.REDUCTION_PERCENT or rule.amount:
        spec["amount"] = plain(rule.amount)
    if rule.percent is not None:
        spec["percent"] = plain(rule.percent)
    for key in ("applies_to", "categories"):
        if getattr(rule, key):
            spec[key] = list(getattr(rule, key))
    for key in ("valid_from", "valid_to"):
        if getattr(rule, key):
            spec[key] = getattr(rule, key).isoformat()
    if rule.year_from is not None or rule.year_to is not None:
        spec["years"] = [rule.year_from or 1, rule.year_to or 10_000]
    spec["names"] = dict(rule.names or {})
    return spec


def plain(value: Decimal) -> str:
    """400000.00 -> "400000", 12.50 -> "12.5": the amount as a tariff file writes it."""
    return format(Decimal(value).normalize(), "f")
