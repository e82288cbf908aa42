"""Typed KPI results: ratios, duration summaries, money totals, averages, counts,
grouped results, and what to do with them in a notebook.

Every result is immutable. Every result and every table turns into plain records
(``to_record()`` for one row, ``to_records()`` for a table), so
``pandas.DataFrame(result.to_records())`` gives a data frame without salesmodel
importing pandas; tables also render as HTML in notebooks (``_repr_html_``).
"""

from __future__ import annotations

import bisect
import decimal
import html
import itertools
import operator
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any, Final, Generic, TypeAlias, TypeVar, overload

import attrs

from salesmodel.errors import CurrencyMismatchError
from salesmodel.money import Money

__all__ = [
    "Average",
    "Count",
    "DurationSummary",
    "Grouped",
    "Ratio",
    "Skipped",
    "SkippedRecord",
    "Total",
]

#: What a :class:`Ratio` divides: counts, plain numbers, or amounts of money.
Number: TypeAlias = int | Decimal | Fraction | Money

V = TypeVar("V")

# Sums of amounts are exact: 100 significant digits, and a result that would need
# rounding raises instead of rounding silently.
EXACT: Final = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
ZERO: Final = Decimal(0)
_MICRO: Final = timedelta(microseconds=1)


# --- skipped records -----------------------------------------------------------------


@attrs.frozen(order=True)
class SkippedRecord:
    """One record a KPI left out under ``strict=False``.

    Attributes:
        id: The record's id, when it has one.
        field: The field that made it unusable, e.g. ``"closed_at"`` or
            ``"pipeline_id"`` (``"$"`` for the record as a whole).
        reason: What was wrong, phrased like a :class:`~salesmodel.ValidationError`
            message: ``"must be ... (got ...)"``.

    .. versionadded:: 0.1.0
    """

    id: str | None
    field: str
    reason: str


