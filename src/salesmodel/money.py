"""Money: an exact amount in one currency, and caller-supplied exchange rates."""

from __future__ import annotations

import decimal
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final, TypeAlias

from attrs.exceptions import FrozenInstanceError

from .errors import CurrencyMismatchError, Issue, ValidationError

__all__ = [
    "AmountLike",
    "Money",
    "RateTable",
    "known_currencies",
    "minor_unit",
    "register_currency",
]

#: What :class:`Money` accepts as an amount.
AmountLike: TypeAlias = Decimal | int | str | float

# Every computation names one of salesmodel's own contexts, so the caller's
# decimal context (its precision, its traps) never changes a figure or an error.
# Arithmetic on amounts is exact: a result that would need rounding raises instead.
# 100 significant digits leave room for sums of billions of bounded amounts.
_EXACT: Final = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
# Rounding on request (Money.round): as exact, except that rounding is the point.
_ROUND: Final = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# Only a rate inverted by RateTable is rounded (to 28 significant digits).
_INVERSE: Final = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# Amounts keep their leading digit within 10**±30: larger or smaller values are
# typos or hostile input, and would make formatting and rounding explode.
_MAX_ADJUSTED: Final = 30
_MAX_TEXT: Final = 100
# A binary float carries 15 significant decimal digits safely (DBL_DIG): one whose
# shortest repr has more may have lost digits on its way (JSON numbers do).
_FLOAT_DIGITS: Final = 15

_AMOUNT_EXPECTED: Final = (
    "a finite amount within 10**±30: a Decimal, an int, a str such as '12.50', or a float"
)
_FLOAT_EXPECTED: Final = (
    f"a float of at most {_FLOAT_DIGITS} significant digits, since a longer one may "
    "have lost digits (send amounts as strings, e.g. '12345678901234567.89')"
)
#: What a currency code must be, for messages.
CURRENCY_EXPECTED: Final = (
    "an ISO 4217 currency code such as 'EUR' (upper case), or a code registered "
    "with salesmodel.money.register_currency()"
)
_ZERO: Final = Decimal(0)


def _iso_table(text: str) -> dict[str, int]:
    """``{code: places}`` from lines of ``places: CODE CODE ...``."""
    table: dict[str, int] = {}
    for line in text.strip().splitlines():
        places, codes = line.split(":")
        table.update(dict.fromkeys(codes.split(), int(places)))
    return table


# The minor unit (decimal places) of every ISO 4217 code in use, of the fund and
# precious-metal codes, and of codes withdrawn since 2011 that old exports still
# carry. Codes ISO gives no minor unit (XAU, XDR, ...) round to 2 places, as
# Unicode CLDR's default does.
_ISO_4217: Final = _iso_table(
    """
    0: BIF BYR CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF
    3: BHD IQD JOD KWD LYD OMR TND
    4: CLF UYW
    2: AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL
    2: BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK
    2: DOP DZD EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK
    2: HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL LTL
    2: LVL MAD MDL MGA MKD MMK MNT MOP MRO MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    2: NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK
    2: SGD SHP SLE SLL SOS SRD SSP STD STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD
    2: TZS UAH USD USN UYU UZS VED VEF VES WST XAG XAU XBA XBB XBC XBD XCD XCG XDR
    2: XPD XPT XSU XUA YER ZAR ZMW ZWG ZWL
    """
)
# The codes salesmodel knows: ISO 4217's, then those the caller registers. Only
# ever added to, never changed (see register_currency), so a code once valid keeps
# its meaning and its places in every thread.
_PLACES: Final[dict[str, int]] = dict(_ISO_4217)
_REGISTERING: Final = threading.Lock()


def register_currency(code: str, places: int = 2) -> None:
    """Let salesmodel accept *code*, a currency ISO 4217 does not list (a
    company's own unit, a crypto-currency), rounded to *places* decimal places.

    Configuration, done once at start-up, in every process that builds or loads
    such amounts (dask or multiprocessing workers too): the table of codes is
    append-only, so a code once known never changes meaning, and registering the
    same code with the same places again does nothing. Thread-safe.

    >>> register_currency("XBT", places=8)
    >>> Money("0.00012345", "XBT").places
    8

    Args:
        code: Three upper-case ASCII letters.
        places: Its minor unit: how many decimal places an amount is rounded to
            by default (0 to 18).

    Raises:
        ValidationError: for a malformed code or places, or a code already known
            with other places (an ISO 4217 code included).

    .. versionadded:: 0.1.0
    """
    issues = []
    if not (
        type(code) is str
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
    ):
        issues.append(Issue("code", code, "three upper-case ASCII letters such as 'XBT'"))
    if type(places) is not int or not 0 <= places <= 18:
        issues.append(Issue("places", places, "an int from 0 to 18"))
    if issues:
        raise ValidationError(issues, "register_currency")
    with _REGISTERING:
        known = _PLACES.get(code)
        if known is None:
            _PLACES[code] = places
        elif known != places:
            expected = f"{known}, the places {code} already has (a code never changes meaning)"
            raise ValidationError.single("places", places, expected, "register_currency")


