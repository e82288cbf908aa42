"""Helpers the test modules share (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

from collections.abc import Callable
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
