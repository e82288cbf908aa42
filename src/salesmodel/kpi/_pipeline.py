"""Current-state pipeline KPIs: pipeline value, weighted pipeline, forecast by
category, coverage, sales velocity, stale deals.

They read each deal's **current** status and stage (a reopened deal is open
again, in the stage it was reopened into); none needs history except stale
deals, which read when the current stage was entered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import repeat
from operator import attrgetter
from typing import Any, Final, overload

import attrs

from salesmodel._book import PipelineBook, Pipelines
from salesmodel.entities import Deal, Rep, Target
from salesmodel.enums import Status, TargetMetric
from salesmodel.errors import Issue, ValidationError
from salesmodel.money import Money, RateTable
from salesmodel.pipeline import DEFAULT_PIPELINE

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
from ._deals import (
    AverageTicketAccumulator,
    SalesCycleAccumulator,
    WinRateAccumulator,
    _AmountAccumulator,
)
from ._grouping import ALL, By
from ._records import deal_issue, history_issue
from ._results import (
    EXACT,
    NOTHING_SKIPPED,
    ZERO,
    Average,
    DurationSummary,
    Grouped,
    Ratio,
    Skipped,
    Table,
    Total,
    fraction_to_decimal,
)
from ._targets import in_scope

__all__ = [
    "Forecast",
    "ForecastAccumulator",
    "PipelineCoverageAccumulator",
    "PipelineValueAccumulator",
    "SalesVelocityAccumulator",
    "StaleDeal",
    "StaleDeals",
    "StaleDealsAccumulator",
    "Velocity",
    "WeightedPipelineAccumulator",
    "forecast",
    "pipeline_coverage",
    "pipeline_value",
    "sales_velocity",
    "stale_deals",
    "weighted_pipeline",
]

OPEN: Final = Status.OPEN
WON: Final = Status.WON
_PLACE: Final = attrgetter("pipeline_id", "stage")
_DAY: Final = dt.timedelta(days=1)


# --- pipeline value -----------------------------------------------------------------------------


class PipelineValueAccumulator(_AmountAccumulator):
    """Accumulates :func:`pipeline_value`; same arguments.

    .. versionadded:: 0.1.0
    """

    status = OPEN
    what = "pipeline value"

    def __init__(
        self,
        *,
        by: By | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(by=by, currency=currency, rates=rates, strict=strict)
        self._options = {"by": by, "currency": currency, "rates": rates, "strict": strict}

    def result(self) -> Any:
        """The :class:`Total` (or :class:`Grouped` totals)."""
        values = {key: Total(total, n) for key, (total, n) in self._totals().items()}
        return self._wrap(values, lambda: Total(resolve({}, **self._money("")), 0))

    def _money(self, what: str) -> dict[str, Any]:
        return {"currency": self._currency, "rates": self._rates, "what": what}


@overload
def pipeline_value(
    deals: Iterable[Deal],
    *,
    by: None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def pipeline_value(
    deals: Iterable[Deal],
    *,
    by: By,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def pipeline_value(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The total amount of open deals, and how many.

    ``Total(sum of amounts of open deals, open deals)``, exact. Current state:
    only deals whose status is ``OPEN`` now count (won and lost deals are out; a
    reopened deal is in).

    Common rules: one pass over any iterable, memory bounded by the number of
    groups; ``by=`` an attribute name (``"currency"`` means the amount's
    currency), a tuple of names or a callable → a :class:`Grouped` result; mixed
    currencies raise :class:`~salesmodel.CurrencyMismatchError` unless
    ``by="currency"`` or ``rates=`` and ``currency=``; ``strict=False`` skips bad
    records and reports them in ``.skipped``.

    Args:
        deals: The deals.
        by: Group by this attribute, these attributes, or this callable.
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
    acc = PipelineValueAccumulator(by=by, currency=currency, rates=rates, strict=strict)
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


# --- weighted pipeline and forecast -------------------------------------------------------------


class _StagedAmounts(GroupedAccumulator):
    """Exact sums of amounts per group, pipeline and stage (and currency); the
    pipeline and stage of every deal checked against the pipelines given."""

    accepts = (Deal,)
    expects = "a Deal"
    aliases = CURRENCY_ALIAS
    anchors = ("created",)
    open_only = True

    def __init__(
        self,
        *,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            by=by,
            anchor="created",
            strict=strict,
            pipelines=pipelines,
            currency=currency,
            rates=rates,
        )
        self._options = {
            "pipelines": pipelines,
            "by": by,
            "currency": currency,
            "rates": rates,
            "strict": strict,
        }
        self._book = PipelineBook(pipelines)
        self._known = self._book.known_pairs()
        self._currency, self._rates = check_currency(currency, rates)
        self._sums: Sums = {}
        self._counts: Counter[tuple[Any, tuple[str, str]]] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return deal_issue(record, amount=True)

    def _add_chunk(self, chunk: list[Any]) -> None:
        chosen = [r for r in chunk if r.status is OPEN] if self.open_only else chunk
        if not chosen:
            return
        try:
            places = list(map(_PLACE, chosen))
        except AttributeError:  # a record of another type without a pipeline_id
            places = [(getattr(r, "pipeline_id", None), getattr(r, "stage", None)) for r in chosen]
        if not set(places) <= self._known:
            kept = []
            for record in chosen:
                found = self._book.stage_of(record)
                if isinstance(found, Issue):
                    self._reject(record, found)
                else:
                    kept.append((record, (found[0].id, found[1].id)))
            chosen = [r for r, _ in kept]
            places = [p for _, p in kept]
        keys = self._grouping.keys(chosen)
        if keys is None:
            self._counts.update(zip(repeat(ALL), places))
            add_amounts(self._sums, places, chosen)
        else:
            slots = list(zip(keys, places, strict=True))
            self._counts.update(slots)
            add_amounts(self._sums, slots, chosen)

    def _absorb(self, other: _StagedAmounts) -> None:
        merge_sums(self._sums, other._sums)
        self._counts.update(other._counts)

    def _split(self) -> dict[Any, dict[tuple[str, str], dict[str, Decimal]]]:
        """``{key: {(pipeline, stage): {currency: sum}}}``."""
        out: dict[Any, dict[tuple[str, str], dict[str, Decimal]]] = {}
        single = self._grouping.single
        for slot, totals in per_key(self._sums).items():
            key, place = (ALL, slot) if single else slot
            out.setdefault(key, {})[place] = totals
        return out


class WeightedPipelineAccumulator(_StagedAmounts):
    """Accumulates :func:`weighted_pipeline`; same arguments.

    .. versionadded:: 0.1.0
    """

    def result(self) -> Any:
        """The :class:`Total` (or :class:`Grouped` totals)."""
        values = {}
        counts: Counter[Any] = Counter()
        for (key, _), n in self._counts.items():
            counts[key] += n
        for key, places in self._split().items():
            weighted: dict[str, Decimal] = {}
            with localcontext(EXACT):
                for (pipeline_id, stage_id), totals in places.items():
                    probability = self._book.by_id[pipeline_id].stage(stage_id).probability
                    for code, total in totals.items():
                        weighted[code] = weighted.get(code, ZERO) + total * probability
            what = "weighted pipeline" + ("" if key == ALL else f" of {key!r}")
            amount = resolve(weighted, currency=self._currency, rates=self._rates, what=what)
            values[key] = Total(amount, counts[key])
        zero = resolve({}, currency=self._currency, rates=None, what="")
        return self._wrap(values, lambda: Total(zero, 0))


@overload
def weighted_pipeline(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def weighted_pipeline(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = ...,
    by: By,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def weighted_pipeline(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The open pipeline weighted by each stage's probability.

    ``Total(Σ amount * probability of the deal's current stage, open deals)``,
    exact (probabilities are Decimals). Current state: only deals open now count.
    A deal whose ``pipeline_id`` is not among *pipelines*, or whose stage its
    pipeline lacks, is a bad record (an error naming its id; skipped and
    reported with ``strict=False``).

    Common rules: as :func:`pipeline_value`.

    Args:
        deals: The deals.
        pipelines: Their pipelines (a pipeline, several, or ``{id: pipeline}``).
        by: Group by this attribute, these attributes, or this callable.
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
    acc = WeightedPipelineAccumulator(
        pipelines=pipelines, by=by, currency=currency, rates=rates, strict=strict
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


@attrs.frozen(repr=False)
class Forecast(Table):
    """Amounts per forecast category, in the order the pipeline's stages give.

    Attributes:
        categories: ``(category, Total)`` pairs; the category is the stage's
            ``forecast_category`` (None for stages without one).

    .. versionadded:: 0.1.0
    """

    categories: tuple[tuple[str | None, Total], ...]
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def __getitem__(self, category: str | None) -> Total:
        for name, total in self.categories:
            if name == category:
                return total
        raise KeyError(category)

    def total(self, *categories: str | None) -> Total:
        """The categories named added up (e.g. ``total("closed", "commit")``)."""
        chosen = [t for name, t in self.categories if name in categories]
        amounts = [t.amount for t in chosen if t.amount is not None]
        return Total(sum(amounts) if amounts else None, sum(t.count for t in chosen))  # type: ignore[arg-type]

    def to_records(self) -> list[dict[str, Any]]:
        """One record per category."""
        return [{"category": name, **total.to_record()} for name, total in self.categories]

    def _caption(self) -> str:
        return "Forecast"

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}: {total!r}" for name, total in self.categories)
        return f"Forecast({inner})"


class ForecastAccumulator(_StagedAmounts):
    """Accumulates :func:`forecast`; same arguments.

    .. versionadded:: 0.1.0
    """

    open_only = False

    def _order(self) -> dict[str | None, int]:
        order: dict[str | None, int] = {}
        for pipeline in self._book.by_id.values():
            for stage in pipeline.stages:
                order.setdefault(stage.forecast_category, len(order))
        return order

    def _forecast(
        self,
        places: Mapping[tuple[str, str], Mapping[str, Decimal]],
        counts: Counter[Any],
        key: Any,
    ) -> Forecast:
        grouped: dict[str | None, dict[str, Decimal]] = {}
        with localcontext(EXACT):
            for (pipeline_id, stage_id), totals in places.items():
                category = self._book.by_id[pipeline_id].stage(stage_id).forecast_category
                bucket = grouped.setdefault(category, {})
                for code, total in totals.items():
                    bucket[code] = bucket.get(code, ZERO) + total
        order = self._order()
        rows = []
        for category in sorted(grouped, key=lambda c: order.get(c, len(order))):
            what = f"forecast category {category!r}" + ("" if key == ALL else f" of {key!r}")
            amount = resolve(
                grouped[category], currency=self._currency, rates=self._rates, what=what
            )
            rows.append((category, Total(amount, counts[category])))
        return Forecast(tuple(rows))

    def result(self) -> Any:
        """The :class:`Forecast` (or :class:`Grouped` forecasts)."""
        counts: dict[Any, Counter[str | None]] = {}
        for (key, (pipeline_id, stage_id)), n in self._counts.items():
            category = self._book.by_id[pipeline_id].stage(stage_id).forecast_category
            counts.setdefault(key, Counter())[category] += n
        values = {
            key: self._forecast(places, counts.get(key, Counter()), key)
            for key, places in self._split().items()
        }
        return self._wrap(values, lambda: Forecast(()))


@overload
def forecast(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Forecast: ...
@overload
def forecast(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = ...,
    by: By,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Forecast]: ...
def forecast(
    deals: Iterable[Deal],
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Forecast | Grouped[Forecast]:
    """Amounts per forecast category (pipeline, best case, commit, closed,
    omitted, ...), read from each deal's **current** stage.

    Every deal counts once, in the ``forecast_category`` of its current stage
    (with :data:`~salesmodel.DEFAULT_PIPELINE`: open stages give ``pipeline``,
    ``best_case`` or ``commit``, won gives ``closed``, lost gives ``omitted``), so
    a lost deal is never in the open categories. Categories are not cumulative;
    add them with :meth:`Forecast.total` (e.g. commit forecast =
    ``total("closed", "commit")``). Filter the deals first to forecast one period
    (e.g. by ``expected_close``). Unknown pipelines or stages are bad records.

    Common rules: as :func:`pipeline_value`.

    Args:
        deals: The deals.
        pipelines: Their pipelines.
        by: Group by this attribute, these attributes, or this callable.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Forecast`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = ForecastAccumulator(
        pipelines=pipelines, by=by, currency=currency, rates=rates, strict=strict
    )
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


# --- coverage -------------------------------------------------------------------------------------


def _is_expected_close(value: Any) -> bool:
    return value is None or type(value) is dt.date


class PipelineCoverageAccumulator(GroupedAccumulator):
    """Accumulates :func:`pipeline_coverage`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"
    anchors = ("created",)

    def __init__(
        self,
        goal: Money | Target,
        *,
        weighted: bool = False,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        reps: Mapping[str, Rep] | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        if type(goal) is Target:
            if goal.metric is not TargetMetric.REVENUE:
                raise ValidationError.single("goal", goal, "a Money or a revenue Target")
            if (goal.team is not None or goal.region is not None) and reps is None:
                raise ValidationError.single(
                    "reps",
                    None,
                    "a mapping of rep id to Rep, since the target names a team or a region",
                )
            money_goal = goal.goal
        elif type(goal) is Money:
            money_goal = goal
        else:
            raise ValidationError.single("goal", goal, "a Money or a revenue Target")
        assert type(money_goal) is Money
        if type(weighted) is not bool:
            raise ValidationError.single("weighted", weighted, "True or False")
        super().__init__(anchor="created", strict=strict)
        self._options = {
            "goal": goal,
            "weighted": weighted,
            "pipelines": pipelines,
            "reps": None if reps is None else dict(reps),
            "rates": rates,
            "strict": strict,
        }
        check_currency(money_goal.currency, rates)
        self._goal = goal
        self._money_goal = money_goal
        self._reps = None if reps is None else dict(reps)
        self._rates = rates
        self._open = WeightedPipelineAccumulator(
            pipelines=pipelines, currency=money_goal.currency, rates=rates, strict=strict
        )
        self._open_plain = PipelineValueAccumulator(
            currency=money_goal.currency, rates=rates, strict=strict
        )
        self._weighted = weighted
        self._won: dict[str, Decimal] = {}

    def _issue(self, record: Any) -> Issue | None:
        issue = deal_issue(record, amount=True)
        if issue is None and type(self._goal) is Target:
            issue = missing_or_bad(
                record, "expected_close", _is_expected_close, "None or a date (not a datetime)"
            )
        return issue

    def _in_window(self, record: Any) -> bool:
        """Whether *record* counts toward the target goal (only asked of targets)."""
        goal = self._goal
        assert type(goal) is Target
        if not in_scope(goal, record, self._reps):
            return False
        if record.status is OPEN:
            expected = record.expected_close
            return expected is None or goal.start.date() <= expected < goal.end.date()
        return record.status is WON and goal.start <= record.closed_at < goal.end

    def _add_chunk(self, chunk: list[Any]) -> None:
        chosen = (
            chunk if type(self._goal) is not Target else [r for r in chunk if self._in_window(r)]
        )
        opened = [r for r in chosen if r.status is OPEN]
        if self._weighted:
            self._open._add_chunk(opened)
            self._skipped.extend(self._open._skipped)
            self._open._skipped.clear()
        else:
            self._open_plain._add_chunk(opened)
        if type(self._goal) is Target:
            won = [r for r in chosen if r.status is WON]
            with localcontext(EXACT):
                for record in won:
                    money = record.amount
                    self._won[money.currency] = self._won.get(money.currency, ZERO) + money.amount

    def _absorb(self, other: PipelineCoverageAccumulator) -> None:
        self._open._absorb(other._open)
        self._open_plain._absorb(other._open_plain)
        with localcontext(EXACT):
            for code, total in other._won.items():
                self._won[code] = self._won.get(code, ZERO) + total

    def result(self) -> Ratio:
        """The coverage :class:`Ratio`."""
        part = self._open if self._weighted else self._open_plain
        covered = part.result().amount
        goal = self._money_goal
        denominator = goal
        if type(self._goal) is Target:
            won = resolve(self._won, currency=goal.currency, rates=self._rates, what="won revenue")
            assert won is not None
            remaining = goal - won
            denominator = remaining if remaining.amount > 0 else Money.zero(goal.currency)
        return Ratio(covered, denominator, skipped=self.skipped)


def pipeline_coverage(
    deals: Iterable[Deal],
    goal: Money | Target,
    *,
    weighted: bool = False,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    reps: Mapping[str, Rep] | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Ratio:
    """How many times the open pipeline covers what is left to sell.

    With a :class:`~salesmodel.Money` goal: ``Ratio(open pipeline value, goal)``.
    With a revenue :class:`~salesmodel.Target`: only deals in the target's scope
    (rep, team, region, product, segment, as :func:`attainment` reads them)
    count; the numerator is the value of open deals expected to close within the
    target's period (or with no ``expected_close``), the denominator what is left:
    goal minus the amounts won in the period (0 once the goal is met, so the
    ratio's value is then None). ``weighted=True`` weighs open deals by stage
    probability (as :func:`weighted_pipeline`). Current state: the deals' status
    now. Coverage of 3 reads ``3/1 (300.0%)``.

    Common rules: one pass over any iterable, constant memory; amounts in other
    currencies than the goal's need *rates*; ``strict=False`` skips bad records.

    Args:
        deals: The deals.
        goal: A Money, or a revenue Target.
        weighted: Weigh open deals by their stage's probability.
        pipelines: The deals' pipelines (for *weighted*).
        reps: Rep id → Rep, for team and region targets.
        rates: Exchange rates into the goal's currency.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Ratio` of two amounts.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for other currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = PipelineCoverageAccumulator(
        goal, weighted=weighted, pipelines=pipelines, reps=reps, rates=rates, strict=strict
    )
    return acc.add_many(deals).result()