@attrs.frozen(repr=False)
class Skipped:
    """The records a KPI left out under ``strict=False``, sorted by id.

    Empty (and false) when nothing was skipped. It keeps every skipped record, so
    its size is the number of bad records, never more.

    .. versionadded:: 0.1.0
    """

    records: tuple[SkippedRecord, ...] = ()

    @classmethod
    def of(cls, records: Iterable[SkippedRecord]) -> Skipped:
        """The skipped *records*, in a canonical order (so merged partitions
        report exactly what one pass would)."""
        items = tuple(sorted(records, key=lambda s: (s.id is None, s.id or "", s.field, s.reason)))
        return cls(items) if items else NOTHING_SKIPPED

    @property
    def count(self) -> int:
        """How many records were skipped."""
        return len(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __bool__(self) -> bool:
        return bool(self.records)

    def __iter__(self) -> Iterator[SkippedRecord]:
        return iter(self.records)

    @overload
    def __getitem__(self, index: int) -> SkippedRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[SkippedRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> SkippedRecord | tuple[SkippedRecord, ...]:
        """``skipped[0]``, the first skipped record; a slice gives a tuple."""
        return self.records[index]

    def __repr__(self) -> str:
        if not self.records:
            return "Skipped(none)"
        shown = "; ".join(f"{s.id!r} {s.field} {s.reason}" for s in self.records[:3])
        more = f"; and {len(self.records) - 3} more" if len(self.records) > 3 else ""
        return f"Skipped({len(self.records)}: {shown}{more})"

    def to_records(self) -> list[dict[str, Any]]:
        """One ``{"id", "field", "reason"}`` record per skipped record."""
        return [attrs.asdict(s) for s in self.records]


NOTHING_SKIPPED: Final = Skipped()


# --- formatting helpers ----------------------------------------------------------------


def plain(value: Any) -> Any:
    """*value* as a plain cell for a record: enums by value, periods as text."""
    if isinstance(value, Enum):
        return value.value
    if type(value).__name__ == "Period":
        return str(value)
    return value


def _money_cells(name: str, value: Money | None, row: dict[str, Any]) -> None:
    """Put *value* in *row* as ``name`` (its Decimal amount) and ``currency``."""
    if value is None:
        row[name] = None
    else:
        row[name] = value.amount
        row["currency"] = value.currency


def _number_cell(name: str, value: Number, row: dict[str, Any]) -> None:
    if type(value) is Money:
        _money_cells(name, value, row)
    else:
        row[name] = value


def _fmt_unknown(unknown: int, lead: str) -> str:
    """How many records a sum left out for their unknown value, for a repr."""
    return f"{lead}{unknown} of unknown value" if unknown else ""


def _fmt_number(value: Number) -> str:
    return str(value)


def _fmt_percent(value: Fraction | None) -> str:
    if value is None:
        return "n/a"
    return f"{float(value) * 100:.1f}%"


# --- Ratio ---------------------------------------------------------------------------


def _as_fraction(value: Number) -> Fraction:
    if type(value) is Money:
        return Fraction(value.amount)
    return Fraction(value)  # type: ignore[arg-type]


@attrs.frozen(repr=False)
class Ratio:
    """A rate that keeps what it divides: ``numerator / denominator``.

    Args:
        numerator: What is counted (deals won, customers retained, an amount won).
        denominator: Out of what (deals closed, customers at the start, an amount
            closed).

    ``value`` is the exact :class:`~fractions.Fraction`, or None when the
    denominator is 0 (0/0 is no rate at all, not 0 %). The repr reads like
    ``12/40 (30.0%)``. A ratio of amounts says in ``unknown`` how many records it
    left out because their value is not known.

    >>> Ratio(12, 40)
    12/40 (30.0%)
    >>> Ratio(12, 40).value
    Fraction(3, 10)
    >>> Ratio(0, 0).value is None
    True

    .. versionadded:: 0.1.0
    """

    numerator: Number
    denominator: Number
    unknown: int = attrs.field(default=0, kw_only=True)
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, repr=False, kw_only=True)

    @property
    def value(self) -> Fraction | None:
        """The exact rate, or None when the denominator is 0.

        Raises:
            CurrencyMismatchError: when the numerator and denominator are amounts
                of different currencies.
        """
        num, den = self.numerator, self.denominator
        if type(num) is Money and type(den) is Money and num.currency != den.currency:
            raise CurrencyMismatchError(
                f"cannot divide {num} by {den}: the ratio of two currencies has no meaning",
                (num.currency, den.currency),
            )
        denominator = _as_fraction(den)
        if denominator == 0:
            return None
        return _as_fraction(num) / denominator

    @property
    def percent(self) -> float | None:
        """The rate in percent, as a float for display (None for x/0)."""
        value = self.value
        return None if value is None else float(value) * 100

    def to_record(self) -> dict[str, Any]:
        """``{"numerator", "denominator", "rate"}`` (and ``"currency"`` for
        amounts); ``rate`` is a float for plotting, or None for x/0."""
        row: dict[str, Any] = {}
        _number_cell("numerator", self.numerator, row)
        _number_cell("denominator", self.denominator, row)
        value = self.value
        row["rate"] = None if value is None else float(value)
        if type(self.numerator) is Money or self.unknown:
            row["unknown"] = self.unknown
        return row

    def __repr__(self) -> str:
        value = self.value
        num, den = _fmt_number(self.numerator), _fmt_number(self.denominator)
        return f"{num}/{den} ({_fmt_percent(value)}{_fmt_unknown(self.unknown, '; ')})"


# --- DurationSummary ------------------------------------------------------------------


def _round_micro(value: Fraction) -> timedelta:
    return timedelta(microseconds=round(value))


def _micro(value: timedelta) -> int:
    return value // _MICRO


#: The quantiles a :class:`DurationSummary` gives: the median and the 90th percentile.
QUANTILES: Final = (Fraction(1, 2), Fraction(9, 10))


def quantile_rank(n: int, q: Fraction) -> tuple[int, Fraction]:
    """Where the *q* quantile of *n* sorted values lies, by linear interpolation
    between closest ranks (Hyndman & Fan type 7, the default of numpy and
    pandas): rank ``h = (n - 1) q``, given as ``floor h`` (0-based) and
    ``h - floor h``. The quantile is
    ``x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])``."""
    h = (n - 1) * q
    low = int(h)  # floor, h >= 0
    return low, h - low


def quantile(value_at: Callable[[int], int], n: int, q: Fraction) -> Fraction:
    """The *q* quantile (:func:`quantile_rank`) of *n* sorted values, exactly;
    ``value_at(rank)`` is the value at a 0-based rank."""
    low, frac = quantile_rank(n, q)
    x_low = value_at(low)
    if frac == 0:
        return Fraction(x_low)
    return x_low + frac * (value_at(low + 1) - x_low)


@attrs.frozen
class RankedDurations:
    """Durations (whole microseconds) known by what a :class:`DurationSummary`
    reads of them: how many, their sum, and the value at each rank it reads
    (the first, the last, and those either side of each quantile's rank). An
    engine's exact order statistics give these where the whole distribution
    would be as long as the data."""

    count: int
    total: int
    at: Mapping[int, int]

    def __bool__(self) -> bool:
        return self.count > 0

    @classmethod
    def of(cls, counts: Mapping[int, int]) -> RankedDurations:
        """The durations given as ``{microseconds: how many}``."""
        values = sorted(counts)
        weights = list(map(counts.__getitem__, values))
        ranks = list(itertools.accumulate(weights))  # in C: a median reads two ranks
        n = ranks[-1] if ranks else 0
        total = sum(map(operator.mul, values, weights))
        # bisect_right skips a value counted none
        return cls(n, total, {r: values[bisect.bisect_right(ranks, r)] for r in ranks_read(n)})

    @classmethod
    def of_order_statistics(
        cls, count: int, total: int, extremes: tuple[int, int], around: Sequence[tuple[int, int]]
    ) -> RankedDurations:
        """From an engine's exact order statistics: the least and the greatest
        duration, and for each of :data:`QUANTILES` the values at ranks
        ``floor h`` and ``floor h + 1`` (its "lower" and "higher" quantiles; the
        second is read only when ``h`` is not whole)."""
        at = {0: extremes[0], count - 1: extremes[1]}
        for q, (below, above) in zip(QUANTILES, around, strict=True):
            low, frac = quantile_rank(count, q)
            at[low] = below
            if frac:
                at[low + 1] = above
        return cls(count, total, at)


def ranks_read(n: int) -> set[int]:
    """The 0-based ranks whose values a summary of *n* durations reads."""
    if not n:
        return set()
    read = {0, n - 1}
    for q in QUANTILES:
        low, frac = quantile_rank(n, q)
        read.update((low, low + 1) if frac else (low,))
    return read


def summarise(
    durations: RankedDurations, *, business_days: bool = False, skipped: Skipped | None = None
) -> DurationSummary:
    """The :class:`DurationSummary` of *durations*."""
    skip = skipped or NOTHING_SKIPPED
    n, value_at = durations.count, durations.at.__getitem__
    if not n:
        return DurationSummary(
            0, None, None, None, None, None, business_days=business_days, skipped=skip
        )
    median, p90 = (_round_micro(quantile(value_at, n, q)) for q in QUANTILES)
    return DurationSummary(
        n,
        _round_micro(Fraction(durations.total, n)),
        median,
        p90,
        timedelta(microseconds=value_at(0)),
        timedelta(microseconds=value_at(n - 1)),
        business_days=business_days,
        skipped=skip,
    )


@attrs.frozen(repr=False)
class DurationSummary:
    """How long something took: count, mean, median, 90th percentile, min, max.

    Durations are :class:`~datetime.timedelta` values. The mean is the exact mean
    rounded to the microsecond (halves to even). The median and p90 interpolate
    linearly between closest ranks (Hyndman & Fan type 7, the default of numpy and
    pandas: rank ``(n - 1) q``), exactly, then round to the microsecond. With
    ``business_days=True`` every duration is a number of business days, held as a
    timedelta of that many days (read it with ``.days``, or divide by
    ``timedelta(days=1)`` for the fractional mean).

    All fields but ``count`` are None when nothing was measured.

    >>> from datetime import timedelta
    >>> DurationSummary.of([timedelta(days=d) for d in (1, 2, 3, 10)])
    DurationSummary(count=4, mean=4 days, median=2.5 days, p90=7.9 days, min=1 day, max=10 days)

    .. versionadded:: 0.1.0
    """

    count: int
    mean: timedelta | None
    median: timedelta | None
    p90: timedelta | None
    min: timedelta | None
    max: timedelta | None
    business_days: bool = attrs.field(default=False, kw_only=True)
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, repr=False, kw_only=True)

    @classmethod
    def of(cls, durations: Iterable[timedelta], *, business_days: bool = False) -> DurationSummary:
        """The summary of *durations*."""
        counts: dict[int, int] = {}
        for value in durations:
            micros = _micro(value)
            counts[micros] = counts.get(micros, 0) + 1
        return cls.from_counts(counts, business_days=business_days)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[int, int],
        *,
        business_days: bool = False,
        skipped: Skipped | None = None,
    ) -> DurationSummary:
        """The summary of durations given as ``{microseconds: how many}``."""
        return summarise(RankedDurations.of(counts), business_days=business_days, skipped=skipped)

    def to_record(self) -> dict[str, Any]:
        """``{"count", "mean", "median", "p90", "min", "max"}`` (timedeltas, which
        pandas reads as ``timedelta64``), and ``"unit"``."""
        return {
            "count": self.count,
            "mean": self.mean,
            "median": self.median,
            "p90": self.p90,
            "min": self.min,
            "max": self.max,
            "unit": "business days" if self.business_days else "time",
        }

    def __repr__(self) -> str:
        def show(value: timedelta | None) -> str:
            if value is None:
                return "None"
            days = Fraction(_micro(value), 86_400_000_000)
            if days.denominator == 1:
                return f"{days} day" + ("" if days == 1 else "s")
            if abs(days) >= 1:
                return f"{float(days):.4g} days"
            return str(value)

        unit = ", business days" if self.business_days else ""
        return (
            f"DurationSummary(count={self.count}, mean={show(self.mean)}, "
            f"median={show(self.median)}, p90={show(self.p90)}, min={show(self.min)}, "
            f"max={show(self.max)}{unit})"
        )


