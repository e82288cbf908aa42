"""Activity volume: calls, meetings, e-mails... per rep and period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, ClassVar, overload

from salesmodel.entities import Activity
from salesmodel.enums import ActivityKind
from salesmodel.errors import Issue, ValidationError

from ._base import GroupedAccumulator
from ._grouping import ALL, By, PeriodKind, Zone
from ._records import activity_issue
from ._results import Count, Grouped

__all__ = ["ActivityVolumeAccumulator", "activity_volume"]


class ActivityVolumeAccumulator(GroupedAccumulator):
    """Accumulates :func:`activity_volume`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Activity,)
    expects = "an Activity"
    anchors = ("at",)
    anchor_attributes: ClassVar[dict[str, str]] = {"at": "at"}

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        kinds: Iterable[ActivityKind | str] | None = None,
        strict: bool = True,
    ) -> None:
        chosen: frozenset[ActivityKind] | None = None
        if kinds is not None:
            if isinstance(kinds, (str, bytes)) or not isinstance(kinds, Iterable):
                raise ValidationError.single("kinds", kinds, "None or an iterable of ActivityKind")
            try:
                chosen = frozenset(ActivityKind(k) for k in kinds)
            except ValueError:
                allowed = ", ".join(k.value for k in ActivityKind)
                raise ValidationError.single(
                    "kinds", kinds, f"activity kinds among {allowed}"
                ) from None
        super().__init__(by=by, period=period, tz=tz, anchor="at", strict=strict)
        self._options = {"by": by, "period": period, "tz": tz, "kinds": chosen, "strict": strict}
        self._kinds = chosen
        self._counts: Counter[Any] = Counter()

    def _issue(self, record: Any) -> Issue | None:
        return activity_issue(record)

    def _add_chunk(self, chunk: list[Any]) -> None:
        kinds = self._kinds
        if kinds is not None:
            chunk = [a for a in chunk if a.kind in kinds]
        keys = self._grouping.keys(chunk)
        if keys is None:
            self._counts[ALL] += len(chunk)
        else:
            self._counts.update(keys)

    def _absorb(self, other: ActivityVolumeAccumulator) -> None:
        self._counts.update(other._counts)

    def result(self) -> Any:
        """The :class:`Count` (or :class:`Grouped` counts)."""
        values = {key: Count(n) for key, n in self._counts.items()}
        return self._wrap(values, lambda: Count(0))


@overload
def activity_volume(
    activities: Iterable[Activity],
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    kinds: Iterable[ActivityKind | str] | None = None,
    strict: bool = True,
) -> Count: ...
@overload
def activity_volume(
    activities: Iterable[Activity],
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    kinds: Iterable[ActivityKind | str] | None = None,
    strict: bool = True,
) -> Grouped[Count]: ...
@overload
def activity_volume(
    activities: Iterable[Activity],
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    kinds: Iterable[ActivityKind | str] | None = None,
    strict: bool = True,
) -> Grouped[Count]: ...
def activity_volume(
    activities: Iterable[Activity],
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    kinds: Iterable[ActivityKind | str] | None = None,
    strict: bool = True,
) -> Count | Grouped[Count]:
    """How many activities, e.g. calls per rep per month.

    ``Count(activities)``, of the *kinds* given (all kinds by default), dated by
    ``at``. A group or period with no activity is absent (not zero).

    Common rules: one pass over any iterable, memory bounded by the number of
    groups; ``by=`` an attribute name (e.g. ``"rep_id"``), a tuple of names or a
    callable → :class:`Grouped`; ``period=`` bucketed in ``tz=`` (required);
    ``strict=False`` skips bad records and reports them.

    Args:
        activities: The activities.
        by: Group by this attribute, these attributes, or this callable.
        period: Group by period of ``at`` too.
        tz: The zone periods are bucketed in.
        kinds: Count only these kinds (e.g. ``{ActivityKind.CALL}``).
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Count`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Activity, ActivityKind
    >>> t = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    >>> calls = [Activity(id=str(i), kind=ActivityKind.CALL, at=t, rep_id="ana")
    ...          for i in range(3)]
    >>> activity_volume(calls, by="rep_id", period="month", tz=timezone.utc)
    Grouped(by=('rep_id', 'period'), {('ana', '2026-03'): 3 records})

    .. versionadded:: 0.1.0
    """
    acc = ActivityVolumeAccumulator(by=by, period=period, tz=tz, kinds=kinds, strict=strict)
    return acc.add_many(activities).result()  # type: ignore[no-any-return]
