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
from typing import Any, ClassVar, Final, overload

import attrs

from salesmodel._book import PipelineBook, Pipelines
from salesmodel._time import elapsed, instant_argument
from salesmodel.entities import Deal, Rep, Target
from salesmodel.enums import Status, TargetMetric
from salesmodel.errors import Issue, ValidationError
from salesmodel.money import Money, RateTable
from salesmodel.pipeline import DEFAULT_PIPELINE, Stage

from ._accumulators import missing_or_bad
from ._base import GroupedAccumulator
from ._deals import _Money, _money, _what, _zero
from ._define import DefinedAccumulator, Frame, compute
from ._grouping import ALL, By, Zone
from ._measures import AmountMeasure, Amounts, CountMeasure, DurationMeasure, Extra, Measure, Where
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
    summarise,
)
from ._targets import TargetWindow

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
LOST: Final = Status.LOST
_DAY: Final = dt.timedelta(days=1)


# --- pipeline value -----------------------------------------------------------------------------


def _place(deal: Any) -> tuple[str | None, str]:
    """Where a deal sits: its pipeline id (None for a row without one: the book's
    only pipeline) and its stage."""
    return getattr(deal, "pipeline_id", None), deal.stage


def _stage_of(book: PipelineBook, place: tuple[str | None, str]) -> Stage:
    pipeline_id, stage_id = place
    pipeline = book.unnamed if pipeline_id is None else book.by_id[pipeline_id]
    assert pipeline is not None  # the record conformed to it
    return pipeline.stage(stage_id)


_PLACE_EXTRA: Final = Extra("place", _place)


class _Open(_Money):
    """KPIs of the current pipeline: deals that conform to their pipeline, read
    by their current stage."""

    accepts = (Deal,)
    expects = "a Deal"
    anchors = ()
    reads_stages = True
    options: ClassVar[dict[str, Any]] = {"currency": None, "rates": None}

    def check(self, options: dict[str, Any]) -> None:
        PipelineBook(options["pipelines"])  # refuse what is no pipeline now, not at the end
        super().check(options)

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        return deal_issue(record, amount=True)


class PipelineValue(_Open):
    """The amounts of open deals."""

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        return (AmountMeasure("open", Where(frozenset({OPEN}))),)

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        opened: Amounts = values["open"]
        amount = _money(opened, options, _what("pipeline value", key))
        return Total(amount, opened.count, unknown=opened.unknown)

    def empty(self, options: Mapping[str, Any]) -> Total:
        return Total(_zero(options), 0)


class PipelineValueAccumulator(DefinedAccumulator):
    """Accumulates :func:`pipeline_value`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = PipelineValue()

    def __init__(
        self,
        *,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        tz: Zone | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            pipelines=pipelines, by=by, tz=tz, currency=currency, rates=rates, strict=strict
        )


@overload
def pipeline_value(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def pipeline_value(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: By,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def pipeline_value(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The total amount of open deals, and how many.

    ``Total(sum of amounts of open deals, open deals)``, exact; open deals of
    unknown value are counted in ``.unknown``, never added as zero. Current state:
    only deals whose status is ``OPEN`` now count (won and lost deals are out; a
    reopened deal is in). Every deal must conform to its pipeline
    (:meth:`~salesmodel.Pipeline.validate`): one that does not is a bad record.

    Common rules (grouping, currencies, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        pipelines: Their pipelines (a pipeline, several, or ``{id: pipeline}``).
        by: Group by this attribute, these attributes, or this callable.
        tz: The zone a DataFrame's naive datetime (and date) columns are read in;
            records' datetimes are aware, and this KPI reads no calendar: on
            records it is checked and changes nothing.
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
        PipelineValueAccumulator,
        deals,
        pipelines=pipelines,
        by=by,
        tz=tz,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


# --- weighted pipeline and forecast -------------------------------------------------------------


def _weighed(places: Mapping[tuple[str, str], Amounts], pipelines: Pipelines) -> Amounts:
    """The open amounts at each place, each weighed by its stage's probability."""
    book = PipelineBook(pipelines)
    weighted: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for place, amounts in places.items():
            probability = _stage_of(book, place).probability
            for code, total in amounts.sums.items():
                weighted[code] = weighted.get(code, ZERO) + total * probability
    return Amounts(
        weighted,
        sum(a.count for a in places.values()),
        sum(a.unknown for a in places.values()),
    )


