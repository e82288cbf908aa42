"""Building entities in bulk from records: ``df.to_dict("records")``, CSV rows,
query results.

:func:`from_records` maps columns to fields, turns the values tabular data comes
with into what the entities take (ISO strings and naive datetimes into aware
datetimes in the zone you name, numbers and strings into exact
:class:`~salesmodel.Money`, ``"Won"`` into :class:`~salesmodel.Status`, empty
cells and NaN into None), and builds every entity with all its invariants
checked. A bad row raises a :class:`~salesmodel.ValidationError` whose paths name
the row and the field (``rows[12].closed_at``); with ``strict=False`` the bad
rows are collected instead, and the good ones built.

The per-row work is one generated function: a dictionary lookup per column, a
cached conversion for repeated values (dates, stages, sources), and the entity's
compiled constructor. Both pause Python's cyclic garbage collector while they
build (records hold no cycles; walking a million new ones cost a third of the
time).

:func:`from_frame` builds the same entities from a DataFrame column by column:
the same per-field conversions run over each column read once from the engine
(``salesmodel._frame_columns``), then the same constructor over the rows.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import gc
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, Generic, Literal, ParamSpec, TypeVar, overload

import attrs

from ._book import PipelineBook, Pipelines
from ._checks import is_collection, maker
from ._time import (
    ZONE_EXPECTED,
    iso_datetime,
    plain_datetime,
    start_of_day,
    wall_clock_zone,
    zone_named,
)
from ._vocabulary import well_known
from .attributes import Attributes
from .entities import StageChange
from .errors import MISSING, Issue, ValidationError
from .money import (
    CURRENCY_EXPECTED,
    MONEY_DIGITS,
    Money,
    amount_expected,
    checked_money,
    is_currency,
    minor_unit,
    parse_amount,
    plain_float_money,
)

__all__ = ["Built", "RowError", "from_frame", "from_records"]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def _collector_paused(function: Callable[P, R]) -> Callable[P, R]:
    """*function*, run with Python's cyclic garbage collector paused (unless the
    caller paused it already), and restarted however it returns.

    Every entity is a container the collector tracks, so while a call builds a
    million of them the collector walks the growing set of new records again and
    again: 30 to 40 % of the build's time, spent finding nothing, since records
    hold no reference cycles. Only collection waits until the call returns;
    memory is freed as ever by reference counting. (The collector is one switch
    for the whole process: another thread that pauses it while a build runs finds
    it restarted when the build returns.)"""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


#: What a column mapping gives for a field: a column name, or a function of the
#: whole row.
Source = str | Callable[[Mapping[str, Any]], Any]
# A converter factory (_text, _datetime, ...): the kind of a field's conversion.
_Kind = Callable[..., Callable[[Any], Any]]


class _Bad(Exception):
    """A value that could not be converted (its issue, for the report)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _Nonconforming(Exception):
    """A row built a record that does not conform to its pipeline."""

    def __init__(self, issues: tuple[Issue, ...]) -> None:
        super().__init__(issues)
        self.issues = issues


@attrs.frozen
class RowError:
    """One row that could not be built.

    Attributes:
        row: The row's number (0 for the first, or counted from ``first_row``).
        error: The :class:`~salesmodel.ValidationError`; its paths read
            ``rows[<row>].<field>``.

    .. versionadded:: 0.1.0
    """

    row: int
    error: ValidationError

    @property
    def fields(self) -> tuple[str, ...]:
        """The entity fields at fault."""
        return tuple(
            i.path.split(".", 1)[1] if "." in i.path else i.path for i in self.error.issues
        )


@attrs.frozen
class Built(Generic[T]):
    """What ``from_records(..., strict=False)`` built, and the rows it could not.

    Attributes:
        records: The entities, in row order (bad rows left out).
        errors: One :class:`RowError` per bad row, in row order.

    .. versionadded:: 0.1.0
    """

    records: list[T]
    errors: tuple[RowError, ...]

    def __len__(self) -> int:
        return len(self.records)


# --- missing values ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    """Whether *value* is an empty cell: None, NaN, pandas' NaT or NA, ""."""
    if value is None:
        return True
    kind = type(value)
    if kind is float:
        return math.isnan(value)
    if kind is str:
        return bool(value == "" or value.isspace())
    name = kind.__name__
    if name in ("NaTType", "NAType"):
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


# --- converters, one per kind of field ---------------------------------------------------------


#: The length of an ISO date, "2017-10-15": longer text holds a time.
_DATE_LENGTH: Final = 10
_CACHE_KEYS: Final[frozenset[type]] = frozenset({str, dt.date, bool, type(None)})


#: Amounts a frame column repeats: a float or text. Not zero: 0.0 and -0.0 are
#: one key but two amounts' spellings.
_AMOUNT_KEYS: Final[frozenset[type]] = frozenset({str, float, type(None)})


class _Cache(dict[Any, Any]):
    """Conversion results by input, so repeated values convert once."""

    __slots__ = ("convert", "kinds")

    def __init__(self, convert: Callable[[Any], Any], kinds: frozenset[type] = _CACHE_KEYS) -> None:
        super().__init__()
        self.convert = convert
        self.kinds = kinds

    def __missing__(self, key: Any) -> Any:
        value = self.convert(key)
        if type(key) in self.kinds and len(self) < 100_000 and key != 0:
            self[key] = value
        return value


def _text(field: str, optional: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, "a non-empty str"))
        if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
            return str(value)
        return value  # the entity judges it

    return convert


