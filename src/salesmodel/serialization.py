"""Lossless conversion between salesmodel objects and JSON-compatible primitives.

Built on cattrs: :func:`make_converter` gives a fresh :class:`cattrs.Converter`
that knows every salesmodel type, :func:`configure_converter` teaches an existing
one (your application's), and :func:`to_dict` / :func:`from_dict` use the shared
:data:`converter`. cattrs' global converter is never touched.

The primitives: Decimal as a string (``"12.50"``), datetimes as ISO 8601 with
their UTC offset, dates as ISO dates, durations as ISO 8601 durations (``"P14D"``),
enums by value, tuples as lists, :class:`Money` as
``{"amount": "12.50", "currency": "EUR"}``.

Structuring is strict, for API payloads: unknown keys, missing required fields,
wrong types and broken invariants all end in one :class:`ValidationError` that
lists every offending path.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from . import enums
from ._book import PipelineBook, Pipelines
from ._checks import Record, collect, maker, plan_of
from ._time import iso_datetime
from ._vocabulary import well_known
from .attributes import EMPTY_ATTRIBUTES, Attributes, attribute_issues, plain_str
from .entities import Deal, Lead
from .errors import MAX_ISSUES, MISSING, Issue, ValidationError, short_repr
from .money import (
    CURRENCY_EXPECTED,
    PLAIN_AMOUNT_EXPECTED,
    PLAIN_NUMBER_EXPECTED,
    Money,
    RateTable,
    amount_expected,
    is_currency,
    plain_amount,
    plain_money,
)
from .pipeline import (
    GUARD_MESSAGE_EXPECTED,
    GUARD_NAME_EXPECTED,
    PIPELINE_NAME_EXPECTED,
    Guard,
    Pipeline,
    Stage,
    _label,
)

__all__ = ["configure_converter", "converter", "from_dict", "make_converter", "to_dict"]

T = TypeVar("T")
StructureHook = Callable[[Any, Any], Any]
UnstructureHook = Callable[[Any], Any]

_OUR_ENUMS: Final = frozenset(
    e for e in vars(enums).values() if isinstance(e, type) and issubclass(e, StrEnum)
)
_PASS_THROUGH: Final = frozenset({str, bool, int, type(None)})


# --- values ------------------------------------------------------------------------


def _fail(value: object, expected: str) -> ValidationError:
    return ValidationError.single("$", value, expected)


_DATETIME_EXPECTED: Final = (
    "an ISO 8601 datetime with a UTC offset, e.g. '2026-01-05T09:30:00+01:00'"
)


def structure_datetime(value: Any, _: Any = None) -> datetime:
    """An aware datetime from its ISO 8601 text (an aware datetime passes)."""
    if type(value) is str:
        try:
            parsed = iso_datetime(value)
        except ValueError:
            raise _fail(value, _DATETIME_EXPECTED) from None
        if parsed.utcoffset() is None:
            raise _fail(value, _DATETIME_EXPECTED)
        return parsed
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    raise _fail(value, _DATETIME_EXPECTED)


def structure_date(value: Any, _: Any = None) -> date:
    """A date from its ISO 8601 text (a date passes)."""
    if type(value) is str:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    elif type(value) is date:
        return value
    raise _fail(value, "an ISO 8601 date, e.g. '2026-01-05'")


class _DayText(dict[int, str]):
    """``"2026-01-05T"`` by proleptic ordinal, made on first use."""

    def __missing__(self, ordinal: int) -> str:
        if len(self) > 65_536:  # about 180 years of days: a bound, never reached in practice
            self.clear()
        text = self[ordinal] = date.fromordinal(ordinal).isoformat() + "T"
        return text


class _OffsetText(dict[timezone, str]):
    """``"+02:00"`` by fixed-offset zone, made on first use."""

    def __missing__(self, zone: timezone) -> str:
        if len(self) > 1_024:
            self.clear()
        text = self[zone] = datetime(2000, 1, 1, tzinfo=zone).isoformat()[19:]
        return text


_DAYS: Final = _DayText()
_OFFSETS: Final = _OffsetText()
_TWO_DIGITS: Final = tuple(f"{n:02d}" for n in range(60))


def format_datetime(value: datetime) -> str:
    """*value* as ``value.isoformat()`` writes it, about three times as fast.

    CPython's ``isoformat`` takes 2.5 µs here for an aware datetime, most of a
    record's dump; a record's datetimes have fixed-offset zones, so the text is
    put together from the day's and the offset's (each made once) and the clock.
    """
    zone = value.tzinfo
    # a subclass (pandas' Timestamp), a naive one, a zone of one's own: its own text
    if type(value) is not datetime or type(zone) is not timezone:
        return value.isoformat()
    micro = value.microsecond
    digits = _TWO_DIGITS
    return (
        f"{_DAYS[value.toordinal()]}{digits[value.hour]}:{digits[value.minute]}:"
        f"{digits[value.second]}{f'.{micro:06d}' if micro else ''}{_OFFSETS[zone]}"
    )


_DURATION: Final = re.compile(
    r"P(?:(?P<w>\d{1,6})W)?(?:(?P<d>\d{1,9})D)?"
    r"(?:T(?:(?P<h>\d{1,9})H)?(?:(?P<m>\d{1,9})M)?(?:(?P<s>\d{1,9}(?:\.\d{1,6})?)S)?)?"
)


def format_duration(value: timedelta) -> str:
    """*value* as an ISO 8601 duration, e.g. ``"P14D"`` or ``"P1DT2H30M"``."""
    if value < timedelta(0):
        raise ValueError(f"negative duration {value!r}")
    seconds = value.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if secs or value.microseconds:
        frac = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        time += f"{secs}{frac}S"
    text = "P" + (f"{value.days}D" if value.days else "") + (f"T{time}" if time else "")
    return "PT0S" if text == "P" else text


def structure_duration(value: Any, _: Any = None) -> timedelta:
    """A timedelta from an ISO 8601 duration such as ``"P14D"`` (no years or
    months: their length varies)."""
    if type(value) is timedelta:
        return value
    match = _DURATION.fullmatch(value) if type(value) is str else None
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise _fail(value, "an ISO 8601 duration in weeks, days and time, e.g. 'P14D' or 'PT36H'")
    part = match.groupdict(default="0")
    try:
        return timedelta(
            weeks=int(part["w"]),
            days=int(part["d"]),
            hours=int(part["h"]),
            minutes=int(part["m"]),
            seconds=float(Decimal(part["s"])) if "." in part["s"] else int(part["s"]),
        )
    except OverflowError:
        raise _fail(value, "a duration shorter than 999,999,999 days") from None


def structure_decimal(value: Any, _: Any = None) -> Decimal:
    """A finite Decimal from a str written plainly (``"12.50"``, ``"1E+3"``), an
    int, a float or a Decimal (a float only with at most 15 significant digits: a
    longer one may have lost digits)."""
    number = plain_amount(value) if type(value) is not bool else None
    if number is None:
        raise _fail(value, _number_expected(value))
    return number


def _amount_expected(value: Any) -> str:
    if type(value) is float:
        return amount_expected(value)
    return PLAIN_AMOUNT_EXPECTED


def _number_expected(value: Any) -> str:
    if type(value) is float:
        return amount_expected(value)
    return f"a finite decimal number such as '12.50', {PLAIN_NUMBER_EXPECTED}"


def unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def structure_money(value: Any, _: Any = None) -> Money:
    """Money from ``{"amount": "12.50", "currency": "EUR"}`` (an amount as text
    written plainly: see :func:`~salesmodel.money.plain_amount`)."""
    if type(value) is dict and len(value) == 2:
        try:
            amount = value["amount"]
            if type(amount) is not bool:
                return plain_money(amount, value["currency"])
        except (KeyError, ValidationError):
            pass  # the checks below name every problem
    elif type(value) is Money:
        return value
    if not isinstance(value, Mapping):
        raise _fail(value, "a Money object such as {'amount': '12.50', 'currency': 'EUR'}")
    issues = [
        Issue(str(key), value[key], "one of the Money fields: 'amount', 'currency'")
        for key in value
        if key not in ("amount", "currency")
    ]
    amount = value.get("amount", MISSING)
    currency = value.get("currency", MISSING)
    if amount is MISSING or type(amount) is bool or plain_amount(amount) is None:
        issues.append(Issue("amount", amount, _amount_expected(amount)))
    if not is_currency(currency):
        issues.append(Issue("currency", currency, CURRENCY_EXPECTED))
    if issues:
        raise ValidationError(issues, "Money")
    return Money(amount, currency)


def structure_attributes(value: Any, _: Any = None) -> Attributes:
    """Attributes from a JSON object of scalars."""
    if type(value) is dict:
        return Attributes(value) if value else EMPTY_ATTRIBUTES
    if type(value) is Attributes:
        return value
    raise ValidationError(attribute_issues(value), "Attributes")


def unstructure_rates(value: RateTable) -> dict[str, str]:
    return {f"{source}/{target}": str(rate) for (source, target), rate in value.items()}


def structure_rates(value: Any, _: Any = None) -> RateTable:
    """A RateTable from ``{"EUR/USD": "1.08"}``."""
    if type(value) is RateTable:
        return value
    if not isinstance(value, Mapping):
        raise _fail(value, "a mapping such as {'EUR/USD': '1.08'}")
    pairs: dict[tuple[str, str], Any] = {}
    issues = []
    for key, rate in value.items():
        source, slash, target = key.partition("/") if type(key) is str else ("", "", "")
        if not slash:
            issues.append(Issue(repr(key), key, "a currency pair such as 'EUR/USD'"))
        elif type(rate) is bool:
            issues.append(Issue(key, rate, "a positive finite rate"))
        elif isinstance(rate, str) and plain_amount(rate) is None:
            expected = f"a positive finite rate such as '1.08', {PLAIN_NUMBER_EXPECTED}"
            issues.append(Issue(key, rate, expected))
        else:
            pairs[source, target] = rate
    if issues:
        raise ValidationError(issues, "RateTable")
    return RateTable(pairs)


def _enum_hooks(enum: type[StrEnum]) -> tuple[StructureHook, UnstructureHook]:
    by_value: dict[Any, StrEnum] = {m.value: m for m in enum}
    allowed = ", ".join(repr(v) for v in by_value)

    def structure(value: Any, _: Any = None) -> StrEnum:
        member = by_value.get(value) if type(value) is str or type(value) is enum else None
        if member is None:
            raise _fail(value, f"one of {allowed}")
        return member

    return structure, _enum_value


def _enum_value(value: StrEnum) -> str:
    return value.value


def _open_enum_hooks(enum: type[StrEnum]) -> tuple[StructureHook, UnstructureHook]:
    vocabulary = well_known(enum)

    def structure(value: Any, _: Any = None) -> Any:
        if type(value) is not str and type(value) is not enum:
            raise _fail(value, f"a {enum.__name__} value or another non-blank str")
        return vocabulary.get(value, value)

    return structure, str


# --- records -----------------------------------------------------------------------


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) in (Union, types.UnionType):
        return get_args(tp)
    return None


def _open_enum_of(tp: Any) -> type[StrEnum] | None:
    """The enum of ``E | str`` (optionally ``| None``), if *tp* is one."""
    args = _union_args(tp)
    if args is None:
        return None
    rest = set(args) - {str, type(None)}
    if str in args and len(rest) == 1:
        (only,) = rest
        if only in _OUR_ENUMS:
            return only  # type: ignore[no-any-return]
    return None


def _is_passthrough(tp: Any) -> bool:
    args = _union_args(tp)
    return tp in _PASS_THROUGH or (args is not None and set(args) <= _PASS_THROUGH)


def _optional_inner(tp: Any) -> Any:
    """``X`` for ``X | None`` with a single X; None otherwise."""
    args = _union_args(tp)
    if args is not None and type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None))
    return None


def _mixed_hooks(conv: cattrs.Converter, tp: Any) -> tuple[StructureHook, UnstructureHook]:
    """Hooks for a union such as ``bool | Money | None`` or ``Money | int | Decimal``:
    structure by the JSON shape of the input, unstructure by the runtime type."""
    args = _union_args(tp) or ()
    objects = [a for a in args if a is Money or (isinstance(a, type) and issubclass(a, Record))]
    has_decimal = Decimal in args
    plain = {a for a in args if a in _PASS_THROUGH}
    expected = " or ".join(getattr(a, "__name__", repr(a)) for a in args)

    def structure(value: Any, _: Any = None) -> Any:
        kind = type(value)
        if kind is dict and len(objects) == 1:
            return conv.structure(value, objects[0])
        if has_decimal and (kind is str or kind is float or kind is Decimal):
            return structure_decimal(value)
        if kind in plain or kind in args:
            return value
        raise _fail(value, expected)

    def unstructure(value: Any) -> Any:
        if type(value) is Decimal:
            return str(value)
        return conv.unstructure(value)

    return structure, unstructure


def _field_structurer(conv: cattrs.Converter, tp: Any) -> StructureHook | None:
    """The hook that turns JSON into a field's value; None when the JSON value is
    the Python value already (the entity's own rules then judge it)."""
    if _is_passthrough(tp):
        return None
    inner = _optional_inner(tp)
    if inner is not None and _open_enum_of(tp) is None:
        hook = _field_structurer(conv, inner)
        assert hook is not None  # a pass-through inner type makes the union pass through
        return _optional_structurer(hook, inner)
    if get_origin(tp) is tuple:
        (item, _dots) = get_args(tp)
        item_hook = _field_structurer(conv, item)
        return _tuple_structurer(item_hook, item)
    return conv.get_structure_hook(tp)


def _optional_structurer(hook: StructureHook, inner: Any) -> StructureHook:
    def structure(value: Any, _: Any = None) -> Any:
        return None if value is None else hook(value, inner)

    return structure


def _tuple_structurer(
    item_hook: StructureHook | None,
    item: Any,
    make: type[list[Any]] | type[tuple[Any, ...]] = tuple,
    subject: str | None = None,
) -> StructureHook:
    def structure(value: Any, _: Any = None) -> Any:
        if not value and type(value) is list:
            return make(())
        if type(value) is make and item_hook is None:
            return value
        if not isinstance(value, (list, tuple)):
            raise _fail(value, "a list")
        if item_hook is None:
            return make(value)
        out: list[Any] = []
        issues: list[Issue] = []
        more = 0
        for i, x in enumerate(value):
            try:
                out.append(item_hook(x, item))
            except ValidationError as exc:
                issues.extend(issue.under(f"[{i}]") for issue in exc.issues)
                more += exc.more
                if len(issues) >= MAX_ISSUES or exc.stopped:
                    # Fail fast: a list of 200,000 bad items says no more after 100.
                    stopped = i < len(value) - 1 or exc.stopped
                    raise ValidationError(issues, subject, more=more, stopped=stopped) from None
        if issues:
            raise ValidationError(issues, subject, more=more)
        return make(out)

    return structure


def _field_unstructurer(conv: cattrs.Converter, tp: Any) -> UnstructureHook | None:
    if _is_passthrough(tp):
        return None
    open_enum = _open_enum_of(tp)
    if open_enum is not None:
        return lambda v: None if v is None else str(v)
    inner = _optional_inner(tp)
    if inner is not None:
        hook = _field_unstructurer(conv, inner)
        assert hook is not None  # a pass-through inner type makes the union pass through
        return lambda v: None if v is None else hook(v)
    if get_origin(tp) is tuple:
        item_hook = _field_unstructurer(conv, get_args(tp)[0])
        if item_hook is None:
            return list
        return lambda v: [item_hook(x) for x in v]
    if _union_args(tp) is not None:
        return _mixed_hooks(conv, tp)[1]
    return conv.get_unstructure_hook(tp)


def _enum_lookup(tp: Any) -> dict[Any, StrEnum] | None:
    """Value → member for a field holding one of our enums (open or not)."""
    enum = _open_enum_of(tp) or (tp if tp in _OUR_ENUMS else None)
    if enum is None:
        enum = _optional_inner(tp) if _optional_inner(tp) in _OUR_ENUMS else None
    return None if enum is None else {m.value: m for m in enum}


def _record_structure_hook(cls: type[T], conv: cattrs.Converter) -> StructureHook:
    """A fast structuring function for *cls*, falling back to a detailed pass that
    lists every problem when anything is wrong.

    The fast pass only converts; the class's compiled checks judge the values, and
    any failure at all sends the input to the detailed pass.
    """
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var,arg-type]
    namespace: dict[str, Any] = {
        "_MISSING": MISSING,
        "_Money": plain_money,
        "_iso": iso_datetime,
        "_fromiso": datetime.fromisoformat,
    }
    hooks = _field_hooks(cls, conv)
    body, made = _fast_body(cls, conv, hooks, "d", "", namespace)
    namespace["_detailed"] = _detailed_structurer(cls, fields, hooks)
    source = "\n".join(
        [
            "def structure(d, _=None):",
            "  if type(d) is dict and _known.issuperset(d):",
            "   try:",
            *(f"    {line}" for line in body),
            f"    return {made}",
            "   except Exception:",
            "    pass  # the detailed pass reports it",
            "  return _detailed(d)",
        ]
    )
    exec(source, namespace)
    structure = namespace["structure"]
    structure.__salesmodel_record__ = cls  # its body may be written inline (_fast_body)
    return structure  # type: ignore[no-any-return]


