"""Several KPIs in one pass: :func:`collect` feeds each chunk of records to
every accumulator, so a generator is read once and each chunk is screened once
and stays in the CPU cache while every KPI reads it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from salesmodel.errors import ValidationError

from ._accumulators import Accumulator, chunks, kinds

__all__ = ["collect"]


def collect(records: Iterable[Any], *accumulators: Accumulator[Any]) -> tuple[Any, ...]:
    """Feed *records* to every accumulator in one pass; return their results.

    ``collect(deals, WinRateAccumulator(by="owner_id"),
    AverageTicketAccumulator(by="owner_id"))`` gives the same results as two
    separate calls, reading *records* once: a generator works, and each chunk is
    checked once for all the KPIs.

    Args:
        records: Any iterable of records.
        accumulators: Fresh (or partly filled) accumulators; they are filled in
            place.

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
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise ValidationError.single("records", records, "an iterable of records")
    for chunk in chunks(records):
        types = kinds(chunk)
        for acc in accumulators:
            acc._feed(chunk, types)
    return tuple(acc.result() for acc in accumulators)
