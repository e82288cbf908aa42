"""Growth period over period and the lead velocity rate (salesmodel.kpi._growth):
the values growth compares, series it refuses, its accumulator, and leads
qualified by history or creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from salesmodel import LEAD_LIFECYCLE, Deal, Lead, Money, ValidationError, kpi
from salesmodel.kpi import Average, Count, Grouped, Period, Ratio, Total

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
