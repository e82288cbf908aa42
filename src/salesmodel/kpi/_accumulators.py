"""The accumulator protocol every KPI is built on: ``add``, ``add_many``,
``merge``, ``result``; picklable, so partitions can be summed anywhere.

An accumulator reads records in chunks (:data:`CHUNK` records at a time, taken with
:func:`itertools.islice`, so a generator is read once and memory stays bounded).
Each chunk is screened once: a chunk made only of salesmodel entities (valid since
they were built) goes straight to the KPI's C-level path (``map`` with
:func:`operator.attrgetter`, :class:`collections.Counter`, ``sum`` of Decimals);
any other record is checked field by field first, and a bad one raises (or, with
``strict=False``, is skipped and reported).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any, ClassVar, Final, Generic, Self, TypeVar

from salesmodel.errors import Issue, ValidationError

from ._grouping import spec_of
from ._results import Skipped, SkippedRecord

__all__ = ["CHUNK", "Accumulator"]

#: How many records an accumulator takes per chunk.
CHUNK: Final = 4096

R = TypeVar("R", covariant=True)


class Accumulator(Generic[R]):
    """Base of every KPI accumulator.

    ``add(record)`` takes one record; ``add_many(records)`` takes any iterable
    (one pass, chunked, generators welcome) and returns the accumulator;
    ``merge(other)`` returns a new accumulator holding both (neither input
    changes), so partitions merged in any order give exactly the single-pass
    result; ``result()`` gives the typed KPI. Accumulators pickle (a ``by=``
    callable must itself pickle: a named function does, a lambda needs
    cloudpickle, which Dask and Spark use).

    Args:
        strict: True (the default) raises :class:`~salesmodel.ValidationError`
            naming the record's id and field on the first bad record; False skips
            bad records and reports them in the result's ``skipped``.

    .. versionadded:: 0.1.0
    """

    #: The entity classes trusted without field checks (validated when built).
    accepts: ClassVar[tuple[type, ...]] = ()
    #: What a record must be, for error messages.
    expects: ClassVar[str] = "a record"

    strict: bool
    #: The record classes taken without checks (``accepts``, or fewer).
    _trusted: tuple[type, ...]
    _options: dict[str, Any]
    _skipped: list[SkippedRecord]

    def __init__(self, *, strict: bool = True, **options: Any) -> None:
        if type(strict) is not bool:
            raise ValidationError.single("strict", strict, "True or False")
        self.strict = strict
        self._trusted = self.accepts
        self._options = {"strict": strict, **options}
        self._skipped = []

    # --- the protocol ----------------------------------------------------------------

    def add(self, record: Any) -> None:
        """Count one record."""
        self.add_many((record,))

    def add_many(self, records: Iterable[Any]) -> Self:
        """Count every record of *records* (any iterable, read once, in chunks).

        Returns:
            This accumulator, so ``Acc(...).add_many(xs).result()`` reads well.
        """
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
            raise ValidationError.single(
                "records", records, f"an iterable of records ({self.expects})"
            )
        feed = self._feed
        for chunk in chunks(records):
            feed(chunk, kinds(chunk))
        return self

    def _feed(self, chunk: list[Any], types: set[type]) -> None:
        """Take one chunk whose record types are *types*: straight in when all
        are trusted entities, else screened record by record."""
        trusted = self._trusted
        if not types.issubset(trusted):
            chunk = [r for r in chunk if type(r) in trusted or self._admit(r)]
        self._add_chunk(chunk)

    def merge(self, other: Self) -> Self:
        """A new accumulator holding this one's records and *other*'s.

        Raises:
            ValidationError: when *other* is another KPI, or the same KPI with
                different options (``by``, ``period``, ``tz``, ...).
        """
        if type(other) is not type(self):
            raise ValidationError.single("other", other, f"a {type(self).__name__}")
        if self._spec() != other._spec():
            raise ValidationError.single(
                "other",
                other,
                f"a {type(self).__name__} with the same options ({self._describe()})",
            )
        merged = self._fresh()
        merged._absorb(self)
        merged._absorb(other)
        merged._skipped = self._skipped + other._skipped
        return merged

    def result(self) -> R:  # pragma: no cover - every KPI overrides it
        """The KPI over every record added so far."""
        raise NotImplementedError

    @property
    def skipped(self) -> Skipped:
        """The records skipped so far (``strict=False``)."""
        return Skipped.of(self._skipped)

    # --- for subclasses ------------------------------------------------------------------

    def _add_chunk(self, chunk: list[Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _absorb(self, other: Self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fresh(self) -> Self:
        return type(self)(**self._init_options())

    def _init_options(self) -> dict[str, Any]:
        """The options this class's ``__init__`` takes (a base class may record
        more)."""
        kind: type = type(self)
        accepted = _parameters(kind)
        return {k: v for k, v in self._options.items() if k in accepted}

    def _spec(self) -> tuple[Any, ...]:
        return tuple(sorted((k, spec_of(v)) for k, v in self._init_options().items()))

    def _describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in sorted(self._init_options().items()))

    def _admit(self, record: Any) -> bool:
        """Whether *record* of an untrusted type may be counted (else it is
        rejected: raised, or skipped when not strict)."""
        issue = self._issue(record)
        if issue is None:
            return True
        self._reject(record, issue)
        return False

    def _issue(self, record: Any) -> Issue | None:  # pragma: no cover - overridden
        """What is wrong with an untrusted record, or None."""
        return Issue("$", record, self.expects)

    def _reject(self, record: Any, issue: Issue) -> None:
        """Raise for a bad record, or note it as skipped when not strict."""
        record_id = getattr(record, "id", None)
        record_id = record_id if isinstance(record_id, str) else None
        if self.strict:
            subject = type(record).__name__ + (f" {record_id!r}" if record_id else "")
            raise ValidationError(
                [issue], f"{subject} (pass strict=False to skip and report bad records)"
            )
        self._skipped.append(SkippedRecord(record_id, issue.path, issue.message))


def chunks(records: Iterable[Any]) -> Iterator[list[Any]]:
    """*records* in lists of :data:`CHUNK`: slices of a list or tuple, else
    taken from the iterator with :func:`itertools.islice` (read once)."""
    size = CHUNK
    if type(records) is list or type(records) is tuple:
        for start in range(0, len(records), size):
            yield records[start : start + size]  # type: ignore[misc]
        return
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def kinds(chunk: list[Any]) -> set[type]:
    """The types of the records of a chunk (not empty). Most chunks hold one
    type: counting it in C costs less than building the set record by record."""
    types = [*map(type, chunk)]
    return {types[0]} if types.count(types[0]) == len(types) else set(types)


@functools.cache
def _parameters(cls: type) -> frozenset[str]:
    return frozenset(inspect.signature(cls).parameters)


# --- field checks for records of other types ------------------------------------------------


def aware(value: Any) -> bool:
    """Whether *value* is a timezone-aware datetime."""
    return isinstance(value, datetime) and value.utcoffset() is not None


def missing_or_bad(record: Any, name: str, test: Any, expected: str) -> Issue | None:
    """An issue when ``record.name`` is absent or fails *test*."""
    try:
        value = getattr(record, name)
    except AttributeError:
        return Issue(name, record, f"a record with a {name!r} field ({expected})")
    if not test(value):
        return Issue(name, value, expected)
    return None
