"""How KPIs group records (salesmodel.kpi._grouping): calendar periods, group
keys from attribute names or callables, zones, and the option specs accumulators
compare before merging."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from operator import attrgetter
from typing import Any

import attrs
import pytest

from salesmodel import Deal, Money, ValidationError, kpi
from salesmodel.kpi import Period
from salesmodel.kpi._grouping import Grouping, check_tz, spec_of
from support import issues

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


# --- periods at their limits (found by mutation testing) -------------------------------------


def test_every_month_falls_in_its_quarter_and_each_period_starts_on_its_first_day() -> None:
    quarters = [Period.of(date(2026, m, 15), "quarter").number for m in range(1, 13)]
    assert quarters == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    firsts = [Period("quarter", 2026, q).first_day for q in (1, 2, 3, 4)]
    assert firsts == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
    assert Period.of(datetime(2026, 5, 31, 23, tzinfo=UTC), "month") == Period("month", 2026, 5)
    assert Period("month", 2026, 5).first_day == date(2026, 5, 1)
    assert Period.of(datetime(2026, 1, 4, 23, tzinfo=UTC), "week") == Period("week", 2026, 1)
    assert Period("week", 2026, 2).first_day == date(2026, 1, 5)  # a Monday
    assert Period.of(date(2026, 12, 31), "year") == Period("year", 2026, 1)
    with pytest.raises(ValidationError) as caught:
        Period.of(date(2026, 1, 1), "day")  # type: ignore[arg-type]
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("period", "day", "one of 'week', 'month', 'quarter', 'year'")
    ]


def test_periods_step_over_the_end_of_the_year_of_each_kind() -> None:
    assert Period("month", 2026, 12).next() == Period("month", 2027, 1)
    assert Period("month", 2026, 11).next() == Period("month", 2026, 12)
    assert Period("quarter", 2026, 4).next() == Period("quarter", 2027, 1)
    assert Period("quarter", 2026, 2).next() == Period("quarter", 2026, 3)
    assert Period("week", 2026, 53).next() == Period("week", 2027, 1)
    assert Period("week", 2026, 10).previous() == Period("week", 2026, 9)
    assert Period("quarter", 2026, 3).previous() == Period("quarter", 2026, 2)
    assert Period("month", 2026, 1).previous() == Period("month", 2025, 12)
    paris = timezone(timedelta(hours=1))
    month = Period("month", 2026, 12)
    assert month.start(paris) == datetime(2026, 12, 1, tzinfo=paris)
    assert month.start(paris).utcoffset() == timedelta(hours=1)
    assert month.end(paris) == datetime(2027, 1, 1, tzinfo=paris)
    assert Period("year", 2026, 1).end(UTC) == datetime(2027, 1, 1, tzinfo=UTC)


def test_offsets_and_shifts_of_every_kind() -> None:
    assert Period("month", 2025, 11).offset(Period("month", 2026, 2)) == 3
    assert Period("year", 2020, 1).offset(Period("year", 2026, 1)) == 6
    weeks = Period("week", 2026, 1).offset(Period("week", 2026, 5))
    assert (weeks, type(weeks)) == (4, int)
    assert Period("week", 2026, 5).offset(Period("week", 2026, 1)) == -4
    assert Period("quarter", 2026, 4).shift(1) == Period("quarter", 2027, 1)
    assert Period("quarter", 2026, 1).shift(-1) == Period("quarter", 2025, 4)
    assert Period("quarter", 2026, 2).shift(9) == Period("quarter", 2028, 3)
    assert Period("year", 2026, 1).shift(-3) == Period("year", 2023, 1)
    assert Period("month", 2026, 12).shift(0) == Period("month", 2026, 12)
    assert Period("week", 2026, 52).shift(2) == Period("week", 2027, 1)
    with pytest.raises(ValidationError) as caught:
        Period("month", 2026, 1).offset(Period("year", 2026, 1))
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("other", Period("year", 2026, 1), "a month period")
    ]


def test_periods_compare_strictly_and_by_kind_first() -> None:
    jan, feb = Period("month", 2026, 1), Period("month", 2026, 2)
    assert not jan < jan
    assert not jan > jan
    assert not feb < jan
    assert not jan > feb
    assert Period.__le__(jan, jan)
    assert Period.__ge__(jan, jan)
    assert Period.__le__(jan, feb)
    assert not Period.__le__(feb, jan)
    assert Period.__ge__(feb, jan)
    assert not Period.__ge__(jan, feb)
    assert Period.__gt__(feb, jan)
    assert not Period.__gt__(jan, feb)
    assert Period.__lt__(jan, feb)
    assert not Period.__lt__(feb, jan)
    assert Period("month", 2025, 12) < jan
    assert Period("month", 2026, 12) < Period("quarter", 2026, 1)  # "month" < "quarter"
    assert sorted([feb, Period("month", 2025, 3), jan]) == [Period("month", 2025, 3), jan, feb]
    assert str(Period("week", 2026, 3)) == "2026-W03"
    assert str(Period("month", 2026, 3)) == "2026-03"
    assert repr(Period("year", 2026, 1)) == "Period('2026')"


# --- zones and groupings --------------------------------------------------------------------


def test_a_missing_or_unknown_zone_is_refused_with_what_to_pass() -> None:
    assert issues(lambda: check_tz(None, "month")) == [
        (
            "tz",
            None,
            "a time zone for period= (e.g. zoneinfo.ZoneInfo('Europe/Lisbon') or datetime.UTC): "
            "periods are bucketed in your zone, never silently in UTC; or tz='recorded' to "
            "bucket each datetime by the UTC offset it carries",
        )
    ]
    for bad in ("Mars/Base", "", "utc ", "../etc", 3):
        assert issues(lambda bad=bad: check_tz(bad, "month")) == [
            (
                "tz",
                bad,
                "a datetime.tzinfo, an IANA zone name such as 'Europe/Lisbon', or 'recorded'",
            )
        ]
    assert check_tz(UTC, None) is UTC  # a zone is kept even without a period


def test_local_time_is_the_recorded_offset_or_the_zone_given() -> None:
    from salesmodel.kpi._grouping import local

    minus_five = timezone(timedelta(hours=-5))
    late = datetime(2026, 1, 31, 22, tzinfo=minus_five)
    assert local(late, "recorded") is late
    assert local(late, UTC) == late
    assert local(late, UTC).tzinfo is UTC
    assert local(late, UTC).day == 1


def test_groupings_refuse_a_bad_by_naming_what_it_takes() -> None:
    for bad in ("", " ", (), ("owner_id", " "), ("owner_id", 3), 5):
        assert issues(lambda bad=bad: Grouping(bad, None, None, "closed_at")) == [
            (
                "by",
                bad,
                "None, an attribute name, a tuple of attribute names, a callable, or a "
                "mapping of column name to attribute name or callable",
            )
        ]


def won_deal(did: str, owner: str, currency: str = "EUR", at: datetime = T0) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(1, currency),
        created_at=at,
        stage="won",
        status="won",
        closed_at=at,
        owner_id=owner,
    )


def test_aliases_reach_inside_records_alone_or_in_a_tuple() -> None:
    deals = [won_deal("a", "ana"), won_deal("b", "ana", "USD"), won_deal("c", "bo")]
    assert dict(kpi.bookings(deals, by="currency")) == {
        "EUR": kpi.Total(Money(2, "EUR"), 2),
        "USD": kpi.Total(Money(1, "USD"), 1),
    }
    pairs = kpi.bookings(deals, by=("currency", "owner_id"))
    assert pairs.columns == ("currency", "owner_id")
    assert sorted(pairs) == [("EUR", "ana"), ("EUR", "bo"), ("USD", "ana")]
    monthly = kpi.bookings(deals, by=("owner_id", "currency"), period="month", tz=UTC)
    assert monthly.columns == ("owner_id", "currency", "period")
    jan = Period("month", 2026, 1)
    assert sorted(monthly) == [(("ana", "EUR"), jan), (("ana", "USD"), jan), (("bo", "EUR"), jan)]
    grouping = Grouping(
        ("currency", "id"), None, None, "closed_at", aliases={"currency": "amount.currency"}
    )
    again = pickle.loads(pickle.dumps(grouping))
    assert again.select(deals) == [("EUR", "a"), ("USD", "b"), ("EUR", "c")]
    assert list(again.keys(deals)) == [("EUR", "a"), ("USD", "b"), ("EUR", "c")]


def test_the_key_of_one_record_for_every_grouping() -> None:
    deal = won_deal("a", "ana", at=datetime(2026, 3, 31, 23, tzinfo=UTC))
    april = datetime(2026, 4, 2, tzinfo=UTC)
    march, april_p = Period("month", 2026, 3), Period("month", 2026, 4)
    assert Grouping(None, None, None, "closed_at").key(deal) == ()
    assert Grouping("owner_id", None, None, "closed_at").key(deal) == "ana"
    monthly = Grouping(None, "month", UTC, "closed_at")
    assert monthly.key(deal) == march
    assert monthly.key(deal, april) == april_p
    assert monthly.period_of(april) == april_p
    both = Grouping("owner_id", "month", UTC, "closed_at")
    assert both.key(deal) == ("ana", march)
    assert both.key(deal, april) == ("ana", april_p)
    assert both.group_of(deal) == "ana"
    assert Grouping(None, "month", UTC, "closed_at").group_of(deal) == ()
    assert Grouping(None, "month", "recorded", "created_at").key(deal) == march
    assert Grouping(None, None, None, "closed_at").single
    assert not Grouping("owner_id", None, None, "closed_at").single
    assert not monthly.single
    assert Grouping(None, None, None, "closed_at").keys([deal]) is None
    assert list(monthly.keys([deal, deal])) == [march, march]
    assert list(Grouping("owner_id", None, None, "x").keys([deal])) == ["ana"]


def test_select_keeps_or_drops_one_status_and_pairs_keys_with_durations() -> None:
    from salesmodel.enums import Status
    from salesmodel.kpi._grouping import DURATION

    rows = [
        Row("a", Status.WON, T0, T0 + timedelta(days=2)),
        Row("b", Status.LOST, T0, T0 + timedelta(days=1)),
        Row("c", Status.OPEN, T0, None),
    ]
    by_id = Grouping("id", None, None, "closed_at")
    assert by_id.select(rows) == ["a", "b", "c"]
    assert by_id.select(rows, Status.WON) == ["a"]
    assert by_id.select(rows, Status.OPEN, False) == ["a", "b"]
    assert by_id.select(rows, Status.LOST, True, DURATION) == [("b", timedelta(days=1))]
    single = Grouping(None, None, None, "closed_at")
    assert single.select(rows, Status.WON, True, DURATION) == [((), timedelta(days=2))]
    assert single.select(rows) == [(), (), ()]
    named = Grouping(lambda r: r.id.upper(), None, None, "closed_at")
    assert named.select(rows, Status.WON) == ["A"]
    assert named.columns == ("group",)


def test_period_caches_remember_each_period_and_read_weeks_by_date() -> None:
    deals = [
        won_deal("a", "ana", at=datetime(2026, 1, 4, 12, tzinfo=UTC)),  # Sunday: week 1
        won_deal("b", "ana", at=datetime(2026, 1, 5, 12, tzinfo=UTC)),  # Monday: week 2
        won_deal("c", "ana", at=datetime(2026, 1, 5, 18, tzinfo=UTC)),
    ]
    for kind, expected in [
        ("week", [Period("week", 2026, 1), Period("week", 2026, 2), Period("week", 2026, 2)]),
        ("month", [Period("month", 2026, 1)] * 3),
        ("quarter", [Period("quarter", 2026, 1)] * 3),
        ("year", [Period("year", 2026, 1)] * 3),
    ]:
        grouping = Grouping(None, kind, UTC, "closed_at")
        assert list(grouping.keys(deals)) == expected, kind
        assert list(grouping.keys(deals)) == expected, kind  # from the cache
    paris = Grouping(None, "month", timezone(timedelta(hours=1)), "closed_at")
    new_year = won_deal("n", "ana", at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert list(paris.keys([new_year])) == [Period("month", 2027, 1)]


def test_callables_are_named_and_specified_by_name() -> None:
    import functools
    from operator import methodcaller

    from salesmodel.kpi._grouping import _callable_name

    partial = functools.partial(owner)
    assert _callable_name(partial) == "group"
    assert _callable_name(owner) == "owner"
    assert _callable_name(lambda r: r) == "group"
    assert spec_of(partial) == ("callable", "functools", repr(partial))
    assert spec_of(methodcaller("date")) == "operator.methodcaller('date')"
    # stable from one process to the next: not hash()
    assert spec_of({"x", "y"}) == (
        "set",
        2,
        "4b06d9dfd296439282e048bfb47407c83036868669aa811c5849b48f09ee9e1b",
    )
    assert spec_of({1: "a"}) == (("1", "a"),)
    assert spec_of((owner,)) == (("callable", __name__, "owner"),)


def test_attribute_paths_compile_only_when_every_part_is_a_name() -> None:
    from salesmodel.kpi._grouping import _path_code

    assert _path_code("owner_id") == "r.owner_id"
    assert _path_code("amount.currency") is None  # dotted: read None-safely by path_getter
    assert _path_code("class") is None
    assert _path_code("amount.class") is None
    assert _path_code("a-b") is None


def test_aliases_are_followed_for_periods_and_for_names_read_with_getattr() -> None:
    deals = [won_deal("a", "ana"), won_deal("b", "bo", "USD")]
    jan = Period("month", 2026, 1)
    monthly = kpi.bookings(deals, by="currency", period="month", tz=UTC)
    assert sorted(monthly, key=str) == [("EUR", jan), ("USD", jan)]
    aliases = {"currency": "amount.currency"}
    assert Grouping("currency", "month", UTC, "closed_at", aliases=aliases).key(deals[1]) == (
        "USD",
        jan,
    )
    odd = type("Odd", (), {"class": "gold", "status": None, "amount": Money(1, "GBP")})()
    pair = Grouping(("currency", "class"), None, None, "closed_at", aliases=aliases)
    assert pair.select([odd]) == [("GBP", "gold")]


def test_callables_without_a_module_are_specified_by_their_name_alone() -> None:
    assert spec_of(str.upper) == ("callable", "", "str.upper")
    assert spec_of(str.upper) != spec_of(str.lower)


def test_a_by_callable_that_returns_no_group_key_is_named() -> None:
    deals = [won_deal("a", "ana")]
    for period in (None, "month"):
        with pytest.raises(ValidationError) as caught:
            kpi.win_rate(deals, by=lambda d: [d.owner_id], period=period, tz=UTC)
        assert (caught.value.field, caught.value.value) == ("by", ["ana"])
        assert "hashable" in str(caught.value)
    named = kpi.WinRateAccumulator(by=attrgetter("owner_id"))
    assert pickle.loads(pickle.dumps(named)).add_many(deals).result() == {"ana": kpi.Ratio(1, 1)}


def test_a_zone_name_that_is_a_folder_or_a_path_is_a_bad_tz() -> None:
    for name in ("America", "../zoneinfo/UTC", "Europe/Nowhere"):
        with pytest.raises(ValidationError) as caught:
            kpi.win_rate([won_deal("a", "ana")], period="month", tz=name)
        assert (caught.value.field, caught.value.value) == ("tz", name)


def test_a_time_whose_date_in_the_zone_is_beyond_the_calendar_is_named() -> None:
    last = attrs.evolve(
        won_deal("z", "ana"),
        created_at=datetime(9999, 12, 30, tzinfo=UTC),
        closed_at=datetime(9999, 12, 31, 23, tzinfo=UTC),
    )
    for period in ("week", "month", "quarter", "year"):
        with pytest.raises(ValidationError) as caught:
            kpi.win_rate([won_deal("a", "ana"), last], period=period, tz="Pacific/Kiritimati")
        assert (caught.value.field, caught.value.value) == ("closed_at", last.closed_at)
        assert "within the years 1 to 9999" in str(caught.value)
    assert len(kpi.win_rate([last], period="year", tz=UTC)) == 1  # in UTC it is 9999


# --- named parts: by= a mapping of column name to attribute or callable -------------------------


def _deal(deal_id: str, owner: str, amount: int) -> Deal:
    return Deal(
        id=deal_id,
        name=deal_id,
        amount=Money(amount, "EUR"),
        created_at=T0,
        owner_id=owner,
        stage="won",
        status="won",
        closed_at=T0 + timedelta(days=3),
    )


def size(deal: Deal) -> str:
    assert deal.amount is not None
    return "large" if deal.amount.amount >= 1000 else "small"


NAMED_BOOK = [_deal("D-1", "ana", 1200), _deal("D-2", "ana", 300), _deal("D-3", "bo", 50)]


def test_a_mapping_names_each_part_of_the_group_in_a_column_of_its_own() -> None:
    got = kpi.bookings(NAMED_BOOK, by={"rep": "owner_id", "size": size})
    assert got.columns == ("rep", "size")
    assert sorted(got) == [("ana", "large"), ("ana", "small"), ("bo", "small")]
    rows = got.to_records()
    assert {(r["rep"], r["size"]) for r in rows} == set(got)
    # the same groups as a tuple of names would make, under the mapping's names
    assert kpi.bookings(NAMED_BOOK, by={"rep": "owner_id"}).columns == ("rep",)
    plain = kpi.bookings(NAMED_BOOK, by=("owner_id",))
    assert dict(kpi.bookings(NAMED_BOOK, by={"rep": "owner_id"})) == dict(plain)


def test_several_names_and_a_period_give_each_its_own_column_in_the_records() -> None:
    got = kpi.bookings(NAMED_BOOK, by={"rep": "owner_id", "size": size}, period="month", tz=UTC)
    assert got.columns == ("rep", "size", "period")
    rows = got.to_records()
    assert {(r["rep"], r["size"], r["period"]) for r in rows} == {
        (rep, part, str(period)) for (rep, part), period in got
    }


def test_a_mapping_groups_with_periods_and_pickles() -> None:
    got = kpi.bookings(NAMED_BOOK, by={"size": size}, period="month", tz=UTC)
    assert got.columns == ("size", "period")
    grouping = Grouping({"size": size}, "month", UTC, "closed_at")
    assert pickle.loads(pickle.dumps(grouping)).columns == ("size", "period")


@pytest.mark.parametrize(
    "by",
    [{}, {"rep": 3}, {"": "owner_id"}, {"rep": " "}, {1: "owner_id"}],
)
def test_a_mapping_must_name_columns_and_what_fills_them(by: Any) -> None:
    with pytest.raises(ValidationError, match="a mapping of column name"):
        kpi.bookings(NAMED_BOOK, by=by)


def test_a_mapping_to_a_field_no_record_has_is_refused_before_reading() -> None:
    with pytest.raises(ValidationError, match="names of fields of Deal"):
        kpi.bookings(NAMED_BOOK, by={"rep": "agent"})


def test_a_mapping_key_must_be_hashable_from_a_callable() -> None:
    with pytest.raises(ValidationError, match="hashable"):
        kpi.bookings(NAMED_BOOK, by={"tags": lambda d: [d.owner_id]})


def test_a_mapping_of_column_names_groups_a_frame_as_it_groups_records() -> None:
    pl = pytest.importorskip("polars")
    pytest.importorskip("narwhals")
    from test_kpi_frames import _polars, columns_of

    native = _polars(columns_of(NAMED_BOOK))
    assert isinstance(native, pl.DataFrame)
    by = {"rep": "owner_id", "state": "status"}
    assert kpi.bookings(native, by=by) == kpi.bookings(NAMED_BOOK, by=by)
    with pytest.raises(ValidationError, match="a callable reads records"):
        kpi.bookings(native, by={"size": size})


def test_a_by_callable_that_raises_is_named_with_the_record() -> None:
    deals = [Deal(id="D-1", name="x", amount=None, created_at=T0)]
    for by in (lambda d: d.region, {"region": lambda d: d.region}):
        with pytest.raises(ValidationError) as caught:
            kpi.conversion_rate(deals, by=by)
        assert caught.value.field == "by"
        assert "AttributeError on Deal 'D-1'" in caught.value.allowed
        assert isinstance(caught.value.__cause__, AttributeError)


class _PytzLike(tzinfo):
    """A zone as pytz makes one: ``localize`` reads a wall time, ``replace`` gives
    the zone's local mean time, and it has no one offset."""

    zone = "Europe/Paris"

    def utcoffset(self, when: datetime | None) -> timedelta | None:
        return None if when is None else timedelta(minutes=9)

    def dst(self, when: datetime | None) -> timedelta | None:
        return None

    def tzname(self, when: datetime | None) -> str:
        return "LMT"

    def localize(self, when: datetime) -> datetime:
        return when.replace(tzinfo=self)


