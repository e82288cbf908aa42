"""Growth period over period, and the lead velocity rate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, overload

from salesmodel.entities import Lead
from salesmodel.errors import Issue, ValidationError
from salesmodel.money import Money

from ._accumulators import Accumulator
from ._base import GroupedAccumulator
from ._grouping import ALL, By, Period, PeriodKind, Zone
from ._records import history_issue
from ._results import Average, Count, Grouped, Ratio, Total

__all__ = ["GrowthAccumulator", "LeadVelocityRateAccumulator", "growth", "lead_velocity_rate"]


def _magnitude(value: Any) -> int | Decimal | Fraction | Money | None:
    """The number a growth compares: a total's amount, a count, an average's
    exact mean, a ratio's exact value, a number or an amount."""
    if isinstance(value, Total):
        return value.amount
    if isinstance(value, Count):
        return value.value
    if isinstance(value, Average):
        return value.exact
    if isinstance(value, Ratio):
        return value.value
    if isinstance(value, (int, Decimal, Fraction, Money)) and not isinstance(value, bool):
        return value
    raise ValidationError.single(
        "series", value, "values that are Totals, Counts, Averages, Ratios, numbers or Money"
    )


def _zero_like(value: Any) -> Any:
    if type(value) is Money:
        return Money.zero(value.currency)
    return 0


def growth(series: Mapping[Any, Any]) -> Grouped[Ratio]:
    """Growth period over period of a KPI grouped by ``period=``.

    For each period *p* of the series (per group, when keys are
    ``(group, period)``) after the group's first: ``Ratio(value(p) - value(p-1),
    value(p-1))``, where *p-1* is the calendar period just before *p*. A period
    absent from the series counts as zero for totals and counts (no bookings that
    month), so the period after a gap has no growth rate (x/0: None). Values
    compared: a :class:`Total`'s amount, a :class:`Count`, an :class:`Average`'s
    exact mean, a :class:`Ratio`'s value, or a plain number or Money.

    Args:
        series: A :class:`Grouped` result (or mapping) keyed by
            :class:`Period`, or by ``(group, Period)``.

    Returns:
        A :class:`Grouped` :class:`Ratio` per period (or ``(group, period)``).

    Raises:
        ValidationError: when the keys are not periods.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Deal, Money
    >>> from salesmodel.kpi import bookings
    >>> won = [Deal(id=str(i), name="x", amount=Money(amount, "EUR"),
    ...             created_at=datetime(2026, month, 1, tzinfo=timezone.utc),
    ...             stage="won", status="won",
    ...             closed_at=datetime(2026, month, 2, tzinfo=timezone.utc))
    ...        for i, (month, amount) in enumerate([(1, 100), (2, 150), (3, 120)])]
    >>> for period, rate in growth(bookings(won, period="month", tz=timezone.utc)).items():
    ...     print(period, rate)
    2026-02 50 EUR/100 EUR (50.0%)
    2026-03 -30 EUR/150 EUR (-20.0%)

    .. versionadded:: 0.1.0
    """
    if not isinstance(series, Mapping):
        raise ValidationError.single(
            "series",
            type(series).__name__,
            "a KPI's result grouped by period= (a DataFrame's KPI first: "
            "growth(bookings(frame, period='month')))",
        )
    columns = series.columns if isinstance(series, Grouped) else ("period",)
    values: dict[Any, Any] = {}
    firsts: dict[Any, Period] = {}
    for key, value in series.items():
        group, period = (ALL, key) if isinstance(key, Period) else _split(key)
        values[(group, period)] = _magnitude(value)
        if group not in firsts or period < firsts[group]:
            firsts[group] = period
    out: dict[Any, Ratio] = {}
    for (group, period), current in values.items():
        if period == firsts[group] or current is None:
            continue
        before = values.get((group, period.previous()))
        if before is None:
            before = _zero_like(current)
        key = period if group is ALL else (group, period)
        out[key] = Ratio(current - before, before)
    skipped = series.skipped if isinstance(series, Grouped) else None
    return Grouped(out, columns, **({"skipped": skipped} if skipped else {}))


def _split(key: Any) -> tuple[Any, Period]:
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], Period):
        return key[0], key[1]
    raise ValidationError.single(
        "series", key, "keys that are periods, or (group, period) pairs: group by period="
    )


