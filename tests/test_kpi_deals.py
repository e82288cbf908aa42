"""Deal KPIs (salesmodel.kpi._deals): conversion, win rate, tickets, bookings and
the sales cycle; their arguments, what counts as converted, business days and
holidays, cycle starts, and records of other types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesmodel import Deal, Lead, Money, RateTable, Status, ValidationError, kpi
from salesmodel.kpi import Period, Ratio
from support import Row, issues

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


def test_a_business_day_cycle_whose_date_in_the_zone_is_beyond_the_calendar_is_named() -> None:
    first, last = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)
    deal = closed("w", 0, 7)
    early = attrs.evolve(deal, created_at=first)  # before year 1 in New York
    late = attrs.evolve(deal, closed_at=last)  # after year 9999 in Tokyo
    for field, record, zone in (
        ("created_at", early, "America/New_York"),
        ("closed_at", late, "Asia/Tokyo"),
    ):
        with pytest.raises(ValidationError) as caught:
            kpi.sales_cycle([deal, record], business_days=True, tz=zone)
        assert (caught.value.field, caught.value.value) == (field, getattr(record, field))
        assert "within the years 1 to 9999" in str(caught.value)
        assert kpi.sales_cycle([record], business_days=True, tz=UTC).count == 1


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


# --- exact errors, merges and defaults (found by mutation testing) ---------------------------


def test_converted_ids_must_be_non_empty_text() -> None:
    row = Row(id="", status=Status.OPEN, created_at=day(0), closed_at=None)
    assert issues(lambda: kpi.conversion_rate([row], converted={""})) == [
        ("id", "", "an id (a non-empty str)")
    ]


def test_conversion_checks_how_other_records_close() -> None:
    row = Row(id="r", status=Status.WON, created_at=day(0), closed_at=None)
    expected = [("closed_at", None, "a datetime, since status is 'won'")]
    assert issues(lambda: kpi.conversion_rate([row])) == expected
    assert issues(lambda: kpi.conversion_rate([row], converted={"r"})) == expected


class CallableIds:
    """A container of ids that is also callable: read as a container."""

    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)

    def __contains__(self, item: object) -> bool:
        return item in self.ids

    def __call__(self, record: Any) -> bool:  # pragma: no cover - never called
        raise AssertionError("a container is read by id")


def test_a_converted_callable_does_not_need_ids_but_a_container_does() -> None:
    row = Row(status=Status.OPEN, created_at=day(0), closed_at=None)  # no id
    assert kpi.conversion_rate([row], converted=lambda r: True) == Ratio(1, 1)
    assert issues(lambda: kpi.conversion_rate([row], converted=CallableIds("a")))[0][:1] == ("id",)
    leads = [lead("a"), lead("b")]
    assert kpi.conversion_rate(leads, converted=CallableIds("b")) == Ratio(1, 2)


def test_win_rate_by_value_checks_the_amounts_of_other_records() -> None:
    row = Row(id="r", status=Status.WON, created_at=day(0), closed_at=day(1), amount=5)
    assert kpi.win_rate([row]) == Ratio(1, 1)  # amounts not read by count
    assert issues(lambda: kpi.win_rate([row], by_value=True)) == [
        ("amount", 5, "a non-negative Money, or None when not known")
    ]


def test_tickets_and_bookings_check_the_amounts_of_other_records() -> None:
    bad = Row(id="r", status=Status.WON, created_at=day(0), closed_at=day(1), amount=5)
    unknown = Row(id="u", status=Status.WON, created_at=day(0), closed_at=day(1), amount=None)
    good = Row(
        id="g", status=Status.WON, created_at=day(0), closed_at=day(1), amount=Money(7, "EUR")
    )
    for kpi_function in (kpi.average_ticket, kpi.bookings):
        assert issues(lambda f=kpi_function: f([bad])) == [  # type: ignore[misc]
            ("amount", 5, "a non-negative Money, or None when not known")
        ]
        result = kpi_function([good, bad, unknown], strict=False)
        assert result == attrs.evolve(kpi_function([good]), unknown=1)
        assert (result.count, result.unknown) == (1, 1)
        assert [(s.id, s.field) for s in result.skipped] == [("r", "amount")]


def test_every_deal_kpi_merges_its_partitions() -> None:
    deals = [
        closed("w1", 0, 1, owner_id="ana"),
        closed("w2", 0, 3, owner_id="bo"),
        closed("l1", 0, 2, "lost", owner_id="ana"),
        lead("o1", owner_id="ana"),
    ]
    deal_only = deals[:3]
    makers: list[tuple[Any, list[Any]]] = [
        (lambda: kpi.ConversionRateAccumulator(by="owner_id"), deals),
        (lambda: kpi.ConversionRateAccumulator(converted={"w2", "o1"}), deals),
        (lambda: kpi.WinRateAccumulator(by="owner_id"), deals),
        (lambda: kpi.WinRateAccumulator(by_value=True), deal_only),
        (lambda: kpi.AverageTicketAccumulator(by="owner_id"), deal_only),
        (lambda: kpi.BookingsAccumulator(), deal_only),
        (lambda: kpi.SalesCycleAccumulator(outcome="closed"), deal_only),
    ]
    for make, records in makers:
        whole = make().add_many(records).result()
        for cut in range(len(records) + 1):
            left = make().add_many(records[:cut])
            right = make().add_many(records[cut:])
            assert left.merge(right).result() == whole, (make().__class__.__name__, cut)
            assert right.merge(left).result() == whole


def test_empty_tickets_and_bookings_are_zero_of_the_currency_asked() -> None:
    ticket = kpi.average_ticket([], currency="EUR")
    assert (ticket.total, ticket.count, ticket.value) == (Money(0, "EUR"), 0, None)
    assert (kpi.average_ticket([]).total, kpi.average_ticket([]).count) == (None, 0)
    assert kpi.bookings([], currency="USD") == kpi.Total(Money(0, "USD"), 0)
    assert kpi.bookings([]) == kpi.Total(None, 0)


def test_tickets_and_bookings_pass_every_option_on() -> None:
    usd = Deal(
        id="u",
        name="u",
        amount=Money(125, "USD"),
        created_at=day(-10),  # December 2025
        stage="won",
        status="won",
        closed_at=day(1),  # January 2026
    )
    deals = [closed("e", 0, 1), usd]
    rates = kpi_rates()
    ticket = kpi.average_ticket(deals, currency="EUR", rates=rates)
    assert (ticket.total, ticket.count) == (Money(200, "EUR"), 2)
    assert kpi.bookings(deals, currency="EUR", rates=rates) == kpi.Total(Money(200, "EUR"), 2)
    for kpi_function in (kpi.average_ticket, kpi.bookings):
        monthly = kpi_function(deals, period="month", tz=UTC, currency="EUR", rates=rates)
        assert list(monthly) == [Period("month", 2026, 1)]
        created = kpi_function(
            deals, period="month", tz=UTC, anchor="created", currency="EUR", rates=rates
        )
        assert sorted(created) == [Period("month", 2025, 12), Period("month", 2026, 1)]
        with pytest.raises(ValidationError) as caught:
            kpi_function([Row(id="x")])
        assert caught.value.field == "status"  # strict by default


def kpi_rates() -> Any:
    return RateTable.from_base("EUR", {"USD": "1.25"})


# --- business days and cycle starts at their limits ---------------------------------------------


def test_business_days_from_a_day_to_itself_are_none() -> None:
    assert kpi.business_days(date(2026, 1, 7), date(2026, 1, 7)) == 0
    assert kpi.business_days(date(2026, 1, 10), date(2026, 1, 10), (date(2026, 1, 10),)) == 0


def test_holidays_on_a_weekend_take_no_business_day_away() -> None:
    monday, next_monday = date(2026, 1, 5), date(2026, 1, 12)
    weekend = (date(2026, 1, 10), date(2026, 1, 11))
    assert kpi.business_days(monday, next_monday, weekend) == 5
    assert kpi.business_days(monday, next_monday, (date(2026, 1, 9),)) == 4  # a Friday


def test_a_bad_cycle_start_is_named_and_the_next_records_still_count() -> None:
    deals = [closed("a", 0, 4), closed("b", 0, 6), closed("c", 0, 3)]
    starts = {"a": datetime(2026, 1, 6), "b": day(7), "c": day(1)}
    assert issues(lambda: kpi.sales_cycle(deals, start=lambda d: starts[d.id])) == [
        ("start", datetime(2026, 1, 6), "a timezone-aware datetime")
    ]
    utc = "tzinfo=datetime.timezone.utc)"
    start_b = f"datetime.datetime(2026, 1, 12, 9, 0, {utc}"
    assert issues(lambda: kpi.sales_cycle(deals[1:], start=lambda d: starts[d.id])) == [
        ("closed_at", day(6), f"no earlier than its start ({start_b})")
    ]
    cycle = kpi.sales_cycle(deals, start=lambda d: starts[d.id], strict=False)
    assert (cycle.count, cycle.mean) == (1, timedelta(days=2))
    naive = "datetime.datetime(2026, 1, 6, 0, 0)"
    closed_b = f"datetime.datetime(2026, 1, 11, 9, 0, {utc}"
    assert [(s.id, s.field, s.reason) for s in cycle.skipped] == [
        ("a", "start", f"must be a timezone-aware datetime (got {naive})"),
        ("b", "closed_at", f"must be no earlier than its start ({start_b}) (got {closed_b})"),
    ]


def test_a_cycle_may_start_at_its_close_and_group_by_owner() -> None:
    deals = [closed("a", 0, 4, owner_id="ana"), closed("b", 0, 6, owner_id="bo")]
    cycle = kpi.sales_cycle(deals, start=lambda d: d.closed_at)
    assert (cycle.count, cycle.mean) == (2, timedelta(0))
    by_owner = kpi.sales_cycle(deals, by="owner_id", start=lambda d: day(1))
    assert {k: v.mean for k, v in by_owner.items()} == {
        "ana": timedelta(days=3),
        "bo": timedelta(days=5),
    }


# --- every grouping of every deal KPI, on one small book ------------------------------------


def booked(
    did: str, status: str, created: float, at: float | None, amount: int, owner: str
) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(amount, "EUR"),
        created_at=day(created),
        stage=status if at is not None else "prospecting",
        status=status,
        closed_at=None if at is None else day(at),
        loss_reason="price" if status == "lost" else None,
        owner_id=owner,
    )


# Created in December, January or February 2026; closed in January or February.
BOOK = [
    booked("d1", "won", 0, 1, 100, "ana"),
    booked("d2", "lost", 0, 30, 200, "ana"),
    booked("d3", "won", 30, 40, 300, "bo"),
    booked("d4", "open", 40, None, 50, "bo"),
    booked("d5", "won", -10, 2, 400, "ana"),
    booked("d6", "open", 41, None, 60, "cy"),
]
DEC, JAN, FEB = Period("month", 2025, 12), Period("month", 2026, 1), Period("month", 2026, 2)
MONTHLY: dict[str, Any] = {"period": "month", "tz": UTC}


def test_conversion_in_every_grouping_and_by_every_converted_rule() -> None:
    def rates(**kw: Any) -> Any:
        result = kpi.conversion_rate(BOOK, **kw)
        return result if isinstance(result, Ratio) else dict(result)

    assert rates() == Ratio(3, 6)
    assert rates(by="owner_id") == {"ana": Ratio(2, 3), "bo": Ratio(1, 2), "cy": Ratio(0, 1)}
    assert rates(**MONTHLY) == {DEC: Ratio(1, 1), JAN: Ratio(1, 2), FEB: Ratio(1, 3)}
    assert rates(by="owner_id", **MONTHLY) == {
        ("ana", DEC): Ratio(1, 1),
        ("ana", JAN): Ratio(1, 2),
        ("bo", FEB): Ratio(1, 2),
        ("cy", FEB): Ratio(0, 1),
    }
    ids = {"d2", "d4"}
    assert rates(converted=ids) == Ratio(2, 6)
    assert rates(converted=ids, by="owner_id") == {
        "ana": Ratio(1, 3),
        "bo": Ratio(1, 2),
        "cy": Ratio(0, 1),
    }
    assert rates(converted=ids, **MONTHLY) == {DEC: Ratio(0, 1), JAN: Ratio(1, 2), FEB: Ratio(1, 3)}
    assert rates(converted=set()) == Ratio(0, 6)
    lost = lambda r: r.status is Status.LOST  # noqa: E731
    assert rates(converted=lost) == Ratio(1, 6)
    assert rates(converted=lost, by="owner_id") == {
        "ana": Ratio(1, 3),
        "bo": Ratio(0, 2),
        "cy": Ratio(0, 1),
    }
    assert rates(converted=lost, **MONTHLY) == {
        DEC: Ratio(0, 1),
        JAN: Ratio(1, 2),
        FEB: Ratio(0, 3),
    }
    assert kpi.conversion_rate([]) == Ratio(0, 0)
    assert dict(kpi.conversion_rate([], by="owner_id")) == {}


def test_conversion_options_take_part_in_merges() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.ConversionRateAccumulator(converted={"a"}).merge(
            kpi.ConversionRateAccumulator(converted={"b"})
        )
    assert caught.value.field == "other"
    assert "converted=" in str(caught.value)
    assert issues(lambda: kpi.ConversionRateAccumulator(converted=1)) == [  # type: ignore[arg-type]
        ("converted", 1, "None, a container of ids, or a callable of the record")
    ]


def test_win_rate_by_count_and_by_value_in_every_grouping() -> None:
    def rates(**kw: Any) -> Any:
        result = kpi.win_rate(BOOK, **kw)
        return result if isinstance(result, Ratio) else dict(result)

    assert rates() == Ratio(3, 4)
    assert rates(by="owner_id") == {"ana": Ratio(2, 3), "bo": Ratio(1, 1)}  # cy: nothing closed
    assert rates(**MONTHLY) == {JAN: Ratio(2, 2), FEB: Ratio(1, 2)}
    assert rates(**MONTHLY, anchor="created") == {
        DEC: Ratio(1, 1),
        JAN: Ratio(1, 2),
        FEB: Ratio(1, 1),
    }
    assert rates(by="owner_id", **MONTHLY) == {
        ("ana", JAN): Ratio(2, 2),
        ("ana", FEB): Ratio(0, 1),
        ("bo", FEB): Ratio(1, 1),
    }

    def eur(n: int) -> Money:
        return Money(n, "EUR")

    assert rates(by_value=True) == Ratio(eur(800), eur(1000))
    assert rates(by_value=True, by="owner_id") == {
        "ana": Ratio(eur(500), eur(700)),
        "bo": Ratio(eur(300), eur(300)),
    }
    assert rates(by_value=True, **MONTHLY) == {
        JAN: Ratio(eur(500), eur(500)),
        FEB: Ratio(eur(300), eur(500)),
    }
    assert rates(by_value=True, by="owner_id", **MONTHLY) == {
        ("ana", JAN): Ratio(eur(500), eur(500)),
        ("ana", FEB): Ratio(eur(0), eur(200)),
        ("bo", FEB): Ratio(eur(300), eur(300)),
    }
    only_lost = kpi.win_rate([BOOK[1]], by_value=True)
    assert (only_lost.numerator, only_lost.denominator) == (eur(0), eur(200))
    assert kpi.win_rate([], by_value=True) == Ratio(0, 0)
    assert kpi.win_rate(BOOK[3:4]) == Ratio(0, 0)


def mixed_book() -> list[Deal]:
    usd = Deal(
        id="u",
        name="u",
        amount=Money(125, "USD"),
        created_at=day(0),
        stage="won",
        status="won",
        closed_at=day(1),
        owner_id="ana",
    )
    return [BOOK[0], BOOK[1], usd]


def mismatch(call: Any) -> str:
    from salesmodel import CurrencyMismatchError

    with pytest.raises(CurrencyMismatchError) as caught:
        call()
    return str(caught.value).split(" mixes ")[0].split(" has ")[0]


def test_mixed_currencies_are_refused_naming_the_kpi_and_group() -> None:
    deals = mixed_book()
    assert mismatch(lambda: kpi.win_rate(deals, by_value=True)) == "win rate by value"
    assert (
        mismatch(lambda: kpi.win_rate(deals, by_value=True, by="owner_id"))
        == "win rate by value of 'ana'"
    )
    assert mismatch(lambda: kpi.win_rate(deals, by_value=True, currency="EUR")) == (
        "win rate by value"
    )
    assert mismatch(lambda: kpi.average_ticket(deals)) == "average ticket"
    assert mismatch(lambda: kpi.average_ticket(deals, by="owner_id")) == "average ticket of 'ana'"
    assert mismatch(lambda: kpi.bookings(deals)) == "bookings"
    assert mismatch(lambda: kpi.bookings(deals, **MONTHLY)) == "bookings of Period('2026-01')"


def test_win_rate_by_value_converts_with_the_rates_given() -> None:
    rate = kpi.win_rate(mixed_book(), by_value=True, currency="EUR", rates=kpi_rates())
    assert rate == Ratio(Money(200, "EUR"), Money(400, "EUR"))
    with pytest.raises(ValidationError) as caught:
        kpi.WinRateAccumulator(by_value=True, currency="EUR").merge(
            kpi.WinRateAccumulator(by_value=True, currency="USD")
        )
    assert "currency=" in str(caught.value)
    with pytest.raises(ValidationError):
        kpi.WinRateAccumulator(by_value=True).merge(kpi.WinRateAccumulator())


def test_tickets_and_bookings_in_every_grouping() -> None:
    def totals(function: Any, **kw: Any) -> Any:
        result = function(BOOK, **kw)
        if isinstance(result, (kpi.Total, kpi.Average)):
            return (
                result.total if isinstance(result, kpi.Average) else result.amount,
                result.count,
            )
        return {
            k: (v.total if isinstance(v, kpi.Average) else v.amount, v.count)
            for k, v in result.items()
        }

    def eur(n: int) -> Money:
        return Money(n, "EUR")

    for function in (kpi.bookings, kpi.average_ticket):
        assert totals(function) == (eur(800), 3)
        assert totals(function, by="owner_id") == {"ana": (eur(500), 2), "bo": (eur(300), 1)}
        assert totals(function, **MONTHLY) == {JAN: (eur(500), 2), FEB: (eur(300), 1)}
        assert totals(function, **MONTHLY, anchor="created") == {
            DEC: (eur(400), 1),
            JAN: (eur(100), 1),
            FEB: (eur(300), 1),
        }
        assert totals(function, by="owner_id", **MONTHLY) == {
            ("ana", JAN): (eur(500), 2),
            ("bo", FEB): (eur(300), 1),
        }
    assert kpi.average_ticket(BOOK).value == Money("266.67", "EUR")
    assert kpi.average_ticket(BOOK[3:4], currency="EUR") == kpi.Average(eur(0), 0)
    assert dict(kpi.bookings(BOOK[3:4], by="owner_id")) == {}


def summary(s: Any) -> tuple[Any, ...]:
    return (s.count, s.min, s.median, s.max, s.business_days)


def test_sales_cycles_by_outcome_in_every_grouping() -> None:
    d = timedelta(days=1)
    assert summary(kpi.sales_cycle(BOOK)) == (3, 1 * d, 10 * d, 12 * d, False)
    assert summary(kpi.sales_cycle(BOOK, outcome="lost")) == (1, 30 * d, 30 * d, 30 * d, False)
    assert summary(kpi.sales_cycle(BOOK, outcome="closed")) == (4, 1 * d, 11 * d, 30 * d, False)
    by_owner = kpi.sales_cycle(BOOK, by="owner_id")
    assert {k: summary(v) for k, v in by_owner.items()} == {
        "ana": (2, 1 * d, 6.5 * d, 12 * d, False),
        "bo": (1, 10 * d, 10 * d, 10 * d, False),
    }
    closed_by_owner = kpi.sales_cycle(BOOK, by="owner_id", outcome="closed")
    assert {k: v.count for k, v in closed_by_owner.items()} == {"ana": 3, "bo": 1}
    lost_by_owner = kpi.sales_cycle(BOOK, by="owner_id", outcome="lost")
    assert {k: v.count for k, v in lost_by_owner.items()} == {"ana": 1}
    monthly = kpi.sales_cycle(BOOK, outcome="closed", **MONTHLY)
    assert {k: v.count for k, v in monthly.items()} == {JAN: 2, FEB: 2}
    created = kpi.sales_cycle(BOOK, **MONTHLY, anchor="created")
    assert {k: v.max for k, v in created.items()} == {DEC: 12 * d, JAN: 1 * d, FEB: 10 * d}
    same = [booked("a", "won", 0, 2, 1, "ana"), booked("b", "won", 1, 3, 1, "ana")]
    assert summary(kpi.sales_cycle(same)) == (2, 2 * d, 2 * d, 2 * d, False)
    assert summary(kpi.sales_cycle(same, start=lambda r: r.created_at)) == (
        2,
        2 * d,
        2 * d,
        2 * d,
        False,
    )
    empty = kpi.sales_cycle(BOOK[3:4], business_days=True, tz=UTC)
    assert summary(empty) == (0, None, None, None, True)
    assert summary(kpi.sales_cycle([])) == (0, None, None, None, False)


def test_business_day_cycles_read_dates_in_the_zone_given() -> None:
    # Created Friday 23:00 UTC (Saturday in Paris), closed Monday 09:00 UTC.
    deal = Deal(
        id="z",
        name="z",
        amount=Money(1, "EUR"),
        created_at=datetime(2026, 1, 9, 23, tzinfo=UTC),
        stage="won",
        status="won",
        closed_at=datetime(2026, 1, 12, 9, tzinfo=UTC),
    )
    from datetime import timezone as zone

    paris = zone(timedelta(hours=1))
    assert kpi.sales_cycle([deal], business_days=True, tz=UTC).mean == timedelta(days=1)
    assert kpi.sales_cycle([deal], business_days=True, tz=paris).mean == timedelta(0)
    holidays = [date(2026, 1, 8), date(2026, 1, 6)]  # unsorted on purpose
    week = closed("w", 0, 7)
    assert kpi.sales_cycle([week], business_days=True, tz=UTC, holidays=holidays).mean == (
        timedelta(days=3)
    )
    assert issues(lambda: kpi.sales_cycle([], holidays=b"x")) == [  # type: ignore[arg-type]
        ("holidays", b"x", "an iterable of dates")
    ]
    assert issues(lambda: kpi.sales_cycle([], holidays=[date(2026, 1, 1), 1])) == [  # type: ignore[list-item]
        ("holidays", 1, "dates (datetime.date, not datetime)")
    ]


def test_sales_cycle_arguments_are_refused_with_what_they_allow() -> None:
    assert issues(lambda: kpi.sales_cycle([], outcome="open")) == [  # type: ignore[arg-type]
        ("outcome", "open", "'won', 'lost' or 'closed'")
    ]
    assert issues(lambda: kpi.sales_cycle([], business_days=1)) == [  # type: ignore[arg-type]
        ("business_days", 1, "True or False")
    ]
    assert issues(lambda: kpi.sales_cycle([], start=3)) == [  # type: ignore[arg-type]
        ("start", 3, "None or a callable of the record")
    ]
    assert issues(lambda: kpi.win_rate([], by_value=1)) == [  # type: ignore[call-overload]
        ("by_value", 1, "True or False")
    ]
    tz_issue = issues(lambda: kpi.sales_cycle([], business_days=True))
    assert [(p, v) for p, v, _ in tz_issue] == [("tz", None)]
    assert "never silently in UTC" in tz_issue[0][2]
    for options in ({"outcome": "lost", "tz": UTC}, {"business_days": True, "tz": UTC}):
        with pytest.raises(ValidationError) as caught:
            kpi.SalesCycleAccumulator(**options).merge(kpi.SalesCycleAccumulator(tz=UTC))
        assert caught.value.field == "other"
    with pytest.raises(ValidationError):
        kpi.SalesCycleAccumulator(holidays=[date(2026, 1, 1)]).merge(kpi.SalesCycleAccumulator())
    with pytest.raises(ValidationError):
        kpi.SalesCycleAccumulator(start=_start).merge(kpi.SalesCycleAccumulator())


def _start(record: Any) -> Any:
    return record.created_at


def test_win_rate_by_value_adds_won_and_lost_amounts_exactly() -> None:
    big = Decimal("12345678901234567890.123456789")  # beyond the default 28 digits
    deals = [
        Deal(
            id="w",
            name="w",
            amount=Money(big, "EUR"),
            created_at=day(0),
            stage="won",
            status="won",
            closed_at=day(1),
        ),
        closed("l", 0, 2, "lost"),
    ]
    rate = kpi.win_rate(deals, by_value=True)
    assert rate.denominator == Money(Decimal("12345678901234567990.123456789"), "EUR")
    assert rate.numerator == Money(big, "EUR")


def test_deal_accumulators_are_strict_by_default_and_add_one_record_at_a_time() -> None:
    bad = Row(id="bad", status="won")
    makers: list[Any] = [
        kpi.ConversionRateAccumulator,
        kpi.WinRateAccumulator,
        kpi.AverageTicketAccumulator,
        kpi.BookingsAccumulator,
        kpi.SalesCycleAccumulator,
    ]
    for make in makers:
        with pytest.raises(ValidationError) as caught:
            make().add(bad)
        assert caught.value.field == "status", make
        one_by_one = make()
        for record in BOOK[:3]:
            one_by_one.add(record)
        assert one_by_one.result() == make().add_many(BOOK[:3]).result(), make


def test_amount_options_take_part_in_merges() -> None:
    usd = RateTable.from_base("EUR", {"USD": "1.25"})
    gbp = RateTable.from_base("EUR", {"GBP": "0.8"})
    for make in (kpi.AverageTicketAccumulator, kpi.BookingsAccumulator):
        with pytest.raises(ValidationError):
            make(currency="EUR").merge(make(currency="USD"))
        with pytest.raises(ValidationError):
            make(currency="EUR", rates=usd).merge(make(currency="EUR", rates=gbp))
        assert make(currency="EUR", rates=usd).merge(make(currency="EUR", rates=usd)).result() == (
            make(currency="EUR").result()
        )
    with pytest.raises(ValidationError):
        kpi.WinRateAccumulator(by_value=True, currency="EUR", rates=usd).merge(
            kpi.WinRateAccumulator(by_value=True, currency="EUR", rates=gbp)
        )
