"""Typed KPI results (salesmodel.kpi._results): what each shows as text, as
records for pandas, and as HTML; skipped records; group keys in a stable order."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs
import pytest

from salesmodel import CurrencyMismatchError, Money, Status
from salesmodel.kpi import Average, Count, DurationSummary, Grouped, Period, Ratio, Skipped, Total
from salesmodel.kpi._results import SkippedRecord, html_table, order_key, records_of, sorted_keys


def test_skipped_records_sort_by_id_and_show_the_first_three() -> None:
    none = Skipped.of([])
    assert (repr(none), bool(none), len(none), none.count, none.to_records()) == (
        "Skipped(none)",
        False,
        0,
        0,
        [],
    )
    records = [
        SkippedRecord(None, "status", "must be a Status (got 'won')"),
        SkippedRecord("b", "closed_at", "must be x"),
        SkippedRecord("a", "stage", "must be y"),
        SkippedRecord("c", "amount", "must be z"),
    ]
    skipped = Skipped.of(records)
    assert [s.id for s in skipped] == ["a", "b", "c", None]
    assert skipped[0].id == "a"  # as a sequence
    assert skipped[-1].id is None
    assert skipped[1:3] == (records[1], records[3])
    assert repr(skipped) == (
        "Skipped(4: 'a' stage must be y; 'b' closed_at must be x; 'c' amount must be z; and 1 more)"
    )
    assert skipped.to_records()[0] == {"id": "a", "field": "stage", "reason": "must be y"}
    assert records_of(skipped) == [{"value": skipped}]


def test_a_ratio_of_amounts_in_two_currencies_has_no_value() -> None:
    ratio = Ratio(Money(1, "EUR"), Money(2, "USD"))
    with pytest.raises(CurrencyMismatchError) as caught:
        _ = ratio.value
    assert "cannot divide 1 EUR by 2 USD" in str(caught.value)
    same = Ratio(Money(1, "EUR"), Money(4, "EUR"))
    assert (same.value, same.percent) == (Fraction(1, 4), 25.0)
    assert same.to_record() == {
        "numerator": Decimal(1),
        "denominator": Decimal(4),
        "currency": "EUR",
        "rate": 0.25,
        "unknown": 0,
    }
    assert Ratio(Money(1, "EUR"), Money(4, "EUR"), unknown=2).to_record()["unknown"] == 2
    assert repr(Ratio(Money(1, "EUR"), Money(4, "EUR"), unknown=2)) == (
        "1 EUR/4 EUR (25.0%; 2 of unknown value)"
    )
    assert Ratio(1, 0).percent is None
    assert Ratio(1, 0).to_record() == {"numerator": 1, "denominator": 0, "rate": None}


def test_duration_summaries_show_days_or_clock_time_and_none() -> None:
    empty = DurationSummary.of([])
    assert repr(empty) == (
        "DurationSummary(count=0, mean=None, median=None, p90=None, min=None, max=None)"
    )
    short = DurationSummary.of([timedelta(hours=2), timedelta(hours=4)], business_days=True)
    assert repr(short) == (
        "DurationSummary(count=2, mean=3:00:00, median=3:00:00, p90=3:48:00, min=2:00:00,"
        " max=4:00:00, business days)"
    )
    assert short.to_record() == {
        "count": 2,
        "mean": timedelta(hours=3),
        "median": timedelta(hours=3),
        "p90": timedelta(hours=3, minutes=48),
        "min": timedelta(hours=2),
        "max": timedelta(hours=4),
        "unit": "business days",
    }
    assert empty.to_record()["unit"] == "time"


def test_totals_averages_and_counts_as_records_and_text() -> None:
    assert Total(None, 0).to_record() == {
        "amount": None,
        "currency": None,
        "count": 0,
        "unknown": 0,
    }
    assert Total(Money(5, "EUR"), 1, unknown=3).to_record()["unknown"] == 3
    assert repr(Total(Money(5, "EUR"), 1, unknown=3)) == "5 EUR (1 record; 3 of unknown value)"
    assert repr(Total(None, 0)) == "nothing (0 records)"
    assert repr(Total(Money(5, "EUR"), 1)) == "5 EUR (1 record)"
    assert Total(Money(5, "EUR"), 2).to_record() == {
        "amount": Decimal(5),
        "currency": "EUR",
        "count": 2,
        "unknown": 0,
    }
    average = Average(Money("10.00", "EUR"), 4)
    assert average.to_record() == {
        "average": Decimal("2.50"),
        "currency": "EUR",
        "total": Decimal("10.00"),
        "count": 4,
        "unknown": 0,
    }
    assert repr(average) == "2.50 EUR (mean of 4, total 10.00 EUR)"
    eighth = Average(Money("0.25", "EUR"), 2)
    assert (eighth.value, eighth.rounded(2, ROUND_HALF_UP)) == (
        Money("0.12", "EUR"),
        Money("0.13", "EUR"),
    )
    nothing = Average(None, 0)
    assert (nothing.exact, nothing.value, repr(nothing)) == (None, None, "no average (0 records)")
    assert nothing.to_record() == {
        "average": None,
        "total": None,
        "currency": None,
        "count": 0,
        "unknown": 0,
    }
    assert repr(Average(None, 0, unknown=2)) == "no average (0 records; 2 of unknown value)"
    assert Average(Money(3, "EUR"), 0).exact is None
    count = Count(3)
    assert (int(count), [10, 20, 30, 40][count], count.to_record()) == (3, 40, {"count": 3})
    assert (repr(count), repr(Count(1))) == ("3 records", "1 record")


def test_any_value_turns_into_records() -> None:
    assert records_of(Money(2, "USD")) == [{"amount": Decimal(2), "currency": "USD"}]
    assert records_of(Status.WON) == [{"value": "won"}]
    assert records_of(Period("month", 2026, 3)) == [{"value": "2026-03"}]
    assert records_of(7) == [{"value": 7}]
    assert records_of(Count(2)) == [{"count": 2}]


def test_html_tables_escape_text_and_leave_empty_cells_blank() -> None:
    table = html_table([{"a": "<b>", "b": None}, {"a": 0.123456, "c": Status.LOST}], "x & y")
    assert table == (
        "<table><caption>x &amp; y</caption>"
        "<thead><tr><th>a</th><th>b</th><th>c</th></tr></thead><tbody>"
        "<tr><td>&lt;b&gt;</td><td></td><td></td></tr>"
        "<tr><td>0.1235</td><td></td><td>lost</td></tr>"
        "</tbody></table>"
    )
    assert html_table([]) == "<table><thead><tr></tr></thead><tbody></tbody></table>"


def test_group_keys_sort_by_kind_with_none_last() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    keys = [None, when, 2.5, "b", date(2026, 1, 1), 1, "a", Period("month", 2026, 1)]
    assert sorted_keys(keys) == [
        date(2026, 1, 1),
        when,
        1,
        2.5,
        "a",
        "b",
        Period("month", 2026, 1),
        None,
    ]
    assert sorted_keys([(1, "a"), (1, 2)]) == [(1, 2), (1, "a")]
    assert order_key(("x", None)) == ((0, "str", "x"), (2, "", 0))
    assert order_key(True) == (1, "bool", True)


def test_keys_that_do_not_compare_sort_by_repr() -> None:
    assert sorted_keys([3j, 1j, 2j]) == [1j, 2j, 3j]


def test_grouped_results_are_frozen_mappings_that_map_and_pickle() -> None:
    grouped = Grouped({"b": Count(2), "a": Count(1)}, ("owner_id",))
    assert list(grouped) == ["a", "b"]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        grouped.columns = ("x",)  # type: ignore[misc]
    doubled = grouped.map(lambda c: Count(c.value * 2))
    assert dict(doubled) == {"a": Count(2), "b": Count(4)}
    assert doubled.columns == ("owner_id",)
    assert pickle.loads(pickle.dumps(grouped)) == grouped
    assert repr(grouped) == "Grouped(by=('owner_id',), {'a': 1 record, 'b': 2 records})"
    assert grouped.key_record("a") == {"owner_id": "a"}
    two = Grouped({("a", Period("month", 2026, 1)): Count(1)}, ("owner_id", "period"))
    assert two.to_records() == [{"owner_id": "a", "period": "2026-01", "count": 1}]
    assert repr(two) == "Grouped(by=('owner_id', 'period'), {('a', '2026-01'): 1 record})"


def test_grouped_tables_flatten_to_one_record_per_row_under_their_key() -> None:
    inner = Grouped({"x": Count(1), "y": Count(2)}, ("kind",))
    outer = Grouped({"ana": inner}, ("owner_id",))
    assert records_of(inner) == [{"kind": "x", "count": 1}, {"kind": "y", "count": 2}]
    assert outer.to_records() == [
        {"owner_id": "ana", "kind": "x", "count": 1},
        {"owner_id": "ana", "kind": "y", "count": 2},
    ]


# --- limits pinned by mutants that survived (docs/explanation/mutation-testing.md) ---


def _skip(record_id: str | None, field: str = "closed_at") -> SkippedRecord:
    return SkippedRecord(record_id, field, "must be given (got nothing)")


def test_nothing_skipped_is_one_shared_value_and_an_empty_id_sorts_first():
    from salesmodel.kpi._results import NOTHING_SKIPPED

    assert Skipped.of([]) is NOTHING_SKIPPED
    assert [s.id for s in Skipped.of([_skip("b"), _skip(None), _skip("")])] == ["", "b", None]
    assert [s.id for s in Skipped.of([_skip("A"), _skip("")])] == ["", "A"]


def test_skipped_shows_three_records_then_how_many_more():
    three = Skipped.of([_skip("a"), _skip("b"), _skip("c")])
    assert repr(three) == (
        "Skipped(3: 'a' closed_at must be given (got nothing); 'b' closed_at must be given "
        "(got nothing); 'c' closed_at must be given (got nothing))"
    )
    four = Skipped.of([_skip("a"), _skip("b"), _skip("c"), _skip("d")])
    assert repr(four).endswith("; and 1 more)")


def test_a_duration_summary_keeps_its_unit_and_what_was_skipped():
    skipped = Skipped.of([_skip("a")])
    empty = DurationSummary.from_counts({})
    assert empty.business_days is False
    assert empty.skipped is Skipped.of([])
    assert DurationSummary.from_counts({}, business_days=True).business_days is True
    assert DurationSummary.from_counts({}, skipped=skipped).skipped is skipped
    assert DurationSummary.from_counts({5: 1}).business_days is False
    assert DurationSummary.from_counts({5: 1}, skipped=skipped).skipped is skipped


def test_a_duration_counted_none_times_is_no_duration():
    summary = DurationSummary.from_counts({5: 0, 10: 2, 30: 1, 40: 0})
    assert summary == DurationSummary.from_counts({10: 2, 30: 1})
    assert summary.count == 3
    assert (summary.min, summary.max) == (timedelta(microseconds=10), timedelta(microseconds=30))
    assert DurationSummary.from_counts({5: 0}) == DurationSummary.from_counts({})


def test_a_duration_summary_shows_fractions_of_days_above_one_day():
    summary = DurationSummary.of([timedelta(hours=36)])
    assert "mean=1.5 days" in repr(summary)
    assert "min=1 day," in repr(DurationSummary.of([timedelta(days=1)]))


def test_an_average_of_nothing_rounds_to_none_and_rounds_to_the_cent_by_default():
    assert Average(Money(0, "EUR"), 0).rounded() is None
    assert Average(Money("100.00", "USD"), 3).rounded() == Money("33.33", "USD")
    big = Average(Money(Decimal("1E+29"), "EUR"), 1)
    assert big.rounded(2) == Money(Decimal("1E+29"), "EUR")
    assert str(big.rounded(2).amount) == "100000000000000000000000000000.00"


def test_a_grouped_result_keeps_its_columns_and_skipped_when_mapped_or_pickled():
    skipped = Skipped.of([_skip("a")])
    grouped = Grouped({("x", 1): 2}, ("owner", "n"), skipped=skipped)
    assert grouped.map(lambda v: v * 2).skipped is skipped
    copy = pickle.loads(pickle.dumps(grouped))
    assert copy.columns == ("owner", "n")
    assert copy.skipped == skipped
    single = Grouped({("x", 1): 2}, ("pair",))
    assert single.key_record(("x", 1)) == {"pair": ("x", 1)}
    assert Grouped({"a": 1}, ("x", "y")).key_record("a") == {"x": "a"}


def test_a_group_of_several_parts_with_its_period_gives_each_part_a_column() -> None:
    month = Period("month", 2026, 1)
    several = Grouped({(("ana", "email"), month): Count(1)}, ("rep", "source", "period"))
    assert several.to_records() == [
        {"rep": "ana", "source": "email", "period": "2026-01", "count": 1}
    ]
    one_part = Grouped({("ana",): Count(1)}, ("rep",))
    assert one_part.to_records() == [{"rep": "ana", "count": 1}]
    with_period = Grouped({(("ana",), month): Count(1)}, ("rep", "period"))
    assert with_period.to_records() == [{"rep": "ana", "period": "2026-01", "count": 1}]
    # a group that is a pair by a callable of one's own stays one column
    callable_pair = Grouped({(("x", 1), month): Count(1)}, ("group", "period"))
    assert callable_pair.key_record((("x", 1), month)) == {"group": ("x", 1), "period": "2026-01"}
