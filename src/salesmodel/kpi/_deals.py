"""Deal outcome KPIs: conversion rate, win rate, average ticket, bookings, and the
sales cycle. Each is defined once (a :class:`~._define.Definition`: the records it
counts and how its figure comes out), read by the accumulator engine."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any, ClassVar, Final, Literal, overload

from salesmodel.entities import Deal, Lead
from salesmodel.enums import Status
from salesmodel.errors import Issue, ValidationError
from salesmodel.money import Money, RateTable

from ._accumulators import missing_or_bad
from ._amounts import CURRENCY_ALIAS, check_currency, resolve
from ._define import DefinedAccumulator, Definition, Frame, compute
from ._grouping import ALL, By, PeriodKind, Zone, check_tz
from ._measures import AmountMeasure, Amounts, CountMeasure, DurationMeasure, Measure, Where
from ._records import closing_issue, deal_issue
from ._results import Average, DurationSummary, Grouped, Ratio, Total, summarise

__all__ = [
    "AverageTicketAccumulator",
    "BookingsAccumulator",
    "ConversionRateAccumulator",
    "SalesCycleAccumulator",
    "WinRateAccumulator",
    "average_ticket",
    "bookings",
    "business_days",
    "conversion_rate",
    "sales_cycle",
    "win_rate",
]

OPEN: Final = Status.OPEN
WON: Final = Status.WON
LOST: Final = Status.LOST
_WON: Final = frozenset({WON})
_CLOSED: Final = frozenset({WON, LOST})

Outcome = Literal["won", "lost", "closed"]
_OUTCOMES: Final = {"won": _WON, "lost": frozenset({LOST}), "closed": _CLOSED}


def _what(kpi: str, key: Any) -> str:
    """The figure's name in a currency error, with its group."""
    return kpi if key == ALL else f"{kpi} of {key!r}"


def _money(amounts: Amounts, options: Mapping[str, Any], what: str) -> Money | None:
    """The sum of *amounts* in one currency (see ``_amounts.resolve``)."""
    return resolve(amounts.sums, currency=options["currency"], rates=options["rates"], what=what)


def _zero(options: Mapping[str, Any]) -> Money | None:
    currency = options["currency"]
    return None if currency is None else Money.zero(currency)


class _Money(Definition):
    """Options of KPIs that add amounts."""

    aliases = CURRENCY_ALIAS

    def check(self, options: dict[str, Any]) -> None:
        check_currency(options["currency"], options["rates"])


# --- conversion rate ----------------------------------------------------------------------


def _is_id(value: Any) -> bool:
    return type(value) is str and value != ""


class ConversionRate(Definition):
    """Converted records over all records, in creation cohorts."""

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    anchors = ("created",)
    anchor = "created"
    options: ClassVar[dict[str, Any]] = {"converted": None}

    def check(self, options: dict[str, Any]) -> None:
        converted = options["converted"]
        if converted is not None and not (callable(converted) or isinstance(converted, Container)):
            raise ValidationError.single(
                "converted", converted, "None, a container of ids, or a callable of the record"
            )

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        issue = closing_issue(record)
        converted = options["converted"]
        by_id = not callable(converted) or isinstance(converted, Container)
        if issue is None and converted is not None and by_id:
            issue = missing_or_bad(record, "id", _is_id, "an id (a non-empty str)")
        return issue

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        converted = options["converted"]
        if converted is None:
            hits = Where(statuses=_WON)
        elif callable(converted) and not isinstance(converted, Container):
            hits = Where(predicate=converted)
        else:
            hits = Where(ids=converted)
        return (CountMeasure("all"), CountMeasure("converted", hits))

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        return Ratio(values["converted"], values["all"]) if values["all"] else None

    def empty(self, options: Mapping[str, Any]) -> Ratio:
        return Ratio(0, 0)


