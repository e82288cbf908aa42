"""What a KPI adds up per group, each defined once: a count of records, the exact
sums of their amounts (records of unknown value counted apart, never as zero), and
the distribution of their durations.

A KPI declares its measures (:mod:`._define`); the accumulator engine here reads
records in chunks and hands :meth:`Measure.values` to the KPI's ``finish``. An engine
that computes the same aggregates elsewhere (inside a DataFrame) would hand values
of the same shape, so a figure stays defined once.

Each measure keeps mergeable state (counters and exact sums), so partitions merged
in any order give exactly the single-pass figure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Container, Hashable, Mapping
from decimal import Decimal, localcontext
from itertools import compress, repeat
from operator import attrgetter, is_not, sub
from typing import Any, Final, Protocol

import attrs

from salesmodel._time import elapsed
from salesmodel.enums import Status

from ._grouping import ALL, Grouping, local
from ._results import EXACT, ZERO, RankedDurations

__all__ = [
    "AmountMeasure",
    "Amounts",
    "CountMeasure",
    "DurationMeasure",
    "Extra",
    "Measure",
    "Where",
    "Within",
]

OPEN: Final = Status.OPEN
_ID: Final = attrgetter("id")
_STATUS: Final = attrgetter("status")
_AMOUNT: Final = attrgetter("amount")
_CREATED: Final = attrgetter("created_at")
_CLOSED: Final = attrgetter("closed_at")
_MICRO: Final = dt.timedelta(microseconds=1)
_CLOSED_STATUSES: Final = frozenset({Status.WON, Status.LOST})
#: What a measure calls with a record it cannot count, and why.
Reject = Callable[[Any, Any], None]


class Within(Protocol):
    """A rule of which records count, stated so that every engine can read it
    (records ask :meth:`admits`; the frame engine reads its fields):
    :class:`~salesmodel.kpi._targets.TargetWindow`."""

    def admits(self, record: Any) -> bool:
        """Whether *record* counts."""
        ...  # pragma: no cover - a protocol

    def fields(self) -> tuple[str, ...]:
        """The fields it reads, besides the status and the times."""
        ...  # pragma: no cover - a protocol


@attrs.frozen
class Where:
    """Which records a measure counts: those whose status is in *statuses* (every
    record when None), or, with *ids*, those whose id is in that container, or
    with *predicate*, those it is true for; of those, with *within*, only the
    ones it admits."""

    statuses: frozenset[Status] | None = None
    ids: Container[str] | None = None
    predicate: Callable[[Any], bool] | None = None
    within: Within | None = None

    def select(self, chunk: list[Any]) -> list[Any]:
        """The records of *chunk* this measure counts."""
        chosen = self._chosen(chunk)
        if self.within is None:
            return chosen
        return list(compress(chosen, map(self.within.admits, chosen)))

    def _chosen(self, chunk: list[Any]) -> list[Any]:
        """The records of *chunk* this filter keeps, before *within*."""
        if self.predicate is not None:
            return list(compress(chunk, map(self.predicate, chunk)))
        if self.ids is not None:
            return list(compress(chunk, map(self.ids.__contains__, map(_ID, chunk))))
        statuses = self.statuses
        if statuses is None:
            return chunk
        if len(statuses) == 1:
            (only,) = statuses
            return [r for r in chunk if r.status is only]
        if statuses == _CLOSED_STATUSES:
            return [r for r in chunk if r.status is not OPEN]
        return [r for r in chunk if r.status in statuses]

    def selector(self) -> tuple[Any, bool] | None:
        """``(status, keep)`` for :meth:`Grouping.select`'s compiled comprehension,
        when this filter is one it can do; else None."""
        if self.predicate is not None or self.ids is not None or self.within is not None:
            return None
        statuses = self.statuses
        if statuses is None:
            return (None, True)
        if len(statuses) == 1:
            return (next(iter(statuses)), True)
        if statuses == _CLOSED_STATUSES:
            return (OPEN, False)
        return None


@attrs.frozen
class Extra:
    """A second part of a measure's key, read from each record: the
    ``(pipeline_id, stage)`` a weighted pipeline weighs, the reason a deal was lost.
    *name* tells the frame engine which derived column holds it."""

    name: str
    of: Callable[[Any], Hashable]


class Measure:
    """Base of the measures: a name, the records counted, an optional extra key,
    and mergeable state."""

    name: str
    where: Where
    extra: Extra | None

    def fresh(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def add(
        self,
        state: Any,
        chunk: list[Any],
        grouping: Grouping,
        reject: Reject,
        *,
        foreign: bool = False,
    ) -> None:
        """Add the records of *chunk* this measure counts (*reject* takes a record
        whose value cannot be told, with its issue; *foreign*: some are records of
        the caller's own, whose times may not be fixed offsets)."""
        raise NotImplementedError  # pragma: no cover

    def merge(self, into: Any, other: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def values(self, state: Any) -> dict[Any, Any]:  # pragma: no cover - overridden
        """``{key: value}``, or ``{key: {extra: value}}`` with an extra key."""
        raise NotImplementedError

    def empty(self) -> Any:
        """The value of a group this measure saw nothing of: no extra parts at all
        when keyed by one, else the measure's own nothing."""
        return {} if self.extra is not None else self._nothing()

    def _nothing(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _slots(self, chosen: list[Any], grouping: Grouping) -> list[Any] | None:
        """The key of every chosen record (with its extra part), or None when
        every one is :data:`ALL`."""
        keys = grouping.keys(chosen)
        if self.extra is None:
            return None if keys is None else list(keys)
        extras = map(self.extra.of, chosen)
        return list(zip(repeat(ALL) if keys is None else keys, extras, strict=False))

    def _nest(self, flat: Mapping[Any, Any]) -> dict[Any, Any]:
        """``{(key, extra): v}`` as ``{key: {extra: v}}`` for a measure with an extra."""
        if self.extra is None:
            return dict(flat)
        out: dict[Any, dict[Any, Any]] = {}
        for (key, extra), value in flat.items():
            out.setdefault(key, {})[extra] = value
        return out


# --- counts -----------------------------------------------------------------------------


@attrs.frozen
class CountMeasure(Measure):
    """How many records: ``{key: int}``."""

    name: str
    where: Where = Where()
    extra: Extra | None = None

    def fresh(self) -> Counter[Any]:
        return Counter()

    def add(
        self,
        state: Counter[Any],
        chunk: list[Any],
        grouping: Grouping,
        reject: Reject,
        *,
        foreign: bool = False,
    ) -> None:
        selector = self.where.selector()
        if selector is not None and self.extra is None:
            status, keep = selector
            if grouping.single:
                n = len(chunk) if status is None else len(self.where.select(chunk))
                if n:
                    state[ALL] += n
                return
            if grouping.period is None:  # one compiled comprehension
                state.update(grouping.select(chunk, status, keep))
                return
        chosen = self.where.select(chunk)
        if not chosen:
            return
        slots = self._slots(chosen, grouping)
        if slots is None:
            state[ALL] += len(chosen)
        else:
            state.update(slots)

    def merge(self, into: Counter[Any], other: Counter[Any]) -> None:
        into.update(other)

    def values(self, state: Counter[Any]) -> dict[Any, Any]:
        return self._nest(state)

    def _nothing(self) -> int:
        return 0


# --- amounts ------------------------------------------------------------------------------


@attrs.frozen
class Amounts:
    """Exact sums of known amounts per currency, how many records they add up,
    and how many records were left out because their amount is unknown."""

    sums: Mapping[str, Decimal] = attrs.field(factory=dict)
    count: int = 0
    unknown: int = 0


_NO_AMOUNTS: Final = Amounts()


@attrs.frozen
class AmountMeasure(Measure):
    """The amounts of the records: ``{key: Amounts}``."""

    name: str
    where: Where = Where()
    extra: Extra | None = None

    def fresh(self) -> tuple[dict[tuple[Any, str], Decimal], Counter[Any], Counter[Any]]:
        return ({}, Counter(), Counter())

    def add(
        self,
        state: Any,
        chunk: list[Any],
        grouping: Grouping,
        reject: Reject,
        *,
        foreign: bool = False,
    ) -> None:
        sums, counts, unknown = state
        chosen = self.where.select(chunk)
        if not chosen:
            return
        slots = self._slots(chosen, grouping)
        amounts = list(map(_AMOUNT, chosen))
        # Unknown values are counted apart, never added. (`None in amounts` would
        # call Money.__eq__ on every amount; `is not` runs in C.)
        if not all(map(is_not, amounts, repeat(None))):
            known = [m is not None for m in amounts]
            missing = [not k for k in known]
            unknown.update(repeat(ALL, sum(missing)) if slots is None else compress(slots, missing))
            amounts = list(compress(amounts, known))
            slots = None if slots is None else list(compress(slots, known))
            if not amounts:
                return
        if slots is None:
            counts[ALL] += len(amounts)
        else:
            counts.update(slots)
        _add_sums(sums, slots, amounts)

    def merge(self, into: Any, other: Any) -> None:
        sums, counts, unknown = into
        with localcontext(EXACT):
            for slot, total in other[0].items():
                sums[slot] = sums.get(slot, ZERO) + total
        counts.update(other[1])
        unknown.update(other[2])

    def values(self, state: Any) -> dict[Any, Any]:
        sums, counts, unknown = state
        per_slot: dict[Any, dict[str, Decimal]] = {}
        for (slot, currency), total in sums.items():
            per_slot.setdefault(slot, {})[currency] = total
        flat = {
            slot: Amounts(per_slot.get(slot, {}), counts[slot], unknown[slot])
            for slot in counts.keys() | unknown.keys()
        }
        return self._nest(flat)

    def _nothing(self) -> Amounts:
        return _NO_AMOUNTS


def _add_sums(
    sums: dict[tuple[Any, str], Decimal], slots: list[Any] | None, amounts: list[Any]
) -> None:
    """Add each Money of *amounts* into ``sums[(slot, currency)]``, exactly."""
    currencies = {m.currency for m in amounts}
    with localcontext(EXACT):
        if len(currencies) == 1:
            (currency,) = currencies
            values = [m.amount for m in amounts]
            if slots is None:
                slot = (ALL, currency)
                sums[slot] = sums.get(slot, ZERO) + sum(values, ZERO)
                return
            partial: dict[Any, Decimal] = {}
            get = partial.get
            for key, amount in zip(slots, values, strict=True):
                partial[key] = get(key, ZERO) + amount
            for key, total in partial.items():
                slot = (key, currency)
                sums[slot] = sums.get(slot, ZERO) + total
            return
        for key, money in zip(repeat(ALL) if slots is None else slots, amounts, strict=False):
            slot = (key, money.currency)
            sums[slot] = sums.get(slot, ZERO) + money.amount


# --- durations ----------------------------------------------------------------------------


@attrs.frozen
class DurationMeasure(Measure):
    """How long each record took, from ``created_at`` (or *start*) to
    ``closed_at``: ``{key: RankedDurations}`` (an exact median needs the values
    at its ranks). With *business_days*, each duration is the number of business
    days between the two dates read in *tz*."""

    name: str
    where: Where = Where()
    extra: Extra | None = None
    start: Callable[[Any], dt.datetime | None] | None = None
    business_days: bool = False
    holidays: tuple[dt.date, ...] = ()
    tz: Any = None

    def fresh(self) -> Counter[tuple[Any, dt.timedelta]]:
        return Counter()

    def add(
        self,
        state: Counter[Any],
        chunk: list[Any],
        grouping: Grouping,
        reject: Reject,
        *,
        foreign: bool = False,
    ) -> None:
        selector = self.where.selector()
        plain = self.start is None and not self.business_days and self.extra is None
        if plain and selector is not None and grouping.period is None and not foreign:
            # One compiled comprehension picks the records and pairs each key
            # with its duration; Counter counts the pairs in C.
            status, keep = selector
            state.update(grouping.select(chunk, status, keep, _DURATION))
            return
        chosen = self.where.select(chunk)
        if not chosen:
            return
        if not plain:
            self._add_slow(state, chosen, grouping, reject)
            return
        slots = self._slots(chosen, grouping)
        # entities keep fixed offsets; a record of the caller's own is read as instants
        durations = map(elapsed if foreign else sub, map(_CLOSED, chosen), map(_CREATED, chosen))
        state.update(zip(repeat(ALL) if slots is None else slots, durations, strict=False))

    def _add_slow(
        self, state: Counter[Any], chosen: list[Any], grouping: Grouping, reject: Reject
    ) -> None:
        from ._deals import business_days  # the one definition of a business day

        for record in chosen:
            closed_at = record.closed_at
            began = record.created_at
            if self.start is not None:
                began = self.start(record)
                problem = _start_issue(began, closed_at)
                if problem is not None:
                    reject(record, problem)
                    continue
            if self.business_days:
                days = business_days(
                    local(began, self.tz, "created_at" if self.start is None else "start").date(),
                    local(closed_at, self.tz, "closed_at").date(),
                    self.holidays,
                )
                duration = dt.timedelta(days=days)
            else:
                duration = elapsed(closed_at, began)
            key = grouping.key(record)
            if self.extra is not None:
                key = (key, self.extra.of(record))
            state[(key, duration)] += 1

    def merge(self, into: Counter[Any], other: Counter[Any]) -> None:
        into.update(other)

    def values(self, state: Counter[Any]) -> dict[Any, Any]:
        per: dict[Any, dict[int, int]] = {}
        for (slot, duration), n in state.items():
            bucket = per.setdefault(slot, {})
            micros = duration // _MICRO
            bucket[micros] = bucket.get(micros, 0) + n
        return self._nest({slot: RankedDurations.of(counts) for slot, counts in per.items()})

    def _nothing(self) -> RankedDurations:
        return RankedDurations.of({})


#: What :meth:`Grouping.select` pairs with each key for a duration.
_DURATION: Final = "r.closed_at - r.created_at"


def _start_issue(began: Any, closed_at: dt.datetime) -> Any:
    """Why a record's *start* cannot begin its cycle, or None."""
    from salesmodel._time import aware_instant, time_expected
    from salesmodel.errors import Issue, short_repr

    if aware_instant(began) is None:
        return Issue("start", began, time_expected(began))
    if began > closed_at:
        return Issue("closed_at", closed_at, f"no earlier than its start ({short_repr(began)})")
    return None
