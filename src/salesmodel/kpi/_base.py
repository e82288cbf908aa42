"""The grouped accumulator: ``by=``, ``period=``, ``tz=`` and ``anchor=`` handled
once for every KPI that groups records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Final

import attrs

from salesmodel.errors import ValidationError

from ._accumulators import Accumulator
from ._grouping import ALL, By, Grouping
from ._results import Grouped

__all__ = ["ANCHORS", "GroupedAccumulator"]

#: The datetime attribute each anchor reads, for deals and leads.
ANCHORS: Final = {"created": "created_at", "closed": "closed_at"}


class GroupedAccumulator(Accumulator[Any]):
    """An accumulator whose state is keyed by group (see
    :class:`~salesmodel.kpi._grouping.Grouping`).

    Subclasses call ``super().__init__`` with their options and read
    ``self._grouping``; :meth:`_wrap` turns ``{key: value}`` into the scalar (no
    ``by``/``period``) or a :class:`Grouped` result.
    """

    #: The anchors this KPI allows.
    anchors: ClassVar[tuple[str, ...]] = ("created", "closed")
    #: ``by=`` names that stand for longer attribute paths.
    aliases: ClassVar[dict[str, str]] = {}
    #: The attribute each anchor reads.
    anchor_attributes: ClassVar[dict[str, str]] = ANCHORS

    _grouping: Grouping
    _anchor: str

    def __init__(
        self,
        *,
        by: By | None = None,
        period: str | None = None,
        tz: Any = None,
        anchor: str | None = None,
        strict: bool = True,
        **options: Any,
    ) -> None:
        anchor = self.anchors[-1] if anchor is None and len(self.anchors) == 1 else anchor
        if anchor not in self.anchors:
            raise ValidationError.single(
                "anchor", anchor, f"one of {', '.join(map(repr, self.anchors))}"
            )
        super().__init__(strict=strict, by=by, period=period, tz=tz, anchor=anchor, **options)
        self._anchor = anchor
        self._grouping = Grouping(
            by, period, tz, self.anchor_attributes[anchor], aliases=self.aliases
        )

    def _wrap(self, values: dict[Any, Any], empty: Callable[[], Any]) -> Any:
        """The scalar result (no by, no period) or a :class:`Grouped` one, with
        the skipped records attached."""
        skipped = self.skipped
        if self._grouping.single:
            value = values.get(ALL)
            if value is None:
                value = empty()
            return attrs.evolve(value, skipped=skipped) if skipped else value
        return Grouped(values, self._grouping.columns, skipped=skipped)
