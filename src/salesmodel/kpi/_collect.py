"""Several KPIs in one pass: :func:`collect` feeds each chunk of records to
every accumulator, so a generator is read once and each chunk is screened once
and stays in the CPU cache while every KPI reads it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from salesmodel.errors import ValidationError

from ._accumulators import Accumulator, chunks, kinds
from ._define import Frame, is_frame, refuse_frame_options

__all__ = ["collect"]


def collect(
    records: Iterable[Any] | Frame,
    *accumulators: Accumulator[Any],
    columns: Mapping[str, str] | None = None,
    history: Frame | None = None,
) -> tuple[Any, ...]:
    """Feed *records* to every accumulator in one pass; return their results.

    ``collect(deals, WinRateAccumulator(by="owner_id"),
    AverageTicketAccumulator(by="owner_id"))`` gives the same results as two
    separate calls, reading *records* once: a generator works, and each chunk is
    checked once for all the KPIs.

    *records* may be a DataFrame, as for the KPI functions (*columns* and
    *history* as they take them): then the rows are checked once for all the
    accumulators, which must be fresh ones of the deal KPIs sharing ``strict``,
    ``pipelines``, ``tz``, ``period`` and ``anchor`` (each its own ``by``). A row
    one of them cannot read (a bad amount, for a win rate beside an average
    ticket) is a bad row for all of them, as a deal that could not exist: the
    results are those of the same deals as records. The accumulators are not
    filled; their results are returned.

    Args:
        records: Any iterable of records, or a DataFrame.
        accumulators: Fresh (or partly filled) accumulators; they are filled in
            place (fresh ones only, for a DataFrame).
        columns: For a DataFrame: field name to column name.
        history: For a DataFrame of deals: the frame of their stage changes.

    Returns:
        The accumulators' results, in order.

    Raises:
        ValidationError: for an argument that is not an accumulator, or a bad
            record in a strict accumulator.

    .. versionadded:: 0.1.0
    """
    for i, acc in enumerate(accumulators):
        if not isinstance(acc, Accumulator):
            raise ValidationError.single(f"accumulators[{i}]", acc, "a KPI accumulator")
    if is_frame(records):
        if not accumulators:
            return ()
        from ._frames import collect_frame  # narwhals only when a frame is passed

        return collect_frame(records, accumulators, columns, history)  # type: ignore[arg-type]
    refuse_frame_options(columns, history)
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise ValidationError.single("records", records, "an iterable of records")
    for chunk in chunks(records):
        types = kinds(chunk)
        for acc in accumulators:
            acc._feed(chunk, types)
    return tuple(acc.result() for acc in accumulators)
