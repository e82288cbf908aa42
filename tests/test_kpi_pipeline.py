"""Pipeline KPIs (salesmodel.kpi._pipeline): pipeline value, forecast, coverage
of a goal or a revenue target, sales velocity and stale deals; arguments,
scope, records of other types, and the results as records and text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    Deal,
    Money,
    Pipeline,
    Rep,
    Stage,
    Status,
    Target,
    TargetMetric,
    ValidationError,
    kpi,
)
from salesmodel.kpi import Ratio, Total

P = DEFAULT_PIPELINE
T0 = datetime(2026, 1, 1, tzinfo=UTC)
Q1_END = datetime(2026, 4, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(did: str, amount: str = "100", *stages: str, **kw: Any) -> Deal:
    d = Deal(id=did, name=did, amount=Money(amount, "EUR"), created_at=day(0), **kw)
    for i, stage in enumerate(stages):
        d = P.move(d, stage, at=day(i + 1), reason="price" if stage == "lost" else None)
    return d


def won(did: str, amount: str = "100", closed: float = 10, **kw: Any) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(amount, "EUR"),
        created_at=day(-10),
        stage="won",
        status="won",
        closed_at=day(closed),
        **kw,
    )


def revenue_target(goal: int = 1000, **scope: Any) -> Target:
    return Target(
        id="q1",
        metric=TargetMetric.REVENUE,
        goal=Money(goal, "EUR"),
        start=T0,
        end=Q1_END,
        **scope,
    )


# --- pipeline value and forecast -------------------------------------------------------------


def test_an_empty_pipeline_is_worth_zero_in_the_currency_asked_for() -> None:
    assert kpi.pipeline_value([], currency="USD") == Total(Money(0, "USD"), 0)
    assert kpi.pipeline_value([]) == Total(None, 0)


def test_a_forecast_lists_categories_in_stage_order_and_reads_as_text_and_records() -> None:
    book = [deal("a", "100"), deal("b", "50", "qualification", "research", "demonstration")]
    book.append(won("w", "300"))
    forecast = kpi.forecast(book)
    assert [name for name, _ in forecast.categories] == ["pipeline", "best_case", "closed"]
    assert forecast["best_case"] == Total(Money(50, "EUR"), 1)
    with pytest.raises(KeyError):
        forecast["commit"]
    assert forecast.total("pipeline", "best_case") == Total(Money(150, "EUR"), 2)
    assert forecast.total("commit") == Total(None, 0)
    assert forecast.to_records() == [
        {"category": "pipeline", "amount": Decimal(100), "currency": "EUR", "count": 1},
        {"category": "best_case", "amount": Decimal(50), "currency": "EUR", "count": 1},
        {"category": "closed", "amount": Decimal(300), "currency": "EUR", "count": 1},
    ]
    assert repr(forecast) == (
        "Forecast(pipeline: 100 EUR (1 record), best_case: 50 EUR (1 record),"
        " closed: 300 EUR (1 record))"
    )
    assert "<caption>Forecast</caption>" in forecast._repr_html_()
    by_owner = kpi.forecast([attrs.evolve(book[0], owner_id="ana")], by="owner_id")
    assert dict(by_owner)["ana"]["pipeline"] == Total(Money(100, "EUR"), 1)


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_goals_are_money_or_revenue_targets_and_weighted_is_a_bool() -> None:
    calls = Target(id="c", metric=TargetMetric.CALLS, goal=10, start=T0, end=Q1_END)
    for goal in (1000, calls):
        with pytest.raises(ValidationError) as caught:
            kpi.pipeline_coverage([], goal)  # type: ignore[arg-type]
        assert caught.value.field == "goal"
        assert "a Money or a revenue Target" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        kpi.pipeline_coverage([], Money(1, "EUR"), weighted=1)  # type: ignore[arg-type]
    assert caught.value.field == "weighted"


def test_coverage_of_a_team_target_needs_the_reps() -> None:
    # Bug fixed: without reps= every deal fell out of scope: 0 coverage, silently.
    book = [deal("a", "500", owner_id="ana")]
    team = revenue_target(team="south")
    with pytest.raises(ValidationError) as caught:
        kpi.pipeline_coverage(book, team)
    assert (caught.value.field, caught.value.value) == ("reps", None)
    reps = {"ana": Rep(id="ana", name="Ana", team="south")}
    assert kpi.pipeline_coverage(book, team, reps=reps) == Ratio(
        Money(500, "EUR"), Money(1000, "EUR")
    )


def test_coverage_of_a_target_counts_deals_in_its_scope_and_period() -> None:
    book = [
        deal("in", "400", owner_id="ana", expected_close=date(2026, 3, 31)),
        deal("late", "800", owner_id="ana", expected_close=date(2026, 4, 1)),
        deal("undated", "100", owner_id="ana"),
        deal("other rep", "900", owner_id="bo"),
        won("won in Q1", "300", owner_id="ana"),
        won("won before", "50", closed=-1, owner_id="ana"),
        attrs.evolve(won("won after", "70", owner_id="ana"), closed_at=Q1_END),
    ]
    coverage = kpi.pipeline_coverage(book, revenue_target(rep_id="ana"))
    assert coverage == Ratio(Money(500, "EUR"), Money(700, "EUR"))  # 1000 - 300 won
    met = kpi.pipeline_coverage(book, revenue_target(300, rep_id="ana"))
    assert met == Ratio(Money(500, "EUR"), Money(0, "EUR"))
    assert met.value is None


def test_coverage_partitions_merge_to_the_single_pass_figure() -> None:
    book = [deal("a", "400", owner_id="ana"), won("w", "300", owner_id="ana")]
    goal = revenue_target(rep_id="ana")
    left = kpi.PipelineCoverageAccumulator(goal).add_many(book[:1])
    right = kpi.PipelineCoverageAccumulator(goal).add_many(book[1:])
    assert left.merge(right).result() == kpi.pipeline_coverage(book, goal)
    weighted = kpi.PipelineCoverageAccumulator(goal, weighted=True)
    assert weighted.merge(kpi.PipelineCoverageAccumulator(goal, weighted=True)).result() == Ratio(
        Money(0, "EUR"), Money(1000, "EUR")
    )


class Row:
    """A deal from elsewhere (an ORM row)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def test_coverage_of_a_target_checks_the_expected_close_of_other_records() -> None:
    # Bug fixed: a row without expected_close raised AttributeError.
    fields = {"status": Status.OPEN, "created_at": day(0), "closed_at": None}
    bare = Row(id="r1", amount=Money(10, "EUR"), **fields)
    assert kpi.pipeline_coverage([bare], Money(100, "EUR")) == Ratio(
        Money(10, "EUR"), Money(100, "EUR")
    )  # a money goal reads no dates
    with pytest.raises(ValidationError) as caught:
        kpi.pipeline_coverage([bare], revenue_target())
    assert caught.value.field == "expected_close"
    assert "'r1'" in str(caught.value)
    stamped = Row(id="r2", amount=Money(10, "EUR"), expected_close=day(5), **fields)
    with pytest.raises(ValidationError) as caught:
        kpi.pipeline_coverage([stamped], revenue_target())
    assert (caught.value.field, caught.value.value) == ("expected_close", day(5))
    assert "None or a date (not a datetime)" in str(caught.value)
    dated = Row(id="r3", amount=Money(10, "EUR"), expected_close=date(2026, 2, 1), **fields)
    undated = Row(id="r4", amount=Money(5, "EUR"), expected_close=None, **fields)
    coverage = kpi.pipeline_coverage([dated, undated, bare], revenue_target(), strict=False)
    assert coverage == Ratio(Money(15, "EUR"), Money(1000, "EUR"))
    assert [(s.id, s.field) for s in coverage.skipped] == [("r1", "expected_close")]


