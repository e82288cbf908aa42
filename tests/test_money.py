"""Money and RateTable: exact amounts, one currency at a time, rates from the caller."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import CurrencyMismatchError, Money, RateTable, ValidationError
from salesmodel.strategies import amounts, moneys, rate_tables

EUR = st.just("EUR")


def test_amount_keeps_its_exponent_and_accepts_decimal_int_and_str():
    assert Money(Decimal("12.50"), "EUR").amount == Decimal("12.50")
    assert str(Money("12.50", "EUR").amount) == "12.50"
    assert Money(12, "EUR").amount == Decimal(12)


def test_a_float_is_taken_by_its_shortest_repr():
    assert Money(0.1, "EUR").amount == Decimal("0.1")
    assert Money(0.1, "EUR") + Money(0.2, "EUR") == Money("0.3", "EUR")


@pytest.mark.parametrize(
    "bad",
    [
        float("nan"),
        float("inf"),
        -float("inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        "NaN",
        "inf",
        "12,50",
        "1_000",
        "",
        "abc",
        True,
        None,
        [1],
        Decimal("1E+31"),
        "1E-31",
        "1" * 101,
    ],
)
def test_non_finite_or_malformed_amounts_are_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as info:
        Money(bad, "EUR")
    assert info.value.field == "amount"
    assert "finite amount" in str(info.value)


@pytest.mark.parametrize("bad", ["eur", "EU", "EURO", "E1R", "", None, 978, ["EUR"], "ÉUR"])
def test_currency_must_be_three_upper_case_letters(bad):
    with pytest.raises(ValidationError) as info:
        Money(1, bad)
    assert info.value.errors.keys() == {"currency"}
    assert "three-letter upper-case" in str(info.value)


def test_an_unlisted_code_of_the_right_shape_is_accepted():
    assert Money(1, "XBT").currency == "XBT"


def test_both_bad_fields_are_named_at_once():
    with pytest.raises(ValidationError) as info:
        Money("x", "x")
    assert set(info.value.errors) == {"amount", "currency"}


def test_money_is_immutable_hashable_and_pickles():
    money = Money("9.99", "USD")
    with pytest.raises(AttributeError):
        money.amount = Decimal(1)  # type: ignore[misc]
    assert hash(money) == hash(Money(Decimal("9.990"), "USD"))
    assert pickle.loads(pickle.dumps(money)) == money
    assert repr(money) == "Money('9.99', 'USD')"
    assert str(money) == "9.99 USD"


def test_adding_or_comparing_two_currencies_raises_currency_mismatch():
    with pytest.raises(CurrencyMismatchError) as info:
        Money(1, "EUR") + Money(1, "USD")
    assert info.value.currencies == ("EUR", "USD")
    with pytest.raises(CurrencyMismatchError):
        Money(1, "EUR") - Money(1, "USD")
    with pytest.raises(CurrencyMismatchError):
        assert Money(1, "EUR") < Money(1, "USD")
    assert Money(1, "EUR") != Money(1, "USD")


def test_sum_of_money_starts_from_zero_and_only_zero():
    assert sum([Money("1.10", "EUR"), Money("2.20", "EUR")]) == Money("3.30", "EUR")
    assert Money(1, "EUR") + 0 == Money(1, "EUR")
    with pytest.raises(TypeError):
        Money(1, "EUR") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(1, "EUR") + Decimal(1)  # type: ignore[operator]


def test_multiplication_by_int_or_decimal_only():
    assert Money("2.50", "EUR") * 3 == Money("7.50", "EUR")
    assert Decimal("0.5") * Money("3", "EUR") == Money("1.5", "EUR")
    with pytest.raises(TypeError):
        Money(1, "EUR") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(1, "EUR") * True  # type: ignore[operator]
    with pytest.raises(ValidationError):
        Money(1, "EUR") * Decimal("NaN")


def test_arithmetic_that_would_round_raises_instead():
    huge = Money(Decimal("1E+30"), "EUR")
    with pytest.raises(ValidationError):
        huge * Decimal("1." + "1" * 100)


def test_zero_negation_abs_and_round():
    assert Money.zero("JPY") == Money(0, "JPY")
    assert -Money(3, "EUR") == Money(-3, "EUR")
    assert abs(Money(-3, "EUR")) == Money(3, "EUR")
    assert Money("2.675", "EUR").round(2) == Money("2.68", "EUR")
    assert Money("2.665", "EUR").round(2) == Money("2.66", "EUR")


def test_ordering_within_one_currency():
    assert sorted([Money(3, "EUR"), Money(1, "EUR"), Money(2, "EUR")])[0] == Money(1, "EUR")
    assert Money(1, "EUR") <= Money(1, "EUR") < Money(2, "EUR")
    assert Money(2, "EUR") >= Money(2, "EUR") > Money(1, "EUR")


@given(moneys(currency=EUR), moneys(currency=EUR), moneys(currency=EUR))
def test_addition_is_associative_and_commutative_within_a_currency(a, b, c):
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert a + Money.zero("EUR") == a
    assert (a + b) - b == a


@given(moneys(currency=EUR), st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_multiplication_distributes_over_addition(a, m, n):
    assert a * (m + n) == a * m + a * n


@given(st.lists(moneys(currency=EUR), max_size=20))
def test_sum_equals_the_sum_of_the_amounts(values):
    total = sum(values, Money.zero("EUR"))
    assert total.amount == sum((v.amount for v in values), Decimal(0))


def test_conversion_uses_only_the_rates_given():
    rates = RateTable({("EUR", "USD"): "1.08"})
    assert Money(10, "EUR").convert("USD", rates) == Money("10.80", "USD")
    assert Money(10, "EUR").convert("EUR", rates) == Money(10, "EUR")
    assert Money("10.80", "USD").convert("EUR", rates) == Money(10, "EUR")
    with pytest.raises(CurrencyMismatchError) as info:
        Money(1, "GBP").convert("USD", rates)
    assert "no exchange rate from GBP to USD" in str(info.value)
    assert "EUR->USD" in str(info.value)


def test_an_empty_table_never_assumes_a_rate_of_one():
    with pytest.raises(CurrencyMismatchError):
        Money(1, "EUR").convert("USD", RateTable())


def test_rate_table_from_base_and_its_container_behaviour():
    rates = RateTable.from_base("EUR", {"USD": "1.08", "GBP": Decimal("0.86")})
    assert ("EUR", "GBP") in rates
    assert len(rates) == 2
    assert set(rates) == {("EUR", "USD"), ("EUR", "GBP")}
    assert rates == RateTable({("EUR", "USD"): 1.08, ("EUR", "GBP"): "0.86"})
    assert hash(rates) == hash(RateTable(dict(rates.items())))
    assert pickle.loads(pickle.dumps(rates)) == rates
    assert "RateTable" in repr(rates)


@pytest.mark.parametrize(
    "bad",
    [
        {("EUR", "EUR"): 1},
        {("EUR", "usd"): 1},
        {("EUR",): 1},
        {"EUR/USD": 1},
        {("EUR", "USD"): 0},
        {("EUR", "USD"): -1},
        {("EUR", "USD"): "nan"},
    ],
)
def test_bad_rates_are_refused(bad):
    with pytest.raises(ValidationError):
        RateTable(bad)


@given(rate_tables(), amounts())
def test_converting_along_a_given_pair_multiplies_exactly(rates, amount):
    for (source, target), rate in rates.items():
        assert Money(amount, source).convert(target, rates).amount == amount * rate
