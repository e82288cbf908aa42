"""The lifetimes customer summary (salesmodel.kpi._lifetimes): its table, its
arguments, currencies and zones."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from salesmodel import CurrencyMismatchError, Deal, Money, RateTable, Status, ValidationError, kpi

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
