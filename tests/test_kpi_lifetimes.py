"""The lifetimes customer summary (salesmodel.kpi._lifetimes): its table, its
arguments, currencies and zones."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from salesmodel import (
    CurrencyMismatchError,
    Deal,
    Issue,
    Money,
    RateTable,
    Status,
    ValidationError,
    kpi,
)
from support import issues_of

LISBON = ZoneInfo("Europe/Lisbon")
END = date(2026, 3, 31)


def purchase(
    pid: str, customer_id: str | None, closed: datetime, amount: str = "10", currency: str = "EUR"
) -> Deal:
    return Deal(
        id=pid,
        name=pid,
        amount=Money(amount, currency),
        created_at=closed - timedelta(days=1),
        customer_id=customer_id,
        stage="won",
        status="won",
        closed_at=closed,
    )


def day(month: int, d: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, d, hour, minute, tzinfo=UTC)


BOOK = [
    purchase("1", "ann", day(1, 1), "10"),
    purchase("2", "ann", day(1, 8), "20"),
    purchase("3", "ann", day(1, 8), "5"),  # same day: one purchase of 25
    purchase("4", "ann", day(1, 15), "35"),
    purchase("5", "bob", day(3, 3), "7"),
    purchase("6", "bob", day(4, 1), "99"),  # after the calibration end
    purchase("7", "cy", day(4, 2), "1"),  # first purchase after it: left out
    purchase("8", None, day(1, 2), "1"),  # no customer
]


def test_the_summary_table_in_weeks_and_days() -> None:
    summary = kpi.customer_summary(BOOK, calibration_end=END, tz=UTC)
    assert len(summary) == 2
    assert summary["ann"] == kpi.SummaryRow(
        "ann", 2, Decimal("2.00"), Decimal("12.71"), Decimal("30.00")
    )
    assert summary["bob"] == kpi.SummaryRow(
        "bob", 0, Decimal("0.00"), Decimal("4.00"), Decimal("0.00")
    )
    with pytest.raises(KeyError):
        summary["cy"]
    assert summary.to_records()[1] == {
        "customer_id": "bob",
        "frequency": 0,
        "recency": Decimal("0.00"),
        "T": Decimal("4.00"),
        "monetary_value": Decimal("0.00"),
    }
    assert repr(summary) == "CustomerSummary(2 customers, weeks, calibration end 2026-03-31)"
    assert "<caption>Customer summary (weeks, calibration end 2026-03-31)</caption>" in (
        summary._repr_html_()
    )
    assert summary.currency == "EUR"
    days = kpi.customer_summary(BOOK, calibration_end=END, tz=UTC, unit="days", places=0)
    assert (days["ann"].recency, days["ann"].T) == (Decimal(14), Decimal(89))
    assert pickle.loads(pickle.dumps(summary)) == summary


def test_an_empty_summary_has_no_currency() -> None:
    summary = kpi.customer_summary([], calibration_end=END, tz=UTC)
    assert (len(summary), summary.currency, summary.rows) == (0, None, ())


def test_summary_arguments_are_checked_and_named() -> None:
    bad = [
        ({"calibration_end": datetime(2026, 3, 31, tzinfo=UTC)}, "calibration_end"),
        ({"tz": None}, "tz"),
        ({"unit": "months"}, "unit"),
        ({"places": 29}, "places"),
        ({"places": -1}, "places"),
        ({"places": 2.0}, "places"),
        ({"currency": "euro"}, "currency"),
    ]
    for change, field in bad:
        arguments = {"calibration_end": END, "tz": UTC, **change}
        with pytest.raises(ValidationError) as caught:
            kpi.customer_summary(BOOK, **arguments)  # type: ignore[arg-type]
        assert caught.value.field == field, change


def test_purchases_in_several_currencies_need_a_currency_and_rates() -> None:
    mixed = [purchase("1", "ann", day(1, 1), "10"), purchase("2", "ann", day(1, 9), "30", "USD")]
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.customer_summary(mixed, calibration_end=END, tz=UTC)
    assert "purchases mix EUR, USD" in str(caught.value)
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.customer_summary(mixed, calibration_end=END, tz=UTC, currency="EUR")
    assert "purchase '2' is in USD, not EUR: pass rates=" in str(caught.value)
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    summary = kpi.customer_summary(mixed, calibration_end=END, tz=UTC, currency="EUR", rates=rates)
    assert summary["ann"].monetary_value == Decimal("15.00")
    assert summary.currency == "EUR"


def test_summary_days_in_a_named_zone_are_read_in_that_zone() -> None:
    # Bug fixed: a zone given by name was taken as tz="recorded" (UTC days here).
    # 22:30 and 23:30 UTC on 31 March are two days in Lisbon (summer time, +1).
    evening = [purchase("a", "ann", day(3, 31, 22, 30)), purchase("b", "ann", day(3, 31, 23, 30))]
    end = date(2026, 4, 30)
    by_zone = kpi.customer_summary(evening, calibration_end=end, tz=LISBON, unit="days")
    assert by_zone["ann"].frequency == 1
    assert kpi.customer_summary(evening, calibration_end=end, tz="Europe/Lisbon", unit="days") == (
        by_zone
    )
    in_utc = kpi.customer_summary(evening, calibration_end=end, tz=UTC, unit="days")
    assert in_utc["ann"].frequency == 0


@attrs.define
class Purchase:
    """A purchase from elsewhere (an ORM row), not built by salesmodel."""

    id: str
    status: Status
    created_at: datetime
    closed_at: datetime | None
    amount: object
    customer_id: str | None = "ann"


def test_other_purchase_records_need_a_non_negative_money_amount() -> None:
    good = Purchase("p1", Status.WON, day(1, 1), day(1, 2), Money(5, "EUR"))
    bad = Purchase("p2", Status.WON, day(1, 1), day(1, 3), 5)
    with pytest.raises(ValidationError) as caught:
        kpi.customer_summary([good, bad], calibration_end=END, tz=UTC)
    assert caught.value.field == "amount"
    assert "'p2'" in str(caught.value)
    summary = kpi.customer_summary([good, bad], calibration_end=END, tz=UTC, strict=False)
    assert summary["ann"].frequency == 0
    assert [(s.id, s.field) for s in summary.skipped] == [("p2", "amount")]


# --- exact errors, boundaries, defaults and merging (mutation testing) ---------------------


def test_summary_argument_errors_are_exact() -> None:
    def summary(**change: Any) -> Any:
        return lambda: kpi.customer_summary([], **{"calibration_end": END, "tz": UTC, **change})

    noon = datetime(2026, 3, 31, tzinfo=UTC)
    assert issues_of(summary(calibration_end=noon)) == (
        Issue("calibration_end", noon, "a date (the last day observed)"),
    )
    assert issues_of(summary(unit="months")) == (Issue("unit", "months", "'days' or 'weeks'"),)
    assert issues_of(summary(places=29)) == (Issue("places", 29, "an int from 0 to 28"),)
    assert issues_of(summary(currency="EUR", rates="0.5")) == (
        Issue("rates", "0.5", "None or a RateTable"),
    )
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    assert issues_of(summary(rates=rates)) == (
        Issue("currency", None, "the currency to convert into, since rates= is given"),
    )
    assert len(kpi.customer_summary(BOOK, calibration_end=END, tz=UTC, places=28)) == 2


def test_summary_accumulator_defaults_weeks_two_places_and_strict() -> None:
    acc = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC).add_many(BOOK)
    summary = acc.result()
    assert summary.unit == "weeks"
    assert summary["ann"] == kpi.SummaryRow(
        "ann", 2, Decimal("2.00"), Decimal("12.71"), Decimal("30.00")
    )
    bad = Purchase("p2", Status.WON, day(1, 1), day(1, 3), 5)
    with pytest.raises(ValidationError):
        kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC).add(bad)
    with pytest.raises(KeyError) as caught:
        summary["cy"]
    assert caught.value.args == ("cy",)


def test_summary_rounds_half_up_unless_told() -> None:
    book = [purchase("1", "ann", day(1, 1)), purchase("2", "ann", day(1, 2), "10.25")]
    half_up = kpi.customer_summary(book, calibration_end=END, tz=UTC, places=1)
    assert half_up["ann"].monetary_value == Decimal("10.3")
    acc = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC, places=1).add_many(book)
    assert acc.result()["ann"].monetary_value == Decimal("10.3")
    down = kpi.customer_summary(book, calibration_end=END, tz=UTC, places=1, rounding=ROUND_DOWN)
    assert down["ann"].monetary_value == Decimal("10.2")


def test_summary_spend_is_exact_beyond_28_digits() -> None:
    # Bug fixed: the repeat days' spend was added up in the 28-digit context.
    big = "123456789012345678901234567.89"
    book = [
        purchase("1", "ann", day(1, 1)),
        purchase("2", "ann", day(1, 2), big),
        purchase("3", "ann", day(1, 3), "0.02"),
    ]
    summary = kpi.customer_summary(book, calibration_end=END, tz=UTC)
    assert summary["ann"].monetary_value == Decimal("61728394506172839450617283.96")
    same_day = [
        purchase("1", "ann", day(1, 1)),
        purchase("2", "ann", day(1, 2), big),
        purchase("3", "ann", day(1, 2), "0.02"),
    ]
    summary = kpi.customer_summary(same_day, calibration_end=END, tz=UTC)
    assert summary["ann"].monetary_value == Decimal("123456789012345678901234567.91")


def test_summary_includes_the_calibration_end_day_and_goes_on_after_later_ones() -> None:
    book = [
        purchase("late", "ann", day(4, 1)),
        purchase("1", "ann", day(1, 1)),
        purchase("2", "ann", day(3, 31), "20"),
    ]
    summary = kpi.customer_summary(book, calibration_end=END, tz=UTC, unit="days", places=0)
    assert summary["ann"] == kpi.SummaryRow("ann", 1, Decimal(89), Decimal(89), Decimal(20))


def test_summary_currency_errors_name_the_currencies() -> None:
    mixed = [purchase("1", "ann", day(1, 1)), purchase("2", "ann", day(1, 9), "30", "USD")]
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.customer_summary(mixed, calibration_end=END, tz=UTC)
    assert caught.value.currencies == ("EUR", "USD")
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.customer_summary(mixed, calibration_end=END, tz=UTC, currency="EUR")
    assert caught.value.currencies == ("EUR", "USD")


def test_summary_accumulators_merge_with_their_options() -> None:
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    options: dict[str, Any] = {
        "calibration_end": END,
        "tz": LISBON,
        "unit": "days",
        "places": 1,
        "rounding": ROUND_DOWN,
        "currency": "EUR",
        "rates": rates,
        "strict": False,
    }
    first = kpi.CustomerSummaryAccumulator(**options).add_many(
        [purchase("1", "ann", day(1, 1)), purchase("2", "ann", day(1, 9), "10")]
    )
    second = kpi.CustomerSummaryAccumulator(**options).add_many(
        [purchase("3", "ann", day(1, 9), "10.5", "USD")]
    )
    merged = first.merge(second)
    merged.add(Purchase("p2", Status.WON, day(1, 1), day(1, 3), 5))
    merged.add(purchase("4", "ann", day(1, 10), "3", "USD"))
    summary = merged.result()
    assert summary["ann"] == kpi.SummaryRow("ann", 2, Decimal(9), Decimal(89), Decimal("8.3"))
    assert [s.id for s in summary.skipped] == ["p2"]
    with pytest.raises(ValidationError) as caught:
        first.merge(kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC))
    assert caught.value.issues[0].expected == (
        f"a CustomerSummaryAccumulator with the same options (calibration_end={END!r}, "
        f"currency='EUR', places=1, rates={rates!r}, rounding='ROUND_DOWN', strict=False, "
        f"tz={LISBON!r}, unit='days')"
    )
    euros = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC)
    euros.add(purchase("1", "ann", day(1, 1)))
    dollars = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC)
    dollars.add(purchase("2", "bob", day(1, 1), "1", "USD"))
    with pytest.raises(CurrencyMismatchError) as mixed:
        euros.merge(dollars).result()
    assert mixed.value.currencies == ("EUR", "USD")


def test_merged_summaries_add_a_day_spend_exactly() -> None:
    big = "123456789012345678901234567.89"
    first = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC)
    first.add_many([purchase("1", "ann", day(1, 1)), purchase("2", "ann", day(1, 2), big)])
    second = kpi.CustomerSummaryAccumulator(calibration_end=END, tz=UTC)
    second.add(purchase("3", "ann", day(1, 2), "0.02"))
    merged = first.merge(second).result()
    assert merged["ann"].monetary_value == Decimal("123456789012345678901234567.91")


def test_a_purchase_day_beyond_the_calendar_in_the_zone_is_named() -> None:
    first = datetime(1, 1, 1, tzinfo=UTC)
    early = attrs.evolve(purchase("p", "c", datetime(2026, 1, 5, tzinfo=UTC)), created_at=first,
                         closed_at=first)  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        kpi.customer_summary([early], calibration_end=END, tz="America/New_York")
    assert (caught.value.field, caught.value.value) == ("closed_at", first)
    assert "within the years 1 to 9999" in str(caught.value)
    assert len(kpi.customer_summary([early], calibration_end=END, tz=UTC)) == 1
