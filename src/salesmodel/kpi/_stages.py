"""History KPIs: time spent in each stage, and the funnel with its bottleneck.

Both read stage history (:class:`~salesmodel.StageChange`), so they count every
visit: a reopened deal that went through a stage twice counts twice in time in
stage, and counts as having reached every stage it ever reached in the funnel.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, overload

import attrs

from salesmodel._book import DEFAULT_BOOK, PipelineBook, Pipelines
from salesmodel._time import NO_TIME, elapsed, instant_argument
from salesmodel.entities import Deal, Lead
from salesmodel.enums import Status
from salesmodel.errors import Issue, ValidationError
from salesmodel.pipeline import DEFAULT_PIPELINE, Pipeline

from ._base import GroupedAccumulator
from ._define import Frame, is_frame, refuse_frame_options
from ._grouping import By, Zone
from ._records import history_issue, in_its_pipeline
from ._results import NOTHING_SKIPPED, DurationSummary, Grouped, Ratio, Skipped, Table

__all__ = [
    "Funnel",
    "FunnelAccumulator",
    "FunnelStep",
    "TimeInStageAccumulator",
    "funnel",
    "time_in_stage",
]

_MICRO: Final = dt.timedelta(microseconds=1)
OPEN: Final = Status.OPEN
WON: Final = Status.WON


# --- time in stage --------------------------------------------------------------------------


class TimeInStageAccumulator(GroupedAccumulator):
    """Accumulates :func:`time_in_stage`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    anchors = ("created",)

    def __init__(
        self,
        *,
        by: By | None = None,
        as_of: dt.datetime | None = None,
        pipelines: Pipelines | None = None,
        tz: Zone | None = None,
        strict: bool = True,
    ) -> None:
        as_of = instant_argument(as_of, "as_of", "time in stage", optional=True)
        super().__init__(
            by=by, tz=tz, anchor="created", strict=strict, as_of=as_of, pipelines=pipelines
        )
        self._as_of = as_of
        self._book = DEFAULT_BOOK if pipelines is None else PipelineBook(pipelines)
        self._counts: Counter[tuple[Any, str, dt.timedelta]] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return history_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        counts = self._counts
        as_of = self._as_of
        grouping = self._grouping
        for record in self._conforming(chunk, self._book):
            group = grouping.group_of(record)
            stage, entered, history = in_its_pipeline(record)
            for change in history:
                counts[(group, stage, elapsed(change.at, entered))] += 1
                stage, entered = change.to_stage, change.at
            if as_of is not None and record.status is OPEN:
                spent = elapsed(as_of, entered)  # instants: a record may hold a named zone
                if spent >= NO_TIME:
                    counts[(group, stage, spent)] += 1

    def _absorb(self, other: TimeInStageAccumulator) -> None:
        self._counts.update(other._counts)

    def _of_frame(
        self, deals: Frame, history: Frame | None, columns: Mapping[str, str] | None, by: By | None
    ) -> Grouped[DurationSummary]:
        """The result over a DataFrame of deals and one of their changes (the
        stays counted inside the engine)."""
        from ._changes import stage_times
        from ._frames import history_figure

        engine, times = history_figure(
            deals,
            history,
            columns,
            by,
            lambda engine: stage_times(engine, self._as_of),
            tz=self._grouping.tz,
            strict=self.strict,
            book=self._book,
        )
        self._grouping = engine.grouping
        for (group, stage, micros), n in times.items():
            self._counts[(group, stage, micros * _MICRO)] += n
        self._skipped.extend(engine.skipped)
        return self.result()

    def result(self) -> Grouped[DurationSummary]:
        """A :class:`Grouped` summary per stage (per ``(group, stage)`` with
        ``by``)."""
        per: dict[Any, dict[int, int]] = {}
        single = self._grouping.single
        for (group, stage, spent), n in self._counts.items():
            key = stage if single else (group, stage)
            bucket = per.setdefault(key, {})
            micros = spent // _MICRO
            bucket[micros] = bucket.get(micros, 0) + n
        values = {key: DurationSummary.from_counts(c) for key, c in per.items()}
        columns = ("stage",) if single else (*self._grouping.columns, "stage")
        return Grouped(values, columns, skipped=self.skipped)