class WeightedPipeline(_Open):
    """Open amounts weighted by their stage's probability."""

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        return (AmountMeasure("open", Where(frozenset({OPEN})), extra=_PLACE_EXTRA),)

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        merged = _weighed(values["open"], options["pipelines"])
        amount = _money(merged, options, _what("weighted pipeline", key))
        return Total(amount, merged.count, unknown=merged.unknown)

    def empty(self, options: Mapping[str, Any]) -> Total:
        return Total(_zero(options), 0)


class WeightedPipelineAccumulator(DefinedAccumulator):
    """Accumulates :func:`weighted_pipeline`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = WeightedPipeline()

    def __init__(
        self,
        *,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        tz: Zone | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            pipelines=pipelines, by=by, tz=tz, currency=currency, rates=rates, strict=strict
        )


@overload
def weighted_pipeline(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total: ...
@overload
def weighted_pipeline(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: By,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Total]: ...
def weighted_pipeline(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Total | Grouped[Total]:
    """The open pipeline weighted by each stage's probability.

    ``Total(Σ amount * probability of the deal's current stage, open deals)``,
    exact (probabilities are Decimals); open deals of unknown value are counted in
    ``.unknown``. Current state: only deals open now count. A deal that does not
    conform to its pipeline (not among *pipelines*, an unknown stage, a status
    that is not its stage's) is a bad record (an error naming its id; skipped and
    reported with ``strict=False``).

    Common rules: as :func:`pipeline_value`.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        pipelines: Their pipelines (a pipeline, several, or ``{id: pipeline}``).
        by: Group by this attribute, these attributes, or this callable.
        tz: The zone a DataFrame's naive datetime (and date) columns are read in;
            records' datetimes are aware, and this KPI reads no calendar: on
            records it is checked and changes nothing.
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
        WeightedPipelineAccumulator,
        deals,
        pipelines=pipelines,
        by=by,
        tz=tz,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


@attrs.frozen(repr=False)
class Forecast(Table):
    """Amounts per forecast category, in the order the pipeline's stages give.

    Attributes:
        categories: ``(category, Total)`` pairs; the category is the stage's
            ``forecast_category``, or for a stage without one the default of its
            status: ``"pipeline"`` (open), ``"closed"`` (won), ``"omitted"``
            (lost), so a lost deal is never counted with open ones.

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
        return Total(
            sum(amounts) if amounts else None,  # type: ignore[arg-type]
            sum(t.count for t in chosen),
            unknown=sum(t.unknown for t in chosen),
        )

    def to_records(self) -> list[dict[str, Any]]:
        """One record per category."""
        return [{"category": name, **total.to_record()} for name, total in self.categories]

    def _caption(self) -> str:
        return "Forecast"

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}: {total!r}" for name, total in self.categories)
        return f"Forecast({inner})"


#: The forecast category of a stage that names none, by its status (Salesforce's).
_DEFAULT_CATEGORY: Final = {Status.OPEN: "pipeline", Status.WON: "closed", Status.LOST: "omitted"}


def _category(stage: Stage) -> str:
    """The forecast category *stage* counts in: its own, else its status's default."""
    return stage.forecast_category or _DEFAULT_CATEGORY[stage.status]


class ForecastDefinition(_Open):
    """Every deal's amount in the forecast category of its current stage."""

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        return (AmountMeasure("deals", extra=_PLACE_EXTRA),)

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        places: Mapping[tuple[str, str], Amounts] = values["deals"]
        book = PipelineBook(options["pipelines"])
        grouped: dict[str, tuple[dict[str, Decimal], list[int]]] = {}
        with localcontext(EXACT):
            for place, amounts in places.items():
                category = _category(_stage_of(book, place))
                sums, counts = grouped.setdefault(category, ({}, [0, 0]))
                for code, total in amounts.sums.items():
                    sums[code] = sums.get(code, ZERO) + total
                counts[0] += amounts.count
                counts[1] += amounts.unknown
        order: dict[str, int] = {}
        for pipeline in book.by_id.values():
            for stage in pipeline.stages:
                order.setdefault(_category(stage), len(order))
        rows = []
        for category in sorted(grouped, key=lambda c: order.get(c, len(order))):
            sums, (count, unknown) = grouped[category]
            what = _what(f"forecast category {category!r}", key)
            rows.append(
                (category, Total(_money(Amounts(sums), options, what), count, unknown=unknown))
            )
        return Forecast(tuple(rows))

    def empty(self, options: Mapping[str, Any]) -> Forecast:
        return Forecast(())


class ForecastAccumulator(DefinedAccumulator):
    """Accumulates :func:`forecast`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = ForecastDefinition()

    def __init__(
        self,
        *,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        tz: Zone | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            pipelines=pipelines, by=by, tz=tz, currency=currency, rates=rates, strict=strict
        )


@overload
def forecast(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Forecast: ...
@overload
def forecast(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: By,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Forecast]: ...
def forecast(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Forecast | Grouped[Forecast]:
    """Amounts per forecast category (pipeline, best case, commit, closed,
    omitted, ...), read from each deal's **current** stage.

    Every deal counts once, in the ``forecast_category`` of its current stage
    (with :data:`~salesmodel.DEFAULT_PIPELINE`: open stages give ``pipeline``,
    ``best_case`` or ``commit``, won gives ``closed``, lost gives ``omitted``; a
    stage without one counts in its status's: ``pipeline``, ``closed`` or
    ``omitted``), so a lost deal is never in the open categories. Categories are not cumulative;
    add them with :meth:`Forecast.total` (e.g. commit forecast =
    ``total("closed", "commit")``). Filter the deals first to forecast one period
    (e.g. by ``expected_close``). A deal that does not conform to its pipeline is
    a bad record; deals of unknown value are counted in each category's
    ``.unknown``.

    Common rules: as :func:`pipeline_value`.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        pipelines: Their pipelines.
        by: Group by this attribute, these attributes, or this callable.
        tz: The zone a DataFrame's naive datetime (and date) columns are read in;
            records' datetimes are aware, and this KPI reads no calendar: on
            records it is checked and changes nothing.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`Forecast`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        ForecastAccumulator,
        deals,
        pipelines=pipelines,
        by=by,
        tz=tz,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


# --- coverage -------------------------------------------------------------------------------------


def _is_expected_close(value: Any) -> bool:
    return value is None or type(value) is dt.date


class Coverage(_Open):
    """The open pipeline over what is left to sell: a Money goal, or a revenue
    Target's goal less what was won in its period (deals in its window only)."""

    options: ClassVar[dict[str, Any]] = {
        "goal": None,
        "weighted": False,
        "reps": None,
        "currency": None,  # the goal's
        "rates": None,
    }

    def check(self, options: dict[str, Any]) -> None:
        goal, reps = options["goal"], options["reps"]
        if type(goal) is Target:
            if goal.metric is not TargetMetric.REVENUE:
                raise ValidationError.single("goal", goal, "a Money or a revenue Target")
            if (goal.team is not None or goal.region is not None) and reps is None:
                raise ValidationError.single(
                    "reps",
                    None,
                    "a mapping of rep id to Rep, since the target names a team or a region",
                )
            money = goal.goal
            assert type(money) is Money  # a revenue target's
        elif type(goal) is Money:
            money = goal
        else:
            raise ValidationError.single("goal", goal, "a Money or a revenue Target")
        if type(options["weighted"]) is not bool:
            raise ValidationError.single("weighted", options["weighted"], "True or False")
        options["currency"] = money.currency
        options["reps"] = None if reps is None else dict(reps)
        super().check(options)

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        issue = deal_issue(record, amount=True)
        if issue is None and type(options["goal"]) is Target:
            issue = missing_or_bad(
                record, "expected_close", _is_expected_close, "None or a date (not a datetime)"
            )
        return issue

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        goal = options["goal"]
        window = TargetWindow(goal, options["reps"]) if type(goal) is Target else None
        extra = _PLACE_EXTRA if options["weighted"] else None
        opened = AmountMeasure("open", Where(frozenset({OPEN}), within=window), extra=extra)
        if window is None:
            return (opened,)
        return (opened, AmountMeasure("won", Where(frozenset({WON}), within=window)))

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        weighted = options["weighted"]
        opened: Amounts = (
            _weighed(values["open"], options["pipelines"]) if weighted else values["open"]
        )
        what = "weighted pipeline" if weighted else "pipeline value"
        covered = _money(opened, options, what)
        assert covered is not None  # in the goal's currency, as what was won
        goal = options["goal"]
        if type(goal) is not Target:
            return Ratio(covered, goal, unknown=opened.unknown)
        won = _money(values["won"], options, "won revenue")
        target_goal = goal.goal
        assert won is not None and type(target_goal) is Money  # noqa: PT018 - a revenue target's
        remaining = target_goal - won
        left = remaining if remaining.amount > 0 else Money.zero(remaining.currency)
        # a won deal of unknown value leaves what is left to sell unknown by as much
        return Ratio(covered, left, unknown=opened.unknown + values["won"].unknown)

    def empty(self, options: Mapping[str, Any]) -> Ratio:
        none = Amounts({}, 0, 0)
        ratio: Ratio = self.finish(
            ALL, {"open": {} if options["weighted"] else none, "won": none}, options
        )
        return ratio


class PipelineCoverageAccumulator(DefinedAccumulator):
    """Accumulates :func:`pipeline_coverage`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = Coverage()

    def __init__(
        self,
        goal: Money | Target,
        *,
        weighted: bool = False,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        reps: Mapping[str, Rep] | None = None,
        rates: RateTable | None = None,
        tz: Zone | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            goal=goal,
            weighted=weighted,
            pipelines=pipelines,
            reps=reps,
            rates=rates,
            tz=tz,
            strict=strict,
        )

    def result(self) -> Ratio:
        """The coverage :class:`Ratio`."""
        ratio: Ratio = super().result()
        return ratio


def pipeline_coverage(
    deals: Iterable[Deal] | Frame,
    goal: Money | Target,
    *,
    weighted: bool = False,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    reps: Mapping[str, Rep] | None = None,
    rates: RateTable | None = None,
    tz: Zone | None = None,
    columns: Mapping[str, str] | None = None,
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

    On a DataFrame (:data:`Frame`) a Target's scope reads the columns
    ``owner_id`` (for a rep, team or region), ``product`` and ``segment`` (an
    attribute of a Deal), and its window ``expected_close``, a column of dates
    (without it, no deal has one), each only when the target names it.

    Args:
        deals: The deals, or a DataFrame of them.
        goal: A Money, or a revenue Target.
        weighted: Weigh open deals by their stage's probability.
        pipelines: The deals' pipelines (for *weighted*).
        reps: Rep id → Rep, for team and region targets.
        rates: Exchange rates into the goal's currency.
        tz: The zone a DataFrame's naive datetime (and date) columns are read in;
            records' datetimes are aware, and this KPI reads no calendar: on
            records it is checked and changes nothing.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`Ratio` of two amounts; its ``.unknown`` counts the open deals of
        unknown value and, with a Target, the won ones (what is left to sell is
        then not known exactly either).

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for other currencies without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        PipelineCoverageAccumulator,
        deals,
        goal=goal,
        weighted=weighted,
        pipelines=pipelines,
        reps=reps,
        rates=rates,
        tz=tz,
        columns=columns,
        strict=strict,
    )


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


class SalesVelocity(_Open):
    """Opportunities, win rate, average deal and cycle, in one pass."""

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        return (
            CountMeasure("open", Where(frozenset({OPEN}))),
            CountMeasure("closed", Where(frozenset({WON, LOST}))),
            AmountMeasure("won", Where(frozenset({WON}))),
            DurationMeasure("cycle", Where(frozenset({WON}))),
        )

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        won: Amounts = values["won"]
        n = values["open"]
        rate = Ratio(won.count + won.unknown, values["closed"])
        average = Average(
            _money(won, options, _what("average deal", key)), won.count, unknown=won.unknown
        )
        cycle = summarise(values["cycle"])
        return Velocity(n, rate, average, cycle, velocity_value(n, rate, average, cycle))

    def empty(self, options: Mapping[str, Any]) -> Velocity:
        return Velocity(0, Ratio(0, 0), Average(None, 0), DurationSummary.from_counts({}), None)


class SalesVelocityAccumulator(DefinedAccumulator):
    """Accumulates :func:`sales_velocity`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = SalesVelocity()

    def __init__(
        self,
        *,
        pipelines: Pipelines = DEFAULT_PIPELINE,
        by: By | None = None,
        tz: Zone | None = None,
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            pipelines=pipelines, by=by, tz=tz, currency=currency, rates=rates, strict=strict
        )


@overload
def sales_velocity(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Velocity: ...
@overload
def sales_velocity(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = ...,
    by: By,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Velocity]: ...
def sales_velocity(
    deals: Iterable[Deal] | Frame,
    *,
    pipelines: Pipelines = DEFAULT_PIPELINE,
    by: By | None = None,
    tz: Zone | None = None,
    currency: str | None = None,
    rates: RateTable | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Velocity | Grouped[Velocity]:
    """Sales velocity: expected revenue per day from the pipeline, with its four
    inputs.

    ``opportunities * win rate * average deal / cycle length``, where
    opportunities are deals open now (as :func:`pipeline_value` counts them), the
    win rate is won over closed by count (:func:`win_rate`), the average deal is
    the mean won amount (:func:`average_ticket`: won deals of unknown value are in
    its ``.unknown``) and the cycle is the mean time from creation to win
    (:func:`sales_cycle`), in days. Current state, all periods together: filter
    the deals to a window first for a window's velocity. A deal that does not
    conform to its pipeline is a bad record.

    Common rules: as :func:`pipeline_value`; memory bounded by groups and
    distinct cycle lengths.

    Args:
        deals: The deals, or a DataFrame of them (:data:`Frame`).
        pipelines: Their pipelines.
        by: Group by this attribute, these attributes, or this callable.
        tz: The zone a DataFrame's naive datetime (and date) columns are read in;
            records' datetimes are aware, and this KPI reads no calendar: on
            records it is checked and changes nothing.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        strict: Raise on the first bad record (True) or skip and report it.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.

    Returns:
        A :class:`Velocity`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for mixed currencies without rates.

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        SalesVelocityAccumulator,
        deals,
        pipelines=pipelines,
        by=by,
        tz=tz,
        currency=currency,
        rates=rates,
        columns=columns,
        strict=strict,
    )


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
        as_of = instant_argument(as_of, "as_of", "stale deals")
        super().__init__(by=by, anchor="created", strict=strict)
        self._options = {"as_of": as_of, "pipelines": pipelines, "by": by, "strict": strict}
        self._as_of = as_of
        self._book = PipelineBook(pipelines)
        self._open: Counter[Any] = Counter()
        self._stale: dict[Any, list[StaleDeal]] = {}

    def _issue(self, record: Any) -> Issue | None:
        return history_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        grouping = self._grouping
        book = self._book
        # every record conforms or is a bad one, closed or not (a closed deal in an
        # unknown stage is no less bad for being out of the count)
        for record in self._conforming(chunk, book):
            if record.status is not OPEN:
                continue
            pipeline = book.pipeline_of(record)
            assert not isinstance(pipeline, Issue)
            stage = pipeline.stage(record.stage)
            key = grouping.group_of(record)
            self._open[key] += 1
            if stage.rot_after is None:
                continue
            entered = record.history[-1].at if record.history else record.created_at
            age = elapsed(self._as_of, entered)  # instants: a record may hold a named zone
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
