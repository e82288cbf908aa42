"""Money and RateTable: exact amounts, one currency at a time, rates from the caller."""

from __future__ import annotations

import operator
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import CurrencyMismatchError, Money, RateTable, ValidationError
from salesmodel.money import (
    CURRENCY_EXPECTED,
    known_currencies,
    minor_unit,
    register_currency,
)
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
    assert "ISO 4217 currency code" in str(info.value)


def test_an_unlisted_code_is_refused_until_registered():
    with pytest.raises(ValidationError) as info:
        Money(1, "QZA")
    assert info.value.field == "currency"
    register_currency("QZA", places=4)
    assert Money(1, "QZA").currency == "QZA"
    assert Money("1.23456", "QZA").round() == Money("1.2346", "QZA")
    assert minor_unit("QZA") == 4
    assert "QZA" in known_currencies()


def test_registering_a_code_again_with_the_same_places_does_nothing_and_other_places_fail():
    register_currency("QZB", places=2)
    register_currency("QZB", places=2)
    with pytest.raises(ValidationError) as info:
        register_currency("QZB", places=3)
    assert info.value.field == "places"
    with pytest.raises(ValidationError) as info:
        register_currency("EUR", places=3)  # ISO 4217 codes keep their minor unit
    assert info.value.field == "places"


@pytest.mark.parametrize(
    ("code", "places", "field"),
    [("qzc", 2, "code"), ("QZ", 2, "code"), ("QZÉ", 2, "code"), ("QZD", -1, "places"),
     ("QZD", 19, "places"), ("QZD", 2.0, "places"), ("QZD", True, "places")],
)  # fmt: skip
def test_a_malformed_registration_names_what_is_wrong(code, places, field):
    with pytest.raises(ValidationError) as info:
        register_currency(code, places)
    assert info.value.field == field


def test_registering_from_many_threads_at_once_keeps_one_meaning():
    from concurrent.futures import ThreadPoolExecutor

    def register(_: int) -> int:
        register_currency("QZE", places=1)
        return minor_unit("QZE")

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(register, range(200))) == {1}


@pytest.mark.parametrize(
    ("code", "places"),
    [("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("CLP", 0), ("BHD", 3), ("KWD", 3),
     ("TND", 3), ("CLF", 4), ("UYW", 4), ("XAU", 2)],
)  # fmt: skip
def test_each_currency_knows_its_iso_4217_minor_unit(code, places):
    assert minor_unit(code) == places
    assert Money(1, code).places == places


def test_minor_unit_of_an_unknown_code_is_a_validation_error():
    with pytest.raises(ValidationError) as info:
        minor_unit("ABC")
    assert info.value.field == "currency"


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


# Precise behaviour, each pinned by a mutation that survived the tests above
# (docs/explanation/mutation-testing.md).


class _Int(int):
    pass


class _Str(str):
    pass


class _Float(float):
    pass


class _Decimal(Decimal):
    pass


def test_subclasses_of_int_str_float_and_decimal_are_read_as_their_value():
    assert Money(_Int(5), "EUR").amount == Decimal(5)
    assert Money(_Str(" 1.50 "), "EUR").amount == Decimal("1.50")
    assert Money(_Float(0.25), "EUR").amount == Decimal("0.25")
    amount = Money(_Decimal("1.5"), "EUR").amount
    assert amount == Decimal("1.5")
    assert type(amount) is Decimal


def test_a_text_of_exactly_100_characters_is_read_and_one_of_101_is_refused():
    assert Money("1." + "0" * 98, "EUR").amount == Decimal(1)
    with pytest.raises(ValidationError):
        Money("1." + "0" * 99, "EUR")


@pytest.mark.parametrize(
    "amount", ["1E-30", "1E+30", "-9.99E+30", Decimal("1E-30"), Decimal("1E+30")]
)
def test_amounts_whose_leading_digit_is_at_10_to_the_plus_or_minus_30_are_accepted(amount):
    assert Money(amount, "EUR").amount == Decimal(amount)


@pytest.mark.parametrize("amount", ["1E-31", "1E+31", Decimal("1E-31"), Decimal("1E+31")])
def test_amounts_beyond_10_to_the_plus_or_minus_30_are_refused(amount):
    with pytest.raises(ValidationError):
        Money(amount, "EUR")


def test_a_refused_amount_is_reported_with_its_value_alone_and_the_subject_money():
    with pytest.raises(ValidationError) as info:
        Money("abc", "EUR")
    error = info.value
    assert error.subject == "Money"
    assert [(i.path, i.value, i.expected) for i in error.issues] == [
        (
            "amount",
            "abc",
            "a finite amount within 10**±30: a Decimal, an int, a str such as '12.50', or a float",
        )
    ]
    assert str(error).startswith("invalid Money: 'amount' must be a finite amount")


def test_a_refused_currency_is_reported_with_its_value_alone():
    with pytest.raises(ValidationError) as info:
        Money(1, "eur")
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("currency", "eur", CURRENCY_EXPECTED)
    ]
    assert info.value.subject == "Money"


