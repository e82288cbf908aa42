"""Why deals are lost: each loss reason's count, share of losses and lost value,
and the stages deals were lost from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any, ClassVar, Final, Literal, overload

import attrs

from salesmodel.entities import Deal
from salesmodel.enums import LossReason, Status, reason_key
from salesmodel.errors import Issue
from salesmodel.money import RateTable

from ._deals import _Money, _money, _what
from ._define import DefinedAccumulator, Frame, compute
from ._grouping import By, PeriodKind, Zone
from ._measures import AmountMeasure, Amounts, Extra, Measure, Where
from ._records import deal_issue, history_issue
from ._results import EXACT, NOTHING_SKIPPED, ZERO, Grouped, Ratio, Skipped, Table, Total

__all__ = ["LossReasonRow", "LossReasons", "LossReasonsAccumulator", "loss_reasons", "reason_key"]

_LOST: Final = frozenset({Status.LOST})


def lost_from(deal: Any) -> str | None:
    """The stage a lost deal was lost from: where its last change (the move into
    its lost stage) started; None without a history."""
    history = deal.history
    return history[-1].from_stage if history else None


def _reason_and_stage(deal: Any) -> tuple[LossReason | str | None, str | None]:
    return reason_key(deal.loss_reason), lost_from(deal)


@attrs.frozen(repr=False)
class LossReasonRow:
    """One loss reason.

    Attributes:
        reason: A :class:`~salesmodel.LossReason`, the CRM's own text (stripped
            and lower-cased), or None for losses without a recorded reason.
        lost: How many deals were lost for it.
        share: ``Ratio(lost, all lost deals)``.
        value: The exact lost value (a :class:`Total`; ``.unknown`` counts the
            deals of unknown value).
        stages: ``(stage, deals)`` pairs: where they were lost from, most first
            (None for deals without a history).

    .. versionadded:: 0.1.0
    """

    reason: LossReason | str | None
    lost: int
    share: Ratio
    value: Total
    stages: tuple[tuple[str | None, int], ...]

    def to_record(self) -> dict[str, Any]:
        """The row as one flat record; ``lost_from`` is the stage most of them
        were lost from."""
        rate = self.share.value
        return {
            "reason": getattr(self.reason, "value", self.reason),
            "lost": self.lost,
            "share": None if rate is None else float(rate),
            **{k: v for k, v in self.value.to_record().items() if k != "count"},
            "lost_from": self.stages[0][0] if self.stages else None,
        }

    def __repr__(self) -> str:
        reason = getattr(self.reason, "value", self.reason)
        return f"{reason}: {self.lost} lost ({self.share!r}), {self.value!r}"


@attrs.frozen(repr=False)
class LossReasons(Table):
    """Why deals were lost: one row per reason, most losses first.

    .. versionadded:: 0.1.0
    """

    rows: tuple[LossReasonRow, ...]
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    @property
    def lost(self) -> int:
        """How many deals were lost, for every reason."""
        return sum(row.lost for row in self.rows)

    def __getitem__(self, reason: LossReason | str | None) -> LossReasonRow:
        key = reason_key(reason)
        for row in self.rows:
            if row.reason == key:
                return row
        raise KeyError(reason)

    def __len__(self) -> int:
        return len(self.rows)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per reason."""
        return [row.to_record() for row in self.rows]

    def stages(self) -> list[dict[str, Any]]:
        """One record per reason and stage lost from (``reason``,
        ``lost_from``, ``lost``), for a reason-by-stage table."""
        return [
            {"reason": getattr(row.reason, "value", row.reason), "lost_from": stage, "lost": n}
            for row in self.rows
            for stage, n in row.stages
        ]

    def _caption(self) -> str:
        return f"Why deals were lost ({self.lost} lost)"

    def __repr__(self) -> str:
        inner = "; ".join(map(repr, self.rows[:5]))
        more = f"; and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
        return f"LossReasons({inner}{more})"


def _order(item: tuple[Any, Any]) -> tuple[int, int, str]:
    reason, (lost, _) = item
    return (-lost, reason is None, str(getattr(reason, "value", reason)))


