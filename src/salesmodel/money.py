"""Money: an exact amount in one currency, and caller-supplied exchange rates."""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Final, TypeAlias

from attrs.exceptions import FrozenInstanceError

from .errors import CurrencyMismatchError, Issue, ValidationError

__all__ = ["AmountLike", "Money", "RateTable"]

#: What :class:`Money` accepts as an amount.
AmountLike: TypeAlias = Decimal | int | str | float

# Arithmetic on amounts is exact: a result that would need rounding raises instead.
# 100 significant digits leave room for sums of billions of bounded amounts.
_EXACT: Final = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
# Only a rate inverted by RateTable is rounded (to 28 significant digits).
_INVERSE: Final = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
# Amounts keep their leading digit within 10**±30: larger or smaller values are
# typos or hostile input, and would make formatting and rounding explode.
_MAX_ADJUSTED: Final = 30
_MAX_TEXT: Final = 100

_AMOUNT_EXPECTED: Final = (
    "a finite amount within 10**±30: a Decimal, an int, a str such as '12.50', or a float"
)
_CURRENCY_EXPECTED: Final = "a three-letter upper-case currency code such as 'EUR'"
_ZERO: Final = Decimal(0)
# ISO 4217 codes in use: membership is the fast path of the currency check; any
# other three upper-case letters (XBT, a company's own unit) pass the slow path.
_ISO_4217: Final = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS
    INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD
    LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VES VND VUV WST XAF XAG XAU XCD XDR XOF XPD XPF XPT XSU YER
    ZAR ZMW ZWL
    """.split()  # noqa: SIM905 - a table reads better as text
)


def parse_amount(value: object) -> Decimal | None:
    """*value* as a bounded finite Decimal, or None when it is not one."""
    kind = type(value)
    if kind is Decimal:
        number: Decimal = value  # type: ignore[assignment]
    elif kind is int or (isinstance(value, int) and kind is not bool):
        number = Decimal(value)  # type: ignore[arg-type]
    elif kind is str or kind is float or isinstance(value, (str, float)):
        text = float.__repr__(value) if isinstance(value, float) else str.strip(value)  # type: ignore[arg-type]
        if len(text) > _MAX_TEXT or "_" in text:  # Decimal() would read "1_000"
            return None
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:
            return None
    elif isinstance(value, Decimal):
        number = Decimal(value)
    else:
        return None
    if not number.is_finite() or not -_MAX_ADJUSTED <= number.adjusted() <= _MAX_ADJUSTED:
        return None
    return number


def is_currency(code: object) -> bool:
    """Whether *code* is a three-letter upper-case ASCII code."""
    return (type(code) is str and code in _ISO_4217) or (
        type(code) is str
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
    )


class Money:
    """An exact amount of one currency.

    Args:
        amount: A :class:`~decimal.Decimal`, an ``int``, a ``str`` such as
            ``"12.50"``, or a ``float`` (taken by its shortest repr, so ``0.1`` is
            ``Decimal("0.1")``). NaN and infinities are refused.
        currency: A three-letter upper-case code such as ``"EUR"``.

    ``+`` and ``-`` work within one currency (else :class:`CurrencyMismatchError`),
    ``*`` by an int or Decimal, comparisons within one currency, and ``sum()`` of
    Money starts from ``0``. Arithmetic is exact: a result that would need rounding
    raises :class:`ValidationError` instead.

    >>> Money("12.50", "EUR") + Money(2, "EUR")
    Money('14.50', 'EUR')
    >>> sum([Money("1.10", "USD"), Money("2.20", "USD")])
    Money('3.30', 'USD')

    Raises:
        ValidationError: naming ``amount`` and/or ``currency``.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, amount: AmountLike, currency: str) -> None:
        number = amount if type(amount) is Decimal else parse_amount(amount)
        if (
            number is not None
            and number.is_finite()
            and -_MAX_ADJUSTED <= number.adjusted() <= _MAX_ADJUSTED
            and ((type(currency) is str and currency in _ISO_4217) or is_currency(currency))
        ):
            _set_amount(self, number)
            _set_currency(self, currency)
            return
        issues = []
        if number is None or parse_amount(number) is None:
            issues.append(Issue("amount", amount, _AMOUNT_EXPECTED))
        if not is_currency(currency):
            issues.append(Issue("currency", currency, _CURRENCY_EXPECTED))
        raise ValidationError(issues, "Money")

    @classmethod
    def zero(cls, currency: str) -> Money:
        """``Money(0, currency)``."""
        return cls(_ZERO, currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (self.amount, self.currency))

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __eq__(self, other: object) -> bool:
        if type(other) is not Money:
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def _same(self, other: Money, verb: str) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                f"cannot {verb} {self} and {other}: amounts must share a currency; "
                "convert one first with money.convert(currency, rates)",
                (self.currency, other.currency),
            )

    def __lt__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if type(other) is not Money:
            return NotImplemented
        self._same(other, "compare")
        return self.amount >= other.amount

    def __add__(self, other: Money | int) -> Money:
        if type(other) is not Money:
            # ``sum()`` starts from 0, so 0 (and only 0) is accepted.
            if type(other) is int and other == 0:
                return self
            return NotImplemented
        self._same(other, "add")
        return _exact(_EXACT.add, self.amount, other.amount, self.currency)

    __radd__ = __add__

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money:
            return NotImplemented
        self._same(other, "subtract")
        return _exact(_EXACT.subtract, self.amount, other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if type(factor) is bool or not isinstance(factor, (int, Decimal)):
            return NotImplemented
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise ValidationError.single("factor", factor, "a finite number", "Money")
        return _exact(_EXACT.multiply, self.amount, Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def round(self, places: int = 2, rounding: str = decimal.ROUND_HALF_EVEN) -> Money:
        """The amount rounded to *places* decimal places (banker's rounding by
        default; pass e.g. ``decimal.ROUND_HALF_UP``)."""
        quantum = Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(quantum, rounding=rounding), self.currency)

    def convert(self, currency: str, rates: RateTable) -> Money:
        """This amount in *currency*, at the rate *rates* gives.

        The product is exact (not rounded). Converting to the same currency needs
        no rate.

        Raises:
            CurrencyMismatchError: when *rates* has no rate for the pair.
        """
        if currency == self.currency:
            return self
        return Money(rates.apply(self.amount, self.currency, currency), currency)


_set_amount = Money.__dict__["amount"].__set__
_set_currency = Money.__dict__["currency"].__set__


def _exact(op: Any, left: Decimal, right: Decimal, currency: str) -> Money:
    try:
        result: Decimal = op(left, right)
    except decimal.Inexact:
        raise ValidationError.single(
            "amount", f"{left} and {right}", "exactly representable in 100 digits", "Money"
        ) from None
    return Money(result, currency)


class RateTable:
    """Exchange rates the caller supplies; none is ever assumed.

    Args:
        rates: ``{("EUR", "USD"): "1.08"}`` means 1 EUR buys 1.08 USD. Rates are
            positive finite numbers, taken like :class:`Money` amounts.

    A pair given one way serves the other way too, by division rounded to 28
    significant digits; give both directions to control that rounding. A missing
    pair raises :class:`CurrencyMismatchError`, never an implicit 1.

    >>> rates = RateTable({("EUR", "USD"): "1.08"})
    >>> Money("10", "EUR").convert("USD", rates)
    Money('10.80', 'USD')

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_rates",)

    _rates: dict[tuple[str, str], Decimal]

    def __init__(self, rates: Mapping[tuple[str, str], AmountLike] | None = None) -> None:
        table: dict[tuple[str, str], Decimal] = {}
        issues: list[Issue] = []
        for pair, raw in (rates or {}).items():
            path = f"[{pair!r}]"
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not all(map(is_currency, pair))
                or pair[0] == pair[1]
            ):
                issues.append(Issue(path, pair, "a pair of two different currency codes"))
                continue
            rate = parse_amount(raw)
            if rate is None or rate <= 0:
                issues.append(Issue(path, raw, "a positive finite rate"))
                continue
            table[pair] = rate
        if issues:
            raise ValidationError(issues, "RateTable")
        object.__setattr__(self, "_rates", table)

    @classmethod
    def from_base(cls, base: str, rates: Mapping[str, AmountLike]) -> RateTable:
        """Rates quoted against one base, as central banks publish them:
        ``from_base("EUR", {"USD": "1.08"})`` means 1 EUR buys 1.08 USD."""
        return cls({(base, quote): rate for quote, rate in rates.items()})

    def rate(self, source: str, target: str) -> Decimal:
        """How many units of *target* one unit of *source* buys."""
        if source == target:
            return Decimal(1)
        direct = self._rates.get((source, target))
        if direct is not None:
            return direct
        inverse = self._rates.get((target, source))
        if inverse is not None:
            return _INVERSE.divide(Decimal(1), inverse)
        raise self._missing(source, target)

    def apply(self, amount: Decimal, source: str, target: str) -> Decimal:
        """*amount* of *source* in *target*: exact along a given pair; against a
        pair given the other way, a division rounded to 28 significant digits."""
        if source == target:
            return amount
        direct = self._rates.get((source, target))
        if direct is not None:
            try:
                return _EXACT.multiply(amount, direct)
            except decimal.Inexact:
                raise ValidationError.single(
                    "amount", amount, "convertible exactly within 100 digits", "Money"
                ) from None
        inverse = self._rates.get((target, source))
        if inverse is not None:
            result: Decimal = _INVERSE.divide(amount, inverse)
            # 100 / 1.25 is 8E+1 to Decimal; show it with the amount's places: 80.
            exponent = amount.as_tuple().exponent
            if isinstance(exponent, int) and result.as_tuple().exponent > exponent:  # type: ignore[operator]
                result = result.quantize(Decimal(1).scaleb(exponent), context=_EXACT)
            return result
        raise self._missing(source, target)

    def _missing(self, source: str, target: str) -> CurrencyMismatchError:
        known = ", ".join(f"{a}->{b}" for a, b in self._rates) or "none"
        return CurrencyMismatchError(
            f"no exchange rate from {source} to {target} (the table has: {known}); "
            "add one to the RateTable",
            (source, target),
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._rates)

    def __len__(self) -> int:
        return len(self._rates)

    def __contains__(self, pair: object) -> bool:
        return pair in self._rates

    def items(self) -> Iterator[tuple[tuple[str, str], Decimal]]:
        """The ``(source, target), rate`` pairs, as given."""
        return iter(self._rates.items())

    def __eq__(self, other: object) -> bool:
        if type(other) is not RateTable:
            return NotImplemented
        return self._rates == other._rates

    def __hash__(self) -> int:
        return hash(frozenset(self._rates.items()))

    def __repr__(self) -> str:
        return f"RateTable({self._rates!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RateTable, (dict(self._rates),))
