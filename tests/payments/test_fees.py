"""The fee schedule and the fee calculation, against the demo tariff (payments/data)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from payments.fees import (
    APPLICANT_CATEGORIES,
    DEMO_TARIFF,
    FeeBasis,
    TariffError,
    calculate_fees,
    load_tariff,
    minor_unit,
    office_today,
    schedule_in_force,
)
from payments.models import ITEMS, KINDS, FeeRule, FeeRuleType, FeeSchedule
from portal.extensions import db
from portal.office.models import current_office

ON = date(2026, 6, 1)  # inside the demo tariff's life
EXAM = "examination_requested"
DEFER = "deferred_publication"
PROPERTY = settings(suppress_health_check=[HealthCheck.function_scoped_fixture],
                    max_examples=200, deadline=None, database=None)


@pytest.fixture
def demo(app) -> FeeSchedule:
    return load_tariff(DEMO_TARIFF)


def demo_data() -> dict:
    return json.loads(DEMO_TARIFF.read_text(encoding="utf-8"))


def write_tariff(tmp_path, data: dict, name: str = "tariff.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def summary(quote) -> list[tuple[str, int, Decimal]]:
    return [(line.code, line.quantity, line.amount) for line in quote.lines]


def D(value) -> Decimal:  # noqa: N802
    return Decimal(str(value))


CASES = [
    # trademark
    (FeeBasis("trademark", classes=1), [("TM-APP", 1, 400000)], 400000),
    (FeeBasis("trademark"), [("TM-APP", 1, 400000)], 400000),
    (FeeBasis("trademark", classes=3), [("TM-APP", 1, 400000), ("TM-CLASS", 2, 800000)],
     1200000),
    (FeeBasis("trademark", classes=1, priorities=2),
     [("TM-APP", 1, 400000), ("TM-PRIO", 2, 200000)], 600000),
    (FeeBasis("trademark", classes=2, applicant_category="natural_person"),
     [("TM-APP", 1, 400000), ("TM-CLASS", 1, 400000), ("RED-50", 1, -400000)], 400000),
    (FeeBasis("trademark", classes=1, priorities=1, applicant_category="university"),
     [("TM-APP", 1, 400000), ("TM-PRIO", 1, 100000), ("RED-50", 1, -200000)], 300000),
    (FeeBasis("trademark", classes=2, applicant_category="small_entity"),
     [("TM-APP", 1, 400000), ("TM-CLASS", 1, 400000), ("RED-30", 1, -240000)], 560000),
    # patent
    (FeeBasis("patent", claims=10, pages=30), [("PT-FIL", 1, 600000)], 600000),
    (FeeBasis("patent", claims=15, pages=42),
     [("PT-FIL", 1, 600000), ("PT-CLAIM", 5, 200000), ("PT-PAGE", 12, 120000)], 920000),
    (FeeBasis("patent", claims=3, priorities=1, flags=frozenset({EXAM})),
     [("PT-FIL", 1, 600000), ("PT-PRIO", 1, 100000), ("PT-EXAM", 1, 1200000)], 1900000),
    (FeeBasis("patent", flags=frozenset({DEFER})), [("PT-FIL", 1, 600000)], 600000),
    (FeeBasis("patent", claims=12, flags=frozenset({EXAM}), applicant_category="natural_person"),
     [("PT-FIL", 1, 600000), ("PT-CLAIM", 2, 80000), ("PT-EXAM", 1, 1200000),
      ("RED-50", 1, -340000)], 1540000),
    (FeeBasis("patent", claims=20, pages=40, applicant_category="small_entity"),
     [("PT-FIL", 1, 600000), ("PT-CLAIM", 10, 400000), ("PT-PAGE", 10, 100000),
      ("RED-30", 1, -330000)], 770000),
    # industrial design
    (FeeBasis("design", designs=1), [("ID-FIL", 1, 300000)], 300000),
    (FeeBasis("design", designs=5), [("ID-FIL", 1, 300000), ("ID-DESIGN", 4, 400000)], 700000),
    (FeeBasis("design", designs=1, priorities=3, flags=frozenset({DEFER})),
     [("ID-FIL", 1, 300000), ("ID-PRIO", 3, 300000), ("ID-DEFER", 1, 80000)], 680000),
    (FeeBasis("design", designs=3, applicant_category="university"),
     [("ID-FIL", 1, 300000), ("ID-DESIGN", 2, 200000), ("RED-50", 1, -250000)], 250000),
    (FeeBasis("design", designs=2, flags=frozenset({DEFER}), applicant_category="small_entity"),
     [("ID-FIL", 1, 300000), ("ID-DESIGN", 1, 100000), ("ID-DEFER", 1, 80000),
      ("RED-30", 1, -120000)], 360000),
    # utility model
    (FeeBasis("utility_model", claims=5, pages=10), [("UM-FIL", 1, 300000)], 300000),
    (FeeBasis("utility_model", claims=11, pages=31),
     [("UM-FIL", 1, 300000), ("UM-CLAIM", 1, 20000), ("UM-PAGE", 1, 10000)], 330000),
    (FeeBasis("utility_model", priorities=2), [("UM-FIL", 1, 300000), ("UM-PRIO", 2, 200000)],
     500000),
    (FeeBasis("utility_model", claims=14, applicant_category="natural_person"),
     [("UM-FIL", 1, 300000), ("UM-CLAIM", 4, 80000), ("RED-50", 1, -190000)], 190000),
    (FeeBasis("utility_model", priorities=1, applicant_category="small_entity"),
     [("UM-FIL", 1, 300000), ("UM-PRIO", 1, 100000), ("RED-30", 1, -90000)], 310000),
    # a filing type the tariff has no fee for costs nothing
    (FeeBasis("trademark", filing_type="opposition", classes=2), [], 0),
    # requests are priced right by right, the lines of one fee added up
    (FeeBasis("trademark", filing_type="renewal", parts=(
        FeeBasis("trademark", filing_type="renewal", classes=3, late_months=2, first_right=1),
        FeeBasis("trademark", filing_type="renewal", classes=1, further_rights=1))),
     [("TM-REN", 2, 800000), ("TM-REN-CLASS", 2, 800000), ("TM-REN-LATE", 2, 100000)],
     1700000),
    # annual fees by year of protection: years 5 and 6 fall in two bands, year 5 paid late
    (FeeBasis("patent", filing_type="annuity", parts=(
        FeeBasis("patent", filing_type="annuity", year=5, late_months=1, first_right=1),
        FeeBasis("patent", filing_type="annuity", year=6))),
     [("PT-ANN-2", 1, 200000), ("PT-ANN-LATE", 1, 40000), ("PT-ANN-6", 1, 400000)], 640000),
    (FeeBasis("utility_model", filing_type="annuity", parts=(
        FeeBasis("utility_model", filing_type="annuity", year=1),)), [], 0),
    # a request fee once, then a smaller fee for each further right
    (FeeBasis("design", filing_type="change_name_address", parts=(
        FeeBasis("design", filing_type="change_name_address", first_right=1),
        *[FeeBasis("design", filing_type="change_name_address", further_rights=1)] * 299)),
     [("CHG-NA", 1, 100000), ("CHG-NA-MORE", 299, 5980000)], 6080000),
    (FeeBasis("trademark", filing_type="certified_copy", parts=(
        FeeBasis("trademark", filing_type="certified_copy", copies=3,
                 flags=frozenset({"certified", "post"})),)),
     [("CC-COPY", 3, 60000), ("CC-CERT", 1, 30000), ("CC-POST", 1, 20000)], 110000),
    (FeeBasis("patent", filing_type="correction", parts=(
        FeeBasis("patent", filing_type="correction"),)), [], 0),
]


@pytest.mark.parametrize(("basis", "lines", "total"), CASES)
def test_demo_tariff(demo, basis, lines, total):
    quote = calculate_fees(basis, ON)
    assert summary(quote) == [(code, qty, D(amount)) for code, qty, amount in lines]
    assert quote.total == D(total)
    assert (quote.currency, quote.schedule_id, quote.on) == ("KHR", demo.id, ON)
    for line in quote.lines:
        assert line.amount == line.unit_amount * line.quantity


def test_load_tariff_is_idempotent(demo):
    assert load_tariff(DEMO_TARIFF) is demo
    assert db.session.scalar(db.select(db.func.count(FeeSchedule.id))) == 1
    assert len(demo.rules) == 60
    assert {rule.kind for rule in demo.rules} == {*KINDS, "*"}


def test_demo_tariff_names_every_fee_in_every_language(demo):
    for rule in demo.rules:
        assert set(rule.names) == {"en", "fr", "es", "km", "lo", "vi", "ar"}, rule.code
        assert all(name.strip() for name in rule.names.values()), rule.code


def test_demo_tariff_survives_a_fresh_session(demo):
    db.session.expire_all()
    rule = db.session.scalar(db.select(FeeRule).where(FeeRule.code == "RED-30"))
    assert rule.rule is FeeRuleType.REDUCTION_PERCENT
    assert rule.percent == Decimal(30) and rule.categories == ["small_entity"]
    assert isinstance(rule.amount, Decimal)


def test_fee_valid_from_a_future_date_applies_from_that_date(demo):
    today = office_today()
    start = today + timedelta(days=10)
    demo.rules.append(FeeRule(code="TM-ONLINE", kind="trademark", rule=FeeRuleType.PER_FILING,
                              amount=D(20000), valid_from=start, position=99,
                              names={"en": "Online filing surcharge"}))
    db.session.flush()
    basis = FeeBasis("trademark", classes=1)
    assert "TM-ONLINE" not in [line.code for line in calculate_fees(basis).lines]
    eve = start - timedelta(days=1)
    assert "TM-ONLINE" not in [line.code for line in calculate_fees(basis, eve).lines]
    assert calculate_fees(basis, start).total == D(420000)
    assert calculate_fees(basis, start + timedelta(days=400)).total == D(420000)


def test_withdrawn_fee_stops_after_valid_to(demo):
    demo.rules.append(FeeRule(code="TM-OLD", kind="trademark", rule=FeeRuleType.PER_FILING,
                              amount=D(5000), valid_to=ON, position=99, names={}))
    db.session.flush()
    basis = FeeBasis("trademark", classes=1)
    assert calculate_fees(basis, ON).total == D(405000)
    assert calculate_fees(basis, ON + timedelta(days=1)).total == D(400000)


def test_newer_schedule_from_tomorrow_changes_only_tomorrow(demo, tmp_path):
    today = office_today()
    tomorrow = today + timedelta(days=1)
    data = demo_data() | {"name": "Demo IPO tariff, revised", "valid_from": tomorrow.isoformat()}
    data["rules"][0]["amount"] = "450000"
    newer = load_tariff(write_tariff(tmp_path, data))
    basis = FeeBasis("trademark", classes=2)

    assert schedule_in_force(today) is demo
    assert calculate_fees(basis) == calculate_fees(basis, today)
    assert calculate_fees(basis).total == D(800000)
    assert calculate_fees(basis).schedule_id == demo.id
    tomorrows = calculate_fees(basis, tomorrow)
    assert (tomorrows.total, tomorrows.schedule_id) == (D(850000), newer.id)


def test_no_schedule_in_force(demo):
    quote = calculate_fees(FeeBasis("trademark", classes=1), date(2025, 12, 31))
    assert (quote.lines, quote.total, quote.currency, quote.schedule_id) == ((), 0, "KHR", None)


def test_no_office_and_no_schedule(app):
    db.session.delete(current_office())
    db.session.flush()
    g.pop("office", None)
    quote = calculate_fees(FeeBasis("patent"))
    assert (quote.lines, quote.total, quote.currency) == ((), 0, "XXX")
    assert quote.on == datetime.now(UTC).date()  # no office, no time zone: UTC


@pytest.mark.parametrize(("locale", "script"), [("km", ("\u1780", "\u17ff")),
                                                ("ar", ("\u0600", "\u06ff"))])
def test_labels_come_from_the_names(demo, locale, script):
    names = {rule["code"]: rule["names"][locale] for rule in demo_data()["rules"]}
    basis = FeeBasis("patent", claims=11, flags=frozenset({EXAM}), applicant_category="university")
    quote = calculate_fees(basis, ON, locale=locale)
    assert [line.label for line in quote.lines] == [names[line.code] for line in quote.lines]
    for line in quote.lines:
        assert any(script[0] <= char <= script[1] for char in line.label), line.label


def test_label_fallbacks(demo):
    basis = FeeBasis("trademark", classes=1)
    assert calculate_fees(basis, ON, locale="fr_FR").lines[0].label.startswith("Taxe de dépôt")
    assert calculate_fees(basis, ON, locale="de").lines[0].label.startswith("Trademark")
    current_office().default_locale = "es"
    assert calculate_fees(basis, ON, locale="de").lines[0].label.startswith("Tasa de solicitud")
    demo.rules[0].names = {}
    assert calculate_fees(basis, ON, locale="km").lines[0].label == "TM-APP"


def test_label_in_a_request_follows_the_request_language(demo, app):
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        label = calculate_fees(FeeBasis("utility_model"), ON).lines[0].label
    assert label == "Lệ phí nộp đơn đăng ký giải pháp hữu ích"


def test_minor_units_are_babels():
    assert minor_unit("USD") == Decimal("0.01")
    assert minor_unit("JPY") == Decimal("1")
    assert minor_unit("KHR") == Decimal("0.01")  # Babel (CLDR) and ISO 4217 both say 2


def rounding_tariff(currency: str, valid_from: date, amount: str) -> dict:
    return {"name": f"rounding {currency}", "currency": currency,
            "valid_from": valid_from.isoformat(), "rules": [
                {"code": "X-FIL", "kind": "trademark", "rule": "per_filing", "amount": amount},
                {"code": "X-CLASS", "kind": "trademark", "rule": "per_item_beyond",
                 "item": "classes", "amount": "99.49"},
                {"code": "X-RED", "kind": "*", "rule": "reduction_percent", "percent": "50",
                 "categories": ["small_entity"], "applies_to": ["X-FIL"]}]}


@pytest.mark.parametrize(("currency", "classes", "lines", "total"), [
    # JPY has no minor unit: 1234.50 rounds half up to 1235, its half 617.5 to 618.
    ("JPY", 0, [("X-FIL", 1, "1235"), ("X-RED", 1, "-618")], "617"),
    ("JPY", 2, [("X-FIL", 1, "1235"), ("X-CLASS", 2, "198"), ("X-RED", 1, "-618")], "815"),
    ("USD", 0, [("X-FIL", 1, "1234.50"), ("X-RED", 1, "-617.25")], "617.25"),
])
def test_amounts_round_to_the_currencys_minor_units(app, tmp_path, currency, classes, lines,
                                                    total):
    start = date(2031, 1, 1)
    load_tariff(write_tariff(tmp_path, rounding_tariff(currency, start, "1234.50")))
    basis = FeeBasis("trademark", classes=classes, applicant_category="small_entity")
    quote = calculate_fees(basis, start)
    assert [(c, q, str(a)) for c, q, a in summary(quote)] == lines
    assert (str(quote.total), quote.currency) == (total, currency)


def test_usd_reduction_rounds_half_up(app, tmp_path):
    start = date(2031, 1, 1)
    load_tariff(write_tariff(tmp_path, rounding_tariff("USD", start, "10.05")))
    quote = calculate_fees(FeeBasis("trademark", applicant_category="small_entity"), start)
    assert [str(line.amount) for line in quote.lines] == ["10.05", "-5.03"]  # 5.025 -> 5.03
    assert str(quote.total) == "5.02"


@pytest.mark.parametrize(("change", "message"), [
    ({"currency": "EURO"}, "currency"),
    ({"rules": [{"code": "A", "kind": "trademark", "rule": "per_filing", "amount": True}]},
     "exact"),
    ({"rules": [{"code": "A", "kind": "spaceship", "rule": "per_filing", "amount": "1"}]},
     "kind"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_item_beyond", "item": "legs",
                 "amount": "1"}]}, "item"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_filing", "amount": "0.001"}]},
     "decimals"),
    ({"rules": [{"code": "R", "kind": "*", "rule": "reduction_percent", "percent": "150",
                 "categories": ["university"]}]}, "percent"),
    ({"rules": [{"code": "R", "kind": "*", "rule": "reduction_percent", "percent": "10",
                 "categories": ["university"], "applies_to": ["NOPE"]}]}, "unknown fees"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_filing", "amount": "1"}] * 2},
     "duplicate"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_filing", "amount": "1",
                 "years": [6, 2]}]}, "years"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_filing", "amount": "1",
                 "years": [0, 2]}]}, "years"),
    ({"rules": [{"code": "A", "kind": "patent", "rule": "per_filing", "amount": "1",
                 "years": "3-5"}]}, "years"),
])
def test_load_tariff_refuses_a_bad_tariff(app, tmp_path, change, message):
    data = {"name": "bad", "currency": "KHR", "valid_from": "2030-01-01", "rules": []} | change
    with pytest.raises(TariffError, match=message):
        load_tariff(write_tariff(tmp_path, data))


def test_json_numbers_are_read_as_exact_decimals(app, tmp_path):
    text = json.dumps(rounding_tariff("USD", date(2032, 1, 1), "0"))
    path = tmp_path / "numbers.json"
    path.write_text(text.replace('"amount": "0"', '"amount": 0.1'), encoding="utf-8")
    assert '"amount": 0.1}' in path.read_text()  # a JSON number, which float would not hold
    schedule = load_tariff(path)
    db.session.expire_all()
    assert schedule.rules[0].amount == Decimal("0.10")
    quote = calculate_fees(FeeBasis("trademark", classes=3), date(2032, 1, 1))
    assert quote.total == Decimal("0.1") + 3 * Decimal("99.49")


def count_statements(func):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        func()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


@pytest.mark.parametrize("extra_rules", [0, 60])
def test_calculation_issues_few_statements_whatever_the_number_of_rules(demo, extra_rules):
    for number in range(extra_rules):
        demo.rules.append(FeeRule(code=f"PT-X{number}", kind="patent", position=100 + number,
                                  rule=FeeRuleType.PER_FILING, amount=D(1000), names={}))
    db.session.flush()
    db.session.expire_all()  # nothing cached: the schedule and its rules are read afresh
    basis = FeeBasis("patent", claims=25, flags=frozenset({EXAM}),
                     applicant_category="small_entity")
    quote = None

    def run():
        nonlocal quote
        quote = calculate_fees(basis, ON)

    statements = count_statements(run)
    assert 2 <= len(statements) <= 3, statements  # office row, schedule, its rules
    assert len(quote.lines) == 4 + extra_rules


# --- properties -----------------------------------------------------------------------------

FLAGS = st.frozensets(st.sampled_from([EXAM, DEFER, "unknown_flag"]))


def bases(kind: str | None = None, category: str | None = None):
    return st.builds(
        FeeBasis,
        kind=st.just(kind) if kind else st.sampled_from(KINDS),
        classes=st.integers(0, 60), claims=st.integers(0, 300), pages=st.integers(0, 1000),
        designs=st.integers(0, 100), priorities=st.integers(0, 12),
        applicant_category=st.just(category) if category else st.sampled_from(
            APPLICANT_CATEGORIES),
        flags=FLAGS)


@PROPERTY
@given(basis=bases())
def test_property_total_is_the_sum_of_the_lines_and_never_negative(demo, basis):
    quote = calculate_fees(basis, ON)
    assert quote.total == sum((line.amount for line in quote.lines), Decimal(0))
    assert quote.total >= 0
    assert quote.lines[0].quantity == 1  # the filing fee always comes first
    for line in quote.lines:
        assert line.amount == line.amount.quantize(Decimal("0.01"))
        assert (line.amount < 0) == line.code.startswith("RED-")


@pytest.mark.parametrize("category", APPLICANT_CATEGORIES)
@pytest.mark.parametrize("kind", KINDS)
@settings(PROPERTY, max_examples=50)  # 16 combinations: 800 examples in all
@given(data=st.data())
def test_property_total_never_decreases_when_items_are_added(demo, kind, category, data):
    basis = data.draw(bases(kind, category))
    item = data.draw(st.sampled_from(ITEMS))
    more = dataclasses.replace(basis, **{item: getattr(basis, item) + data.draw(
        st.integers(1, 50))})
    assert calculate_fees(more, ON).total >= calculate_fees(basis, ON).total


PERCENTS = st.decimals(min_value=1, max_value=100, places=2)
AMOUNTS = st.decimals(min_value=0, max_value=10_000_000, places=2)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=100,
          deadline=None, database=None)
@given(amounts=st.lists(AMOUNTS, min_size=1, max_size=4),
       percents=st.lists(PERCENTS, min_size=1, max_size=4),
       currency=st.sampled_from(["KHR", "JPY", "USD"]), classes=st.integers(0, 20))
def test_property_stacked_reductions_never_make_a_total_negative(app, amounts, percents,
                                                                 currency, classes):
    fees = [FeeRule(code=f"F{n}", kind="trademark", rule=FeeRuleType.PER_ITEM_BEYOND,
                    item="classes", amount=amount, position=n, names={})
            for n, amount in enumerate(amounts)]
    cuts = [FeeRule(code=f"R{n}", kind="*", rule=FeeRuleType.REDUCTION_PERCENT, percent=percent,
                    categories=["university"], applies_to=[fee.code for fee in fees],
                    position=10 + n, names={}) for n, percent in enumerate(percents)]
    start = date(2040, 1, 1)
    savepoint = db.session.begin_nested()
    try:
        db.session.add(FeeSchedule(name="stacked", currency=currency, valid_from=start,
                                   rules=fees + cuts))
        db.session.flush()
        quote = calculate_fees(FeeBasis("trademark", classes=classes,
                                        applicant_category="university"), start)
    finally:
        savepoint.rollback()
    assert quote.total == sum((line.amount for line in quote.lines), Decimal(0))
    assert quote.total >= 0
    assert quote.total == quote.total.quantize(minor_unit(currency))
