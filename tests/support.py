"""Helpers the test modules share (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from salesmodel import Issue, ValidationError


class Row:
    """A record of another type (an ORM row): any attributes, not built by salesmodel."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def issues_of(call: Callable[[], object]) -> tuple[Issue, ...]:
    """The issues of the ValidationError that *call* raises."""
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.issues


def issues(source: ValidationError | Callable[[], object]) -> list[tuple[str, Any, str]]:
    """Each issue as (path, value, expected), of an error or of the one *source* raises."""
    found = source.issues if isinstance(source, ValidationError) else issues_of(source)
    return [(i.path, i.value, i.expected) for i in found]


@contextmanager
def untraced() -> Iterator[None]:
    """Coverage's tracer paused: for the bulk of a test over hundreds of thousands
    of records, whose lines the small tests cover, and which the tracer (Python
    3.11 has no cheaper one) makes about three times as slow. Outside coverage,
    it does nothing."""
    import coverage

    cov = coverage.Coverage.current()
    if cov is None:
        yield
        return
    cov.stop()
    try:
        yield
    finally:
        cov.start()
