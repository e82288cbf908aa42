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
    CurrencyMismatchError,
    Deal,
    Issue,
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
from salesmodel.kpi import Average, DurationSummary, Ratio, Total
from support import Row, issues_of

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
        {
            "category": "pipeline",
            "amount": Decimal(100),
            "currency": "EUR",
            "count": 1,
            "unknown": 0,
        },
        {
            "category": "best_case",
            "amount": Decimal(50),
            "currency": "EUR",
            "count": 1,
            "unknown": 0,
        },
        {"category": "closed", "amount": Decimal(300), "currency": "EUR", "count": 1, "unknown": 0},
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


def test_coverage_of_a_target_counts_a_won_deal_of_unknown_value_as_unknown() -> None:
    book = [
        deal("open", "1000", owner_id="ana"),
        won("known", "500", owner_id="ana"),
        attrs.evolve(won("unknown", "1", owner_id="ana"), amount=None),
    ]
    coverage = kpi.pipeline_coverage(book, revenue_target(2000, rep_id="ana"))
    assert coverage == Ratio(Money(1000, "EUR"), Money(1500, "EUR"), unknown=1)


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


def test_coverage_of_a_target_checks_the_expected_close_of_other_records() -> None:
    # Bug fixed: a row without expected_close raised AttributeError.
    fields = {"status": Status.OPEN, "created_at": day(0), "closed_at": None, "stage": "closing"}
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


def test_coverage_checks_closed_deals_against_their_pipeline_too() -> None:
    # a won deal at a stage its pipeline lacks: bad for pipeline_value, so for coverage
    odd = attrs.evolve(won("odd", "50"), stage="signed")
    book = [deal("a", "200", "qualification"), odd]
    coverage = kpi.pipeline_coverage(book, Money(100, "EUR"), strict=False)
    assert coverage == Ratio(Money("200", "EUR"), Money(100, "EUR"))
    assert [(s.id, s.field) for s in coverage.skipped] == [("odd", "stage")]
    assert coverage.skipped == kpi.pipeline_value(book, currency="EUR", strict=False).skipped
    with pytest.raises(ValidationError, match="'stage' must be"):
        kpi.pipeline_coverage(book, Money(100, "EUR"))


def test_a_won_deal_that_breaks_its_pipeline_counts_toward_no_target() -> None:
    good = won("good", "300", closed=5)
    odd = attrs.evolve(won("odd", "500", closed=5), stage="signed")
    coverage = kpi.pipeline_coverage([good, odd], revenue_target(), strict=False)
    assert [(s.id, s.field) for s in coverage.skipped] == [("odd", "stage")]
    assert coverage.denominator == Money(700, "EUR")  # 1000 - 300: the odd deal is out


def test_a_target_checks_every_deal_against_its_pipeline_not_only_those_it_counts() -> None:
    # a lost deal outside the target's period, at a stage its pipeline lacks: it
    # counts toward nothing, but it is a bad record all the same (as with a Money goal)
    odd = Deal(
        id="odd",
        name="odd",
        amount=Money(500, "EUR"),
        created_at=day(-500),
        stage="signed",
        status="lost",
        closed_at=day(-400),
        loss_reason="price",
    )
    coverage = kpi.pipeline_coverage(
        [won("good", "300", closed=5), odd], revenue_target(), strict=False
    )
    assert [(s.id, s.field) for s in coverage.skipped] == [("odd", "stage")]
    assert coverage.denominator == Money(700, "EUR")
    with pytest.raises(ValidationError, match="'stage' must be"):
        kpi.pipeline_coverage([odd], revenue_target())


def test_coverage_takes_columns_only_with_a_frame() -> None:
    with pytest.raises(ValidationError, match="columns"):
        kpi.pipeline_coverage([], Money(1, "EUR"), columns={"id": "deal"})


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


# --- exact figures, errors, defaults and merging (mutation testing) --------------------------

RATES = RateTable({("USD", "EUR"): "0.5"})


