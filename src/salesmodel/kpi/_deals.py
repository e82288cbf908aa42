"""Deal outcome KPIs: conversion rate, win rate, average ticket, bookings, and the
sales cycle."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Container, Iterable
from decimal import Decimal, localcontext
from itertools import compress, repeat
from operator import attrgetter, sub
from typing import Any, Final, Literal, overload

from salesmodel.entities import Deal, Lead
from salesmodel.enums import Status
from salesmodel.errors import Issue, ValidationError, short_repr
from salesmodel.money import RateTable

from ._accumulators import aware, missing_or_bad
from ._amounts import (
    CURRENCY_ALIAS,
    Sums,
    add_amounts,
    check_currency,
    merge_sums,
    per_key,
    resolve,
)
from ._base import GroupedAccumulator
from ._grouping import ALL, DURATION, By, PeriodKind, Zone, check_tz, local
from ._records import closing_issue, deal_issue
from ._results import EXACT, ZERO, Average, DurationSummary, Grouped, Ratio, Total

__all__ = [
    "AverageTicketAccumulator",
    "BookingsAccumulator",
    "ConversionRateAccumulator",
    "SalesCycleAccumulator",
    "WinRateAccumulator",
    "average_ticket",
    "bookings",
    "conversion_rate",
    "sales_cycle",
    "win_rate",
]

OPEN: Final = Status.OPEN
WON: Final = Status.WON
LOST: Final = Status.LOST
_STATUS: Final = attrgetter("status")
_ID: Final = attrgetter("id")
_CREATED: Final = attrgetter("created_at")
_CLOSED: Final = attrgetter("closed_at")
_MICRO: Final = dt.timedelta(microseconds=1)

Outcome = Literal["won", "lost", "closed"]
_OUTCOMES: Final = {"won": (WON,), "lost": (LOST,), "closed": (WON, LOST)}


# --- conversion rate ----------------------------------------------------------------------


def _is_id(value: Any) -> bool:
    return type(value) is str and value != ""


class ConversionRateAccumulator(GroupedAccumulator):
    """Accumulates :func:`conversion_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    anchors = ("created",)

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        converted: Container[str] | Callable[[Any], bool] | None = None,
        strict: bool = True,
    ) -> None:
        if converted is not None and not (callable(converted) or isinstance(converted, Container)):
            raise ValidationError.single(
                "converted", converted, "None, a container of ids, or a callable of the record"
            )
        super().__init__(
            by=by, period=period, tz=tz, anchor="created", strict=strict, converted=converted
        )
        self._converted = converted
        self._total: Counter[Any] = Counter()
        self._converted_n: Counter[Any] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        issue = closing_issue(record)
        converted = self._converted
        by_id = not callable(converted) or isinstance(converted, Container)
        if issue is None and converted is not None and by_id:
            issue = missing_or_bad(record, "id", _is_id, "an id (a non-empty str)")
        return issue

    def _add_chunk(self, chunk: list[Any]) -> None:
        grouping = self._grouping
        converted = self._converted
        if converted is None:
            hits = (
                []
                if grouping.period is None and not grouping.single
                else [r for r in chunk if r.status is WON]
            )
        elif callable(converted) and not isinstance(converted, Container):
            hits = list(compress(chunk, map(converted, chunk)))
        else:
            hits = list(compress(chunk, map(converted.__contains__, map(_ID, chunk))))
        if grouping.single:
            self._total[ALL] += len(chunk)
            if hits:
                self._converted_n[ALL] += len(hits)
            return
        if grouping.period is None:
            self._total.update(grouping.select(chunk))
            if converted is None:
                self._converted_n.update(grouping.select(chunk, WON))
            elif hits:
                self._converted_n.update(grouping.select(hits))
            return
        self._total.update(grouping.keys(chunk))
        if hits:
            self._converted_n.update(grouping.keys(hits))

    def _absorb(self, other: ConversionRateAccumulator) -> None:
        self._total.update(other._total)
        self._converted_n.update(other._converted_n)

    def result(self) -> Any:
        """The :class:`Ratio` (or :class:`Grouped` ratios)."""
        values = {key: Ratio(self._converted_n[key], n) for key, n in self._total.items()}
        return self._wrap(values, lambda: Ratio(0, 0))


@overload
def conversion_rate(
    records: Iterable[Deal | Lead],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def conversion_rate(
    records: Iterable[Deal | Lead],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def conversion_rate(
    records: Iterable[Deal | Lead],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def conversion_rate(
    records: Iterable[Deal | Lead],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of records that converted: leads that became customers, deals
    that were won.

    ``Ratio(converted, all records)``. Every record counts in the denominator,
    open ones included (a cohort's rate rises while its records are worked:
    compare mature cohorts). Converted means status ``WON`` now (a reopened deal
    counts by its current status), or, with *converted*, whose ``id`` is in that
    container (e.g. the lead ids that have a closed deal) or for which that
    callable is true. Periods group by **creation** date (conversion cohorts).

    Common rules: one pass over any iterable (generators work), memory bounded by
    the number of groups; ``by=`` an attribute name, a tuple of names or a
    callable → a :class:`Grouped` result; ``period=`` week/month/quarter/year
    bucketed in ``tz=`` (required with ``period=``; ``"recorded"`` uses each
    datetime's own offset); ``strict=False`` skips bad records (of other types:
    inconsistent status and ``closed_at``) and reports them in ``.skipped``.

    Args:
        records: Deals or leads.
        by: Group by this attribute, these attributes, or this callable.
        period: Group by creation period too.
        tz: The zone periods are bucketed in.
        converted: What counts as converted (see above).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them with *by* or *period*.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Lead, Status
    >>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> leads = [Lead(id=str(i), name="x", created_at=t, source="web") for i in range(4)]
    >>> conversion_rate(leads, converted={"1"})
    1/4 (25.0%)

    .. versionadded:: 0.1.0
    """
    acc = ConversionRateAccumulator(by=by, period=period, tz=tz, converted=converted, strict=strict)
    return acc.add_many(records).result()  # type: ignore[no-any-return]


# --- win rate -----------------------------------------------------------------------------


class WinRateAccumulator(GroupedAccumulator):
    """Accumulates :func:`win_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    aliases = CURRENCY_ALIAS

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        anchor: Literal["created", "closed"] = "closed",
        by_value: bool = False,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        if type(by_value) is not bool:
            raise ValidationError.single("by_value", by_value, "True or False")
        super().__init__(
            by=by,
            period=period,
            tz=tz,
            anchor=anchor,
            strict=strict,
            by_value=by_value,
            currency=currency,
            rates=rates,
        )
        self._currency, self._rates = check_currency(currency, rates)
        self._by_value = by_value
        self._closed: Counter[Any] = Counter()
        self._won: Counter[Any] = Counter()
        self._sums: Sums = {}

    def _issue(self, record: Any) -> Issue | None:
        return deal_issue(record, amount=self._by_value)

    def _add_chunk(self, chunk: list[Any]) -> None:
        grouping = self._grouping
        if self._by_value:
            closed = [r for r in chunk if r.status is not OPEN]
            keys = grouping.keys(closed)
            statuses = map(_STATUS, closed)
            add_amounts(
                self._sums, statuses if keys is None else zip(keys, statuses, strict=True), closed
            )
            return
        if grouping.single:
            now = [r.status for r in chunk]
            self._closed[ALL] += len(now) - now.count(OPEN)
            self._won[ALL] += now.count(WON)
            return
        if grouping.period is None:
            self._closed.update(grouping.select(chunk, OPEN, False))
            self._won.update(grouping.select(chunk, WON))
            return
        closed = [r for r in chunk if r.status is not OPEN]
        keys = list(grouping.keys(closed))  # type: ignore[arg-type]
        self._closed.update(keys)
        self._won.update(compress(keys, [r.status is WON for r in closed]))

    def _absorb(self, other: WinRateAccumulator) -> None:
        self._closed.update(other._closed)
        self._won.update(other._won)
        merge_sums(self._sums, other._sums)

    def result(self) -> Any:
        """The :class:`Ratio` (or :class:`Grouped` ratios)."""
        values: dict[Any, Ratio] = {}
        if self._by_value:
            won: dict[Any, dict[str, Any]] = {}
            closed: dict[Any, dict[str, Any]] = {}
            with localcontext(EXACT):
                for slot, totals in per_key(self._sums).items():
                    key, status = (ALL, slot) if self._grouping.single else slot
                    for code, total in totals.items():
                        bucket: dict[str, Decimal] = closed.setdefault(key, {})
                        bucket[code] = bucket.get(code, ZERO) + total
                        if status is WON:
                            won.setdefault(key, {})[code] = total
            for key, totals in closed.items():
                what = f"win rate by value of {key!r}" if key != ALL else "win rate by value"
                currency, rates = self._currency, self._rates
                denominator = resolve(totals, currency=currency, rates=rates, what=what)
                numerator = resolve(won.get(key, {}), currency=currency, rates=rates, what=what)
                if numerator is None:
                    assert denominator is not None
                    numerator = denominator * 0
                assert denominator is not None
                values[key] = Ratio(numerator, denominator)
            return self._wrap(values, lambda: Ratio(0, 0))
        values = {key: Ratio(self._won[key], n) for key, n in self._closed.items() if n}
        return self._wrap(values, lambda: Ratio(0, 0))


