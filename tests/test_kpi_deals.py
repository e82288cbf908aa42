"""Deal KPIs (salesmodel.kpi._deals): conversion, win rate, tickets, bookings and
the sales cycle; their arguments, what counts as converted, business days and
holidays, cycle starts, and records of other types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from salesmodel import Deal, Lead, Money, Status, ValidationError, kpi
from salesmodel.kpi import Period, Ratio

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def closed(did: str, created: float, at: float, status: str = "won", **kw: Any) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(100, "EUR"),
        created_at=day(created),
        stage=status,
        status=status,
        closed_at=day(at),
        loss_reason="price" if status == "lost" else None,
        **kw,
    )


def lead(lid: str, **kw: Any) -> Lead:
    return Lead(id=lid, name=lid, created_at=day(0), source="web", **kw)


class Row:
    """A record of another type (an ORM row)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


# --- conversion ----------------------------------------------------------------------------


def test_converted_may_be_ids_a_callable_or_the_won_status() -> None:
    leads = [lead("a", owner_id="ana"), lead("b", owner_id="ana"), lead("c", owner_id="bo")]
    assert kpi.conversion_rate(leads, converted={"a", "c"}) == Ratio(2, 3)
    assert kpi.conversion_rate(leads, converted=lambda r: r.id == "b") == Ratio(1, 3)
    by_owner = kpi.conversion_rate(leads, by="owner_id", converted=["c"])
    assert dict(by_owner) == {"ana": Ratio(0, 2), "bo": Ratio(1, 1)}
    by_owner_none = kpi.conversion_rate(leads, by="owner_id", converted=[])
    assert dict(by_owner_none) == {"ana": Ratio(0, 2), "bo": Ratio(0, 1)}
    monthly = kpi.conversion_rate(leads, period="month", tz=UTC, converted={"a"})
    assert dict(monthly) == {Period("month", 2026, 1): Ratio(1, 3)}
    with pytest.raises(ValidationError) as caught:
        kpi.conversion_rate(leads, converted=3)  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("converted", 3)


def test_converted_ids_need_records_with_ids() -> None:
    # Bug fixed: a record of another type without an id raised AttributeError.
    row = Row(status=Status.OPEN, created_at=day(0), closed_at=None)
    assert kpi.conversion_rate([row]) == Ratio(0, 1)  # ids not read
    with pytest.raises(ValidationError) as caught:
        kpi.conversion_rate([row], converted={"a"})
    assert caught.value.field == "id"
    assert "a record with a 'id' field (an id (a non-empty str))" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        kpi.conversion_rate([Row(id=7, **vars(row))], converted={"a"})
    assert (caught.value.field, caught.value.value) == ("id", 7)
    rate = kpi.conversion_rate([Row(id="a", **vars(row)), row], converted={"a"}, strict=False)
    assert rate == Ratio(1, 1)
    assert [(s.id, s.field) for s in rate.skipped] == [(None, "id")]


# --- win rate, tickets, bookings -------------------------------------------------------------


def test_win_rate_by_value_must_be_a_bool_and_reads_amounts() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.win_rate([], by_value="yes")  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("by_value", "yes")
    deals = [closed("w", 0, 1), closed("l", 0, 2, "lost")]
    assert kpi.win_rate(deals, by_value=True) == Ratio(Money(100, "EUR"), Money(200, "EUR"))


# --- business days -------------------------------------------------------------------------


def test_business_days_follow_numpy_busday_count() -> None:
    monday, friday = date(2026, 1, 5), date(2026, 1, 9)
    assert kpi.business_days(monday, friday) == 4
    assert kpi.business_days(friday, monday) == -4
    assert kpi.business_days(monday, monday + timedelta(days=14)) == 10
    assert kpi.business_days(friday, date(2026, 1, 12)) == 1  # Friday only
    holidays = (date(2026, 1, 6), date(2026, 1, 10))  # a Tuesday and a Saturday
    assert kpi.business_days(monday, friday, holidays) == 3
    assert kpi.business_days(friday, monday, holidays) == -3


def test_cycles_in_business_days_skip_weekends_and_holidays() -> None:
    deal = closed("w", 0, 7)  # Monday to the next Monday
    plain = kpi.sales_cycle([deal], business_days=True, tz=UTC)
    assert plain.mean == timedelta(days=5)
    assert plain.business_days is True
    holiday = kpi.sales_cycle(
        [deal], business_days=True, tz=UTC, holidays=[date(2026, 1, 7), date(2026, 1, 7)]
    )
    assert holiday.mean == timedelta(days=4)


def test_sales_cycle_arguments_are_checked_and_named() -> None:
    cases: list[tuple[dict[str, Any], str, Any]] = [
        ({"outcome": "open"}, "outcome", "open"),
        ({"business_days": 1}, "business_days", 1),
        ({"start": "created_at"}, "start", "created_at"),
        ({"holidays": "2026-01-01"}, "holidays", "2026-01-01"),
        ({"holidays": 20260101}, "holidays", 20260101),
        (
            {"holidays": [datetime(2026, 1, 1, tzinfo=UTC)]},
            "holidays",
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
        ({"business_days": True}, "tz", None),
    ]
    for arguments, field, value in cases:
        with pytest.raises(ValidationError) as caught:
            kpi.sales_cycle([], **arguments)
        assert (caught.value.field, caught.value.value) == (field, value), arguments


def test_a_cycle_start_must_be_an_aware_datetime() -> None:
    deals = [closed("a", 0, 4), closed("b", 0, 6)]
    starts = {"a": day(2), "b": datetime(2026, 1, 6)}
    with pytest.raises(ValidationError) as caught:
        kpi.sales_cycle(deals, start=lambda d: starts[d.id])
    assert (caught.value.field, caught.value.value) == ("start", datetime(2026, 1, 6))
    assert "'b'" in str(caught.value)
    cycle = kpi.sales_cycle(deals, start=lambda d: starts[d.id], strict=False)
    assert (cycle.count, cycle.mean) == (1, timedelta(days=2))
    assert [(s.id, s.field) for s in cycle.skipped] == [("b", "start")]