def test_weighted_coverage_reports_deals_of_unknown_stages_as_skipped() -> None:
    odd = attrs.evolve(deal("odd", "100"), stage="negotiation")
    book = [deal("a", "200", "qualification"), odd]
    coverage = kpi.pipeline_coverage(book, Money(100, "EUR"), weighted=True, strict=False)
    assert coverage == Ratio(Money("20.00", "EUR"), Money(100, "EUR"))
    assert [(s.id, s.field) for s in coverage.skipped] == [("odd", "stage")]


# --- velocity ------------------------------------------------------------------------------------


def test_velocity_as_a_record_with_and_without_its_inputs() -> None:
    book = [deal("open", "100"), won("w", "200", closed=-6), deal("l", "50", "lost")]
    velocity = kpi.sales_velocity(book)
    assert velocity.to_record() == {
        "opportunities": 1,
        "win_rate": 0.5,
        "average_deal": Decimal("200.00"),
        "cycle_days": 4.0,
        "velocity_per_day": Decimal("25.00"),
        "currency": "EUR",
    }
    nothing = kpi.sales_velocity([deal("open", "100")])
    assert nothing.to_record() == {
        "opportunities": 1,
        "win_rate": None,
        "average_deal": None,
        "cycle_days": None,
        "velocity_per_day": None,
        "currency": None,
    }
    assert repr(nothing) == "Velocity(None per day = 1 opportunities * 0/0 (n/a) * None / n/a)"