# --- sales velocity -------------------------------------------------------------------------------


@attrs.frozen(repr=False)
class Velocity:
    """Sales velocity and its four inputs.

    ``value = opportunities * win rate * average deal / cycle days``: the revenue
    the pipeline is expected to produce per day, rounded to the cent (halves to
    even); None when an input is missing (no win, no closed deal, a zero cycle).

    Attributes:
        opportunities: Open deals now.
        win_rate: Won over closed deals (by count).
        average_deal: The average won amount.
        cycle: Time from creation to win of won deals (its ``mean`` is used).
        value: Money per day.

    .. versionadded:: 0.1.0
    """

    opportunities: int
    win_rate: Ratio
    average_deal: Average
    cycle: DurationSummary
    value: Money | None
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def to_record(self) -> dict[str, Any]:
        """The velocity and its inputs as one flat record."""
        rate = self.win_rate.value
        average = self.average_deal.value
        mean = self.cycle.mean
        return {
            "opportunities": self.opportunities,
            "win_rate": None if rate is None else float(rate),
            "average_deal": None if average is None else average.amount,
            "cycle_days": None if mean is None else mean / _DAY,
            "velocity_per_day": None if self.value is None else self.value.amount,
            "currency": None if self.value is None else self.value.currency,
        }

    def __repr__(self) -> str:
        mean = self.cycle.mean
        days = "n/a" if mean is None else f"{mean / _DAY:.4g} days"
        return (
            f"Velocity({self.value} per day = {self.opportunities} opportunities * "
            f"{self.win_rate!r} * {self.average_deal.value} / {days})"
        )


