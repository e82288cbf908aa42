"""Routing results (salesmodel.routing): finding a lead's decision, and the reps
and leads assign() refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from salesmodel import Lead, Rep, ValidationError
from salesmodel.routing import RoutingPolicy, assign

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def lead(lead_id: str) -> Lead:
    return Lead(id=lead_id, name=lead_id, created_at=AT, source="website")


def test_each_routed_lead_has_its_decision_and_others_have_none() -> None:
    routing = assign(
        [lead("L1"), lead("L2")], [Rep(id="ana", name="Ana")], policy=RoutingPolicy(), at=AT
    )
    assert routing.decision("L2").rep_id == "ana"
    assert routing.decision("L2").lead_id == "L2"
    with pytest.raises(KeyError):
        routing.decision("L9")


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