def _datetime(field: str, optional: bool, tz: dt.tzinfo | None) -> Callable[[Any], Any]:
    expected = "an ISO date or datetime, a date, or a datetime"

    def aware(value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value
        if tz is None:
            raise _Bad(
                Issue(field, value, "a timezone-aware datetime (or pass tz= for naive ones)")
            )
        return value.replace(tzinfo=tz)

    def day_start(day: dt.date) -> dt.datetime:
        """A date is the first instant of that day in *tz* (midnight, or the end
        of a skipped hour that swallows midnight)."""
        if tz is None:
            raise _Bad(Issue(field, day, "a timezone-aware datetime (or pass tz= for naive ones)"))
        return start_of_day(day, tz)

    def convert(value: Any) -> Any:
        if value.__class__ is str and len(value) != _DATE_LENGTH:  # an ISO time, read once
            try:
                parsed = iso_datetime(value)
            except ValueError:
                pass  # blank, spaced: read below
            else:
                return aware(parsed)
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, expected))
        if isinstance(value, dt.datetime):
            if type(value) is not dt.datetime:  # pandas' Timestamp
                value = plain_datetime(value)
            return aware(value)
        if isinstance(value, dt.date):
            return day_start(value)
        if isinstance(value, str):
            text = value.strip()
            try:
                if len(text) == _DATE_LENGTH:  # a date alone, as in "2017-10-15"
                    return day_start(dt.date.fromisoformat(text))
                parsed = iso_datetime(text)
            except ValueError:
                raise _Bad(Issue(field, value, expected)) from None
            return aware(parsed)
        raise _Bad(Issue(field, value, expected))

    return convert


_DATE_EXPECTED: Final = "an ISO date such as '2026-03-31' (or an ISO datetime, whose date is taken)"


def _date(field: str, optional: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, "a date"))
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:  # a date, or a datetime whose date is meant ("2026-03-31 00:00:00")
                return (
                    dt.date.fromisoformat(text)
                    if len(text) == 10
                    else dt.datetime.fromisoformat(text).date()
                )
            except ValueError:
                raise _Bad(Issue(field, value, _DATE_EXPECTED)) from None
        raise _Bad(Issue(field, value, "a date"))

    return convert


def _closed_enum(field: str, optional: bool, kind: type[enum.Enum]) -> Callable[[Any], Any]:
    by_text = {str(m.value).lower(): m for m in kind}
    by_text.update({m.name.lower(): m for m in kind})

    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, f"one of {', '.join(repr(m.value) for m in kind)}"))
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            found = by_text.get(value.strip().lower())
            if found is not None:
                return found
        return value  # the entity names it

    return convert


def _open_enum(field: str, optional: bool, kind: type[enum.StrEnum]) -> Callable[[Any], Any]:
    vocabulary = well_known(kind)

    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, "a non-empty str"))
        if isinstance(value, str):
            text = value.strip()
            return vocabulary.get(text, text)
        return value

    return convert


def _number(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    return parse_amount(value)


def _amount_expected(value: Any, suffix: str = "") -> str:
    if type(value) is float:
        return amount_expected(value)
    return "an amount (a number, or a str such as '12.50')" + suffix


def _money(field: str, optional: bool, currency: str | None) -> Callable[[Any], Any]:
    expected = _amount_expected(None, " with a currency")

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is Money:
            return value
        if currency is not None:
            if kind is Decimal or kind is int:
                return Money(value, currency)
            if kind is str or kind is float:
                amount = parse_amount(value)
                if amount is not None:
                    return Money(amount, currency)
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, expected))
        if isinstance(value, Mapping):
            try:
                return Money(value["amount"], value["currency"])
            except (KeyError, ValidationError):
                raise _Bad(Issue(field, value, expected)) from None
        amount = _number(value)
        if amount is None:
            raise _Bad(Issue(field, value, _amount_expected(value, " with a currency")))
        if currency is None:
            raise _Bad(Issue(f"{field}.currency", MISSING, "a currency: pass currency= or map it"))
        return Money(amount, currency)

    return convert


def _goal(field: str, currency: str | None) -> Callable[[Any], Any]:
    money = _money(field, False, currency)

    def convert(value: Any) -> Any:
        if type(value) is Money or isinstance(value, Mapping) or currency is not None:
            return money(value)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return value
        number = _number(value)
        if number is None:
            raise _Bad(Issue(field, value, "a count or an amount"))
        return int(number) if number == number.to_integral_value() else number

    return convert


def _integer(field: str, optional: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, "an int"))
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return value

    return convert


def _boolean(field: str, optional: bool) -> Callable[[Any], Any]:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

    def convert(value: Any) -> Any:
        if _missing(value):
            if optional:
                return None
            raise _Bad(Issue(field, value, "True or False"))
        if isinstance(value, str):
            return words.get(value.strip().lower(), value)
        if type(value) is not bool and isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        # numpy's booleans: numpy.bool_ before numpy 2, numpy.bool since
        return bool(value) if type(value).__name__ in ("bool_", "bool") else value

    return convert