def usd(did: str, amount: str = "100", *stages: str, **kw: Any) -> Deal:
    return attrs.evolve(deal(did, "1", *stages, **kw), amount=Money(amount, "USD"))


def refusal(first: Any, second: Any) -> str:
    """What merge says when the options differ."""
    with pytest.raises(ValidationError) as caught:
        first.merge(second)
    (issue,) = caught.value.issues
    assert (issue.path, issue.value) == ("other", second)
    return issue.expected


def open_row(rid: str, amount: Any = None, **fields: Any) -> Row:
    base = {"status": Status.OPEN, "created_at": day(0), "closed_at": None}
    return Row(id=rid, amount=Money(10, "EUR") if amount is None else amount, **{**base, **fields})


def test_pipeline_value_groups_converts_and_is_strict_by_default() -> None:
    book = [deal("a", "100", owner_id="ana"), deal("b", "50", owner_id="bo"), usd("c", "40")]
    grouped = kpi.pipeline_value(book[:2], by="owner_id")
    assert dict(grouped) == {"ana": Total(Money(100, "EUR"), 1), "bo": Total(Money(50, "EUR"), 1)}
    assert kpi.pipeline_value(book, currency="EUR", rates=RATES) == Total(Money(170, "EUR"), 3)
    bad = open_row("x", amount=3)
    assert issues_of(lambda: kpi.pipeline_value([bad])) == (
        Issue("amount", 3, "a non-negative Money, or None when not known"),
    )
    with pytest.raises(ValidationError):
        kpi.PipelineValueAccumulator().add(bad)
    kept = kpi.pipeline_value([bad, book[0]], strict=False)
    assert kept == Total(Money(100, "EUR"), 1)
    assert [(s.id, s.field) for s in kept.skipped] == [("x", "amount")]


def test_pipeline_value_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {"by": "owner_id", "currency": "EUR", "rates": RATES, "strict": False}
    first = kpi.PipelineValueAccumulator(**options).add_many([deal("a", "100", owner_id="ana")])
    second = kpi.PipelineValueAccumulator(**options).add_many([usd("b", "40", owner_id="ana")])
    merged = first.merge(second)
    merged.add(open_row("x", amount=3, owner_id="bo"))
    merged.add(usd("c", "20", owner_id="bo"))
    result = merged.result()
    assert dict(result) == {"ana": Total(Money(120, "EUR"), 2), "bo": Total(Money(10, "EUR"), 1)}
    assert [s.id for s in result.skipped] == ["x"]
    assert refusal(first, kpi.PipelineValueAccumulator()) == (
        "a PipelineValueAccumulator with the same options (by='owner_id', currency='EUR', "
        f"pipelines={DEFAULT_PIPELINE!r}, rates={RATES!r}, strict=False, tz=None)"
    )


def test_weighted_pipeline_weighs_each_open_deal_by_its_stage() -> None:
    book = [
        deal("a", "100"),  # prospecting, 5 %
        deal("b", "200", "qualification"),  # 10 %
        deal("c", "300", "qualification"),
        won("w", "1000"),  # not open: out
        deal("l", "500", "lost"),
    ]
    assert kpi.weighted_pipeline(book) == Total(Money("55.00", "EUR"), 3)
    assert kpi.weighted_pipeline([]) == Total(None, 0)
    assert kpi.weighted_pipeline([], currency="USD") == Total(Money(0, "USD"), 0)
    mixed = [*book, usd("u", "100", "qualification")]
    assert kpi.weighted_pipeline(mixed, currency="EUR", rates=RATES) == Total(
        Money("60.00", "EUR"), 4
    )
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.weighted_pipeline(mixed)
    assert str(caught.value).startswith("weighted pipeline mixes amounts in EUR, USD: ")
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.weighted_pipeline([attrs.evolve(d, owner_id="ana") for d in mixed], by="owner_id")
    assert str(caught.value).startswith("weighted pipeline of 'ana' mixes amounts in EUR, USD: ")
    grouped = kpi.weighted_pipeline(
        [attrs.evolve(book[0], owner_id="ana"), attrs.evolve(book[1], owner_id="bo")],
        by="owner_id",
    )
    assert dict(grouped) == {
        "ana": Total(Money("5.00", "EUR"), 1),
        "bo": Total(Money("20.00", "EUR"), 1),
    }


