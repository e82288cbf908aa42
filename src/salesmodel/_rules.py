"""The vocabulary of field rules entities are built from (see ``_checks``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from ._checks import Rule
from ._time import aware_instant, time_expected
from .attributes import Attributes, attribute_issues
from .errors import Issue, ValidationError
from .money import Money, parse_amount

_NONBLANK = "{v} != '' and not {v}.isspace()"

TEXT: Final = Rule(f"type({{v}}) is str and {_NONBLANK}", "a non-empty str")
OPT_TEXT: Final = TEXT.optional()
BOOL: Final = Rule("type({v}) is bool", "True or False")
OPT_BOOL: Final = BOOL.optional()
NONNEG_INT: Final = Rule("type({v}) is int and {v} >= 0", "a non-negative int")
OPT_NONNEG_INT: Final = NONNEG_INT.optional()


def _to_instant(value: Any) -> Any:
    """An aware datetime in any zone (a subclass such as pandas' Timestamp too) as
    the same instant with a fixed offset (see ``_time``); what names no single
    instant stays as given, for the error."""
    instant = aware_instant(value)
    return value if instant is None else instant


def _explain_time(value: Any) -> list[Issue]:
    return [Issue("$", value, time_expected(value))]


AWARE: Final = Rule(
    "type({v}) is datetime and type({v}.tzinfo) is _fixed_zone",
    "a timezone-aware datetime",
    {"datetime": datetime, "_fixed_zone": timezone},
    normalize=_to_instant,
    explain=_explain_time,
)
OPT_AWARE: Final = AWARE.optional()
OPT_DATE: Final = Rule("type({v}) is date", "a date (not a datetime)", {"date": date}).optional()
POSITIVE_DURATION: Final = Rule(
    "type({v}) is timedelta and {v} > _ZERO_DURATION",
    "a positive timedelta",
    {"timedelta": timedelta, "_ZERO_DURATION": timedelta(0)},
)
MONEY: Final = Rule(
    "type({v}) is Money and {v}.amount >= 0",
    "a non-negative Money",
    {"Money": Money},
)
PROBABILITY: Final = Rule(
    "((type({v}) is float or type({v}) is int) and 0 <= {v} <= 1) or "
    "(type({v}) is Decimal and {v}.is_finite() and 0 <= {v} <= 1)",
    "a probability between 0 and 1",
    {"Decimal": Decimal},
)


def instance(cls: type, expected: str) -> Rule:
    """A value of exactly *cls*."""
    return Rule(f"type({{v}}) is {cls.__name__}", expected, {cls.__name__: cls})


def closed_enum(enum: type[StrEnum]) -> Rule:
    """A member of *enum*; its value as a plain str is accepted too."""
    allowed = ", ".join(repr(m.value) for m in enum)

    def normalize(value: Any) -> Any:
        try:
            return enum(value)
        except (ValueError, TypeError):
            return value

    return Rule(
        f"type({{v}}) is {enum.__name__}",
        f"one of {allowed}",
        {enum.__name__: enum},
        normalize=normalize,
    )


def open_enum(enum: type[StrEnum]) -> Rule:
    """A member of *enum* or any other non-empty str; a str equal to a member's
    value becomes that member, so equal inputs give equal records."""
    values = frozenset(m.value for m in enum)
    known = f"_{enum.__name__}_VALUES"

    def normalize(value: Any) -> Any:
        if type(value) is str and value in values:
            return enum(value)
        return value

    return Rule(
        f"type({{v}}) is {enum.__name__} or "
        f"(type({{v}}) is str and {{v}} not in {known} and {_NONBLANK})",
        f"a {enum.__name__} or another non-empty str",
        {enum.__name__: enum, known: values},
        normalize=normalize,
    )


def _as_tuple(value: Any) -> Any:
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return tuple(value)
    return value


def tuple_of(cls: type, expected: str) -> Rule:
    """A tuple whose items are exactly *cls* (any other iterable is converted)."""
    name = cls.__name__
    checker = f"_all_{name}"

    def all_items(items: tuple[Any, ...]) -> bool:
        return all(type(item) is cls for item in items)

    def explain(value: Any) -> list[Issue]:
        if type(value) is not tuple:
            return [Issue("$", value, f"a tuple of {expected}")]
        return [
            Issue(f"[{i}]", item, expected) for i, item in enumerate(value) if type(item) is not cls
        ]

    return Rule(
        f"type({{v}}) is tuple and (not {{v}} or {checker}({{v}}))",
        f"a tuple of {expected}",
        {checker: all_items},
        normalize=_as_tuple,
        explain=explain,
    )


def _texts_ok(items: tuple[Any, ...]) -> bool:
    return all(type(x) is str and x and not x.isspace() for x in items)


def _explain_texts(value: Any) -> list[Issue]:
    if type(value) is not tuple:
        return [Issue("$", value, "a tuple of non-empty str")]
    return [
        Issue(f"[{i}]", x, "a non-empty str")
        for i, x in enumerate(value)
        if not (type(x) is str and x and not x.isspace())
    ]


TEXTS: Final = Rule(
    "type({v}) is tuple and _texts_ok({v})",
    "a tuple of non-empty str",
    {"_texts_ok": _texts_ok},
    normalize=_as_tuple,
    explain=_explain_texts,
)


def _to_attributes(value: Any) -> Any:
    if isinstance(value, Mapping):
        try:
            return Attributes(value)
        except ValidationError:
            return value
    return value


ATTRIBUTES: Final = Rule(
    "type({v}) is Attributes",
    "a mapping of str to str/int/float/bool/None",
    {"Attributes": Attributes},
    normalize=_to_attributes,
    explain=attribute_issues,
)

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
OPT_EMAIL: Final = Rule(
    "type({v}) is str and _email({v}) is not None",
    "an e-mail address such as 'ana@example.com'",
    {"_email": _EMAIL.fullmatch},
).optional()


def _to_number(value: Any) -> Any:
    if type(value) is float or type(value) is str:
        number = parse_amount(value)
        return value if number is None else number
    return value


NONNEG_NUMBER: Final = Rule(
    "(type({v}) is int and {v} >= 0) or (type({v}) is Decimal and {v}.is_finite() and {v} >= 0)",
    "a non-negative int or Decimal",
    {"Decimal": Decimal},
    normalize=_to_number,
)

__all__ = [
    "ATTRIBUTES",
    "AWARE",
    "BOOL",
    "MONEY",
    "NONNEG_INT",
    "NONNEG_NUMBER",
    "OPT_AWARE",
    "OPT_BOOL",
    "OPT_DATE",
    "OPT_EMAIL",
    "OPT_NONNEG_INT",
    "OPT_TEXT",
    "POSITIVE_DURATION",
    "PROBABILITY",
    "TEXT",
    "TEXTS",
    "closed_enum",
    "instance",
    "open_enum",
    "tuple_of",
]
