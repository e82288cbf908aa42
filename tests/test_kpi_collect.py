"""The accumulator protocol and one-pass collection (salesmodel.kpi._accumulators,
._collect), and the argument checks shared by every KPI (._activity, ._amounts)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from salesmodel import Activity, ActivityKind, Deal, Money, ValidationError, kpi
from salesmodel.kpi import Count, Period, Ratio, Total
from salesmodel.kpi._accumulators import CHUNK, chunks

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def won(did: str, amount: int = 10) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(amount, "EUR"),
        created_at=T0,
        stage="won",
        status="won",
        closed_at=T0 + timedelta(days=1),
    )


def test_collect_refuses_what_is_no_accumulator_or_no_iterable() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.collect([], kpi.WinRateAccumulator(), kpi.win_rate)  # type: ignore[arg-type]
    assert caught.value.field == "accumulators[1]"
    assert "a KPI accumulator" in str(caught.value)
    for records in ("deals", b"deals", {"a": 1}, 5):
        with pytest.raises(ValidationError) as caught:
            kpi.collect(records, kpi.WinRateAccumulator())  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("records", records)


def test_collect_reads_a_long_generator_once_in_chunks() -> None:
    count = CHUNK + 3
    reads = 0

    def stream() -> Iterator[Deal]:
        nonlocal reads
        reads += 1
        for i in range(count):
            yield won(str(i), 1)

    rate, total = kpi.collect(stream(), kpi.WinRateAccumulator(), kpi.BookingsAccumulator())
    assert (reads, rate, total) == (1, Ratio(count, count), Total(Money(count, "EUR"), count))
    assert [len(c) for c in chunks(iter(range(count)))] == [CHUNK, 3]
    assert [len(c) for c in chunks(tuple(range(count)))] == [CHUNK, 3]
    assert list(chunks([])) == []


def test_accumulators_take_one_record_at_a_time_and_pickle() -> None:
    acc = kpi.BookingsAccumulator()
    acc.add(won("a", 3))
    acc.add(won("b", 4))
    copy = pickle.loads(pickle.dumps(acc))
    assert copy.result() == acc.result() == Total(Money(7, "EUR"), 2)
    assert acc.skipped.count == 0


def test_strict_must_be_a_bool_and_records_an_iterable() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.WinRateAccumulator(strict="no")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("strict", "no")
    with pytest.raises(ValidationError) as caught:
        kpi.WinRateAccumulator().add_many(won("a"))  # type: ignore[arg-type]
    assert caught.value.field == "records"
    assert "an iterable of records (a Deal or a Lead)" in str(caught.value)


def test_merge_needs_the_same_kpi_with_the_same_options() -> None:
    acc = kpi.BookingsAccumulator(by="owner_id")
    with pytest.raises(ValidationError) as caught:
        acc.merge(kpi.WinRateAccumulator(by="owner_id"))  # type: ignore[arg-type]
    assert caught.value.field == "other"
    assert "a BookingsAccumulator" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        acc.merge(kpi.BookingsAccumulator(by="stage"))
    assert "with the same options (anchor='closed', by='owner_id'" in str(caught.value)


def test_activity_kinds_are_activity_kinds_given_as_an_iterable() -> None:
    acts = [
        Activity(id="1", kind=ActivityKind.CALL, at=T0, rep_id="ana"),
        Activity(id="2", kind=ActivityKind.EMAIL, at=T0, rep_id="ana"),
    ]
    assert kpi.activity_volume(acts, kinds=[ActivityKind.EMAIL, "call"]) == Count(2)
    assert kpi.activity_volume(acts, kinds=()) == Count(0)
    monthly = kpi.activity_volume(acts, period="month", tz=UTC)
    assert dict(monthly) == {Period("month", 2026, 1): Count(2)}
    for bad in ("call", 3):
        with pytest.raises(ValidationError) as caught:
            kpi.activity_volume(acts, kinds=bad)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("kinds", bad)
        assert "None or an iterable of ActivityKind" in str(caught.value)


def test_rates_must_be_a_rate_table_with_a_currency_to_convert_into() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.bookings([], currency="EUR", rates={("USD", "EUR"): 1})  # type: ignore[call-overload]
    assert caught.value.field == "rates"
    assert "None or a RateTable" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        kpi.bookings([], currency="eur")  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("currency", "eur")


def test_a_growth_accumulator_passes_chunks_to_the_kpi_it_wraps() -> None:
    inner = kpi.BookingsAccumulator(period="month", tz=UTC)
    growth = kpi.GrowthAccumulator(inner)
    growth._add_chunk([won("a", 5)])  # as a wrapping accumulator feeds its parts
    assert inner.result() == kpi.bookings([won("a", 5)], period="month", tz=UTC)


def test_collect_names_the_first_bad_argument_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.collect([], "win rate", kpi.WinRateAccumulator())  # type: ignore[arg-type]
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("accumulators[0]", "win rate", "a KPI accumulator")
    ]
    with pytest.raises(ValidationError) as caught:
        kpi.collect(b"deals", kpi.WinRateAccumulator())  # type: ignore[arg-type]
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("records", b"deals", "an iterable of records")
    ]
    assert kpi.collect([won("a")]) == ()


def test_collect_screens_other_records_for_every_kpi_and_fills_them_in_place() -> None:
    class Row:
        def __init__(self, **fields: object) -> None:
            self.__dict__.update(fields)

    row = Row(
        id="r",
        status=won("x").status,
        created_at=T0,
        closed_at=T0,
        amount=Money(5, "EUR"),
    )
    bad = Row(id="bad", status="won")
    rate = kpi.WinRateAccumulator(strict=False)
    total = kpi.BookingsAccumulator(strict=False)
    results = kpi.collect([won("a", 2), row, bad], rate, total)
    assert results == (Ratio(2, 2), Total(Money(7, "EUR"), 2))
    assert [s.id for s in results[0].skipped] == ["bad"]
    assert [s.id for s in results[1].skipped] == ["bad"]
    assert total.result() == Total(Money(7, "EUR"), 2)  # filled in place
    assert kpi.collect(iter([won("b", 1)]), total) == (Total(Money(8, "EUR"), 3),)