def test_weighted_pipeline_is_exact_beyond_28_digits() -> None:
    big = "123456789012345678901234567.89"
    assert kpi.weighted_pipeline([deal("a", big)]) == Total(
        Money("6172839450617283945061728.3945", "EUR"), 1
    )


def test_weighted_pipeline_checks_pipelines_and_other_records() -> None:
    renewals = Pipeline(
        "renewals",
        [
            Stage("draft", "Draft", "0.5"),
            Stage("signed", "Signed", 1, Status.WON),
            Stage("gone", "Gone", 0, Status.LOST),
        ],
    )
    elsewhere = attrs.evolve(deal("r", "100"), pipeline_id="renewals", stage="draft")
    assert kpi.weighted_pipeline([elsewhere], pipelines=renewals) == Total(Money("50.0", "EUR"), 1)
    assert issues_of(lambda: kpi.weighted_pipeline([elsewhere])) == (
        Issue("pipeline_id", "renewals", "one of the pipelines given ('default')"),
    )
    with pytest.raises(ValidationError):
        kpi.WeightedPipelineAccumulator().add(elsewhere)
    # rows without a pipeline_id take the only pipeline given; a row without a
    # stage is a bad record
    staged = open_row("s", stage="qualification")
    unstaged = open_row("n")
    weighted = kpi.weighted_pipeline([staged, unstaged], strict=False)
    assert weighted == Total(Money("1.00", "EUR"), 1)
    assert [(s.id, s.field) for s in weighted.skipped] == [("n", "stage")]
    assert issues_of(lambda: kpi.weighted_pipeline([open_row("x", amount=3, stage="closing")])) == (
        Issue("amount", 3, "a non-negative Money, or None when not known"),
    )


def test_weighted_pipeline_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {"by": "owner_id", "currency": "EUR", "rates": RATES, "strict": False}
    first = kpi.WeightedPipelineAccumulator(**options).add_many([deal("a", "100", owner_id="ana")])
    second = kpi.WeightedPipelineAccumulator(**options).add_many([usd("b", "40", owner_id="ana")])
    merged = first.merge(second)
    merged.add(attrs.evolve(deal("odd", owner_id="bo"), stage="negotiation"))
    result = merged.result()
    assert dict(result) == {"ana": Total(Money("6.00", "EUR"), 2)}
    assert [s.id for s in result.skipped] == ["odd"]
    assert refusal(first, kpi.WeightedPipelineAccumulator()) == (
        "a WeightedPipelineAccumulator with the same options (by='owner_id', currency='EUR', "
        f"pipelines={P!r}, rates={RATES!r}, strict=False, tz=None)"
    )


def test_a_forecast_orders_categories_by_stage_and_adds_up_each() -> None:
    book = [
        won("w", "300"),
        deal("b", "50", "qualification", "research", "demonstration"),
        deal("a", "100"),
        deal("q", "20", "qualification"),
    ]
    forecast = kpi.forecast(book)
    assert forecast.categories == (
        ("pipeline", Total(Money(120, "EUR"), 2)),
        ("best_case", Total(Money(50, "EUR"), 1)),
        ("closed", Total(Money(300, "EUR"), 1)),
    )
    with pytest.raises(KeyError) as caught:
        forecast["commit"]
    assert caught.value.args == ("commit",)
    empty = kpi.forecast([])
    assert empty == kpi.Forecast(())
    assert empty.categories == ()
    big = "123456789012345678901234567.89"
    # two stages of one category, added exactly
    assert kpi.forecast([deal("x", big), deal("y", "0.02", "qualification")])["pipeline"] == Total(
        Money("123456789012345678901234567.91", "EUR"), 2
    )


