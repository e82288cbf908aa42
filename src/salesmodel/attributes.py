"""Attributes: the immutable bag of custom fields every CRM record carries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, TypeAlias

from attrs.exceptions import FrozenInstanceError

from .errors import Issue, ValidationError

__all__ = ["EMPTY_ATTRIBUTES", "AttributeValue", "Attributes"]

#: The values an attribute may hold: JSON scalars.
AttributeValue: TypeAlias = str | int | float | bool | None

_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_VALUE_EXPECTED: Final = "a str, int, float (finite), bool or None"


def attribute_issues(data: object) -> list[Issue]:
    """Every problem with *data* as attributes; paths look like ``"['key']"``."""
    if not isinstance(data, Mapping):
        return [Issue("$", data, "a mapping of str to str/int/float/bool/None")]
    issues = []
    for key, value in data.items():
        path = f"[{key!r}]"
        if type(key) is not str or not key or key.isspace():
            issues.append(Issue(path, key, "a non-empty str key"))
        elif type(value) not in _SCALARS or (type(value) is float and not math.isfinite(value)):
            issues.append(Issue(path, value, _VALUE_EXPECTED))
    return issues


class Attributes(Mapping[str, AttributeValue]):
    """An immutable, hashable mapping of custom fields (str → JSON scalar).

    Entities turn any mapping given as ``attributes=`` into one of these.

    >>> Attributes({"industry": "saas", "employees": 40})["employees"]
    40

    Raises:
        ValidationError: for a key that is not a non-empty str, or a value that is
            not a str, int, finite float, bool or None.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_data",)

    _data: dict[str, AttributeValue]

    def __init__(
        self, data: Mapping[str, AttributeValue] | Iterable[tuple[str, AttributeValue]] = ()
    ) -> None:
        items = dict(data)
        for key, value in items.items():
            if (
                type(key) is not str
                or not key
                or type(value) not in _SCALARS
                or (type(value) is float and not math.isfinite(value))
                or key.isspace()
            ):
                raise ValidationError(attribute_issues(items), "Attributes")
        object.__setattr__(self, "_data", items)

    def __getitem__(self, key: str) -> AttributeValue:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key*, or *default*."""
        return self._data.get(key, default)

    def __eq__(self, other: object) -> bool:
        if type(other) is Attributes:
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"Attributes({self._data!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __reduce__(self) -> tuple[Any, ...]:
        return (Attributes, (self._data,))

    def to_dict(self) -> dict[str, AttributeValue]:
        """A plain, mutable copy."""
        return dict(self._data)


#: The shared empty attributes, the default of every entity.
EMPTY_ATTRIBUTES: Final = Attributes()