class LossReasonsDefinition(_Money):
    """The lost deals per reason and stage lost from."""

    accepts = (Deal,)
    expects = "a Deal"
    options: ClassVar[dict[str, Any]] = {"currency": None, "rates": None}

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        # the stage lost from is read from the history: it obeys the entities' rules
        return history_issue(record) or deal_issue(record, amount=True)

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        extra = Extra("reason_stage", _reason_and_stage)
        return (AmountMeasure("lost", Where(_LOST), extra=extra),)

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        places: Mapping[tuple[Any, str | None], Amounts] = values["lost"]
        if not places:
            return None
        reasons: dict[Any, tuple[dict[str, Decimal], list[int], Counter[str | None]]] = {}
        with localcontext(EXACT):
            for (reason, stage), amounts in places.items():
                sums, counts, stages = reasons.setdefault(reason, ({}, [0, 0], Counter()))
                for code, total in amounts.sums.items():
                    sums[code] = sums.get(code, ZERO) + total
                counts[0] += amounts.count
                counts[1] += amounts.unknown
                stages[stage] += amounts.count + amounts.unknown
        everything = sum(c + u for _, (c, u), _ in reasons.values())
        summary = {reason: (c + u, stages) for reason, (_, (c, u), stages) in reasons.items()}
        rows = []
        for reason, (lost, stages) in sorted(summary.items(), key=_order):
            sums, (count, unknown), _ = reasons[reason]
            shown = getattr(reason, "value", reason)
            what = _what(f"value lost for {shown!r}", key)
            value = Total(_money(Amounts(sums), options, what), count, unknown=unknown)
            ranked = sorted(stages.items(), key=lambda s: (-s[1], s[0] is None, s[0] or ""))
            rows.append(LossReasonRow(reason, lost, Ratio(lost, everything), value, tuple(ranked)))
        return LossReasons(tuple(rows))

    def empty(self, options: Mapping[str, Any]) -> LossReasons:
        return LossReasons(())


class LossReasonsAccumulator(DefinedAccumulator):
    """Accumulates :func:`loss_reasons`; same arguments.

    .. versionadded:: 0.1.0
    """

    definition = LossReasonsDefinition()

    def __init__(
        self,
        *,
        by: By | None = None,
        period: PeriodKind | None = None,
        tz: Zone | None = None,
        anchor: Literal["created", "closed"] = "closed",
        currency: str | None = None,
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        super().__init__(
            by=by,
            period=period,
            tz=tz,
            anchor=anchor,
            currency=currency,
            rates=rates,
            strict=strict,
        )


@overload
def loss_reasons(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> LossReasons: ...
@overload
def loss_reasons(
    deals: Iterable[Deal] | Frame,
    *,
    by: By,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[LossReasons]: ...
@overload
def loss_reasons(
    deals: Iterable[Deal] | Frame,
    *,
    by: None = None,
    period: PeriodKind,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> Grouped[LossReasons]: ...
def loss_reasons(
    deals: Iterable[Deal] | Frame,
    *,
    by: By | None = None,
    period: PeriodKind | None = None,
    tz: Zone | None = None,
    anchor: Literal["created", "closed"] = "closed",
    currency: str | None = None,
    rates: RateTable | None = None,
    history: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = True,
) -> LossReasons | Grouped[LossReasons]:
    """Why deals are lost: for each loss reason, how many deals were lost, their
    share of all losses, the exact value lost, and the stages they were lost from.

    Only deals whose current status is ``LOST`` count (a reopened deal is open,
    so out). Reasons are grouped by what they name: the well-known
    :class:`~salesmodel.LossReason` values (whatever their case), any other text
    stripped and lower-cased, None for losses without a recorded reason. The
    stage lost from is where the deal's last change started (the move into its
    lost stage); None for a deal without a history. On a DataFrame of deals (with
    a ``loss_reason`` column), *history* is the frame of their stage changes
    (``deal_id``, ``from_stage``, ``to_stage``, ``at``; see :mod:`salesmodel.kpi`);
    without it no stage is known. Deals of unknown value count
    as lost, and in each reason's ``value.unknown``. Periods group by **close**
    date (the loss) by default.

    Common rules (grouping, periods, currencies, bad records): see
    :mod:`salesmodel.kpi`.

    Args:
        deals: The deals, or a DataFrame of deals (:data:`Frame`).
        by: Group by this attribute (``"owner_id"``, ``"source"``,
            ``"product"``), these attributes, or this callable.
        period: Group by period too.
        tz: The zone periods are bucketed in.
        anchor: ``"closed"`` (default) or ``"created"``.
        currency: The currency to report in.
        rates: Exchange rates into *currency*.
        history: On a DataFrame, the frame of the deals' stage changes.
        columns: On a DataFrame, ``{field: column}`` for columns named otherwise
            than the entity's fields.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        :class:`LossReasons`, or a :class:`Grouped` of them.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for lost values in several currencies without rates.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import DEFAULT_PIPELINE, Deal, Money
    >>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> new = [Deal(id=str(i), name="x", amount=Money(100 * i, "EUR"), created_at=t)
    ...        for i in range(1, 4)]
    >>> lost = [DEFAULT_PIPELINE.lose(new[0], "price", at=t),
    ...         DEFAULT_PIPELINE.lose(new[1], "Price ", at=t),
    ...         DEFAULT_PIPELINE.lose(new[2], "went quiet", at=t)]
    >>> why = loss_reasons(lost)
    >>> why.rows[0]
    price: 2 lost (2/3 (66.7%)), 300 EUR (2 records)
    >>> why["went quiet"].stages
    (('prospecting', 1),)

    .. versionadded:: 0.1.0
    """
    return compute(  # type: ignore[no-any-return]
        LossReasonsAccumulator,
        deals,
        by=by,
        period=period,
        tz=tz,
        anchor=anchor,
        currency=currency,
        rates=rates,
        history=history,
        columns=columns,
        strict=strict,
    )