class GrowthAccumulator(Accumulator[Grouped[Ratio]]):
    """Growth of any period-grouped KPI, as an accumulator: wraps the KPI's
    accumulator, and its result is :func:`growth` of the inner result.

    >>> from salesmodel.kpi import BookingsAccumulator
    >>> from datetime import timezone
    >>> acc = GrowthAccumulator(BookingsAccumulator(period="month", tz=timezone.utc))

    .. versionadded:: 0.1.0
    """

    def __init__(self, inner: GroupedAccumulator, *, strict: bool = True) -> None:
        if not isinstance(inner, GroupedAccumulator) or inner._grouping.period is None:
            raise ValidationError.single(
                "inner", inner, "a KPI accumulator grouped by period= (e.g. bookings by month)"
            )
        super().__init__(strict=strict, inner=type(inner), inner_options=inner._options)
        self._inner = inner

    def _feed(self, chunk: list[Any], types: set[type]) -> None:
        self._inner._feed(chunk, types)

    def _fresh(self) -> GrowthAccumulator:
        return GrowthAccumulator(self._inner._fresh(), strict=self.strict)

    def _spec(self) -> tuple[Any, ...]:
        return (type(self._inner), self._inner._spec())

    def _add_chunk(self, chunk: list[Any]) -> None:
        self._inner._add_chunk(chunk)

    def _absorb(self, other: GrowthAccumulator) -> None:
        self._inner._absorb(other._inner)
        self._inner._skipped.extend(other._inner._skipped)

    @property
    def skipped(self) -> Any:
        """The inner KPI's skipped records."""
        return self._inner.skipped

    def result(self) -> Grouped[Ratio]:
        """:func:`growth` of the inner KPI's result."""
        return growth(self._inner.result())


# --- lead velocity rate -----------------------------------------------------------------------


class LeadVelocityRateAccumulator(GroupedAccumulator):
    """Accumulates :func:`lead_velocity_rate`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Lead,)
    expects = "a Lead"
    anchors = ("created",)

    def __init__(
        self,
        *,
        period: PeriodKind = "month",
        tz: Zone | None = None,
        stage: str = "mql",
        by: By | None = None,
        strict: bool = True,
    ) -> None:
        if not isinstance(stage, str) or not stage.strip():
            raise ValidationError.single("stage", stage, "a stage id such as 'mql'")
        super().__init__(by=by, period=period, tz=tz, anchor="created", strict=strict)
        self._options = {"period": period, "tz": tz, "stage": stage, "by": by, "strict": strict}
        self._stage = stage
        self._counts: Counter[Any] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return history_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        stage = self._stage
        grouping = self._grouping
        for lead in chunk:
            history = lead.history
            if not history:
                if lead.stage != stage:
                    continue
                when = lead.created_at
            elif history[0].from_stage == stage:
                when = lead.created_at
            else:
                when = next((c.at for c in history if c.to_stage == stage), None)
                if when is None:
                    continue
            self._counts[grouping.key(lead, when)] += 1

    def _absorb(self, other: LeadVelocityRateAccumulator) -> None:
        self._counts.update(other._counts)

    def counts(self) -> Grouped[Count]:
        """Leads qualified per period (the series the rate compares)."""
        values = {key: Count(n) for key, n in self._counts.items()}
        return Grouped(values, self._grouping.columns, skipped=self.skipped)

    def result(self) -> Grouped[Ratio]:
        """The rate per period: :func:`growth` of :meth:`counts`."""
        return growth(self.counts())


@overload
def lead_velocity_rate(
    leads: Iterable[Lead],
    *,
    period: PeriodKind = "month",
    tz: Zone | None = None,
    stage: str = "mql",
    by: None = None,
    strict: bool = True,
) -> Grouped[Ratio]: ...
@overload
def lead_velocity_rate(
    leads: Iterable[Lead],
    *,
    period: PeriodKind = "month",
    tz: Zone | None = None,
    stage: str = "mql",
    by: By,
    strict: bool = True,
) -> Grouped[Ratio]: ...
def lead_velocity_rate(
    leads: Iterable[Lead],
    *,
    period: PeriodKind = "month",
    tz: Zone | None = None,
    stage: str = "mql",
    by: By | None = None,
    strict: bool = True,
) -> Grouped[Ratio]:
    """Lead velocity rate: growth of qualified leads, period over period.

    A lead is qualified in the period it first entered *stage* (by its history;
    its creation if it started there); leads that never entered it are left out
    (strict: a lead that skipped *stage* does not count). The rate for period
    *p* is ``Ratio(qualified(p) - qualified(p-1), qualified(p-1))`` as
    :func:`growth` computes it; the counts themselves are
    ``LeadVelocityRateAccumulator(...).counts()``.

    Common rules: one pass over any iterable, memory bounded by groups *
    periods; ``period=`` bucketed in ``tz=`` (required); ``by=`` an attribute
    name, a tuple of names or a callable; ``strict=False`` skips bad records.

    Args:
        leads: The leads.
        period: ``"month"`` (default), or week, quarter, year.
        tz: The zone periods are bucketed in.
        stage: The stage that makes a lead qualified (``"mql"`` by default).
        by: Group by this attribute, these attributes, or this callable.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Grouped` :class:`Ratio` per period (or ``(group, period)``).

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = LeadVelocityRateAccumulator(period=period, tz=tz, stage=stage, by=by, strict=strict)
    return acc.add_many(leads).result()
