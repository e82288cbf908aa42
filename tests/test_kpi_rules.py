"""The common rules every KPI follows: one pass over any iterable, by= and
period= with the caller's zone, typed results, currencies never mixed silently,
bad records named or skipped and reported, reopened deals read by current status
(current-state KPIs) or by every visit (history KPIs)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    Activity,
    ActivityKind,
    CurrencyMismatchError,
    Customer,
    Deal,
    Money,
    Pipeline,
    RateTable,
    Rep,
    Stage,
    Status,
    Target,
    TargetMetric,
    ValidationError,
    kpi,
)
from salesmodel.kpi import Period, Ratio

P = DEFAULT_PIPELINE
T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(deal_id: str, amount: str = "100", currency: str = "EUR", **changes: Any) -> Deal:
    return Deal(
        id=deal_id,
        name=f"deal {deal_id}",
        amount=Money(amount, currency),
        created_at=changes.pop("created_at", day(0)),
        **changes,
    )


def walk(d: Deal, *stages: str, start: float = 1) -> Deal:
    for i, stage in enumerate(stages):
        reason = "price" if stage == "lost" else None
        d = P.move(d, stage, at=day(start + i), reason=reason)
    return d


OPEN_STAGES = ["qualification", "research", "demonstration", "objection_handling", "closing"]


def won(deal_id: str, amount: str = "100", currency: str = "EUR", **changes: Any) -> Deal:
    return walk(deal(deal_id, amount, currency, **changes), *OPEN_STAGES, "won")


def lost(deal_id: str, amount: str = "100", currency: str = "EUR", **changes: Any) -> Deal:
    return walk(deal(deal_id, amount, currency, **changes), "qualification", "lost")


def closed(deal_id: str, created: datetime, at: datetime, status: str = "won") -> Deal:
    """A deal closed at *at*, without history (as an import gives it)."""
    return deal(
        deal_id,
        created_at=created,
        stage=status,
        status=status,
        closed_at=at,
        loss_reason="price" if status == "lost" else None,
    )


BOOK = [
    won("w1", "300", owner_id="ana"),
    won("w2", "100", owner_id="bo"),
    lost("l1", "200", owner_id="ana"),
    deal("o1", "50", owner_id="ana"),
]


# --- one pass ---------------------------------------------------------------------------


def test_a_generator_is_read_once_and_gives_the_list_result() -> None:
    reads = 0

    def stream() -> Iterator[Deal]:
        nonlocal reads
        reads += 1
        yield from BOOK

    assert kpi.win_rate(stream()) == kpi.win_rate(BOOK) == Ratio(2, 3)
    assert reads == 1
    results = kpi.collect(
        stream(),
        kpi.WinRateAccumulator(),
        kpi.BookingsAccumulator(),
        kpi.PipelineValueAccumulator(),
    )
    assert results == (
        Ratio(2, 3),
        kpi.Total(Money("400", "EUR"), 2),
        kpi.Total(Money("50", "EUR"), 1),
    )
    assert reads == 2


def test_records_must_come_as_an_iterable() -> None:
    with pytest.raises(ValidationError, match="records"):
        kpi.win_rate(BOOK[0])  # type: ignore[arg-type]


# --- by= and period= --------------------------------------------------------------------


def test_by_takes_an_attribute_a_tuple_of_attributes_or_a_callable() -> None:
    assert dict(kpi.win_rate(BOOK, by="owner_id")) == {"ana": Ratio(1, 2), "bo": Ratio(1, 1)}
    by_two = kpi.bookings(BOOK, by=("owner_id", "stage"))
    assert by_two.columns == ("owner_id", "stage")
    assert set(by_two) == {("ana", "won"), ("bo", "won")}

    def big(d: Deal) -> bool:
        return d.amount.amount >= 200

    assert kpi.win_rate(BOOK, by=big).columns == ("big",)
    assert dict(kpi.win_rate(BOOK, by=big)) == {True: Ratio(1, 2), False: Ratio(1, 1)}
    with pytest.raises(ValidationError, match="'by'"):
        kpi.win_rate(BOOK, by=3)  # type: ignore[call-overload]


def test_periods_need_a_zone_and_are_never_silently_utc() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.bookings(BOOK, period="month")
    assert caught.value.field == "tz"
    assert "never silently in UTC" in str(caught.value)
    late = closed("late", day(10), datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    # 23:30 UTC on 31 January is already February in Paris, still January in Sao Paulo
    paris = kpi.bookings([late], period="month", tz=ZoneInfo("Europe/Paris"))
    brazil = kpi.bookings([late], period="month", tz=ZoneInfo("America/Sao_Paulo"))
    assert list(map(str, paris)) == ["2026-02"]
    assert list(map(str, brazil)) == ["2026-01"]
    offset = attrs.evolve(
        late, closed_at=datetime(2026, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    )
    assert list(map(str, kpi.bookings([offset], period="month", tz="recorded"))) == ["2026-02"]


def test_outcome_kpis_read_the_close_date_and_conversion_the_creation_date() -> None:
    d = closed("x", datetime(2025, 12, 20, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC))
    assert list(map(str, kpi.win_rate([d], period="month", tz=UTC))) == ["2026-02"]
    assert list(map(str, kpi.win_rate([d], period="month", tz=UTC, anchor="created"))) == [
        "2025-12"
    ]
    assert list(map(str, kpi.conversion_rate([d], period="month", tz=UTC))) == ["2025-12"]
    with pytest.raises(ValidationError, match="anchor"):
        kpi.win_rate([d], period="month", tz=UTC, anchor="expected")  # type: ignore[call-overload]


def test_periods_name_themselves_as_pandas_does_and_step_through_years() -> None:
    assert str(Period.of(date(2017, 3, 31), "quarter")) == "2017Q1"
    assert str(Period.of(date(2021, 1, 3), "week")) == "2020-W53"
    assert Period.of(date(2020, 12, 28), "week").next() == Period.of(date(2021, 1, 4), "week")
    assert Period("month", 2017, 12).next() == Period("month", 2018, 1)
    assert Period("quarter", 2018, 1).previous() == Period("quarter", 2017, 4)
    assert Period("month", 2017, 11).offset(Period("month", 2018, 2)) == 3
    assert Period("month", 2017, 11).shift(3) == Period("month", 2018, 2)
    assert Period("month", 2017, 1) < Period("month", 2017, 2)
    assert Period("month", 2017, 2).start(UTC) == datetime(2017, 2, 1, tzinfo=UTC)


# --- typed results ----------------------------------------------------------------------


def test_a_ratio_keeps_its_denominator_and_is_none_for_zero_over_zero() -> None:
    assert repr(Ratio(12, 40)) == "12/40 (30.0%)"
    assert Ratio(12, 40).value == Fraction(3, 10)
    assert Ratio(0, 0).value is None
    assert repr(Ratio(0, 0)) == "0/0 (n/a)"
    assert Ratio(1, 3).percent == pytest.approx(33.333, abs=1e-3)
    money = Ratio(Money("300", "EUR"), Money("500", "EUR"))
    assert money.value == Fraction(3, 5)
    assert repr(money) == "300 EUR/500 EUR (60.0%)"
    assert money.to_record() == {
        "numerator": Decimal(300),
        "currency": "EUR",
        "denominator": Decimal(500),
        "rate": 0.6,
        "unknown": 0,
    }
    with pytest.raises(CurrencyMismatchError):
        _ = Ratio(Money(1, "EUR"), Money(2, "USD")).value


def test_duration_summaries_interpolate_like_numpy_and_round_to_the_microsecond() -> None:
    summary = kpi.DurationSummary.of([timedelta(days=d) for d in (1, 2, 3, 10)])
    assert summary.median == timedelta(days=2.5)
    assert summary.p90 == timedelta(days=7.9)
    assert summary.mean == timedelta(days=4)
    assert kpi.DurationSummary.of([timedelta(seconds=1)] * 2 + [timedelta(seconds=2)]).mean == (
        timedelta(microseconds=1_333_333)
    )
    empty = kpi.DurationSummary.of([])
    assert (empty.count, empty.mean, empty.median) == (0, None, None)


def test_money_results_are_exact_never_floats() -> None:
    amounts = ["0.10", "0.20", "0.30"]
    book = [won(str(i), a) for i, a in enumerate(amounts)]
    assert kpi.bookings(book).amount == Money("0.60", "EUR")
    average = kpi.average_ticket(book)
    assert average.value == Money("0.20", "EUR")
    assert type(average.total.amount) is Decimal  # type: ignore[union-attr]
    thirds = kpi.average_ticket([won("a", "1"), won("b", "0"), won("c", "0")])
    assert thirds.exact == Fraction(1, 3)
    assert thirds.value == Money("0.33", "EUR")
    assert thirds.rounded(4) == Money("0.3333", "EUR")


def test_empty_inputs_give_empty_results_not_errors() -> None:
    assert kpi.win_rate([]) == Ratio(0, 0)
    assert kpi.bookings([]) == kpi.Total(None, 0)
    assert kpi.bookings([], currency="EUR") == kpi.Total(Money(0, "EUR"), 0)
    assert kpi.average_ticket([]).value is None
    assert kpi.win_rate([], by="owner_id") == {}
    assert kpi.funnel([]).bottleneck is None
    assert kpi.cohort_retention([], tz=UTC).rows == ()


# --- currencies -------------------------------------------------------------------------

MIXED = [won("e", "100", "EUR"), won("u", "300", "USD"), lost("ul", "100", "USD")]
RATES = RateTable({("USD", "EUR"): "0.5"})


def test_mixed_currencies_raise_unless_by_currency_or_converted() -> None:
    with pytest.raises(CurrencyMismatchError, match="by='currency'"):
        kpi.bookings(MIXED)
    with pytest.raises(CurrencyMismatchError):
        kpi.win_rate(MIXED, by_value=True)
    assert dict(kpi.bookings(MIXED, by="currency")) == {
        "EUR": kpi.Total(Money("100", "EUR"), 1),
        "USD": kpi.Total(Money("300", "USD"), 1),
    }
    assert kpi.bookings(MIXED, currency="EUR", rates=RATES) == kpi.Total(Money("250.0", "EUR"), 2)
    assert kpi.win_rate(MIXED, by_value=True, currency="EUR", rates=RATES) == Ratio(
        Money("250", "EUR"), Money("300", "EUR")
    )
    assert kpi.win_rate(MIXED) == Ratio(2, 3)  # counts need no rate
    with pytest.raises(CurrencyMismatchError, match="USD"):
        kpi.bookings(MIXED, currency="EUR")
    with pytest.raises(ValidationError, match="currency"):
        kpi.bookings(MIXED, rates=RATES)


# --- bad records ------------------------------------------------------------------------


@attrs.define
class Row:
    """A record from somewhere else (an ORM row): not built by salesmodel."""

    id: str
    status: Status
    created_at: datetime
    closed_at: datetime | None
    amount: Money = attrs.field(factory=lambda: Money(1, "EUR"))
    owner_id: str | None = None
    pipeline_id: str = "default"
    stage: str = "won"
    history: tuple[Any, ...] = ()


def test_other_records_are_checked_and_a_bad_one_named_by_id_and_field() -> None:
    good = Row("r1", Status.WON, day(0), day(3))
    assert kpi.win_rate([*BOOK, good]) == Ratio(3, 4)
    closed_before = Row("r2", Status.WON, day(5), day(1))
    with pytest.raises(ValidationError) as caught:
        kpi.win_rate([*BOOK, closed_before])
    assert "'r2'" in str(caught.value)
    assert caught.value.field == "closed_at"
    no_close = Row("r3", Status.WON, day(0), None)
    with pytest.raises(ValidationError, match=r"'r3'.*closed_at"):
        kpi.sales_cycle([no_close])


def test_strict_false_skips_bad_records_and_reports_them() -> None:
    bad = [Row("r2", Status.WON, day(5), day(1)), Row("r3", Status.WON, day(0), None), "junk"]
    rate = kpi.win_rate([*BOOK, *bad], strict=False)
    assert rate == Ratio(2, 3)
    assert rate.skipped.count == 3
    assert [(s.id, s.field) for s in rate.skipped] == [
        ("r2", "closed_at"),
        ("r3", "closed_at"),
        (None, "status"),
    ]
    grouped = kpi.win_rate([*BOOK, *bad], by="owner_id", strict=False)
    assert len(grouped.skipped) == 3
    assert "Skipped(3:" in repr(grouped)


def test_deals_of_an_unknown_pipeline_or_stage_are_bad_records_for_stage_kpis() -> None:
    elsewhere = attrs.evolve(deal("x"), pipeline_id="renewals", stage="draft")
    with pytest.raises(ValidationError, match="pipeline_id"):
        kpi.weighted_pipeline([elsewhere])
    odd = attrs.evolve(deal("y"), stage="negotiation")
    result = kpi.weighted_pipeline([*BOOK, odd], strict=False)
    assert [(s.id, s.field) for s in result.skipped] == [("y", "stage")]
    assert result.amount == Money("2.50", "EUR")  # 50 in prospecting at 5 %
    with pytest.raises(ValidationError, match="pipeline_id"):
        kpi.funnel([elsewhere])
    renewals = Pipeline(
        "renewals",
        [
            Stage("draft", "Draft", "0.5"),
            Stage("signed", "Signed", 1, Status.WON),
            Stage("gone", "Gone", 0, Status.LOST),
        ],
    )
    both = kpi.weighted_pipeline([*BOOK, elsewhere], pipelines=[P, renewals])
    assert both.amount == Money("52.50", "EUR")


def test_a_cycle_that_ends_before_its_start_is_a_bad_record() -> None:
    first_contact = {"w1": day(30)}
    with pytest.raises(ValidationError, match="'w1'"):
        kpi.sales_cycle(BOOK, start=lambda d: first_contact.get(d.id, d.created_at))
    cycle = kpi.sales_cycle(
        BOOK, start=lambda d: first_contact.get(d.id, d.created_at), strict=False
    )
    assert cycle.count == 1
    assert cycle.skipped.records[0].id == "w1"


# --- reopened deals ---------------------------------------------------------------------


def test_reopened_deals_count_by_current_status_now_and_by_every_visit_in_history() -> None:
    again = P.reopen(lost("r", "80"), at=day(10))  # lost, then back in qualification
    assert again.status is Status.OPEN
    assert kpi.win_rate([again]) == Ratio(0, 0)  # open now: not closed
    assert kpi.pipeline_value([again]).amount == Money("80", "EUR")  # open now: in the pipeline
    stays = kpi.time_in_stage([again], as_of=day(12))
    assert stays["qualification"].count == 2  # two visits
    assert stays["lost"].count == 1  # the visit to lost ended at the reopen
    assert kpi.funnel([again])["qualification"].still_open == 1


# --- funnel modes and bottleneck --------------------------------------------------------


def test_any_stage_mode_fills_skipped_stages_and_strict_mode_does_not() -> None:
    skipper = Pipeline(
        "skip",
        [
            Stage("a", "A", "0.1"),
            Stage("b", "B", "0.5"),
            Stage("c", "C", "0.8"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
        allow_skip=True,
    )
    jumped = skipper.move(deal("j", pipeline_id="skip", stage="a"), "c", at=day(1))
    stuck = deal("s", pipeline_id="skip", stage="a")
    gone = skipper.lose(deal("g", pipeline_id="skip", stage="a"), "price", at=day(1))
    any_mode = kpi.funnel([jumped, stuck, gone], pipeline=skipper)
    strict = kpi.funnel([jumped, stuck, gone], pipeline=skipper, mode="strict")
    assert any_mode["b"].reached == 1
    assert strict["b"].reached == 0
    assert any_mode["a"] == kpi.FunnelStep("a", 3, 1, 1, 1, Ratio(1, 3), Ratio(3, 3), Ratio(1, 3))
    assert any_mode.bottleneck == "c"  # nothing past c yet: 0/1
    assert strict["c"].still_open == 1


# --- every KPI --------------------------------------------------------------------------


def test_targets_attainment_and_leaderboard() -> None:
    q1 = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    targets = [
        Target(
            id="ta",
            metric=TargetMetric.REVENUE,
            goal=Money(600, "EUR"),
            start=q1[0],
            end=q1[1],
            rep_id="ana",
        ),
        Target(
            id="tb",
            metric=TargetMetric.REVENUE,
            goal=Money(100, "EUR"),
            start=q1[0],
            end=q1[1],
            rep_id="bo",
        ),
    ]
    board = kpi.leaderboard(BOOK, targets)
    assert [(r.rank, r.who, r.attainment.ratio) for r in board.rows] == [
        (1, "bo", Ratio(Money(100, "EUR"), Money(100, "EUR"))),
        (2, "ana", Ratio(Money(300, "EUR"), Money(600, "EUR"))),
    ]
    reps = {
        "ana": Rep(id="ana", name="Ana", team="south"),
        "bo": Rep(id="bo", name="Bo", team="north"),
    }
    team = Target(
        id="south", metric=TargetMetric.DEALS_WON, goal=2, start=q1[0], end=q1[1], team="south"
    )
    assert kpi.attainment(BOOK, team, reps=reps).ratio == Ratio(1, 2)
    with pytest.raises(ValidationError, match="reps"):
        kpi.attainment(BOOK, team)
    calls = [Activity(id=str(i), kind=ActivityKind.CALL, at=day(i), rep_id="ana") for i in range(3)]
    meetings = Target(id="m", metric=TargetMetric.CALLS, goal=4, start=q1[0], end=q1[1])
    assert kpi.attainment([*calls, *BOOK], meetings).ratio == Ratio(3, 4)


def test_coverage_velocity_forecast_and_stale_deals() -> None:
    q1 = Target(
        id="q1",
        metric=TargetMetric.REVENUE,
        goal=Money(1000, "EUR"),
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 4, 1, tzinfo=UTC),
    )
    extra = walk(deal("big", "1200"), "qualification", "research")
    book = [*BOOK, extra]
    assert kpi.pipeline_coverage(book, Money(500, "EUR")) == Ratio(
        Money(1250, "EUR"), Money(500, "EUR")
    )
    assert kpi.pipeline_coverage(book, q1) == Ratio(Money(1250, "EUR"), Money(600, "EUR"))
    weighted = kpi.pipeline_coverage(book, q1, weighted=True)
    assert weighted.numerator == Money("242.50", "EUR")  # 1200 x 20 % + 50 x 5 %
    velocity = kpi.sales_velocity(book)
    assert (velocity.opportunities, velocity.win_rate) == (2, Ratio(2, 3))
    assert velocity.average_deal.value == Money(200, "EUR")
    assert velocity.cycle.mean == timedelta(days=6)
    assert velocity.value == Money("44.44", "EUR")  # 2 x 2/3 x 200 / 6
    forecast = kpi.forecast(book)
    assert [name for name, _ in forecast.categories] == ["pipeline", "closed", "omitted"]
    assert forecast["closed"].amount == Money(400, "EUR")
    assert forecast.total("pipeline", "closed").amount == Money(1650, "EUR")
    stale = kpi.stale_deals(book, as_of=day(20))
    assert [d.id for d in stale.deals] == ["o1"]  # 20 days in prospecting (rots after 14)
    assert stale.ratio == Ratio(1, 2)


def test_customers_retention_churn_and_repeat_purchases() -> None:
    customers = [
        Customer(id="a", name="A", acquired_at=datetime(2025, 6, 1, tzinfo=UTC)),
        Customer(
            id="b",
            name="B",
            acquired_at=datetime(2025, 6, 1, tzinfo=UTC),
            churned_at=datetime(2026, 2, 10, tzinfo=UTC),
        ),
        Customer(id="c", name="C", acquired_at=datetime(2026, 2, 15, tzinfo=UTC)),
    ]
    window = {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2026, 4, 1, tzinfo=UTC)}
    assert kpi.retention_rate(customers, **window) == Ratio(1, 2)
    assert kpi.churn_rate(customers, **window) == Ratio(1, 2)
    monthly = kpi.churn_rate(customers, **window, period="month", tz=UTC)
    assert {str(p): r for p, r in monthly.items()} == {
        "2026-01": Ratio(0, 2),
        "2026-02": Ratio(1, 2),
        "2026-03": Ratio(0, 2),
    }


def test_activity_volume_per_rep_and_month_and_kinds() -> None:
    acts = [
        Activity(id="1", kind=ActivityKind.CALL, at=day(0), rep_id="ana"),
        Activity(id="2", kind=ActivityKind.CALL, at=day(40), rep_id="ana"),
        Activity(id="3", kind=ActivityKind.EMAIL, at=day(1), rep_id="bo"),
    ]
    calls = kpi.activity_volume(acts, by="rep_id", period="month", tz=UTC, kinds=["call"])
    assert {(k[0], str(k[1])): c.value for k, c in calls.items()} == {
        ("ana", "2026-01"): 1,
        ("ana", "2026-02"): 1,
    }
    assert kpi.activity_volume(acts).value == 3
    with pytest.raises(ValidationError, match="kinds"):
        kpi.activity_volume(acts, kinds=["fax"])


def test_growth_needs_periods_and_treats_a_missing_period_as_zero() -> None:
    months = [
        closed(str(m), datetime(2026, m, 1, tzinfo=UTC), datetime(2026, m, 3, tzinfo=UTC))
        for m in (1, 2, 4)
    ]
    growth = kpi.growth(kpi.bookings(months, period="month", tz=UTC))
    assert {str(p): r.value for p, r in growth.items()} == {"2026-02": 0, "2026-04": None}
    with pytest.raises(ValidationError, match="period"):
        kpi.growth(kpi.bookings(months, by="owner_id"))
    with pytest.raises(ValidationError, match="period"):
        kpi.GrowthAccumulator(kpi.BookingsAccumulator())


# --- notebooks and pickling -------------------------------------------------------------


def test_every_result_turns_into_records_and_tables_into_html() -> None:
    grouped = kpi.win_rate(BOOK, by="owner_id", period="month", tz=UTC)
    assert grouped.to_records()[0] == {
        "owner_id": "ana",
        "period": "2026-01",
        "numerator": 1,
        "denominator": 2,
        "rate": 0.5,
    }
    assert grouped._repr_html_().startswith("<table>")
    funnel = kpi.funnel(BOOK)
    assert funnel.to_records()[0]["stage"] == "prospecting"
    assert "bottleneck" in funnel._repr_html_()
    table = kpi.cohort_retention([attrs.evolve(won("p"), customer_id="c1")], tz=UTC)
    assert "<table>" in table._repr_html_()
    for result in (grouped, funnel, table, kpi.sales_cycle(BOOK), kpi.average_ticket(BOOK)):
        assert pickle.loads(pickle.dumps(result)) == result
