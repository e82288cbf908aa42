"""History KPIs (salesmodel.kpi._stages, ._book): time in each stage and the
funnel, their arguments, records of unknown pipelines or stages, and the results
as records and text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Issue,
    Lead,
    Money,
    Pipeline,
    Stage,
    Status,
    ValidationError,
    kpi,
)
from salesmodel.kpi import Ratio
from support import issues_of

P = DEFAULT_PIPELINE
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(did: str, *stages: str, owner: str = "ana", **kw: Any) -> Deal:
    d = Deal(id=did, name=did, amount=Money(100, "EUR"), created_at=day(0), owner_id=owner, **kw)
    for i, stage in enumerate(stages):
        d = P.move(d, stage, at=day(i + 1), reason="price" if stage == "lost" else None)
    return d


RENEWALS = Pipeline(
    "renewals",
    [
        Stage("draft", "Draft", "0.5"),
        Stage("signed", "Signed", 1, Status.WON),
        Stage("gone", "Gone", 0, Status.LOST),
    ],
)


# --- time in stage -------------------------------------------------------------------------


def test_time_in_stage_by_owner_counts_each_visit_of_each_group() -> None:
    deals = [
        deal("a", "qualification", "research", owner="ana"),
        deal("b", "qualification", owner="bo"),
    ]
    stays = kpi.time_in_stage(deals, by="owner_id", as_of=day(4))
    assert stays.columns == ("owner_id", "stage")
    assert {k: v.count for k, v in stays.items()} == {
        ("ana", "prospecting"): 1,
        ("ana", "qualification"): 1,
        ("ana", "research"): 1,
        ("bo", "prospecting"): 1,
        ("bo", "qualification"): 1,
    }
    assert stays[("ana", "research")].mean == timedelta(days=2)
    assert stays[("bo", "qualification")].mean == timedelta(days=3)


def test_time_in_stage_counts_the_current_stay_only_for_open_records_up_to_as_of() -> None:
    gone = deal("g", "qualification", "lost")
    fresh = deal("f")
    assert set(kpi.time_in_stage([gone, fresh], as_of=day(10))) == {"prospecting", "qualification"}
    before_creation = kpi.time_in_stage([fresh], as_of=day(-1))
    assert dict(before_creation) == {}
    assert dict(kpi.time_in_stage([fresh])) == {}


def test_time_in_stage_needs_an_aware_as_of() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([], as_of=datetime(2026, 1, 1))
    assert caught.value.field == "as_of"


def test_time_in_stage_checks_records_against_the_pipelines_given() -> None:
    good = deal("a", "qualification")
    elsewhere = attrs.evolve(deal("x"), pipeline_id="renewals", stage="draft")
    odd_stage = attrs.evolve(deal("y"), stage="negotiation")
    odd_history = attrs.evolve(
        good, id="z", history=(attrs.evolve(good.history[0], from_stage="lead-in"),)
    )
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([elsewhere], pipelines=P)
    assert (caught.value.field, caught.value.value) == ("pipeline_id", "renewals")
    assert "one of the pipelines given ('default')" in str(caught.value)
    stays = kpi.time_in_stage(
        [good, elsewhere, odd_stage, odd_history], pipelines=[P], as_of=day(2), strict=False
    )
    assert [(s.id, s.field) for s in stays.skipped] == [
        ("x", "pipeline_id"),
        ("y", "stage"),
        ("z", "history[0].from_stage"),
    ]
    assert {k: v.count for k, v in stays.items()} == {"prospecting": 1, "qualification": 1}
    both = kpi.time_in_stage(
        [good, elsewhere], pipelines={P.id: P, RENEWALS.id: RENEWALS}, as_of=day(2)
    )
    assert set(both) == {"prospecting", "qualification", "draft"}
    odd_to = attrs.evolve(
        good, id="w", stage="q2", history=(attrs.evolve(good.history[0], to_stage="q2"),)
    )
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([odd_to], pipelines=P)
    assert (caught.value.field, caught.value.value) == ("stage", "q2")
    moved_from_odd = attrs.evolve(
        good,
        id="v",
        history=(
            attrs.evolve(good.history[0], to_stage="q2"),
            attrs.evolve(good.history[0], from_stage="q2", at=day(2)),
        ),
    )
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([moved_from_odd], pipelines=P)
    assert (caught.value.field, caught.value.value) == ("history[0].to_stage", "q2")


# --- the pipelines a KPI is given ------------------------------------------------------------


def test_pipelines_come_as_one_several_or_a_mapping_and_nothing_else() -> None:
    for bad in ([], 5, "default", [P, "renewals"], {"d": "default"}):
        with pytest.raises(ValidationError) as caught:
            kpi.time_in_stage([], pipelines=bad)  # type: ignore[arg-type]
        assert caught.value.field == "pipelines"
        assert "a Pipeline, several, or a mapping of id to Pipeline" in str(caught.value)


def test_a_lead_without_a_pipeline_id_needs_a_single_pipeline() -> None:
    lead = LEAD_LIFECYCLE.move(
        Lead(id="l", name="l", created_at=day(0), source="web"), "contacted", at=day(1)
    )
    stays = kpi.time_in_stage([lead], pipelines=LEAD_LIFECYCLE, as_of=day(3))
    assert stays["contacted"].mean == timedelta(days=2)
    # With several pipelines, a lead goes to the one given for leads (kind=Lead).
    both = kpi.time_in_stage([lead], pipelines=[LEAD_LIFECYCLE, P], as_of=day(3))
    assert both["contacted"].mean == timedelta(days=2)
    other = Pipeline("other", P.stages)
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([lead], pipelines=[other, P])
    assert (caught.value.field, caught.value.value) == ("$", "Lead")
    assert "give one pipeline of its kind (kind=Lead)" in str(caught.value)
    assert "(given: 'default', 'other')" in str(caught.value)


# --- funnel ----------------------------------------------------------------------------------


def test_funnel_arguments_are_checked_and_named() -> None:
    cases: list[tuple[dict[str, Any], str, Any]] = [
        ({"pipeline": "default"}, "pipeline", "default"),
        ({"mode": "loose"}, "mode", "loose"),
        ({"stages": ["prospecting", "negotiation"]}, "stages", "negotiation"),
        ({"stages": []}, "stages", []),
        ({"stages": ["research", "research"]}, "stages", ["research", "research"]),
    ]
    for arguments, field, value in cases:
        with pytest.raises(ValidationError) as caught:
            kpi.funnel([], **arguments)
        assert (caught.value.field, caught.value.value) == (field, value), arguments


def test_a_funnel_of_custom_steps_without_a_won_step_counts_outcomes_at_every_step() -> None:
    deals = [
        deal("a", "qualification", "research"),
        deal("b", "qualification", "lost"),
        deal("c"),
    ]
    funnel = kpi.funnel(deals, stages=["prospecting", "qualification", "research"])
    assert [s.stage for s in funnel.steps] == ["prospecting", "qualification", "research"]
    assert funnel["qualification"] == kpi.FunnelStep(
        "qualification", 2, 1, 0, 1, Ratio(1, 2), Ratio(2, 3), Ratio(1, 2)
    )
    assert funnel["research"] == kpi.FunnelStep(
        "research", 1, 0, 1, 0, Ratio(0, 1), Ratio(1, 3), Ratio(0, 1)
    )
    assert funnel.bottleneck == "research"
    with pytest.raises(KeyError):
        funnel["won"]


def test_a_funnel_with_several_won_stages_ends_in_one_won_step() -> None:
    two_wins = Pipeline(
        "two",
        [
            Stage("open", "Open", "0.5"),
            Stage("won_new", "Won new", 1, Status.WON),
            Stage("won_renewal", "Won renewal", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    base = Deal(
        id="a", name="a", amount=Money(1, "EUR"), created_at=day(0), pipeline_id="two", stage="open"
    )
    records = [
        two_wins.move(base, "won_new", at=day(1)),
        two_wins.move(attrs.evolve(base, id="b"), "won_renewal", at=day(1)),
        attrs.evolve(base, id="c"),
    ]
    funnel = kpi.funnel(records, pipeline=two_wins)
    assert [s.stage for s in funnel.steps] == ["open", "won"]
    assert funnel["won"].reached == 2
    assert funnel["open"].conversion == Ratio(2, 3)


def test_a_funnel_reads_as_text_records_and_html() -> None:
    deals = [deal("a", "qualification"), deal("b", "qualification", "lost")]
    funnel = kpi.funnel(deals, stages=["prospecting", "qualification"])
    assert repr(funnel).splitlines() == [
        "Funnel(mode='any', bottleneck='qualification')",
        "  prospecting    reached      2  advanced      2  "
        "open     0  dropped     0  next 2/2 (100.0%)",
        "  qualification  reached      2  advanced      0  "
        "open     1  dropped     1  next 0/2 (0.0%)",
    ]
    assert funnel.to_records()[1] == {
        "stage": "qualification",
        "reached": 2,
        "advanced": 0,
        "still_open": 1,
        "dropped": 1,
        "conversion": 0.0,
        "cumulative": 1.0,
        "drop_off": 0.5,
    }
    empty = kpi.funnel([])
    assert empty.bottleneck is None
    assert empty.to_records()[0]["conversion"] is None
    assert "<caption>Funnel (any); bottleneck: None</caption>" in empty._repr_html_()


def test_a_funnel_by_group_and_records_of_another_pipeline_skipped() -> None:
    elsewhere = attrs.evolve(deal("x"), pipeline_id="renewals", stage="draft")
    grouped = kpi.funnel(
        [deal("a", "qualification", owner="ana"), deal("b", owner="bo"), elsewhere],
        by="owner_id",
        strict=False,
    )
    assert sorted(grouped) == ["ana", "bo"]
    assert grouped["bo"]["prospecting"].still_open == 1
    assert [(s.id, s.field, s.reason) for s in grouped.skipped] == [
        (
            "x",
            "pipeline_id",
            "must be one of the pipelines given ('default') (got 'renewals')",
        )
    ]


def test_a_record_parked_outside_the_steps_counts_by_the_steps_it_reached() -> None:
    lead = Lead(id="l", name="l", created_at=day(0), source="web")
    parked = LEAD_LIFECYCLE.move(
        LEAD_LIFECYCLE.move(lead, "contacted", at=day(1)), "mql", at=day(2)
    )
    parked = LEAD_LIFECYCLE.move(parked, "nurture", at=day(3))
    never = attrs.evolve(lead, id="n", stage="nurture")
    funnel = kpi.funnel([parked, never], pipeline=LEAD_LIFECYCLE, stages=["suspect", "mql"])
    assert [(s.stage, s.reached) for s in funnel.steps] == [("suspect", 1), ("mql", 1)]


# --- exact errors, defaults, boundaries and merging (mutation testing) -----------------------


def test_time_in_stage_argument_and_stage_errors_are_exact() -> None:
    naive = datetime(2026, 1, 1)
    assert issues_of(lambda: kpi.time_in_stage([], as_of=naive)) == (
        Issue("as_of", naive, "None or a timezone-aware datetime"),
    )
    odd_stage = attrs.evolve(deal("y"), stage="negotiation")
    assert issues_of(lambda: kpi.time_in_stage([odd_stage], pipelines=P)) == (
        Issue(
            "stage",
            "negotiation",
            "a stage of pipeline 'default' (prospecting, qualification, research, "
            "demonstration, objection_handling, closing, won, lost)",
        ),
    )
    good = deal("a", "qualification")
    odd_history = attrs.evolve(good, history=(attrs.evolve(good.history[0], from_stage="lead-in"),))
    assert issues_of(lambda: kpi.time_in_stage([odd_history], pipelines=P)) == (
        Issue(
            "history[0].from_stage",
            "lead-in",
            "a stage of pipeline 'default' (prospecting, qualification, research, "
            "demonstration, objection_handling, closing, won, lost)",
        ),
    )


def test_time_in_stage_is_strict_by_default_function_and_accumulator() -> None:
    odd_stage = attrs.evolve(deal("y"), stage="negotiation")
    with pytest.raises(ValidationError):
        kpi.time_in_stage([odd_stage], pipelines=P)
    with pytest.raises(ValidationError):
        kpi.TimeInStageAccumulator(pipelines=P).add(odd_stage)


def test_time_in_stage_without_by_is_keyed_by_stage_alone() -> None:
    stays = kpi.time_in_stage([deal("a", "qualification")])
    assert stays.columns == ("stage",)
    assert list(stays) == ["prospecting"]


def test_time_in_stage_counts_equal_stays_once_each() -> None:
    # two deals with the very same timings: two visits of one duration, not one
    twins = [deal("a", "qualification"), deal("b", "qualification")]
    stays = kpi.time_in_stage(twins, as_of=day(3))
    assert stays["prospecting"].count == 2
    assert stays["qualification"].count == 2
    assert stays["qualification"].mean == timedelta(days=2)


def test_time_in_stage_counts_a_current_stay_of_zero_at_as_of_itself() -> None:
    stays = kpi.time_in_stage([deal("f")], as_of=day(0))
    assert stays["prospecting"].count == 1
    assert stays["prospecting"].mean == timedelta(0)


def test_time_in_stage_reads_records_that_are_not_entities() -> None:
    good = deal("a", "qualification")
    row = SimpleNamespace(
        id="row",
        status=Status.OPEN,
        created_at=good.created_at,
        closed_at=None,
        stage=good.stage,
        history=good.history,
        pipeline_id="default",
    )
    stays = kpi.time_in_stage([row], as_of=day(3))
    assert {k: v.count for k, v in stays.items()} == {"prospecting": 1, "qualification": 1}
    bad = SimpleNamespace(**{**vars(row), "history": [good.history[0]]})
    assert issues_of(lambda: kpi.time_in_stage([bad])) == (
        Issue("history", [good.history[0]], "a tuple of StageChange"),
    )


def test_time_in_stage_accumulators_merge_with_their_options() -> None:
    first = kpi.TimeInStageAccumulator(as_of=day(3), pipelines=P, strict=False)
    second = kpi.TimeInStageAccumulator(as_of=day(3), pipelines=P, strict=False)
    first.add(deal("a", "qualification"))
    second.add(deal("b"))
    merged = first.merge(second)
    # the merged accumulator keeps as_of (the current stays) and the pipelines
    merged.add(attrs.evolve(deal("c"), stage="negotiation"))
    merged.add(deal("d"))
    stays = merged.result()
    assert stays["prospecting"].count == 3
    assert stays["qualification"].count == 1
    assert [s.id for s in stays.skipped] == ["c"]
    with pytest.raises(ValidationError) as caught:
        first.merge(kpi.TimeInStageAccumulator(as_of=day(4), pipelines=P, strict=False))
    assert "as_of=" in str(caught.value)
    assert "pipelines=" in str(caught.value)
    with pytest.raises(ValidationError):
        first.merge(kpi.TimeInStageAccumulator(as_of=day(3), pipelines=RENEWALS, strict=False))


TWO_WINS = Pipeline(
    "two",
    [
        Stage("open", "Open", "0.5"),
        Stage("won_new", "Won new", 1, Status.WON),
        Stage("won_renewal", "Won renewal", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ],
    reopen_to={"won_new": ["open"]},
)


def test_funnel_argument_errors_are_exact() -> None:
    cases: list[tuple[dict[str, Any], Issue]] = [
        ({"pipeline": "default"}, Issue("pipeline", "default", "a Pipeline")),
        ({"mode": "loose"}, Issue("mode", "loose", "'any' or 'strict'")),
        (
            {"stages": ["prospecting", "negotiation"]},
            Issue("stages", "negotiation", "a stage of pipeline 'default'"),
        ),
        ({"stages": []}, Issue("stages", [], "distinct stage ids, at least one")),
        # "won" stands for the won stages only in the default steps
        (
            {"pipeline": RENEWALS, "stages": ["draft", "won"]},
            Issue("stages", "won", "a stage of pipeline 'renewals'"),
        ),
    ]
    for arguments, issue in cases:
        assert issues_of(lambda a=arguments: kpi.funnel([], **a)) == (issue,), arguments


def test_funnel_defaults_any_mode_and_strict() -> None:
    acc = kpi.FunnelAccumulator(pipeline=RENEWALS)
    assert acc.result().mode == "any"
    elsewhere = attrs.evolve(deal("x"), pipeline_id="renewals", stage="draft")
    with pytest.raises(ValidationError):
        kpi.funnel([elsewhere])
    with pytest.raises(ValidationError):
        kpi.FunnelAccumulator().add(elsewhere)


def test_funnel_default_steps_end_in_the_only_won_stage_by_its_id() -> None:
    signed = RENEWALS.move(
        Deal(
            id="s",
            name="s",
            amount=Money(1, "EUR"),
            created_at=day(0),
            pipeline_id="renewals",
            stage="draft",
        ),
        "signed",
        at=day(1),
    )
    funnel = kpi.funnel([signed], pipeline=RENEWALS)
    assert [s.stage for s in funnel.steps] == ["draft", "signed"]
    assert funnel["signed"].reached == 1
    assert funnel["draft"].conversion == Ratio(1, 1)


def test_funnel_strict_mode_counts_only_the_steps_visited() -> None:
    skipper = attrs.evolve(
        deal("a", "qualification"),
        stage="research",
        history=(attrs.evolve(deal("a", "qualification").history[0], to_stage="research"),),
    )
    records = [skipper, deal("b", "qualification")]
    steps = ["prospecting", "qualification", "research"]
    skipping = Pipeline(P.id, P.stages, allow_skip=True)  # so the skip conforms
    loose = kpi.funnel(records, stages=steps, pipeline=skipping)
    strict = kpi.funnel(records, stages=steps, mode="strict", pipeline=skipping)
    assert loose.mode == "any"
    assert strict.mode == "strict"
    assert [s.reached for s in loose.steps] == [2, 2, 1]
    assert [s.reached for s in strict.steps] == [2, 1, 1]
    assert strict["prospecting"] == kpi.FunnelStep(
        "prospecting", 2, 2, 0, 0, Ratio(2, 2), Ratio(2, 2), Ratio(0, 2)
    )
    assert strict["qualification"].still_open == 1
    assert "<caption>Funnel (strict); bottleneck: qualification</caption>" in (strict._repr_html_())
    grouped = kpi.funnel(records, stages=steps, mode="strict", by="owner_id", pipeline=skipping)
    assert grouped["ana"].mode == "strict"


def test_funnel_won_step_of_the_default_pipeline() -> None:
    won = deal("w", "qualification", "research", "demonstration", "objection_handling")
    won = P.move(P.move(won, "closing", at=day(5)), "won", at=day(6))
    # a deal imported as won, without the moves that took it there
    marked = attrs.evolve(deal("m"), stage="won", status=Status.WON, closed_at=day(2))
    funnel = kpi.funnel([won, marked, deal("o")])
    assert funnel["won"] == kpi.FunnelStep("won", 2, 0, 0, 0, Ratio(0, 0), Ratio(2, 3), Ratio(0, 0))
    assert funnel["prospecting"] == kpi.FunnelStep(
        "prospecting", 3, 2, 1, 0, Ratio(2, 3), Ratio(3, 3), Ratio(0, 3)
    )
    assert funnel.bottleneck == "prospecting"
    assert funnel.to_records()[-1]["conversion"] is None


def test_a_won_record_advanced_past_the_last_custom_step() -> None:
    won = deal("w", "qualification", "research", "demonstration", "objection_handling")
    won = P.move(P.move(won, "closing", at=day(5)), "won", at=day(6))
    funnel = kpi.funnel([won, deal("o", "qualification")], stages=["prospecting", "qualification"])
    assert funnel["qualification"] == kpi.FunnelStep(
        "qualification", 2, 1, 1, 0, Ratio(1, 2), Ratio(2, 2), Ratio(0, 2)
    )


def test_a_funnel_counts_a_record_reopened_after_a_won_stage_at_the_won_step() -> None:
    base = Deal(
        id="a", name="a", amount=Money(1, "EUR"), created_at=day(0), pipeline_id="two", stage="open"
    )
    reopened = TWO_WINS.reopen(TWO_WINS.move(base, "won_new", at=day(1)), at=day(2))
    assert reopened.status is Status.OPEN
    funnel = kpi.funnel([reopened], pipeline=TWO_WINS)
    assert funnel["won"] == kpi.FunnelStep("won", 1, 0, 0, 0, Ratio(0, 0), Ratio(1, 1), Ratio(0, 0))
    assert funnel["open"].advanced == 1


def test_a_funnel_goes_on_after_a_skipped_or_unreached_record() -> None:
    elsewhere = attrs.evolve(deal("x"), pipeline_id="renewals", stage="draft")
    funnel = kpi.funnel([elsewhere, deal("a")], strict=False)
    assert funnel["prospecting"].reached == 1
    assert [s.id for s in funnel.skipped] == ["x"]
    lead = Lead(id="l", name="l", created_at=day(0), source="web")
    never = attrs.evolve(lead, id="n", stage="nurture")
    reached = kpi.funnel([never, lead], pipeline=LEAD_LIFECYCLE, stages=["suspect", "mql"])
    assert reached["suspect"].reached == 1


def test_funnel_accumulators_merge_with_their_options() -> None:
    steps = ["prospecting", "qualification"]
    first = kpi.FunnelAccumulator(pipeline=P, stages=steps, mode="strict")
    second = kpi.FunnelAccumulator(pipeline=P, stages=steps, mode="strict")
    first.add(deal("a", "qualification"))
    second.add(deal("b"))
    merged = first.merge(second)
    merged.add(deal("c"))
    funnel = merged.result()
    assert funnel.mode == "strict"
    assert [s.stage for s in funnel.steps] == steps
    assert [s.reached for s in funnel.steps] == [3, 1]
    for other in (
        kpi.FunnelAccumulator(pipeline=P, stages=steps),
        kpi.FunnelAccumulator(pipeline=P, mode="strict"),
        kpi.FunnelAccumulator(pipeline=TWO_WINS, stages=["open"], mode="strict"),
    ):
        with pytest.raises(ValidationError):
            first.merge(other)


def test_funnel_lookup_and_text_of_an_empty_funnel() -> None:
    funnel = kpi.funnel([])
    with pytest.raises(KeyError) as caught:
        funnel["nowhere"]
    assert caught.value.args == ("nowhere",)
    assert repr(kpi.Funnel((), None)) == "Funnel(mode='any', bottleneck=None)"


def test_funnel_accumulators_of_another_pipeline_merge_with_it() -> None:
    signed = RENEWALS.move(
        Deal(
            id="s",
            name="s",
            amount=Money(1, "EUR"),
            created_at=day(0),
            pipeline_id="renewals",
            stage="draft",
        ),
        "signed",
        at=day(1),
    )
    first = kpi.FunnelAccumulator(pipeline=RENEWALS).add_many([signed])
    second = kpi.FunnelAccumulator(pipeline=RENEWALS).add_many([attrs.evolve(signed, id="t")])
    funnel = first.merge(second).result()
    assert [(s.stage, s.reached) for s in funnel.steps] == [("draft", 2), ("signed", 2)]


def test_a_funnel_reads_records_that_are_not_entities() -> None:
    good = deal("a", "qualification")
    row = SimpleNamespace(
        id="row",
        status=Status.OPEN,
        created_at=good.created_at,
        closed_at=None,
        stage=good.stage,
        history=good.history,
        pipeline_id="default",
    )
    funnel = kpi.funnel([row], stages=["prospecting", "qualification"])
    assert [s.reached for s in funnel.steps] == [1, 1]
    bad = SimpleNamespace(**{**vars(row), "stage": 7})
    assert issues_of(lambda: kpi.funnel([bad])) == (Issue("stage", 7, "a stage id (str)"),)


def test_a_transferred_deal_counts_in_its_pipeline_from_its_transfer() -> None:
    """The stays before a transfer were in the pipeline it left: they are not the
    stages of the one it is in (a stage 'closing' there is not this 'closing')."""
    other = Pipeline(
        "x",
        [
            Stage("new", "N", "0.1"),
            Stage("closing", "C", "0.5"),
            Stage("done", "D", 1, Status.WON),
            Stage("lost", "L", 0, Status.LOST),
        ],
        allow_skip=True,
    )
    deal = Deal(id="T", name="t", amount=None, created_at=day(0), pipeline_id="x", stage="new")
    deal = DEFAULT_PIPELINE.transfer(other.move(deal, "closing", at=day(1)), at=day(11))
    funnel = kpi.funnel([deal])
    assert (funnel["closing"].reached, funnel["prospecting"].reached) == (0, 1)
    assert funnel["prospecting"].advanced == 0
    moved = DEFAULT_PIPELINE.move(deal, "qualification", at=day(15))
    stays = kpi.time_in_stage([moved], by="pipeline_id", as_of=day(20))
    assert {key: summary.mean for key, summary in stays.items()} == {
        ("default", "prospecting"): timedelta(days=4),
        ("default", "qualification"): timedelta(days=5),
    }