def test_a_pytz_zone_is_refused_where_wall_times_are_read_in_it() -> None:
    # with replace(), pytz's Paris is +00:09: 23:30 on 30 June was read in July
    from salesmodel import bulk

    zone = _PytzLike()
    for call in (
        lambda: kpi.bookings([], period="month", tz=zone),
        lambda: bulk.from_records(Deal, [], tz=zone),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == "tz"
        assert "tz='Europe/Paris'" in caught.value.allowed


class _Broken(tzinfo):
    """A tzinfo of one's own that cannot say its offset."""

    def utcoffset(self, when: datetime | None) -> timedelta | None:
        raise RuntimeError("no offset here")

    def dst(self, when: datetime | None) -> timedelta | None:
        return None

    def tzname(self, when: datetime | None) -> str:
        return "?"


class _NoOffset(_Broken):
    def utcoffset(self, when: datetime | None) -> timedelta | None:
        return None  # read as UTC, silently


def test_a_tzinfo_that_gives_no_offset_is_refused_naming_tz() -> None:
    # a RuntimeError of the tzinfo escaped the period KPIs; None was read as UTC
    for zone in (_Broken(), _NoOffset()):
        with pytest.raises(ValidationError) as caught:
            kpi.bookings([], period="month", tz=zone)
        assert caught.value.field == "tz"
    assert kpi.bookings([], period="month", tz=timezone(timedelta(hours=23))) == kpi.bookings(
        [], period="month", tz=UTC
    )
