"""Attributes: the immutable bag of custom fields every CRM record carries."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, TypeAlias
from unicodedata import category

from attrs.exceptions import FrozenInstanceError

from .errors import MAX_ISSUES, Issue, ValidationError, short_repr

__all__ = ["EMPTY_ATTRIBUTES", "AttributeValue", "Attributes"]

#: The values an attribute may hold: JSON scalars.
AttributeValue: TypeAlias = str | int | float | bool | None

#: Ints, in attributes and int fields, stay within a signed 64-bit integer: what
#: JSON consumers, data frames and databases hold, and what repr() prints quickly.
INT_LIMIT: Final = 2**63
#: The longest attribute key (and id, see _rules).
MAX_KEY: Final = 256
#: The longest free text: an attribute's str value, a prospect's need.
MAX_NOTE: Final = 10_000

_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_VALUE_EXPECTED: Final = (
    f"a str of at most {MAX_NOTE:,} characters without control characters other than "
    "tab and line breaks, an int within ±2**63, a finite float, a bool or None"
)
_KEY_EXPECTED: Final = (
    f"a non-empty str key of at most {MAX_KEY} characters, without control characters"
)

# What text never holds: C0 and C1 control characters (NUL, escape, ...), lone
# surrogates (not encodable), and the Unicode line and paragraph separators.
_CONTROLS: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
# Free text may also hold tabs and line breaks.
_NOTE_CONTROLS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def no_controls(text: str, lines: bool = False) -> bool:
    """Whether *text* has no control character (with *lines*, tabs and line
    breaks are allowed).

    The slow path of text checks: str.isprintable() passes plain text first, and
    refuses more than controls (no-break spaces, combining marks are fine)."""
    return (_NOTE_CONTROLS if lines else _CONTROLS).search(text) is None


def shown(text: str, lines: bool = False) -> bool:
    """Whether *text* has no control character (see :func:`no_controls`) and is
    not blank: made only of whitespace and invisible format characters (Unicode
    category Cf: zero-width space and joiners, word joiner, byte-order mark), it
    would print as nothing.

    The slow path of the non-blank text checks, whose fast path is
    ``text.isprintable() and not text.isspace()``: printable text holds no Cf
    character, so only text isprintable() refuses (or only spaces) gets here."""
    if not no_controls(text, lines):
        return False
    # any() stops at the first visible character, in the common case the first
    return any(not c.isspace() and category(c) != "Cf" for c in text)


def text_expected(limit: int, *, lines: bool = False) -> str:
    """What a text field with *limit* characters must be, for messages."""
    allowed = "other than tab and line breaks" if lines else ""
    return f"a non-blank str of at most {limit:,} characters, without control characters" + (
        f" {allowed}" if allowed else ""
    )


def plain_str(value: Any) -> Any:
    """A str of a subclass (a caller's ``class DealId(str)``, numpy's ``str_``, a
    StrEnum member) as the plain str it holds, which its text rule then judges: a
    record keeps text, not its type (a subclass would compare, hash and serialise
    as the subclass says). Anything else unchanged, for the rules to refuse."""
    # type(), not isinstance(): an object that only claims str's __class__ stays
    return str.__str__(value) if issubclass(type(value), str) else value


def _bad_key(key: object) -> bool:
    return (
        type(key) is not str
        or not 0 < len(key) <= MAX_KEY
        or not shown(key)  # (the slow path: the fast test refused the key or its value)
    )


def _bad_value(value: object) -> bool:
    if type(value) is str:
        return len(value) > MAX_NOTE or not (value.isprintable() or no_controls(value, True))
    if type(value) is int:
        return not -INT_LIMIT <= value < INT_LIMIT
    if type(value) is float:
        return not math.isfinite(value)
    return type(value) not in _SCALARS


def attribute_issues(data: object) -> list[Issue]:
    """Every problem with *data* as attributes, up to :data:`MAX_ISSUES`; paths
    look like ``"['key']"``."""
    if not isinstance(data, Mapping):
        return [Issue("$", data, "a mapping of str to str/int/float/bool/None")]
    issues = []
    for key, value in data.items():
        path = f"[{short_repr(key)}]"
        if _bad_key(key):
            issues.append(Issue(path, key, _KEY_EXPECTED))
        elif _bad_value(value):
            issues.append(Issue(path, value, _VALUE_EXPECTED))
        if len(issues) > MAX_ISSUES:  # enough to say what is wrong; stop early
            break
    return issues


class Attributes(Mapping[str, AttributeValue]):
    """An immutable, hashable mapping of custom fields (str → JSON scalar).

    Entities turn any mapping given as ``attributes=`` into one of these.

    >>> Attributes({"industry": "saas", "employees": 40})["employees"]
    40

    Keys are non-empty str of at most 256 characters; values are str of at most
    10,000 characters (tabs and line breaks allowed, no other control
    characters), ints within ±2**63, finite floats, bools or None.

    Raises:
        ValidationError: for a key or a value outside those limits.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_data",)

    _data: dict[str, AttributeValue]

    def __init__(
        self, data: Mapping[str, AttributeValue] | Iterable[tuple[str, AttributeValue]] = ()
    ) -> None:
        try:
            items = dict(data)
        except (TypeError, ValueError):  # not a mapping, nor (key, value) pairs
            raise ValidationError(attribute_issues(data), "Attributes") from None
        for key, value in items.items():
            if (
                type(key) is not str
                or type(value) is not str
                or not 0 < len(key) <= MAX_KEY
                or len(value) > MAX_NOTE
                or not key.isprintable()
                or not value.isprintable()
                or key.isspace()
            ) and (_bad_key(key) or _bad_value(value)):
                # text of a str subclass (numpy's str_, a StrEnum member) as the
                # plain str it holds, as records keep text; then every issue
                items = {plain_str(k): plain_str(v) for k, v in items.items()}
                issues = attribute_issues(items)
                if issues:
                    raise ValidationError(issues, "Attributes", stopped=len(issues) > MAX_ISSUES)
                break
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
