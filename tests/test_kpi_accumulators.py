"""The accumulator protocol (salesmodel.kpi._accumulators): arguments checked,
chunks of any iterable, entities trusted and other records screened, bad records
raised with their type and id or skipped and reported, merges that compare
options and keep what both sides skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from salesmodel import Deal, Money, Status, ValidationError, kpi
from salesmodel.errors import Issue
from salesmodel.kpi import Accumulator, Ratio, Total
from salesmodel.kpi._accumulators import CHUNK, aware, chunks, missing_or_bad
from support import Row, issues

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def won(did: str, amount: int = 1) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(amount, "EUR"),
        created_at=T0,
        stage="won",
        status="won",
        closed_at=T0 + timedelta(days=1),
    )


def won_row(rid: Any, amount: int = 1) -> Row:
    return Row(
        id=rid,
        status=Status.WON,
        created_at=T0,
        closed_at=T0 + timedelta(days=1),
        amount=Money(amount, "EUR"),
    )


def test_strict_and_records_are_refused_with_what_they_must_be() -> None:
    assert issues(lambda: kpi.BookingsAccumulator(strict=1)) == [  # type: ignore[arg-type]
        ("strict", 1, "True or False")
    ]
    acc = kpi.BookingsAccumulator()
    for bad in ("deals", b"deals", {"a": won("a")}, 3):
        assert issues(lambda bad=bad: acc.add_many(bad)) == [
            ("records", bad, "an iterable of records (a Deal)")
        ]
    assert acc.add_many(iter([won("a")])) is acc
    assert acc.add_many({won("b")}).result() == Total(Money(2, "EUR"), 2)  # a set is iterable


def test_a_bad_record_is_named_by_its_type_and_text_id() -> None:
    for rid, subject in [("x", "Row 'x'"), (7, "Row"), ("", "Row"), (None, "Row")]:
        with pytest.raises(ValidationError) as caught:
            kpi.win_rate([Row(id=rid, status="won")])
        assert (
            caught.value.subject == f"{subject} (pass strict=False to skip and report bad records)"
        )
        assert [(i.path, i.value) for i in caught.value.issues] == [("status", "won")]
    with pytest.raises(ValidationError) as caught:
        kpi.win_rate([Row(status="won")])
    assert caught.value.subject == "Row (pass strict=False to skip and report bad records)"
    rate = kpi.win_rate([Row(id=7, status="won"), Row(id="y", status=None)], strict=False)
    assert [(s.id, s.field, s.reason) for s in rate.skipped] == [
        ("y", "status", "must be a Status (got None)"),
        (None, "status", "must be a Status (got 'won')"),
    ]


def test_good_records_of_other_types_count_beside_entities() -> None:
    records = [won("a", 2), won_row("r", 3), won("b", 4)]
    assert kpi.bookings(records) == Total(Money(9, "EUR"), 3)
    assert kpi.bookings([won_row("r", 3)]) == Total(Money(3, "EUR"), 1)
    both = kpi.bookings([won_row("r", 3), won_row("bad", -1), won("a", 2)], strict=False)
    assert both == Total(Money(5, "EUR"), 2)
    assert [s.id for s in both.skipped] == ["bad"]


def test_long_inputs_are_read_in_chunks_of_every_kind() -> None:
    count = CHUNK + 3
    for records in (list(range(count)), tuple(range(count)), iter(range(count))):
        parts = list(chunks(records))
        assert [len(p) for p in parts] == [CHUNK, 3]
        assert [x for p in parts for x in p] == list(range(count))
        assert all(type(p) is type(records) or type(p) is list for p in parts)
    assert [len(p) for p in chunks(list(range(CHUNK)))] == [CHUNK]
    assert [len(p) for p in chunks(iter(range(2 * CHUNK)))] == [CHUNK, CHUNK]
    deals = [won(str(i)) for i in range(count)]
    assert kpi.bookings(deals) == Total(Money(count, "EUR"), count)
    assert kpi.bookings(tuple(deals)) == Total(Money(count, "EUR"), count)
    assert kpi.bookings(iter(deals)) == Total(Money(count, "EUR"), count)


def test_merges_refuse_other_kpis_and_other_options_naming_them() -> None:
    acc = kpi.WinRateAccumulator(by="owner_id")
    other = kpi.BookingsAccumulator()
    assert issues(lambda: acc.merge(other)) == [("other", other, "a WinRateAccumulator")]  # type: ignore[arg-type]
    plain = kpi.WinRateAccumulator()
    assert issues(lambda: acc.merge(plain)) == [
        (
            "other",
            plain,
            "a WinRateAccumulator with the same options (anchor='closed', by='owner_id', "
            "by_value=False, currency=None, period=None, rates=None, strict=True, tz=None)",
        )
    ]


def test_merges_keep_both_sides_records_and_skips_and_change_neither() -> None:
    left = kpi.BookingsAccumulator(strict=False).add_many([won("a", 2), won_row("x", -1)])
    right = kpi.BookingsAccumulator(strict=False).add_many([won("b", 3), won_row("y", -2)])
    merged = left.merge(right)
    assert merged is not left
    assert merged is not right
    result = merged.result()
    assert result == Total(Money(5, "EUR"), 2)
    assert [s.id for s in result.skipped] == ["x", "y"]
    assert merged.strict is False
    assert left.result() == Total(Money(2, "EUR"), 1)
    assert [s.id for s in left.skipped.records] == ["x"]
    assert [s.id for s in right.skipped.records] == ["y"]
    monthly = kpi.BookingsAccumulator(period="month", tz=UTC, currency="EUR")
    fresh = monthly.merge(kpi.BookingsAccumulator(period="month", tz=UTC, currency="EUR"))
    assert fresh._options == monthly._options


def test_add_takes_one_record() -> None:
    acc = kpi.WinRateAccumulator()
    acc.add(won("a"))
    acc.add(won_row("r"))
    assert acc.result() == Ratio(2, 2)
    lenient = kpi.WinRateAccumulator(strict=False)
    lenient.add(Row(id="z"))
    assert lenient.skipped.count == 1
    assert lenient.skipped.records[0].id == "z"


def test_aware_means_a_datetime_with_an_offset() -> None:
    assert aware(T0)
    assert aware(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-3))))
    assert not aware(datetime(2026, 1, 1))
    assert not aware(date(2026, 1, 1))
    assert not aware("2026-01-01T00:00:00+00:00")
    assert not aware(None)


def test_missing_or_bad_fields_are_named_with_their_value() -> None:
    row = Row(id="r", n=3)
    assert missing_or_bad(row, "n", lambda v: v > 2, "more than 2") is None
    assert missing_or_bad(row, "n", lambda v: v > 5, "more than 5") == Issue("n", 3, "more than 5")
    assert missing_or_bad(row, "m", bool, "a truthy value") == Issue(
        "m", row, "a record with a 'm' field (a truthy value)"
    )


class Counted(Accumulator[int]):
    """A KPI of one's own: how many records, each checked by the default rule."""

    expects = "anything with an id"

    def __init__(self, *, strict: bool = True) -> None:
        super().__init__(strict=strict)
        self.n = 0

    def _add_chunk(self, chunk: list[Any]) -> None:
        self.n += len(chunk)

    def _absorb(self, other: Counted) -> None:
        self.n += other.n

    def result(self) -> int:
        return self.n


class Bare(Accumulator[int]):
    """One that relies on the base class's defaults for everything."""

    def _add_chunk(self, chunk: list[Any]) -> None:  # pragma: no cover - never fed
        raise AssertionError


def test_an_accumulator_is_strict_by_default_and_refuses_untrusted_records_as_a_whole() -> None:
    assert Bare().strict is True
    assert Bare()._options == {"strict": True}
    row = Row(id="r")
    with pytest.raises(ValidationError) as caught:
        Counted().add(row)
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("$", row, "anything with an id")
    ]
    other = Row(id="s")
    lenient = Counted(strict=False).add_many([row, other])
    assert lenient.result() == 0
    assert [(s.id, s.field, s.reason) for s in lenient.skipped.records] == [
        ("r", "$", f"must be anything with an id (got {row!r})"),
        ("s", "$", f"must be anything with an id (got {other!r})"),
    ]


def test_a_tuple_is_cut_into_tuple_slices_and_other_iterables_into_lists() -> None:
    count = CHUNK + 1
    assert [type(p) for p in chunks(tuple(range(count)))] == [tuple, tuple]
    assert [type(p) for p in chunks(list(range(count)))] == [list, list]
    assert [type(p) for p in chunks(range(count))] == [list, list]
