"""Temperature policies (salesmodel.temperature): score bands given as Decimals,
and no score at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesmodel import Temperature, TemperaturePolicy, ValidationError


def test_score_bands_take_decimals_as_they_are_and_no_score_is_cold() -> None:
    policy = TemperaturePolicy(hot_score=Decimal("70"), warm_score=Decimal("40.5"))
    assert (policy.hot_score, policy.warm_score) == (Decimal(70), Decimal("40.5"))
    assert policy.by_score(None) is Temperature.COLD
    assert policy.by_score(Decimal("40.5")) is Temperature.WARM
    assert policy.by_score(Decimal("40.4")) is Temperature.COLD
    assert policy.by_score(70) is Temperature.HOT


def test_a_score_band_that_is_no_number_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        TemperaturePolicy(hot_score=[70])  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("hot_score", [70])


def test_a_float_score_band_becomes_the_decimal_of_its_shortest_repr() -> None:
    policy = TemperaturePolicy(hot_score=72.5, warm_score=0.1)
    assert (policy.hot_score, policy.warm_score) == (Decimal("72.5"), Decimal("0.1"))
    assert type(policy.hot_score) is Decimal


@pytest.mark.parametrize("band", ["abc", "nan", True])
def test_a_score_band_that_reads_as_no_finite_number_is_refused_as_given(band: object) -> None:
    with pytest.raises(ValidationError) as caught:
        TemperaturePolicy(warm_score=band)  # type: ignore[arg-type]
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("warm_score", band, "None or a finite number such as 10 or '2.5'")
    ]
