"""Every KPI accumulator: any partition of any input, merged in any order, gives
exactly the single-pass result; accumulators pickle; ``add`` one by one equals
``add_many``."""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Lead,
    Money,
    RateTable,
    Target,
    TargetMetric,
    ValidationError,
    kpi,
)
from salesmodel import strategies as sms
from salesmodel.kpi import Accumulator

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))
OWNERS = st.sampled_from(["ana", "bo", "cy"])


# Strategies of record lists, small and varied.
def owned(deals: st.SearchStrategy[Deal]) -> st.SearchStrategy[Deal]:
    """Deals of a few owners, so that groups have several deals, some of them of
    unknown value."""
    return st.builds(
        lambda d, o, unknown: attrs.evolve(d, owner_id=o, amount=None if unknown else d.amount),
        deals,
        OWNERS,
        st.booleans(),
    )


def deal_lists(currency: str | None = "EUR") -> st.SearchStrategy[list[Any]]:
    return st.lists(owned(sms.deals(currency=currency, max_moves=3)), max_size=14)


def journey_deals(pipeline: Any = DEFAULT_PIPELINE) -> st.SearchStrategy[list[Any]]:
    """Deals that conform to *pipeline* (stage KPIs refuse others)."""
    ends = sms.histories(pipeline, max_moves=8).map(lambda j: j.end)
    return st.lists(owned(ends), max_size=10)


def journey_leads() -> st.SearchStrategy[list[Any]]:
    ends = sms.histories(LEAD_LIFECYCLE, kind=Lead, max_moves=6).map(lambda j: j.end)
    return st.lists(ends, max_size=10)


def purchases() -> st.SearchStrategy[list[Any]]:
    """Won deals of a few customers, in EUR."""
    deal = st.builds(
        lambda i, customer, days, cents: Deal(
            id=f"P{i}",
            name="purchase",
            amount=Money(Decimal(cents).scaleb(-2), "EUR"),
            created_at=T0 + timedelta(days=days),
            stage="won",
            status="won",
            closed_at=T0 + timedelta(days=days, hours=3),
            customer_id=customer,
        ),
        st.integers(0, 10**6),
        st.sampled_from(["c1", "c2", "c3", "c4"]),
        st.integers(0, 400),
        st.integers(0, 50_000),
    )
    return st.lists(deal, max_size=14)


TARGET = Target(
    id="T",
    metric=TargetMetric.REVENUE,
    goal=Money("5000", "EUR"),
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2100, 1, 1, tzinfo=UTC),
)
CALLS = Target(
    id="C",
    metric=TargetMetric.ACTIVITIES,
    goal=10,
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2100, 1, 1, tzinfo=UTC),
    rep_id="ana",
)

mixed = st.lists(
    st.one_of(
        owned(sms.deals(currency="EUR", max_moves=2)),
        sms.activities(),
        sms.customers(),
        sms.leads(max_moves=2),
    ),
    max_size=12,
)

