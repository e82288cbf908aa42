"""History KPIs (salesmodel.kpi._stages, ._book): time in each stage and the
funnel, their arguments, records of unknown pipelines or stages, and the results
as records and text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Lead,
    Money,
    Pipeline,
    Stage,
    Status,
    ValidationError,
    kpi,
)
from salesmodel.kpi import Ratio

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
    assert "a pipeline the KPI was given ('default')" in str(caught.value)
    stays = kpi.time_in_stage(
        [good, elsewhere, odd_stage, odd_history], pipelines=[P], as_of=day(2), strict=False
    )
    assert [(s.id, s.field) for s in stays.skipped] == [
        ("x", "pipeline_id"),
        ("y", "stage"),
        ("z", "history[0].from_stage"),
    ]
    assert {k: v.count for k, v in stays.items()} == {"prospecting": 1, "qualification": 1}
    both = kpi.time_in_stage([good, elsewhere], pipelines={"d": P, "r": RENEWALS}, as_of=day(2))
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
    with pytest.raises(ValidationError) as caught:
        kpi.time_in_stage([lead], pipelines=[LEAD_LIFECYCLE, P])
    assert (caught.value.field, caught.value.value) == ("pipeline_id", None)
    assert "'pipeline_id' must be one of ['default', 'lead_lifecycle'] (got None)" in str(
        caught.value
    )


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
        ("x", "pipeline_id", "must be 'default', the funnel's pipeline (got 'renewals')")
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
