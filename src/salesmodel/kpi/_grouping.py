"""How KPIs group records: ``by=`` (an attribute or a callable), ``period=``
(week, month, quarter, year) in the caller's time zone ``tz=``, and the datetime a
period is read from (the *anchor*: created or closed).

Periods are bucketed in the zone the caller names, never silently in UTC: asking
for ``period=`` without ``tz=`` is an error. ``tz="recorded"`` is the explicit
opt-out that buckets every datetime by the UTC offset it carries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import keyword
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from operator import attrgetter, methodcaller
from typing import Any, Final, Literal, TypeAlias

import attrs

from salesmodel._time import wall_clock_zone, zone_named
from salesmodel.errors import SalesModelError, ValidationError

__all__ = ["ALL", "Anchor", "By", "Grouping", "Period", "PeriodKind", "Zone"]

#: The period kinds every KPI understands.
PeriodKind: TypeAlias = Literal["week", "month", "quarter", "year"]
#: ``"created"`` or ``"closed"``: which datetime of a record a period reads.
Anchor: TypeAlias = Literal["created", "closed"]
#: What ``by=`` takes: an attribute name (dotted names reach inside, e.g.
#: ``"amount.currency"``), a tuple of names, a callable of the record, or a mapping
#: of column name to attribute name or callable (a group per combination, each
#: part in a column of its own name).
By: TypeAlias = (
    str
    | tuple[str, ...]
    | Callable[[Any], Hashable]
    | Mapping[str, "str | Callable[[Any], Hashable]"]
)
#: What ``tz=`` takes: a :class:`datetime.tzinfo` (e.g.
#: ``zoneinfo.ZoneInfo("America/Sao_Paulo")`` or ``datetime.UTC``), or
#: ``"recorded"`` for the offset each datetime carries.
Zone: TypeAlias = dt.tzinfo | str  # a str: an IANA zone name, or "recorded"

#: The key of the one group an ungrouped KPI has.
ALL: Final[tuple[()]] = ()

_KINDS: Final = ("week", "month", "quarter", "year")
_STEPS: Final = {"month": 12, "quarter": 4, "year": 1}


@attrs.frozen(order=False)
class Period:
    """One calendar period: an ISO week, a month, a quarter or a year.

    Periods of one kind order in time; ``str()`` gives ``"2017-W05"``,
    ``"2017-03"``, ``"2017Q1"`` (pandas' spelling) or ``"2017"``. Weeks are ISO
    weeks (Monday first; ``year`` is the ISO year).

    >>> Period.of(dt.date(2017, 3, 31), "quarter")
    Period('2017Q1')
    >>> str(Period.of(dt.date(2017, 3, 31), "month").next())
    '2017-04'

    .. versionadded:: 0.1.0
    """

    kind: PeriodKind
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date, kind: PeriodKind) -> Period:
        """The period of *kind* that holds the calendar day *day* (a datetime is
        read by its own wall-clock date)."""
        if isinstance(day, dt.datetime):
            day = day.date()
        if kind == "month":
            return cls("month", day.year, day.month)
        if kind == "quarter":
            return cls("quarter", day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls("year", day.year, 1)
        if kind == "week":
            iso = day.isocalendar()
            return cls("week", iso.year, iso.week)
        raise ValidationError.single("period", kind, f"one of {', '.join(map(repr, _KINDS))}")

    @property
    def first_day(self) -> dt.date:
        """The first calendar day of the period."""
        if self.kind == "week":
            return dt.date.fromisocalendar(self.year, self.number, 1)
        if self.kind == "month":
            return dt.date(self.year, self.number, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    def next(self) -> Period:
        """The period after this one."""
        if self.kind == "week":
            return Period.of(self.first_day + dt.timedelta(days=7), "week")
        per_year = _STEPS[self.kind]
        if self.number == per_year:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    def previous(self) -> Period:
        """The period before this one."""
        if self.kind == "week":
            return Period.of(self.first_day - dt.timedelta(days=7), "week")
        if self.number == 1:
            return Period(self.kind, self.year - 1, _STEPS[self.kind])
        return Period(self.kind, self.year, self.number - 1)

    def start(self, tz: dt.tzinfo) -> dt.datetime:
        """When the period starts, in *tz*."""
        day = self.first_day
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz)

    def end(self, tz: dt.tzinfo) -> dt.datetime:
        """When the next period starts, in *tz* (the period is half-open)."""
        return self.next().start(tz)

    def _ordinal(self) -> tuple[int, int]:
        return (self.year, self.number)

    def __lt__(self, other: Period) -> bool:
        if type(other) is not Period:
            return NotImplemented
        return (self.kind, *self._ordinal()) < (other.kind, *other._ordinal())

    def __le__(self, other: Period) -> bool:
        if type(other) is not Period:
            return NotImplemented
        return self == other or self < other

    def __gt__(self, other: Period) -> bool:
        if type(other) is not Period:
            return NotImplemented
        return other < self

    def __ge__(self, other: Period) -> bool:
        if type(other) is not Period:
            return NotImplemented
        return self == other or other < self

    def __str__(self) -> str:
        if self.kind == "week":
            return f"{self.year}-W{self.number:02d}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        return str(self.year)

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    def offset(self, other: Period) -> int:
        """How many periods *other* is after this one (negative when before)."""
        if other.kind != self.kind:
            raise ValidationError.single("other", other, f"a {self.kind} period")
        if self.kind == "week":
            return (other.first_day - self.first_day).days // 7
        per_year = _STEPS[self.kind]
        return (other.year - self.year) * per_year + other.number - self.number

    def shift(self, steps: int) -> Period:
        """The period *steps* periods later (earlier when negative)."""
        if self.kind == "week":
            return Period.of(self.first_day + dt.timedelta(days=7 * steps), "week")
        per_year = _STEPS[self.kind]
        index = self.year * per_year + self.number - 1 + steps
        return Period(self.kind, index // per_year, index % per_year + 1)


class _PeriodCache(dict[Any, Period]):
    """``{(year, month) | year | date: Period}``, filled on first sight, so that
    bucketing a chunk is C-level lookups."""

    __slots__ = ("kind",)

    def __init__(self, kind: PeriodKind) -> None:
        super().__init__()
        self.kind = kind

    def __missing__(self, key: Any) -> Period:
        kind = self.kind
        if kind == "year":
            period = Period("year", key, 1)
        elif kind == "week":
            period = Period.of(key, "week")
        else:
            year, month = key
            period = Period.of(dt.date(year, month, 1), kind)
        self[key] = period
        return period

    def __reduce__(self) -> tuple[Any, ...]:
        return (_PeriodCache, (self.kind,))


_YEAR_MONTH: Final = attrgetter("year", "month")
_YEAR: Final = attrgetter("year")
_DATE: Final = methodcaller("date")


def check_tz(tz: object, period: object, *, required: bool = True) -> Zone | None:
    """*tz* checked: a tzinfo (an IANA name becomes a ZoneInfo), ``"recorded"``, or
    None when no period needs it."""
    if tz is None:
        if period is not None and required:
            raise ValidationError.single(
                "tz",
                None,
                "a time zone for period= (e.g. zoneinfo.ZoneInfo('Europe/Lisbon') or "
                "datetime.UTC): periods are bucketed in your zone, never silently in UTC; "
                "or tz='recorded' to bucket each datetime by the UTC offset it carries",
            )
        return None
    if tz == "recorded":
        return tz
    if isinstance(tz, dt.tzinfo):
        return wall_clock_zone(tz)
    if isinstance(tz, str) and tz:
        # An IANA name, as analysts type it: tz="Europe/Lisbon" (a folder such as
        # "America", or a path, is refused like any name that is not a zone).
        with contextlib.suppress(ValidationError):
            return zone_named(tz)
    raise ValidationError.single(
        "tz", tz, "a datetime.tzinfo, an IANA zone name such as 'Europe/Lisbon', or 'recorded'"
    )


def local(value: dt.datetime, tz: Zone, field: str = "$") -> dt.datetime:
    """*value* as wall-clock time in *tz*.

    Raises:
        ValidationError: naming *field*, for a valid time whose wall clock in
            *tz* falls before year 1 or after 9999 (no datetime holds it).
    """
    if isinstance(tz, str):
        return value
    try:
        return value.astimezone(tz)
    except OverflowError:
        raise beyond_the_calendar(field, value, tz, "dates are read in that zone") from None
    except Exception as error:  # noqa: BLE001 - a tzinfo of one's own raised
        raise zone_failed(tz, value, error) from None


def beyond_the_calendar(field: str, value: dt.datetime, tz: object, why: str) -> ValidationError:
    """The error for *value*, whose date in *tz* no datetime can hold."""
    return ValidationError.single(
        field, value, f"a time whose date in {tz} lies within the years 1 to 9999 ({why})"
    )


def zone_failed(tz: object, value: dt.datetime, error: Exception) -> ValidationError:
    """The error for *tz*, a tzinfo of one's own that raised *error* reading the
    instant *value*: ``check_tz`` probes one datetime, not every one."""
    return ValidationError.single(
        "tz",
        tz,
        f"a tzinfo that gives each time its UTC offset (it raised {type(error).__name__} "
        f"for {value.isoformat()})",
    )


class Grouping:
    """The key of each record: ``by`` and/or the ``period`` of its anchor datetime.

    Args:
        by: An attribute name, a tuple of names, or a callable; None for no group.
        period: ``"week"``, ``"month"``, ``"quarter"``, ``"year"`` or None.
        tz: Required with *period* (see the module docs).
        anchor: The attribute holding the datetime periods read, e.g.
            ``"closed_at"``.
        aliases: Names *by* may use for a longer path, e.g.
            ``{"currency": "amount.currency"}``.

    Keys: :data:`ALL` without *by* and *period*; the group; the period; or
    ``(group, period)``.
    """

    __slots__ = (
        "_aliases",
        "_by_get",
        "_cache",
        "_select",
        "anchor",
        "by",
        "columns",
        "period",
        "tz",
    )

    by: By | None
    period: PeriodKind | None
    tz: Zone | None
    anchor: str
    columns: tuple[str, ...]
    _aliases: dict[str, str]
    _by_get: Callable[[Any], Any] | None
    _cache: _PeriodCache | None
    _select: Callable[..., list[Any]] | None

    def __init__(
        self,
        by: By | None,
        period: str | None,
        tz: object,
        anchor: str,
        *,
        aliases: dict[str, str] | None = None,
    ) -> None:
        by_get: Callable[[Any], Any] | None
        by_columns: tuple[str, ...]
        if by is None:
            by_get, by_columns = None, ()
        elif isinstance(by, str) and by.strip():
            path = (aliases or {}).get(by, by)
            by_get, by_columns = path_getter(path), (by,)
        elif isinstance(by, tuple) and by and all(isinstance(x, str) and x.strip() for x in by):
            paths = [(aliases or {}).get(x, x) for x in by]
            by_get, by_columns = _tuple_getter(tuple(map(path_getter, paths))), tuple(by)
        elif callable(by):
            by_get, by_columns = _HashableKeys(by), (_callable_name(by),)
        elif isinstance(by, Mapping) and _is_named_parts(by):
            getters = tuple(
                path_getter((aliases or {}).get(part, part))
                if isinstance(part, str)
                else _HashableKeys(part)
                for part in by.values()
            )
            by_get, by_columns = _tuple_getter(getters), tuple(by)
        else:
            raise ValidationError.single(
                "by",
                by,
                "None, an attribute name, a tuple of attribute names, a callable, or a "
                "mapping of column name to attribute name or callable",
            )
        if period is not None and period not in _KINDS:
            raise ValidationError.single(
                "period", period, f"None or one of {', '.join(map(repr, _KINDS))}"
            )
        zone = check_tz(tz, period)
        set_ = object.__setattr__
        set_(self, "by", by)
        set_(self, "period", period)
        set_(self, "tz", zone)
        set_(self, "anchor", anchor)
        set_(self, "_by_get", by_get)
        set_(self, "_cache", None if period is None else _PeriodCache(period))  # type: ignore[arg-type]
        set_(self, "columns", by_columns + (("period",) if period is not None else ()))
        set_(self, "_aliases", dict(aliases or {}))
        selected = by_get if isinstance(by_get, _HashableKeys) or isinstance(by, Mapping) else by
        set_(self, "_select", None if period is not None else _selector(selected, aliases or {}))

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_grouping, (self.by, self.period, self.tz, self.anchor, self._aliases))

    @property
    def single(self) -> bool:
        """Whether every record falls in the one group :data:`ALL`."""
        return self._by_get is None and self.period is None

    def keys(self, chunk: list[Any]) -> Iterable[Any] | None:
        """The key of every record of *chunk*, or None when all are :data:`ALL`."""
        by_get = self._by_get
        if self.period is None:
            return None if by_get is None else map(by_get, chunk)
        periods = self.periods(map(attrgetter(self.anchor), chunk))
        if by_get is None:
            return periods
        return zip(map(by_get, chunk), periods, strict=True)

    def select(
        self, chunk: list[Any], status: Any = None, keep: bool = True, value: str | None = None
    ) -> list[Any]:
        """The ``by`` keys of the records of *chunk* whose ``status`` is
        *status* (is not, with ``keep=False``; all records when *status* is
        None), in one list comprehension compiled for the attribute names (the
        interpreter's fastest path); ``(key, value)`` pairs with *value* (e.g.
        :data:`DURATION`). Only for groupings without a period."""
        select = self._select
        assert select is not None
        return select(chunk, status, keep, value)

    def periods(self, datetimes: Iterable[dt.datetime]) -> Iterator[Period]:
        """The period of each datetime, in the grouping's zone."""
        cache = self._cache
        assert cache is not None
        tz = self.tz
        local_times: Iterable[dt.datetime] = datetimes
        if tz != "recorded":
            times = list(datetimes)
            try:  # around the whole chunk: a try per time would cost in this hot loop
                local_times = list(map(methodcaller("astimezone", tz), times))
            except Exception:  # past 9999-12-31 (or before year 1) in tz, or a tzinfo that raised
                failure = self._failure(times)
                if failure is None:
                    raise
                raise failure from None
        kind = self.period
        if kind == "year":
            parts: Iterable[Any] = map(_YEAR, local_times)
        elif kind == "week":
            parts = map(_DATE, local_times)
        else:
            parts = map(_YEAR_MONTH, local_times)
        return map(cache.__getitem__, parts)

    def _failure(self, times: list[Any]) -> ValidationError | None:
        """The error for the first of *times* that ``astimezone(tz)`` refuses
        (None: no time failed, so the zone is not to blame)."""
        for value in times:
            try:
                value.astimezone(self.tz)
            except OverflowError:
                return beyond_the_calendar(
                    self.anchor, value, self.tz, "periods are dates in that zone"
                )
            except Exception as error:  # noqa: BLE001 - a tzinfo of one's own raised
                if not isinstance(value, dt.datetime):
                    return None  # not a time: the zone is not to blame
                return zone_failed(self.tz, value, error)
        return None

    def key(self, record: Any, anchor_value: dt.datetime | None = None) -> Any:
        """The key of one record (the anchor datetime may be given)."""
        group = None if self._by_get is None else self._by_get(record)
        if self.period is None:
            return ALL if self._by_get is None else group
        when = getattr(record, self.anchor) if anchor_value is None else anchor_value
        period = next(self.periods((when,)))
        return period if self._by_get is None else (group, period)

    def group_of(self, record: Any) -> Any:
        """The ``by`` part of the key alone."""
        return ALL if self._by_get is None else self._by_get(record)

    def period_of(self, when: dt.datetime, field: str | None = None) -> Period:
        """The period holding *when*; an error names *field* (the anchor by default)."""
        if field is None or self.tz == "recorded":
            return next(self.periods((when,)))
        return Period.of(local(when, self.tz, field), self.period)  # type: ignore[arg-type]


_KEYWORDS: Final = frozenset(keyword.kwlist)


def _path_code(path: str) -> str | None:
    """``r.a`` for the attribute name ``"a"``, or None when it is not one (a dotted
    path reads through :func:`path_getter`)."""
    if path.isidentifier() and path not in _KEYWORDS:
        return "r." + path
    return None


def path_getter(path: str) -> Callable[[Any], Any]:
    """The value at *path* in a record: ``"owner_id"``, or a dotted path that
    reaches inside (``"amount.currency"``, ``"attributes.manager"``: a mapping is
    read by key). A part that is missing on the way gives None: a deal of unknown
    value has no currency, a record without that custom field has no manager."""
    if "." not in path:
        return attrgetter(path)
    parts = tuple(path.split("."))
    return functools.partial(_walk, parts)


def _walk(parts: tuple[str, ...], record: Any) -> Any:
    value = getattr(record, parts[0])
    for part in parts[1:]:
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def _tuple_getter(getters: tuple[Callable[[Any], Any], ...]) -> Callable[[Any], tuple[Any, ...]]:
    return functools.partial(_each, getters)


def _each(getters: tuple[Callable[[Any], Any], ...], record: Any) -> tuple[Any, ...]:
    return tuple(get(record) for get in getters)


@functools.cache
def _compiled_selector(expression: str, value: str | None = None) -> Callable[..., list[Any]]:
    item = expression if value is None else f"({expression}, {value})"
    source = (
        "lambda chunk, status, keep, _by: "
        f"[{item} for r in chunk] if status is None else "
        f"[{item} for r in chunk if r.status is status] if keep else "
        f"[{item} for r in chunk if r.status is not status]"
    )
    return eval(source, {})  # type: ignore[no-any-return]


#: The values :meth:`Grouping.select` may pair with each key.
DURATION: Final = "r.closed_at - r.created_at"


def _is_named_parts(by: object) -> bool:
    """Whether *by* is ``{column: attribute name or callable}``."""
    return (
        isinstance(by, Mapping)
        and bool(by)
        and all(isinstance(name, str) and name.strip() for name in by)
        and all((isinstance(p, str) and p.strip()) or callable(p) for p in by.values())
    )


@attrs.frozen
class _HashableKeys:
    """A ``by=`` callable whose every key is checked to be one: a list or a dict
    cannot name a group, and would fail deep inside a dict as a TypeError."""

    by: Callable[[Any], Any]

    def __call__(self, record: Any) -> Any:
        try:
            group = self.by(record)
        except SalesModelError:
            raise
        except Exception as error:  # your callable's error, said as the option's
            name = getattr(record, "id", None)
            which = type(record).__name__ + (f" {name!r}" if isinstance(name, str) else "")
            raise ValidationError.single(
                "by",
                self.by,
                f"a callable that reads every record (it raised {type(error).__name__} on "
                f"{which}: {error})",
            ) from error
        try:
            hash(group)
        except TypeError:
            raise ValidationError.single(
                "by",
                group,
                "a group key the by= callable returns: hashable (a str, a number, None, "
                "or a tuple of them)",
            ) from None
        return group


def _selector(by: Any, aliases: dict[str, str]) -> Callable[..., list[Any]]:
    """``select(chunk, status, keep)`` for *by* (see :meth:`Grouping.select`)."""
    expression: str | None
    if by is None:
        expression = "()"
    elif isinstance(by, str):
        expression = _path_code(aliases.get(by) or by)
    elif isinstance(by, tuple):
        codes = [_path_code(aliases.get(b) or b) for b in by]
        expression = None if None in codes else "(" + ", ".join(codes) + ",)"  # type: ignore[arg-type]
    else:
        expression = "_by(r)"
    if expression is None:  # a name that is no identifier: getattr does it
        names = (by,) if isinstance(by, str) else by
        getters = tuple(path_getter(aliases.get(b, b)) for b in names)
        getter = getters[0] if isinstance(by, str) else _tuple_getter(getters)
        expression, by = "_by(r)", getter
    return functools.partial(_select_with, expression, by)


def _select_with(
    expression: str, by: Any, chunk: list[Any], status: Any, keep: bool, value: str | None = None
) -> list[Any]:
    return _compiled_selector(expression, value)(chunk, status, keep, _by=by)


def _rebuild_grouping(
    by: Any, period: str | None, tz: Any, anchor: str, aliases: dict[str, str]
) -> Grouping:
    return Grouping(by, period, tz, anchor, aliases=aliases)


def _callable_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        return "group"
    return name


def spec_of(value: Any) -> Any:
    """A comparable stand-in for an option: callables by qualified name (a
    callable shipped to a worker and back is a new object)."""
    if callable(value) and not isinstance(value, type):
        module = getattr(value, "__module__", "")
        name = getattr(value, "__qualname__", None) or repr(value)
        if isinstance(value, (attrgetter, methodcaller)):
            return repr(value)
        return ("callable", module, name)
    if isinstance(value, (list, tuple)):
        return tuple(spec_of(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), spec_of(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        # not hash(): string hashes differ between processes
        digest = hashlib.sha256("\0".join(sorted(map(repr, value))).encode()).hexdigest()
        return ("set", len(value), digest)
    return value