@overload
def win_rate(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def win_rate(
    deals: Iterable[Deal],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def win_rate(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def win_rate(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of closed deals that were won.

    By count: ``Ratio(won, won + lost)``. By value (``by_value=True``):
    ``Ratio(amount won, amount won + amount lost)``, exact Money. Open deals are
    left out (a reopened deal counts by its current status: open, so out). Groups
    with no closed deal are absent. Periods group by **close** date by default
    (``anchor="closed"``); ``anchor="created"`` groups closed deals by when they
    were created (recent cohorts are then incomplete).

    Common rules: one pass over any iterable (generators work), memory bounded by
    the number of groups; ``by=`` an attribute name (``"currency"`` means the
    amount's currency), a tuple of names or a callable → a :class:`Grouped`
    result; ``period=`` week/month/quarter/year bucketed in ``tz=`` (required with
    ``period=``; ``"recorded"`` uses each datetime's own offset); amounts in
    several currencies raise :class:`~salesmodel.CurrencyMismatchError` unless
    ``by="currency"`` or ``rates=`` and ``currency=`` are given; ``strict=False``
    skips bad records and reports them in ``.skipped``.

    Args:
        deals: The deals (leads work too: converted over closed).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``: the date periods read.
        by_value: Weigh each deal by its amount.
        currency: With *by_value*, the currency to report in.
        rates: With *by_value*, the exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them with *by* or *period*.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies by value without rates.

    .. versionadded:: 0.1.0
    """
    acc = WinRateAccumulator(
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        by_value=by_value,
        currency=currency,
        rates=rates,
        strict=strict,
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


# --- amounts: average ticket and bookings -------------------------------------------------------


class _AmountAccumulator(GroupedAccumulator):
    """Exact sums and counts of the amounts of deals in one status."""

    accepts = (Deal,)
    expects = "a Deal"
    aliases = CURRENCY_ALIAS
    status: Status = WON
    what = "amounts"

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        anchor: Literal["created", "closed"] = "closed",
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            by=by,
            period=period,
            tz=tz,
            anchor=anchor,
            strict=strict,
            currency=currency,
            rates=rates,
        )
        self._currency, self._rates = check_currency(currency, rates)
        self._sums: Sums = {}
        self._counts: Counter[Any] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return deal_issue(record, amount=True)

    def _add_chunk(self, chunk: list[Any]) -> None:
        status = self.status
        chosen = [r for r in chunk if r.status is status]
        if not chosen:
            return
        grouping = self._grouping
        if grouping.single:
            self._counts[ALL] += len(chosen)
            add_amounts(self._sums, None, chosen)
            return
        keys = grouping.select(chosen) if grouping.period is None else list(grouping.keys(chosen))  # type: ignore[arg-type]
        self._counts.update(keys)
        add_amounts(self._sums, keys, chosen)

    def _absorb(self, other: _AmountAccumulator) -> None:
        self._counts.update(other._counts)
        merge_sums(self._sums, other._sums)

    def _totals(self) -> dict[Any, Any]:
        sums = per_key(self._sums)
        out = {}
        for key, n in self._counts.items():
            what = self.what if key == ALL else f"{self.what} of {key!r}"
            out[key] = (
                resolve(sums.get(key, {}), currency=self._currency, rates=self._rates, what=what),
                n,
            )
        return out


class AverageTicketAccumulator(_AmountAccumulator):
    """Accumulates :func:`average_ticket`; same arguments.

    .. versionadded:: 0.1.0
    """

    what = "average ticket"

    def result(self) -> Any:
        """The :class:`Average` (or :class:`Grouped` averages)."""
        values = {key: Average(total, n) for key, (total, n) in self._totals().items()}
        zero = (
            None
            if self._currency is None
            else resolve({}, currency=self._currency, rates=None, what="")
        )
        return self._wrap(values, lambda: Average(zero, 0))


class BookingsAccumulator(_AmountAccumulator):
    """Accumulates :func:`bookings`; same arguments.

    .. versionadded:: 0.1.0
    """

    what = "bookings"

    def result(self) -> Any:
        """The :class:`Total` (or :class:`Grouped` totals)."""
        values = {key: Total(total, n) for key, (total, n) in self._totals().items()}
        zero = (
            None
            if self._currency is None
            else resolve({}, currency=self._currency, rates=None, what="")
        )
        return self._wrap(values, lambda: Total(zero, 0))


@overload
def average_ticket(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Average: ...
@overload
def average_ticket(
    deals: Iterable[Deal],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Average]: ...
@overload
def average_ticket(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Average]: ...
def average_ticket(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Average | Grouped[Average]:
    """The mean amount of won deals (average ticket, average deal size).

    ``Average(total won, deals won)``: the exact total and count; ``.value`` is the
    mean rounded to the cent (halves to even), ``.exact`` the exact fraction. Only
    deals whose current status is ``WON`` count (open and lost deals are left out;
    a won deal reopened no longer counts). Periods group by **close** date by
    default (``anchor="closed"``).

    Common rules: one pass over any iterable, memory bounded by the number of
    groups; ``by=`` an attribute name (``"currency"`` means the amount's
    currency), a tuple of names or a callable → a :class:`Grouped` result;
    ``period=`` bucketed in ``tz=`` (required); mixed currencies raise
    :class:`~salesmodel.CurrencyMismatchError` unless ``by="currency"`` or
    ``rates=`` and ``currency=``; ``strict=False`` skips bad records and reports
    them in ``.skipped``.

    Args:
        deals: The deals.
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``.
        currency: The currency to report in (needed to convert, or to report an
            empty result as zero of it).
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        An :class:`Average`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = AverageTicketAccumulator(
        by=by, period=period, tz=tz, anchor=anchor, currency=currency, rates=rates, strict=strict
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


@overload
def bookings(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def bookings(
    deals: Iterable[Deal],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
@overload
def bookings(
    deals: Iterable[Deal],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def bookings(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The total amount of won deals (sales volume booked), and how many.

    ``Total(sum of amounts won, deals won)``, exact. Only deals whose current
    status is ``WON`` count. Periods group by **close** date by default (monthly
    bookings: ``period="month"``); a period with no win is absent (not zero).

    Common rules: as :func:`average_ticket`.

    Args:
        deals: The deals.
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Total`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = BookingsAccumulator(
        by=by, period=period, tz=tz, anchor=anchor, currency=currency, rates=rates, strict=strict
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


# --- sales cycle ------------------------------------------------------------------------------


def business_days(start: dt.date, end: dt.date, holidays: tuple[dt.date, ...] = ()) -> int:
    """Business days (Monday to Friday, not in *holidays*) from *start* included
    to *end* excluded, negative when *end* is before *start*; the convention of
    ``numpy.busday_count``. *holidays* must be sorted and unique."""
    if end < start:
        return -business_days(end, start, holidays)
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for i in range(rest):
        if (weekday + i) % 7 < 5:
            count += 1
    if holidays:
        low = bisect_left(holidays, start)
        high = bisect_left(holidays, end)
        count -= sum(1 for h in holidays[low:high] if h.weekday() < 5)
    return count


def _holidays(given: Iterable[dt.date]) -> tuple[dt.date, ...]:
    value: Any = given
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError.single("holidays", value, "an iterable of dates")
    days = set()
    for day in value:
        if type(day) is not dt.date:
            raise ValidationError.single("holidays", day, "dates (datetime.date, not datetime)")
        days.add(day)
    return tuple(sorted(days))


class SalesCycleAccumulator(GroupedAccumulator):
    """Accumulates :func:`sales_cycle`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        anchor: Literal["created", "closed"] = "closed",
        outcome: Outcome = "won",
        business_days: bool = False,
        holidays: Iterable[dt.date] = (),
        start: Callable[[Any], dt.datetime | None] | None = None,
        strict: bool = True,
    ) -> None:
        if outcome not in _OUTCOMES:
            raise ValidationError.single("outcome", outcome, "'won', 'lost' or 'closed'")
        if type(business_days) is not bool:
            raise ValidationError.single("business_days", business_days, "True or False")
        if start is not None and not callable(start):
            raise ValidationError.single("start", start, "None or a callable of the record")
        days = _holidays(holidays)
        if business_days:
            check_tz(tz, "business days")
        super().__init__(
            by=by,
            period=period,
            tz=tz,
            anchor=anchor,
            strict=strict,
            outcome=outcome,
            business_days=business_days,
            holidays=days,
            start=start,
        )
        self._statuses = _OUTCOMES[outcome]
        self._business = business_days
        self._holidays_sorted = days
        self._start = start
        self._counts: Counter[tuple[Any, dt.timedelta]] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return closing_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        statuses = self._statuses
        if len(statuses) == 1:
            (only,) = statuses
            chosen = [r for r in chunk if r.status is only]
        else:
            chosen = [r for r in chunk if r.status is not OPEN]
        if not chosen:
            return
        if self._start is not None or self._business:
            self._add_slow(chosen)
            return
        grouping = self._grouping
        if grouping.period is None and len(statuses) == 1:
            self._counts.update(grouping.select(chunk, statuses[0], True, DURATION))
            return
        durations = map(sub, map(_CLOSED, chosen), map(_CREATED, chosen))
        keys = grouping.keys(chosen)
        self._counts.update(zip(repeat(ALL) if keys is None else keys, durations, strict=False))

    def _add_slow(self, chosen: list[Any]) -> None:
        grouping = self._grouping
        tz = grouping.tz
        for record in chosen:
            closed_at = record.closed_at
            began = record.created_at
            if self._start is not None:
                began = self._start(record)
                if not aware(began):
                    self._reject(record, Issue("start", began, "a timezone-aware datetime"))
                    continue
                if began > closed_at:
                    self._reject(
                        record,
                        Issue(
                            "closed_at",
                            closed_at,
                            f"no earlier than its start ({short_repr(began)})",
                        ),
                    )
                    continue
            if self._business:
                assert tz is not None
                days = business_days(
                    local(began, tz).date(), local(closed_at, tz).date(), self._holidays_sorted
                )
                duration = dt.timedelta(days=days)
            else:
                duration = closed_at - began
            self._counts[(grouping.key(record), duration)] += 1

    def _absorb(self, other: SalesCycleAccumulator) -> None:
        self._counts.update(other._counts)

    def result(self) -> Any:
        """The :class:`DurationSummary` (or :class:`Grouped` summaries)."""
        per: dict[Any, dict[int, int]] = {}
        for (key, duration), n in self._counts.items():
            bucket = per.setdefault(key, {})
            micros = duration // _MICRO
            bucket[micros] = bucket.get(micros, 0) + n
        values = {
            key: DurationSummary.from_counts(counts, business_days=self._business)
            for key, counts in per.items()
        }
        return self._wrap(
            values, lambda: DurationSummary.from_counts({}, business_days=self._business)
        )


@overload
def sales_cycle(
    deals: Iterable[Deal | Lead],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    strict: bool = True,
) -> DurationSummary: ...
@overload
def sales_cycle(
    deals: Iterable[Deal | Lead],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    strict: bool = True,
) -> Grouped[DurationSummary]: ...
@overload
def sales_cycle(
    deals: Iterable[Deal | Lead],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    strict: bool = True,
) -> Grouped[DurationSummary]: ...
def sales_cycle(
    deals: Iterable[Deal | Lead],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    strict: bool = True,
) -> DurationSummary | Grouped[DurationSummary]:
    """How long deals took to close: from ``created_at`` (or *start*) to
    ``closed_at``.

    A :class:`DurationSummary` (count, mean, median, p90, min, max; the p90 and
    median interpolate linearly between closest ranks, as numpy and pandas do by
    default). Only deals whose current status matches *outcome* count: won
    (default), lost, or closed (both); open deals are left out (a reopened deal
    is open, so out, until it closes again). Periods group by **close** date by
    default. With ``business_days=True`` each duration is the number of business
    days (Monday to Friday, minus *holidays*) from the start date included to the
    close date excluded, dates read in ``tz=`` (required), as
    ``numpy.busday_count`` counts them. Memory: one counter entry per distinct
    duration and group (an exact median needs the values).

    A record whose *start* is later than its close (a deal won before its lead's
    first contact) is a bad record: an error naming its id, or with
    ``strict=False`` skipped and reported in ``.skipped``.

    Common rules: one pass over any iterable; ``by=``, ``period=``, ``tz=`` as in
    :func:`win_rate`.

    Args:
        deals: Deals (or leads: time to conversion).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods (and business days) are read in.
        anchor: ``"closed"`` (default) or ``"created"``.
        outcome: ``"won"`` (default), ``"lost"`` or ``"closed"``.
        business_days: Count business days instead of elapsed time.
        holidays: Dates that are not business days.
        start: When each record's cycle began, if not ``created_at`` (e.g. the
            first contact of its lead).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`DurationSummary`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = SalesCycleAccumulator(
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        outcome=outcome,
        business_days=business_days,
        holidays=holidays,
        start=start,
        strict=strict,
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]