def _attributes(field: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if _missing(value):
            return Attributes()
        if isinstance(value, Mapping):
            return {
                k: (None if _missing(v) and not isinstance(v, str) else _scalar(v))
                for k, v in value.items()
            }
        return value

    return convert


def _scalar(value: Any) -> Any:
    """A cell as an attribute value: numpy scalars as Python ones."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    return value


def _history(field: str, tz: dt.tzinfo | None) -> Callable[[Any], Any]:
    """A history: its changes as they are, or as mappings of their fields (what
    ``to_dict`` and JSON give), each ``at`` read as any time of the row is."""
    at = _datetime("at", False, tz)

    def change(item: Any, i: int) -> Any:
        if not isinstance(item, Mapping):
            return item  # the entity judges it
        unknown = sorted(map(str, item.keys() - _CHANGE_FIELDS))
        if unknown:
            fields = ", ".join(sorted(_CHANGE_FIELDS))
            raise _Bad(Issue(f"{field}[{i}].{unknown[0]}", item, f"a field of a change ({fields})"))
        try:
            return StageChange(**{**item, "at": at(item.get("at"))})
        except _Bad as bad:
            raise _Bad(bad.issue.under(f"{field}[{i}]")) from None
        except ValidationError as error:
            raise _Bad(error.issues[0].under(f"{field}[{i}]")) from None
        except TypeError as error:  # a field missing, most likely
            missing = [f for f in ("from_stage", "to_stage") if f not in item]
            path = f"{field}[{i}]" + (f".{missing[0]}" if missing else "")
            expected = "a stage id" if missing else f"a change's fields ({error})"
            raise _Bad(Issue(path, item, expected)) from None

    def convert(value: Any) -> Any:
        if _missing(value):
            return ()
        if not is_collection(value):
            return value  # the entity judges it
        return tuple(change(item, i) for i, item in enumerate(value))

    return convert


_CHANGE_FIELDS: Final = frozenset(f.name for f in attrs.fields(StageChange))


def _passthrough(_: str, __: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return None if _missing(value) else value

    return convert


def _converter(
    cls: type,
    field: attrs.Attribute,  # type: ignore[type-arg]
    hint: Any,
    tz: dt.tzinfo | None,
    currency: str | None,
) -> tuple[_Kind, Callable[[Any], Any]]:
    """The conversion for one field, from its type, and its kind (the factory that made it)."""
    name = field.name
    args = (
        typing.get_args(hint)
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        else (hint,)
    )
    optional = type(None) in args
    kinds = [a for a in args if a is not type(None)]
    if cls.__name__ == "Target" and name == "goal":
        return _goal, _goal(name, currency)
    if dt.datetime in kinds:
        return _datetime, _datetime(name, optional, tz)
    if dt.date in kinds:
        return _date, _date(name, optional)
    if Money in kinds and len(kinds) == 1:
        return _money, _money(name, optional, currency)
    enums = [k for k in kinds if isinstance(k, type) and issubclass(k, enum.Enum)]
    if enums and str in kinds:
        return _open_enum, _open_enum(name, optional, enums[0])  # type: ignore[arg-type]
    if enums:
        return _closed_enum, _closed_enum(name, optional, enums[0])
    if kinds == [str]:
        return _text, _text(name, optional)
    if kinds == [bool]:
        return _boolean, _boolean(name, optional)
    if kinds == [int]:
        return _integer, _integer(name, optional)
    if Attributes in kinds:
        return _attributes, _attributes(name)
    if typing.get_origin(hint) is tuple and typing.get_args(hint)[:1] == (StageChange,):
        return _history, _history(name, tz)
    return _passthrough, _passthrough(name, optional)


# --- the compiled row builder -----------------------------------------------------------------


@attrs.frozen
class _Field:
    """How one field gets its value from a row."""

    name: str
    column: str | None  # read this column ...
    function: Callable[[Mapping[str, Any]], Any] | None  # ... or call this on the row
    currency: Source | None  # a column (or function) giving a Money field's currency
    convert: Callable[[Any], Any]
    cached: bool
    kind: _Kind  # the factory that made convert, e.g. _text
    default: Any  # the value of an absent or empty cell (attrs.NOTHING: required)

    def value(self, row: Mapping[str, Any]) -> Any:
        """The converted value (slowly, for error reports)."""
        if self.function is not None:
            raw = self.function(row)
        else:
            assert self.column is not None
            raw = row.get(self.column, MISSING)
        if self.currency is not None:
            code = self.currency(row) if callable(self.currency) else row.get(self.currency)
            return self.convert((raw, code))
        return self.convert(raw)


def _with_default(convert: Callable[[Any], Any], default: Any) -> Callable[[Any], Any]:
    """*convert*, giving *default* for an absent column or an empty cell."""

    def with_default(value: Any) -> Any:
        if value is MISSING or _missing(value):
            return default
        return convert(value)

    return with_default


@attrs.frozen
class _Plan:
    fields: tuple[_Field, ...]
    make: Callable[..., Any]
    subject: str


_CACHED: Final[frozenset[_Kind]] = frozenset({_datetime, _date, _closed_enum, _open_enum})


def _plan(
    cls: type,
    columns: Mapping[str, Source],
    defaults: Mapping[str, Any],
    attribute_columns: Sequence[str],
    tz: dt.tzinfo | None,
    currency: str | None,
) -> _Plan:
    if getattr(cls, "__salesmodel_make__", None) is None or not attrs.has(cls):
        raise ValidationError.single("cls", cls, "a salesmodel entity class such as Deal")
    make = maker(cls)
    fields = attrs.fields(cls)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields}
    allowed = ", ".join(sorted(known))
    for name, given in columns.items():
        if name.split(".", 1)[0] not in known or name.count(".") > 1:
            raise ValidationError.single(
                f"columns[{name!r}]", given, f"a field of {cls.__name__} ({allowed})"
            )
        mapped: Any = given
        if not (isinstance(mapped, str) or callable(mapped)):
            raise ValidationError.single(
                f"columns[{name!r}]", mapped, "a column name or a function of the row"
            )
    for name, value in defaults.items():
        if name not in known:
            raise ValidationError.single(
                f"defaults[{name!r}]", value, f"a field of {cls.__name__} ({allowed})"
            )
    planned = []
    for field in fields:
        name = field.name
        source: Source | None = columns.get(name)
        pair = columns.get(f"{name}.currency")
        if pair is not None:
            optional = type(None) in typing.get_args(hints[name])
            kind, convert = _money_with_currency, _money_with_currency(name, optional)
        else:
            kind, convert = _converter(cls, field, hints[name], tz, currency)
        cached = kind in _CACHED
        default = field.default
        if name in defaults:
            try:
                default = convert(defaults[name])
            except _Bad as bad:
                raise ValidationError([bad.issue.under("defaults")], cls.__name__) from None
        if name == "attributes" and attribute_columns:
            source = _attribute_getter(name if source is None else source, attribute_columns)
        if default is not attrs.NOTHING and pair is None:
            convert = _with_default(convert, default)
        column = None if source is not None else name
        if isinstance(source, str):
            column, function = source, None
        else:
            function = source
        if pair is not None:
            default = attrs.NOTHING
        planned.append(_Field(name, column, function, pair, convert, cached, kind, default))
    return _Plan(tuple(planned), make, cls.__name__)


def _attribute_getter(source: Source, names: Sequence[str]) -> Callable[[Mapping[str, Any]], Any]:
    def get(row: Mapping[str, Any]) -> Any:
        base: dict[str, Any] = {}
        if isinstance(source, str):
            given = row.get(source)
            if isinstance(given, Mapping):
                base.update(given)
            elif not _missing(given):
                raise _Bad(Issue("attributes", given, "a mapping of attribute name to value"))
        else:
            base.update(source(row) or {})
        for name in names:
            value = row.get(name)
            base[name] = None if _missing(value) else _scalar(value)
        return base

    return get


def _money_with_currency(field: str, optional: bool) -> Callable[[Any], Any]:
    """Money from an ``(amount, currency)`` pair read from two columns; an empty
    amount is None (unknown) where the field allows it."""

    def convert(value: Any) -> Any:
        amount, code = value
        if optional and _missing(amount):
            return None
        number = None if _missing(amount) else _number(amount)
        if number is None:
            raise _Bad(Issue(field, amount, _amount_expected(amount)))
        if not is_currency(code):
            raise _Bad(Issue(f"{field}.currency", code, CURRENCY_EXPECTED))
        return Money(number, code)

    return convert


def _compile(plan: _Plan) -> Callable[..., list[str]]:
    """One function that builds every row: ``run(rows, first_row, append, fail)``,
    which returns the mapped columns no row had (see _unseen_in).

    Each field is one expression: read the cell, take it as is when it already
    is what the entity wants (a non-empty str, an aware datetime), else convert
    it (through a cache for repeated dates, stages and sources)."""
    namespace: dict[str, Any] = {
        "_make": plan.make,
        "_M": MISSING,
        "_dt": dt.datetime,
    }
    parts = []
    for i, field in enumerate(plan.fields):
        namespace[f"_c{i}"] = _Cache(field.convert) if field.cached else field.convert
        kind = field.kind
        if field.function is not None:
            namespace[f"_g{i}"] = field.function
            raw = f"_g{i}(row)"
        else:
            raw = f"row.get({field.column!r}, _M)"
        if field.currency is not None:
            namespace[f"_p{i}"] = field.currency if callable(field.currency) else None
            code = f"_p{i}(row)" if callable(field.currency) else f"row.get({field.currency!r})"
            parts.append(f"_c{i}(({raw}, {code}))")
            continue
        if kind is _text:
            # A blank cell (" ") is empty, as _missing says: only the converter knows.
            fast = f"(_v if _v.__class__ is str and _v and not _v[0].isspace() else _c{i}(_v))"
        elif kind is _datetime:
            fast = f"(_v if _v.__class__ is _dt and _v.tzinfo is not None else _c{i}[_v])"
        elif field.cached:
            fast = f"_c{i}[_v]"
        else:
            fast = f"_c{i}(_v)"
        if field.default is not attrs.NOTHING:
            namespace[f"_d{i}"] = field.default
            parts.append(f"(_d{i} if (_v := {raw}) is _M or _v is None else {fast})")
        else:
            parts.append(f"((_v := {raw}), {fast})[1]")
    # The columns mapped to another name that no row has had yet (see _unseen_in).
    namespace["_unseen_in"] = _unseen_in
    namespace["_mapped"] = [
        f.column
        for f in plan.fields
        if f.function is None and f.column not in (None, f.name) and f.default is not attrs.NOTHING
    ]
    source = "\n".join(
        [
            "def run(rows, first_row, append, fail):",
            "    n = first_row - 1",
            "    unseen = _mapped",
            "    for row in rows:",
            "        n += 1",
            "        try:",
            f"            append(_make({', '.join(parts)}))",
            "        except Exception as error:",
            "            fail(n, row, error)",
            "        if unseen:",
            "            unseen = _unseen_in(unseen, row, n == first_row)",
            "    return unseen if n >= first_row else []",
        ]
    )
    exec(source, namespace)
    return namespace["run"]  # type: ignore[no-any-return]


def _unseen_in(columns: list[str], row: Any, first: bool) -> list[str]:
    """The *columns* (mapped by the caller) that *row* lacks too. A typo in a
    mapping would leave an optional field empty in every row; but rows that
    write no empty cell (JSON that leaves nulls out) may lack a column in every
    row of a batch, so the first row must show its empty cells (a None, a NaN or
    "", as ``to_dict("records")`` and CSV readers give) for any to be missed."""
    if not isinstance(row, Mapping):
        return columns
    if first and not any(map(_missing, row.values())):
        return []
    return [c for c in columns if c not in row]


def _row_error(
    plan: _Plan, row: Mapping[str, Any], n: int, error: BaseException | None
) -> ValidationError:
    """Every issue of one bad row, with paths ``rows[n].field``."""
    issues: list[Issue] = []
    values: list[Any] = []
    for field in plan.fields:
        try:
            values.append(field.value(row))
        except _Bad as bad:
            issues.append(bad.issue)
            values.append(MISSING)
        except ValidationError as exc:  # a value's own type refused it (Money's bounds)
            given = row.get(field.column, MISSING) if field.column is not None else row
            issues.append(Issue(field.name, given, exc.issues[0].expected))
            values.append(MISSING)
        except Exception as exc:  # noqa: BLE001 - a user's column function failed
            issues.append(Issue(field.name, row, f"readable ({type(exc).__name__}: {exc})"))
            values.append(MISSING)
    if not issues:
        try:
            plan.make(*values)
        except ValidationError as exc:  # an entity refuses only with its own error
            issues.extend(exc.issues)
    if not issues and error is not None:
        issues.append(Issue("$", row, f"a valid row ({type(error).__name__}: {error})"))
    return ValidationError([i.under(f"rows[{n}]") for i in issues], plan.subject)


_ATTRIBUTES_EXPECTED: Final = "a sequence of column names, e.g. ['manager']"


def _attribute_columns(attributes: object) -> tuple[str, ...]:
    """The checked ``attributes=``, read once (an iterator too). A str is refused:
    it would iterate into one-letter column names."""
    if isinstance(attributes, (str, bytes, bytearray)) or not isinstance(attributes, Iterable):
        raise ValidationError.single("attributes", attributes, _ATTRIBUTES_EXPECTED)
    return tuple(attributes)


def _zone(tz: dt.tzinfo | str | None, currency: str | None) -> dt.tzinfo | None:
    """The checked ``tz=`` (a zone name read), after checking ``currency=``."""
    if isinstance(tz, str):
        tz = zone_named(tz)
    elif tz is not None and not isinstance(tz, dt.tzinfo):
        raise ValidationError.single("tz", tz, f"None, a datetime.tzinfo or {ZONE_EXPECTED}")
    elif tz is not None:
        tz = wall_clock_zone(tz)
    if currency is not None and not is_currency(currency):
        raise ValidationError.single("currency", currency, f"None or {CURRENCY_EXPECTED}")
    return tz


@overload
def from_records(
    cls: type[T],
    records: Iterable[Mapping[str, Any]],
    *,
    columns: Mapping[str, Source] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: Literal[True] = True,
    first_row: int = 0,
    pipelines: Pipelines | None = None,
) -> list[T]: ...
@overload
def from_records(
    cls: type[T],
    records: Iterable[Mapping[str, Any]],
    *,
    columns: Mapping[str, Source] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: Literal[False],
    first_row: int = 0,
    pipelines: Pipelines | None = None,
) -> Built[T]: ...
@_collector_paused
def from_records(
    cls: type[T],
    records: Iterable[Mapping[str, Any]],
    *,
    columns: Mapping[str, Source] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: bool = True,
    first_row: int = 0,
    pipelines: Pipelines | None = None,
) -> list[T] | Built[T]:
    """Build entities of *cls* from records (mappings of column to value).

    Each field takes its value from the column *columns* maps it to (or a
    function of the row), else from the column of the same name, else from
    *defaults*, else the field's own default. A column *columns* names that no
    row has is refused as a typo when the rows show their empty cells (the
    first holds a None, a NaN or "", as ``to_dict("records")`` and CSV readers
    give; JSON that leaves nulls out may lack a column in every row). Values are
    converted to what the entity takes:

    - empty cells (None, NaN, pandas' NaT and NA, blank strings) are None;
    - datetimes from ISO strings, dates (midnight), pandas Timestamps; naive
      ones are wall-clock time in *tz* (required for them: never assumed UTC);
    - Money from a number or a numeric string in *currency* (or from a
      ``"<field>.currency"`` column mapping, or a ``{"amount", "currency"}``
      mapping);
    - closed enums from their value or name, any case (``"Won"`` →
      ``Status.WON``); open enums from their value in any case and spacing
      (``"Webinar"`` → ``LeadSource.WEBINAR``), other strings kept;
    - ids and other text from ints too; *attributes* lists columns to keep in
      ``attributes``;
    - a history from its changes, or from mappings of their fields (what
      :func:`~salesmodel.to_dict` and JSON give), each ``at`` read as above.

    Every entity is then built with all its checks. Conversions of repeated
    values (dates, stages, sources) are cached.

    Args:
        cls: The entity class, e.g. :class:`~salesmodel.Deal`.
        records: The rows, e.g. ``df.to_dict("records")`` or a
            :class:`csv.DictReader`; read once.
        columns: Field → column name, or field → function of the row;
            ``"amount.currency"`` → the column holding the amount's currency.
        defaults: Field → value for fields no column gives.
        attributes: Columns to keep in the entity's ``attributes``, e.g.
            ``["manager"]`` (a str alone is refused, not read as one-letter names).
        tz: The zone of naive datetimes and of dates: a :class:`datetime.tzinfo`
            or an IANA name such as ``"Europe/Paris"``.
        currency: The currency of amounts given as plain numbers.
        strict: Raise on the first bad row (True), or collect bad rows.
        first_row: The number of the first row, for messages (e.g. the offset of
            a chunk).
        pipelines: Check every deal or lead built against its pipeline
            (:meth:`~salesmodel.Pipeline.validate`); a row that does not conform
            is a bad row. One pipeline, several, or ``{id: pipeline}``.

    Returns:
        The entities in row order; with ``strict=False`` a :class:`Built` with
        ``records`` and ``errors``.

    Raises:
        ValidationError: for a bad argument, or (when *strict*) the first bad row,
            its paths naming the row and field: ``rows[12].closed_at``.

    >>> from salesmodel import Deal
    >>> rows = [{"opportunity_id": "1C1I7A6R", "deal_stage": "Won", "engage_date": "2016-10-20",
    ...          "close_date": "2017-03-01", "close_value": 1054}]
    >>> deals = from_records(Deal, rows, tz=dt.UTC, currency="USD", columns={
    ...     "id": "opportunity_id", "name": "opportunity_id", "status": "deal_stage",
    ...     "stage": lambda row: row["deal_stage"].lower(), "created_at": "engage_date",
    ...     "closed_at": "close_date", "amount": "close_value"})
    >>> deals[0].status, deals[0].amount, deals[0].closed_at.isoformat()
    (<Status.WON: 'won'>, Money('1054', 'USD'), '2017-03-01T00:00:00+00:00')

    .. versionadded:: 0.1.0
    """
    _check_options(columns, defaults, strict)
    zone = _zone(tz, currency)
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise ValidationError.single("records", records, "an iterable of mappings (rows)")
    if type(first_row) is not int:
        raise ValidationError.single("first_row", first_row, "an int")
    attribute_columns = _attribute_columns(attributes)
    book = None if pipelines is None else PipelineBook(pipelines)
    plan = _plan(cls, dict(columns or {}), dict(defaults or {}), attribute_columns, zone, currency)
    run = _compile(plan)
    out: list[T] = []
    errors: list[RowError] = []
    append = out.append
    if book is not None:

        def append(record: T) -> None:
            found = book.issues(record)
            if found:
                raise _Nonconforming(found)
            out.append(record)

    def fail(n: int, row: Any, caught: Exception) -> None:
        if isinstance(caught, _Nonconforming):
            error = ValidationError([i.under(f"rows[{n}]") for i in caught.issues], plan.subject)
        elif not isinstance(row, Mapping):
            error = ValidationError(
                [Issue(f"rows[{n}]", row, "a mapping of column to value")], plan.subject
            )
        else:
            error = _row_error(plan, row, n, caught)
        if strict:
            raise error
        errors.append(RowError(n, error))

    unseen = run(records, first_row, append, fail)
    if unseen:
        field = next(f.name for f in plan.fields if f.column == unseen[0])
        raise ValidationError.single(
            f"columns[{field!r}]", unseen[0], "a column of the rows: no row has it (a typo?)"
        )
    if strict:
        return out
    return Built(out, tuple(errors))


def _check_options(columns: object, defaults: object, strict: object) -> None:
    """Refuse a *columns* or *defaults* that is no mapping of field names, and a
    *strict* that is no bool (None would quietly collect bad rows)."""
    for name, value in (("columns", columns), ("defaults", defaults)):
        if value is not None and (
            not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value)
        ):
            expected = "a mapping of field name to " + (
                "column name (or function of the row)" if name == "columns" else "value"
            )
            raise ValidationError.single(name, value, expected + ", or None")
    if type(strict) is not bool:
        raise ValidationError.single("strict", strict, "True or False")


# --- from a DataFrame, column-wise ------------------------------------------------------------

_NAN_EXPECTED: Final = "a number, or null (an empty cell) where there is none: NaN is no number"
_FINE: Final[frozenset[_Kind]] = frozenset({_money, _money_with_currency, _goal})


@overload
def from_frame(
    frame: Any,
    cls: type[T],
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: Literal[True] = True,
    pipelines: Pipelines | None = None,
) -> list[T]: ...
@overload
def from_frame(
    frame: Any,
    cls: type[T],
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: Literal[False],
    pipelines: Pipelines | None = None,
) -> Built[T]: ...
@_collector_paused
def from_frame(
    frame: Any,
    cls: type[T],
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    attributes: Sequence[str] = (),
    tz: dt.tzinfo | str | None = None,
    currency: str | None = None,
    strict: bool = True,
    pipelines: Pipelines | None = None,
) -> list[T] | Built[T]:
    """Build entities of *cls* from a DataFrame, column by column.

    The same as :func:`from_records` on the frame's rows, with the same options
    and results, without the ``df.to_dict("records")`` step: each column the
    entity needs is read once from the engine, times are made aware datetimes
    there, repeated values (stages, statuses, amounts) convert once, and every
    entity is then built with all its checks. It takes pandas, polars (eager or
    lazy), PyArrow tables, DuckDB relations, Dask and PySpark DataFrames, through
    narwhals (``pip install 'salesmodel[frames]'``). A lazy frame is collected
    first: building Python objects needs every row anyway.

    Columns carry the entity's field names; *columns* maps a field to a column
    named otherwise (a column name only: a function of the row needs rows, so use
    :func:`from_records`). An amount takes its currency from the column
    ``columns["amount.currency"]`` names, else from a ``currency`` column, else
    from *currency*.

    It is at least as strict as :func:`from_records`, and stricter on what a
    frame makes easy to get wrong: a column the entity requires that the frame
    lacks, and a naive datetime column without *tz*, are refused before any row
    is read; a float NaN that is not the engine's null (polars, PyArrow, DuckDB
    and Spark tell them apart, and pandas in a column of Arrow's floats), an
    amount finer than its currency's minor unit, and a currency other than
    *currency* when both it and a currency column are given, make the row bad.
    Duplicate ids are built, as :func:`from_records` builds them.

    Args:
        frame: The DataFrame (or lazy frame, relation, table).
        cls: The entity class, e.g. :class:`~salesmodel.Deal`.
        columns: Field → column name; ``"amount.currency"`` → the column holding
            the amount's currency.
        defaults: Field → value for fields no column gives.
        attributes: Columns to keep in the entity's ``attributes``, e.g.
            ``["manager"]`` (a str alone is refused, not read as one-letter names).
        tz: The zone of naive datetimes and of dates: a :class:`datetime.tzinfo`
            or an IANA name such as ``"Europe/Paris"``.
        currency: The currency of amounts without a currency column.
        strict: Raise on the first bad row (True), or collect bad rows.
        pipelines: Check every deal or lead built against its pipeline, as
            :func:`from_records` does.

    Returns:
        The entities in row order; with ``strict=False`` a :class:`Built` with
        ``records`` and ``errors``.

    Raises:
        ValidationError: for a bad argument or a missing column, or (when
            *strict*) the first bad row: its paths name the row and field
            (``rows[12].closed_at``), its subject the row and its id.

    >>> import polars as pl
    >>> from salesmodel import Deal
    >>> frame = pl.DataFrame({"id": ["D-1", "D-2"], "name": ["Acme", "Bolt"],
    ...     "status": ["won", "open"], "stage": ["won", "qualification"],
    ...     "created_at": ["2026-01-05", "2026-01-07"], "closed_at": ["2026-02-02", None],
    ...     "amount": [1200.5, None], "currency": ["EUR", "EUR"]})
    >>> deals = from_frame(frame, Deal, tz="UTC")
    >>> deals[0].amount, deals[0].closed_at.isoformat(), deals[1].amount
    (Money('1200.5', 'EUR'), '2026-02-02T00:00:00+00:00', None)

    .. versionadded:: 0.1.0
    """
    _check_options(columns, defaults, strict)
    given = dict(columns or {})
    for name, column in given.items():
        if not isinstance(column, str):
            raise ValidationError.single(
                f"columns[{name!r}]",
                column,
                "a column name of the frame (a function of the row reads rows: use from_records)",
            )
    zone = _zone(tz, currency)
    attribute_columns = _attribute_columns(attributes)
    book = None if pipelines is None else PipelineBook(pipelines)
    from ._frame_columns import FrameColumns  # narwhals only when a frame is passed

    table = FrameColumns(frame)
    settings = (dict(defaults or {}), attribute_columns, zone, currency)
    plan = _plan(cls, given, *settings)
    paired = {
        f"{f.name}.currency": "currency"
        for f in plan.fields
        if f.kind is _money and "currency" in table and f"{f.name}.currency" not in given
    }
    if paired:
        plan = _plan(cls, {**given, **paired}, *settings)
    reader = _Columns(table, zone, currency)
    cells = [reader.field(f, given.get(f.name, f.name), attribute_columns) for f in plan.fields]
    out: list[T] = []
    if not reader.failures and book is None:
        try:
            out = list(map(plan.make, *cells))
        except ValidationError:
            out = []  # some row is bad: the loop below names it
        else:
            return out if strict else Built(out, ())
    names = [f.name for f in plan.fields]
    ids = cells[names.index("id")] if "id" in names else []
    errors: list[RowError] = []
    for n, values in enumerate(zip(*cells, strict=True)):
        issues = reader.failures.get(n)
        if issues is None:
            try:
                record = plan.make(*values)
            except ValidationError as error:
                issues = list(error.issues)
            else:
                found = () if book is None else book.issues(record)
                if not found:
                    out.append(record)
                    continue
                issues = list(found)
        record_id = ids[n] if ids and isinstance(ids[n], str) else None
        subject = f"{plan.subject} at row {n}" + (f" (id {record_id!r})" if record_id else "")
        bad = ValidationError([i.under(f"rows[{n}]") for i in issues], f"{subject} of the frame")
        if strict:
            raise bad
        errors.append(RowError(n, bad))
    return out if strict else Built(out, tuple(errors))


class _Columns:
    """Each field's converted cells, read from a frame's columns; the issues of
    cells that could not be converted, by row."""

    def __init__(self, table: Any, tz: dt.tzinfo | None, currency: str | None) -> None:
        self.table = table
        self.tz = tz
        self.currency = currency
        self.failures: dict[int, list[Issue]] = {}

    def fail(self, row: int, issue: Issue) -> None:
        self.failures.setdefault(row, []).append(issue)

    def column(self, field: str, name: str) -> list[Any]:
        """The cells of column *name*, for *field*, NaN cells failed."""
        table = self.table
        if name not in table:
            raise ValidationError.single(
                field,
                name,
                f"a column of the frame ({table.shown()}); map another with "
                f"columns={{{field!r}: ...}}",
            )
        for row in table.nan_rows(name):
            self.fail(row, Issue(field, math.nan, _NAN_EXPECTED))
        return table.values(name)  # type: ignore[no-any-return]

    def field(self, field: _Field, source: str, attribute_columns: Sequence[str]) -> list[Any]:
        table = self.table
        convert = field.convert
        if field.kind in _FINE:
            convert = _minor_units(field.name, convert)
        if field.function is not None:  # attributes, joined by attribute columns
            names = [source] if source in table else []
            names += attribute_columns
            lists = [self.column(f"attributes[{name!r}]", name) for name in names]
            rows = [dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)]
            function = field.function
            return self.converted(
                field.name,
                lambda row: convert(function(row)),
                rows or [{}] * table.height,
                cached=False,
            )
        if field.currency is not None:
            return self.amounts(field, convert)
        assert field.column is not None
        if field.column not in table and field.default is not attrs.NOTHING:
            return [field.default] * table.height
        if field.kind is _datetime and field.column in table and table.is_datetime(field.column):
            values: list[Any] = table.times(field.column, self.tz)
            if None not in values:  # each an aware datetime: the entity takes it as is
                return values
        else:
            values = self.column(field.name, field.column)
        if field.kind is _money:
            return self.converted(field.name, _Cache(convert, _AMOUNT_KEYS), values, cached=True)
        return self.converted(field.name, convert, values, kind=field.kind, cached=field.cached)

    def amounts(self, field: _Field, convert: Callable[[Any], Any]) -> list[Any]:
        """Money from an amount column and a currency column."""
        assert field.column is not None
        assert isinstance(field.currency, str)
        amounts = self.column(field.name, field.column)
        codes = self.column(f"{field.name}.currency", field.currency)
        wanted = self.currency
        if wanted is not None:
            # currency= says what the amounts are in: a row that says otherwise is bad.
            codes = [wanted if c is None else c for c in codes]
            for row, code in enumerate(codes):
                if code != wanted and not _missing(amounts[row]):
                    expected = f"{wanted!r}, the currency= given"
                    self.fail(row, Issue(f"{field.name}.currency", code, expected))
        distinct = set(codes)
        if len(distinct) == 1 and is_currency(code := next(iter(distinct))):
            # A decimal column whose scale the currency allows holds no finer amount;
            # with few enough whole digits too, each of its cells is a Money as it is.
            kind = self.table.decimal_type(field.column)
            fits = kind is not None and kind[1] <= minor_unit(code)
            exact = fits and kind is not None and kind[0] - kind[1] <= MONEY_DIGITS
            money = _in(field.name, code, convert, fits=fits, exact=exact)
            made = money.convert
            try:
                if exact:  # each Decimal cell a Money as it is: a call a row, no cache
                    return [
                        checked_money(a, code) if a.__class__ is Decimal else made(a)
                        for a in amounts
                    ]
                if self.table.is_float(field.column):
                    # Floats seldom repeat: each is read once by its repr, not cached.
                    places = minor_unit(code)
                    plain = functools.partial(plain_float_money, currency=code, places=places)
                    return [
                        m if m is not None else made(a)
                        for m, a in zip(map(plain, amounts), amounts, strict=True)
                    ]
            except Exception:  # noqa: BLE001, S110 - some cell is bad: converted() names it
                pass
            return self.converted(field.name, money, amounts, cached=True)
        pairs = list(zip(amounts, codes, strict=True))
        return self.converted(field.name, convert, pairs, cached=False)

    def converted(
        self,
        name: str,
        convert: Callable[[Any], Any] | _Cache,
        values: list[Any],
        *,
        cached: bool,
        kind: _Kind | None = None,
    ) -> list[Any]:
        """*values* converted; a cell that cannot be is failed (and left MISSING)."""
        plain = convert.convert if isinstance(convert, _Cache) else convert
        lookup = convert if isinstance(convert, _Cache) else _Cache(plain)
        try:
            if kind is _text:
                # what the entity takes as is: a non-empty str (a blank one is empty)
                return [
                    v if v.__class__ is str and v and not v[0].isspace() else plain(v)
                    for v in values
                ]
            if kind is _datetime:
                # a time as text is seldom repeated: converted, not cached (a date is)
                return [
                    v
                    if v.__class__ is dt.datetime and v.tzinfo is not None
                    else plain(v)
                    if v.__class__ is str and len(v) > _DATE_LENGTH
                    else lookup[v]
                    for v in values
                ]
            if cached:
                return [lookup[v] for v in values]
            return list(map(plain, values))
        except Exception:  # noqa: BLE001 - some cell is bad: convert one by one to name it
            out = []
            for row, value in enumerate(values):
                try:
                    out.append(plain(value))
                except _Bad as bad:
                    self.fail(row, bad.issue)
                    out.append(MISSING)
                except ValidationError as error:  # a value's own type refused it (Money)
                    given = value[0] if type(value) is tuple else value  # (amount, currency)
                    self.fail(row, Issue(name, given, error.issues[0].expected))
                    out.append(MISSING)
            return out


def _in(
    field: str,
    currency: str,
    convert: Callable[[Any], Any],
    *,
    fits: bool = False,
    exact: bool = False,
) -> _Cache:
    """Money in *currency* from an amount (by an ``(amount, currency)`` *convert*),
    each distinct amount converted once; with *fits*, every amount is known to
    have no more places than the currency allows, and with *exact*, every Decimal
    to be one Money holds as it is."""

    places = minor_unit(currency)

    def money(amount: Any) -> Any:
        if exact and type(amount) is Decimal:
            return checked_money(amount, currency)
        if (
            type(amount) is float
            and (made := plain_float_money(amount, currency, places)) is not None
        ):
            return made
        try:
            made = Money(amount, currency)  # what convert makes of a good amount
        except ValidationError:
            return convert((amount, currency))  # None for an empty cell, or the issue
        return made if fits else _in_minor_unit(field, made, amount)

    return _Cache(money, _AMOUNT_KEYS)


def _minor_units(field: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """*convert*, refusing Money finer than its currency's minor unit."""

    def minor_units(value: Any) -> Any:
        return _in_minor_unit(field, convert(value), value[0] if type(value) is tuple else value)

    return minor_units


def _in_minor_unit(field: str, value: Any, given: Any) -> Any:
    """*value*, unless it is Money finer than its currency's minor unit (a frame's
    float columns make 0.1 + 0.2 easy to store)."""
    if type(value) is Money:
        places = minor_unit(value.currency)
        text = str(value.amount)  # cheaper than as_tuple(): "1200.50" has 2 places
        point = text.find(".")
        if "E" not in text and (point < 0 or len(text) - point - 1 <= places):
            return value
        _, digits, exponent = value.amount.as_tuple()
        finer = -exponent - places  # type: ignore[operator]
        if finer > 0 and any(digits[-finer:]):
            expected = (
                f"an amount with at most {places} decimal places, the minor unit of "
                f"{value.currency}"
            )
            raise _Bad(Issue(field, given, expected))
    return value