def _own_hook(conv: cattrs.Converter, cls: type) -> bool:
    """Whether *conv* structures *cls* by the hook this module made for it (and
    not by one of the caller's own)."""
    return getattr(conv.get_structure_hook(cls), "__salesmodel_record__", None) is cls


def _field_hooks(cls: type, conv: cattrs.Converter) -> dict[str, StructureHook | None]:
    """The structuring hook of each of *cls*'s fields (None: taken as given)."""
    fields = attrs.fields(attrs.resolve_types(cls))
    return {f.name: _field_structurer(conv, f.type) for f in fields}


def _fast_body(
    cls: type,
    conv: cattrs.Converter,
    hooks: Mapping[str, StructureHook | None],
    data: str,
    prefix: str,
    namespace: dict[str, Any],
) -> tuple[list[str], str]:
    """The lines that read *cls*'s fields from the dict *data* (already known to
    have no unknown key) into locals named *prefix* + field, and the expression
    that makes the record of them. Its globals go into *namespace*, named with
    *prefix* too, so that a record's items can be read inline in its own body."""
    fields = attrs.fields(attrs.resolve_types(cls))
    namespace[f"_make{prefix}"] = maker(cls)
    namespace[f"_known{prefix}"] = frozenset(f.name for f in fields)
    get = f"get{prefix}"
    body = [f"{get} = {data}.get"]
    for f in fields:
        name, key = f"{prefix}{f.name}", f.name
        hook, lookup, inner = hooks[f.name], _enum_lookup(f.type), _optional_inner(f.type)
        if f.default is attrs.NOTHING:
            body.append(f"{name} = {data}[{key!r}]")
        else:
            namespace[f"_d_{name}"] = f.default
            body.append(f"{name} = {get}({key!r}, _d_{name})")
        # The commonest types are converted inline; a lax conversion is fine here,
        # since the record's checks judge the result and failures go to _detailed.
        if f.type is Money or inner is Money:
            # None stays None (the record's rule judges whether None is allowed).
            body.append(f"if {name} is not None:")
            body.append(f"    if len({name}) != 2: raise KeyError  # an unknown key")
            body.append(f"    {name} = _Money({name}['amount'], {name}['currency'])")
        elif f.type is datetime or (f.default is None and inner is datetime):
            # an offset ending ":MM" has no fraction of a second, which alone
            # fromisoformat misreads (see iso_datetime): the common case, no call
            body.append(f"if {name} is not None:")
            body.append(f"    {name} = _fromiso({name}) if {name}[-3] == ':' else _iso({name})")
        elif lookup is not None:  # a dict lookup, not a call (unhashable input raises)
            namespace[f"_m_{name}"] = lookup
            body.append(f"{name} = _m_{name}.get({name}, {name})")
        elif hook is not None:
            namespace[f"_s_{name}"], namespace[f"_t_{name}"] = hook, f.type
            skip = f"{name} is not _d_{name}" if f.default is not attrs.NOTHING else ""
            if f.default is None:
                skip = f"{name} is not None"
            call = f"{name} = _s_{name}({name}, _t_{name})"
            item: Any = get_args(f.type)[0] if get_origin(f.type) is tuple else None
            if _is_record(item) and _own_hook(conv, item):
                # A list of our records, read inline item by item (no call an
                # item): on any failure, the detailed pass names the item.
                x = f"{name}_"
                lines, made = _fast_body(
                    item, conv, _field_hooks(item, conv), x, f"{x}_", namespace
                )
                body += [
                    f"if {skip}:" if skip else "if True:",
                    f"    if type({name}) is list:",
                    f"        {name}_all = []",
                    f"        for {x} in {name}:",
                    f"            if type({x}) is not dict or not _known{x}_.issuperset({x}):",
                    "                raise KeyError  # not a dict, or an unknown key",
                    *(f"            {line}" for line in lines),
                    f"            {name}_all.append({made})",
                    f"        {name} = tuple({name}_all)",
                    f"    else: {call}",
                ]
            else:
                body.append(f"if {skip}: {call}" if skip else call)
    return body, f"_make{prefix}({', '.join(prefix + f.name for f in fields)})"