# --- money totals and averages ---------------------------------------------------------


@attrs.frozen(repr=False)
class Total:
    """An exact sum of amounts and how many records it adds up.

    Attributes:
        amount: The sum, a :class:`~salesmodel.Money`; None when nothing was added
            and no ``currency=`` said what zero to report.
        count: How many records the sum covers.
        unknown: How many records were left out because their value is not known
            (``Deal.amount`` None): unknown is never added as zero.

    >>> from salesmodel import Money
    >>> Total(Money("1500.00", "EUR"), 3)
    1500.00 EUR (3 records)
    >>> Total(Money("1500.00", "EUR"), 3, unknown=2)
    1500.00 EUR (3 records; 2 of unknown value)

    .. versionadded:: 0.1.0
    """

    amount: Money | None
    count: int
    unknown: int = attrs.field(default=0, kw_only=True)
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, repr=False, kw_only=True)

    def to_record(self) -> dict[str, Any]:
        """``{"amount", "currency", "count", "unknown"}`` (the amount a Decimal)."""
        row: dict[str, Any] = {}
        _money_cells("amount", self.amount, row)
        row.setdefault("currency", None)
        row["count"] = self.count
        row["unknown"] = self.unknown
        return row

    def __repr__(self) -> str:
        amount = "nothing" if self.amount is None else str(self.amount)
        records = f"{self.count} record{'' if self.count == 1 else 's'}"
        return f"{amount} ({records}{_fmt_unknown(self.unknown, '; ')})"


