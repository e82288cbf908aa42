"""The grouped accumulator: ``by=``, ``period=``, ``tz=`` and ``anchor=`` handled
once for every KPI that groups records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

import attrs

from salesmodel._book import PipelineBook
from salesmodel.errors import Issue, ValidationError

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
    _trusted: tuple[type, ...]

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
        self._check_by_names(by)

    def _check_by_names(self, by: By | None) -> None:
        """Trust only the entity classes that have what ``by=`` names (the others
        are checked record by record), and refuse a name none of them has before
        any record is read: a typo would otherwise fail on the first record."""
        self._trusted = self.accepts
        if by is None or callable(by) or not self.accepts:
            return
        names = (
            (by,)
            if isinstance(by, str)
            else tuple(v for v in by.values() if isinstance(v, str))
            if isinstance(by, Mapping)
            else by
        )
        heads = [self.aliases.get(n, n).split(".", 1)[0] for n in names]
        self._trusted = tuple(
            cls for cls in self.accepts if all(head in attrs.fields_dict(cls) for head in heads)
        )
        if not self._trusted:
            cls = self.accepts[0]
            known = ", ".join([*attrs.fields_dict(cls), *self.aliases])
            raise ValidationError.single(
                "by", by, f"names of fields of {cls.__name__} ({known}), or a callable"
            )

    def _admit(self, record: Any) -> bool:
        """An untrusted record must also have what ``by=`` reads."""
        if not super()._admit(record):
            return False
        error: BaseException | None
        try:
            self._grouping.group_of(record)
        except ValidationError as said:  # a by= callable failed: on this record's type?
            error = said.__cause__
            if not isinstance(error, (AttributeError, TypeError)):
                raise
        except (AttributeError, TypeError) as lacking:
            error = lacking
        else:
            return True
        by = self._grouping.by
        self._reject(record, Issue(str(by), record, f"a record with {by!r} ({error})"))
        return False

    def _conforming(self, chunk: list[Any], book: PipelineBook) -> list[Any]:
        """The records of *chunk* that conform to their pipeline in *book*
        (:meth:`Pipeline.validate`); each other one is rejected (raised, or
        skipped and reported), with the first rule it breaks."""
        kept = []
        for record in chunk:
            if book.conforms(record):
                kept.append(record)
                continue
            issues = book.issues(record)
            if issues:
                self._reject(record, issues[0])
            else:
                kept.append(record)
        return kept

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