def _detailed_structurer(
    cls: type[T], fields: Any, hooks: Mapping[str, StructureHook | None]
) -> Callable[[Any], T]:
    subject = cls.__name__
    plan = plan_of(cls)
    order = {f.name: i for i, f in enumerate(fields)}
    expected = {name: rule.expected for name, rule, _ in plan.rules}
    known = ", ".join(order)

    def detailed(data: Any) -> T:
        if not isinstance(data, Mapping):
            raise ValidationError.single("$", data, f"a mapping of {subject} fields", subject)
        issues: list[Issue] = []
        values: dict[str, Any] = {}
        more, stopped = 0, False
        for f in fields:
            if f.name not in data:
                if f.default is attrs.NOTHING:
                    issues.append(Issue(f.name, MISSING, "given (it is required)"))
                else:
                    values[f.name] = f.default
                continue
            raw = data[f.name]
            hook = hooks[f.name]
            try:
                values[f.name] = raw if hook is None else hook(raw, f.type)
            except ValidationError as exc:
                issues.extend(issue.under(f.name) for issue in exc.issues)
                more += exc.more
                stopped = stopped or exc.stopped
            except Exception:  # noqa: BLE001 - any other failure is this field's fault
                issues.append(Issue(f.name, raw, expected[f.name]))
        for key in data:
            if key not in order:
                if len(issues) >= MAX_ISSUES:  # count the rest, no need to describe them
                    more += 1
                    continue
                path = key if type(key) is str else short_repr(key)
                issues.append(Issue(path, data[key], f"one of the {subject} fields ({known})"))
        found, _ = collect(plan, values)
        issues.extend(found)
        if issues:
            issues.sort(key=lambda i: order.get(i.path.split(".")[0].split("[")[0], len(order)))
            raise ValidationError(issues, subject, more=more, stopped=stopped)
        try:
            return cls(**values)
        except ValidationError:  # pragma: no cover - collect() above ran these same checks
            raise
        except Exception as exc:  # pragma: no cover - a defect, reported not leaked
            raise ValidationError.single(
                "$", data, f"valid {subject} data ({exc!r})", subject
            ) from exc

    return detailed


