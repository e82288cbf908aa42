"""Growth period over period and the lead velocity rate (salesmodel.kpi._growth):
the values growth compares, series it refuses, its accumulator, and leads
qualified by history or creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from salesmodel import LEAD_LIFECYCLE, Deal, Issue, Lead, Money, Status, ValidationError, kpi
from salesmodel.kpi import Average, Count, Grouped, Period, Ratio, Total
from support import Row, issues_of

JAN, FEB, MAR = (Period("month", 2026, m) for m in (1, 2, 3))


def test_growth_compares_counts_averages_ratios_numbers_and_money() -> None:
    series: list[tuple[Any, Any, Ratio]] = [
        (Count(4), Count(6), Ratio(2, 4)),
        (Average(Money(10, "EUR"), 2), Average(Money(30, "EUR"), 3), Ratio(Fraction(5), 5)),
        (Ratio(1, 4), Ratio(1, 2), Ratio(Fraction(1, 4), Fraction(1, 4))),
        (10, 15, Ratio(5, 10)),
        (Decimal("2.5"), Decimal(5), Ratio(Decimal("2.5"), Decimal("2.5"))),
        (Money(100, "EUR"), Money(50, "EUR"), Ratio(Money(-50, "EUR"), Money(100, "EUR"))),
    ]
    for before, after, expected in series:
        assert dict(kpi.growth({JAN: before, FEB: after})) == {FEB: expected}


def test_growth_has_no_rate_after_a_gap_or_where_a_value_is_unknown() -> None:
    counts = {JAN: Count(3), MAR: Count(2)}
    assert dict(kpi.growth(counts)) == {MAR: Ratio(2, 0)}
    money = {JAN: Money(5, "EUR"), MAR: Money(7, "EUR")}
    assert dict(kpi.growth(money)) == {MAR: Ratio(Money(7, "EUR"), Money(0, "EUR"))}
    unknown = {JAN: Average(None, 0), FEB: Average(Money(4, "EUR"), 1), MAR: Total(None, 0)}
    assert dict(kpi.growth(unknown)) == {FEB: Ratio(Fraction(4), 0)}


def test_growth_refuses_series_not_keyed_by_period_or_of_other_values() -> None:
    for bad in ({"2026-01": Count(1)}, {("ana", "2026-01"): Count(1)}, {(JAN,): Count(1)}):
        with pytest.raises(ValidationError) as caught:
            kpi.growth(bad)
        assert caught.value.field == "series"
        assert "keys that are periods, or (group, period) pairs" in str(caught.value)
    for value in (True, "3", 1.5):
        with pytest.raises(ValidationError) as caught:
            kpi.growth({JAN: value})
        assert (caught.value.field, caught.value.value) == ("series", value)
    for other in ([Count(1)], None, 3):  # a DataFrame too: its KPI comes first
        with pytest.raises(ValidationError) as caught:
            kpi.growth(other)  # type: ignore[arg-type]
        assert caught.value.field == "series"
        assert "a KPI's result grouped by period=" in str(caught.value)


def test_growth_per_group_starts_at_each_group_first_period() -> None:
    series = Grouped(
        {
            ("ana", JAN): Count(1),
            ("ana", FEB): Count(3),
            ("bo", FEB): Count(2),
            ("bo", MAR): Count(1),
        },
        ("owner_id", "period"),
    )
    growth = kpi.growth(series)
    assert growth.columns == ("owner_id", "period")
    assert dict(growth) == {("ana", FEB): Ratio(2, 1), ("bo", MAR): Ratio(-1, 2)}


def won(did: str, month: int, owner: str = "ana") -> Deal:
    closed = datetime(2026, month, 10, tzinfo=UTC)
    return Deal(
        id=did,
        name=did,
        amount=Money(10 * month, "EUR"),
        created_at=closed,
        owner_id=owner,
        stage="won",
        status="won",
        closed_at=closed,
    )


def test_the_growth_accumulator_wraps_a_period_kpi_and_merges_and_reports_skips() -> None:
    deals = [won("a", 1), won("b", 2), won("c", 2)]

    def fresh() -> kpi.GrowthAccumulator:
        return kpi.GrowthAccumulator(
            kpi.BookingsAccumulator(period="month", tz=UTC, strict=False), strict=False
        )

    left = fresh().add_many(deals[:1])
    right = fresh().add_many([*deals[1:], "junk"])
    merged = left.merge(right)
    assert dict(merged.result()) == {FEB: Ratio(Money(30, "EUR"), Money(10, "EUR"))}
    assert merged.result() == kpi.growth(kpi.bookings(deals, period="month", tz=UTC))
    assert [(s.id, s.field) for s in merged.skipped] == [(None, "status")]
    assert merged.result().skipped.count == 1
    one = fresh()
    one.add(deals[0])
    assert dict(one.result()) == {}
    with pytest.raises(ValidationError):
        fresh().merge(kpi.GrowthAccumulator(kpi.BookingsAccumulator(period="year", tz=UTC)))
    with pytest.raises(ValidationError) as caught:
        kpi.GrowthAccumulator("bookings")  # type: ignore[arg-type]
    assert caught.value.field == "inner"


def test_growth_accumulators_fill_in_one_pass_with_collect() -> None:
    deals = [won("a", 1), won("b", 2)]
    (growth,) = kpi.collect(
        deals, kpi.GrowthAccumulator(kpi.WinRateAccumulator(period="month", tz=UTC))
    )
    assert dict(growth) == {FEB: Ratio(Fraction(0), Fraction(1))}


# --- lead velocity rate --------------------------------------------------------------------


def lead(lid: str, created: datetime, **kw: Any) -> Lead:
    return Lead(id=lid, name=lid, created_at=created, source="web", **kw)


def test_leads_count_in_the_period_they_first_entered_the_stage() -> None:
    jan, feb = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 2, 5, tzinfo=UTC)
    born_mql = lead("born", jan, stage="mql")
    moved = LEAD_LIFECYCLE.move(
        LEAD_LIFECYCLE.move(lead("m", jan), "contacted", at=jan), "mql", at=feb
    )
    left_mql = LEAD_LIFECYCLE.move(lead("left", jan, stage="mql"), "sql", at=feb)
    never = LEAD_LIFECYCLE.move(lead("never", jan), "contacted", at=feb)
    other = lead("other", feb)
    leads = [born_mql, moved, left_mql, never, other]
    acc = kpi.LeadVelocityRateAccumulator(tz=UTC).add_many(leads)
    assert dict(acc.counts()) == {JAN: Count(2), FEB: Count(1)}
    assert dict(kpi.lead_velocity_rate(leads, tz=UTC)) == {FEB: Ratio(-1, 2)}
    by_source = kpi.lead_velocity_rate(leads, tz=UTC, by="source")
    assert dict(by_source) == {("web", FEB): Ratio(-1, 2)}
    assert by_source.columns == ("source", "period")


def test_the_lead_velocity_stage_must_be_a_stage_id() -> None:
    for bad in ("", "  ", None, 3):
        with pytest.raises(ValidationError) as caught:
            kpi.lead_velocity_rate([], tz=UTC, stage=bad)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("stage", bad)
    with pytest.raises(ValidationError) as caught:
        kpi.lead_velocity_rate([])
    assert caught.value.field == "tz"
    assert kpi.lead_velocity_rate(
        [lead("x", datetime(2026, 1, 1, tzinfo=UTC) + timedelta(1))], tz=UTC
    ) == (Grouped({}, ("period",)))


# --- exact errors, defaults and merging (mutation testing) ---------------------------------


def test_growth_errors_are_exact() -> None:
    assert issues_of(lambda: kpi.growth({JAN: "3"})) == (
        Issue("series", "3", "values that are Totals, Counts, Averages, Ratios, numbers or Money"),
    )
    assert issues_of(lambda: kpi.growth({"2026-01": Count(1)})) == (
        Issue(
            "series",
            "2026-01",
            "keys that are periods, or (group, period) pairs: group by period=",
        ),
    )
    assert issues_of(lambda: kpi.GrowthAccumulator("bookings")) == (  # type: ignore[arg-type]
        Issue("inner", "bookings", "a KPI accumulator grouped by period= (e.g. bookings by month)"),
    )


def test_growth_of_a_plain_mapping_is_keyed_by_period_with_nothing_skipped() -> None:
    result = kpi.growth({JAN: 2, FEB: 3})
    assert result.columns == ("period",)
    assert result.skipped.count == 0
    assert list(result.skipped) == []


def bookings_growth(**options: Any) -> kpi.GrowthAccumulator:
    return kpi.GrowthAccumulator(kpi.BookingsAccumulator(period="month", tz=UTC), **options)


def test_growth_accumulators_merge_only_with_the_same_inner_kpi_and_options() -> None:
    loose = bookings_growth(strict=False).add_many([won("a", 1)])
    merged = loose.merge(bookings_growth(strict=False).add_many([won("b", 2)]))
    assert merged.strict is False
    assert dict(merged.result()) == {FEB: Ratio(Money(10, "EUR"), Money(10, "EUR"))}
    average = kpi.GrowthAccumulator(kpi.AverageTicketAccumulator(period="month", tz=UTC))
    with pytest.raises(ValidationError) as caught:
        bookings_growth().merge(average)
    assert caught.value.issues[0].expected == (
        "a GrowthAccumulator with the same options "
        "(inner=<class 'salesmodel.kpi._deals.BookingsAccumulator'>, strict=True)"
    )
    with pytest.raises(ValidationError) as caught:
        loose.merge(kpi.GrowthAccumulator(kpi.BookingsAccumulator(period="year", tz=UTC)))
    assert caught.value.issues[0].expected == (
        "a GrowthAccumulator with the same options "
        "(inner=<class 'salesmodel.kpi._deals.BookingsAccumulator'>, strict=False)"
    )


def test_a_growth_accumulator_takes_chunks_as_composite_kpis_pass_them() -> None:
    acc = bookings_growth()
    acc._add_chunk([won("a", 1), won("b", 2)])
    assert dict(acc.result()) == {FEB: Ratio(Money(10, "EUR"), Money(10, "EUR"))}


def test_lead_velocity_rate_errors_defaults_and_skipped_leads() -> None:
    assert issues_of(lambda: kpi.lead_velocity_rate([], tz=UTC, stage="")) == (
        Issue("stage", "", "a stage id such as 'mql'"),
    )
    jan = datetime(2026, 1, 5, tzinfo=UTC)
    bad = Row(id="r", status="open", created_at=jan, closed_at=None, stage="mql", history=())
    with pytest.raises(ValidationError):
        kpi.lead_velocity_rate([bad], tz=UTC)
    with pytest.raises(ValidationError):
        kpi.LeadVelocityRateAccumulator(tz=UTC).add(bad)
    acc = kpi.LeadVelocityRateAccumulator(tz=UTC, strict=False).add_many([bad])
    assert [(s.id, s.field) for s in acc.counts().skipped] == [("r", "status")]
    rate = kpi.lead_velocity_rate([bad], tz=UTC, strict=False)
    assert [(s.id, s.field) for s in rate.skipped] == [("r", "status")]


def test_lead_velocity_rate_reads_lead_rows_and_periods() -> None:
    jan, apr = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 4, 5, tzinfo=UTC)
    row = Row(id="r", status=Status.OPEN, created_at=jan, closed_at=None, stage="mql", history=())
    later = lead("l", apr, stage="mql")
    quarterly = kpi.lead_velocity_rate([row, later], tz=UTC, period="quarter")
    q1, q2 = Period("quarter", 2026, 1), Period("quarter", 2026, 2)
    assert dict(quarterly) == {q2: Ratio(0, 1)}
    assert q1 < q2


def test_lead_velocity_rate_goes_on_after_leads_that_never_qualified() -> None:
    jan = datetime(2026, 1, 5, tzinfo=UTC)
    elsewhere = lead("e", jan)  # created in suspect, never moved
    passed_by = LEAD_LIFECYCLE.move(lead("p", jan), "contacted", at=jan)
    born = lead("b", jan, stage="mql")
    acc = kpi.LeadVelocityRateAccumulator(tz=UTC).add_many([elsewhere, passed_by, born])
    assert dict(acc.counts()) == {JAN: Count(1)}


def test_lead_velocity_accumulators_merge_with_their_options() -> None:
    jan, feb = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 2, 5, tzinfo=UTC)
    options: dict[str, Any] = {
        "period": "month",
        "tz": UTC,
        "stage": "sql",
        "by": "source",
        "strict": False,
    }
    first = kpi.LeadVelocityRateAccumulator(**options).add_many([lead("a", jan, stage="sql")])
    second = kpi.LeadVelocityRateAccumulator(**options).add_many([lead("b", feb, stage="sql")])
    merged = first.merge(second)
    merged.add(lead("c", feb, stage="mql"))
    merged.add(Row(id="r", status="open", created_at=jan, closed_at=None, stage="sql", history=()))
    assert dict(merged.counts()) == {("web", JAN): Count(1), ("web", FEB): Count(1)}
    assert [s.id for s in merged.counts().skipped] == ["r"]
    with pytest.raises(ValidationError) as caught:
        first.merge(kpi.LeadVelocityRateAccumulator(tz=UTC))
    assert caught.value.issues[0].expected == (
        "a LeadVelocityRateAccumulator with the same options (by='source', period='month', "
        "stage='sql', strict=False, tz=datetime.timezone.utc)"
    )