# (name, fresh accumulator, records strategy)
CASES: list[tuple[str, Callable[[], Accumulator[Any]], st.SearchStrategy[list[Any]]]] = [
    ("conversion", lambda: kpi.ConversionRateAccumulator(by="owner_id"), deal_lists()),
    (
        "conversion by month",
        lambda: kpi.ConversionRateAccumulator(period="month", tz=PARIS),
        deal_lists(),
    ),
    ("win rate", lambda: kpi.WinRateAccumulator(), deal_lists()),
    (
        "win rate by owner and quarter",
        lambda: kpi.WinRateAccumulator(by="owner_id", period="quarter", tz=UTC),
        deal_lists(),
    ),
    (
        "win rate by value",
        lambda: kpi.WinRateAccumulator(by="currency", by_value=True),
        deal_lists(currency=None),
    ),
    ("average ticket", lambda: kpi.AverageTicketAccumulator(by="owner_id"), deal_lists()),
    (
        "bookings by week",
        lambda: kpi.BookingsAccumulator(period="week", tz="recorded"),
        deal_lists(),
    ),
    (
        "sales cycle",
        lambda: kpi.SalesCycleAccumulator(by="owner_id", outcome="closed"),
        deal_lists(),
    ),
    (
        "sales cycle in business days",
        lambda: kpi.SalesCycleAccumulator(
            business_days=True, tz=PARIS, holidays=[date(2030, 1, 1)]
        ),
        deal_lists(),
    ),
    (
        "time in stage",
        lambda: kpi.TimeInStageAccumulator(as_of=datetime(2200, 1, 1, tzinfo=UTC)),
        journey_deals(),
    ),
    ("funnel", lambda: kpi.FunnelAccumulator(by="owner_id"), journey_deals()),
    (
        "strict lead funnel",
        lambda: kpi.FunnelAccumulator(
            pipeline=LEAD_LIFECYCLE,
            stages=["suspect", "contacted", "mql", "sql", "converted"],
            mode="strict",
        ),
        journey_leads(),
    ),
    ("pipeline value", lambda: kpi.PipelineValueAccumulator(by="currency"), journey_deals()),
    (
        "weighted pipeline",
        lambda: kpi.WeightedPipelineAccumulator(by="currency"),
        journey_deals(),
    ),
    ("forecast", lambda: kpi.ForecastAccumulator(by="currency"), journey_deals()),
    (
        "coverage",
        lambda: kpi.PipelineCoverageAccumulator(
            TARGET, weighted=True, rates=RateTable.from_base("EUR", {"USD": "1.25"})
        ),
        st.lists(sms.histories(DEFAULT_PIPELINE).map(lambda j: j.end), max_size=6).map(
            lambda ds: [d for d in ds if d.amount is None or d.amount.currency in ("EUR", "USD")]
        ),
    ),
    (
        "velocity",
        lambda: kpi.SalesVelocityAccumulator(by=("owner_id", "currency")),
        journey_deals(),
    ),
    (
        "loss reasons by owner and month",
        lambda: kpi.LossReasonsAccumulator(by=("owner_id", "currency"), period="month", tz=UTC),
        journey_deals(),
    ),
    (
        "stale deals",
        lambda: kpi.StaleDealsAccumulator(as_of=datetime(2200, 1, 1, tzinfo=UTC)),
        journey_deals(),
    ),
    (
        "retention",
        lambda: kpi.RetentionAccumulator(
            start=datetime(2030, 1, 1, tzinfo=UTC), end=datetime(2031, 1, 1, tzinfo=UTC)
        ),
        st.lists(sms.customers(), max_size=12),
    ),
    (
        "churn by quarter",
        lambda: kpi.ChurnRateAccumulator(
            start=datetime(2030, 1, 1, tzinfo=UTC),
            end=datetime(2032, 1, 1, tzinfo=UTC),
            period="quarter",
            tz=UTC,
        ),
        st.lists(sms.customers(), max_size=12),
    ),
    (
        "cohort retention",
        lambda: kpi.CohortRetentionAccumulator(tz=UTC),
        purchases(),
    ),
    ("repeat purchases", lambda: kpi.RepeatPurchaseRateAccumulator(), purchases()),
    (
        "repeat purchase days",
        lambda: kpi.RepeatPurchaseRateAccumulator(unit="day", tz=PARIS),
        purchases(),
    ),
    (
        "customer summary",
        lambda: kpi.CustomerSummaryAccumulator(calibration_end=date(2026, 9, 30), tz=UTC),
        purchases(),
    ),
    ("attainment", lambda: kpi.AttainmentAccumulator(TARGET), mixed),
    (
        "leaderboard",
        lambda: kpi.LeaderboardAccumulator([TARGET, CALLS]),
        mixed,
    ),
    (
        "growth of bookings",
        lambda: kpi.GrowthAccumulator(kpi.BookingsAccumulator(period="month", tz=UTC)),
        deal_lists(),
    ),
    (
        "lead velocity rate",
        lambda: kpi.LeadVelocityRateAccumulator(tz=UTC, stage="contacted"),
        journey_leads(),
    ),
    (
        "activity volume",
        lambda: kpi.ActivityVolumeAccumulator(by="rep_id", period="month", tz=UTC),
        st.lists(sms.activities(), max_size=12),
    ),
]


@st.composite
def partitions(draw: st.DrawFn, items: list[Any]) -> list[list[Any]]:
    """*items* cut into consecutive parts (some may be empty)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(items)), max_size=4)))
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


@pytest.mark.parametrize(("name", "make", "records"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=40)
@given(data=st.data())
def test_any_partition_merged_in_any_order_gives_the_single_pass_result(
    name: str,
    make: Callable[[], Accumulator[Any]],
    records: st.SearchStrategy[list[Any]],
    data: st.DataObject,
) -> None:
    items = data.draw(records)
    expected = make().add_many(iter(items)).result()
    parts = [make().add_many(part) for part in data.draw(partitions(items))]
    # merge in a random tree: any order, any grouping
    while len(parts) > 1:
        i = data.draw(st.integers(0, len(parts) - 1))
        left = parts.pop(i)
        j = data.draw(st.integers(0, len(parts) - 1))
        right = parts.pop(j)
        parts.append(left.merge(right))
    merged = pickle.loads(pickle.dumps(parts[0]))
    assert merged.result() == expected


@pytest.mark.parametrize(("name", "make", "records"), CASES[2:5], ids=[c[0] for c in CASES[2:5]])
@settings(max_examples=30)
@given(data=st.data())
def test_adding_one_record_at_a_time_equals_adding_them_all(
    name: str,
    make: Callable[[], Accumulator[Any]],
    records: st.SearchStrategy[list[Any]],
    data: st.DataObject,
) -> None:
    items = data.draw(records)
    one_by_one = make()
    for item in items:
        one_by_one.add(item)
    assert one_by_one.result() == make().add_many(items).result()


def test_merging_accumulators_with_different_options_is_refused() -> None:
    with pytest.raises(ValidationError, match="same options"):
        kpi.WinRateAccumulator(by="owner_id").merge(kpi.WinRateAccumulator(by="source"))
    with pytest.raises(ValidationError, match="WinRateAccumulator"):
        kpi.WinRateAccumulator().merge(kpi.AverageTicketAccumulator())  # type: ignore[arg-type]


def test_merging_leaves_both_inputs_unchanged() -> None:
    deal = Deal(
        id="1",
        name="x",
        amount=Money(1, "EUR"),
        created_at=T0,
        stage="won",
        status="won",
        closed_at=T0,
    )
    left = kpi.WinRateAccumulator().add_many([deal])
    right = kpi.WinRateAccumulator()
    merged = left.merge(right)
    merged.add(deal)
    assert left.result() == kpi.Ratio(1, 1)
    assert right.result() == kpi.Ratio(0, 0)
    assert merged.result() == kpi.Ratio(2, 2)