def minor_unit(code: str) -> int:
    """The decimal places of currency *code*: 2 for EUR, 0 for JPY, 3 for BHD.

    >>> minor_unit("JPY"), minor_unit("EUR"), minor_unit("BHD")
    (0, 2, 3)

    Raises:
        ValidationError: for a code neither ISO 4217 nor registered.

    .. versionadded:: 0.1.0
    """
    places = _PLACES.get(code) if type(code) is str else None
    if places is None:
        raise ValidationError.single("currency", code, CURRENCY_EXPECTED)
    return places


def known_currencies() -> tuple[str, ...]:
    """Every code salesmodel accepts now, sorted: ISO 4217's and those registered.

    .. versionadded:: 0.1.0
    """
    return tuple(sorted(_PLACES))


def amount_expected(value: object) -> str:
    """What an amount must be, for the error about *value*."""
    if type(value) is float and value == value and abs(value) != float("inf"):
        return _FLOAT_EXPECTED
    return _AMOUNT_EXPECTED


def parse_amount(value: object) -> Decimal | None:
    """*value* as a bounded finite Decimal, or None when it is not one.

    A float is taken by its shortest repr, and only when that has at most 15
    significant digits: beyond, digits may have been lost already.
    """
    kind = type(value)
    if kind is Decimal:
        number: Decimal = value  # type: ignore[assignment]
    elif kind is str or kind is float or isinstance(value, (str, float)):  # str first: JSON's
        text = float.__repr__(value) if isinstance(value, float) else str.strip(value)  # type: ignore[arg-type]
        if len(text) > _MAX_TEXT or "_" in text:  # Decimal() would read "1_000"
            return None
        try:
            number = Decimal(text)
        except (decimal.InvalidOperation, ValueError):
            return None
        # A float's repr always holds a "." or an "e": one of at most 16 characters
        # without "e" has at most 15 digits, and needs them not counted.
        if (
            isinstance(value, float)
            and (len(text) > _FLOAT_DIGITS + 1 or "e" in text)
            and _significant(number.as_tuple().digits) > _FLOAT_DIGITS
        ):
            return None
    elif kind is int or (isinstance(value, int) and kind is not bool):
        if not -(10**31) < value < 10**31:  # type: ignore[operator]
            return None  # Decimal() of a 5,000-digit int would be slow for nothing
        number = Decimal(value)  # type: ignore[arg-type]
    elif isinstance(value, Decimal):
        number = Decimal(value)
    else:
        return None
    if not number.is_finite() or not -_MAX_ADJUSTED <= number.adjusted() <= _MAX_ADJUSTED:
        return None
    return number


# A number as text in serialised data, which to_dict writes with str(Decimal):
# ASCII digits, "-" when negative, an exponent ("1E+3"). Money itself reads more,
# as cells of imported files hold it: spaces around, a "+", other scripts' digits;
# data a program wrote is exact text, where anything else is a typo or tampering.
def plain_number(text: str) -> bool:
    """Whether the str *text*, if Decimal reads it, is a number written plainly:
    ASCII, from a digit (after a "-", if one) to a digit, no "_" (which Decimal
    reads as a separator), a point with a digit after it. A digit after the "-"
    keeps out what Decimal reads as no finite number ("-NaN1", "-sNaN1") and
    "-.5"; Decimal refuses the rest of what is not a number; str methods, not a
    regular expression: from_dict reads every amount through here."""
    return (
        text.isascii()
        and text[-1:].isdigit()
        and (text[:1].isdigit() or (text[:1] == "-" and text[1:2].isdigit()))
        and "_" not in text
        and ".e" not in text
        and ".E" not in text
    )


#: How text :func:`plain_amount` reads is written, for messages (after an example).
PLAIN_NUMBER_EXPECTED: Final = (
    "written with ASCII digits, '-' if negative, optionally an exponent ('1E+3'), no spaces or '+'"
)