@attrs.frozen(repr=False)
class Average:
    """A mean amount that keeps its total and count.

    ``value`` is ``total / count`` rounded to the currency's minor unit (2
    places for USD, 0 for JPY, 3 for BHD; halves to even); :meth:`rounded` rounds
    otherwise, ``exact`` is the exact quotient.
    ``unknown`` counts the records left out because their value is not known:
    they are in neither the total nor the count.

    >>> from salesmodel import Money
    >>> avg = Average(Money("100.00", "USD"), 3)
    >>> avg.value, avg.exact
    (Money('33.33', 'USD'), Fraction(100, 3))
    >>> Average(Money("1000", "JPY"), 3).value
    Money('333', 'JPY')

    .. versionadded:: 0.1.0
    """

    total: Money | None
    count: int
    unknown: int = attrs.field(default=0, kw_only=True)
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, repr=False, kw_only=True)

    @property
    def exact(self) -> Fraction | None:
        """The exact mean amount, or None when nothing was averaged."""
        if self.total is None or self.count == 0:
            return None
        return Fraction(self.total.amount) / self.count

    @property
    def value(self) -> Money | None:
        """The mean rounded to the currency's minor unit (halves to even), or
        None.
        """
        return None if self.total is None else self.rounded(self.total.places)

    def rounded(self, places: int = 2, rounding: str = decimal.ROUND_HALF_EVEN) -> Money | None:
        """The mean rounded to *places* decimal places with *rounding*."""
        exact = self.exact
        if exact is None or self.total is None:
            return None
        return Money(fraction_to_decimal(exact, places, rounding), self.total.currency)

    def to_record(self) -> dict[str, Any]:
        """``{"average", "currency", "count", "total", "unknown"}`` (Decimals)."""
        row: dict[str, Any] = {}
        _money_cells("average", self.value, row)
        _money_cells("total", self.total, row)
        row.setdefault("currency", None)
        row["count"] = self.count
        row["unknown"] = self.unknown
        return row

    def __repr__(self) -> str:
        unknown = _fmt_unknown(self.unknown, "; ")
        if self.value is None:
            return f"no average (0 records{unknown})"
        return f"{self.value} (mean of {self.count}, total {self.total}{unknown})"