def _record_unstructure_hook(cls: type[T], conv: cattrs.Converter) -> UnstructureHook:
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var,arg-type]
    namespace: dict[str, Any] = {"_str": str, "_isoformat": format_datetime}
    items = []
    lines = ["def unstructure(o):"]
    for f in fields:
        name = f.name
        inner = _optional_inner(f.type)
        if _open_enum_of(f.type) is not None:  # a member or a str of one's own: its text
            items.append(f"{name!r}: None if o.{name} is None else _str(o.{name})")
        elif inner is not None:  # None stays None, the rest as the inner type
            value = _unstructure_expr(conv, inner, name, f"_u_{name}", namespace)
            if value == name:
                items.append(f"{name!r}: o.{name}")
            else:
                lines.append(f"    {name} = o.{name}")
                lines.append(f"    if {name} is not None: {name} = {value}")
                items.append(f"{name!r}: {name}")
        else:
            items.append(
                f"{name!r}: {_unstructure_expr(conv, f.type, f'o.{name}', f'_u_{name}', namespace)}"
            )
    source = "\n".join(lines) + "\n    return {" + ", ".join(items) + "}"
    exec(source, namespace)
    return namespace["unstructure"]  # type: ignore[no-any-return]


#: salesmodel's own unstructure hooks, written inline in a record's hook (a
#: call a field saved); a hook the caller registered instead is called.
_INLINE_UNSTRUCTURE: Final[dict[Any, str]] = {
    format_datetime: "_isoformat({v})",
    date.isoformat: "{v}.isoformat()",
    unstructure_money: "{'amount': _str({v}.amount), 'currency': {v}.currency}",
    _enum_value: "{v}._value_",
    Attributes.to_dict: "{v}.to_dict()",
}