class ConversionRateAccumulator(DefinedAccumulator):
    """Accumulates :func:`conversion_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = ConversionRate()

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        converted: Container[str] | Callable[[Any], bool] | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(by=by, period=period, tz=tz, converted=converted, strict=strict)


@overload
def conversion_rate(
    records: Iterable[Deal | Lead] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def conversion_rate(
    records: Iterable[Deal | Lead] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def conversion_rate(
    records: Iterable[Deal | Lead] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def conversion_rate(
    records: Iterable[Deal | Lead] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    converted: Container[str] | Callable[[Any], bool] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of records that converted: leads that became customers, deals
    that were won.

    ``Ratio(converted, all records)``. Every record counts in the denominator,
    open ones included (a cohort's rate rises while its records are worked:
    compare mature cohorts). Converted means status ``WON`` now (a reopened deal
    counts by its current status), or, with *converted*, whose ``id`` is in that
    container (e.g. the lead ids that have a closed deal) or for which that
    callable is true.
    Periods group by **creation** date (conversion cohorts).

    Common rules (grouping, periods, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        records: Deals or leads; or a DataFrame of deals (:data:`Frame`).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by creation period too.
        tz: The zone periods are bucketed in.
        converted: What counts as converted (see above).
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

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
    return compute(  # type: ignore[no-any-return]
        ConversionRateAccumulator,
        records,
        by=by,
        period=period,
        tz=tz,
        converted=converted,
        columns=columns,
        strict=strict,
    )


# --- win rate -----------------------------------------------------------------------------


class WinRate(_Money):
    """Won over closed, by count or by value."""

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    options: ClassVar[dict[str, Any]] = {"by_value": False, "currency": None, "rates": None}

    def check(self, options: dict[str, Any]) -> None:
        if type(options["by_value"]) is not bool:
            raise ValidationError.single("by_value", options["by_value"], "True or False")
        super().check(options)

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        return deal_issue(record, amount=options["by_value"])

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        if options["by_value"]:
            return (AmountMeasure("closed", Where(_CLOSED)), AmountMeasure("won", Where(_WON)))
        return (CountMeasure("closed", Where(_CLOSED)), CountMeasure("won", Where(_WON)))

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        closed, won = values["closed"], values["won"]
        if not options["by_value"]:
            return Ratio(won, closed) if closed else None
        if not (closed.count or closed.unknown):
            return None
        what = _what("win rate by value", key)
        denominator = _money(closed, options, what)
        numerator = _money(won, options, what)
        if denominator is None:  # every closed deal of unknown value
            return Ratio(0, 0, unknown=closed.unknown)
        if numerator is None:
            numerator = denominator * 0
        return Ratio(numerator, denominator, unknown=closed.unknown)

    def empty(self, options: Mapping[str, Any]) -> Ratio:
        return Ratio(0, 0)


class WinRateAccumulator(DefinedAccumulator):
    """Accumulates :func:`win_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = WinRate()

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
        super().__init__(
            by=by,
            period=period,
            tz=tz,
            anchor=anchor,
            by_value=by_value,
            currency=currency,
            rates=rates,
            strict=strict,
        )


@overload
def win_rate(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def win_rate(
    deals: Iterable[Deal] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def win_rate(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def win_rate(
    deals: Iterable[Deal] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    by_value: bool = False,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of closed deals that were won.

    By count: ``Ratio(won, won + lost)``. By value (``by_value=True``):
    ``Ratio(amount won, amount won + amount lost)``, exact Money; deals of unknown
    value are left out of both and counted in ``.unknown``. Open deals are left
    out (a reopened deal counts by its current status: open, so out). Groups with
    no closed deal are absent. Periods group by **close** date by default
    (``anchor="closed"``); ``anchor="created"`` groups closed deals by when they
    were created (recent cohorts are then incomplete).

    Common rules (grouping, periods, currencies, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        deals: The deals (leads work too: converted over closed); or a DataFrame
            of deals (:data:`Frame`).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``: the date periods read.
        by_value: Weigh each deal by its amount.
        currency: With *by_value*, the currency to report in.
        rates: With *by_value*, the exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them with *by* or *period*.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies by value without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        WinRateAccumulator,
        deals,
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        by_value=by_value,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


# --- amounts: average ticket and bookings -------------------------------------------------------


class _WonAmounts(_Money):
    """The amounts of won deals, per group."""

    accepts = (Deal,)
    expects = "a Deal"
    options: ClassVar[dict[str, Any]] = {"currency": None, "rates": None}

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        return deal_issue(record, amount=True)

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        return (AmountMeasure("won", Where(_WON)),)


class AverageTicket(_WonAmounts):
    """The mean amount of won deals."""

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        won: Amounts = values["won"]
        total = _money(won, options, _what("average ticket", key))
        return Average(total, won.count, unknown=won.unknown)

    def empty(self, options: Mapping[str, Any]) -> Average:
        return Average(_zero(options), 0)


class Bookings(_WonAmounts):
    """The total amount of won deals."""

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        won: Amounts = values["won"]
        return Total(_money(won, options, _what("bookings", key)), won.count, unknown=won.unknown)

    def empty(self, options: Mapping[str, Any]) -> Total:
        return Total(_zero(options), 0)


class AverageTicketAccumulator(DefinedAccumulator):
    """Accumulates :func:`average_ticket`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = AverageTicket()

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
            currency=currency,
            rates=rates,
            strict=strict,
        )


class BookingsAccumulator(DefinedAccumulator):
    """Accumulates :func:`bookings`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = Bookings()

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
            currency=currency,
            rates=rates,
            strict=strict,
        )


@overload
def average_ticket(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Average: ...
@overload
def average_ticket(
    deals: Iterable[Deal] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Average]: ...
@overload
def average_ticket(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Average]: ...
def average_ticket(
    deals: Iterable[Deal] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Average | Grouped[Average]:
    """The mean amount of won deals (average ticket, average deal size).

    ``Average(total won, deals won)``: the exact total and count; ``.value`` is the
    mean rounded to the cent (halves to even), ``.exact`` the exact fraction. Only
    deals whose current status is ``WON`` count (open and lost deals are left out;
    a won deal reopened no longer counts); a won deal of unknown value is in
    neither the total nor the count, but in ``.unknown``. Periods group by
    **close** date by default (``anchor="closed"``).

    Common rules (grouping, periods, currencies, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``.
        currency: The currency to report in (needed to convert, or to report an
            empty result as zero of it).
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        An :class:`Average`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        AverageTicketAccumulator,
        deals,
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


@overload
def bookings(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def bookings(
    deals: Iterable[Deal] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
@overload
def bookings(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def bookings(
    deals: Iterable[Deal] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The total amount of won deals (sales volume booked), and how many.

    ``Total(sum of amounts won, deals won)``, exact; won deals of unknown value
    are counted in ``.unknown``, never added as zero. Only deals whose current
    status is ``WON`` count. Periods group by **close** date by default (monthly
    bookings: ``period="month"``); a period with no win is absent (not zero).

    Common rules: as :func:`average_ticket`.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`Total`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        BookingsAccumulator,
        deals,
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


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


class SalesCycle(Definition):
    """How long closed deals took, from creation (or a start) to close."""

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    options: ClassVar[dict[str, Any]] = {
        "outcome": "won",
        "business_days": False,
        "holidays": (),
        "start": None,
    }

    def check(self, options: dict[str, Any]) -> None:
        if options["outcome"] not in _OUTCOMES:
            raise ValidationError.single("outcome", options["outcome"], "'won', 'lost' or 'closed'")
        if type(options["business_days"]) is not bool:
            raise ValidationError.single("business_days", options["business_days"], "True or False")
        start = options["start"]
        if start is not None and not callable(start):
            raise ValidationError.single("start", start, "None or a callable of the record")
        options["holidays"] = _holidays(options["holidays"])
        if options["business_days"]:
            check_tz(options["tz"], "business days")

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        return closing_issue(record)

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        tz = options["tz"]
        return (
            DurationMeasure(
                "cycle",
                Where(_OUTCOMES[options["outcome"]]),
                start=options["start"],
                business_days=options["business_days"],
                holidays=options["holidays"],
                tz=check_tz(tz, None) if tz is not None else None,
            ),
        )

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        counts = values["cycle"]
        if not counts:
            return None
        return summarise(counts, business_days=options["business_days"])

    def empty(self, options: Mapping[str, Any]) -> DurationSummary:
        return DurationSummary.from_counts({}, business_days=options["business_days"])


class SalesCycleAccumulator(DefinedAccumulator):
    """Accumulates :func:`sales_cycle`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = SalesCycle()

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
        super().__init__(
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


@overload
def sales_cycle(
    deals: Iterable[Deal | Lead] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> DurationSummary: ...
@overload
def sales_cycle(
    deals: Iterable[Deal | Lead] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[DurationSummary]: ...
@overload
def sales_cycle(
    deals: Iterable[Deal | Lead] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[DurationSummary]: ...
def sales_cycle(
    deals: Iterable[Deal | Lead] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    outcome: Outcome = "won",
    business_days: bool = False,
    holidays: Iterable[dt.date] = (),
    start: Callable[[Any], dt.datetime | None] | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> DurationSummary | Grouped[DurationSummary]:
    """How long deals took to close: from ``created_at`` (or *start*) to
    ``closed_at``, in real time (instants, whatever zone the times were in).

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

    Common rules (grouping, periods, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        deals: Deals (or leads: time to conversion); or a DataFrame of deals (:data:`Frame`).
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
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`DurationSummary`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        SalesCycleAccumulator,
        deals,
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        outcome=outcome,
        business_days=business_days,
        holidays=holidays,
        start=start,
        columns=columns,
        strict=strict,
    )