def fraction_to_decimal(value: Fraction, places: int, rounding: str) -> Decimal:
    """*value* as a Decimal rounded to *places* decimal places."""
    context = decimal.Context(prec=100, rounding=rounding)
    quotient = context.divide(Decimal(value.numerator), Decimal(value.denominator))
    return quotient.quantize(Decimal(1).scaleb(-places), context=context)


@attrs.frozen(repr=False)
class Count:
    """How many records matched.

    >>> Count(12)
    12 records

    .. versionadded:: 0.1.0
    """

    value: int
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, repr=False, kw_only=True)

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def to_record(self) -> dict[str, Any]:
        """``{"count"}``."""
        return {"count": self.value}

    def __repr__(self) -> str:
        return f"{self.value} record{'' if self.value == 1 else 's'}"


# --- tables ---------------------------------------------------------------------------


def records_of(value: Any) -> list[dict[str, Any]]:
    """The records of a result: a table's rows, a cell's one row, or a value."""
    to_records = getattr(value, "to_records", None)
    if to_records is not None and not isinstance(value, Skipped):
        return list(to_records())
    to_record = getattr(value, "to_record", None)
    if to_record is not None:
        return [to_record()]
    if type(value) is Money:
        return [{"amount": value.amount, "currency": value.currency}]
    return [{"value": plain(value)}]


