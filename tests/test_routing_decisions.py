"""Routing results (salesmodel.routing): finding a lead's decision, and the reps
and leads assign() refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from salesmodel import Lead, Rep, TemperaturePolicy, ValidationError
from salesmodel.routing import RoutingPolicy, Territory, assign
from support import issues

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def lead(lead_id: str) -> Lead:
    return Lead(id=lead_id, name=lead_id, created_at=AT, source="website")


def test_each_routed_lead_has_its_decision_and_others_have_none() -> None:
    routing = assign(
        [lead("L1"), lead("L2")], [Rep(id="ana", name="Ana")], policy=RoutingPolicy(), at=AT
    )
    assert routing.decision("L2").rep_id == "ana"
    assert routing.decision("L2").lead_id == "L2"
    with pytest.raises(ValidationError) as caught:
        routing.decision("L9")
    assert caught.value.subject == "decision"
    assert issues(caught.value) == [
        ("lead_id", "L9", "the id of a lead this routing decided about")
    ]


def test_reps_and_leads_must_be_what_they_say_and_unique() -> None:
    with pytest.raises(ValidationError) as caught:
        assign(
            [lead("L1"), "L2", lead("L1")],  # type: ignore[list-item]
            [Rep(id="ana", name="Ana"), "bo"],  # type: ignore[list-item]
            policy=RoutingPolicy(),
            at=AT,
        )
    assert caught.value.errors == {
        "reps[1]": "must be a Rep (got 'bo')",
        "leads[1]": "must be a Lead (got 'L2')",
        "leads[2].id": "must be an id no other lead has (got 'L1')",
    }


# --- exact reasons, boundaries and refusals ------------------------------------------

DAY = timedelta(days=1)
REPS = [Rep(id="ana", name="Ana", region="north"), Rep(id="bo", name="Bo", region="south")]


def new_lead(lead_id: str, days_old: int = 0, **changes: object) -> Lead:
    fields: dict[str, object] = {
        "id": lead_id,
        "name": lead_id,
        "created_at": AT - days_old * DAY,
        "source": "website",
    }
    return Lead(**(fields | changes))  # type: ignore[arg-type]


def test_a_wrong_policy_or_at_is_named_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        assign([lead("L1")], REPS, policy="round_robin", at=AT)  # type: ignore[arg-type]
    assert caught.value.subject == "assign"
    assert issues(caught.value) == [("policy", "round_robin", "a RoutingPolicy")]
    for at in (datetime(2026, 3, 2), "2026-03-02"):
        with pytest.raises(ValidationError) as caught:
            assign([lead("L1")], REPS, policy=RoutingPolicy(), at=at)  # type: ignore[arg-type]
        assert caught.value.subject == "assign"
        assert issues(caught.value) == [("at", at, "a timezone-aware datetime")]


def test_duplicate_reps_and_bad_workloads_are_named_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        assign(
            [lead("L1")],
            [*REPS, Rep(id="ana", name="Ana 2")],
            policy=RoutingPolicy(),
            at=AT,
            workload={"ana": -1, "bo": 1.5},  # type: ignore[dict-item]
        )
    assert caught.value.subject == "assign"
    assert issues(caught.value) == [
        ("reps[2].id", "ana", "an id no other rep has"),
        ("workload['ana']", -1, "a non-negative int"),
        ("workload['bo']", 1.5, "a non-negative int"),
    ]


def test_a_workload_of_zero_is_no_workload() -> None:
    routing = assign([lead("L1")], REPS, policy=RoutingPolicy(), at=AT, workload={"ana": 0})
    assert routing.loads == {"ana": 1, "bo": 0}


def test_a_rep_the_last_run_ended_with_that_is_gone_starts_the_rotation_over() -> None:
    routing = assign([lead("L1")], REPS, policy=RoutingPolicy(), at=AT, after="ghost")
    assert routing.leads[0].owner_id == "ana"


def test_a_blank_territory_is_no_territory() -> None:
    policy = RoutingPolicy(territory_attribute="region", fallback=False)
    blank = new_lead("L1", attributes={"region": "  "})
    decision = assign([blank], REPS, policy=policy, at=AT).decision("L1")
    assert (decision.rep_id, decision.territory) == (None, None)
    assert decision.reason == "unassigned: no 'region'"


def test_territory_values_are_compared_as_text() -> None:
    policy = RoutingPolicy(
        territory_attribute="tier",
        territories=(
            Territory(value="false", rep_ids=("bo",)),
            Territory(value="7", rep_ids=("bo",)),
            Territory(value="true", rep_ids=("ana",)),
        ),
        fallback=False,
    )
    leads = [
        new_lead("L1", attributes={"tier": False}),
        new_lead("L2", attributes={"tier": 7}),
        new_lead("L3", attributes={"tier": True}),
    ]
    routing = assign(leads, REPS, policy=policy, at=AT)
    assert [(d.lead_id, d.rep_id, d.territory) for d in routing.decisions] == [
        ("L1", "bo", "false"),
        ("L2", "bo", "7"),
        ("L3", "ana", "true"),
    ]


def test_a_lead_outside_every_territory_is_explained_exactly() -> None:
    west = new_lead("L1", attributes={"region": "west"})
    strict = RoutingPolicy(territory_attribute="region", fallback=False, capacity=5)
    decision = assign([west], REPS, policy=strict, at=AT).decision("L1")
    assert (decision.rep_id, decision.territory, decision.load) == (None, "west", 0)
    assert decision.reason == "unassigned: no active rep covers region='west'"
    loose = RoutingPolicy(territory_attribute="region")
    decision = assign([west], REPS, policy=loose, at=AT).decision("L1")
    assert (decision.rep_id, decision.territory, decision.load) == ("ana", "west", 1)
    assert decision.reason == (
        "fallback to any rep (no active rep covers region='west'); round robin (turn 1 of 2)"
    )


def test_a_full_territory_falls_back_only_to_reps_below_capacity() -> None:
    policy = RoutingPolicy(territory_attribute="region", capacity=1)
    leads = [new_lead(f"L{i}", attributes={"region": "north"}) for i in range(3)]
    routing = assign(leads, REPS, policy=policy, at=AT)
    assert [(d.rep_id, d.load) for d in routing.decisions] == [("ana", 1), ("bo", 1), (None, 0)]
    assert (
        routing.decision("L0").reason
        == "covers region='north'; round robin (turn 1 of 2); load 1/1"
    )
    assert routing.decision("L1").reason == (
        "fallback to any rep (its 1 candidate reps are at capacity 1); round robin (turn 2 of 2);"
        " load 1/1"
    )
    assert routing.decision("L2").reason == "unassigned: every active rep is at capacity 1"


def test_a_rep_converting_at_zero_ranks_below_one_converting_at_all() -> None:
    policy = RoutingPolicy(strategy="best_conversion")
    routing = assign([lead("L1")], REPS, policy=policy, at=AT, conversion={"ana": 0.0, "bo": 0.5})
    assert routing.leads[0].owner_id == "bo"


def test_hotter_leads_are_judged_at_at_by_the_policys_temperature() -> None:
    policy = RoutingPolicy(strategy="best_conversion")
    counted_down = new_lead("L-a", days_old=50, purchase_timeframe_days=60)  # hot at AT
    hot = new_lead("L-b", purchase_timeframe_days=10)
    routing = assign([hot, counted_down], REPS, policy=policy, at=AT)
    assert [x.id for x in routing.leads] == ["L-a", "L-b"]
    # By a policy where 60 days is hot already, the older lead goes first too.
    slow = RoutingPolicy(
        strategy="best_conversion", temperature=TemperaturePolicy(hot_within_days=60)
    )
    older = new_lead("L-c", days_old=5, purchase_timeframe_days=60)
    routing = assign([hot, older], REPS, policy=slow, at=AT)
    assert [x.id for x in routing.leads] == ["L-c", "L-b"]


def test_among_equally_hot_leads_the_higher_score_goes_first_and_no_score_is_zero() -> None:
    policy = RoutingPolicy(strategy="best_conversion")
    older, newer, unscored = new_lead("L-1", 9), new_lead("L-2", 1), new_lead("L-0", 20)
    routing = assign(
        [older, newer, unscored], REPS, policy=policy, at=AT, scores={"L-2": 0.5, "L-1": 0.25}
    )
    assert [x.id for x in routing.leads] == ["L-2", "L-1", "L-0"]


def test_none_or_a_number_where_reps_leads_or_a_mapping_belongs_is_named() -> None:
    for leads, reps, name in ((None, REPS, "leads"), ([lead("L1")], None, "reps")):
        with pytest.raises(ValidationError) as caught:
            assign(leads, reps, policy=RoutingPolicy(), at=AT)  # type: ignore[arg-type]
        assert caught.value.subject == "assign"
        assert caught.value.field == name
    with pytest.raises(ValidationError) as caught:
        assign(
            [lead("L1")],
            REPS,
            policy=RoutingPolicy(strategy="best_conversion"),
            at=AT,
            workload=[("ana", 2)],  # type: ignore[arg-type]
            conversion=[0.1, 0.2],  # type: ignore[arg-type]
            scores=5,  # type: ignore[arg-type]
        )
    assert [issue.path for issue in caught.value.issues] == ["workload", "conversion", "scores"]


def test_conversion_rates_and_scores_must_be_finite_numbers_in_range() -> None:
    nan = float("nan")
    with pytest.raises(ValidationError) as caught:
        assign(
            [lead("L1"), lead("L2")],
            REPS,
            policy=RoutingPolicy(strategy="best_conversion"),
            at=AT,
            conversion={"ana": nan, "bo": "high", 7: 0.5, "cy": 1.5},  # type: ignore[dict-item]
            scores={"L1": None, "L2": "x", "L3": -1, "L4": True, "L5": Fraction(1, 2)},  # type: ignore[dict-item]
        )
    rate = "None or a conversion rate in [0, 1]"
    score = "a score in [0, 100] (an int, float or Decimal)"
    found = issues(caught.value)
    assert found[0][0] == "conversion['ana']"
    assert found[0][1] != found[0][1]  # NaN: a NaN rate would rank first
    assert found[1:] == [
        ("conversion['bo']", "high", rate),
        ("conversion[7]", 7, "a rep id (a str)"),
        ("conversion['cy']", 1.5, rate),
        ("scores['L1']", None, score),
        ("scores['L2']", "x", score),
        ("scores['L3']", -1, score),
        ("scores['L4']", True, score),
        ("scores['L5']", Fraction(1, 2), score),
    ]


def test_a_rate_not_known_ranks_last_and_exact_rates_are_taken() -> None:
    policy = RoutingPolicy(strategy="best_conversion")
    unknown = {"ana": None, "bo": Fraction(1, 10)}  # Ratio.value of 0/0 is None
    routing = assign([lead("L1")], REPS, policy=policy, at=AT, conversion=unknown)
    assert routing.leads[0].owner_id == "bo"
    exact = {"ana": Decimal("0.2"), "bo": Fraction(1, 10)}
    scores = {"L1": Decimal("99.5"), "L2": 0.5}
    routing = assign(
        [lead("L2"), lead("L1")], REPS, policy=policy, at=AT, conversion=exact, scores=scores
    )
    assert [(x.id, x.owner_id) for x in routing.leads] == [("L1", "ana"), ("L2", "bo")]


def test_score_bands_of_the_policys_temperature_make_a_scored_lead_hotter() -> None:
    bands = TemperaturePolicy(hot_score=80, warm_score=40)
    policy = RoutingPolicy(strategy="best_conversion", temperature=bands)
    scored = new_lead("A")  # no timeframe: cold by time, hot by its score
    warm = new_lead("B", days_old=1, purchase_timeframe_days=60)
    rates = {"bo": 0.4, "ana": 0.1}
    routing = assign(
        [warm, scored], REPS, policy=policy, at=AT, conversion=rates, scores={"A": 95, "B": 10}
    )
    assert [(x.id, x.owner_id) for x in routing.leads] == [("A", "bo"), ("B", "ana")]
    # Without bands the score only orders leads equally hot: the warm lead first.
    plain = RoutingPolicy(strategy="best_conversion")
    routing = assign(
        [warm, scored], REPS, policy=plain, at=AT, conversion=rates, scores={"A": 95, "B": 10}
    )
    assert [x.id for x in routing.leads] == ["B", "A"]


def test_a_lead_no_rep_covers_is_blamed_on_its_territory_however_full_the_reps() -> None:
    strict = RoutingPolicy(territory_attribute="region", fallback=False, capacity=1)
    leads = [
        new_lead("L1", attributes={"region": "north"}),
        new_lead("L2", attributes={"region": "south"}),
        new_lead("L3", attributes={"region": "east"}),
        new_lead("L4"),
    ]
    routing = assign(leads, REPS, policy=strict, at=AT)
    assert routing.loads == {"ana": 1, "bo": 1}
    assert routing.decision("L3").reason == "unassigned: no active rep covers region='east'"
    assert routing.decision("L4").reason == "unassigned: no 'region'"
    # With a fallback, every rep being full is the reason too.
    loose = RoutingPolicy(territory_attribute="region", capacity=1)
    routing = assign(leads, REPS, policy=loose, at=AT)
    assert routing.decision("L3").reason == (
        "unassigned: no active rep covers region='east'; every active rep is at capacity 1"
    )


def test_scores_may_be_model_probabilities_and_numpy_numbers() -> None:
    """What predict_proba returns (full doubles, numpy scalars) ranks the leads; a
    policy without score bands reads no temperature from them."""
    import numpy as np

    from salesmodel import Lead, Rep, RoutingPolicy, assign

    day = datetime(2026, 3, 2, tzinfo=UTC)
    leads = [Lead(id=f"L{i}", name="a", source="referral", created_at=day) for i in (1, 2)]
    reps = [Rep(id="ana", name="Ana")]
    policy = RoutingPolicy(strategy="best_conversion")
    for scores in ({"L1": 1 / 3, "L2": 0.7312458163}, {"L1": np.float32(0.2), "L2": np.int64(80)}):
        routed = assign(leads, reps, policy=policy, at=day, scores=scores)
        assert [d.lead_id for d in routed.decisions] == ["L2", "L1"]