def _unstructure_expr(
    conv: cattrs.Converter, tp: Any, value: str, hook_name: str, namespace: dict[str, Any]
) -> str:
    """The expression that unstructures *value* (an expression) of type *tp*."""
    if _is_passthrough(tp):
        return value
    if get_origin(tp) is tuple and _is_record(get_args(tp)[0]):
        namespace[hook_name] = conv.get_unstructure_hook(get_args(tp)[0])
        return f"[{hook_name}(x) for x in {value}]"
    hook = _field_unstructurer(conv, tp)
    try:
        inline = _INLINE_UNSTRUCTURE.get(hook)
    except TypeError:  # an unhashable hook of one's own
        inline = None
    if inline is not None:
        return inline.replace("{v}", value)
    namespace[hook_name] = hook
    return f"{hook_name}({value})"


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Record) and attrs.has(tp)


def _is_list_of_records(tp: Any) -> bool:
    """``list[Deal]`` or ``tuple[Deal, ...]``."""
    args = get_args(tp)
    if get_origin(tp) is list and len(args) == 1:
        return _is_record(args[0])
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is ... and _is_record(args[0])


def _list_of_records_hook(tp: Any, conv: cattrs.Converter) -> StructureHook:
    """Records in a list, failing fast (cattrs' own hook would describe every
    bad item of a list of 200,000)."""
    item = get_args(tp)[0]
    make = list if get_origin(tp) is list else tuple
    return _tuple_structurer(conv.get_structure_hook(item), item, make, make.__name__)


# --- pipelines ---------------------------------------------------------------------

_GUARD_FIELDS: Final = ("name", "into", "fields", "message")
_PIPELINE_FIELDS: Final = (
    "id",
    "name",
    "stages",
    "transitions",
    "allow_skip",
    "allow_back",
    "reopen_to",
    "lost_requires_reason",
    "guards",
    "entry_stages",
    "kind",
)
#: The record kinds a serialised pipeline may name (a class of your own cannot be
#: written as JSON, as a guard's predicate cannot).
_KINDS: Final = {"deal": Deal, "lead": Lead}
#: The policy flags of a pipeline and their defaults.
_PIPELINE_FLAGS: Final = (
    ("allow_skip", False),
    ("allow_back", True),
    ("lost_requires_reason", True),
)