def time_in_stage(
    records: Iterable[Deal | Lead] | Frame,
    *,
    by: By | None = None,
    as_of: dt.datetime | None = None,
    pipelines: Pipelines | None = None,
    tz: Zone | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[DurationSummary]:
    """How long records stayed in each stage, from their history.

    Every visit counts once: a record that went through a stage twice (moved
    back, or reopened) adds two durations. A visit lasts from entering the stage
    (``created_at`` for the first) to the next change. The stage a record is in
    now counts only when it is open and *as_of* is given (up to *as_of*); the
    final stage of a closed record (won or lost) never counts.

    Every record must conform to its pipeline (:meth:`~salesmodel.Pipeline.validate`:
    among *pipelines*, by default :data:`~salesmodel.DEFAULT_PIPELINE` for deals
    and :data:`~salesmodel.LEAD_LIFECYCLE` for leads; a known stage with its
    status; every history change allowed): one that does not is a bad record (an
    error naming its id; skipped and reported with ``strict=False``).

    Common rules: one pass over any iterable; memory: one counter entry per
    distinct (group, stage, duration) (exact medians need the values); ``by=`` an
    attribute name, a tuple of names or a callable.

    On a DataFrame of deals, *history* is the frame of their stage changes
    (``deal_id``, ``from_stage``, ``to_stage``, ``at``; see :mod:`salesmodel.kpi`),
    checked as the entities check a history; without it each deal has none.

    Args:
        records: Deals or leads with their history, or a DataFrame of deals.
        by: Group by this attribute, these attributes, or this callable too.
        as_of: Count the current stay of open records up to this moment.
        pipelines: The records' pipelines (default: DEFAULT_PIPELINE and
            LEAD_LIFECYCLE).
        tz: The zone the naive datetime (and date) columns of a DataFrame and of
            *history* are read in; records' datetimes are aware, and this KPI
            reads no calendar: on records it is checked and changes nothing.
        history: On a DataFrame, the frame of the deals' stage changes.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's (or the changes') fields.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Grouped` :class:`DurationSummary` keyed by stage id (by
        ``(group, stage)`` with *by*).

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    if is_frame(records):
        acc = TimeInStageAccumulator(as_of=as_of, pipelines=pipelines, tz=tz, strict=strict)
        return acc._of_frame(records, history, columns, by)
    refuse_frame_options(columns, history)
    acc = TimeInStageAccumulator(by=by, as_of=as_of, pipelines=pipelines, tz=tz, strict=strict)
    return acc.add_many(records).result()


# --- funnel ------------------------------------------------------------------------------------

FunnelMode = Literal["any", "strict"]


@attrs.frozen
class FunnelStep:
    """One step of a funnel.

    Attributes:
        stage: The stage id.
        reached: Records that reached the step.
        advanced: Of those, records that went further.
        still_open: Of those, open records that went no further (stuck here).
        dropped: Of those, closed records that went no further (lost here).
        conversion: ``advanced / reached``: next-step conversion.
        cumulative: ``reached / reached at the first step``.
        drop_off: ``dropped / reached``.

    ``reached == advanced + still_open + dropped``, except at the final won
    step, where all three are 0 and ``conversion`` and ``drop_off`` are 0/0.

    .. versionadded:: 0.1.0
    """

    stage: str
    reached: int
    advanced: int
    still_open: int
    dropped: int
    conversion: Ratio
    cumulative: Ratio
    drop_off: Ratio

    def to_record(self) -> dict[str, Any]:
        """The step as one flat record (rates as floats)."""
        return {
            "stage": self.stage,
            "reached": self.reached,
            "advanced": self.advanced,
            "still_open": self.still_open,
            "dropped": self.dropped,
            "conversion": _float(self.conversion),
            "cumulative": _float(self.cumulative),
            "drop_off": _float(self.drop_off),
        }


def _float(ratio: Ratio) -> float | None:
    value = ratio.value
    return None if value is None else float(value)


@attrs.frozen(repr=False)
class Funnel(Table):
    """A funnel: its steps in order, and its bottleneck.

    Attributes:
        steps: One :class:`FunnelStep` per stage, in funnel order.
        bottleneck: The stage (other than the won step) with the lowest next-step
            conversion among those reached; the earliest on a tie; None when no
            step was reached.
        mode: ``"any"`` or ``"strict"`` (see :func:`funnel`).

    .. versionadded:: 0.1.0
    """

    steps: tuple[FunnelStep, ...]
    bottleneck: str | None
    mode: str = "any"
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def __getitem__(self, stage: str) -> FunnelStep:
        for step in self.steps:
            if step.stage == stage:
                return step
        raise KeyError(stage)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per step."""
        return [step.to_record() for step in self.steps]

    def _caption(self) -> str:
        return f"Funnel ({self.mode}); bottleneck: {self.bottleneck}"

    def __repr__(self) -> str:
        width = max((len(s.stage) for s in self.steps), default=5)
        lines = [f"Funnel(mode={self.mode!r}, bottleneck={self.bottleneck!r})"]
        for s in self.steps:
            lines.append(
                f"  {s.stage:<{width}}  reached {s.reached:>6}  advanced {s.advanced:>6}  "
                f"open {s.still_open:>5}  dropped {s.dropped:>5}  next {s.conversion!r}"
            )
        return "\n".join(lines)


def _default_steps(pipeline: Pipeline) -> tuple[str, ...]:
    opened = tuple(s.id for s in pipeline.open_stages)
    won = pipeline.won_stages
    return opened + ((won[0].id,) if len(won) == 1 else ("won",))


class FunnelAccumulator(GroupedAccumulator):
    """Accumulates :func:`funnel`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Lead)
    expects = "a Deal or a Lead"
    anchors = ("created",)

    def __init__(
        self,
        *,
        pipeline: Pipeline = DEFAULT_PIPELINE,
        stages: Sequence[str] | None = None,
        mode: FunnelMode = "any",
        by: By | None = None,
        tz: Zone | None = None,
        strict: bool = True,
    ) -> None:
        if not isinstance(pipeline, Pipeline):
            raise ValidationError.single("pipeline", pipeline, "a Pipeline")
        if mode not in ("any", "strict"):
            raise ValidationError.single("mode", mode, "'any' or 'strict'")
        steps = _default_steps(pipeline) if stages is None else tuple(stages)
        won_ids = {s.id for s in pipeline.won_stages}
        for step in steps:
            if step not in pipeline and not (step == "won" and stages is None):
                raise ValidationError.single("stages", step, f"a stage of pipeline {pipeline.id!r}")
        if len(set(steps)) != len(steps) or not steps:
            raise ValidationError.single("stages", stages, "distinct stage ids, at least one")
        super().__init__(
            by=by,
            tz=tz,
            anchor="created",
            strict=strict,
            pipeline=pipeline,
            stages=steps,
            mode=mode,
        )
        self._pipeline = pipeline
        self._book = PipelineBook(pipeline)
        self._steps = steps
        self._index = {stage: i for i, stage in enumerate(steps)}
        last = steps[-1]
        self._won_step = self._index[last] if (last in won_ids or last == "won") else None
        if self._won_step is not None:
            for won_id in won_ids:
                self._index.setdefault(won_id, self._won_step)
        self._strict_mode = mode == "strict"
        self._counts: Counter[tuple[Any, int, int]] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return history_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        index = self._index
        counts = self._counts
        grouping = self._grouping
        won_step = self._won_step
        for record in self._conforming(chunk, self._book):
            entry, _, history = in_its_pipeline(record)
            visited = {index[s] for s in (record.stage, entry) if s in index}
            for change in history:
                if change.from_stage in index:
                    visited.add(index[change.from_stage])
                if change.to_stage in index:
                    visited.add(index[change.to_stage])
            if won_step is not None and record.status is WON:
                visited.add(won_step)
            if not visited:
                continue
            furthest = max(visited)
            reached = visited if self._strict_mode else range(furthest + 1)
            # outcome per reached step: 0 advanced, 1 still open, 2 dropped; a won
            # record went beyond its furthest step (into the sale)
            status = record.status
            ending = 1 if status is OPEN else 0 if status is WON else 2
            group = grouping.group_of(record)
            for step in reached:
                counts[(group, step, 0 if step < furthest else ending)] += 1

    def _absorb(self, other: FunnelAccumulator) -> None:
        self._counts.update(other._counts)

    def _of_frame(
        self, deals: Frame, history: Frame | None, columns: Mapping[str, str] | None, by: By | None
    ) -> Any:
        """The result over a DataFrame of deals and one of their changes (the
        steps counted inside the engine)."""
        from ._changes import funnel_counts
        from ._frames import history_figure

        engine, counts = history_figure(
            deals,
            history,
            columns,
            by,
            lambda engine: funnel_counts(engine, self._index, self._won_step, self._strict_mode),
            tz=self._grouping.tz,
            strict=self.strict,
            book=self._book,
        )
        self._grouping = engine.grouping
        self._counts.update(counts)
        self._skipped.extend(engine.skipped)
        return self.result()

    def _funnel(self, counts: dict[tuple[int, int], int]) -> Funnel:
        steps = []
        first = sum(counts.get((0, o), 0) for o in range(3))
        for i, stage in enumerate(self._steps):
            advanced, still, dropped = (counts.get((i, o), 0) for o in range(3))
            reached = advanced + still + dropped
            if i == self._won_step:
                # the sale itself: nothing lies beyond it
                advanced = still = dropped = 0
                conversion = drop_off = Ratio(0, 0)
            else:
                conversion, drop_off = Ratio(advanced, reached), Ratio(dropped, reached)
            steps.append(
                FunnelStep(
                    stage,
                    reached,
                    advanced,
                    still,
                    dropped,
                    conversion,
                    Ratio(reached, first),
                    drop_off,
                )
            )
        candidates = [s for i, s in enumerate(steps) if s.reached and i != self._won_step]
        bottleneck = None
        if candidates:
            worst = min(candidates, key=lambda s: s.conversion.value)  # type: ignore[arg-type,return-value]
            bottleneck = worst.stage
        return Funnel(tuple(steps), bottleneck, "strict" if self._strict_mode else "any")

    def result(self) -> Any:
        """The :class:`Funnel` (or :class:`Grouped` funnels)."""
        per: dict[Any, dict[tuple[int, int], int]] = {}
        for (group, step, outcome), n in self._counts.items():
            per.setdefault(group, {})[(step, outcome)] = n
        values = {group: self._funnel(c) for group, c in per.items()}
        return self._wrap(values, lambda: self._funnel({}))


@overload
def funnel(
    records: Iterable[Deal | Lead] | Frame,
    *,
    pipeline: Pipeline = ...,
    stages: Sequence[str] | None = None,
    mode: FunnelMode = "any",
    by: None = None,
    tz: Zone | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Funnel: ...
@overload
def funnel(
    records: Iterable[Deal | Lead] | Frame,
    *,
    pipeline: Pipeline = ...,
    stages: Sequence[str] | None = None,
    mode: FunnelMode = "any",
    by: By,
    tz: Zone | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[Funnel]: ...
def funnel(
    records: Iterable[Deal | Lead] | Frame,
    *,
    pipeline: Pipeline = DEFAULT_PIPELINE,
    stages: Sequence[str] | None = None,
    mode: FunnelMode = "any",
    by: By | None = None,
    tz: Zone | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Funnel | Grouped[Funnel]:
    """The funnel: per stage, how many records reached it, went further, are
    still open there, or dropped out there; and the bottleneck.

    Steps are *stages* in order (default: the pipeline's open stages in order,
    then its won stage). A record reached the stages its history shows it in
    (its current stage, every stage it moved from or to) and, when its current
    status is won, the won step. Its furthest step is the last one it reached.

    - ``mode="any"`` (default): reaching a step counts as passing every earlier
      step too (a deal that skipped research still passed it), so the funnel
      never widens.
    - ``mode="strict"``: a record counts only at the steps it actually visited.

    At each reached step a record either ``advanced`` (reached a later step, or
    was won), is ``still_open`` (open, went no further) or ``dropped`` (lost,
    went no further): ``reached == advanced + still_open + dropped`` (the final
    won step only counts ``reached``). ``conversion`` is
    next-step conversion (``advanced / reached``), ``cumulative`` is ``reached /
    reached at the first step``, ``drop_off`` is ``dropped / reached``. The
    bottleneck is the step (other than won) with the lowest next-step conversion.
    History counts every visit: a reopened deal keeps every stage it reached; its
    outcome is its current status.

    Records in stages outside the steps (a lead parked in ``nurture``) count by
    the steps they did reach. A record that does not conform to *pipeline* (another
    pipeline, an unknown stage, a status not its stage's, a move its rules never
    allow) is a bad record.

    Common rules: one pass over any iterable, memory bounded by groups * steps;
    ``by=`` an attribute name, a tuple of names or a callable → a
    :class:`Grouped` result; ``strict=False`` skips bad records and reports them.

    On a DataFrame of deals, *history* is the frame of their stage changes
    (``deal_id``, ``from_stage``, ``to_stage``, ``at``; see :mod:`salesmodel.kpi`),
    checked as the entities check a history; without it a deal reached its
    stage only.

    Args:
        records: Deals or leads, or a DataFrame of deals.
        pipeline: Their pipeline.
        stages: The funnel's steps, in order.
        mode: ``"any"`` or ``"strict"`` (see above).
        by: Group by this attribute, these attributes, or this callable.
        tz: The zone the naive datetime (and date) columns of a DataFrame and of
            *history* are read in; records' datetimes are aware, and this KPI
            reads no calendar: on records it is checked and changes nothing.
        history: On a DataFrame, the frame of the deals' stage changes.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's (or the changes') fields.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Funnel`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    if is_frame(records):
        acc = FunnelAccumulator(pipeline=pipeline, stages=stages, mode=mode, tz=tz, strict=strict)
        return acc._of_frame(records, history, columns, by)  # type: ignore[no-any-return]
    refuse_frame_options(columns, history)
    acc = FunnelAccumulator(
        pipeline=pipeline, stages=stages, mode=mode, by=by, tz=tz, strict=strict
    )
    return acc.add_many(records).result()  # type: ignore[no-any-return]
