"""The shipped Hypothesis strategies (salesmodel.strategies): bad arguments are
InvalidArgument, and restricted refusals keep to the rules asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from salesmodel import DEFAULT_PIPELINE, Deal, Money, TransitionError
from salesmodel import strategies as sst

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(InvalidArgument, match="max_size=0 must be at least 1"):
        sst.texts(max_size=0)
    with pytest.raises(InvalidArgument, match="naive bounds"):
        sst.aware_datetimes(min_value=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidArgument, match="is after max_value"):
        sst.aware_datetimes(min_value=datetime(2026, 1, 2), max_value=datetime(2026, 1, 1))
    with pytest.raises(InvalidArgument, match="places=31 must be between 0 and 30"):
        sst.amounts(places=31)


@settings(max_examples=5)
@given(st.data())
def test_a_negative_move_count_is_refused_when_drawn(data: st.DataObject) -> None:
    with pytest.raises(InvalidArgument, match="max_moves=-1 must be non-negative"):
        data.draw(sst.deals(max_moves=-1))


@settings(max_examples=25)
@given(sst.invalid_moves(DEFAULT_PIPELINE, rules=["reason-required"], max_moves=3))
def test_refusals_restricted_to_one_rule_are_refused_by_that_rule(
    invalid: sst.InvalidMove,  # type: ignore[type-arg]
) -> None:
    assert invalid.rule == "reason-required"
    with pytest.raises(TransitionError) as refusal:
        invalid.apply()
    assert refusal.value.rule == "reason-required"


def test_the_machine_checks_fail_when_a_move_meant_to_be_refused_is_not() -> None:
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=T0)
    accepted = sst.Move(to="qualification", at=T0 + timedelta(days=1))
    invalid = sst.InvalidMove(
        pipeline=DEFAULT_PIPELINE,
        entity=deal,
        move=accepted,
        rule="not-allowed",
        allowed=DEFAULT_PIPELINE.targets("prospecting"),
    )
    checks = sst._PipelineChecks()
    checks.pipeline = DEFAULT_PIPELINE
    with pytest.raises(AssertionError, match="was not refused"):
        checks.check_refusal(invalid)
