"""Instants: how salesmodel stores, compares and subtracts times.

Python compares and subtracts two datetimes that share a ``tzinfo`` object by their
wall clocks, so with a named zone (``ZoneInfo("Europe/Paris")``) a day across a
daylight-saving change lasts 23 or 25 hours in the world but 24 in Python, and a
time in the repeated hour may sort before an earlier one. salesmodel therefore keeps
every datetime as an **instant with the UTC offset in force**: a fixed-offset
:class:`datetime.timezone`, the same wall time, the same instant, exactly what a JSON
round trip keeps (``2026-03-29T12:00:00+02:00``). Fixed offsets compare and subtract
as instants, whatever the zone a time came from.

A wall time that names no single instant in its zone is refused: one that does not
exist (the hour skipped when clocks go forward) and one that occurs twice (the hour
repeated when they go back) unless ``fold=1`` names the second occurrence. The first
occurrence of a repeated hour is written with its offset (``+02:00``), since
``fold=0`` cannot tell "the first" from "not said". A pandas ``Timestamp`` says:
pandas holds the instant, so it is read with the offset in force then.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any, Final, Literal, overload

from .errors import ValidationError

__all__ = [
    "NO_TIME",
    "ZONES_TRUSTED_UNTIL",
    "ZONE_EXPECTED",
    "as_instant",
    "aware_instant",
    "elapsed",
    "instant_argument",
    "is_instant",
    "iso_datetime",
    "keeps_daylight_saving",
    "plain_datetime",
    "start_of_day",
    "time_expected",
    "wall_problem",
    "zone_named",
    "zone_problem",
]

#: What a time zone name must be, for messages.
ZONE_EXPECTED: Final = "an IANA time zone name such as 'Europe/Paris' or 'UTC'"

_FIXED: Final[dict[timedelta, timezone]] = {}
#: A UTC offset with a fraction of a second, ending an ISO datetime:
#: ``+00:00:00.000001`` (or ``-000000,5``).
_OFFSET_FRACTION: Final = re.compile(r"([+-])([0-9]{2}):?([0-9]{2}):?([0-9]{2})[.,]([0-9]+)\Z")
#: pandas' datetime: where it is defined, and its name (told apart without pandas).
_TIMESTAMP: Final = ("pandas", "Timestamp")


def _fixed(offset: timedelta) -> timezone:
    """The fixed-offset zone of *offset* (UTC itself for a zero offset)."""
    zone = _FIXED.get(offset)
    if zone is None:
        zone = UTC if not offset else timezone(offset)
        if len(_FIXED) < 1024:  # offsets in use are few; hostile ones are not kept
            _FIXED[offset] = zone
    return zone


def is_instant(value: Any) -> bool:
    """Whether *value* is a plain datetime with a fixed UTC offset."""
    return type(value) is datetime and type(value.tzinfo) is timezone


def zone_problem(value: datetime) -> str | None:
    """Why the aware *value* names no single instant in its zone, as what a valid
    time must be (to follow "must be"); None when it names one."""
    zone = value.tzinfo
    if zone is None or type(zone) is timezone:
        return None
    first = value.replace(fold=0).utcoffset()
    second = value.replace(fold=1).utcoffset()
    if first == second or first is None or second is None:
        return None
    why = wall_problem(value)
    if first < second:
        return f"a time that exists in {zone} ({why})"
    if value.fold == 1:
        return None
    return (
        f"a time that occurs once in {zone} ({why}: pass fold=1 for the "
        f"second occurrence, or write the first with its offset, {_offset_text(first)})"
    )


def wall_problem(value: datetime) -> str:
    """Why the wall time of *value*, in its zone, names no single instant
    (``2026-03-29 02:30:00 falls in the hour its clocks skip``); *value* is one
    that names none (see :func:`zone_problem`)."""
    first, second = value.replace(fold=0).utcoffset(), value.replace(fold=1).utcoffset()
    assert first is not None
    assert second is not None
    wall = value.replace(tzinfo=None).isoformat(sep=" ")
    if first < second:  # PEP 495: in a gap, fold=0 reads the offset before the jump
        return f"{wall} falls in the {_span_text(second - first)} its clocks skip"
    return f"{wall} occurs twice"


def _span_text(span: timedelta) -> str:
    """*span* as words, for a gap: not every zone skips an hour (Lord Howe Island
    skips 30 minutes; Samoa skipped a day)."""
    if span == timedelta(hours=1):
        return "hour"
    if span == timedelta(days=1):
        return "day"
    hours, minutes = divmod(int(span.total_seconds()) // 60, 60)
    parts = [f"{hours} hours" if hours > 1 else "1 hour" if hours else ""]
    parts.append(f"{minutes} minutes" if minutes > 1 else "1 minute" if minutes else "")
    return " ".join(filter(None, parts))


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def as_instant(value: datetime) -> datetime:
    """The aware *value* as the same instant and wall time with a fixed offset.

    The caller has checked :func:`zone_problem`; *value* is returned as is when it
    already has a fixed offset (a ``fold=1`` kept: it names nothing there, and
    equality ignores it; clearing it would cost every datetime a check).
    """
    if type(value.tzinfo) is timezone:
        return value
    offset = value.utcoffset()
    assert offset is not None
    return value.replace(tzinfo=_fixed(offset), fold=0)


def iso_datetime(text: str) -> datetime:
    """``datetime.fromisoformat``, reading the fraction of a second of a UTC
    offset exactly (``+00:00:00.000001``, as ``isoformat`` writes one, or
    ``-00:00:00.5``): CPython drops it from an offset of no whole second
    (``-00:00:00.5`` reads as ``+00:00``), so the instant would move.

    Raises:
        ValueError: as ``fromisoformat`` does, and for an offset finer than a
            microsecond (no datetime holds it).
    """
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or text[-3] == ":" or text[-1] == "Z":  # (parsed: 10 chars at least)
        return parsed  # naive, or the usual endings ("+01:00", "Z"): no fraction
    found = _OFFSET_FRACTION.search(text)
    if found is not None:
        sign, hours, minutes, seconds, fraction = found.groups()
        if len(fraction) > 6:
            raise ValueError(f"a UTC offset finer than a microsecond: {text!r}")
        # the text without the fraction is checked by fromisoformat, then its
        # offset replaced by the exact one
        parsed = datetime.fromisoformat(text[: found.start(5) - 1])
        if parsed.utcoffset() is not None:  # (else the sign began no offset: refused below)
            offset = timedelta(
                hours=int(hours),
                minutes=int(minutes),
                seconds=int(seconds),
                microseconds=int(fraction.ljust(6, "0")),
            )
            return parsed.replace(tzinfo=timezone(-offset if sign == "-" else offset))
    return parsed


def plain_datetime(value: datetime) -> datetime:
    """*value*, a datetime of a subclass (pandas' Timestamp), as a plain one: the
    same wall time, zone and fold. A pandas Timestamp keeps the offset in force
    instead of its zone: pandas holds an instant (it makes no wall time that names
    none, and no fold of one that names two)."""
    zone = value.tzinfo
    kind = type(value)
    if zone is not None and (kind.__module__.partition(".")[0], kind.__name__) == _TIMESTAMP:
        zone = _fixed(value.utcoffset())  # type: ignore[arg-type]
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        zone,
        fold=value.fold,
    )


def aware_instant(value: Any) -> datetime | None:
    """*value* as an instant with a fixed offset, when it is an aware datetime (a
    subclass such as pandas' Timestamp too) naming one instant; else None."""
    try:
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return None
        if type(value) is not datetime:
            value = plain_datetime(value)
        if zone_problem(value) is not None:
            return None
        return as_instant(value)
    except Exception:  # noqa: BLE001 - a hostile tzinfo is a bad value, not a crash
        return None


def time_expected(value: Any) -> str:
    """What a time must be, for the error about *value* (not an instant)."""
    try:
        if isinstance(value, datetime) and value.utcoffset() is not None:
            return zone_problem(value) or _AWARE
    except Exception:  # noqa: BLE001, S110 - a hostile tzinfo gets the plain message
        pass
    return _AWARE


_AWARE: Final = "a timezone-aware datetime"


@overload
def instant_argument(
    value: Any, name: str, subject: str, *, optional: Literal[False] = False
) -> datetime: ...
@overload
def instant_argument(value: Any, name: str, subject: str, *, optional: bool) -> datetime | None: ...
def instant_argument(
    value: Any, name: str, subject: str, *, optional: bool = False
) -> datetime | None:
    """The time argument *name* (``at=``, ``as_of=``) of *subject* as an
    instant, or the ValidationError every function raises for a malformed one:
    naming the argument, with the entities' wording ("a timezone-aware
    datetime", or why a wall time names no single instant)."""
    if value is None and optional:
        return None
    instant = aware_instant(value)
    if instant is None:
        expected = time_expected(value)
        raise ValidationError.single(
            name, value, f"None or {expected}" if optional else expected, subject
        )
    return instant


#: From this wall time (or UTC instant: a day to spare) an engine's zone offsets
#: are not trusted: polars applies no daylight saving time from 2100 on (measured:
#: polars 2.1, New York in July 2100).
ZONES_TRUSTED_UNTIL: Final = datetime(2099, 12, 30)


@functools.cache
def keeps_daylight_saving(name: str) -> bool:
    """Whether the zone *name* still changes its offset in 2099 (a name the zone
    database lacks, such as ``"+01:00"``, is a fixed offset). Engines differ
    there: polars applies no daylight saving time from 2100 on."""
    try:
        zone = zone_named(name)
    except ValidationError:
        return False
    winter, summer = (datetime(2099, month, 15, tzinfo=zone) for month in (1, 7))
    return winter.utcoffset() != summer.utcoffset()


def zone_named(name: Any, field: str = "tz") -> tzinfo:
    """The time zone called *name* (``"Europe/Paris"``), read from the system zone
    database (or the ``tzdata`` package): the only file salesmodel reads outside
    the command line.

    Raises:
        ValidationError: naming *field*, for anything that is not the name of a
            zone: a folder of the database (``"America"``), a path, an unknown
            name, a non-str.
    """
    # ZoneInfo raises KeyError, ValueError, IsADirectoryError, PermissionError,
    # UnicodeEncodeError... depending on the name: all mean "not a zone name".
    if isinstance(name, str) and type(name) is not str:  # numpy's str_, an enum's value
        name = str.__str__(name)
    if type(name) is str and 0 < len(name) <= 255 and name.isprintable():
        from zoneinfo import ZoneInfo  # here: it would add a tenth to `import salesmodel`

        try:
            return ZoneInfo(name)
        except Exception:  # noqa: BLE001, S110 - any failure is a bad name
            pass
    raise ValidationError.single(field, name, ZONE_EXPECTED)


def wall_clock_zone(tz: tzinfo, field: str = "tz") -> tzinfo:
    """*tz*, a zone that reads wall times: refused when it gives no offset (a
    tzinfo of one's own that raises, or says None: read as UTC), and when it is
    one of pytz's named zones, whose ``replace(tzinfo=...)`` gives the zone's
    local mean time (Paris +00:09) and whose skipped hours exist, so every wall
    time read in it would be off (pytz's own ``localize`` is the way it reads one)."""
    try:  # a tzinfo of one's own: it must give an offset (one datetime allows)
        offset = tz.utcoffset(datetime(2000, 1, 1))
        usable = isinstance(offset, timedelta) and abs(offset) < timedelta(days=1)
    except Exception:  # noqa: BLE001 - a broken tzinfo is a bad argument, not a crash
        usable = False
    if not usable:
        raise ValidationError.single(field, tz, "a tzinfo that gives each time its UTC offset")
    if callable(getattr(tz, "localize", None)) and tz.utcoffset(None) is None:
        name = getattr(tz, "zone", None)
        expected = (
            "a zone that reads wall times: a zoneinfo.ZoneInfo or an IANA name"
            + (f" (tz={name!r})" if isinstance(name, str) else "")
            + "; pytz's zones read them as local mean time"
        )
        raise ValidationError.single(field, tz, expected)
    return tz


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """The first instant of the calendar day *day* in *zone*, with its fixed offset.

    That is midnight, except where clocks go forward at midnight (Brazil's
    daylight-saving time until 2019): then midnight does not exist, and the day
    starts when the skipped hour ends. A date is a day, not a wall time, so it
    always has a first instant.
    """
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    # fold=0 reads the offset in force before any change at midnight: in a gap
    # that instant is the gap's end, in a repeated hour the first midnight.
    instant = midnight.astimezone(UTC).astimezone(zone)
    return as_instant(instant)


#: No time at all: what ``elapsed`` gives when *later* is not before *earlier*, at least.
NO_TIME: Final = timedelta(0)


def elapsed(later: datetime, earlier: datetime) -> timedelta:
    """``later - earlier`` between the two instants. Records keep fixed offsets, so
    their times subtract as instants; a record of the caller's own may hold two
    times of one named zone, which Python would subtract by their wall clocks
    (a day across a daylight-saving change would last 24 hours)."""
    zone = later.tzinfo
    if zone is earlier.tzinfo and zone is not None and type(zone) is not timezone:
        return later.astimezone(UTC) - earlier.astimezone(UTC)
    return later - earlier
