"""Every KPI against an independent brute-force oracle written here, on records
drawn by the shipped strategies (stage histories from ``histories``), for the
KPIs no real data set can check: time in stage, weighted pipeline, attainment,
activities per rep; and for the others too."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Activity,
    ActivityKind,
    Customer,
    Deal,
    Lead,
    Money,
    Status,
    Target,
    TargetMetric,
    kpi,
)
from salesmodel import strategies as sms

TZ = timezone(timedelta(hours=-3))
OWNERS = st.sampled_from(["ana", "bo", "cy"])
MICRO = timedelta(microseconds=1)
FAR = datetime(2200, 1, 1, tzinfo=UTC)


def owned(deals: st.SearchStrategy[Deal]) -> st.SearchStrategy[Deal]:
    return st.builds(lambda d, o: attrs.evolve(d, owner_id=o), deals, OWNERS)


JOURNEYS = st.lists(
    owned(sms.histories(DEFAULT_PIPELINE, max_moves=8).map(lambda j: j.end)), max_size=8
)
# Entity and history strategies are costly to draw: fewer, richer examples.
HISTORY = settings(max_examples=50)
DEALS = st.lists(owned(sms.deals(currency="EUR", max_moves=3)), max_size=15)


# --- independent statistics -------------------------------------------------------------


def summary(durations: list[timedelta]) -> tuple[Any, ...]:
    """count, mean, median, p90, min, max, from the statistics module on exact
    Fractions of microseconds (type 7 = 'inclusive' quantiles)."""
    if not durations:
        return (0, None, None, None, None, None)
    xs = sorted(Fraction(d // MICRO) for d in durations)

    def back(x: Fraction) -> timedelta:
        return timedelta(microseconds=round(x))

    p90 = xs[0] if len(xs) == 1 else statistics.quantiles(xs, n=10, method="inclusive")[8]
    return (
        len(xs),
        back(statistics.mean(xs)),
        back(statistics.median(xs)),
        back(p90),
        back(xs[0]),
        back(xs[-1]),
    )


def as_tuple(s: kpi.DurationSummary) -> tuple[Any, ...]:
    return (s.count, s.mean, s.median, s.p90, s.min, s.max)


# --- time in stage ----------------------------------------------------------------------


@HISTORY
@given(JOURNEYS, st.booleans())
def test_time_in_stage_is_every_visit_of_every_stage(deals: list[Deal], with_as_of: bool) -> None:
    as_of = FAR if with_as_of else None
    visits: dict[str, list[timedelta]] = defaultdict(list)
    for deal in deals:
        stage, entered = (
            (deal.history[0].from_stage if deal.history else deal.stage),
            deal.created_at,
        )
        for change in deal.history:
            visits[stage].append(change.at - entered)
            stage, entered = change.to_stage, change.at
        if as_of is not None and deal.status is Status.OPEN:
            visits[stage].append(as_of - entered)
    result = kpi.time_in_stage(deals, as_of=as_of, pipelines=DEFAULT_PIPELINE)
    assert {stage: as_tuple(s) for stage, s in result.items()} == {
        stage: summary(ds) for stage, ds in visits.items()
    }


# --- weighted pipeline, pipeline value, forecast ----------------------------------------


@HISTORY
@given(JOURNEYS)
def test_weighted_pipeline_is_the_sum_of_open_amounts_times_stage_probability(
    deals: list[Deal],
) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    for deal in deals:
        if deal.status is Status.OPEN:
            probability = {s.id: s.probability for s in DEFAULT_PIPELINE.stages}[deal.stage]
            expected[deal.amount.currency] += deal.amount.amount * probability
            counts[deal.amount.currency] += 1
    result = kpi.weighted_pipeline(deals, by="currency")
    assert {c: (t.amount, t.count) for c, t in result.items()} == {
        c: (Money(v, c), counts[c]) for c, v in expected.items()
    }


@HISTORY
@given(JOURNEYS)
def test_pipeline_value_and_forecast_add_up_current_amounts(deals: list[Deal]) -> None:
    open_value: dict[str, Decimal] = defaultdict(Decimal)
    categories: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for deal in deals:
        code = deal.amount.currency
        if deal.status is Status.OPEN:
            open_value[code] += deal.amount.amount
        category = {s.id: s.forecast_category for s in DEFAULT_PIPELINE.stages}[deal.stage]
        categories[(code, category)] += deal.amount.amount
    values = kpi.pipeline_value(deals, by="currency")
    assert {c: t.amount for c, t in values.items()} == {
        c: Money(v, c) for c, v in open_value.items()
    }
    forecasts = kpi.forecast(deals, by="currency")
    got = {
        (code, name): total.amount.amount
        for code, f in forecasts.items()
        for name, total in f.categories
        if total.amount is not None
    }
    assert got == dict(categories)


# --- attainment and leaderboard ---------------------------------------------------------

WINDOW = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2060, 1, 1, tzinfo=UTC))
RECORDS = st.lists(
    st.one_of(
        owned(sms.deals(currency="EUR", max_moves=2)),
        st.builds(lambda a, o: attrs.evolve(a, rep_id=o), sms.activities(), OWNERS),
        sms.customers(),
        st.builds(lambda lead, o: attrs.evolve(lead, owner_id=o), sms.leads(), OWNERS),
    ),
    max_size=20,
)


def brute_attainment(records: list[Any], target: Target) -> Money | int:
    start, end = target.start, target.end
    metric = target.metric
    total = Decimal(0)
    n = 0
    for r in records:
        rep = getattr(r, "owner_id", None) if not isinstance(r, Activity) else r.rep_id
        if isinstance(r, Customer):
            rep = r.attributes.get("owner_id")
        if target.rep_id is not None and rep != target.rep_id:
            continue
        if metric in (TargetMetric.REVENUE, TargetMetric.DEALS_WON):
            if isinstance(r, Deal) and r.status is Status.WON and start <= r.closed_at < end:
                n += 1
                total += r.amount.amount
        elif metric is TargetMetric.NEW_CUSTOMERS:
            n += isinstance(r, Customer) and start <= r.acquired_at < end
        elif metric in (TargetMetric.ACTIVITIES, TargetMetric.CALLS, TargetMetric.MEETINGS):
            kinds = {
                TargetMetric.CALLS: {ActivityKind.CALL},
                TargetMetric.MEETINGS: {ActivityKind.MEETING},
            }.get(metric, set(ActivityKind))
            n += isinstance(r, Activity) and r.kind in kinds and start <= r.at < end
        elif metric is TargetMetric.LEADS:
            n += isinstance(r, Lead) and start <= r.created_at < end
    if metric is TargetMetric.REVENUE:
        return Money(total, "EUR")
    return n


@HISTORY
@given(
    RECORDS,
    st.sampled_from([m for m in TargetMetric if m is not TargetMetric.QUALIFIED_LEADS]),
    st.sampled_from([None, "ana", "bo"]),
)
def test_attainment_counts_what_its_metric_names_within_period_and_scope(
    records: list[Any], metric: TargetMetric, rep: str | None
) -> None:
    goal: Money | int = Money(1000, "EUR") if metric is TargetMetric.REVENUE else 7
    target = Target(id="T", metric=metric, goal=goal, start=WINDOW[0], end=WINDOW[1], rep_id=rep)
    actual = brute_attainment(records, target)
    result = kpi.attainment(records, target)
    assert result.actual == actual
    assert result.ratio == kpi.Ratio(actual, goal)


@HISTORY
@given(RECORDS)
def test_the_leaderboard_ranks_reps_by_attainment_best_first(records: list[Any]) -> None:
    targets = [
        Target(
            id=r, metric=TargetMetric.ACTIVITIES, goal=4, start=WINDOW[0], end=WINDOW[1], rep_id=r
        )
        for r in ("ana", "bo", "cy")
    ]
    scores = {t.rep_id: Fraction(brute_attainment(records, t), 4) for t in targets}  # type: ignore[arg-type]
    board = kpi.leaderboard(records, targets)
    assert [row.who for row in board.rows] == sorted(scores, key=lambda r: (-scores[r], r))
    for row in board.rows:
        assert row.rank == 1 + sum(1 for s in scores.values() if s > scores[row.who])


# --- activities per rep -----------------------------------------------------------------


@given(
    st.lists(
        st.builds(lambda a, o: attrs.evolve(a, rep_id=o), sms.activities(), OWNERS), max_size=25
    )
)
def test_activities_per_rep_per_month_are_counted_in_the_callers_zone(
    activities: list[Activity],
) -> None:
    calls = [a for a in activities if a.kind in (ActivityKind.CALL, ActivityKind.MEETING)]
    expected = Counter((a.rep_id, f"{a.at.astimezone(TZ):%Y-%m}") for a in calls)
    result = kpi.activity_volume(
        activities, by="rep_id", period="month", tz=TZ, kinds=["call", "meeting"]
    )
    assert {(k[0], str(k[1])): c.value for k, c in result.items()} == dict(expected)


# --- deal outcomes ----------------------------------------------------------------------


@HISTORY
@given(DEALS)
def test_win_rate_conversion_ticket_bookings_and_cycle_match_plain_loops(deals: list[Deal]) -> None:
    won = [d for d in deals if d.status is Status.WON]
    closed = [d for d in deals if d.status is not Status.OPEN]
    for owner in {d.owner_id for d in deals}:
        mine = [d for d in deals if d.owner_id == owner]
        my_won = [d for d in won if d.owner_id == owner]
        my_closed = [d for d in closed if d.owner_id == owner]
        assert kpi.conversion_rate(deals, by="owner_id")[owner] == kpi.Ratio(len(my_won), len(mine))
        if my_closed:
            assert kpi.win_rate(deals, by="owner_id")[owner] == kpi.Ratio(
                len(my_won), len(my_closed)
            )
            assert kpi.win_rate(deals, by="owner_id", by_value=True)[owner] == kpi.Ratio(
                Money(sum((d.amount.amount for d in my_won), Decimal(0)), "EUR"),
                Money(sum((d.amount.amount for d in my_closed), Decimal(0)), "EUR"),
            )
        if my_won:
            total = sum((d.amount.amount for d in my_won), Decimal(0))
            average = kpi.average_ticket(deals, by="owner_id")[owner]
            assert average.exact == Fraction(total) / len(my_won)
            assert kpi.bookings(deals, by="owner_id")[owner] == kpi.Total(
                Money(total, "EUR"), len(my_won)
            )
            cycle = kpi.sales_cycle(deals, by="owner_id")[owner]
            assert as_tuple(cycle) == summary([d.closed_at - d.created_at for d in my_won])  # type: ignore[operator]


@HISTORY
@given(DEALS)
def test_periods_are_read_in_the_callers_zone_on_the_anchor_date(deals: list[Deal]) -> None:
    closed = [d for d in deals if d.status is not Status.OPEN]
    quarters: Counter[str] = Counter()
    for d in closed:
        local = d.closed_at.astimezone(TZ)  # type: ignore[union-attr]
        quarters[f"{local.year}Q{(local.month - 1) // 3 + 1}"] += 1
    result = kpi.win_rate(deals, period="quarter", tz=TZ)
    assert {str(p): r.denominator for p, r in result.items()} == dict(quarters)
    created = Counter(f"{d.created_at.astimezone(TZ):%G-W%V}" for d in deals)
    weekly = kpi.conversion_rate(deals, period="week", tz=TZ)
    assert {str(p): r.denominator for p, r in weekly.items()} == dict(created)


@HISTORY
@given(DEALS, st.sets(st.dates(date(2000, 1, 1), date(2100, 1, 1)), max_size=30))
def test_business_days_count_weekdays_from_start_to_close_minus_holidays(
    deals: list[Deal], holidays: set[date]
) -> None:
    expected = []
    for d in deals:
        if d.status is not Status.WON:
            continue
        day, end = d.created_at.astimezone(TZ).date(), d.closed_at.astimezone(TZ).date()  # type: ignore[union-attr]
        n = 0
        while day < end:
            n += day.weekday() < 5 and day not in holidays
            day += timedelta(days=1)
        expected.append(timedelta(days=n))
    result = kpi.sales_cycle(deals, business_days=True, tz=TZ, holidays=holidays)
    assert as_tuple(result) == summary(expected)


# --- funnel -----------------------------------------------------------------------------

STEPS = [
    "prospecting",
    "qualification",
    "research",
    "demonstration",
    "objection_handling",
    "closing",
    "won",
]


@HISTORY
@given(JOURNEYS, st.sampled_from(["any", "strict"]))
def test_the_funnel_counts_reached_advanced_open_and_dropped_per_step(
    deals: list[Deal], mode: str
) -> None:
    rows = {s: Counter[str]() for s in STEPS}
    for d in deals:
        seen = {d.stage} | {c.from_stage for c in d.history} | {c.to_stage for c in d.history}
        idx = {STEPS.index(s) for s in seen if s in STEPS}
        if not idx:
            continue
        top = max(idx)
        reached = idx if mode == "strict" else set(range(top + 1))
        for i in reached:
            row = rows[STEPS[i]]
            row["reached"] += 1
            if STEPS[i] == "won":
                continue
            if i < top or d.status is Status.WON:
                row["advanced"] += 1
            elif d.status is Status.OPEN:
                row["open"] += 1
            else:
                row["dropped"] += 1
    result = kpi.funnel(deals, mode=mode)  # type: ignore[arg-type]
    first = rows["prospecting"]["reached"]
    for step in result.steps:
        row = rows[step.stage]
        assert (step.reached, step.advanced, step.still_open, step.dropped) == (
            row["reached"],
            row["advanced"],
            row["open"],
            row["dropped"],
        )
        assert step.cumulative == kpi.Ratio(row["reached"], first)
    rates = {s.stage: s.conversion.value for s in result.steps if s.reached and s.stage != "won"}
    if rates:
        worst = min(rates.values())  # type: ignore[type-var]
        assert result.bottleneck == next(s for s in STEPS if rates.get(s) == worst)
    else:
        assert result.bottleneck is None


# --- customers --------------------------------------------------------------------------


@given(st.lists(sms.customers(), max_size=20))
def test_retention_and_churn_follow_customers_active_at_start_and_end(
    customers: list[Customer],
) -> None:
    start, end = datetime(2040, 1, 1, tzinfo=UTC), datetime(2045, 6, 1, tzinfo=UTC)

    def active(c: Customer, t: datetime) -> bool:
        return c.acquired_at <= t and (c.churned_at is None or t < c.churned_at)

    at_start = [c for c in customers if active(c, start)]
    kept = [c for c in at_start if active(c, end)]
    assert kpi.retention_rate(customers, start=start, end=end) == kpi.Ratio(
        len(kept), len(at_start)
    )
    assert kpi.churn_rate(customers, start=start, end=end) == kpi.Ratio(
        len(at_start) - len(kept), len(at_start)
    )


PURCHASE = st.builds(
    lambda i, customer, minutes, cents: Deal(
        id=f"P{i}",
        name="purchase",
        amount=Money(Decimal(cents).scaleb(-2), "EUR"),
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        stage="won",
        status="won",
        closed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        customer_id=customer,
    ),
    st.integers(0, 10**6),
    st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
    st.integers(0, 400 * 24 * 60),
    st.integers(0, 9_999),
)


@given(st.lists(PURCHASE, max_size=25))
def test_cohort_retention_repeat_purchases_and_the_customer_summary(deals: list[Deal]) -> None:
    months: dict[str, set[tuple[int, int]]] = defaultdict(set)
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for d in deals:
        local = d.closed_at.astimezone(TZ)  # type: ignore[union-attr]
        months[d.customer_id].add((local.year, local.month))  # type: ignore[index]
        days[d.customer_id][local.date()] += d.amount.amount  # type: ignore[index]
    # cohort retention
    table = kpi.cohort_retention(deals, tz=TZ)
    if not deals:
        assert table.rows == ()
    else:
        last = max(m for ms in months.values() for m in ms)
        cohorts: dict[tuple[int, int], list[str]] = defaultdict(list)
        for c, ms in months.items():
            cohorts[min(ms)].append(c)

        def index(m: tuple[int, int]) -> int:
            return m[0] * 12 + m[1]

        assert [(r.cohort.year, r.cohort.number) for r in table.rows] == sorted(cohorts)
        for row in table.rows:
            members = cohorts[(row.cohort.year, row.cohort.number)]
            start = index((row.cohort.year, row.cohort.number))
            for k, cell in enumerate(row.cells):
                if start + k > index(last):
                    assert cell is None
                else:
                    active = sum(
                        1 for c in members if any(index(m) == start + k for m in months[c])
                    )
                    assert cell == kpi.Ratio(active, len(members))
    # repeat purchases
    per_customer = Counter(d.customer_id for d in deals)
    assert kpi.repeat_purchase_rate(deals) == kpi.Ratio(
        sum(1 for n in per_customer.values() if n > 1), len(per_customer)
    )
    assert kpi.repeat_purchase_rate(deals, unit="day", tz=TZ) == kpi.Ratio(
        sum(1 for ds in days.values() if len(ds) > 1), len(days)
    )
    # customer summary
    end = date(2026, 9, 30)
    summary_ = kpi.customer_summary(deals, calibration_end=end, tz=TZ, unit="days", places=3)
    expected = {}
    for c, spend in days.items():
        seen = sorted(d for d in spend if d <= end)
        if not seen:
            continue
        repeats = [spend[d] for d in seen[1:]]
        mean = sum(repeats, Decimal(0)) / len(repeats) if repeats else Decimal(0)
        expected[c] = (
            len(seen) - 1,
            Decimal((seen[-1] - seen[0]).days),
            Decimal((end - seen[0]).days),
            mean.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
        )
    got = {r.customer_id: (r.frequency, r.recency, r.T, r.monetary_value) for r in summary_.rows}
    assert got == expected


# --- leads ------------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    st.lists(
        sms.histories(LEAD_LIFECYCLE, kind=Lead, max_moves=6).map(lambda j: j.end), max_size=12
    )
)
def test_lead_velocity_rate_is_the_growth_of_leads_entering_the_stage(leads: list[Lead]) -> None:
    months: Counter[tuple[int, int]] = Counter()
    for lead in leads:
        times = [c.at for c in lead.history if c.to_stage == "contacted"]
        if times:
            local = times[0].astimezone(TZ)
            months[(local.year, local.month)] += 1
    result = kpi.lead_velocity_rate(leads, tz=TZ, stage="contacted")
    first = min(months) if months else None
    expected = {}
    for (y, m), n in months.items():
        if (y, m) == first:
            continue
        before = months.get((y - 1, 12) if m == 1 else (y, m - 1), 0)
        expected[f"{y}-{m:02d}"] = kpi.Ratio(n - before, before)
    assert {str(p): r for p, r in result.items()} == expected


# --- stale deals ------------------------------------------------------------------------


@HISTORY
@given(JOURNEYS, st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_stale_deals_sat_in_their_stage_longer_than_it_allows(
    deals: list[Deal], as_of: datetime
) -> None:
    rot = {s.id: s.rot_after for s in DEFAULT_PIPELINE.stages}
    expected = set()
    for d in deals:
        entered = d.history[-1].at if d.history else d.created_at
        limit = rot[d.stage]
        if d.status is Status.OPEN and limit is not None and as_of - entered > limit:
            expected.add(d.id)
    result = kpi.stale_deals(deals, as_of=as_of)
    ages = [s.age for s in result.deals]
    assert ages == sorted(ages, reverse=True)
    assert {s.id for s in result.deals} == expected
    assert result.open_deals == sum(1 for d in deals if d.status is Status.OPEN)