#: What an amount as text in serialised data must be.
PLAIN_AMOUNT_EXPECTED: Final = f"a finite decimal amount such as '12.50', {PLAIN_NUMBER_EXPECTED}"


def plain_amount(value: object) -> Decimal | None:
    """:func:`parse_amount` of *value*, a str only when written plainly (see
    :func:`plain_number`): how serialised data gives a number."""
    if isinstance(value, str) and not plain_number(value):
        return None
    return parse_amount(value)


def _significant(digits: tuple[int, ...]) -> int:
    """How many of *digits* are significant (trailing zeros are not: 100.0)."""
    count = len(digits)
    while count > 1 and digits[count - 1] == 0:
        count -= 1
    return count


def is_currency(code: object) -> bool:
    """Whether *code* is a currency salesmodel knows: an ISO 4217 code, or one
    registered with :func:`register_currency`."""
    return type(code) is str and code in _PLACES


class Money:
    """An exact amount of one currency.

    Args:
        amount: A :class:`~decimal.Decimal`, an ``int``, a ``str`` such as
            ``"12.50"``, or a ``float`` (taken by its shortest repr, so ``0.1`` is
            ``Decimal("0.1")``, and only with at most 15 significant digits: a
            longer one may have lost digits already). NaN, infinities and
            amounts beyond 10**±30 are refused.
        currency: An ISO 4217 code such as ``"EUR"``, or one registered with
            :func:`register_currency`.

    ``+`` and ``-`` work within one currency (else :class:`CurrencyMismatchError`),
    ``*`` by an int or Decimal, comparisons within one currency, and ``sum()`` of
    Money starts from ``0``. Arithmetic is exact: a result that would need rounding
    raises :class:`ValidationError` instead. Every computation uses a decimal
    context of salesmodel's own, never the caller's.

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
        number = parse_amount(amount)  # a finite, bounded Decimal, or None
        if number is not None and type(currency) is str and currency in _PLACES:
            _set_amount(self, number)
            _set_currency(self, currency)
            return
        issues = []
        if number is None:
            issues.append(Issue("amount", amount, amount_expected(amount)))
        if not is_currency(currency):
            issues.append(Issue("currency", currency, CURRENCY_EXPECTED))
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
        return Money(self.amount.copy_negate(), self.currency)  # exact, no context

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(self.amount.copy_abs(), self.currency)

    @property
    def places(self) -> int:
        """How many decimal places the currency's minor unit has, which
        :meth:`round` keeps by default (2 for EUR, 0 for JPY, 3 for BHD).

        .. versionadded:: 0.1.0
        """
        return _PLACES[self.currency]

    def round(self, places: int | None = None, rounding: str = decimal.ROUND_HALF_EVEN) -> Money:
        """The amount rounded to *places* decimal places, by default the
        currency's minor unit (:attr:`places`), with banker's rounding unless
        told otherwise (e.g. ``decimal.ROUND_HALF_UP``).

        >>> Money("1234.5", "JPY").round(), Money("2.345", "EUR").round()
        (Money('1234', 'JPY'), Money('2.34', 'EUR'))

        Raises:
            ValidationError: for *places* not an int from -30 to 30, an unknown
                *rounding*, or a result beyond 10**±30.
        """
        if places is None:
            places = _PLACES[self.currency]
        elif type(places) is not int or not -_MAX_ADJUSTED <= places <= _MAX_ADJUSTED:
            raise ValidationError.single("places", places, "an int from -30 to 30", "Money.round")
        if rounding not in _ROUNDINGS:
            expected = f"one of the decimal module's roundings ({', '.join(sorted(_ROUNDINGS))})"
            raise ValidationError.single("rounding", rounding, expected, "Money.round")
        quantum = _ONE.scaleb(-places, _EXACT)
        rounded = _compute(
            self.amount.quantize, quantum, rounding=rounding, context=_ROUND, shown=self.amount
        )
        return Money(rounded, self.currency)

    def convert(self, currency: str, rates: RateTable) -> Money:
        """This amount in *currency*, at the rate *rates* gives.

        Along a pair *rates* gives that way, the product is exact (not rounded);
        against a pair given the other way, it is a division rounded to 28
        significant digits (see :class:`RateTable`: give both directions to
        control it). Converting to the same currency needs no rate.

        Raises:
            CurrencyMismatchError: when *rates* has no rate for the pair.
            ValidationError: for an unknown *currency*, *rates* not a
                :class:`RateTable`, or a result beyond 10**±30.
        """
        if not is_currency(currency):
            raise ValidationError.single("currency", currency, CURRENCY_EXPECTED, "Money.convert")
        if currency == self.currency:
            return self
        if type(rates) is not RateTable:
            raise ValidationError.single("rates", rates, "a RateTable", "Money.convert")
        return Money(rates.apply(self.amount, self.currency, currency), currency)


_set_amount = Money.__dict__["amount"].__set__
_set_currency = Money.__dict__["currency"].__set__


def plain_money(amount: Any, currency: Any) -> Money:
    """``Money(amount, currency)`` from serialised data: an amount as text only
    when written plainly (:func:`plain_amount`).

    Raises:
        ValidationError: as Money does, and for text not written plainly.
    """
    if isinstance(amount, str):
        # plain text needs none of Money's strip, "_" and finiteness checks, so
        # reading it costs what Money's does
        if len(amount) <= _MAX_TEXT and plain_number(amount):
            try:
                number: Decimal | None = Decimal(amount)
            except decimal.InvalidOperation:  # no number ("1-5"): Money says so, below
                number = None
            if (
                number is not None
                and -_MAX_ADJUSTED <= number.adjusted() <= _MAX_ADJUSTED
                and type(currency) is str
                and currency in _PLACES
            ):
                money = object.__new__(Money)
                _set_amount(money, number)
                _set_currency(money, currency)
                return money
        elif parse_amount(amount) is not None:  # Money reads it; serialised data may not
            issues = [Issue("amount", amount, PLAIN_AMOUNT_EXPECTED)]
            if not is_currency(currency):
                issues.append(Issue("currency", currency, CURRENCY_EXPECTED))
            raise ValidationError(issues, "Money")
    return Money(amount, currency)


def checked_money(amount: Decimal, currency: str) -> Money:
    """``Money(amount, currency)`` for a caller that has checked both already (a
    finite Decimal within Money's bounds, a known currency: a decimal column of a
    frame, its type and its one currency read once), without checking them again."""
    money = object.__new__(Money)
    _set_amount(money, amount)
    _set_currency(money, currency)
    return money


def plain_float_money(value: object, currency: str, places: int) -> Money | None:
    """``Money(value, currency)`` for a float whose shortest repr is plain (no
    exponent, at most 15 digits: ``1200.5``) with at most *places* decimals,
    without checking again what that shape makes sure of; None for any other
    float, which ``Money`` itself then takes or refuses, and for anything else.
    *currency* must be known."""
    if value.__class__ is not float:
        return None
    text = float.__repr__(value)
    point = text.find(".")  # a finite float's repr without "e" has one
    if point < 0 or len(text) > _FLOAT_DIGITS + 1 or "e" in text or len(text) - point > places + 1:
        return None
    money = object.__new__(Money)  # checked_money's work, without its call
    _set_amount(money, Decimal(text))
    _set_currency(money, currency)
    return money


#: The most whole digits a Decimal may have within Money's bounds (10**±30).
MONEY_DIGITS: Final = _MAX_ADJUSTED + 1


_ONE: Final = Decimal(1)
_ROUNDINGS: Final = frozenset(
    value for name, value in vars(decimal).items() if name.startswith("ROUND_")
)


def _compute(
    op: Callable[..., Decimal],
    *args: Any,
    shown: object = None,
    expected: str = "an amount computed within 100 digits and 10**±30",
    **kwargs: Any,
) -> Decimal:
    """*op* (a method of one of our contexts, or given one) applied to *args*,
    any decimal signal its context traps turned into a ValidationError showing
    *shown* (by default the arguments)."""
    try:
        return op(*args, **kwargs)
    except decimal.DecimalException:
        if shown is None:
            shown = " and ".join(str(x) for x in args)
        raise ValidationError.single("amount", shown, expected, "Money") from None


def _exact(op: Callable[..., Decimal], left: Decimal, right: Decimal, currency: str) -> Money:
    expected = "exactly representable in 100 digits"
    return Money(_compute(op, left, right, expected=expected), currency)


def _agree(rate: Decimal, other: Decimal) -> bool:
    """Whether *rate* and *other*, the rates of a pair's two directions, can be
    one rate, each rounded to its own last digit: some x within half a unit of
    that digit of *rate* has 1/x within half a unit of *other*'s. Exact
    (fractions: the product of two 100-digit rates needs 200)."""
    from fractions import Fraction  # here: only a table with both directions needs it

    a, b = Fraction(rate), Fraction(other)
    half_a = Fraction(1, 2) * Fraction(10) ** rate.as_tuple().exponent  # type: ignore[operator]
    half_b = Fraction(1, 2) * Fraction(10) ** other.as_tuple().exponent  # type: ignore[operator]
    return (a - half_a) * (b - half_b) <= 1 <= (a + half_a) * (b + half_b)


def _disagreement(pair: tuple[str, str], raw: object, rate: Decimal, other: Decimal) -> Issue:
    """The issue of *raw* (read as *rate*), the rate of *pair*, which *other*, the
    rate given the other way, contradicts: naming both, and what would agree."""
    inverse = _INVERSE.divide(_ONE, other)
    try:  # written to the places of the rate given, unless that rounds it to 0
        written = inverse.quantize(_ONE.scaleb(rate.as_tuple().exponent), context=_ROUND)  # type: ignore[arg-type]
        inverse = written or inverse
    except decimal.DecimalException:
        pass  # more places than a context holds: its 28 significant digits say it
    expected = (
        f"{inverse}, 1 / {other} (the rate of {(pair[1], pair[0])!r}) to its places, or "
        "left out: a rate serves its pair's other way too"
    )
    return Issue(f"[{pair!r}]", raw, expected)


class RateTable:
    """Exchange rates the caller supplies; none is ever assumed.

    Args:
        rates: ``{("EUR", "USD"): "1.08"}`` means 1 EUR buys 1.08 USD. Rates are
            positive finite numbers, taken like :class:`Money` amounts.

    A pair given one way serves the other way too, by division rounded to 28
    significant digits; give both directions to control that rounding. Both
    directions of a pair must then agree to the digits they are written with
    (1.08 and 0.93, 1.0823 and 0.9240, 1.25 and 0.8: one rate, each written to
    its own places), else the table is refused: 1.1 and 0.5 would convert there
    and back to another amount. It holds one rate a pair, not a bid and an ask.
    A missing pair raises :class:`CurrencyMismatchError`, never an implicit 1.

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
        given: object = rates  # callers without a type checker pass anything
        if given is not None and not isinstance(given, Mapping):
            expected = "a mapping of (source, target) currency pairs to rates"
            raise ValidationError.single("rates", rates, expected, "RateTable")
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
            rate = parse_amount(raw) if type(raw) is not bool else None
            if rate is None or rate <= 0:
                issues.append(Issue(path, raw, "a positive finite rate"))
                continue
            table[pair] = rate
            other = table.get((pair[1], pair[0]))
            if other is not None and not _agree(rate, other):
                issues.append(_disagreement(pair, raw, rate, other))
        if issues:
            raise ValidationError(issues, "RateTable")
        object.__setattr__(self, "_rates", table)

    @classmethod
    def from_base(cls, base: str, rates: Mapping[str, AmountLike]) -> RateTable:
        """Rates quoted against one base, as central banks publish them:
        ``from_base("EUR", {"USD": "1.08"})`` means 1 EUR buys 1.08 USD."""
        given: object = rates  # callers without a type checker pass anything
        if not isinstance(given, Mapping):
            expected = "a mapping of currency code to rate"
            raise ValidationError.single("rates", rates, expected, "RateTable")
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
            return _compute(_INVERSE.divide, _ONE, inverse)
        raise self._missing(source, target)

    def apply(self, amount: Decimal, source: str, target: str) -> Decimal:
        """*amount* of *source* in *target*: exact along a given pair; against a
        pair given the other way, a division rounded to 28 significant digits."""
        if source == target:
            return amount
        direct = self._rates.get((source, target))
        if direct is not None:
            expected = "convertible exactly within 100 digits"
            return _compute(_EXACT.multiply, amount, direct, shown=amount, expected=expected)
        inverse = self._rates.get((target, source))
        if inverse is not None:
            result = _compute(_INVERSE.divide, amount, inverse)
            # 100 / 1.25 is 8E+1 to Decimal; show it with the amount's places: 80.
            exponent = amount.as_tuple().exponent
            if isinstance(exponent, int) and result.as_tuple().exponent > exponent:  # type: ignore[operator]
                quantum = _ONE.scaleb(exponent, _EXACT)
                result = _compute(result.quantize, quantum, context=_EXACT, shown=amount)
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