def _predicate_issue(guard: Guard, path: str = "predicate") -> Issue:
    return Issue(
        path,
        guard.predicate,
        f"None to serialise guard {guard.name!r}: a Python predicate has no JSON form "
        "(express the condition with fields=, or add the guard in code after loading)",
    )


def unstructure_guard(guard: Guard) -> dict[str, Any]:
    """A :class:`Guard` as ``{"name", "into", "fields", "message"}``.

    Raises:
        ValidationError: for a guard with a Python ``predicate``, which has no
            data form (express the condition with ``fields``, or add the guard
            in code after loading).

    .. versionadded:: 0.1.0
    """
    if guard.predicate is not None:
        raise ValidationError([_predicate_issue(guard)], "Guard")
    return {
        "name": guard.name,
        "into": list(guard.into),
        "fields": list(guard.fields),
        "message": guard.message,
    }


def _names(value: Any, path: str, what: str, issues: list[Issue]) -> tuple[str, ...]:
    """A list of non-empty str (stage ids, field names) as a tuple; every bad
    item is an issue."""
    if type(value) is not list and type(value) is not tuple:
        issues.append(Issue(path, value, f"a list of {what}s"))
        return ()
    for i, item in enumerate(value):
        if type(item) is not str or not item.strip():
            issues.append(Issue(f"{path}[{i}]", item, f"a non-empty str ({what})"))
            if len(issues) > MAX_ISSUES:
                break
    return tuple(value)


def _key_path(key: object) -> str:
    return key if type(key) is str else repr(key)


def _guard_issues(value: Any) -> tuple[Guard | None, list[Issue]]:
    """A Guard from its data, or None and every issue."""
    if type(value) is Guard:
        return value, []
    if not isinstance(value, Mapping):
        known = ", ".join(_GUARD_FIELDS)
        return None, [Issue("$", value, f"a mapping of Guard fields ({known})")]
    issues: list[Issue] = []
    name = value.get("name", MISSING)
    if name is MISSING:
        issues.append(Issue("name", MISSING, "given (it is required)"))
    elif not _label(plain_str(name)):
        issues.append(Issue("name", name, GUARD_NAME_EXPECTED))
    into = _names(value.get("into", []), "into", "stage id", issues)
    fields = _names(value.get("fields", []), "fields", "field name", issues)
    message = value.get("message")
    if message is not None and not _label(plain_str(message), lines=True):
        issues.append(Issue("message", message, GUARD_MESSAGE_EXPECTED))
    for key in value:
        if key == "predicate":
            expected = (
                "absent: a Python predicate cannot be loaded from data (add the guard in code)"
            )
            issues.append(Issue("predicate", value[key], expected))
        elif key not in _GUARD_FIELDS:
            known = ", ".join(_GUARD_FIELDS)
            issues.append(Issue(_key_path(key), value[key], f"one of the Guard fields ({known})"))
    if issues:
        return None, issues
    # Passed as a mapping: Guard's untyped tuple converter reads as generic to mypy.
    given: dict[str, Any] = {"name": name, "into": into, "fields": fields, "message": message}
    return Guard(**given), []


def structure_guard(value: Any, _: Any = None) -> Guard:
    """A :class:`Guard` from ``{"name": ..., "into": [...], "fields": [...],
    "message": ...}`` (``into``, ``fields`` and ``message`` optional).

    Raises:
        ValidationError: listing every bad field; a ``predicate`` key is one.

    .. versionadded:: 0.1.0
    """
    guard, issues = _guard_issues(value)
    if guard is None:
        raise ValidationError(issues, "Guard")
    return guard