def test_money_hashes_spread_over_amounts_and_currencies():
    assert len({hash(Money(i, "EUR")) for i in range(100)}) == 100
    assert hash(Money(1, "EUR")) != hash(Money(1, "USD"))


@pytest.mark.parametrize(
    ("operation", "verb"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "subtract"),
        (lambda a, b: a < b, "compare"),
        (lambda a, b: a <= b, "compare"),
        (lambda a, b: a > b, "compare"),
        (lambda a, b: a >= b, "compare"),
    ],
)
def test_a_currency_mismatch_says_what_was_tried_and_how_to_fix_it(operation, verb):
    with pytest.raises(CurrencyMismatchError) as info:
        operation(Money("1.5", "EUR"), Money(2, "USD"))
    assert str(info.value) == (
        f"cannot {verb} 1.5 EUR and 2 USD: amounts must share a currency; "
        "convert one first with money.convert(currency, rates)"
    )
    assert info.value.currencies == ("EUR", "USD")


def test_each_comparison_answers_by_itself_not_through_the_reflected_one():
    one, two = Money(1, "EUR"), Money(2, "EUR")
    assert one.__lt__(two) is True
    assert one.__lt__(Money(1, "EUR")) is False
    assert one.__le__(Money(1, "EUR")) is True
    assert two.__le__(one) is False
    assert two.__gt__(one) is True
    assert one.__gt__(Money(1, "EUR")) is False
    assert one.__ge__(Money(1, "EUR")) is True
    assert one.__ge__(two) is False
    assert not Money(1, "EUR") < Money(1, "EUR")
    assert not Money(1, "EUR") > Money(1, "EUR")


@pytest.mark.parametrize("method", ["__lt__", "__le__", "__gt__", "__ge__", "__sub__"])
def test_comparing_or_subtracting_anything_but_money_is_not_implemented(method):
    assert getattr(Money(1, "EUR"), method)(1) is NotImplemented
    with pytest.raises(TypeError):
        getattr(operator, method.strip("_"))(Money(1, "EUR"), 1)


def test_multiplying_by_a_non_finite_decimal_names_the_factor():
    nan = Decimal("NaN")
    with pytest.raises(ValidationError) as info:
        Money(1, "EUR") * nan
    (issue,) = info.value.issues
    assert (issue.path, issue.value, issue.expected) == ("factor", nan, "a finite number")
    assert info.value.subject == "Money"


def test_an_inexact_sum_names_both_operands():
    left, right = Decimal("1E+30"), Decimal("1." + "1" * 97)
    with pytest.raises(ValidationError) as info:
        Money(left, "EUR") + Money(right, "EUR")
    (issue,) = info.value.issues
    assert (issue.path, issue.value, issue.expected) == (
        "amount",
        f"1E+30 and 1.{'1' * 97}",
        "exactly representable in 100 digits",
    )
    assert info.value.subject == "Money"


def test_round_defaults_to_two_places_and_takes_the_rounding_asked_for():
    assert Money("2.675", "EUR").round() == Money("2.68", "EUR")
    assert str(Money("2.675", "EUR").round().amount) == "2.68"
    assert Money("2.665", "EUR").round(2, "ROUND_HALF_UP") == Money("2.67", "EUR")
    assert Money("2.665", "EUR").round(1, "ROUND_DOWN") == Money("2.6", "EUR")


def test_a_rate_is_given_directly_inverted_to_28_digits_or_one_for_the_same_currency():
    rates = RateTable({("EUR", "USD"): "1.08"})
    assert rates.rate("EUR", "USD") == Decimal("1.08")
    assert rates.rate("USD", "EUR") == Decimal("0.9259259259259259259259259259")
    assert rates.rate("GBP", "GBP") == Decimal(1)
    with pytest.raises(CurrencyMismatchError) as info:
        rates.rate("GBP", "USD")
    assert info.value.currencies == ("GBP", "USD")
    assert str(info.value) == (
        "no exchange rate from GBP to USD (the table has: EUR->USD); add one to the RateTable"
    )


def test_the_missing_rate_message_lists_every_pair_or_says_none():
    rates = RateTable({("EUR", "USD"): 1, ("EUR", "GBP"): 1})
    with pytest.raises(CurrencyMismatchError) as info:
        Money(1, "JPY").convert("CHF", rates)
    assert "(the table has: EUR->USD, EUR->GBP)" in str(info.value)
    assert info.value.currencies == ("JPY", "CHF")
    with pytest.raises(CurrencyMismatchError) as info:
        Money(1, "JPY").convert("CHF", RateTable())
    assert str(info.value) == (
        "no exchange rate from JPY to CHF (the table has: none); add one to the RateTable"
    )


