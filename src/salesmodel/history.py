"""What a record's stage history tells, derived on demand and never stored twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import attrs

from ._time import NO_TIME, elapsed, instant_argument
from .enums import Status
from .errors import ValidationError
from .pipeline import StageEntity, _is_stage_record

__all__ = ["StageVisit", "stage_visits", "time_in_stages"]


@attrs.frozen
class StageVisit:
    """One stay of a record in one stage.

    Attributes:
        stage: The stage id.
        entered_at: When the record entered it (``created_at`` for the first).
        left_at: When it left; None while it is still there.
        index: 0 for the first visit of the record, 1 for the next, and so on.

    .. versionadded:: 0.1.0
    """

    stage: str
    entered_at: datetime
    left_at: datetime | None
    index: int

    def duration(self, *, as_of: datetime | None = None) -> timedelta | None:
        """How long the visit lasted; for the current visit, until *as_of* (None
        without it, or when *as_of* is before the visit began)."""
        if self.left_at is not None:
            return elapsed(self.left_at, self.entered_at)
        as_of = instant_argument(as_of, "as_of", "StageVisit.duration", optional=True)
        if as_of is None:
            return None
        spent = elapsed(as_of, self.entered_at)
        return None if spent < NO_TIME else spent


def stage_visits(entity: StageEntity) -> tuple[StageVisit, ...]:
    """Every stay of *entity* in a stage, in time order, the current one last.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import DEFAULT_PIPELINE, Deal, Money
    >>> t = lambda day: datetime(2026, 1, day, tzinfo=timezone.utc)
    >>> deal = Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=t(1))
    >>> deal = DEFAULT_PIPELINE.move(deal, "qualification", at=t(4))
    >>> [(v.stage, v.duration(as_of=t(10)).days) for v in stage_visits(deal)]
    [('prospecting', 3), ('qualification', 6)]

    Raises:
        ValidationError: for an *entity* that is not a deal, a lead or a record
            with a stage.

    .. versionadded:: 0.1.0
    """
    return tuple(_visits(_stage_record(entity, "stage_visits")))


def _stage_record(entity: StageEntity, subject: str) -> StageEntity:
    """*entity*, when it is a record with a stage and a history; else the error
    naming it (a pipeline moves only such records, so only they have visits)."""
    if not _is_stage_record(type(entity)):
        raise ValidationError.single(
            "entity", entity, "a deal, a lead or a record with a stage", subject
        )
    return entity


def _visits(entity: StageEntity) -> Iterator[StageVisit]:
    history = entity.history
    stage = history[0].from_stage if history else entity.stage
    entered = entity.created_at
    for i, change in enumerate(history):
        yield StageVisit(stage, entered, change.at, i)
        stage, entered = change.to_stage, change.at
    yield StageVisit(stage, entered, None, len(history))


def time_in_stages(
    entity: StageEntity, *, as_of: datetime | None = None, include_current: bool = True
) -> dict[str, timedelta]:
    """Total time *entity* spent in each stage it visited, summing repeat visits.

    The stage it is in now counts up to *as_of* when given (and
    *include_current*); a closed record's final stage (won or lost) never counts.

    Raises:
        ValidationError: for an *entity* that is not a deal, a lead or a record
            with a stage, or an *as_of* that is not a timezone-aware datetime.

    .. versionadded:: 0.1.0
    """
    entity = _stage_record(entity, "time_in_stages")
    as_of = instant_argument(as_of, "as_of", "time_in_stages", optional=True)
    totals: dict[str, timedelta] = {}
    for visit in _visits(entity):
        if visit.left_at is None:
            if not include_current or entity.status is not Status.OPEN:
                continue
            spent = visit.duration(as_of=as_of)
            if spent is None:
                continue
        else:
            spent = elapsed(visit.left_at, visit.entered_at)
        totals[visit.stage] = totals.get(visit.stage, timedelta(0)) + spent
    return totals
