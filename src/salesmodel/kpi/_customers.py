"""Customer KPIs: retention and churn (from customers' acquired and churned
dates), cohort retention and repeat purchases (from won deals with a
``customer_id``: purchases)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from itertools import repeat
from operator import attrgetter
from typing import Any, ClassVar, Final, Literal, overload

import attrs

from salesmodel._time import NO_TIME, elapsed, instant_argument
from salesmodel.entities import Customer, Deal
from salesmodel.enums import Status
from salesmodel.errors import Issue, ValidationError

from ._base import GroupedAccumulator
from ._grouping import ALL, By, Period, PeriodKind, Zone, check_tz, local, zone_failed
from ._records import customer_issue, purchase_issue
from ._results import NOTHING_SKIPPED, Grouped, Ratio, Skipped, Table

__all__ = [
    "ChurnRateAccumulator",
    "CohortRetentionAccumulator",
    "CohortRow",
    "CohortTable",
    "RepeatPurchaseRateAccumulator",
    "RetentionAccumulator",
    "churn_rate",
    "cohort_retention",
    "repeat_purchase_rate",
    "retention_rate",
]


WON: Final = Status.WON
_CUSTOMER: Final = attrgetter("customer_id")
_CLOSED: Final = attrgetter("closed_at")


def _active(customer: Any, at: dt.datetime) -> bool:
    churned = customer.churned_at
    return customer.acquired_at <= at and (churned is None or at < churned)


# --- retention and churn --------------------------------------------------------------------------


def _offset_error(value: dt.datetime) -> Exception | None:
    """What the zone of *value* raises giving its UTC offset (a tzinfo of one's
    own may), or None."""
    try:
        value.utcoffset()
    except Exception as error:  # noqa: BLE001 - returned, to be told as the zone's
        return error
    return None


class RetentionAccumulator(GroupedAccumulator):
    """Accumulates :func:`retention_rate` and :func:`churn_rate`; same arguments
    (``churn=True`` for churn).

    .. versionadded:: 0.1.0
    """

    accepts = (Customer,)
    expects = "a Customer"
    anchors = ("created",)
    anchor_attributes: ClassVar[dict[str, str]] = {"created": "acquired_at"}

    def __init__(
        self,
        *,
        start: dt.datetime,
        end: dt.datetime,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        churn: bool = False,
        strict: bool = True,
    ) -> None:
        # as instants: two wall times of a zone compare by their clocks
        start = instant_argument(start, "start", "retention")
        end = instant_argument(end, "end", "retention")
        if end <= start:
            raise ValidationError.single("end", end, "a timezone-aware datetime after start")
        super().__init__(by=by, anchor="created", strict=strict)
        checked = check_tz(tz, period)
        self._options = {
            "start": start,
            "end": end,
            "by": by,
            "period": period,
            "tz": tz,
            "churn": churn,
            "strict": strict,
        }
        self._churn = churn
        self._windows: list[tuple[Any, dt.datetime, dt.datetime]]
        if period is None:
            self._windows = [(ALL, start, end)]
            self._columns = self._grouping.columns
        else:
            if period not in ("week", "month", "quarter", "year"):
                raise ValidationError.single(
                    "period", period, "'week', 'month', 'quarter' or 'year'"
                )
            zone = start.tzinfo if checked == "recorded" else checked
            assert isinstance(zone, dt.tzinfo)
            current = Period.of(local(start, zone, "start"), period)
            local(end, zone, "end")  # refused, as start is, when no datetime holds its date
            self._windows = []
            try:
                if current.start(zone) < start:
                    current = current.next()
                while current.end(zone) <= end:
                    self._windows.append((current, current.start(zone), current.end(zone)))
                    current = current.next()
            except Exception as error:  # noqa: BLE001 - sorted out below
                # A period ending after 9999-12-31 in zone ends after end too; a
                # failure elsewhere is the zone's (a tzinfo of one's own raised).
                if 1 < current.year < 9999 or not isinstance(error, OverflowError | ValueError):
                    wall = current.start(zone)  # the boundary that failed: this one or the next
                    if _offset_error(wall) is None and current.year < 9999:
                        wall = current.end(zone)
                    raise zone_failed(zone, wall.replace(tzinfo=None), error) from None
            self._columns = (*self._grouping.columns, "period")
        self._at_start: Counter[Any] = Counter()
        self._kept: Counter[Any] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return customer_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        grouping = self._grouping
        periodic = len(self._windows) != 1 or self._windows[0][0] is not ALL
        for customer in chunk:
            group = grouping.group_of(customer)
            for window, start, end in self._windows:
                if not _active(customer, start):
                    continue
                if not periodic:
                    key = group
                elif grouping.single:
                    key = window
                else:
                    key = (group, window)
                self._at_start[key] += 1
                if _active(customer, end):
                    self._kept[key] += 1

    def _absorb(self, other: RetentionAccumulator) -> None:
        self._at_start.update(other._at_start)
        self._kept.update(other._kept)

    def result(self) -> Any:
        """The :class:`Ratio` (or :class:`Grouped` ratios)."""
        values = {}
        for key, n in self._at_start.items():
            kept = self._kept[key]
            values[key] = Ratio(n - kept if self._churn else kept, n)
        periodic = self._columns != self._grouping.columns
        if self._grouping.single and not periodic:
            value = values.get(ALL, Ratio(0, 0))
            skipped = self.skipped
            return attrs.evolve(value, skipped=skipped) if skipped else value
        return Grouped(values, self._columns, skipped=self.skipped)


class ChurnRateAccumulator(RetentionAccumulator):
    """Accumulates :func:`churn_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        start: dt.datetime,
        end: dt.datetime,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            start=start, end=end, by=by, period=period, tz=tz, churn=True, strict=strict
        )
        del self._options["churn"]


@overload
def retention_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def retention_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def retention_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def retention_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of customers at the start of a window still customers at its end.

    A customer is active at ``t`` when ``acquired_at <= t < churned_at`` (no
    ``churned_at``: still a customer). ``Ratio(active at start and at end, active
    at start)``: customers acquired during the window are left out (the
    ``(E - N) / S`` formula). With ``period=``, one ratio per whole period between
    *start* and *end* (each period its own window, bucketed in ``tz=``). For
    purchase data without churn dates, use :func:`cohort_retention`.

    Common rules: one pass over any iterable, memory bounded by the number of
    groups; ``by=`` an attribute name, a tuple of names or a callable →
    :class:`Grouped`; ``strict=False`` skips bad records (of other types: a
    churn before the acquisition) and reports them.

    Args:
        customers: The customers.
        start: The window's start.
        end: The window's end (after *start*).
        by: Group by this attribute, these attributes, or this callable.
        period: One window per period within [start, end).
        tz: The zone periods are bucketed in (required with *period*).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = RetentionAccumulator(start=start, end=end, by=by, period=period, tz=tz, strict=strict)
    return acc.add_many(customers).result()  # type: ignore[no-any-return]


@overload
def churn_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def churn_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def churn_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def churn_rate(
    customers: Iterable[Customer],
    *,
    start: dt.datetime,
    end: dt.datetime,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of customers at the start of a window lost by its end.

    ``Ratio(active at start but not at end, active at start)``: exactly one minus
    :func:`retention_rate`, with the same definitions, arguments and rules.

    Args:
        customers: The customers.
        start: The window's start.
        end: The window's end (after *start*).
        by: Group by this attribute, these attributes, or this callable.
        period: One window per period within [start, end).
        tz: The zone periods are bucketed in (required with *period*).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = ChurnRateAccumulator(start=start, end=end, by=by, period=period, tz=tz, strict=strict)
    return acc.add_many(customers).result()  # type: ignore[no-any-return]


# --- cohort retention ---------------------------------------------------------------------------


@attrs.frozen
class CohortRow:
    """One cohort: the customers whose first purchase fell in ``cohort``.

    Attributes:
        cohort: The period of first purchase.
        size: How many customers.
        cells: For each period offset (0 = the cohort's own period), the share of
            the cohort that bought in that period; None where the period was not
            observable (after ``as_of``), never 0 for "unknown".

    .. versionadded:: 0.1.0
    """

    cohort: Period
    size: int
    cells: tuple[Ratio | None, ...]


@attrs.frozen(repr=False)
class CohortTable(Table):
    """Cohort retention: one row per cohort, one column per period offset.

    ``to_records()`` gives one record per observable cell (long format: cohort,
    offset, period, customers, active, retention); ``matrix()`` the rates as
    floats (None where unobservable), for a heat map.

    .. versionadded:: 0.1.0
    """

    rows: tuple[CohortRow, ...]
    observed_until: Period | None
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def __getitem__(self, cohort: Period | str) -> CohortRow:
        for row in self.rows:
            if row.cohort == cohort or str(row.cohort) == cohort:
                return row
        raise KeyError(cohort)

    def matrix(self) -> list[list[float | None]]:
        """The retention rates as floats, rows by cohort, columns by offset."""
        return [
            [None if c is None or c.value is None else float(c.value) for c in row.cells]
            for row in self.rows
        ]

    def to_records(self) -> list[dict[str, Any]]:
        """One record per observable cell."""
        out = []
        for row in self.rows:
            for offset, cell in enumerate(row.cells):
                if cell is None:
                    continue
                value = cell.value
                out.append(
                    {
                        "cohort": str(row.cohort),
                        "offset": offset,
                        "period": str(row.cohort.shift(offset)),
                        "customers": row.size,
                        "active": cell.numerator,
                        "retention": None if value is None else float(value),
                    }
                )
        return out

    def _caption(self) -> str:
        return f"Cohort retention (observed until {self.observed_until})"

    def _repr_html_(self) -> str:
        width = max((len(r.cells) for r in self.rows), default=0)
        head = "".join(f"<th>+{i}</th>" for i in range(width))
        body = []
        for row in self.rows:
            cells = "".join(
                "<td></td>" if c is None else f"<td>{_percent(c)}</td>" for c in row.cells
            )
            body.append(f"<tr><th>{row.cohort}</th><td>{row.size}</td>{cells}</tr>")
        caption = f"<caption>{self._caption()}</caption>"
        return (
            f"<table>{caption}<thead><tr><th>cohort</th><th>customers</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def __repr__(self) -> str:
        width = max((len(r.cells) for r in self.rows), default=0)
        head = "".join(f"  {f'+{i}':>6}" for i in range(width))
        lines = [f"CohortTable(observed until {self.observed_until})"]
        lines.append(f"  {'cohort':>8}  {'customers':>9}{head}")
        for row in self.rows:
            cells = "".join("       ." if c is None else f"  {_percent(c):>6}" for c in row.cells)
            lines.append(f"  {row.cohort!s:>8}  {row.size:>9}{cells}")
        return "\n".join(lines)


def _percent(ratio: Ratio) -> str:
    value = ratio.value
    return "n/a" if value is None else f"{float(value) * 100:.1f}%"


class CohortRetentionAccumulator(GroupedAccumulator):
    """Accumulates :func:`cohort_retention`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"
    anchors = ("closed",)

    def __init__(
        self,
        *,
        period: PeriodKind = "month",
        tz: Zone | None = None,
        as_of: dt.datetime | None = None,
        strict: bool = True,
    ) -> None:
        as_of = instant_argument(as_of, "as_of", "cohort retention", optional=True)
        super().__init__(period=period, tz=tz, anchor="closed", strict=strict)
        self._options = {"period": period, "tz": tz, "as_of": as_of, "strict": strict}
        self._as_of = as_of
        self._pairs: set[tuple[str, Period]] = set()

    def _issue(self, record: Any) -> Issue | None:
        return purchase_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        bought = [r for r in chunk if r.status is WON and r.customer_id is not None]
        as_of = self._as_of
        if as_of is not None:  # the end of observation: what comes at or after it is unseen
            bought = [r for r in bought if elapsed(r.closed_at, as_of) < NO_TIME]
        if bought:
            periods = self._grouping.periods(map(_CLOSED, bought))
            self._pairs.update(zip(map(_CUSTOMER, bought), periods, strict=True))

    def _absorb(self, other: CohortRetentionAccumulator) -> None:
        self._pairs |= other._pairs

    def result(self) -> CohortTable:
        """The :class:`CohortTable`."""
        first: dict[str, Period] = {}
        for customer, period in self._pairs:
            seen = first.get(customer)
            if seen is None or period < seen:
                first[customer] = period
        grouping = self._grouping
        if self._as_of is not None:
            observable = grouping.period_of(self._as_of, "as_of")
            zone = grouping.tz if grouping.tz != "recorded" else self._as_of.tzinfo
            assert isinstance(zone, dt.tzinfo)
            began = observable.start(zone)
            error = _offset_error(began)
            if error is not None:
                raise zone_failed(zone, began.replace(tzinfo=None), error)
            if began >= self._as_of:
                if observable.first_day == dt.date.min:  # the calendar's first: none before
                    return CohortTable((), None, skipped=self.skipped)
                observable = observable.previous()
        elif self._pairs:
            observable = max(p for _, p in self._pairs)
        else:
            return CohortTable((), None, skipped=self.skipped)
        sizes = Counter(first.values())
        active: Counter[tuple[Period, int]] = Counter()
        for customer, period in self._pairs:
            cohort = first[customer]
            active[(cohort, cohort.offset(period))] += 1
        cohorts = sorted(c for c in sizes if c <= observable)
        width = cohorts[0].offset(observable) + 1 if cohorts else 0
        rows = []
        for cohort in cohorts:
            size = sizes[cohort]
            visible = cohort.offset(observable) + 1
            cells: list[Ratio | None] = [
                Ratio(active[(cohort, k)], size) if k < visible else None for k in range(width)
            ]
            rows.append(CohortRow(cohort, size, tuple(cells)))
        return CohortTable(tuple(rows), observable, skipped=self.skipped)


def cohort_retention(
    deals: Iterable[Deal],
    *,
    period: PeriodKind = "month",
    tz: Zone | None = None,
    as_of: dt.datetime | None = None,
    strict: bool = True,
) -> CohortTable:
    """Cohort retention from purchases: of the customers who first bought in a
    period, the share who bought in each later period.

    Purchases are won deals (current status) with a ``customer_id``, dated by
    ``closed_at`` in ``tz=`` (required). A customer's cohort is the period of its
    first purchase; cell ``k`` of a cohort is ``Ratio(customers of the cohort who
    bought in cohort + k, cohort size)`` (cell 0 is 100 %). A cell whose period
    begins at or after *as_of* is not observable: None, never 0. Without
    *as_of*, the last period with any purchase is the last observable one.
    Deals without ``customer_id`` are left out.

    Memory: one entry per customer and period in which it bought.

    Args:
        deals: Won deals (purchases) with a ``customer_id``; others are ignored.
        period: ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``.
        tz: The zone periods are bucketed in.
        as_of: The end of observation (exclusive).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`CohortTable`.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = CohortRetentionAccumulator(period=period, tz=tz, as_of=as_of, strict=strict)
    return acc.add_many(deals).result()


# --- repeat purchases ---------------------------------------------------------------------

Unit = Literal["deal", "day"]


class RepeatPurchaseRateAccumulator(GroupedAccumulator):
    """Accumulates :func:`repeat_purchase_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"
    anchors = ("closed",)

    def __init__(
        self,
        *,
        by: By | None = None,
        unit: Unit = "deal",
        tz: Zone | None = None,
        strict: bool = True,
    ) -> None:
        if unit not in ("deal", "day"):
            raise ValidationError.single("unit", unit, "'deal' or 'day'")
        zone = check_tz(tz, "day") if unit == "day" else tz
        super().__init__(by=by, anchor="closed", strict=strict)
        self._options = {"by": by, "unit": unit, "tz": tz, "strict": strict}
        self._tz = zone
        self._by_day = unit == "day"
        self._counts: Counter[tuple[Any, str]] = Counter()
        self._days: set[tuple[Any, str, dt.date]] = set()

    def _issue(self, record: Any) -> Issue | None:
        return purchase_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        bought = [r for r in chunk if r.status is WON and r.customer_id is not None]
        if not bought:
            return
        keys = self._grouping.keys(bought)
        pairs = zip(repeat(ALL) if keys is None else keys, map(_CUSTOMER, bought), strict=False)
        if self._by_day:
            tz = self._tz
            assert tz is not None
            days = (local(r.closed_at, tz, "closed_at").date() for r in bought)
            self._days.update(
                (key, customer, day) for (key, customer), day in zip(pairs, days, strict=True)
            )
        else:
            self._counts.update(pairs)

    def _absorb(self, other: RepeatPurchaseRateAccumulator) -> None:
        self._counts.update(other._counts)
        self._days |= other._days

    def result(self) -> Any:
        """The :class:`Ratio` (or :class:`Grouped` ratios)."""
        counts = self._counts
        if self._by_day:
            counts = Counter((key, customer) for key, customer, _ in self._days)
        buyers: Counter[Any] = Counter()
        repeaters: Counter[Any] = Counter()
        for (key, _), n in counts.items():
            buyers[key] += 1
            if n >= 2:
                repeaters[key] += 1
        values = {key: Ratio(repeaters[key], n) for key, n in buyers.items()}
        return self._wrap(values, lambda: Ratio(0, 0))


