"""Temperature: hot, warm or cold from the stated timeframe, optionally from score
bands, by a policy that is monotone and serialisable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import Bant, Lead, Temperature, ValidationError, from_dict, to_dict
from salesmodel.temperature import TemperaturePolicy, classify_temperature, timeframe_days

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOT, WARM, COLD = Temperature.HOT, Temperature.WARM, Temperature.COLD
RANK = {COLD: 0, WARM: 1, HOT: 2}


def lead(days: int | None = None, *, bant_days: int | None = None) -> Lead:
    return Lead(
        id="L-1",
        name="Ana",
        created_at=T0,
        source="referral",
        purchase_timeframe_days=days,
        bant=Bant(timescale_days=bant_days),
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, HOT), (14, HOT), (15, WARM), (60, WARM), (90, WARM), (91, COLD), (None, COLD)],
)
def test_the_default_follows_the_source_material(days, expected):
    assert classify_temperature(lead(days)) is expected


def test_the_bant_timescale_is_used_when_no_purchase_timeframe_was_given():
    assert classify_temperature(lead(bant_days=7)) is HOT
    assert classify_temperature(lead(200, bant_days=7)) is COLD


def test_with_at_the_timeframe_counts_down_from_creation():
    warm_lead = lead(60)
    assert classify_temperature(warm_lead, at=T0 + timedelta(days=10)) is WARM
    assert classify_temperature(warm_lead, at=T0 + timedelta(days=46)) is HOT
    assert timeframe_days(warm_lead, at=T0 + timedelta(days=100)) == 0
    assert classify_temperature(warm_lead, at=T0 + timedelta(days=100)) is HOT


def test_an_at_before_creation_takes_the_timeframe_as_stated():
    assert timeframe_days(lead(60), at=T0 - timedelta(days=5)) == 60


def test_score_bands_can_only_warm_a_lead_up():
    policy = TemperaturePolicy(hot_score=80, warm_score=50)
    assert classify_temperature(lead(None), score=85, policy=policy) is HOT
    assert classify_temperature(lead(None), score=55, policy=policy) is WARM
    assert classify_temperature(lead(5), score=10, policy=policy) is HOT
    assert classify_temperature(lead(None), policy=policy) is COLD


def test_a_score_only_policy_ignores_the_timeframe():
    policy = TemperaturePolicy(hot_within_days=None, warm_within_days=None, hot_score=70)
    assert classify_temperature(lead(1), score=20, policy=policy) is COLD
    assert classify_temperature(lead(None), score=Decimal("70.00"), policy=policy) is HOT


def test_score_bands_are_ignored_when_the_policy_has_none():
    assert classify_temperature(lead(None), score=100) is COLD


def test_inconsistent_thresholds_are_refused():
    with pytest.raises(ValidationError) as info:
        TemperaturePolicy(hot_within_days=30, warm_within_days=10)
    assert info.value.field == "warm_within_days"
    with pytest.raises(ValidationError) as info:
        TemperaturePolicy(hot_score=40, warm_score=60)
    assert info.value.field == "warm_score"
    with pytest.raises(ValidationError):
        TemperaturePolicy(hot_within_days=-1)


def test_a_naive_at_and_a_wrong_policy_are_refused():
    with pytest.raises(ValidationError):
        classify_temperature(lead(5), at=datetime(2026, 3, 2))
    with pytest.raises(ValidationError):
        classify_temperature(lead(5), policy="hot")  # type: ignore[arg-type]


def test_policies_round_trip_through_json():
    policy = TemperaturePolicy(hot_within_days=7, warm_within_days=60, warm_score="42.5")
    data = json.loads(json.dumps(to_dict(policy)))
    assert data["warm_score"] == "42.5"
    assert from_dict(data, TemperaturePolicy) == policy


policies = st.builds(
    lambda hot, extra, warm_none: TemperaturePolicy(
        hot_within_days=hot, warm_within_days=None if warm_none else (hot or 0) + extra
    ),
    st.one_of(st.none(), st.integers(0, 60)),
    st.integers(0, 120),
    st.booleans(),
)


@given(policies, st.integers(0, 400), st.integers(0, 400))
def test_the_policy_is_monotone_in_timeframe(policy, a, b):
    shorter, longer = sorted((a, b))
    assert RANK[policy.by_timeframe(shorter)] >= RANK[policy.by_timeframe(longer)]
    assert RANK[policy.by_timeframe(longer)] >= RANK[policy.by_timeframe(None)]


@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
def test_the_policy_is_monotone_in_score(hot, gap, a, b):
    policy = TemperaturePolicy(hot_score=hot, warm_score=max(0, hot - gap))
    low, high = sorted((a, b))
    assert RANK[policy.by_score(low)] <= RANK[policy.by_score(high)]


@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 200))
def test_classification_is_monotone_in_timeframe_as_time_passes(a, b, elapsed):
    shorter, longer = sorted((a, b))
    at = T0 + timedelta(days=elapsed)
    assert (
        RANK[classify_temperature(lead(shorter), at=at)]
        >= RANK[classify_temperature(lead(longer), at=at)]
    )


def test_one_whole_day_after_creation_counts_one_day_down():
    assert timeframe_days(lead(15), at=T0 + timedelta(days=1)) == 14
    assert classify_temperature(lead(15), at=T0 + timedelta(days=1)) is HOT
    assert timeframe_days(lead(15), at=T0 + timedelta(hours=23)) == 15


def test_a_warm_band_alone_warms_a_lead_up():
    policy = TemperaturePolicy(warm_score=50)
    assert classify_temperature(lead(None), score=60, policy=policy) is WARM
    assert classify_temperature(lead(None), score=49, policy=policy) is COLD
    assert classify_temperature(lead(5), score=60, policy=policy) is HOT


def test_a_wrong_policy_is_named_exactly():
    with pytest.raises(ValidationError) as info:
        classify_temperature(lead(5), policy="hot")  # type: ignore[arg-type]
    assert info.value.subject == "temperature"
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("policy", "hot", "a TemperaturePolicy")
    ]


@pytest.mark.parametrize("at", [datetime(2026, 3, 2), "2026-03-02T09:00:00+00:00"])
def test_a_naive_or_non_datetime_at_is_named_exactly(at):
    with pytest.raises(ValidationError) as info:
        classify_temperature(lead(5), at=at)
    assert info.value.subject == "temperature"
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("at", at, "None or a timezone-aware datetime")
    ]


@pytest.mark.parametrize("score", ["high", float("nan"), True, [50]])
def test_a_score_that_is_not_a_finite_number_or_a_lead_that_is_not_one_is_named(score):
    policy = TemperaturePolicy(hot_score=50)
    with pytest.raises(ValidationError) as info:
        classify_temperature(lead(5), score=score, policy=policy)
    assert [(i.path, i.expected) for i in info.value.issues] == [
        ("score", "None or a finite number such as 10 or '2.5'")
    ]
    assert classify_temperature(lead(None), score="60", policy=policy) is HOT
    with pytest.raises(ValidationError) as info:
        classify_temperature(None)  # type: ignore[arg-type]
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [("lead", None, "a Lead")]