def velocity_value(
    opportunities: int, win_rate: Ratio, average: Average, cycle: DurationSummary
) -> Money | None:
    """``opportunities * win rate * average / cycle days``, to the cent."""
    rate, mean_amount, mean = win_rate.value, average.exact, cycle.mean
    if rate is None or mean_amount is None or mean is None or not mean or average.total is None:
        return None
    days = Fraction(mean // dt.timedelta(microseconds=1), 86_400_000_000)
    per_day = opportunities * rate * mean_amount / days
    return Money(fraction_to_decimal(per_day, 2, "ROUND_HALF_EVEN"), average.total.currency)


class SalesVelocityAccumulator(GroupedAccumulator):
    """Accumulates :func:`sales_velocity`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"
    aliases = CURRENCY_ALIAS
    anchors = ("created",)

    def __init__(
        self,
        *,
        by: By | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(by=by, anchor="created", strict=strict)
        self._options = {"by": by, "currency": currency, "rates": rates, "strict": strict}
        self._open = PipelineValueAccumulator(by=by, currency=currency, rates=rates, strict=strict)
        self._win = WinRateAccumulator(by=by, strict=strict)
        self._average = AverageTicketAccumulator(
            by=by, currency=currency, rates=rates, strict=strict
        )
        self._cycle = SalesCycleAccumulator(by=by, strict=strict)

    def _issue(self, record: Any) -> Issue | None:
        return deal_issue(record, amount=True)

    def _parts(self) -> tuple[Any, ...]:
        return (self._open, self._win, self._average, self._cycle)

    def _add_chunk(self, chunk: list[Any]) -> None:
        for part in self._parts():
            part._add_chunk(chunk)

    def _absorb(self, other: SalesVelocityAccumulator) -> None:
        for mine, theirs in zip(self._parts(), other._parts(), strict=True):
            mine._absorb(theirs)

    def result(self) -> Any:
        """The :class:`Velocity` (or :class:`Grouped` velocities)."""
        opened, wins, averages, cycles = (_as_map(p.result()) for p in self._parts())
        keys = set(opened) | set(wins) | set(averages) | set(cycles)
        values = {}
        for key in keys:
            n = opened[key].count if key in opened else 0
            rate = wins.get(key, Ratio(0, 0))
            average = averages.get(key, Average(None, 0))
            cycle = cycles.get(key, DurationSummary.from_counts({}))
            values[key] = Velocity(n, rate, average, cycle, velocity_value(n, rate, average, cycle))
        empty = Velocity(0, Ratio(0, 0), Average(None, 0), DurationSummary.from_counts({}), None)
        return self._wrap(values, lambda: empty)


def _as_map(result: Any) -> dict[Any, Any]:
    if isinstance(result, Grouped):
        return dict(result)
    return {ALL: result}


@overload
def sales_velocity(
    deals: Iterable[Deal],
    *,
    by: None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Velocity: ...
@overload
def sales_velocity(
    deals: Iterable[Deal],
    *,
    by: By,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Grouped[Velocity]: ...
def sales_velocity(
    deals: Iterable[Deal],
    *,
    by: By | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    strict: bool = True,
) -> Velocity | Grouped[Velocity]:
    """Sales velocity: expected revenue per day from the pipeline, with its four
    inputs.

    ``opportunities * win rate * average deal / cycle length``, where
    opportunities are deals open now (as :func:`pipeline_value` counts them), the
    win rate is won over closed by count (:func:`win_rate`), the average deal is
    the mean won amount (:func:`average_ticket`) and the cycle is the mean time
    from creation to win (:func:`sales_cycle`), in days. Current state, all
    periods together: filter the deals to a window first for a window's velocity.

    Common rules: one pass over any iterable; memory bounded by groups and
    distinct cycle lengths; mixed currencies need ``by="currency"`` or *rates*;
    ``strict=False`` skips bad records.

    Args:
        deals: The deals.
        by: Group by this attribute, these attributes, or this callable.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Velocity`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = SalesVelocityAccumulator(by=by, currency=currency, rates=rates, strict=strict)
    return acc.add_many(deals).result()  # type: ignore[no-any-return]


# --- stale deals ----------------------------------------------------------------------------------


@attrs.frozen
class StaleDeal:
    """An open deal that sat in its stage longer than the stage allows.

    .. versionadded:: 0.1.0
    """

    id: str
    owner_id: str | None
    stage: str
    entered_at: dt.datetime
    age: dt.timedelta
    rot_after: dt.timedelta

    def to_record(self) -> dict[str, Any]:
        """The stale deal as one flat record."""
        return attrs.asdict(self)


@attrs.frozen(repr=False)
class StaleDeals(Table):
    """The stale deals, oldest first, and how many deals were open.

    .. versionadded:: 0.1.0
    """

    deals: tuple[StaleDeal, ...]
    open_deals: int
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    @property
    def ratio(self) -> Ratio:
        """Stale over open deals."""
        return Ratio(len(self.deals), self.open_deals)

    def __len__(self) -> int:
        return len(self.deals)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per stale deal."""
        return [d.to_record() for d in self.deals]

    def to_record(self) -> dict[str, Any]:
        """The counts as one record (for grouped results)."""
        return {"stale": len(self.deals), "open": self.open_deals}

    def _caption(self) -> str:
        return f"Stale deals: {self.ratio!r}"

    def __repr__(self) -> str:
        return f"StaleDeals({self.ratio!r}: {', '.join(d.id for d in self.deals[:5])}" + (
            ", ...)" if len(self.deals) > 5 else ")"
        )


class StaleDealsAccumulator(GroupedAccumulator):
    """Accumulates :func:`stale_deals`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal,)
    expects = "a Deal"
    anchors = ("created",)

    def __init__(
        self,
        *,
        as_of: dt.datetime,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        strict: bool = True,
    ) -> None:
        if not aware(as_of):
            raise ValidationError.single("as_of", as_of, "a timezone-aware datetime")
        super().__init__(by=by, anchor="created", strict=strict)
        self._options = {"as_of": as_of, "pipelines": pipelines, "by": by, "strict": strict}
        self._as_of = as_of
        self._book = PipelineBook(pipelines)
        self._open: Counter[Any] = Counter()
        self._stale: dict[Any, list[StaleDeal]] = {}

    def _issue(self, record: Any) -> Issue | None:
        return history_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        opened = [r for r in chunk if r.status is OPEN]
        grouping = self._grouping
        for record in opened:
            found = self._book.stage_of(record)
            if isinstance(found, Issue):
                self._reject(record, found)
                continue
            _, stage = found
            key = grouping.group_of(record)
            self._open[key] += 1
            if stage.rot_after is None:
                continue
            entered = record.history[-1].at if record.history else record.created_at
            age = self._as_of - entered
            if age > stage.rot_after:
                self._stale.setdefault(key, []).append(
                    StaleDeal(
                        record.id,
                        getattr(record, "owner_id", None),
                        stage.id,
                        entered,
                        age,
                        stage.rot_after,
                    )
                )

    def _absorb(self, other: StaleDealsAccumulator) -> None:
        self._open.update(other._open)
        for key, rows in other._stale.items():
            self._stale.setdefault(key, []).extend(rows)

    def result(self) -> Any:
        """The :class:`StaleDeals` (or :class:`Grouped` of them)."""
        values = {
            key: StaleDeals(
                tuple(sorted(self._stale.get(key, []), key=lambda d: (-d.age, d.id))), n
            )
            for key, n in self._open.items()
        }
        return self._wrap(values, lambda: StaleDeals((), 0))


@overload
def stale_deals(
    deals: Iterable[Deal],
    *,
    as_of: dt.datetime,
    pipelines: Pipelines = ...,
    by: None = None,
    strict: bool = True,
) -> StaleDeals: ...
@overload
def stale_deals(
    deals: Iterable[Deal],
    *,
    as_of: dt.datetime,
    pipelines: Pipelines = ...,
    by: By,
    strict: bool = True,
) -> Grouped[StaleDeals]: ...
def stale_deals(
    deals: Iterable[Deal],
    *,
    as_of: dt.datetime,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    strict: bool = True,
) -> StaleDeals | Grouped[StaleDeals]:
    """Open deals that sat in their current stage longer than its ``rot_after``,
    as of *as_of*.

    A deal entered its current stage at its last history change (or when it was
    created); it is stale when ``as_of - entered > rot_after``. Current state:
    only deals open now; stages without ``rot_after`` never rot. Unknown
    pipelines or stages are bad records. Memory: the stale deals themselves.

    Args:
        deals: The deals.
        as_of: The moment to judge at (never the clock).
        pipelines: Their pipelines.
        by: Group by this attribute, these attributes, or this callable.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        :class:`StaleDeals` (oldest first, with ``.ratio`` of open deals), or a
        :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = StaleDealsAccumulator(as_of=as_of, pipelines=pipelines, by=by, strict=strict)
    return acc.add_many(deals).result()  # type: ignore[no-any-return]
