"""Lead routing: round robin, territories, capacity and the best reps for the
hottest leads, pure and deterministic, with a reason for every lead."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import Lead, Rep, Status, ValidationError, from_dict, to_dict
from salesmodel.routing import RoutingPolicy, Territory, assign
from salesmodel.temperature import TemperaturePolicy

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUND_ROBIN = RoutingPolicy()


def rep(rep_id: str, **changes: object) -> Rep:
    return Rep(**({"id": rep_id, "name": rep_id.title()} | changes))  # type: ignore[arg-type]


def lead(n: int, **changes: object) -> Lead:
    fields: dict[str, object] = {
        "id": f"L-{n}",
        "name": f"Lead {n}",
        "created_at": AT - timedelta(days=n),
        "source": "website",
    }
    return Lead(**(fields | changes))  # type: ignore[arg-type]


REPS = [rep("ana", region="north"), rep("bo", region="south"), rep("cy", region="north")]


def owners(routing) -> dict[str, str | None]:
    return {d.lead_id: d.rep_id for d in routing.decisions}


def test_round_robin_takes_turns_in_the_order_reps_are_given():
    routing = assign([lead(i) for i in range(5)], REPS, policy=ROUND_ROBIN, at=AT)
    assert [x.owner_id for x in routing.leads] == ["ana", "bo", "cy", "ana", "bo"]
    assert [x.id for x in routing.leads] == ["L-0", "L-1", "L-2", "L-3", "L-4"]
    assert routing.decision("L-1").reason == "round robin (turn 2 of 3)"
    assert routing.loads == {"ana": 2, "bo": 2, "cy": 1}


def test_round_robin_carries_on_after_the_rep_the_last_run_ended_with():
    routing = assign([lead(0), lead(1)], REPS, policy=ROUND_ROBIN, at=AT, after="bo")
    assert [x.owner_id for x in routing.leads] == ["cy", "ana"]


def test_inactive_reps_never_get_a_lead():
    reps = [rep("ana"), rep("bo", active=False), rep("cy")]
    routing = assign([lead(i) for i in range(4)], reps, policy=ROUND_ROBIN, at=AT)
    assert {x.owner_id for x in routing.leads} == {"ana", "cy"}
    routing = assign([lead(0)], [rep("bo", active=False)], policy=ROUND_ROBIN, at=AT)
    assert routing.leads == ()
    assert routing.unassigned == ("L-0",)
    assert routing.decisions[0].reason == "unassigned: no active rep"


def test_owned_and_closed_leads_are_not_routed_but_owned_open_ones_count_as_load():
    owned = lead(0, owner_id="ana")
    closed = lead(1, status=Status.LOST, closed_at=AT)
    fresh = [lead(2), lead(3)]
    policy = RoutingPolicy(strategy="least_loaded")
    routing = assign([owned, closed, *fresh], REPS, policy=policy, at=AT)
    assert owners(routing) == {"L-2": "bo", "L-3": "cy"}
    assert routing.loads == {"ana": 1, "bo": 1, "cy": 1}
    assert routing.decision("L-2").reason == "least loaded (0 open leads before)"


def test_territory_by_region_with_and_without_fallback():
    policy = RoutingPolicy(territory_attribute="region")
    leads = [
        lead(0, attributes={"region": "north"}),
        lead(1, attributes={"region": "north"}),
        lead(2, attributes={"region": "south"}),
        lead(3, attributes={"region": "west"}),
        lead(4),
    ]
    routing = assign(leads, REPS, policy=policy, at=AT)
    assert owners(routing) == {"L-0": "ana", "L-1": "cy", "L-2": "bo", "L-3": "cy", "L-4": "ana"}
    assert routing.decision("L-1").territory == "north"
    assert routing.decision("L-1").reason.startswith("covers region='north'; round robin")
    assert "no active rep covers region='west'" in routing.decision("L-3").reason
    assert "fallback" in routing.decision("L-4").reason
    strict = RoutingPolicy(territory_attribute="region", fallback=False)
    routing = assign(leads, REPS, policy=strict, at=AT)
    assert routing.unassigned == ("L-3", "L-4")


def test_territory_on_any_attribute_with_an_explicit_table():
    policy = RoutingPolicy(
        territory_attribute="industry",
        territories=(
            Territory(value="saas", rep_ids=("bo",)),
            Territory(value="retail", rep_ids=("ana", "cy", "ghost")),
            Territory(value="true", rep_ids=("cy",)),
        ),
    )
    leads = [
        lead(0, attributes={"industry": "retail"}),
        lead(1, attributes={"industry": "saas"}),
        lead(2, attributes={"industry": "retail"}),
        lead(3, attributes={"industry": True}),
    ]
    assert owners(assign(leads, REPS, policy=policy, at=AT)) == {
        "L-0": "ana",
        "L-1": "bo",
        "L-2": "cy",
        "L-3": "cy",
    }


def test_capacity_counts_existing_leads_and_the_workload_and_is_never_exceeded():
    policy = RoutingPolicy(capacity=2)
    existing = [lead(10, owner_id="ana"), lead(11, owner_id="ana")]
    fresh = [lead(i) for i in range(5)]
    routing = assign([*existing, *fresh], REPS, policy=policy, at=AT, workload={"bo": 1})
    assert owners(routing) == {"L-0": "bo", "L-1": "cy", "L-2": "cy", "L-3": None, "L-4": None}
    assert routing.decision("L-1").reason == "round robin (turn 3 of 3); load 1/2"
    assert routing.decision("L-3").reason == "unassigned: every active rep is at capacity 2"
    assert routing.loads == {"ana": 2, "bo": 2, "cy": 2}


def test_a_full_territory_falls_back_to_reps_with_room():
    policy = RoutingPolicy(territory_attribute="region", capacity=1)
    leads = [lead(i, attributes={"region": "south"}) for i in range(3)]
    routing = assign(leads, REPS, policy=policy, at=AT)
    assert owners(routing) == {"L-0": "bo", "L-1": "cy", "L-2": "ana"}
    assert "candidate reps are at capacity 1" in routing.decision("L-1").reason


def test_the_hottest_leads_go_first_to_the_reps_who_convert_best():
    policy = RoutingPolicy(strategy="best_conversion")
    leads = [
        lead(0),  # cold
        lead(1, purchase_timeframe_days=60),  # warm
        lead(2, purchase_timeframe_days=3),  # hot
        lead(3, purchase_timeframe_days=5),  # hot, scored higher
    ]
    conversion = {"ana": 0.1, "bo": Decimal("0.4"), "cy": 0.25}
    routing = assign(
        leads,
        REPS,
        policy=policy,
        at=AT - timedelta(days=10),
        conversion=conversion,
        scores={"L-3": 90, "L-2": 40},
    )
    assert [(x.id, x.owner_id) for x in routing.leads] == [
        ("L-3", "bo"),
        ("L-2", "cy"),
        ("L-1", "ana"),
        ("L-0", "bo"),
    ]
    assert routing.decision("L-3").reason.startswith("best conversion first (rank 1 of 3)")


def test_reps_without_a_conversion_rate_rank_last():
    policy = RoutingPolicy(strategy="best_conversion")
    routing = assign([lead(0)], REPS, policy=policy, at=AT, conversion={"cy": 0.0})
    assert routing.leads[0].owner_id == "cy"


def test_bad_input_is_refused():
    with pytest.raises(ValidationError):
        assign([lead(0), lead(0)], REPS, policy=ROUND_ROBIN, at=AT)
    with pytest.raises(ValidationError):
        assign([lead(0)], [rep("a"), rep("a")], policy=ROUND_ROBIN, at=AT)
    with pytest.raises(ValidationError):
        assign([lead(0)], REPS, policy=ROUND_ROBIN, at=datetime(2026, 3, 2))
    with pytest.raises(ValidationError):
        assign([lead(0)], REPS, policy="round_robin", at=AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        assign([lead(0)], REPS, policy=ROUND_ROBIN, at=AT, workload={"ana": -1})
    with pytest.raises(ValidationError):
        RoutingPolicy(strategy="random")


def test_policies_round_trip_through_json():
    policy = RoutingPolicy(
        strategy="best_conversion",
        territory_attribute="country",
        territories=(Territory(value="PT", rep_ids=("ana", "bo")),),
        fallback=False,
        capacity=30,
        temperature=TemperaturePolicy(hot_within_days=7),
    )
    assert from_dict(json.loads(json.dumps(to_dict(policy))), RoutingPolicy) == policy


# --- properties -------------------------------------------------------------------

rep_lists = st.lists(
    st.builds(
        lambda i, region, active: rep(f"r{i}", region=region, active=active),
        st.integers(0, 9),
        st.sampled_from(["north", "south", None]),
        st.booleans(),
    ),
    max_size=6,
    unique_by=lambda r: r.id,
)
lead_lists = st.lists(
    st.builds(
        lambda i, region, owner, days: lead(
            i, owner_id=owner, attributes={"region": region}, purchase_timeframe_days=days
        ),
        st.integers(0, 99),
        st.sampled_from(["north", "south", "east", None]),
        st.sampled_from([None, None, None, "r0", "r1", "zed"]),
        st.none() | st.integers(0, 200),
    ),
    max_size=25,
    unique_by=lambda x: x.id,
)
routing_policies = st.builds(
    RoutingPolicy,
    strategy=st.sampled_from(["round_robin", "least_loaded", "best_conversion"]),
    territory_attribute=st.sampled_from([None, "region"]),
    fallback=st.booleans(),
    capacity=st.none() | st.integers(0, 6),
)


@given(
    lead_lists,
    rep_lists,
    routing_policies,
    st.dictionaries(st.sampled_from(["r0", "r1", "r2"]), st.floats(0, 1)),
)
def test_each_lead_is_assigned_at_most_once_and_capacity_is_never_exceeded(
    leads, reps, policy, rates
):
    routing = assign(leads, reps, policy=policy, at=AT, conversion=rates)
    ids = [x.id for x in routing.leads]
    assert len(ids) == len(set(ids))
    routed = [d.lead_id for d in routing.decisions]
    assert len(routed) == len(set(routed))
    assert set(ids) <= set(routed)
    active = {r.id for r in reps if r.active}
    assert {x.owner_id for x in routing.leads} <= active
    loads = {r: sum(1 for x in leads if x.owner_id == r) for r in active}
    for x in routing.leads:
        loads[x.owner_id] += 1
    assert loads == dict(routing.loads)
    if policy.capacity is not None:
        already = {r: sum(1 for x in leads if x.owner_id == r) for r in active}
        for r, load in loads.items():
            assert load <= max(policy.capacity, already[r])
    assert assign(leads, reps, policy=policy, at=AT, conversion=rates) == routing
