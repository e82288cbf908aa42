"""The vocabulary of field rules entities are built from (see ``_checks``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from ._checks import Rule
from ._time import aware_instant, time_expected
from ._vocabulary import well_known
from .attributes import (
    INT_LIMIT,
    MAX_KEY,
    MAX_NOTE,
    Attributes,
    attribute_issues,
    plain_str,
    shown,
    text_expected,
)
from .errors import Issue, ValidationError
from .money import Money, parse_amount

# Text limits (documented in docs/explanation/security.md). Each test is cheap in
# the common case: str.isprintable() is one C loop that passes plain text; only
# text it refuses (a no-break space, a zero-width space, a control character) or
# only spaces pays for the precise check, which also refuses blank text (only
# whitespace and invisible format characters: see attributes.shown).
#: The longest id: record ids, references to other records, stage ids.
MAX_ID: Final = MAX_KEY
#: The longest name or label (a deal's name, a team, a custom source).
MAX_NAME: Final = 1_000


ID: Final = Rule(
    f"type({{v}}) is str and 0 < len({{v}}) <= {MAX_ID} and {{v}}.isprintable() "
    "and {v}.strip() == {v}",
    f"an id: a non-empty str of at most {MAX_ID} printable characters, with no space at either end",
    normalize=plain_str,
)
OPT_ID: Final = ID.optional()
TEXT: Final = Rule(
    f"type({{v}}) is str and 0 < len({{v}}) <= {MAX_NAME} "
    "and (({v}.isprintable() and not {v}.isspace()) or _shown({v}))",
    text_expected(MAX_NAME),
    {"_shown": shown},
    normalize=plain_str,
)
OPT_TEXT: Final = TEXT.optional()
BOOL: Final = Rule("type({v}) is bool", "True or False")
OPT_BOOL: Final = BOOL.optional()
NONNEG_INT: Final = Rule(
    f"type({{v}}) is int and 0 <= {{v}} < {INT_LIMIT}",
    "a non-negative int below 2**63",
)
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
    eager=True,
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
    members = {m.value: m for m in enum}  # a dict lookup: a tenth of enum(value)

    def normalize(value: Any) -> Any:
        try:
            return members.get(value, value)
        except TypeError:  # unhashable
            return value

    name = enum.__name__
    return Rule(
        f"type({{v}}) is {name}",
        f"one of {allowed}",
        {name: enum, f"_{name}_values": members},
        normalize=normalize,
        eager=True,
        # what normalize returns, for the commonest input (a str) without a call
        inline=f"(_{name}_values.get({{v}}, {{v}}) if type({{v}}) is str else _n_{{v}}({{v}}))",
    )


def open_enum(enum: type[StrEnum]) -> Rule:
    """A member of *enum*, or a label of the caller's own (as :data:`TEXT`); a
    str that spells a member's value in any case, with surrounding spaces, or with
    spaces or hyphens between words (``"Webinar"``, ``"Trade Show"``) becomes that
    member, so equal inputs give equal records. Other text is kept as given."""
    vocabulary = well_known(enum)
    members = {m.value: m for m in enum}  # the commonest spellings, by one dict lookup
    is_text = predicate(TEXT)
    # Labels already judged valid: a valid custom label costs one set lookup, not
    # a spelling comparison. A memo of a pure check, bounded, so never stale.
    labels: set[str] = set()
    name = enum.__name__

    def is_label(value: str) -> bool:
        if value in vocabulary or not is_text(value):
            return False
        if len(labels) < 10_000:
            labels.add(value)
        return True

    def normalize(value: Any) -> Any:
        member = members.get(value) if type(value) is str else None
        return vocabulary.get(value, plain_str(value)) if member is None else member

    # A member's exact value, the commonest near-valid input, fails by a dict
    # lookup, before the memo of labels and the spelling check.
    return Rule(
        f"type({{v}}) is {name} or (type({{v}}) is str and {{v}} not in _{name}_members "
        f"and ({{v}} in _{name}_labels or _{name}_is_label({{v}})))",
        f"a {name} or another non-blank str of at most {MAX_NAME} characters, "
        "with no control characters",
        {
            name: enum,
            f"_{name}_members": members,
            f"_{name}_labels": labels,
            f"_{name}_is_label": is_label,
        },
        normalize=normalize,
        eager=True,
        # what normalize returns, for a member's exact value without a call
        inline=f"(_{name}_members.get({{v}}) or _n_{{v}}({{v}}) if type({{v}}) is str "
        "else _n_{v}({v}))",
    )


def predicate(rule: Rule) -> Callable[[Any], bool]:
    """*rule*'s test as a function (rules are salesmodel's own text, never input)."""
    source = f"lambda v: bool({rule.test.format(v='v')})"
    return eval(source, dict(rule.names))  # type: ignore[no-any-return]


#: Whether a value is an id (a record's id, stage or pipeline id, who moved it):
#: ``ID``'s own test, compiled once for the code that judges ids outside a record.
is_id: Final = predicate(ID)


def judge(rule: Rule) -> Callable[[Any], tuple[bool, Any]]:
    """``judged(value) -> (valid, value)``: *value* as a field of *rule* would hold it
    (normalised when the rule normalises it), and whether the rule takes it; for
    code that fills a field without a record's own checks (a move's change)."""
    test, normalize = predicate(rule), rule.normalize

    def judged(value: Any) -> tuple[bool, Any]:
        if test(value):
            return True, value
        if normalize is not None:
            value = normalize(value)
            return test(value), value
        return False, value

    return judged


def _as_tuple(value: Any) -> Any:
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return tuple(value)
    return value


def tuple_of(cls: type, expected: str) -> Rule:
    """A tuple whose items are exactly *cls* (any other iterable is converted)."""
    name = cls.__name__
    checker = f"_all_{name}"

    def all_items(items: tuple[Any, ...]) -> bool:
        for item in items:  # noqa: SIM110 - a plain loop: 4x all() over a generator
            if type(item) is not cls:
                return False
        return True

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


def texts(item: Rule, what: str) -> Rule:
    """A tuple of str, each passing *item* (any other iterable is converted)."""
    test = predicate(item)
    checker = f"_all_{next(_SERIAL)}"

    def all_ok(items: tuple[Any, ...]) -> bool:
        return all(map(test, items))

    def explain(value: Any) -> list[Issue]:
        if type(value) is not tuple:
            return [Issue("$", value, f"a tuple of {what}")]
        return [Issue(f"[{i}]", x, item.expected) for i, x in enumerate(value) if not test(x)]

    def normalize(value: Any) -> Any:
        value = _as_tuple(value)
        return tuple(map(plain_str, value)) if type(value) is tuple else value

    return Rule(
        f"type({{v}}) is tuple and {checker}({{v}})",
        f"a tuple of {what}",
        {checker: all_ok},
        normalize=normalize,
        explain=explain,
    )


_SERIAL: Final = itertools.count()
TEXTS: Final = texts(TEXT, "non-empty str")
#: Free text in a person's own words: up to 10,000 characters, lines allowed.
NOTE: Final = Rule(
    f"type({{v}}) is str and 0 < len({{v}}) <= {MAX_NOTE} "
    "and (({v}.isprintable() and not {v}.isspace()) or _shown({v}, True))",
    text_expected(MAX_NOTE, lines=True),
    {"_shown": shown},
    normalize=plain_str,
)
NOTES: Final = texts(NOTE, "non-empty str")


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
    eager=True,
)

#: An e-mail address, loosely: printable, one ``@``, a dotted domain (RFC 5321
#: caps an address at 254 characters).
EMAIL: Final = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
OPT_EMAIL: Final = Rule(
    "type({v}) is str and len({v}) <= 254 and {v}.isprintable() and _email({v}) is not None",
    "an e-mail address such as 'ana@example.com'",
    {"_email": EMAIL.fullmatch},
    normalize=plain_str,
).optional()


def _to_number(value: Any) -> Any:
    if type(value) is float or type(value) is str:
        number = parse_amount(value)
        return value if number is None else number
    return value


NONNEG_NUMBER: Final = Rule(
    f"(type({{v}}) is int and 0 <= {{v}} < {INT_LIMIT}) or (type({{v}}) is Decimal "
    "and {v}.is_finite() and {v} >= 0 and -30 <= {v}.adjusted() <= 30)",
    "a non-negative int below 2**63, or a non-negative Decimal within 10**±30",
    {"Decimal": Decimal},
    normalize=_to_number,
    eager=True,
)

__all__ = [
    "ATTRIBUTES",
    "AWARE",
    "BOOL",
    "EMAIL",
    "ID",
    "MAX_ID",
    "MAX_NAME",
    "MONEY",
    "NONNEG_INT",
    "NONNEG_NUMBER",
    "NOTE",
    "NOTES",
    "OPT_AWARE",
    "OPT_BOOL",
    "OPT_DATE",
    "OPT_EMAIL",
    "OPT_ID",
    "OPT_NONNEG_INT",
    "OPT_TEXT",
    "POSITIVE_DURATION",
    "PROBABILITY",
    "TEXT",
    "TEXTS",
    "closed_enum",
    "instance",
    "open_enum",
    "texts",
    "tuple_of",
]