@overload
def repeat_purchase_rate(
    deals: Iterable[Deal],
    *,
    by: None = None,
    unit: Unit = "deal",
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio: ...
@overload
def repeat_purchase_rate(
    deals: Iterable[Deal],
    *,
    by: By,
    unit: Unit = "deal",
    tz: Zone | None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def repeat_purchase_rate(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    unit: Unit = "deal",
    tz: Zone | None = None,
    strict: bool = True,
) -> Ratio | Grouped[Ratio]:
    """The share of customers who bought more than once.

    Purchases are won deals (current status) with a ``customer_id`` (others are
    left out). ``Ratio(customers with two purchases or more, customers with
    one or more)``. ``unit="deal"`` (default) counts each won deal; ``unit="day"``
    merges a customer's purchases on one calendar day in ``tz=`` (required), as
    the ``lifetimes`` summaries do. Memory: one entry per customer (per
    customer-day with ``unit="day"``).

    Args:
        deals: Won deals (purchases); others are ignored.
        by: Group by this attribute of the deals (a customer may be in several
            groups), these attributes, or this callable.
        unit: ``"deal"`` or ``"day"``.
        tz: The zone days are read in (with ``unit="day"``).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = RepeatPurchaseRateAccumulator(by=by, unit=unit, tz=tz, strict=strict)
    return acc.add_many(deals).result()  # type: ignore[no-any-return]
