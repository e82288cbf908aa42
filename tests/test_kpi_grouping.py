"""How KPIs group records (salesmodel.kpi._grouping): calendar periods, group
keys from attribute names or callables, zones, and the option specs accumulators
compare before merging."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from operator import attrgetter
from typing import Any

import attrs
import pytest

from salesmodel import Deal, Money, ValidationError, kpi
from salesmodel.kpi import Period
from salesmodel.kpi._grouping import Grouping, check_tz, spec_of

T0 = datetime(2026, 1, 1, tzinfo=UTC)


# --- periods ---------------------------------------------------------------------------------


def test_periods_of_each_kind_name_and_bound_themselves() -> None:
    new_year = date(2027, 1, 1)  # ISO week 53 of 2026
    week = Period.of(new_year, "week")
    assert (week, str(week)) == (Period("week", 2026, 53), "2026-W53")
    assert week.first_day == date(2026, 12, 28)
    year = Period.of(datetime(2026, 7, 4, 12, tzinfo=UTC), "year")
    assert (year, str(year), year.first_day) == (Period("year", 2026, 1), "2026", date(2026, 1, 1))
    quarter = Period.of(date(2026, 11, 30), "quarter")
    assert (str(quarter), quarter.first_day) == ("2026Q4", date(2026, 10, 1))
    assert repr(quarter) == "Period('2026Q4')"
    assert quarter.start(UTC) == datetime(2026, 10, 1, tzinfo=UTC)
    assert quarter.end(UTC) == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        Period.of(new_year, "day")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("period", "day")


def test_periods_step_forward_and_back_across_years() -> None:
    week = Period("week", 2026, 1)
    assert week.previous() == Period("week", 2025, 52)
    assert week.previous().next() == week
    assert Period("quarter", 2026, 1).previous() == Period("quarter", 2025, 4)
    assert Period("month", 2026, 5).previous() == Period("month", 2026, 4)
    assert Period("year", 2026, 1).previous() == Period("year", 2025, 1)
    assert Period("year", 2026, 1).next() == Period("year", 2027, 1)
    assert week.shift(-2) == Period("week", 2025, 51)
    assert Period("month", 2026, 1).shift(-1) == Period("month", 2025, 12)
    assert Period("month", 2026, 11).shift(14) == Period("month", 2028, 1)


def test_offsets_count_periods_of_one_kind_only() -> None:
    assert Period("week", 2025, 52).offset(Period("week", 2026, 2)) == 2
    assert Period("quarter", 2026, 3).offset(Period("quarter", 2025, 4)) == -3
    with pytest.raises(ValidationError) as caught:
        Period("week", 2026, 1).offset(Period("month", 2026, 1))
    assert caught.value.field == "other"
    assert "a week period" in str(caught.value)


def test_periods_order_in_time_and_refuse_to_compare_with_other_things() -> None:
    jan, feb = Period("month", 2026, 1), Period("month", 2026, 2)
    assert jan < feb
    assert jan <= feb
    assert jan <= jan
    assert feb > jan
    assert feb >= jan
    assert feb >= feb
    assert not feb <= jan
    assert not jan >= feb
    for compare in (
        Period.__lt__,
        Period.__le__,
        Period.__gt__,
        Period.__ge__,
    ):
        assert compare(jan, "2026-01") is NotImplemented  # type: ignore[operator]
    with pytest.raises(TypeError):
        jan < "2026-02"  # type: ignore[operator]  # noqa: B015


# --- zones ------------------------------------------------------------------------------------


def test_zones_are_tzinfo_names_or_recorded_and_only_needed_with_a_period() -> None:
    assert check_tz(None, None) is None
    assert check_tz(None, "month", required=False) is None
    assert check_tz(UTC, "month") is UTC
    assert check_tz("recorded", "month") == "recorded"
    assert str(check_tz("America/Sao_Paulo", "month")) == "America/Sao_Paulo"
    with pytest.raises(ValidationError) as caught:
        check_tz(None, "month")
    assert "never silently in UTC" in str(caught.value)


def test_recorded_zone_buckets_by_the_offset_each_datetime_carries() -> None:
    minus_five = timezone(timedelta(hours=-5))
    late = datetime(2026, 1, 31, 22, tzinfo=minus_five)  # 1 February in UTC
    deal = Deal(
        id="d",
        name="d",
        amount=Money(1, "EUR"),
        created_at=late,
        stage="won",
        status="won",
        closed_at=late,
    )
    assert [str(p) for p in kpi.bookings([deal], period="month", tz="recorded")] == ["2026-01"]
    assert [str(p) for p in kpi.bookings([deal], period="month", tz=UTC)] == ["2026-02"]
    assert [str(p) for p in kpi.bookings([deal], period="year", tz=UTC)] == ["2026"]
    assert [str(p) for p in kpi.bookings([deal], period="week", tz=UTC)] == ["2026-W05"]


# --- group keys -------------------------------------------------------------------------------


@attrs.frozen
class Row:
    id: str
    status: Any
    created_at: datetime
    closed_at: datetime | None


def test_a_by_name_that_is_no_identifier_is_read_with_getattr() -> None:
    record = type("Odd", (), {"class": "gold", "status": None})()
    assert Grouping("class", None, None, "closed_at").select([record]) == ["gold"]
    pair = Grouping(("class", "status"), None, None, "closed_at")
    assert pair.select([record]) == [("gold", None)]
    assert Grouping(("id", "status"), None, None, "closed_at").select(
        [Row("a", 1, T0, None)], status=1
    ) == [("a", 1)]


def test_groupings_are_frozen_and_pickle_with_their_options() -> None:
    grouping = Grouping("owner_id", "month", UTC, "closed_at", aliases={"currency": "amount"})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        grouping.period = "year"  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(grouping))
    assert (again.by, again.period, again.tz, again.anchor, again.columns) == (
        "owner_id",
        "month",
        UTC,
        "closed_at",
        ("owner_id", "period"),
    )
    cache_copy = pickle.loads(pickle.dumps(grouping._cache))
    assert (cache_copy.kind, len(cache_copy)) == ("month", 0)


def test_by_and_period_must_be_what_they_name() -> None:
    for bad in ("", (), ("owner_id", ""), 5):
        with pytest.raises(ValidationError) as caught:
            kpi.win_rate([], by=bad)  # type: ignore[call-overload]
        assert caught.value.field == "by"
    with pytest.raises(ValidationError) as caught:
        kpi.win_rate([], period="day", tz=UTC)  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("period", "day")
    assert "None or one of 'week', 'month', 'quarter', 'year'" in str(caught.value)


# --- option specs -------------------------------------------------------------------------------


def owner(record: Any) -> Any:
    return record.owner_id


def test_option_specs_compare_callables_by_name_and_containers_by_content() -> None:
    assert spec_of(owner) == ("callable", __name__, "owner")
    assert spec_of(attrgetter("a")) == "operator.attrgetter('a')"
    assert spec_of(Deal) is Deal  # a class is a value, not a callable option
    assert spec_of([owner, 1]) == (("callable", __name__, "owner"), 1)
    assert spec_of({"b": 2, "a": [1]}) == (("a", (1,)), ("b", 2))
    assert spec_of({"x", "y"}) == spec_of(frozenset({"y", "x"}))
    assert spec_of({"x", "y"})[:2] == ("set", 2)
    assert spec_of({"x", "y"}) != spec_of({"x", "z"})
    assert spec_of(3) == 3


def test_accumulators_with_the_same_callable_merge_and_others_do_not() -> None:
    left = kpi.WinRateAccumulator(by=owner)
    assert left.merge(kpi.WinRateAccumulator(by=owner)).result() == kpi.Grouped({}, ("owner",))
    with pytest.raises(ValidationError) as caught:
        left.merge(kpi.WinRateAccumulator(by="owner_id"))
    assert caught.value.field == "other"
    assert "with the same options" in str(caught.value)
    with pytest.raises(ValidationError):
        left.merge(kpi.BookingsAccumulator())  # type: ignore[arg-type]
    assert kpi.win_rate([], by=lambda r: r.owner_id).columns == ("group",)