def _stage_map(value: Any, path: str, issues: list[Issue]) -> dict[str, tuple[str, ...]]:
    """``{stage_id: [stage_id, ...]}`` from its data; every bad part is an issue."""
    if not isinstance(value, Mapping):
        issues.append(Issue(path, value, "a mapping of stage id to a list of stage ids"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, targets in value.items():
        if len(issues) > MAX_ISSUES:
            break
        where = f"{path}[{short_repr(key)}]"
        if type(key) is not str or not key.strip():
            issues.append(Issue(where, key, "a non-empty str (a stage id)"))
            continue
        out[key] = _names(targets, where, "stage id", issues)
    return out


def _pipeline_hooks(conv: cattrs.Converter) -> tuple[StructureHook, UnstructureHook]:
    """Hooks for :class:`Pipeline`: a JSON object of its definition, stages by
    the Stage hooks of *conv*; loading runs the pipeline's definition checks."""
    known = ", ".join(_PIPELINE_FIELDS)

    def unstructure(pipeline: Pipeline) -> dict[str, Any]:
        issues = [
            _predicate_issue(guard, f"guards[{i}].predicate")
            for i, guard in enumerate(pipeline.guards)
            if guard.predicate is not None
        ]
        kind = next((name for name, cls in _KINDS.items() if cls is pipeline.kind), None)
        if pipeline.kind is not None and kind is None:
            expected = "None, Deal or Lead to write as JSON (a class of your own cannot be)"
            issues.append(Issue("kind", pipeline.kind, expected))
        if issues:
            raise ValidationError(issues, "Pipeline")
        transitions = pipeline.transitions
        return {
            "id": pipeline.id,
            "name": pipeline.name,
            "stages": [conv.unstructure(stage, Stage) for stage in pipeline.stages],
            "transitions": (
                None if transitions is None else {k: list(v) for k, v in transitions.items()}
            ),
            "allow_skip": pipeline.allow_skip,
            "allow_back": pipeline.allow_back,
            "reopen_to": {k: list(v) for k, v in pipeline.reopen_to.items()},
            "lost_requires_reason": pipeline.lost_requires_reason,
            "guards": [unstructure_guard(guard) for guard in pipeline.guards],
            "entry_stages": list(pipeline.entry_stages),
            "kind": kind,
        }

    def structure(data: Any, _: Any = None) -> Pipeline:
        if type(data) is Pipeline:
            return data
        if not isinstance(data, Mapping):
            raise ValidationError.single(
                "$", data, f"a mapping of Pipeline fields ({known})", "Pipeline"
            )
        issues: list[Issue] = []
        pipeline_id = data.get("id", MISSING)
        if pipeline_id is MISSING:
            issues.append(Issue("id", MISSING, "given (it is required)"))
        elif type(pipeline_id) is not str or not pipeline_id.strip():
            issues.append(Issue("id", pipeline_id, "a non-empty str"))
        name = data.get("name")
        if name is not None and not _label(plain_str(name)):
            issues.append(Issue("name", name, PIPELINE_NAME_EXPECTED))
        raw_stages = data.get("stages", MISSING)
        stages: list[Stage] = []
        if raw_stages is MISSING:
            issues.append(Issue("stages", MISSING, "given (it is required)"))
        elif type(raw_stages) is not list and type(raw_stages) is not tuple:
            issues.append(Issue("stages", raw_stages, "a list of stages"))
        else:
            for i, raw in enumerate(raw_stages):
                try:
                    stages.append(conv.structure(raw, Stage))
                except ValidationError as exc:
                    issues.extend(issue.under(f"stages[{i}]") for issue in exc.issues)
                    if len(issues) > MAX_ISSUES:
                        break
        raw_transitions = data.get("transitions")
        transitions = (
            None if raw_transitions is None else _stage_map(raw_transitions, "transitions", issues)
        )
        flags: dict[str, Any] = {}
        for flag, default in _PIPELINE_FLAGS:
            flags[flag] = data.get(flag, default)
            if type(flags[flag]) is not bool:
                issues.append(Issue(flag, flags[flag], "True or False"))
        raw_reopen = data.get("reopen_to")
        reopen_to = {} if raw_reopen is None else _stage_map(raw_reopen, "reopen_to", issues)
        raw_guards = data.get("guards", [])
        guards: list[Guard] = []
        if type(raw_guards) is not list and type(raw_guards) is not tuple:
            issues.append(Issue("guards", raw_guards, "a list of guards"))
        else:
            for i, raw in enumerate(raw_guards):
                guard, found = _guard_issues(raw)
                issues.extend(issue.under(f"guards[{i}]") for issue in found)
                if len(issues) > MAX_ISSUES:
                    break
                if guard is not None:
                    guards.append(guard)
        raw_entries = data.get("entry_stages")
        entries = (
            None if raw_entries is None else _names(raw_entries, "entry_stages", "stage id", issues)
        )
        raw_kind = data.get("kind")
        if raw_kind is not None and raw_kind not in _KINDS:
            issues.append(Issue("kind", raw_kind, "None, 'deal' or 'lead'"))
        for key in data:
            if key not in _PIPELINE_FIELDS:
                expected = f"one of the Pipeline fields ({known})"
                issues.append(Issue(_key_path(key), data[key], expected))
        if issues:
            raise ValidationError(issues, "Pipeline")
        try:
            return Pipeline(
                pipeline_id,
                stages,
                transitions,
                name=name,
                reopen_to=reopen_to,
                guards=guards,
                entry_stages=entries,
                kind=_KINDS.get(raw_kind) if isinstance(raw_kind, str) else None,
                **flags,
            )
        except ValidationError:
            raise  # a PipelineDefinitionError: the definition checks, run on load
        except Exception as exc:  # pragma: no cover - a defect, reported not leaked
            raise ValidationError.single(
                "$", data, f"a valid pipeline ({exc!r})", "Pipeline"
            ) from exc

    return structure, unstructure


# --- the converter -----------------------------------------------------------------


def configure_converter(conv: cattrs.Converter) -> None:
    """Teach *conv* every salesmodel type (your other hooks are kept).

    .. versionadded:: 0.1.0
    """
    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(date, structure_date)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(timedelta, structure_duration)
    conv.register_unstructure_hook(timedelta, format_duration)
    conv.register_structure_hook(Decimal, structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Money, structure_money)
    conv.register_unstructure_hook(Money, unstructure_money)
    conv.register_structure_hook(Attributes, structure_attributes)
    conv.register_unstructure_hook(Attributes, Attributes.to_dict)
    conv.register_structure_hook(RateTable, structure_rates)
    conv.register_unstructure_hook(RateTable, unstructure_rates)
    for enum in _OUR_ENUMS:
        structure, unstructure = _enum_hooks(enum)
        conv.register_structure_hook(enum, structure)
        conv.register_unstructure_hook(enum, unstructure)
    conv.register_structure_hook_factory(
        lambda tp: _open_enum_of(tp) is not None,
        lambda tp: _optional_open_enum(tp),
    )
    conv.register_structure_hook_factory(
        lambda tp: (
            _union_args(tp) is not None
            and not _is_passthrough(tp)
            and _open_enum_of(tp) is None
            and _optional_inner(tp) is None
        ),
        lambda tp, c: _mixed_hooks(c, tp)[0],
    )
    conv.register_structure_hook_factory(_is_record, _record_structure_hook)
    conv.register_structure_hook_factory(_is_list_of_records, _list_of_records_hook)
    conv.register_unstructure_hook_factory(_is_record, _record_unstructure_hook)
    conv.register_structure_hook(Guard, structure_guard)
    conv.register_unstructure_hook(Guard, unstructure_guard)
    structure_pipeline, unstructure_pipeline = _pipeline_hooks(conv)
    conv.register_structure_hook(Pipeline, structure_pipeline)
    conv.register_unstructure_hook(Pipeline, unstructure_pipeline)


def _optional_open_enum(tp: Any) -> StructureHook:
    enum = _open_enum_of(tp)
    assert enum is not None
    structure, _ = _open_enum_hooks(enum)
    if type(None) in get_args(tp):
        return _optional_structurer(structure, enum)
    return structure


def make_converter() -> cattrs.Converter:
    """A new cattrs converter configured for salesmodel (see
    :func:`configure_converter`).

    .. versionadded:: 0.1.0
    """
    conv = cattrs.Converter(forbid_extra_keys=True)
    configure_converter(conv)
    return conv


#: The converter :func:`to_dict` and :func:`from_dict` use.
converter: Final = make_converter()


def to_dict(obj: Any) -> Any:
    """*obj* as JSON-compatible primitives (a dict for an entity).

    >>> from salesmodel import Money
    >>> to_dict(Money("12.50", "EUR"))
    {'amount': '12.50', 'currency': 'EUR'}

    .. versionadded:: 0.1.0
    """
    return converter.unstructure(obj)


def from_dict(data: Any, cls: type[T], *, pipelines: Pipelines | None = None) -> T:
    """Build a *cls* from the primitives :func:`to_dict` makes (or a JSON payload).

    Args:
        data: The primitives.
        cls: The type to build: an entity, a value, or a container of them
            (``list[Deal]``).
        pipelines: Check every deal or lead built against its pipeline
            (:meth:`Pipeline.validate`): one pipeline, several, or ``{id:
            pipeline}``. A deal finds its pipeline by ``pipeline_id``, a lead the
            one given for leads (or the only one). Without it, only the rules
            every record keeps on its own are checked.

    Raises:
        ValidationError: listing every offending field path, whatever went wrong
            (never another exception type).

    >>> from salesmodel import Money
    >>> from_dict({"amount": "12.50", "currency": "EUR"}, Money)
    Money('12.50', 'EUR')

    .. versionadded:: 0.1.0
    """
    if isinstance(cls, str):  # cattrs would say "register a structure hook"
        raise ValidationError.single("cls", cls, "a type (Deal, list[Deal]), not its name")
    book = None if pipelines is None else PipelineBook(pipelines)
    built = _structure(data, cls)
    if book is not None:
        _conform(built, book, getattr(cls, "__name__", None))
    return built


def _conform(built: Any, book: PipelineBook, subject: str | None) -> None:
    """Check every record in *built* against its pipeline."""
    issues = [
        issue.under(path)
        for path, record in _records_in(built, "$")
        for issue in book.issues(record)
    ]
    if issues:
        record_id = getattr(built, "id", None)
        if isinstance(record_id, str):  # one record: named by its type, as it is built
            subject = f"{type(built).__name__} {record_id!r}"
        raise ValidationError(issues, subject)


def _records_in(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Each record (a deal, a lead, anything with a stage) in *value*, with its
    path: *value* itself, or what a list, tuple, set or dict holds, or the fields
    of an attrs class, at any depth."""
    if isinstance(value, (Deal, Lead)) or (hasattr(value, "stage") and not isinstance(value, type)):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _records_in(item, f"[{i}]" if path == "$" else f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _records_in(item, f"[{key!r}]" if path == "$" else f"{path}[{key!r}]")
    elif isinstance(value, (set, frozenset)):
        for item in value:  # no place: named by its id
            step = f"[{short_repr(getattr(item, 'id', None))}]"
            yield from _records_in(item, step if path == "$" else path + step)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            step = field.name if path == "$" else f"{path}.{field.name}"
            yield from _records_in(getattr(value, field.name), step)


def _structure(data: Any, cls: type[T]) -> T:
    try:
        return converter.structure(data, cls)
    except ValidationError:
        raise
    except BaseValidationError as exc:
        raise ValidationError(_cattrs_issues(exc), getattr(cls, "__name__", None)) from None
    except Exception as exc:  # noqa: BLE001 - never leak another exception type
        raise ValidationError.single(
            "$", data, f"data for {getattr(cls, '__name__', cls)} ({exc})"
        ) from None


def _cattrs_issues(exc: BaseException, path: str = "$") -> Iterator[Issue]:
    """Flatten a cattrs error tree (from a container of our types) into issues."""
    if isinstance(exc, ValidationError):
        yield from (issue if path == "$" else issue.under(path) for issue in exc.issues)
    elif isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            step = f"[{note.index!r}]" if isinstance(note, IterableValidationNote) else note.name
            yield from _cattrs_issues(inner, Issue(step, None, "").under(path).path)
        for inner in without:
            yield from _cattrs_issues(inner, path)
    elif isinstance(exc, BaseValidationError):
        for inner in exc.exceptions:
            yield from _cattrs_issues(inner, path)
    elif isinstance(exc, KeyError):
        yield Issue(path, MISSING, "given (it is required)")
    else:
        yield Issue(path, str(exc), "valid input")