def html_table(records: list[dict[str, Any]], caption: str | None = None) -> str:
    """*records* as an HTML table (for notebooks)."""
    columns: dict[str, None] = {}
    for row in records:
        columns.update(dict.fromkeys(row))
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append(
        "<thead><tr>"
        + "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
        + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in records:
        cells = "".join(f"<td>{html.escape(_cell_text(row.get(c)))}</td>" for c in columns)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(plain(value))


class Table:
    """Mixin: a result with ``to_records()`` renders as HTML in notebooks."""

    __slots__ = ()

    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _caption(self) -> str | None:
        return None

    def _repr_html_(self) -> str:
        return html_table(self.to_records(), self._caption())


def order_key(key: Any) -> Any:
    """A sort key that orders any group keys: None last, like types together."""
    if isinstance(key, tuple):
        return tuple(order_key(k) for k in key)
    if key is None:
        return (2, "", 0)
    if isinstance(key, str):
        return (0, "str", str(key))
    if isinstance(key, (int, float, Decimal, Fraction)) and not isinstance(key, bool):
        return (0, "number", key)
    if isinstance(key, datetime):
        return (0, "datetime", key.timestamp())
    if isinstance(key, date):
        return (0, "date", key)
    return (1, type(key).__name__, key)


def sorted_keys(keys: Iterable[Any]) -> list[Any]:
    """*keys* in a stable, human order (by repr when they do not compare)."""
    keys = list(keys)
    try:
        return sorted(keys, key=order_key)
    except TypeError:
        return sorted(keys, key=repr)


K = TypeVar("K", bound=Hashable)


class Grouped(Mapping[Any, V], Table, Generic[V]):
    """A KPI per group: an immutable mapping from group key to result.

    Keys are whatever ``by=`` returns, a :class:`~salesmodel.kpi.Period` for
    ``period=``, or a tuple ``(group, period)`` for both, in sorted order.
    ``columns`` names the parts of the key (the attribute name, ``"group"`` for a
    callable, ``"period"``). ``to_records()`` flattens it for pandas:
    ``pandas.DataFrame(result.to_records())``.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_data", "columns", "skipped")

    _data: dict[Any, V]
    columns: tuple[str, ...]
    skipped: Skipped

    def __init__(
        self,
        data: Mapping[Any, V] | Iterable[tuple[Any, V]],
        columns: tuple[str, ...] = ("group",),
        *,
        skipped: Skipped = NOTHING_SKIPPED,
    ) -> None:
        items = dict(data)
        object.__setattr__(self, "_data", {k: items[k] for k in sorted_keys(items)})
        object.__setattr__(self, "columns", tuple(columns))
        object.__setattr__(self, "skipped", skipped)

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_grouped, (self._data, self.columns, self.skipped))

    def __getitem__(self, key: Any) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        inner = ", ".join(f"{_show_key(k)!r}: {v!r}" for k, v in self._data.items())
        skipped = f", skipped={self.skipped!r}" if self.skipped else ""
        return f"Grouped(by={self.columns!r}, {{{inner}}}{skipped})"

    def map(self, fn: Callable[[V], Any]) -> Grouped[Any]:
        """A new grouped result with *fn* applied to every value."""
        return Grouped(
            {k: fn(v) for k, v in self._data.items()}, self.columns, skipped=self.skipped
        )

    def key_record(self, key: Any) -> dict[str, Any]:
        """The key as ``{column: value}``: a group of several parts and its period
        (``(("ana", "email"), Period)``) give a column each, and a one-part
        group (``("ana",)``, of ``by=("owner_id",)``) gives its part."""
        parts = _parts(key, len(self.columns))
        return {column: plain(part) for column, part in zip(self.columns, parts, strict=False)}

    def to_records(self) -> list[dict[str, Any]]:
        """One record per group (per row, for tables), its key columns first."""
        out = []
        for key, value in self._data.items():
            head = self.key_record(key)
            for row in records_of(value):
                out.append({**head, **row})
        return out


def _parts(key: Any, columns: int) -> tuple[Any, ...]:
    """The parts of *key* for that many columns: a tuple group inside a key is
    spread when that makes one part a column."""
    if not isinstance(key, tuple):
        return (key,)
    if columns == 1:
        return (key[0],) if len(key) == 1 else (key,)  # a group of one part, or a value
    spread = tuple(p for part in key for p in (part if isinstance(part, tuple) else (part,)))
    return spread if len(spread) == columns else key


def _show_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_show_key(k) for k in key)
    return plain(key)


def _rebuild_grouped(
    data: dict[Any, Any], columns: tuple[str, ...], skipped: Skipped
) -> Grouped[Any]:
    return Grouped(data, columns, skipped=skipped)
