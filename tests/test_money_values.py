"""Money and rate tables (salesmodel.money) as values: immutable, unary plus,
conversion into the same currency, and comparison with other types."""

from __future__ import annotations

from decimal import Decimal

import pytest
from attrs.exceptions import FrozenInstanceError

from salesmodel import Money, RateTable


def test_money_cannot_lose_an_attribute_and_unary_plus_is_itself() -> None:
    money = Money("1.50", "EUR")
    with pytest.raises(FrozenInstanceError):
        del money.amount
    assert +money is money
    assert -money == Money("-1.50", "EUR")
    assert money.__eq__(Decimal("1.50")) is NotImplemented
    assert money != Decimal("1.50")


def test_a_rate_table_is_frozen_and_equal_only_to_rate_tables() -> None:
    rates = RateTable({("USD", "EUR"): Decimal("0.9")})
    with pytest.raises(FrozenInstanceError):
        rates.extra = 1  # type: ignore[attr-defined]
    assert rates.__eq__({("USD", "EUR"): Decimal("0.9")}) is NotImplemented
    assert rates != {("USD", "EUR"): Decimal("0.9")}
    assert rates == RateTable({("USD", "EUR"): "0.9"})


def test_converting_into_the_same_currency_keeps_the_amount() -> None:
    rates = RateTable({("USD", "EUR"): Decimal("0.9")})
    assert rates.apply(Decimal("12.345"), "EUR", "EUR") == Decimal("12.345")
    assert Money("12.345", "EUR").convert("EUR", rates) == Money("12.345", "EUR")