def test_a_forecast_converts_names_mixed_categories_and_is_strict_by_default() -> None:
    book = [deal("a", "100", owner_id="ana"), usd("u", "100", owner_id="ana")]
    assert kpi.forecast(book, currency="EUR", rates=RATES)["pipeline"] == Total(
        Money(150, "EUR"), 2
    )
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.forecast(book)
    assert str(caught.value).startswith("forecast category 'pipeline' mixes amounts in EUR, USD")
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.forecast(book, by="owner_id")
    assert str(caught.value).startswith(
        "forecast category 'pipeline' of 'ana' mixes amounts in EUR, USD"
    )
    odd = attrs.evolve(deal("odd"), stage="negotiation")
    with pytest.raises(ValidationError):
        kpi.forecast([odd])
    kept = kpi.forecast([odd, deal("a", "100")], strict=False)
    assert kept.categories == (("pipeline", Total(Money(100, "EUR"), 1)),)
    assert [(s.id, s.field) for s in kept.skipped] == [("odd", "stage")]
    patient = Pipeline(
        "patient",
        [
            Stage("open", "Open", "0.5", forecast_category="commit"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    waiting = attrs.evolve(deal("w"), pipeline_id="patient", stage="open")
    assert kpi.forecast([waiting], pipelines=patient).categories == (
        ("commit", Total(Money(100, "EUR"), 1)),
    )


def test_a_stage_without_a_forecast_category_counts_in_its_status_default() -> None:
    # stages of one's own name no category: a lost deal was counted with open ones
    plain = Pipeline(
        "plain",
        [Stage("a", "A", "0.5"), Stage("w", "W", 1, Status.WON), Stage("l", "L", 0, Status.LOST)],
    )
    opened = attrs.evolve(deal("o", "10"), pipeline_id="plain", stage="a")
    won_deal = plain.win(attrs.evolve(deal("w", "20"), pipeline_id="plain", stage="a"), at=day(1))
    lost_deal = plain.lose(
        attrs.evolve(deal("l", "40"), pipeline_id="plain", stage="a"), "price", at=day(1)
    )
    got = kpi.forecast([opened, won_deal, lost_deal], pipelines=plain)
    assert got.categories == (
        ("pipeline", Total(Money(10, "EUR"), 1)),
        ("closed", Total(Money(20, "EUR"), 1)),
        ("omitted", Total(Money(40, "EUR"), 1)),
    )
    assert got.total("pipeline", "closed") == Total(Money(30, "EUR"), 2)


def test_coverage_argument_errors_are_exact() -> None:
    calls = Target(id="c", metric=TargetMetric.CALLS, goal=10, start=T0, end=Q1_END)
    for goal in (1000, calls):
        assert issues_of(lambda g=goal: kpi.pipeline_coverage([], g)) == (
            Issue("goal", goal, "a Money or a revenue Target"),
        )
    assert issues_of(lambda: kpi.pipeline_coverage([], Money(1, "EUR"), weighted=1)) == (  # type: ignore[arg-type]
        Issue("weighted", 1, "True or False"),
    )
    assert issues_of(lambda: kpi.pipeline_coverage([], revenue_target(region="north"))) == (
        Issue(
            "reps", None, "a mapping of rep id to Rep, since the target names a team or a region"
        ),
    )
    assert issues_of(lambda: kpi.pipeline_coverage([open_row("x", amount=3)], Money(1, "EUR"))) == (
        Issue("amount", 3, "a non-negative Money, or None when not known"),
    )
    with pytest.raises(ValidationError):
        kpi.PipelineCoverageAccumulator(Money(1, "EUR")).add(open_row("x", amount=3))
    stamped = open_row("r", expected_close=day(5))
    assert issues_of(lambda: kpi.pipeline_coverage([stamped], revenue_target())) == (
        Issue("expected_close", day(5), "None or a date (not a datetime)"),
    )


def test_coverage_converts_with_rates() -> None:
    goal = Money(100, "EUR")
    assert kpi.pipeline_coverage([], goal) == Ratio(Money(0, "EUR"), goal)
    book = [deal("a", "100"), usd("u", "100", "qualification")]
    assert kpi.pipeline_coverage(book, goal, rates=RATES) == Ratio(Money(150, "EUR"), goal)
    assert kpi.pipeline_coverage(book, goal, weighted=True, rates=RATES) == Ratio(
        Money("10.00", "EUR"), goal
    )
    target = revenue_target(100)
    dollars = [attrs.evolve(won("w", "1"), amount=Money(60, "USD")), deal("a", "100")]
    assert kpi.pipeline_coverage(dollars, target, rates=RATES) == Ratio(
        Money(100, "EUR"), Money(70, "EUR")
    )
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.pipeline_coverage(dollars, target)
    assert str(caught.value).startswith("won revenue has amounts in USD, not only EUR")


def test_weighted_coverage_reads_the_pipelines_given() -> None:
    patient = Pipeline(
        "patient",
        [
            Stage("open", "Open", "0.5"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    waiting = attrs.evolve(deal("w"), pipeline_id="patient", stage="open")
    goal = Money(100, "EUR")
    assert kpi.pipeline_coverage([waiting], goal, weighted=True, pipelines=patient) == Ratio(
        Money("50.0", "EUR"), goal
    )


def test_coverage_of_a_target_at_the_edges_of_its_period_and_goal() -> None:
    on_start = deal("s", "40", expected_close=T0.date())
    won_at_start = attrs.evolve(won("w", "300"), closed_at=T0)
    assert kpi.pipeline_coverage([on_start, won_at_start], revenue_target()) == Ratio(
        Money(40, "EUR"), Money(700, "EUR")
    )
    # what is left: 0.50; never negative once the goal is passed
    half = kpi.pipeline_coverage([won("w", "999.50"), on_start], revenue_target())
    assert half == Ratio(Money(40, "EUR"), Money("0.50", "EUR"))
    passed = kpi.pipeline_coverage([won("w", "1200"), on_start], revenue_target())
    assert passed == Ratio(Money(40, "EUR"), Money(0, "EUR"))
    assert passed.denominator == Money(0, "EUR")
    # met to the cent: nothing is left, shown as 0
    met = kpi.pipeline_coverage([won("w", "1000.00"), on_start], revenue_target())
    assert repr(met) == "40 EUR/0 EUR (n/a)"


def test_coverage_of_a_target_sums_won_deals_exactly() -> None:
    big = "123456789012345678901234567.89"
    target = revenue_target(10**29)
    book = [won("w1", big), won("w2", "0.02")]
    left = Money(10**29, "EUR") - Money("123456789012345678901234567.91", "EUR")
    assert kpi.pipeline_coverage(book, target) == Ratio(Money(0, "EUR"), left)
    first = kpi.PipelineCoverageAccumulator(target).add_many(book[:1])
    second = kpi.PipelineCoverageAccumulator(target).add_many(book[1:])
    assert first.merge(second).result() == Ratio(Money(0, "EUR"), left)


def test_coverage_accumulators_merge_with_their_options() -> None:
    reps = {"ana": Rep(id="ana", name="Ana", team="south")}
    team = revenue_target(team="south")
    options: dict[str, Any] = {"weighted": True, "reps": reps, "rates": RATES, "strict": False}
    first = kpi.PipelineCoverageAccumulator(team, **options)
    first.add(deal("a", "100", "qualification", owner_id="ana"))
    second = kpi.PipelineCoverageAccumulator(team, **options)
    second.add(won("w", "500", owner_id="ana"))
    merged = first.merge(second)
    merged.add(attrs.evolve(deal("odd", owner_id="ana"), stage="negotiation"))
    result = merged.result()
    assert result == Ratio(Money("10.00", "EUR"), Money(500, "EUR"))
    assert [s.id for s in result.skipped] == ["odd"]
    assert refusal(first, kpi.PipelineCoverageAccumulator(team, reps=reps)) == (
        f"a PipelineCoverageAccumulator with the same options (goal={team!r}, "
        f"pipelines={P!r}, rates={RATES!r}, reps={reps!r}, strict=False, tz=None, weighted=True)"
    )


def test_velocity_reads_as_text_with_its_cycle() -> None:
    book = [deal("open", "100"), won("w", "200", closed=-6), deal("l", "50", "lost")]
    assert repr(kpi.sales_velocity(book)) == (
        "Velocity(25.00 EUR per day = 1 opportunities * 1/2 (50.0%) * 200.00 EUR / 4 days)"
    )


def test_velocity_of_an_instant_win_has_no_value() -> None:
    instant = attrs.evolve(won("w", "200"), closed_at=day(-10))
    velocity = kpi.sales_velocity([deal("open", "100"), instant])
    assert velocity.cycle.mean == timedelta(0)
    assert velocity.value is None


def test_velocity_is_rounded_to_the_cent_from_the_exact_day() -> None:
    # 1 open * 1/1 won * 1e9 / 1 day: exactly 1e9 a day
    big = [deal("open", "1"), won("w", "1000000000", closed=-9)]
    assert kpi.sales_velocity(big).value == Money("1000000000.00", "EUR")
    # 1 open * 1/1 won * 100 / 3 days = 33.33 (of 33.333...)
    third = [deal("open", "1"), won("w", "100", closed=-7)]
    assert kpi.sales_velocity(third).value == Money("33.33", "EUR")


def test_velocity_by_group_keeps_groups_with_any_input() -> None:
    book = [
        deal("a", "100", owner_id="ana"),  # open only
        deal("l", "50", "lost", owner_id="bo"),  # lost only
        won("w", "200", closed=-6, owner_id="cy"),  # won only
    ]
    grouped = kpi.sales_velocity(book, by="owner_id")
    nothing = DurationSummary.from_counts({})
    assert dict(grouped) == {
        "ana": kpi.Velocity(1, Ratio(0, 0), Average(None, 0), nothing, None),
        "bo": kpi.Velocity(0, Ratio(0, 1), Average(None, 0), nothing, None),
        "cy": kpi.Velocity(
            0,
            Ratio(1, 1),
            Average(Money(200, "EUR"), 1),
            DurationSummary.from_counts({4 * 86_400_000_000: 1}),
            Money("0.00", "EUR"),
        ),
    }
    assert kpi.sales_velocity([]) == kpi.Velocity(0, Ratio(0, 0), Average(None, 0), nothing, None)


def test_velocity_converts_every_input_and_is_strict_by_default() -> None:
    book = [
        deal("open", "100"),
        usd("o2", "100"),
        won("w", "200", closed=-6),
        attrs.evolve(won("w2", "1", closed=-6), amount=Money(400, "USD")),
    ]
    velocity = kpi.sales_velocity(book, currency="EUR", rates=RATES)
    assert velocity.average_deal == Average(Money(400, "EUR"), 2)
    assert velocity.value == Money("100.00", "EUR")  # 2 * 2/2 * 200 / 4 days
    # Opportunities are counted, not added: open deals in two currencies need no
    # rate; won amounts in two currencies do.
    assert kpi.sales_velocity(book[:2], currency="EUR").opportunities == 2
    with pytest.raises(CurrencyMismatchError):
        kpi.sales_velocity(book[2:], currency="EUR")
    bad = Row(id="x", status=Status.WON, created_at=day(0), closed_at=day(1), amount=3)
    with pytest.raises(ValidationError):
        kpi.sales_velocity([bad])
    with pytest.raises(ValidationError):
        kpi.SalesVelocityAccumulator().add(bad)


def test_velocity_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {"by": "owner_id", "currency": "EUR", "rates": RATES, "strict": False}
    first = kpi.SalesVelocityAccumulator(**options).add_many([deal("a", "100", owner_id="ana")])
    second = kpi.SalesVelocityAccumulator(**options).add_many(
        [attrs.evolve(won("w", "1", closed=-6, owner_id="ana"), amount=Money(400, "USD"))]
    )
    merged = first.merge(second)
    merged.add(Row(id="x", status=Status.WON, created_at=day(0), closed_at=day(1), amount=3))
    result = merged.result()
    assert result["ana"].value == Money("50.00", "EUR")
    assert [s.id for s in result.skipped] == ["x"]
    assert refusal(first, kpi.SalesVelocityAccumulator()) == (
        "a SalesVelocityAccumulator with the same options (by='owner_id', currency='EUR', "
        f"pipelines={DEFAULT_PIPELINE!r}, rates={RATES!r}, strict=False, tz=None)"
    )


def test_stale_deals_exact_errors_order_and_empty_result() -> None:
    naive = datetime(2026, 1, 1)
    assert issues_of(lambda: kpi.stale_deals([], as_of=naive)) == (
        Issue("as_of", naive, "a timezone-aware datetime"),
    )
    book = [deal("young", "10"), attrs.evolve(deal("old", "10"), created_at=day(-5))]
    stale = kpi.stale_deals(book, as_of=day(20))
    assert [(d.id, d.age) for d in stale.deals] == [
        ("old", timedelta(days=25)),
        ("young", timedelta(days=20)),
    ]
    empty = kpi.stale_deals([], as_of=day(1))
    assert (empty.deals, empty.open_deals) == ((), 0)
    five = kpi.stale_deals([deal(f"d{i}", "10") for i in range(5)], as_of=day(20))
    assert repr(five) == "StaleDeals(5/5 (100.0%): d0, d1, d2, d3, d4)"


def test_stale_deals_by_group_strict_by_default_and_of_other_records() -> None:
    book = [deal("a", "10", owner_id="ana"), deal("b", "10", owner_id="bo")]
    grouped = kpi.stale_deals(book, as_of=day(20), by="owner_id")
    assert {k: [d.id for d in v.deals] for k, v in grouped.items()} == {"ana": ["a"], "bo": ["b"]}
    odd = attrs.evolve(deal("odd"), stage="negotiation")
    with pytest.raises(ValidationError):
        kpi.stale_deals([odd], as_of=day(20))
    with pytest.raises(ValidationError):
        kpi.StaleDealsAccumulator(as_of=day(20)).add(odd)
    kept = kpi.stale_deals([odd, deal("a")], as_of=day(20), strict=False)
    assert [d.id for d in kept.deals] == ["a"]
    # a row with no owner_id is stale with owner None; a row without history is bad
    row = open_row("r", stage="prospecting", history=())
    assert kpi.stale_deals([row], as_of=day(20)).deals[0].owner_id is None
    assert issues_of(
        lambda: kpi.stale_deals([open_row("h", stage="prospecting")], as_of=day(1))
    ) == (Issue("history", None, "a tuple of StageChange"),)


def test_stale_deals_go_on_after_a_stage_that_never_rots() -> None:
    patient = Pipeline(
        "patient",
        [
            Stage("open", "Open", "0.5"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    waiting = attrs.evolve(deal("w"), pipeline_id="patient", stage="open")
    stale = kpi.stale_deals([waiting, deal("a")], as_of=day(20), pipelines=[P, patient])
    assert ([d.id for d in stale.deals], stale.open_deals) == (["a"], 2)


def test_stale_deal_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {"as_of": day(20), "by": "owner_id", "strict": False}
    first = kpi.StaleDealsAccumulator(**options).add_many([deal("a", owner_id="ana")])
    second = kpi.StaleDealsAccumulator(**options).add_many(
        [deal("b", owner_id="ana"), deal("c", owner_id="bo")]
    )
    merged = first.merge(second)
    merged.add(attrs.evolve(deal("odd", owner_id="bo"), stage="negotiation"))
    result = merged.result()
    assert {k: ([d.id for d in v.deals], v.open_deals) for k, v in result.items()} == {
        "ana": (["a", "b"], 2),
        "bo": (["c"], 1),
    }
    assert [s.id for s in result.skipped] == ["odd"]
    assert refusal(first, kpi.StaleDealsAccumulator(as_of=day(20))) == (
        f"a StaleDealsAccumulator with the same options (as_of={day(20)!r}, by='owner_id', "
        f"pipelines={P!r}, strict=False)"
    )
