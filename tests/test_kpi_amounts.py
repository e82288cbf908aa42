"""Exact sums of amounts per group and currency (salesmodel.kpi._amounts): the
currency and rate arguments, sums that never round, several currencies kept
apart, and one Money per group or an error naming the currencies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from salesmodel import CurrencyMismatchError, Deal, Money, RateTable
from salesmodel.kpi._amounts import add_amounts, check_currency, merge_sums, per_key, resolve
from support import issues

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RATES = RateTable.from_base("EUR", {"USD": "1.25", "GBP": "0.8"})
BIG = Decimal("12345678901234567890.123456789")  # 29 digits: beyond the default context
TINY = Decimal("0.000000002")


def deal(amount: Any, currency: str = "EUR") -> Deal:
    return Deal(id="d", name="d", amount=Money(amount, currency), created_at=T0)


def test_currency_and_rates_are_checked_together() -> None:
    assert check_currency(None, None) == (None, None)
    assert check_currency("EUR", RATES) == ("EUR", RATES)
    assert check_currency("USD", None) == ("USD", None)
    assert issues(lambda: check_currency("eur", None)) == [
        ("currency", "eur", "None or a three-letter upper-case currency code such as 'EUR'")
    ]
    assert issues(lambda: check_currency("EUR", {})) == [("rates", {}, "None or a RateTable")]
    assert issues(lambda: check_currency(None, RATES)) == [
        ("currency", None, "the currency to convert into, since rates= is given")
    ]


def test_sums_of_one_currency_are_exact_with_or_without_keys() -> None:
    sums: dict[Any, Decimal] = {}
    add_amounts(sums, None, [deal(BIG), deal(TINY)])
    add_amounts(sums, None, [deal(1)])
    assert sums == {((), "EUR"): Decimal("12345678901234567891.123456791")}
    keyed: dict[Any, Decimal] = {}
    add_amounts(keyed, ["a", "b", "a"], [deal(BIG), deal(2), deal(TINY)])
    add_amounts(keyed, iter(["b"]), [deal(3)])
    assert keyed == {("a", "EUR"): Decimal("12345678901234567890.123456791"), ("b", "EUR"): 5}
    add_amounts(keyed, [], [])
    assert len(keyed) == 2


def test_sums_of_several_currencies_stay_apart_and_exact() -> None:
    sums: dict[Any, Decimal] = {}
    add_amounts(sums, None, [deal(BIG), deal(2, "USD"), deal(TINY)])
    assert sums == {((), "EUR"): Decimal("12345678901234567890.123456791"), ((), "USD"): 2}
    keyed: dict[Any, Decimal] = {((), "USD"): Decimal(1)}
    add_amounts(keyed, ["a", "a", "b"], [deal(1), deal(2, "USD"), deal(3, "USD")])
    add_amounts(keyed, ["a"], [deal(4, "USD")])
    assert keyed == {((), "USD"): 1, ("a", "EUR"): 1, ("a", "USD"): 6, ("b", "USD"): 3}


def test_merged_sums_add_up_exactly_and_split_by_key() -> None:
    into: dict[Any, Decimal] = {("a", "EUR"): BIG}
    merge_sums(into, {("a", "EUR"): TINY, ("b", "USD"): Decimal(2)})
    assert into == {("a", "EUR"): Decimal("12345678901234567890.123456791"), ("b", "USD"): 2}
    assert per_key(into) == {
        "a": {"EUR": Decimal("12345678901234567890.123456791")},
        "b": {"USD": Decimal(2)},
    }
    assert per_key({("a", "EUR"): Decimal(1), ("a", "USD"): Decimal(2)}) == {
        "a": {"EUR": 1, "USD": 2}
    }


def test_one_money_per_group_or_an_error_naming_the_currencies() -> None:
    assert resolve({}, currency=None, rates=None, what="x") is None
    assert resolve({}, currency="EUR", rates=None, what="x") == Money(0, "EUR")
    assert resolve({"USD": Decimal(3)}, currency=None, rates=None, what="x") == Money(3, "USD")
    assert resolve({"EUR": Decimal(3)}, currency="EUR", rates=None, what="x") == Money(3, "EUR")
    with pytest.raises(CurrencyMismatchError) as caught:
        resolve({"USD": Decimal(1), "EUR": Decimal(2)}, currency=None, rates=None, what="sums")
    assert str(caught.value) == (
        "sums mixes amounts in EUR, USD: pass by='currency' to report each currency apart, "
        "or rates=RateTable(...) and currency='...' to convert them"
    )
    assert caught.value.currencies == ("EUR", "USD")
    with pytest.raises(CurrencyMismatchError) as caught:
        resolve(
            {"USD": Decimal(1), "GBP": Decimal(2), "EUR": Decimal(3)},
            currency="EUR",
            rates=None,
            what="bookings",
        )
    assert str(caught.value) == (
        "bookings has amounts in GBP, USD, not only EUR: pass rates=RateTable(...) to convert "
        "them into EUR"
    )
    assert caught.value.currencies == ("EUR", "GBP", "USD")
    with pytest.raises(CurrencyMismatchError) as caught:
        resolve({"USD": Decimal(1)}, currency="EUR", rates=None, what="bookings")
    assert caught.value.currencies == ("EUR", "USD")


def test_other_currencies_are_converted_and_added_exactly() -> None:
    parts = {"USD": Decimal("1.25"), "GBP": Decimal("0.8"), "EUR": BIG}
    converted = resolve(parts, currency="EUR", rates=RATES, what="x")
    assert converted == Money(Decimal("12345678901234567892.123456789"), "EUR")
    assert converted is not None
    assert converted.amount == Decimal("12345678901234567892.123456789")
    assert resolve({"USD": Decimal(5)}, currency="EUR", rates=RATES, what="x") == Money(4, "EUR")


def test_amounts_in_the_currency_asked_add_to_those_converted_before_them() -> None:
    # "EUR" sorts before "USD": converted first, then the dollars are added.
    total = resolve({"EUR": Decimal(4), "USD": Decimal(1)}, currency="USD", rates=RATES, what="x")
    assert total == Money(6, "USD")