def test_velocity_partitions_merge_and_bad_rows_are_skipped() -> None:
    book = [deal("open", "100"), won("w", "200", closed=4)]
    left = kpi.SalesVelocityAccumulator().add_many(book[:1])
    right = kpi.SalesVelocityAccumulator(strict=True).add_many(book[1:])
    assert left.merge(right).result() == kpi.sales_velocity(book)
    bad = Row(id="x", status=Status.WON, created_at=day(0), closed_at=day(1), amount=3)
    skipped = kpi.sales_velocity([*book, bad], strict=False)
    assert [(s.id, s.field) for s in skipped.skipped] == [("x", "amount")]


# --- stale deals --------------------------------------------------------------------------------


def test_stale_deals_as_records_text_and_html() -> None:
    book = [deal(f"d{i}", "10", owner_id="ana") for i in range(6)]
    book.append(deal("fresh", "10", "qualification"))
    stale = kpi.stale_deals(book, as_of=day(15))  # fresh: 14 days in qualification
    assert len(stale) == 6
    assert stale.ratio == Ratio(6, 7)
    assert repr(stale) == "StaleDeals(6/7 (85.7%): d0, d1, d2, d3, d4, ...)"
    assert stale.to_record() == {"stale": 6, "open": 7}
    assert stale.to_records()[0] == {
        "id": "d0",
        "owner_id": "ana",
        "stage": "prospecting",
        "entered_at": day(0),
        "age": timedelta(days=15),
        "rot_after": timedelta(days=14),
    }
    assert "<caption>Stale deals: 6/7 (85.7%)</caption>" in stale._repr_html_()
    few = kpi.stale_deals(book[:1], as_of=day(20))
    assert repr(few) == "StaleDeals(1/1 (100.0%): d0)"


def test_stale_deals_need_an_aware_as_of_and_skip_deals_of_unknown_stages() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.stale_deals([], as_of=datetime(2026, 1, 1))
    assert caught.value.field == "as_of"
    odd = attrs.evolve(deal("odd"), stage="negotiation")
    stale = kpi.stale_deals([deal("a"), odd], as_of=day(30), strict=False)
    assert [d.id for d in stale.deals] == ["a"]
    assert [(s.id, s.field) for s in stale.skipped] == [("odd", "stage")]


def test_stages_without_a_rot_limit_never_make_a_deal_stale() -> None:
    patient = Pipeline(
        "patient",
        [
            Stage("open", "Open", "0.5"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    waiting = attrs.evolve(deal("w"), pipeline_id="patient", stage="open")
    stale = kpi.stale_deals([waiting], as_of=day(3650), pipelines=patient)
    assert (stale.deals, stale.open_deals) == ((), 1)