def test_converting_against_an_inverted_pair_keeps_the_amounts_places():
    rates = RateTable({("USD", "EUR"): "1.25"})
    assert str(Money("100", "EUR").convert("USD", rates).amount) == "80"
    assert str(Money("100.50", "EUR").convert("USD", rates).amount) == "80.40"
    # 28 places: more digits than the default decimal context holds.
    places = "0" * 28
    assert str(Money("100." + places, "EUR").convert("USD", rates).amount) == "80." + places
    # A quotient with more places than the amount is kept as it is (28 digits).
    rates = RateTable({("EUR", "USD"): "1.08"})
    assert Money("10", "USD").convert("EUR", rates).amount == Decimal(
        "9.259259259259259259259259259"
    )


def test_a_conversion_that_would_round_names_the_amount():
    amount = Decimal("1." + "1" * 60)
    rates = RateTable({("EUR", "USD"): "1." + "3" * 60})
    with pytest.raises(ValidationError) as info:
        Money(amount, "EUR").convert("USD", rates)
    (issue,) = info.value.issues
    assert (issue.path, issue.value, issue.expected) == (
        "amount",
        amount,
        "convertible exactly within 100 digits",
    )
    assert info.value.subject == "Money"


def test_every_bad_pair_and_rate_of_a_table_is_reported_with_its_key():
    bad = {
        ("EUR", "EUR"): 1,
        ("USD", "usd"): 1,
        ("EUR", "USD"): 0,
        ("EUR", "GBP"): "nan",
        ("EUR", "JPY"): "160",
    }
    with pytest.raises(ValidationError) as info:
        RateTable(bad)
    error = info.value
    assert error.subject == "RateTable"
    pair = "a pair of two different currency codes"
    rate = "a positive finite rate"
    assert [(i.path, i.value, i.expected) for i in error.issues] == [
        ("[('EUR', 'EUR')]", ("EUR", "EUR"), pair),
        ("[('USD', 'usd')]", ("USD", "usd"), pair),
        ("[('EUR', 'USD')]", 0, rate),
        ("[('EUR', 'GBP')]", "nan", rate),
    ]


def test_a_pair_given_both_ways_must_agree_to_the_places_each_is_written_with():
    # one rate, each way rounded to its own places: taken (the other way is then
    # given, not divided)
    for there, back in [("1.08", "0.93"), ("1.0823", "0.9240"), ("1.25", 0.8), (2, 1)]:
        rates = RateTable({("EUR", "USD"): there, ("USD", "EUR"): back})
        assert rates.rate("USD", "EUR") == Decimal(str(back))
    # two rates: there and back would give another amount
    with pytest.raises(ValidationError) as info:
        RateTable({("EUR", "USD"): "1.1", ("EUR", "GBP"): "0.86", ("USD", "EUR"): "0.5"})
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        (
            "[('USD', 'EUR')]",
            "0.5",
            "0.9, 1 / 1.1 (the rate of ('EUR', 'USD')) to its places, or left out: a rate "
            "serves its pair's other way too",
        )
    ]
    # a bid and an ask are two rates too
    with pytest.raises(ValidationError, match=r"must be 0\.9240, 1 / 1\.0823"):
        RateTable({("EUR", "USD"): "1.0823", ("USD", "EUR"): "0.9230"})


def test_rate_tables_hash_by_their_rates():
    assert hash(RateTable({("EUR", "USD"): 1})) != hash(RateTable({("EUR", "USD"): 2}))
    assert hash(RateTable({("EUR", "USD"): 1})) != hash(RateTable({("EUR", "GBP"): 1}))


@given(
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(0, 10**17).map(lambda n: n / 1000)
    | st.integers(-(10**9), 10**9).map(lambda n: n / 100),
    st.sampled_from([("JPY", 0), ("EUR", 2), ("BHD", 3), ("CLF", 4)]),
)
def test_a_plain_float_becomes_the_money_money_makes_of_it(value, currency_places):
    """bulk's fast path for float columns: where it answers, Money agrees to the
    digit (same exponent: 1200.5 stays 1200.5, 100.0 stays 100.0)."""
    from salesmodel.money import plain_float_money

    currency, places = currency_places
    made = plain_float_money(value, currency, places)
    if made is None:
        return
    reference = Money(value, currency)
    assert (made.amount.as_tuple(), made.currency) == (reference.amount.as_tuple(), currency)
    assert -made.amount.as_tuple().exponent <= places
