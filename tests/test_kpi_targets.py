"""Target attainment and the leaderboard (salesmodel.kpi._targets): what each
metric counts, the scope of a target (rep, team, region, product, segment), mixed
record streams, records of other types, and the results as records and text."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from salesmodel import (
    LEAD_LIFECYCLE,
    Activity,
    ActivityKind,
    CurrencyMismatchError,
    Customer,
    Deal,
    Issue,
    Lead,
    Money,
    RateTable,
    Rep,
    Status,
    Target,
    TargetMetric,
    ValidationError,
    kpi,
)
from salesmodel.kpi import Ratio
from support import Row, issues_of

T0 = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def target(metric: TargetMetric, goal: Any, tid: str = "t", **scope: Any) -> Target:
    return Target(id=tid, metric=metric, goal=goal, start=T0, end=END, **scope)


def won(
    did: str, amount: str = "100", closed: float = 10, currency: str = "EUR", **kw: Any
) -> Deal:
    return Deal(
        id=did,
        name=did,
        amount=Money(amount, currency),
        created_at=day(-10),
        stage="won",
        status="won",
        closed_at=day(closed),
        **kw,
    )


def lead(lid: str, created: float = 1, **kw: Any) -> Lead:
    return Lead(id=lid, name=lid, created_at=day(created), source="web", **kw)


REPS = {
    "ana": Rep(id="ana", name="Ana", team="south", region="eu"),
    "bo": Rep(id="bo", name="Bo", team="south", region="us"),
    "cy": Rep(id="cy", name="Cy", team="north", region="eu"),
}


# --- what each metric counts ------------------------------------------------------------


def test_revenue_counts_deals_won_and_closed_within_the_period_in_the_goal_currency() -> None:
    deals = [
        won("a", "300", owner_id="ana"),
        won("b", "50", closed=-1, owner_id="ana"),  # closed before the period
        won("c", "70", closed=90, owner_id="ana"),  # closed at the end: excluded
        Deal(id="o", name="o", amount=Money(999, "EUR"), created_at=day(1), owner_id="ana"),
    ]
    result = kpi.attainment(deals, target(TargetMetric.REVENUE, Money(600, "EUR"), rep_id="ana"))
    assert result.actual == Money(300, "EUR")
    assert result.count == 1
    assert result.goal == Money(600, "EUR")
    assert result.value == Fraction(1, 2)
    assert result.ratio == Ratio(Money(300, "EUR"), Money(600, "EUR"))


def test_revenue_in_other_currencies_needs_rates_into_the_goal_currency() -> None:
    deals = [won("a", "100"), won("b", "100", currency="USD")]
    goal = target(TargetMetric.REVENUE, Money(400, "EUR"))
    with pytest.raises(CurrencyMismatchError):
        kpi.attainment(deals, goal)
    rates = RateTable({("USD", "EUR"): Decimal("0.9")})
    assert kpi.attainment(deals, goal, rates=rates).actual == Money("190.0", "EUR")


def test_count_metrics_count_their_own_kind_of_record_in_a_mixed_stream() -> None:
    stream: list[Any] = [
        won("w", owner_id="ana"),
        Customer(id="c1", name="C", acquired_at=day(5)),
        Customer(id="c2", name="C", acquired_at=day(-5)),
        Activity(id="a1", kind=ActivityKind.CALL, at=day(1), rep_id="ana"),
        Activity(id="a2", kind=ActivityKind.MEETING, at=day(2), rep_id="ana"),
        Activity(id="a3", kind=ActivityKind.MEETING, at=day(3), rep_id="bo"),
        Activity(id="a4", kind=ActivityKind.EMAIL, at=day(100), rep_id="ana"),
        lead("l1", owner_id="ana"),
        lead("l2", created=-3, owner_id="ana"),
    ]
    counted = {
        metric: kpi.attainment(stream, target(metric, 4)).count
        for metric in TargetMetric
        if metric is not TargetMetric.REVENUE
    }
    assert counted == {
        TargetMetric.DEALS_WON: 1,
        TargetMetric.NEW_CUSTOMERS: 1,
        TargetMetric.ACTIVITIES: 3,
        TargetMetric.CALLS: 1,
        TargetMetric.MEETINGS: 2,
        TargetMetric.LEADS: 1,
        TargetMetric.QUALIFIED_LEADS: 0,
    }
    meetings = kpi.attainment(stream, target(TargetMetric.MEETINGS, 4, rep_id="bo"))
    assert (meetings.actual, meetings.ratio) == (1, Ratio(1, 4))


def test_qualified_leads_entered_the_stage_within_the_period_by_history_or_creation() -> None:
    created_there = lead("born", stage="sql")
    moved = lead("moved")
    for stage in ("contacted", "mql", "sql"):
        moved = LEAD_LIFECYCLE.move(moved, stage, at=day(2))
    moved_late = lead("late")
    for i, stage in enumerate(("contacted", "mql", "sql")):
        moved_late = LEAD_LIFECYCLE.move(moved_late, stage, at=day(95 + i))
    stuck = LEAD_LIFECYCLE.move(lead("stuck"), "contacted", at=day(2))
    leads = [created_there, moved, moved_late, stuck]
    qualified = kpi.attainment(leads, target(TargetMetric.QUALIFIED_LEADS, 3))
    assert (qualified.count, qualified.ratio) == (2, Ratio(2, 3))
    mql = kpi.attainment(leads, target(TargetMetric.QUALIFIED_LEADS, 3), qualified_stage="mql")
    assert mql.count == 1
    scoped = target(TargetMetric.QUALIFIED_LEADS, 3, rep_id="ana")
    assert kpi.attainment(leads, scoped).count == 0


# --- scope ------------------------------------------------------------------------------


def test_team_and_region_targets_read_the_reps_and_skip_records_of_unknown_reps() -> None:
    deals = [
        won("a", owner_id="ana"),
        won("b", owner_id="bo"),
        won("c", owner_id="cy"),
        won("x", owner_id="stranger"),
        won("n"),  # no owner
    ]
    south_eu = target(TargetMetric.DEALS_WON, 2, team="south", region="eu")
    assert kpi.attainment(deals, south_eu, reps=REPS).count == 1
    eu = target(TargetMetric.DEALS_WON, 2, region="eu")
    assert kpi.attainment(deals, eu, reps=REPS).count == 2
    with pytest.raises(ValidationError) as caught:
        kpi.attainment(deals, eu)
    assert caught.value.field == "reps"
    assert "names a team or a region" in str(caught.value)


def test_product_and_segment_targets_read_the_deal_product_and_the_attributes() -> None:
    deals = [
        won("a", product="crm", attributes={"segment": "smb"}),
        won("b", product="erp", attributes={"segment": "smb"}),
        won("c", product="crm"),
    ]
    crm = target(TargetMetric.DEALS_WON, 2, product="crm")
    assert kpi.attainment(deals, crm).count == 2
    crm_smb = target(TargetMetric.DEALS_WON, 2, product="crm", segment="smb")
    assert kpi.attainment(deals, crm_smb).count == 1
    customers = [
        Customer(id="c1", name="C", acquired_at=day(1), attributes={"product": "crm"}),
        Customer(id="c2", name="C", acquired_at=day(1)),
    ]
    new_crm = target(TargetMetric.NEW_CUSTOMERS, 2, product="crm")
    assert kpi.attainment(customers, new_crm).count == 1


def test_a_customer_belongs_to_the_rep_its_attributes_name() -> None:
    customers = [
        Customer(id="c1", name="C", acquired_at=day(1), attributes={"owner_id": "ana"}),
        Customer(id="c2", name="C", acquired_at=day(1), attributes={"owner_id": "bo"}),
        Customer(id="c3", name="C", acquired_at=day(1)),
    ]
    for_ana = target(TargetMetric.NEW_CUSTOMERS, 1, rep_id="ana")
    assert kpi.attainment(customers, for_ana).ratio == Ratio(1, 1)


def test_records_of_other_types_are_checked_for_the_metric_and_scoped_by_owner_or_rep() -> None:
    call = Row(id="r1", kind=ActivityKind.CALL, at=day(1), rep_id="ana")
    owned = Row(id="r2", kind=ActivityKind.CALL, at=day(1), owner_id="ana")
    attributed = Row(id="r3", kind=ActivityKind.CALL, at=day(1), attributes={"owner_id": "ana"})
    nobody = Row(id="r4", kind=ActivityKind.CALL, at=day(1), rep_id=7)
    calls = target(TargetMetric.CALLS, 4, rep_id="ana")
    assert kpi.attainment([call, owned, attributed, nobody], calls).count == 3
    bad_call = Row(id="r5", kind="call", at=day(1))
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([bad_call], calls)
    assert (caught.value.field, caught.value.value) == ("kind", "call")
    assert "'r5'" in str(caught.value)
    # a row with an amount is a deal, not an activity: checked but not counted
    deal_row = Row(id="r6", kind=ActivityKind.CALL, at=day(1), amount=Money(1, "EUR"))
    assert kpi.attainment([deal_row], target(TargetMetric.ACTIVITIES, 1)).count == 0


def test_deal_customer_and_lead_rows_are_checked_for_the_fields_their_metric_reads() -> None:
    revenue = target(TargetMetric.REVENUE, Money(10, "EUR"))
    negative = Row(
        id="d", status=Status.WON, created_at=day(0), closed_at=day(1), amount=Money(-5, "EUR")
    )
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([negative], revenue)
    assert caught.value.field == "amount"
    good = Row(
        id="g",
        status=Status.WON,
        created_at=day(0),
        closed_at=day(1),
        amount=Money(5, "EUR"),
        owner_id="ana",
    )
    assert kpi.attainment([good, negative], revenue, strict=False).actual == Money(5, "EUR")
    new = target(TargetMetric.NEW_CUSTOMERS, 1)
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([Row(id="c", acquired_at=datetime(2026, 1, 5))], new)
    assert caught.value.field == "acquired_at"
    assert kpi.attainment([Row(id="c", acquired_at=day(5))], new).count == 1
    leads = target(TargetMetric.LEADS, 1)
    open_lead = Row(id="l", status=Status.OPEN, created_at=day(1), closed_at=None, source="x")
    assert kpi.attainment([open_lead], leads).count == 1
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([Row(id="l2", status="open", created_at=day(1), source="x")], leads)
    assert caught.value.field == "status"
    # Bug fixed: a lead row without a stage was counted unchecked (TypeError on a naive time).
    naive = Row(id="l3", status=Status.OPEN, created_at=datetime(2026, 1, 5), source="x")
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([naive], leads)
    assert (caught.value.field, caught.value.value) == ("created_at", datetime(2026, 1, 5))
    # a deal row is not a lead, nor an activity a customer: neither counted nor checked
    assert kpi.attainment([good], leads).count == 0
    assert kpi.attainment([Row(id="a", kind="call")], new).count == 0


def test_a_target_must_be_a_target() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([], "q1")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("target", "q1")


# --- results as records and text ----------------------------------------------------------


def test_an_attainment_as_a_record_and_as_text() -> None:
    revenue = target(TargetMetric.REVENUE, Money(600, "EUR"), tid="q1", rep_id="ana")
    result = kpi.attainment([won("a", "300", owner_id="ana")], revenue)
    assert result.to_record() == {
        "target_id": "q1",
        "metric": "revenue",
        "rep_id": "ana",
        "team": None,
        "region": None,
        "product": None,
        "actual": Decimal(300),
        "goal": Decimal(600),
        "currency": "EUR",
        "attainment": 0.5,
        "count": 1,
        "unknown": 0,
    }
    assert repr(result) == "Attainment('q1': 300 EUR/600 EUR (50.0%))"
    zero = kpi.attainment([], target(TargetMetric.CALLS, 0, tid="z"))
    assert zero.value is None
    assert zero.to_record()["attainment"] is None
    assert zero.to_record()["currency"] is None
    assert (zero.to_record()["actual"], zero.to_record()["goal"]) == (0, 0)


def test_the_leaderboard_ranks_ties_together_and_zero_goals_last() -> None:
    deals = [won("a", owner_id="ana"), won("b", owner_id="bo"), won("c", owner_id="cy")]
    targets = [
        target(TargetMetric.DEALS_WON, 2, tid="t-cy", rep_id="cy"),
        target(TargetMetric.DEALS_WON, 0, tid="t-zero", rep_id="zed"),
        target(TargetMetric.DEALS_WON, 1, tid="t-bo", rep_id="bo"),
        target(TargetMetric.DEALS_WON, 1, tid="t-ana", rep_id="ana"),
        target(TargetMetric.DEALS_WON, 4, tid="t-south", team="south"),
        target(TargetMetric.DEALS_WON, 8, tid="t-eu", region="eu"),
        target(TargetMetric.DEALS_WON, 6, tid="t-all"),
    ]
    board = kpi.leaderboard(deals, targets, reps=REPS)
    assert [(row.rank, row.who) for row in board.rows] == [
        (1, "ana"),
        (1, "bo"),
        (3, "company"),
        (3, "cy"),
        (3, "south"),
        (6, "eu"),
        (7, "zed"),
    ]
    assert repr(board).splitlines() == [
        "Leaderboard(",
        "    1. ana: 1/1 (100.0%)",
        "    1. bo: 1/1 (100.0%)",
        "    3. company: 3/6 (50.0%)",
        "    3. cy: 1/2 (50.0%)",
        "    3. south: 2/4 (50.0%)",
        "    6. eu: 2/8 (25.0%)",
        "    7. zed: 0/0 (n/a))",
    ]
    first = board.to_records()[0]
    assert (first["rank"], first["who"], first["target_id"], first["attainment"]) == (
        1,
        "ana",
        "t-ana",
        1.0,
    )
    assert "<caption>Leaderboard</caption>" in board._repr_html_()
    assert pickle.loads(pickle.dumps(board)) == board


def test_leaderboard_targets_must_be_targets_with_distinct_ids() -> None:
    one = target(TargetMetric.CALLS, 1, tid="same")
    assert [r.who for r in kpi.leaderboard([], one).rows] == ["company"]  # a lone target
    for bad in ([one, one], [one, "two"]):
        with pytest.raises(ValidationError) as caught:
            kpi.leaderboard([], bad)  # type: ignore[arg-type]
        assert caught.value.field == "targets"
        assert "Targets with distinct ids" in str(caught.value)


def test_the_leaderboard_checks_rows_for_every_target_and_skips_bad_ones() -> None:
    targets = [
        target(TargetMetric.CALLS, 2, tid="calls", rep_id="ana"),
        target(TargetMetric.NEW_CUSTOMERS, 1, tid="new", rep_id="ana"),
    ]
    good = Row(id="g", kind=ActivityKind.CALL, at=day(1), rep_id="ana")
    bad = Row(id="b", kind="call", at=day(1), rep_id="ana")
    with pytest.raises(ValidationError) as caught:
        kpi.leaderboard([good, bad], targets)
    assert caught.value.field == "kind"
    board = kpi.leaderboard([good, bad], targets, strict=False)
    assert [(r.who, r.attainment.count) for r in board.rows] == [("ana", 1), ("ana", 0)]
    assert [(s.id, s.field) for s in board.skipped] == [("b", "kind")]
    merged = (
        kpi.LeaderboardAccumulator(targets, strict=False)
        .add_many([good])
        .merge(kpi.LeaderboardAccumulator(targets, strict=False).add_many([bad, good]))
    )
    assert [r.attainment.count for r in merged.result().rows] == [2, 0]
    assert merged.result().skipped.count == 1


def test_revenue_partitions_merge_to_the_single_pass_sum_per_currency() -> None:
    deals = [won("a", "100"), won("b", "40", currency="USD"), won("c", "60")]
    goal = target(TargetMetric.REVENUE, Money(400, "EUR"))
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    left = kpi.AttainmentAccumulator(goal, rates=rates).add_many(deals[:2])
    right = kpi.AttainmentAccumulator(goal, rates=rates).add_many(deals[2:])
    merged = left.merge(right).result()
    assert merged == kpi.attainment(deals, goal, rates=rates)
    assert (merged.actual, merged.count) == (Money("180.0", "EUR"), 3)


# --- exact errors, boundaries, defaults and merging (mutation testing) -------------------


def moved_to_sql(lid: str, at: float, **kw: Any) -> Lead:
    moved = lead(lid, created=min(at, 0) - 1, **kw)
    for stage in ("contacted", "mql", "sql"):
        moved = LEAD_LIFECYCLE.move(moved, stage, at=day(at))
    return moved


def test_attainment_argument_errors_are_exact() -> None:
    assert issues_of(lambda: kpi.attainment([], "q1")) == (  # type: ignore[arg-type]
        Issue("target", "q1", "a Target"),
    )
    team = target(TargetMetric.DEALS_WON, 1, team="south")
    assert issues_of(lambda: kpi.attainment([], team)) == (
        Issue(
            "reps", None, "a mapping of rep id to Rep, since the target names a team or a region"
        ),
    )
    revenue = target(TargetMetric.REVENUE, Money(1, "EUR"))
    assert issues_of(lambda: kpi.attainment([], revenue, rates="0.5")) == (  # type: ignore[arg-type]
        Issue("rates", "0.5", "None or a RateTable"),
    )
    one = target(TargetMetric.CALLS, 1, tid="same")
    assert issues_of(lambda: kpi.leaderboard([], [one, one])) == (
        Issue("targets", [one, one], "Targets with distinct ids"),
    )


def test_attainment_and_leaderboard_are_strict_by_default() -> None:
    revenue = target(TargetMetric.REVENUE, Money(10, "EUR"))
    negative = Row(
        id="d", status=Status.WON, created_at=day(0), closed_at=day(1), amount=Money(-5, "EUR")
    )
    with pytest.raises(ValidationError):
        kpi.AttainmentAccumulator(revenue).add(negative)
    with pytest.raises(ValidationError):
        kpi.LeaderboardAccumulator([revenue]).add(negative)
    with pytest.raises(ValidationError):
        kpi.leaderboard([negative], [revenue])
    skipped = kpi.attainment([negative], revenue, strict=False)
    assert [(s.id, s.field) for s in skipped.skipped] == [("d", "amount")]


def test_a_leaderboard_leaves_out_the_records_it_skips() -> None:
    deals = target(TargetMetric.DEALS_WON, 2)
    negative = Row(
        id="d", status=Status.WON, created_at=day(0), closed_at=day(1), amount=Money(-5, "EUR")
    )
    board = kpi.leaderboard([negative, won("w")], [deals], strict=False)
    assert board.rows[0].attainment.count == 1
    assert [s.id for s in board.skipped] == ["d"]


def test_a_target_period_includes_its_start_and_excludes_its_end() -> None:
    at_start = attrs.evolve(won("s"), closed_at=T0)
    at_end = attrs.evolve(won("e"), closed_at=END)
    assert kpi.attainment([at_start, at_end], target(TargetMetric.DEALS_WON, 2)).count == 1
    qualified = target(TargetMetric.QUALIFIED_LEADS, 2)
    leads = [moved_to_sql("s", 0), moved_to_sql("e", 90)]
    assert (END - T0).days == 90
    assert kpi.attainment(leads, qualified).count == 1


def test_qualified_leads_default_to_sql_and_are_scoped() -> None:
    leads = [moved_to_sql("a", 2, owner_id="ana"), moved_to_sql("b", 2, owner_id="bo")]
    assert kpi.attainment(leads, target(TargetMetric.QUALIFIED_LEADS, 2)).count == 2
    assert (
        kpi.AttainmentAccumulator(target(TargetMetric.QUALIFIED_LEADS, 2))
        .add_many(leads)
        .result()
        .count
        == 2
    )
    board = kpi.leaderboard(leads, [target(TargetMetric.QUALIFIED_LEADS, 2)])
    assert board.rows[0].attainment.count == 2
    at_mql = LEAD_LIFECYCLE.move(
        LEAD_LIFECYCLE.move(lead("q"), "contacted", at=day(2)), "mql", at=day(2)
    )
    qualified = [target(TargetMetric.QUALIFIED_LEADS, 2)]
    assert kpi.leaderboard([at_mql], qualified).rows[0].attainment.count == 0
    by_mql = kpi.leaderboard([at_mql], qualified, qualified_stage="mql")
    assert by_mql.rows[0].attainment.count == 1
    default = kpi.LeaderboardAccumulator(qualified).add_many([*leads, at_mql]).result()
    assert default.rows[0].attainment.count == 2
    ana = target(TargetMetric.QUALIFIED_LEADS, 2, rep_id="ana")
    assert kpi.attainment(leads, ana).count == 1
    south = target(TargetMetric.QUALIFIED_LEADS, 2, region="eu")
    assert kpi.attainment(leads, south, reps=REPS).count == 1


def test_qualified_leads_from_records_that_are_not_entities() -> None:
    moved = moved_to_sql("m", 2)
    row = Row(
        id="r",
        status=Status.OPEN,
        created_at=moved.created_at,
        closed_at=None,
        source="web",
        stage=moved.stage,
        history=moved.history,
    )
    assert kpi.attainment([row], target(TargetMetric.QUALIFIED_LEADS, 1)).count == 1


def test_lead_targets_neither_count_nor_check_rows_with_an_amount() -> None:
    # a deal row with a source is not a lead, however incomplete
    deal_row = Row(id="d", created_at=day(1), source="web", amount=Money(1, "EUR"))
    for metric in (TargetMetric.LEADS, TargetMetric.QUALIFIED_LEADS):
        assert kpi.attainment([deal_row], target(metric, 1)).count == 0
    # a lead row is not a deal: a revenue target neither counts nor checks it
    lead_row = Row(id="l", created_at=day(1), source="web")
    assert kpi.attainment([lead_row], target(TargetMetric.DEALS_WON, 1)).count == 0


def test_a_deal_belongs_to_its_owner_whatever_its_attributes_say() -> None:
    deal = won("a", owner_id="ana", attributes={"owner_id": "bo"})
    assert kpi.attainment([deal], target(TargetMetric.DEALS_WON, 1, rep_id="ana")).count == 1
    assert kpi.attainment([deal], target(TargetMetric.DEALS_WON, 1, rep_id="bo")).count == 0
    moved = moved_to_sql("l", 2, owner_id="ana", attributes={"owner_id": "bo"})
    leads = target(TargetMetric.LEADS, 1, rep_id="ana")
    assert kpi.attainment([attrs.evolve(moved, created_at=day(1), history=())], leads).count == 1


def test_a_record_whose_owner_is_not_a_str_belongs_to_no_rep() -> None:
    odd = Row(id="c", acquired_at=day(1), attributes={"owner_id": ["ana"]})
    south = target(TargetMetric.NEW_CUSTOMERS, 1, team="south")
    assert kpi.attainment([odd], south, reps=REPS).count == 0


def test_segment_targets_count_only_their_segment() -> None:
    customers = [
        Customer(id="c1", name="C", acquired_at=day(1), attributes={"segment": "smb"}),
        Customer(id="c2", name="C", acquired_at=day(1), attributes={"segment": "ent"}),
        Customer(id="c3", name="C", acquired_at=day(1)),
    ]
    smb = target(TargetMetric.NEW_CUSTOMERS, 1, segment="smb")
    assert kpi.attainment(customers, smb).count == 1
    # rows without attributes are in no segment and sell no product
    bare = Row(id="r", acquired_at=day(1))
    assert kpi.attainment([bare], smb).count == 0
    crm = target(TargetMetric.NEW_CUSTOMERS, 1, product="crm")
    assert kpi.attainment([bare], crm).count == 0


def test_attainment_counts_records_added_one_by_one() -> None:
    acc = kpi.AttainmentAccumulator(target(TargetMetric.DEALS_WON, 2))
    acc.add(won("a"))
    acc.add(won("b"))
    assert acc.result().count == 2


def test_revenue_is_summed_exactly_and_named_in_currency_errors() -> None:
    big = "123456789012345678901234567.89"
    goal = target(TargetMetric.REVENUE, Money(10**29, "EUR"), tid="q1")
    deals = [won("a", big), won("b", "0.02")]
    exact = Money("123456789012345678901234567.91", "EUR")
    assert kpi.attainment(deals, goal).actual == exact
    left = kpi.AttainmentAccumulator(goal).add_many(deals[:1])
    right = kpi.AttainmentAccumulator(goal).add_many(deals[1:])
    assert left.merge(right).result().actual == exact
    with pytest.raises(CurrencyMismatchError) as caught:
        kpi.attainment([won("u", currency="USD")], goal)
    assert str(caught.value).startswith(
        "revenue toward target 'q1' has amounts in USD, not only EUR"
    )


def test_a_leaderboard_converts_revenue_with_rates() -> None:
    goal = target(TargetMetric.REVENUE, Money(100, "EUR"))
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    board = kpi.leaderboard([won("u", "100", currency="USD")], [goal], rates=rates)
    assert board.rows[0].attainment.actual == Money("50.0", "EUR")
    assert issues_of(lambda: kpi.leaderboard([], [goal], rates="0.5")) == (  # type: ignore[arg-type]
        Issue("rates", "0.5", "None or a RateTable"),
    )


def test_a_leaderboard_of_revenue_and_count_targets_takes_rates() -> None:
    # Bug fixed: the rates reached the count targets too, which refused them
    # ("'currency' must be the currency to convert into"): no such board could be built.
    revenue = target(TargetMetric.REVENUE, Money(100, "EUR"), tid="r", rep_id="ana")
    deals = target(TargetMetric.DEALS_WON, 2, tid="d", rep_id="bo")
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    book = [won("u", "100", currency="USD", owner_id="ana"), won("w", owner_id="bo")]
    board = kpi.leaderboard(book, [revenue, deals], rates=rates)
    assert [(row.who, row.attainment.ratio) for row in board.rows] == [
        ("ana", Ratio(Money("50.0", "EUR"), Money(100, "EUR"))),
        ("bo", Ratio(1, 2)),
    ]


def test_attainment_accumulators_merge_with_their_options() -> None:
    team = target(TargetMetric.QUALIFIED_LEADS, 2, team="south")
    options: dict[str, Any] = {"reps": REPS, "qualified_stage": "mql", "strict": False}
    leads = [moved_to_sql("a", 2, owner_id="ana"), moved_to_sql("c", 2, owner_id="cy")]
    first = kpi.AttainmentAccumulator(team, **options).add_many(leads[:1])
    second = kpi.AttainmentAccumulator(team, **options).add_many(leads[1:])
    merged = first.merge(second)
    merged.add(moved_to_sql("b", 2, owner_id="bo"))
    assert merged.result().count == 2
    with pytest.raises(ValidationError) as caught:
        first.merge(kpi.AttainmentAccumulator(team, reps=REPS))
    assert caught.value.issues[0].expected == (
        f"a AttainmentAccumulator with the same options (qualified_stage='mql', rates=None, "
        f"reps={REPS!r}, strict=False, target={team!r})"
    )


def test_leaderboard_accumulators_merge_with_their_options() -> None:
    team = target(TargetMetric.QUALIFIED_LEADS, 2, team="south")
    rates = RateTable({("USD", "EUR"): Decimal("0.5")})
    revenue = target(TargetMetric.REVENUE, Money(100, "EUR"), tid="r", rep_id="bo")
    options: dict[str, Any] = {"reps": REPS, "qualified_stage": "mql", "rates": rates}
    first = kpi.LeaderboardAccumulator([team, revenue], **options)
    first.add(moved_to_sql("a", 2, owner_id="ana"))
    second = kpi.LeaderboardAccumulator([team, revenue], **options)
    merged = first.merge(second)
    merged.add_many(
        [moved_to_sql("b", 2, owner_id="bo"), won("u", "100", currency="USD", owner_id="bo")]
    )
    rows = {row.who: row.attainment for row in merged.result().rows}
    assert rows["south"].count == 2
    assert rows["bo"].actual == Money("50.0", "EUR")
    with pytest.raises(ValidationError) as caught:
        first.merge(kpi.LeaderboardAccumulator([team, revenue], reps=REPS, rates=rates))
    assert caught.value.issues[0].expected == (
        f"a LeaderboardAccumulator with the same options (qualified_stage='mql', rates={rates!r}, "
        f"reps={REPS!r}, strict=True, targets={(team, revenue)!r})"
    )
