"""No construction path makes a record its pipeline refuses: the journeys the
strategies draw through every built-in pipeline, each record on the way, and what
evolve, JSON, bulk loading, reopen and transfer make of them, all pass
``Pipeline.validate``. (The ``long`` Hypothesis profile runs 10,000+ examples.)"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import DEFAULT_PIPELINE, LEAD_LIFECYCLE, Deal, Pipeline, Status, TransitionError
from salesmodel.bulk import from_records
from salesmodel.presets import PRESETS
from salesmodel.serialization import from_dict, to_dict
from salesmodel.strategies import Journey, histories

BUILT_IN = {"default": DEFAULT_PIPELINE, "lead_lifecycle": LEAD_LIFECYCLE, **PRESETS}
DEAL_PIPELINES = [p for p in BUILT_IN.values() if p.kind is Deal]


def every_record(journey: Journey[Any]) -> list[Any]:
    """The start, and the record after each move."""
    records = [journey.start]
    for move in journey.moves:
        records.append(move.apply(journey.pipeline, records[-1]))
    return records


def flat_row(deal: Deal) -> dict[str, Any]:
    """A deal as an export row: text and numbers, no history."""
    return {
        "id": deal.id,
        "name": deal.name,
        "amount": None if deal.amount is None else str(deal.amount.amount),
        "created_at": deal.created_at.isoformat(),
        "closed_at": None if deal.closed_at is None else deal.closed_at.isoformat(),
        "stage": deal.stage,
        "status": deal.status.value,
        "pipeline_id": deal.pipeline_id,
        "loss_reason": deal.loss_reason,
    }


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_no_construction_path_makes_a_record_its_pipeline_refuses(name: str) -> None:
    pipeline = BUILT_IN[name]
    made: Counter[str] = Counter()

    @given(histories(pipeline), st.data())
    def check(journey: Journey[Any], data: st.DataObject) -> None:
        for record in every_record(journey):
            assert pipeline.validate(record) is record
        made["moves"] += len(journey.moves)
        end = journey.end
        kind = type(end)
        assert pipeline.validate(attrs.evolve(end)) == end
        assert from_dict(to_dict(end), kind, pipelines=pipeline) == end
        if kind is Deal:
            row = flat_row(end)
            currency = None if end.amount is None else end.amount.currency
            rebuilt = from_records(Deal, [row], currency=currency, pipelines=pipeline)[0]
            assert pipeline.validate(rebuilt) is rebuilt
        later = (end.history[-1].at if end.history else end.created_at) + timedelta(days=1)
        if end.status is not Status.OPEN:
            try:
                opened = [s.id for s in pipeline.stages if s.status is Status.OPEN]
                reopened = pipeline.reopen(end, at=later, to=data.draw(st.sampled_from(opened)))
            except TransitionError:
                pass  # a final stage, or a stage no reopen rule allows: nothing made
            else:
                assert pipeline.validate(reopened) is reopened
                made["reopened"] += 1
        elif kind is Deal:
            target: Pipeline = data.draw(
                st.sampled_from([p for p in DEAL_PIPELINES if p.id != pipeline.id])
            )
            try:
                moved = target.transfer(end, at=later)
            except TransitionError:
                pass  # a guard of the target refuses it: nothing made
            else:
                assert target.validate(moved) is moved
                made["transferred"] += 1

    check()
    assert made["moves"] > 0
    if pipeline.kind is Deal:  # the reopen and transfer paths were walked
        assert made["reopened"] + made["transferred"] > 0, made
