"""The frame engine: a KPI's measures computed inside a DataFrame, through
narwhals, so that one implementation serves pandas, polars (eager and lazy),
PyArrow, DuckDB, Dask and PySpark.

It reads the same :class:`~._define.Definition` as the accumulator engine: the
definition's options are checked by its accumulator, its measures say what to add
up, and its ``finish`` turns the values this engine hands back into the typed
figure. The engine only makes measure values of the shapes the accumulator's
measures make (``{key: int}``, ``{key: Amounts}``, ``{key: {microseconds: n}}``),
so a KPI's formula is written once.

The entity invariants are checked on the frame, vectorised: a bad row raises
:class:`~salesmodel.ValidationError` naming its row (eager frames) and id, or with
``strict=False`` is skipped and reported in ``.skipped``. Only aggregates leave the
engine (and the bad rows, to report them). Amounts are summed exactly as integers
of the currency's minor unit.

narwhals is imported here, and this module is imported only when a frame is passed.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import importlib
import importlib.util
import operator
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from salesmodel._book import PipelineBook
from salesmodel._frame_columns import narwhals, schema_of
from salesmodel._rules import ID, MAX_ID, is_id, judge, open_enum
from salesmodel._time import (
    ZONES_TRUSTED_UNTIL,
    keeps_daylight_saving,
    start_of_day,
    wall_problem,
    zone_problem,
)
from salesmodel.entities import LOSS_REASON, Deal, Lead
from salesmodel.enums import LeadSource
from salesmodel.errors import Issue, SalesModelError, ValidationError
from salesmodel.money import (
    CURRENCY_EXPECTED,
    MONEY_DIGITS,
    amount_expected,
    is_currency,
    minor_unit,
    parse_amount,
)

from ._changes import COLUMNS as _CHANGE_COLUMNS
from ._changes import Changes
from ._define import DefinedAccumulator
from ._grouping import ALL, Grouping, Period, beyond_the_calendar
from ._losses import reason_key
from ._measures import AmountMeasure, Amounts, CountMeasure, DurationMeasure, Measure, Within
from ._results import QUANTILES, RankedDurations, SkippedRecord
from ._targets import TargetWindow

if TYPE_CHECKING:
    from salesmodel.pipeline import Pipeline

__all__ = ["collect_frame", "frame_figure", "history_figure"]

T = TypeVar("T")

_ROW: Final = "__row"
_BAD: Final = "__bad"
_FAILED: Final = "__failed"
_CENTS: Final = "__cents"
_MICROS: Final = "__micros"
_DUP: Final = "__dup"
#: The fields of a deal that hold ids (ids of records, pipelines and stages), and
#: what an engine can ask of a cell cheaply: 1 to MAX_ID plain characters (below),
#: no space at either end. Only cells that are not plain are judged by the rule
#: itself (_rules.ID), in Python; nearly always there are none.
_ID_FIELDS: Final = ("id", "owner_id", "prospect_id", "customer_id", "pipeline_id", "stage")
#: Characters every supported Python calls printable and no space: printable
#: ASCII, Latin letters with accents, Cyrillic, kana, CJK ideographs, Hangul.
_PLAIN_RANGES: Final = (
    (0x21, 0x7E),
    (0xA1, 0xAC),
    (0xAE, 0x24F),
    (0x400, 0x4FF),
    (0x3041, 0x3096),
    (0x30A1, 0x30FA),
    (0x4E00, 0x9FFC),
    (0xAC00, 0xD7A3),
)
_PLAIN: Final = "".join(f"{chr(low)}-{chr(high)}" for low, high in _PLAIN_RANGES)
_PLAIN_ID: Final = rf"^[{_PLAIN}](?:[ {_PLAIN}]{{0,{MAX_ID - 2}}}[{_PLAIN}])?$"
_YEAR: Final = "__year"
_PART: Final = "__part"
#: A zone name narwhals reads in a pandas-like dtype (no "_", "-" or digit).
_READABLE_ZONE: Final = re.compile(r"[A-Za-z/]+")
#: The anchor time of each row as read where its periods are (tz=, or as recorded).
_LOCAL: Final = "__local"
#: Midday: a day's first instant in a zone is read from it (no clock skips noon).
_NOON: Final = dt.timedelta(hours=12)
_HOUR: Final = dt.timedelta(hours=1)
#: What Python's str.strip() strips (Money strips a written amount so): some engines
#: strip only ASCII spaces when told nothing, a no-break space not.
_SPACES: Final = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
#: The prefix of the columns a written amount is read through.
_WRITTEN: Final = "__w_"
#: An amount as text: a sign, digits with a point, and an exponent of three digits
#: at most, after any zeros (Money reads more, but 10**±30 bounds it anyway).
_WRITTEN_AMOUNT: Final = r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?0*[0-9]{1,3})?$"
#: The most digits a whole number of minor units may have in a 64-bit integer.
_INT64_DIGITS: Final = 18
#: Minor units are summed as their quotient and remainder by this: each sum stays
#: far below 2**63 for any number of rows an engine holds.
_SUM_PART: Final = 10**9
#: The bits of a float's significand after the first: its unit in the last place
#: is 2 ** (its binary exponent - 52).
_FRACTION_BITS: Final = 52
#: Half the distance from 1.0 to the next float (2**-53), and the factor of Rump's
#: unit in the first place: ``|q - (1 - u) * q|`` for ``q = (2**52 + 1) * x``
#: (S. M. Rump, "Ultimately fast accurate summation", SIAM J. Sci. Comput. 2009).
_HALF_EPSILON: Final = 2.0 ** -(_FRACTION_BITS + 1)
_UFP_FACTOR: Final = 2.0**_FRACTION_BITS + 1
#: The most places whose scale (10**p, 5**p times a power of 2) has at most 26 bits.
_SHORT_SCALE: Final = 11
#: Veltkamp's splitter for doubles: ``x * it - (x * it - x)`` is x's high 26 bits.
_SPLITTER: Final = 2.0**27 + 1
#: The most digits an amount may have on a frame (a float's with its minor unit: a
#: float carries 15 digits safely), so that its minor units fit 64 bits.
_DIGITS: Final = 15
_STATUSES: Final = ("open", "won", "lost")
#: Up to how many values a membership test is made of comparisons (see _is_in).
_FEW: Final = 4
_AMOUNT_EXPECTED: Final = "a non-negative Money, or None when not known"
#: Options a frame cannot honour: a callable reads records, not columns.
_CALLABLES: Final = ("by", "converted", "start")
#: Engines that read times in their session's zone, not the column's.
_SESSION_ZONED: Final = {"duckdb": "DuckDB relation", "pyspark": "Spark DataFrame"}
_LOST_FROM: Final = "__lost_from"
_HISTORY_BAD: Final = "__hbad"
#: The extra part of a measure's key (:class:`~._measures.Extra`, by name): the
#: frame columns it is read from, and how, as the records' ``Extra.of`` reads it.
_EXTRAS: Final[dict[str, tuple[tuple[str, ...], Callable[..., Any]]]] = {
    "place": (("pipeline_id", "stage"), lambda pipeline, stage: (pipeline, stage)),
    "reason_stage": (
        ("loss_reason", _LOST_FROM),
        lambda reason, stage: (reason_key(reason), stage),
    ),
}
#: Engines whose durations go through float seconds (``dt.total_microseconds()`` is
#: then a microsecond short for about one long duration in fifty): their durations
#: are subtracted as integers instead.
_FLOAT_DURATIONS: Final = frozenset({"pandas", "modin", "cudf", "dask"})
_TIMES: Final = ("created_at", "closed_at")
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: The columns each kind of measure reads, beside its keys and what picks its rows.
_READS: Final[dict[type[Measure], tuple[str, ...]]] = {
    CountMeasure: (),
    AmountMeasure: ("amount", _CENTS, "currency"),
    DurationMeasure: ("created_at", "closed_at"),
}
#: Engines whose grouped "lower" and "higher" quantiles are exact order
#: statistics at the ranks :func:`~._results.quantile_rank` names (DuckDB's
#: quantiles here interpolate only; Dask's and Spark's are approximate).
_EXACT_QUANTILES: Final = frozenset({"polars", "pandas"})
#: polars gives quantiles as floats: exact below 2**53 microseconds (285 years).
_EXACT_FLOATS: Final = 2**53
_PER_SECOND: Final = 1_000_000  # microseconds
#: The by= fields whose text a record reads as a well-known member, and how.
_SPELLED: Final = {"source": judge(open_enum(LeadSource)), "loss_reason": judge(LOSS_REASON)}
#: ``by=`` aliases of the records, as frame columns.
_COLUMN_OF_PATH: Final = {"amount.currency": "currency"}
#: What ``columns=`` may map: the fields a frame of deals or of their changes holds.
_MAPPABLE: Final = frozenset(
    {f.name for f in attrs.fields(Deal)} | {"currency", "segment", *_CHANGE_COLUMNS}
)


def _narwhals() -> Any:
    return narwhals("KPIs on DataFrames")


def frame_figure(
    accumulator: type[DefinedAccumulator],
    frame: Any,
    columns: Mapping[str, str] | None,
    options: dict[str, Any],
    history: Any = None,
) -> Any:
    """The KPI of *accumulator*'s definition over the rows of *frame* (and the
    stage changes of *history*, a frame of the same engine, when given)."""
    _refuse_callables(options)
    by = options.get("by")
    # checks every other option (by, for the KPIs that group, is the engine's)
    acc = accumulator(**({**options, "by": None} if "by" in options else options))
    plain = acc._grouping
    grouping = Grouping(by, plain.period, plain.tz, plain.anchor, aliases=acc.definition.aliases)
    acc._grouping = grouping
    measures = acc._measures
    engine = _measuring(frame, columns, grouping, acc, measures, history)
    with _naive_times_read_in(grouping.tz, frame, columns, history):
        made, values = computed(engine, lambda engine: engine.values(measures))
    acc._skipped.extend(made.skipped)
    return acc.figure(values)


def _measuring(
    frame: Any,
    columns: Mapping[str, str] | None,
    grouping: Grouping,
    acc: DefinedAccumulator,
    measures: Iterable[Measure],
    history: Any,
) -> Callable[[dict[str, list[str]]], _Engine]:
    """The engine of *measures* over *frame* (with *acc*'s strict and pipelines),
    made with the group keys refused so far (see :func:`computed`)."""
    measures = tuple(measures)
    return lambda refused: _Engine(
        _narwhals(),
        frame,
        columns,
        grouping,
        strict=acc.strict,
        book=acc._book,
        amounts=any(isinstance(m, AmountMeasure) for m in measures),
        extras={m.extra.name for m in measures if m.extra is not None},
        history=history,
        within=next((m.where.within for m in measures if m.where.within is not None), None),
        bad_ids=refused,
    )


#: What the engines say of a naive time that its zone skips or repeats (pandas,
#: polars, PyArrow, Dask): the only engine errors a frame's values may cause.
_NO_SUCH_TIME: Final = re.compile(r"ambiguous|non-?existent|dst time|doesn't exist|does not exist")


#: How to read naive times that name no instant, for the error about one.
_MAKE_AWARE: Final = (
    "make the column aware first (pandas: dt.tz_localize with ambiguous= and "
    "nonexistent=; polars: dt.replace_time_zone with ambiguous= and non_existent=)"
)


@contextlib.contextmanager
def _naive_times_read_in(
    tz: Any, frame: Any, columns: Mapping[str, str] | None, history: Any = None
) -> Iterator[None]:
    """Turn an engine's refusal of a naive time of *frame* (or of *history*, its
    changes) that *tz* skips or repeats into salesmodel's error: such a time is no
    instant."""
    try:
        yield
    except SalesModelError:
        raise
    except Exception as error:
        zone = _zone_name(tz)
        if zone is None or not _NO_SUCH_TIME.search(str(error)):
            raise
        try:  # the engine names the value at most: its column and row are found here
            found = _first_time_without_instant(frame, columns or {}, zone)
            if found is None and history is not None:
                found = _first_time_without_instant(history, columns or {}, zone, history=True)
        except Exception:  # noqa: BLE001 - then the engine's words, below
            found = None
        if found is not None:
            field, value, subject = found
            expected = f"a time that exists once in {zone} ({wall_problem(value)}); {_MAKE_AWARE}"
            raise ValidationError(
                [Issue(field, value.replace(tzinfo=None), expected)], subject
            ) from None
        said = re.split(r"(?<=\.)\s", str(error).strip().splitlines()[0])[0]  # its first sentence
        raise ValidationError.single(
            "created_at/closed_at" if history is None else "created_at/closed_at/history.at",
            f"naive times read in {zone}",
            "times that each exist once in that zone: a time its clocks skip or repeat is "
            f"no instant; {_MAKE_AWARE}. The engine said: {said}",
        ) from None


def _first_time_without_instant(
    frame: Any, columns: Mapping[str, str], zone_name: str, *, history: bool = False
) -> tuple[str, dt.datetime, str] | None:
    """The field, value (in *zone_name*) and row (numbered on an eager frame, as
    bad rows are) of the first naive time of *frame* (of deals, or of their
    changes with *history*) that names no single instant in the zone. Only the
    rows of the days its clocks change on are read in Python: a column's
    distinct days are few beside its rows."""
    nw = _narwhals()
    zone = zoneinfo.ZoneInfo(zone_name)
    native = nw.from_native(frame)
    eager = isinstance(native, nw.DataFrame)
    if eager:
        native = native.with_row_index(_ROW)
    schema = native.collect_schema()
    id_field, fields, name = ("deal_id", ("at",), "history") if history else ("id", _TIMES, "frame")
    id_source = columns.get(id_field, id_field)
    found: list[tuple[int, str, dt.datetime, str]] = []
    for field in fields:
        source = columns.get(field, field)
        dtype = schema.get(source)
        if not isinstance(dtype, nw.Datetime) or dtype.time_zone is not None:
            continue
        day = nw.col(source).dt.truncate("1d")  # pandas has no dt.date
        days = map(_cell, _table(native.select(day.alias("__day")).unique())["__day"])
        changing = [d for d in days if d is not None and _offset_changes(d.date(), zone)]
        if not changing:
            continue
        picked = [_ROW, source] if eager else [source]
        if id_source in schema:
            picked.append(id_source)
        rows = _records(_table(native.filter(day.is_in(changing)).select(picked)))
        for row in sorted(rows, key=lambda r: r.get(_ROW) or 0):
            value = _cell(row[source]).replace(tzinfo=zone)
            if zone_problem(value) is not None:  # no single instant (fold=0 is "not said")
                record_id = row.get(id_source)
                where = f"row {row[_ROW]}" if eager else "row"  # as _reject names one
                where += f" ({id_field} {record_id!r})" if isinstance(record_id, str) else ""
                label = f"history.{field}" if history else field
                found.append((row.get(_ROW) or 0, label, value, f"{where} of the {name}"))
                break
    if not found:
        return None
    _, field, value, subject = min(found, key=lambda f: f[0])
    return field, value, subject


def _offset_changes(day: dt.date, zone: dt.tzinfo) -> bool:
    """Whether *zone*'s UTC offset at the start of *day* differs from the next
    day's: the days whose wall times may be skipped or repeated."""
    if day == dt.date.max:
        return False
    start = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    return start.utcoffset() != (start + dt.timedelta(days=1)).utcoffset()


def computed(
    engine: Callable[[dict[str, list[str]]], _Engine], compute: Callable[[_Engine], T]
) -> tuple[_Engine, T]:
    """*compute* of an *engine* (made with the group keys refused so far): again,
    without their rows, while a group key read from an id field is no id."""
    refused: dict[str, list[str]] = {}
    while True:
        try:
            made = engine(refused)
            return made, compute(made)
        except _RefusedKeys as keys:
            refused = {**refused, keys.field: keys.values}
        except Exception as error:
            if type(error).__name__ == "InvalidInputException" and "consumed" in str(error):
                # the checks and the figures each read the relation: it must be readable again
                raise ValidationError.single(
                    "records",
                    "a DuckDB relation over an Arrow stream, which can be read once",
                    "a relation DuckDB can read again: read the stream into a table "
                    "first (reader.read_all())",
                ) from None
            raise


def history_figure(
    frame: Any,
    history: Any,
    columns: Mapping[str, str] | None,
    by: Any,
    compute: Callable[[_Engine], T],
    *,
    tz: Any,
    strict: bool,
    book: PipelineBook,
) -> tuple[_Engine, T]:
    """*compute* of the engine of a history KPI (funnel, time in stage) over a
    frame of deals and a frame of their stage changes (naive times read in *tz*)."""
    _refuse_callables({"by": by})
    grouping = Grouping(by, None, tz, "created")
    with _naive_times_read_in(grouping.tz, frame, columns, history):
        return computed(
            lambda refused: _Engine(
                _narwhals(),
                frame,
                columns,
                grouping,
                strict=strict,
                book=book,
                amounts=False,
                extras=set(),
                history=history,
                bad_ids=refused,
            ),
            compute,
        )


def _by_of(grouping: Grouping) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names *grouping* groups by, and the frame's fields they read."""
    aliases = grouping._aliases
    by = grouping.by
    names: tuple[str, ...] = (
        (by,)
        if isinstance(by, str)
        else by
        if isinstance(by, tuple)
        else tuple(v for v in by.values() if isinstance(v, str))
        if isinstance(by, Mapping)
        else ()
    )
    return names, tuple(_COLUMN_OF_PATH.get(aliases.get(n, n), n) for n in names)


def collect_frame(
    frame: Any,
    accumulators: tuple[DefinedAccumulator, ...],
    columns: Mapping[str, str] | None,
    history: Any,
) -> tuple[Any, ...]:
    """The results of *accumulators* over the rows of *frame*, every row checked
    once for all of them: a row one of them cannot read (a bad amount) is a bad
    row for all, as a record that could not exist would be."""
    first = accumulators[0]
    groupings = []
    for i, acc in enumerate(accumulators):
        differs = _differs(first, acc)
        if differs is not None:
            setting, mine, theirs = differs
            told = (
                "" if setting in ("kind", "freshness") else f": it has {mine}, the first {theirs}"
            )
            raise ValidationError.single(
                f"accumulators[{i}]",
                type(acc).__name__,
                f"a fresh accumulator of a deal KPI with the {setting} of the first{told} (on "
                "a DataFrame, collect checks every row once for all; a KPI of stage changes, "
                "a target's coverage, or other settings: call it apart)",
            )
        _refuse_callables(acc._given)  # by=, converted=, start=, business_days=
        plain = acc._grouping
        groupings.append(
            Grouping(plain.by, plain.period, plain.tz, plain.anchor, aliases=acc.definition.aliases)
        )
    fields = list(dict.fromkeys(f for g in groupings for f in _by_of(g)[1]))
    plain = first._grouping
    grouping = Grouping(tuple(fields) or None, plain.period, plain.tz, plain.anchor)
    measures = [m for acc in accumulators for m in acc._measures]
    views = list(zip(groupings, (acc._measures for acc in accumulators), strict=True))
    engine = _measuring(frame, columns, grouping, first, measures, history)
    with _naive_times_read_in(grouping.tz, frame, columns, history):
        made, values = computed(engine, lambda engine: engine.values_of(views))
    results = []
    for acc, found in zip(accumulators, values, strict=True):
        filled = copy.copy(acc)  # the accumulator given stays fresh
        filled._skipped = list(made.skipped)
        results.append(filled.figure(found))
    return tuple(results)


def _differs(first: Any, acc: Any) -> tuple[str, str, str] | None:
    """What of *acc* keeps it from checking the rows of one frame with *first*:
    the setting, as *acc* and *first* have it (None: nothing)."""
    if not isinstance(acc, DefinedAccumulator) or not isinstance(first, DefinedAccumulator):
        return "kind", "", ""
    if acc._skipped or acc._state != {m.name: m.fresh() for m in acc._measures}:
        return "freshness", "", ""
    if any(m.where.within is not None for m in acc._measures):
        return "kind", "", ""

    def book(of: DefinedAccumulator) -> Any:
        return None if of._book is None else tuple(of._book.by_id.items())

    def shown(name: str, value: Any) -> str:
        if name == "pipelines":  # the pipelines rows are checked against, by id
            ids = ", ".join(repr(pipeline_id) for pipeline_id, _ in value or ())
            return f"pipelines {ids}" if ids else "no pipelines"
        return f"{name}={value!r}"

    def zone(of: DefinedAccumulator) -> Any:
        tz = of._grouping.tz
        return tz if tz is None or tz == "recorded" else _zone_name(tz)

    mine, theirs = acc._grouping, first._grouping
    settings = {
        "strict": (acc.strict, first.strict),
        "pipelines": (book(acc), book(first)),
        "tz": (zone(acc), zone(first)),
        "period": (mine.period, theirs.period),
        "anchor": (mine.anchor if mine.period else None, theirs.anchor if theirs.period else None),
    }
    return next(
        ((name, shown(name, a), shown(name, b)) for name, (a, b) in settings.items() if a != b),
        None,
    )


def _refuse_callables(options: Mapping[str, Any]) -> None:
    for name in _CALLABLES:
        value = options.get(name)
        if isinstance(value, Mapping) and any(callable(v) for v in value.values()):
            value = next(v for v in value.values() if callable(v))
        if callable(value) and not isinstance(value, (str, tuple, frozenset, set)):
            raise ValidationError.single(
                name,
                value,
                "column names or values on a DataFrame: a callable reads records, so pass "
                "records (e.g. bulk.from_records) to use one",
            )
    if options.get("business_days"):
        raise ValidationError.single(
            "business_days",
            True,
            "False on a DataFrame (business days are counted on records only, for now)",
        )


def _zone_name(tz: Any) -> str | None:
    """The IANA name of a checked ``tz=`` (None for ``"recorded"`` or none)."""
    if tz is None or tz == "recorded":
        return None
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    if tz is dt.UTC or tz == dt.UTC:
        return "UTC"
    offset = tz.utcoffset(None) if isinstance(tz, dt.timezone) else None
    if offset is not None and offset % _HOUR == dt.timedelta(0) and -12 <= offset // _HOUR <= 14:
        # a fixed offset of whole hours is an IANA zone: Etc/GMT-2 is UTC+2 (POSIX's sign)
        return f"Etc/GMT{-(offset // _HOUR):+d}"
    raise ValidationError.single(
        "tz",
        tz,
        "a zoneinfo.ZoneInfo, datetime.UTC, an IANA name, or an offset of whole hours "
        "on a DataFrame (for another offset, name its zone: Asia/Kolkata)",
    )


class _Engine:
    """One KPI over one frame: the frame normalised to the entity field names and
    checked row by row (vectorised), then each measure's values."""

    def __init__(
        self,
        nw: Any,
        frame: Any,
        columns: Mapping[str, str] | None,
        grouping: Grouping,
        *,
        strict: bool,
        book: PipelineBook | None,
        amounts: bool,
        extras: set[str],
        history: Any = None,
        within: Within | None = None,
        bad_ids: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.nw = nw
        self.grouping = grouping
        self.strict = strict
        self.book = book
        self.amounts = amounts
        self.extras = extras
        #: Which rows the measures that name it count (a target's scope and window).
        self.within = within
        self.skipped: list[SkippedRecord] = []
        native = self.native(frame, "records")
        self.eager = isinstance(native, nw.DataFrame)
        self.implementation = native.implementation
        self.backend = str(native.implementation).lower()
        #: Whether to plan lazily and screen in one pass (polars, in memory already).
        self.planned = self.eager and native.implementation is nw.Implementation.POLARS
        #: Whether the columns read are handed to polars once picked (see _on_polars).
        self.handed = history is None and _hands_over(nw.to_native(native))
        if self.eager:
            native = native.with_row_index(_ROW)
        if self.planned:
            native = native.lazy()
        self.frame = native
        self.changes_given = history is not None
        if columns is not None and not isinstance(columns, Mapping):
            raise ValidationError.single("columns", columns, "a mapping of field name to column")
        self.columns = dict(columns or {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.columns.items()):
            raise ValidationError.single("columns", columns, "a mapping of field name to column")
        #: The days whose start the engine's formula misses, per column (see _odd_days).
        self._days_asked: dict[tuple[str, str, bool], list[tuple[dt.datetime, dt.datetime]]] = {}
        #: The currency of every row, when they have one (see _cents).
        self.one_currency: str | None = None
        #: Whether a row fails a check of its amount or currency, for the verdict
        #: of the checks (None: the checks themselves; see _cents).
        self.amount_failed: Any = None
        self._select()
        if book is not None:
            self._pipelines(book)
        self.changes: Changes | None = None
        self._good: Any = None
        #: Per id field, the values the rule refuses (found by the screen, or as
        #: group keys by an engine before).
        self.bad_ids: dict[str, list[str]] = dict(bad_ids or {})
        if history is not None:
            self.changes = Changes(self, history)

    def native(self, frame: Any, field: str) -> Any:
        """*frame* as a narwhals frame (a bad one refused as *field*)."""
        try:
            return self.nw.from_native(frame)
        except TypeError:
            expected = (
                "an iterable of records, or a DataFrame"
                if field == "records"
                else "a DataFrame of stage changes (deal_id, from_stage, to_stage, at)"
            )
            raise ValidationError.single(field, type(frame).__name__, expected) from None

    # --- columns -----------------------------------------------------------------------

    def _select(self) -> None:
        """Keep the columns the KPI reads, under the entity field names."""
        names = list(schema_of(self.frame, "records").names())
        wanted = ["id", "status", "created_at", "closed_at"]
        optional: list[str] = []
        if all(self.columns.get(f, f) in names for f in ("amount", "currency")):
            # a frame that holds amounts: a row whose amount no deal could hold is
            # a bad row for every KPI, as that deal could not exist (its records)
            self.amounts = True
        if self.amounts:
            wanted += ["amount", "currency"]
        if "reason_stage" in self.extras:
            wanted.append("loss_reason")
        if self.book is not None or self.extras & {"place"}:
            wanted.append("stage")
            optional.append("pipeline_id")
        elif self.changes_given:
            wanted.append("stage")
        if self.within is not None:
            wanted += [f for f in self.within.fields() if f not in wanted]
            optional.append("expected_close")
        optional.append("loss_reason")  # when given, only a lost deal holds one
        self.by_names, self.by_fields = _by_of(self.grouping)
        for field in self.by_fields:
            if field not in wanted:
                wanted.append(field)
        if "currency" in self.by_fields and "amount" not in wanted:
            optional.append("amount")  # a deal of unknown value has no currency
        unknown = sorted(set(self.columns) - _MAPPABLE - set(self.by_fields))
        if unknown:  # a typo would leave the column it meant unread
            raise ValidationError.single(
                "columns",
                unknown[0],
                "a field of a Deal (or currency, segment, a by= name, or a field of the "
                f"stage changes: {', '.join(_CHANGE_COLUMNS)})",
            )
        exprs = [self.nw.col(_ROW)] if self.eager else []
        self.present: set[str] = set()
        for field in wanted + [o for o in optional if o not in wanted]:
            source = self.column(field, names, required=field not in optional)
            if source is not None:
                self.present.add(field)
                exprs.append(self.nw.col(source).alias(field))
        self.frame = _plain_text(self.nw, self.frame.select(exprs), self.backend)
        if self.backend == "pandas":
            for field, dtype in self.nw.to_native(self.frame).dtypes.items():
                if type(dtype).__name__ == "SparseDtype":  # narwhals reads none
                    raise ValidationError.single(
                        field, str(dtype), "a dense column (pandas: .sparse.to_dense())"
                    )
        if self.handed:
            self.frame = self._on_polars(self.frame)
        self.schema = self.frame.collect_schema()
        self._normalise()

    def _on_polars(self, frame: Any) -> Any:
        """*frame*, a pandas one of the columns the KPI reads, as a polars one when
        polars is installed and reads it as pandas does: each column's type
        (numbers, text, times in a zone it knows, dates), and the zones the KPI
        reads wall clocks in (see _misread). The same checks and figures, three
        times faster than pandas' passes over Arrow strings. Else *frame*."""
        native = self.nw.to_native(frame)
        if not all(map(_reads_alike, native.dtypes)):
            return frame
        try:
            import polars as pl
        except ImportError:
            return frame
        if self._misread(frame, frame.collect_schema()) is not None:
            return frame
        nw = self.nw
        self.implementation, self.backend, self.planned = nw.Implementation.POLARS, "polars", True
        return nw.from_native(pl.from_pandas(native)).lazy()

    def _misread(
        self, frame: Any, schema: Any, fields: Sequence[str] = _TIMES
    ) -> ValidationError | None:
        """Why polars would read the wall clocks of *fields* of *frame* otherwise
        than the records do (None: it would not). Its time zone database is not
        Python's: it lacks some names (``posix/...``, ``localtime``), and it applies
        no daylight saving time from 2100 on, so a time then, read in a zone that
        keeps one, is an hour off."""
        anchor = self.grouping.anchor if self.grouping.period is not None else None
        times = [f for f in fields if f in schema]
        zones: dict[str, str] = {}
        named = _zone_name(self.grouping.tz)
        if named is not None and (anchor is not None or any(self._naive(f, schema) for f in times)):
            zones["tz"] = named
        elif anchor is not None and getattr(schema.get(anchor), "time_zone", None) is not None:
            zones[anchor] = schema[anchor].time_zone  # periods read as recorded
        for field, zone in zones.items():
            if not _polars_zone(zone):
                return ValidationError.single(
                    field,
                    zone,
                    "a time zone polars knows (its database has no posix/, right/ "
                    "or localtime names: use the zone's own name)",
                )
        late = [zone for zone in zones.values() if keeps_daylight_saving(zone)]
        if late and times:
            nw = self.nw
            (latest,) = _records(_table(frame.select(*(nw.col(f).max() for f in times))))
            for field, value in latest.items():
                if _from_2100(value):
                    return ValidationError.single(
                        field,
                        value,
                        f"a time before 2100 on polars, read in {late[0]}: polars "
                        "applies no daylight saving time from 2100 on (read the frame with "
                        "pandas or as records, which do)",
                    )
        return None

    def column(
        self, field: str, names: list[str], *, required: bool = True, frame: str = "frame"
    ) -> str | None:
        """The column of the *frame* holding *field* (None for a missing optional
        one)."""
        source = self.columns.get(field, field)
        if source in names:
            return source
        if not required:
            return None
        names = [n for n in names if n != _ROW]  # the row number is the engine's own
        shown = ", ".join(map(repr, names[:12])) + (", ..." if len(names) > 12 else "")
        where = f"history.{field}" if frame == "history" else field
        raise ValidationError.single(
            where,
            source,
            f"a column of the {frame} ({shown}); map another with columns={{{field!r}: ...}}",
        )

    def _normalise(self) -> None:
        """Text columns as text, times as UTC instants (naive ones read in
        ``tz=``), amounts as exact integers of minor units."""
        fields: tuple[str, ...] = (
            "id",
            "status",
            "stage",
            "pipeline_id",
            "loss_reason",
            "currency",
        )
        if self.within is not None:
            fields += self.within.fields()
        exprs = [self.text(self.schema, f) for f in fields if f in self.present]
        if "expected_close" in self.present:
            exprs.append(self._dates("expected_close"))
        if self.changes_given:  # the key of the joins with the changes, of one string type
            exprs[0] = self.nw.col("id").cast(self.nw.String)
        self.local: Any = None
        zone = _zone_name(self.grouping.tz)
        if self.grouping.period is not None and self.backend in _SESSION_ZONED:
            self._check_session_zone()
        if self.backend == "polars" and not self.handed:  # a handed one was checked before
            misread = self._misread(self.frame, self.schema)
            if misread is not None:
                raise misread
        for field in _TIMES:
            expr = self.instant(self.schema, field)
            if field == self.grouping.anchor and self.grouping.period is not None:
                # A column of its own, made from the column as given: once the
                # field holds UTC instants, a naive time or a date read in tz= (or
                # a time recorded in its zone) can no longer be read as it was.
                local = self.instant(self.schema, field, utc=False)
                if zone is not None and not self._naive(field):  # naive: read in tz= already
                    local = self._in_zone(local, zone)
                exprs.append(local.alias(_LOCAL))
                self.local = self.nw.col(_LOCAL)
            exprs.append(expr)
        self.frame = self.frame.with_columns([e for e in exprs if e is not None])
        if "currency" in self.by_fields and "amount" in self.present:
            # grouped by currency, a deal of unknown value is of none, as a record's
            # amount.currency is None (the row's currency names no amount)
            nothing = self.nw.lit(None, self.nw.String)
            currency = self.nw.when(self.nw.col("amount").is_null()).then(nothing)
            self.frame = self.frame.with_columns(
                currency.otherwise(self.nw.col("currency")).alias("currency")
            )
        if self.amounts:
            self._cents()

    def _naive(self, field: str, schema: Any = None) -> bool:
        """Whether *field* holds dates or naive datetimes (read in ``tz=``)."""
        dtype = (self.schema if schema is None else schema)[field]
        return dtype == self.nw.Date or (
            isinstance(dtype, self.nw.Datetime) and dtype.time_zone is None
        )

    def text(self, schema: Any, field: str, frame: Any = None) -> Any:
        """*field* as text (None: it is already), or a ValidationError."""
        nw = self.nw
        dtype = schema[field]
        if dtype == nw.String:
            return None
        if field in ("id", "deal_id") and dtype.is_integer():  # its text, as records read it
            return nw.col(field).cast(nw.String)
        if dtype in (nw.Categorical, nw.Enum):
            return nw.col(field).cast(nw.String)
        held = None
        if dtype in (nw.Object, nw.Unknown):
            # PyArrow's bytes are Unknown to narwhals, pandas' an object column: a
            # cast would decode them (or raise the engine's error on bytes that are
            # no UTF-8), where polars and DuckDB refuse them
            held = _bytes_held(nw.to_native(self.frame if frame is None else frame), field)
            if held is None:
                return nw.col(field).cast(nw.String)
        if self._empty(field, frame):  # nothing but nulls, of whatever type was guessed
            return self._nulls(nw.String, field)
        where = _named(field, frame)
        expected = "a column of text"
        if held is not None or dtype == nw.Binary:
            expected += " (not bytes: decode them first)"
        shown = held if held is not None else str(dtype)
        raise ValidationError.single(where, shown, expected)

    def _dates(self, field: str) -> Any:
        """*field* as a column of dates, or a ValidationError."""
        nw = self.nw
        dtype = self.schema[field]
        if dtype == nw.Date:
            return None
        if self._empty(field):
            return self._nulls(nw.Date, field)
        expected = "a column of dates (not datetimes; on pandas, dtype date32[pyarrow])"
        raise ValidationError.single(field, str(dtype), expected)

    def instant(self, schema: Any, field: str, frame: Any = None, *, utc: bool = True) -> Any:
        """*field* as UTC instants (naive times read in ``tz=``), or as the times
        recorded (*utc* False)."""
        nw = self.nw
        dtype = schema[field]
        shown = f"dates ({dtype})" if dtype == nw.Date else f"naive datetimes ({dtype})"
        expr = nw.col(field)
        recorded = None  # the zone of a pandas column narwhals cannot read
        dates = dtype == nw.Date
        if dates:  # a day is its first instant, as records read a date
            dtype = nw.Datetime("us")
            expr = expr.cast(dtype)
        if dtype == nw.Unknown and frame is None:
            found = self._zoned_pandas(field)
            if found is not None:
                # As the same instants in UTC (a zone narwhals reads), then back in
                # the zone they were recorded in when that zone is read.
                dtype, recorded = nw.Datetime(found.time_unit, "UTC"), found.time_zone
                expr = expr.cast(dtype)
        if not isinstance(dtype, nw.Datetime):
            if not self._empty(field, frame):
                expected = "a column of timezone-aware datetimes"
                if dtype in (nw.String, nw.Object):
                    # text left as read (pandas' parse_dates leaves a column as text
                    # when its rows differ in format or UTC offset), or Python objects
                    expected += (
                        " (or naive ones, or dates, with tz=), not text or Python objects: "
                        "parse it first (pandas: pd.to_datetime(column, format='ISO8601', "
                        "utc=True); polars: .str.to_datetime())"
                    )
                elif dtype == nw.Unknown and self.backend == "duckdb":  # e.g. nanoseconds
                    expected += " of a type narwhals reads (cast it: ::TIMESTAMPTZ)"
                elif dtype == nw.Unknown:  # narwhals reads no zone name with "_", "-" or a digit
                    expected += " in a zone narwhals reads (convert it: dt.tz_convert('UTC'))"
                    # pandas' own name for it: "Unknown" says nothing of the zone
                    native = nw.to_native(self.frame if frame is None else frame)
                    dtypes: Any = getattr(native, "dtypes", None)  # pandas': a Series
                    dtype = dtypes.get(field, dtype) if hasattr(dtypes, "get") else dtype
                where = _named(field, frame)
                raise ValidationError.single(where, str(dtype), expected)
            # A column of nothing but nulls has whatever type its engine guessed.
            dtype = nw.Datetime("us", "UTC")
            expr = self._nulls(dtype, field)
        if dtype.time_unit == "ns" and self.backend not in _FLOAT_DURATIONS:
            # records hold microseconds: so do the checks and sums (pandas and Dask
            # are cut to microseconds below, where their zone is dropped for it)
            dtype = nw.Datetime("us", dtype.time_zone)
            expr = expr.dt.truncate("1us").cast(dtype)  # PyArrow casts nothing it would cut
        elif dtype.time_unit == "ns" and self.backend == "pandas":
            expr = expr.dt.truncate("1us")  # an Arrow column casts nothing it would cut
        elif dtype.time_unit in ("s", "ms"):
            # Engines subtract and compare two units in the coarser one (polars cut
            # a cycle from a column of milliseconds to one of microseconds to whole
            # milliseconds): every column in microseconds, which loses nothing.
            dtype = nw.Datetime("us", dtype.time_zone)
            expr = expr.cast(dtype)
        if dtype.time_zone is None and self._unzoned() and self._empty(field, frame):
            # nothing but nulls: no time to read in any zone (pandas reads a column
            # of empty cells as naive datetimes)
            dtype = nw.Datetime("us", "UTC")
            expr = self._nulls(dtype, field)
        if dtype.time_zone is None:
            zone = _zone_name(self.grouping.tz)
            if zone is None:
                expected = "timezone-aware datetimes, or tz= naming the zone they were recorded in"
                raise ValidationError.single(field, shown, expected)
            if self.backend in _SESSION_ZONED:
                expected = (
                    f"timezone-aware datetimes on a {_SESSION_ZONED[self.backend]} (it reads "
                    "naive ones in its session's zone, whatever tz= says)"
                )
                raise ValidationError.single(field, shown, expected)
            if self.backend == "dask" and not _READABLE_ZONE.fullmatch(zone):
                expected = (
                    "a zone whose name has no '_', '-' or digit for naive times on a Dask "
                    "frame (narwhals cannot read the others there): make the columns "
                    "aware first (dt.tz_localize, then dt.tz_convert('UTC'))"
                )
                raise ValidationError.single("tz", zone, expected)
            if dates:
                expr = self._day_starts(expr, zone, field, frame)
                return expr.alias(field) if utc else expr.dt.convert_time_zone(zone)
            expr = self._in_zone(expr, zone, replace=True)
            if utc and self.backend == "pandas":
                # narwhals reads no pandas zone named with "_" (America/New_York), so
                # it cannot convert from one: a cast to UTC keeps the instants
                expr = expr.cast(nw.Datetime(dtype.time_unit, "UTC"))
        if not utc:
            keep = recorded is not None and _zone_name(self.grouping.tz) is None  # "recorded"
            return expr.dt.convert_time_zone(recorded) if keep else expr
        expr = self._in_zone(expr, "UTC")
        if self.backend in _FLOAT_DURATIONS:
            # whole microseconds behind each (Dask casts no zoned column: drop the zone)
            expr = expr.dt.replace_time_zone(None).cast(nw.Datetime("us"))
            expr = expr.dt.replace_time_zone("UTC")
        return expr.alias(field)

    def _nulls(self, dtype: Any, field: str) -> Any:
        """Column *field* (nothing but nulls, of whatever type its engine guessed)
        as nulls of *dtype*: PyArrow casts no double, say, to a timestamp, even
        when null, so a literal; Dask's literal loses its zone, so a cast there."""
        nw = self.nw
        if self.backend != "dask":
            return nw.lit(None, dtype).alias(field)
        if isinstance(dtype, nw.Datetime) and dtype.time_zone is not None:
            naive = nw.col(field).cast(nw.Datetime(dtype.time_unit))
            return naive.dt.replace_time_zone(dtype.time_zone).alias(field)
        return nw.col(field).cast(dtype).alias(field)

    def _unzoned(self) -> bool:
        """Whether naive times would be refused: without ``tz=``, on
        an engine that reads them in its session's zone, or on Dask in a zone whose
        name narwhals cannot read there."""
        zone = _zone_name(self.grouping.tz)
        return (
            zone is None
            or self.backend in _SESSION_ZONED
            or (self.backend == "dask" and not _READABLE_ZONE.fullmatch(zone))
        )

    def _day_starts(self, midnight: Any, zone: str, field: str, frame: Any = None) -> Any:
        """The first instant of each day in *zone* (its naive *midnight*, a date of
        *field*), as UTC instants, as records read a date (``start_of_day``):
        midnight less the offset in force at noon UTC that day, which the engine
        computes (no local time is read, so none can be missing), and for the few
        days that misses (a change of offset between the two: a daylight-saving
        day, midnight skipped or twice, Samoa's lost day) the day's start as
        records compute it, from the frame's distinct dates."""
        nw = self.nw

        def offset(instant: Any) -> Any:
            wall = instant.dt.convert_time_zone(zone).dt.replace_time_zone(None)
            return wall - instant.dt.replace_time_zone(None)

        noon = (midnight + _NOON).dt.replace_time_zone("UTC")
        start = midnight - offset(noon)  # naive UTC, as the corrections below
        for midnight_of, right in self._odd_days(zone, field, frame):
            day_is = midnight == nw.lit(midnight_of)
            start = nw.when(day_is).then(nw.lit(right)).otherwise(start)
        return start.dt.replace_time_zone("UTC")

    def _odd_days(
        self, zone: str, field: str, frame: Any = None
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """``(midnight, start)`` of each distinct day of *field* whose start in
        *zone* is not midnight less the offset at noon UTC (see _day_starts), as
        naive UTC times: asked of the engine once per column (a period's anchor
        is read twice, as an instant and as a wall time)."""
        key = (zone, field, frame is None)
        found = self._days_asked.get(key)
        if found is not None:
            return found
        info = zoneinfo.ZoneInfo(zone)
        source = self.frame if frame is None else frame
        found = []
        for cell in _collect(source.select(field).unique()).to_dict(as_series=False)[field]:
            if not isinstance(cell, dt.date):
                continue  # null
            day = cell.date() if isinstance(cell, dt.datetime) else cell
            midnight = dt.datetime.combine(day, dt.time())
            midday = dt.datetime.combine(day, dt.time(12), dt.UTC).astimezone(info).utcoffset()
            right = start_of_day(day, info).astimezone(dt.UTC).replace(tzinfo=None)
            if right != midnight - (midday or dt.timedelta(0)):
                found.append((midnight, right))
        self._days_asked[key] = found
        return found

    def _zoned_pandas(self, field: str) -> Any:
        """The Datetime type of a pandas column of times in a zone whose name
        narwhals cannot read (it reads ``America/New_York`` as Unknown: a name
        with ``_``, ``-`` or a digit); else None."""
        if self.backend != "pandas":  # Dask casts no zoned column: it stays refused
            return None
        dtype = self.nw.to_native(self.frame)[field].dtype
        unit, key = getattr(dtype, "unit", None), getattr(getattr(dtype, "tz", None), "key", None)
        if unit not in ("s", "ms", "us", "ns") or not isinstance(key, str):
            return None
        return self.nw.Datetime(unit, key)  # an IANA zone (zoneinfo's key)

    def _check_session_zone(self) -> None:
        """Refuse periods on a DuckDB or Spark session that reads instants in
        another zone than UTC (its calendar would be that zone's, whatever
        ``tz=`` says), and ``tz="recorded"`` there: such a column keeps
        instants, not the zone each was recorded in."""
        kind = _SESSION_ZONED[self.backend]
        if self.grouping.tz == "recorded":
            raise ValidationError.single(
                "tz",
                "recorded",
                f"UTC on a {kind} (tz='UTC'): it keeps instants, not the zone each "
                "time was recorded in",
            )
        native = self.nw.to_native(self.frame)
        if self.backend == "duckdb":
            found = native.query("_t", "select current_setting('TimeZone')").fetchall()[0][0]
        else:
            found = native.sparkSession.conf.get("spark.sql.session.timeZone")
        if found not in ("UTC", "Etc/UTC"):
            how = (
                "SET TimeZone = 'UTC'"
                if self.backend == "duckdb"
                else "spark.conf.set('spark.sql.session.timeZone', 'UTC')"
            )
            raise ValidationError.single(
                "tz",
                f"a {kind} whose session reads times in {found!r}",
                f"a session in UTC for periods ({how}): it would read every period in its own zone",
            )

    def _in_zone(self, expr: Any, zone: str, *, replace: bool = False) -> Any:
        if self.backend in _SESSION_ZONED:
            # These keep instants and read them in their session's zone: converting
            # to UTC changes nothing a duration or a UTC period reads.
            if zone in ("UTC", "Etc/UTC") and not replace:
                return expr
            raise ValidationError.single(
                "tz",
                zone,
                f"UTC on a {_SESSION_ZONED[self.backend]}, with aware times (it reads "
                "times in its session's zone)",
            )
        if replace:
            return expr.dt.replace_time_zone(zone)
        return expr.dt.convert_time_zone(zone)

    def _cents(self) -> None:
        """``__cents``: each amount in its currency's minor unit, an int64 (0 for
        an unknown or bad amount), and ``__amount_bad``: why it is bad (0: good)."""
        nw = self.nw
        alike, first = self._alike("currency")
        one = first if alike and isinstance(first, str) else None
        currencies = ([] if one is None else [one]) if alike else self._distinct("currency")
        places = {c: minor_unit(c) for c in currencies if is_currency(c)}
        self.places = places
        self.one_currency = one  # an amount's aggregate need not be grouped by it then
        # 1 for a currency it does not know: such a row is bad (a null would make
        # pandas-like engines fall back to object columns).
        scale = _chain(nw, [(nw.col("currency") == c, 10**p) for c, p in places.items()], 1)
        amount = nw.col("amount")
        dtype = self.schema["amount"]
        failing = None  # whether an amount fails a check, when cheaper than the checks
        if not (dtype.is_numeric() or dtype == nw.String) and self._empty("amount"):
            dtype = nw.Float64  # nothing but unknown amounts, of whatever type was guessed
            self.frame = self.frame.with_columns(self._nulls(dtype, "amount"))
        if dtype.is_integer():
            if dtype == nw.UInt64:  # never negative (PyArrow compares it as an int64)
                negative, zero = nw.lit(False), nw.lit(0, dtype)
                unreadable = amount >= 10**_DIGITS
            else:  # as int64 first: times 100, an Int8 column wraps
                amount = amount.cast(nw.Int64)
                negative = amount < 0
                # no abs(): DuckDB overflows on -2**63
                unreadable = (amount >= 10**_DIGITS) | (amount <= -(10**_DIGITS))
                zero = nw.lit(0, nw.Int64)
            small = nw.when(_fill(~unreadable)).then(amount).otherwise(zero).cast(nw.Int64)
            cents_f = small * scale
            too_fine = nw.lit(False)
        elif dtype.is_float():
            # a float32 amount is the double it widens to, as Money reads it: 0.1 in
            # float32 is 0.10000000149011612, no amount of cents
            if dtype != nw.Float64:
                amount = amount.cast(nw.Float64)
            scale = _chain(
                nw, [(nw.col("currency") == c, float(10**p)) for c, p in places.items()], 1.0
            )  # a float: PyArrow refuses an integer of more than 53 bits beside a float
            if self.backend == "polars" and len(places) == 1:
                # The scale of the one currency, a number: a row of another currency
                # fails the currency check, before any other check of its amount.
                scale = float(10 ** next(iter(places.values())))
            negative = amount < 0
            scaled = amount * scale
            cents_f = scaled.round(0)
            unreadable = ~amount.is_finite() | (cents_f.abs() >= 10**_DIGITS)
            nearest = self._nearest(amount, cents_f, scale)
            too_fine = ~unreadable & ~nearest
            if self.backend == "polars":
                # Whether an amount fails any of its checks, in fewer steps (the
                # checks themselves say which, of the bad rows only): NaN and the
                # infinities are not below the bound, and the nearest float to
                # cents / scale is no finer than the currency.
                failing = ~(cents_f.abs() < 10**_DIGITS) | negative | ~nearest
        elif dtype in (nw.String, nw.Categorical, nw.Enum, nw.Object, nw.Unknown) or isinstance(
            dtype, nw.Decimal
        ):
            unreadable, negative, too_fine, cents_f = self._written_cents(amount, places)
        else:
            raise ValidationError.single(
                "amount", str(dtype), "a column of numbers, decimals or text amounts"
            )
        known = ~amount.is_null()
        currency_bad = known & (nw.col("currency").is_null() | ~_known_currency(nw, places))
        self.amount_checks = [
            (currency_bad, "currency"),
            (known & unreadable, "unreadable"),
            (known & negative, "negative"),
            (known & too_fine, "too_fine"),
        ]
        if failing is not None:
            self.amount_failed = currency_bad | (known & failing)
        # Only the rows that pass every check reach a sum (the measures read the
        # good rows), so the minor units need only be safe to cast: asking again
        # whether a float is exact would cost the measures the check's time again.
        readable = known & ~unreadable
        self.frame = self.frame.with_columns(
            nw.when(_fill(readable))
            .then(cents_f)
            .otherwise(0)
            .fill_null(0)
            .cast(nw.Int64)
            .alias(_CENTS)
        )

    def _written_cents(self, amount: Any, places: Mapping[str, int]) -> tuple[Any, ...]:
        """Whether each written amount (text, or a decimal as text) is unreadable,
        negative or finer than its currency allows, and its minor units: digit for
        digit, as ``Money`` reads the same text ("+1200.50", "1.2E+3", "0.10").

        Each step is a column of the frame (``__w_...``, left out of bad rows shown):
        an expression built on the last would have the engine read the text again
        for every use of it."""
        nw = self.nw

        def length(text: Any) -> Any:
            return text.str.len_chars().cast(nw.Int64)  # unsigned in some engines

        def stage(**steps: Any) -> list[Any]:
            self.frame = self.frame.with_columns(
                [step.alias(_WRITTEN + name) for name, step in steps.items()]
            )
            return [nw.col(_WRITTEN + name) for name in steps]

        (raw,) = stage(
            raw=amount.cast(nw.String)
            .fill_null("")
            .str.strip_chars(_SPACES)  # as str.strip() does: every engine alike
            .str.replace_all(r"^\+", "")
        )
        written = _fill(raw.str.contains(_WRITTEN_AMOUNT))
        power = raw.str.replace_all(r"^[^eE]*[eE]?\+?", "")  # the exponent, "" for none
        mantissa = raw.str.replace_all(r"[eE].*$", "")
        # Trailing zeros of a fraction are no finer a value: 21114774.00 JPY is whole.
        fraction = _fill(mantissa.str.contains(r"\."))
        written, exponent, text = stage(
            written=written,
            exponent=nw.when(written & (power != "")).then(power).otherwise(nw.lit("0")),
            text=nw.when(fraction)
            .then(mantissa.str.strip_chars_end("0"))
            .otherwise(mantissa)
            .str.strip_chars_end("."),
        )
        digits, decimals = stage(
            digits=text.str.replace_all(r"[.\-]", ""),
            decimals=(length(text) - length(text.str.replace_all(r"\..*$", "")) - 1).clip(
                lower_bound=0
            ),
        )
        shift = _chain(nw, [(nw.col("currency") == c, p) for c, p in places.items()], 0)
        core, shift = stage(
            core=digits.str.strip_chars_end("0"),
            shift=shift - decimals + exponent.cast(nw.Int64),
        )
        # A negative shift is still whole when as many zeros end the digits (1000E-3).
        short = _fill(shift < 0)
        base, shift, width = stage(
            base=nw.when(short).then(core).otherwise(digits),
            shift=nw.when(short).then(shift + length(digits) - length(core)).otherwise(shift),
            # the digits of the minor units, leading zeros left out
            width=nw.when(short)
            .then(length(core.str.strip_chars_start("0")))
            .otherwise(length(digits.str.strip_chars_start("0"))),
        )
        # leading zeros are no digits of the amount ("00012.50" has four)
        significant = length(digits.str.strip_chars_start("0"))
        # A zero has no digits ("0E17" is 0), but Money bounds its exponent too
        # ("0.000E+40" is 0E+37): the exponent less the places written.
        places_written = length(mantissa) - length(mantissa.str.replace_all(r"\..*$", "")) - 1
        power_of_zero = exponent.cast(nw.Int64) - places_written.clip(lower_bound=0)
        zero = core == ""
        unreadable = (
            ~written
            | (significant > _DIGITS)
            | (~zero & (width + shift > _INT64_DIGITS))
            | (zero & ~power_of_zero.is_between(-MONEY_DIGITS + 1, MONEY_DIGITS - 1))
        )
        negative = ~unreadable & raw.str.starts_with("-") & ~zero
        too_fine = ~unreadable & ~zero & (shift < 0)
        factor = _chain(nw, [(shift == k, 10**k) for k in range(_INT64_DIGITS + 1)], 0)
        readable = _fill(~unreadable & ~too_fine & ~zero)
        cents = nw.when(readable).then(base).otherwise(nw.lit("0")).cast(nw.Int64) * factor
        return unreadable, negative, too_fine, cents

    def _nearest(self, amount: Any, cents: Any, scale: Any) -> Any:
        """Whether each float *amount* is the float nearest to ``cents / scale``:
        what ``Money`` reads from it then (its shortest repr) is that amount of
        minor units, exactly. ``0.1 + 0.2`` is not the float nearest to 0.30."""
        if self.backend != "polars":
            return cents / scale == amount  # IEEE division: the nearest float, exactly

        # polars divides by multiplying with the reciprocal (not the nearest float).
        # So: the residual amount * scale - cents, from Veltkamp's halves, is at most
        # half a unit in the last place of the amount, times the scale.
        def halves(x: Any) -> tuple[Any, Any]:
            split = x * _SPLITTER
            high = split - (split - x)
            return high, x - high

        high, low = halves(amount)
        if max(self.places.values(), default=0) <= _SHORT_SCALE:
            # a scale of at most 26 bits times a half is exact, and the high product
            # lies within a factor 2 of cents: subtracting it is exact too
            residual = (high * scale - cents) + low * scale
        else:  # Dekker's product: the four products of the halves are exact
            scale_high, scale_low = halves(scale)
            product = amount * scale
            error = (high * scale_high - product) + high * scale_low + low * scale_high
            residual = (product - cents) + (error + low * scale_low)
        # The amount's first place, 2**floor(log2 |amount|), by Rump's ufp: three
        # exact operations (no log, no power); half a unit in the last place is
        # that times 2**-53.
        wide = amount * _UFP_FACTOR
        first_place = (wide - wide * (1.0 - _HALF_EPSILON)).abs()
        return residual.abs() <= first_place * _HALF_EPSILON * scale

    def _empty(self, field: str, frame: Any = None) -> bool:
        """Whether a column holds nothing but nulls (an aggregate)."""
        nw = self.nw
        frame = self.frame if frame is None else frame
        got = _collect(frame.select(nw.col(field).is_null().all().alias("__all")))
        return bool(got.to_dict(as_series=False)["__all"][0])

    def _alike(self, field: str) -> tuple[bool, Any]:
        """Whether every cell of *field* holds its first value (no null), and that
        value: on a polars frame in memory, where comparing each cell with the first
        costs a sixth of hashing every cell (else ``(False, None)``: not asked)."""
        if not self.planned:  # a lazy frame would be read once more
            return False, None
        import polars as pl  # the frame is a polars one

        cell = pl.col(field)
        same = (cell == cell.first()).fill_null(False).all()
        native = self.nw.to_native(self.frame).select(cell.first(), same.alias("__same"))
        first, alike = _collect(native).row(0)
        return bool(alike), first

    def _distinct(self, field: str) -> list[Any]:
        """The distinct values of a (small) column: an aggregate."""
        got = _collect(self.frame.select(field).unique())
        return [v for v in got.to_dict(as_series=False)[field] if isinstance(v, str)]

    # --- rows ----------------------------------------------------------------------------

    def _checks(self) -> list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]]:
        """Every row rule, in the order the accumulator checks records: a
        condition true for a bad row, and the issue of such a row."""
        nw = self.nw
        col = nw.col
        lit = nw.lit
        status, created, closed = col("status"), col("created_at"), col("closed_at")
        zone = _zone_name(self.grouping.tz)

        def shown(instant: dt.datetime) -> dt.datetime:
            """*instant* (UTC, as the checks read it) in the zone of tz=, where naive
            columns were written: the time the frame holds, as records show it."""
            return instant if zone is None else instant.astimezone(zoneinfo.ZoneInfo(zone))

        checks: list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]] = [
            (col("id").is_null(), "id", lambda r: Issue("id", None, ID.expected)),
            (
                lit(False) if "id" in self.bad_ids else ~_plain_id(col("id"), self.backend),
                "id",
                _suspect_id,
            ),
            (
                status.is_null() | ~_is_in(self.nw, status, _STATUSES),
                "status",
                lambda r: Issue("status", r["status"], "one of 'open', 'won', 'lost'"),
            ),
            (
                created.is_null(),
                "created_at",
                lambda r: Issue("created_at", None, "a timezone-aware datetime"),
            ),
            (
                (status == "open") & ~closed.is_null(),
                "closed_at",
                lambda r: Issue("closed_at", shown(r["closed_at"]), "None while status is 'open'"),
            ),
            (
                (status != "open") & closed.is_null(),
                "closed_at",
                lambda r: Issue("closed_at", None, f"a datetime, since status is {r['status']!r}"),
            ),
            (
                closed < created,
                "closed_at",
                lambda r: Issue(
                    "closed_at",
                    shown(r["closed_at"]),
                    f"no earlier than created_at ({shown(r['created_at']).isoformat()})",
                ),
            ),
        ]
        if "loss_reason" in self.present:  # a deal holds a reason only when lost
            checks.append(
                (
                    (status != "lost") & ~_blank(col("loss_reason")),
                    "loss_reason",
                    lambda r: Issue(
                        "loss_reason", r["loss_reason"], f"None while status is {r['status']!r}"
                    ),
                )
            )
        if self.amounts:
            messages: dict[str, Callable[[dict[str, Any]], Issue]] = {
                "currency": lambda r: Issue("currency", r["currency"], CURRENCY_EXPECTED),
                "unreadable": lambda r: Issue("amount", r["amount"], _unreadable(r["amount"])),
                "negative": lambda r: Issue("amount", r["amount"], _AMOUNT_EXPECTED),
                "too_fine": lambda r: Issue(
                    "amount",
                    r["amount"],
                    # a float that is no short decimal is refused as Money refuses it
                    amount_expected(r["amount"])
                    if parse_amount(r["amount"]) is None
                    else f"at most {self.places.get(r['currency'])} decimal places, the "
                    f"minor unit of {r['currency']}",
                ),
            }
            checks += [(cond, "amount", messages[name]) for cond, name in self.amount_checks]
        checks += [
            (col(field).is_in(values), field, _id_issue(field))
            for field, values in self.bad_ids.items()
            if values
        ]
        checks.append((col(_DUP), "id", lambda r: Issue("id", r["id"], "an id no other row has")))
        if self.local is not None:  # a period's year, as a datetime holds it (Period too)
            anchor, tz = self.grouping.anchor, self.grouping.tz
            why = "periods are dates in that zone"
            checks.append(
                (
                    ~self.local.is_null() & ~self.local.dt.year().is_between(1, 9999),
                    anchor,
                    lambda r: beyond_the_calendar(anchor, r[anchor], tz, why).issues[0],
                )
            )
        if self.book is not None:
            checks += self._stage_checks()
        if self.changes is not None:
            checks.append(self.changes.check())
        return checks

    def _stage_checks(self) -> list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]]:
        """Conformance to the pipeline (:meth:`Pipeline.validate`, but for the
        history a frame does not hold): a pipeline given, a stage of it, the
        stage's status, and a loss reason where the pipeline requires one."""
        nw = self.nw
        col = nw.col
        book = self.book
        assert book is not None
        known = ", ".join(map(repr, sorted(book.by_id)))
        named, pipelines = self.named, self.pipelines
        checks: list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]] = []
        if named:
            checks.append(
                (
                    col("pipeline_id").is_null() | ~col("pipeline_id").is_in(list(book.by_id)),
                    "pipeline_id",
                    lambda r: Issue(
                        "pipeline_id", r["pipeline_id"], f"one of the pipelines given ({known})"
                    ),
                )
            )

        of = self.of

        in_stage = [(of(p) & (col("stage") == s.id), p, s) for p in pipelines for s in p.stages]
        stage_known = functools.reduce(operator.or_, [c for c, _, _ in in_stage])
        pipeline_of = self.pipeline_of

        def stage_issue(row: dict[str, Any]) -> Issue:
            pipeline = pipeline_of(row)
            stages = ", ".join(s.id for s in pipeline.stages)
            return Issue("stage", row["stage"], f"a stage of pipeline {pipeline.id!r} ({stages})")

        def status_issue(row: dict[str, Any]) -> Issue:
            stage = pipeline_of(row).stage(row["stage"])
            expected = f"{stage.status.value!r}, the status of stage {row['stage']!r}"
            return Issue("status", row["status"], expected)

        wrong_status = functools.reduce(
            operator.or_, [c & (col("status") != s.status.value) for c, _, s in in_stage]
        )
        checks += [
            (col("stage").is_null() | ~stage_known, "stage", stage_issue),
            (wrong_status, "status", status_issue),
        ]
        needs = [c for c, p, s in in_stage if s.id in p._needs_reason]
        if needs:
            # a frame without the column records no reason: as a deal without one
            present = "loss_reason" in self.present
            missing = _blank(col("loss_reason")) if present else nw.lit(True)
            lost = functools.reduce(operator.or_, needs) & (col("status") == "lost")

            def reason_issue(row: dict[str, Any]) -> Issue:
                pipeline = pipeline_of(row)
                expected = f"a reason, since pipeline {pipeline.id!r} requires one for a lost stage"
                return Issue("loss_reason", None, expected)

            checks.append((lost & missing, "loss_reason", reason_issue))
        return checks

    def _pipelines(self, book: PipelineBook) -> None:
        """``named``: whether rows name their pipeline; ``pipelines``: those they
        may be of."""
        self.named = "pipeline_id" in self.present
        if self.named:
            self.pipelines = list(book.by_id.values())
            return
        # A deal names its pipeline; a frame without the column holds deals of the
        # only pipeline given for deals.
        self.pipelines = [p for p in book.by_id.values() if p.kind is not Lead]
        if len(self.pipelines) != 1:
            known = ", ".join(map(repr, sorted(book.by_id)))
            raise ValidationError.single(
                "pipeline_id",
                None,
                f"a column naming each deal's pipeline, since several were given ({known})",
            )

    def of(self, pipeline: Any) -> Any:
        """True for the rows of *pipeline*."""
        nw = self.nw
        return nw.col("pipeline_id") == pipeline.id if self.named else nw.lit(True)

    def pipeline_of(self, row: Mapping[str, Any]) -> Pipeline:
        """The pipeline of a (checked) row."""
        if not self.named:
            return self.pipelines[0]
        return next(p for p in self.pipelines if p.id == row["pipeline_id"])

    def _screen(
        self, then: Callable[[Any], list[Any]] | None = None
    ) -> tuple[Any, list[dict[str, list[Any]]] | None]:
        """The good rows, each bad row raised (strict) or noted as skipped; and
        the tables of the plans *then* makes of the good rows, computed with the
        screen's own (None when the good rows were not what they assumed)."""
        nw = self.nw
        # No id twice is the usual case: the ids say so, read with the bad rows found
        # as if so (one pass on polars and Dask); else they are found again.
        checks = self._checks()
        unique = self.frame.with_columns(nw.lit(False).alias(_DUP))
        frame, bad = self._marked(unique, checks, keep=self.planned and self.changes is None)
        more = [] if then is None else then(frame.filter(~nw.col(_FAILED)))
        if bad is None:  # the verdict found no bad row (polars)
            (ids, *more_tables), found = self._tables([self._ids_twice(), *more]), {}
        else:
            ids, found, *more_tables = self._tables([self._ids_twice(), bad, *more])
        tables: list[dict[str, list[Any]]] | None = more_tables
        # An id the engine cannot call plain failed as a suspect: when one is an id
        # after all ("Dé1"), the ids the rule refuses are found and the rows marked again.
        suspects = [row["id"] for row in _records(found) if checks[row[_BAD] - 1][2] is _suspect_id]
        if any(map(is_id, suspects)):
            (unplain,) = self._tables([self._unplain("id")])
            self.bad_ids["id"] = [v for v in unplain["id"] if not is_id(v)]
            checks = self._checks()
        if ids["__twice"][0] or "id" in self.bad_ids:
            tables = None
            dups = (
                self.frame.group_by("id")
                .agg(nw.len().alias("__n"))
                .filter(nw.col("__n") > 1)
                .select("id", nw.lit(True).alias(_DUP))
            )
            frame, bad = self._marked(
                self.frame.join(dups, on="id", how="left").with_columns(
                    nw.col(_DUP).fill_null(False)
                ),
                checks,
            )
            found = _table(bad)
        for row in sorted(_records(found), key=lambda r: r.get(_ROW) or 0):
            # the amount as it was: a NaN the engine holds apart from null is named
            row = {k: v if k == "amount" else _cell(v) for k, v in row.items()}
            issue = checks[row[_BAD] - 1][2](row)
            self._reject(row, issue)
        if self.changes is not None:
            self.changes.orphans()
        if not _length(found):
            # No row failed: the measures read the rows as given, not through a
            # filter that copies them (in memory) or plans the checks again (lazy).
            return unique, tables
        # On a polars frame only the bad rows are collected (and the verdict of the
        # checks): each measure reads the good rows in a plan of its own, no copy.
        return frame.filter(~nw.col(_FAILED)), tables

    def _unplain(self, field: str) -> Any:
        """The plan of the distinct cells of *field* an engine cannot call plain ids,
        for the rule to judge."""
        cell = self.nw.col(field)
        return self.frame.filter(~_plain_id(cell, self.backend)).select(cell).unique()

    def _ids_twice(self) -> Any:
        """The plan of one row, ``__twice``: whether an id may be held twice (when
        true, the rows holding one are looked for)."""
        nw = self.nw
        if self.backend == "polars":  # a DataFrame planned lazily, or a LazyFrame
            # Distinct hashes are distinct ids (a collision only means the ids are
            # looked at again): counting distinct 64-bit hashes is about twice as
            # fast as counting distinct strings; sorting them with numpy (SIMD),
            # where equal ones are neighbours, four times faster again.
            import polars as pl  # the frame is a polars one

            if not self.planned or importlib.util.find_spec("numpy") is None:
                # a LazyFrame's ids may not fit in memory: its engine counts them
                twice = pl.col("id").hash().n_unique() != pl.len()
                return nw.from_native(nw.to_native(self.frame).select(twice.alias("__twice")))
            # a frame in memory: its hashes sorted in a numpy array of their own
            hashes = _collect(nw.to_native(self.frame).select(pl.col("id").hash()))
            ordered = hashes.to_series().to_numpy(writable=True)  # a copy of its own
            ordered.sort()
            repeated = bool((ordered[1:] == ordered[:-1]).any())
            return nw.from_native(pl.DataFrame({"__twice": [repeated]}))
        count = self.frame.select(nw.col("id").n_unique().alias("__u"), nw.len().alias("__n"))
        return count.select((nw.col("__u") != nw.col("__n")).alias("__twice"))

    def _marked(
        self, frame: Any, checks: list[tuple[Any, str, Any]], *, keep: bool = False
    ) -> tuple[Any, Any]:
        """*frame* with whether each row fails a check of *checks* (``_FAILED``),
        and the plan of its bad rows (the first one only, when strict), each with
        the number of the first check it fails (``_BAD``, from 1). With *keep*
        (a polars frame, its rows in a fixed order: no join), the checks are run
        once, here, and their verdict kept: a bit per row."""
        nw = self.nw
        if self.changes is not None:
            flags = self.changes.flags
            frame = frame.join(flags, on="id", how="left").with_columns(
                nw.col(_HISTORY_BAD).fill_null(False)
            )

        def first_failed() -> Any:
            code = nw.lit(0)
            for i, (cond, _, _) in reversed(list(enumerate(checks, 1))):
                code = nw.when(_fill(cond)).then(nw.lit(i)).otherwise(code)
            return code.alias(_BAD)

        if not keep and not isinstance(frame, nw.DataFrame):
            # A lazy engine plans it all in one chain: each row's first failed check.
            frame = frame.with_columns(first_failed())
            frame = frame.with_columns((nw.col(_BAD) != 0).alias(_FAILED))
            bad = frame.filter(nw.col(_FAILED))
        else:
            # In memory, whether a row is bad is one test, and which check it fails
            # first is asked of the bad rows only, when there are any: each case of
            # the chain costs a column, and narwhals time to build.
            failed = nw.any_horizontal(*self._failing(checks), ignore_nulls=True)
            if keep:  # not planned again by each plan that reads the good or bad rows
                verdict = _collect(frame.select(failed.alias(_FAILED)))[_FAILED]
                frame = nw.from_native(nw.to_native(frame).with_columns(nw.to_native(verdict)))
            else:
                frame = frame.with_columns(failed.alias(_FAILED))
                verdict = frame[_FAILED]
            if keep and not verdict.any():
                return frame, None  # no bad row: nothing to collect
            bad = frame.filter(nw.col(_FAILED))
            bad = bad.with_columns(first_failed() if verdict.any() else nw.lit(0).alias(_BAD))
        order = _ROW if self.eager else "id"
        if self.strict:
            bad = bad.sort(order, nulls_last=True).head(1)
        shown = [
            f
            for f in self.frame.collect_schema().names()
            if f not in (_CENTS, _LOCAL) and not f.startswith(_WRITTEN)  # (a local time
            # may be beyond what a datetime holds)
        ]
        return frame, bad.select([*shown, _BAD])

    def _failing(self, checks: list[tuple[Any, str, Any]]) -> list[Any]:
        """The conditions whose disjunction is whether a row fails any of *checks*:
        theirs, the amount's in one (see _cents) where that is cheaper."""
        conditions = [cond for cond, _, _ in checks]
        fused = self.amount_failed
        if fused is None:
            return conditions
        amounts = {id(cond) for cond, _ in self.amount_checks}
        return [c for c in conditions if id(c) not in amounts] + [fused]

    def _reject(self, row: dict[str, Any], issue: Issue) -> None:
        record_id = row.get("id") if isinstance(row.get("id"), str) else None
        if self.strict:
            where = f"row {row[_ROW]}" if _ROW in row else "row"
            subject = where + (f" (id {record_id!r})" if record_id else "") + " of the frame"
            source = self.columns.get(issue.path, issue.path)
            if source != issue.path:  # a field read from a column named otherwise
                subject += f", column {source!r}"
            raise ValidationError(
                [issue], f"{subject} (pass strict=False to skip and report bad rows)"
            )
        self.skipped.append(SkippedRecord(record_id, issue.path, issue.message))

    # --- measures ------------------------------------------------------------------------

    def good(self) -> Any:
        """The rows that pass every check (the others raised or skipped)."""
        if self._good is None:
            self._good, _ = self._screen()
        return self._good

    def values(self, measures: tuple[Measure, ...]) -> dict[str, dict[Any, Any]]:
        """``{measure: {key: value}}``, as the accumulator's measures give them."""
        if self._good is None and self.backend == "dask":
            # One graph for the screen and the aggregates: on Dask each compute
            # reads (and ships to its workers) every partition again.
            plans: list[tuple[Any, Callable[[dict[str, list[Any]]], dict[Any, Any]]]] = []

            def aggregates(good: Any) -> list[Any]:
                plans[:] = self._plans(good, measures)
                return [plan for plan, _ in plans]

            self._good, tables = self._screen(aggregates)
            if tables is not None:  # else computed over rows the screen then refused
                return {
                    m.name: read(table)
                    for m, (_, read), table in zip(measures, plans, tables, strict=True)
                }
        return self.values_of([(self.grouping, measures)])[0]

    def values_of(
        self, views: list[tuple[Grouping, tuple[Measure, ...]]]
    ) -> list[dict[str, dict[Any, Any]]]:
        """For each grouping and its measures, ``{measure: {key: value}}`` over the
        good rows screened once (the groupings' fields are read by this engine)."""
        good = self.good()
        plans = []
        for grouping, measures in views:
            view = copy.copy(self)
            view.grouping = grouping
            view.by_names, view.by_fields = _by_of(grouping)
            plans.append(view._plans(good, measures))
        tables = iter(self._shared_tables([plan for each in plans for plan, _ in each]))
        return [
            {m.name: read(next(tables)) for m, (_, read) in zip(measures, each, strict=True)}
            for (_, measures), each in zip(views, plans, strict=True)
        ]

    def _shared_tables(self, plans: list[Any]) -> list[dict[str, list[Any]]]:
        """:meth:`_tables` of *plans*, where the parts (:class:`_Part`) of the same
        rows and keys are computed in one plan, and each handed its table."""
        merged: list[Any] = []
        at: dict[Any, int] = {}
        index = []
        for plan in plans:
            if isinstance(plan, _Part) and plan.share in at:
                merged[at[plan.share]].append(plan)
            elif isinstance(plan, _Part):
                at[plan.share] = len(merged)
                merged.append([plan])
            index.append(at[plan.share] if isinstance(plan, _Part) else len(merged))
            if not isinstance(plan, _Part):
                merged.append(plan)
        tables = self._tables([_Part.plan(p) if isinstance(p, list) else p for p in merged])
        return [tables[i] for i in index]

    def _plans(
        self, good: Any, measures: tuple[Measure, ...]
    ) -> list[tuple[Any, Callable[[dict[str, list[Any]]], dict[Any, Any]]]]:
        """Each measure's aggregate plan over the *good* rows, and its reader."""
        nw = self.nw
        keys = self.by_columns()
        period = self.grouping.period
        if period is not None:
            good = good.with_columns(self.local.dt.year().alias(_YEAR), self._part().alias(_PART))
            keys += [_YEAR, _PART]
        if "place" in self.extras and "pipeline_id" not in self.present:
            # a frame without the column: every row is of the book's one pipeline
            good = good.with_columns(nw.lit(None, nw.String).alias("pipeline_id"))
        if "reason_stage" in self.extras:
            good = self._lost_from(good)
        return [self._measure(good, m, keys) for m in measures]

    def _part(self) -> Any:
        """Where in its year a row's period lies: the day of the year for a week
        (the ISO week is found from the date, in Python), else the period's first
        month, so that an engine group is one period."""
        kind = self.grouping.period
        if kind == "week":
            return self.local.dt.ordinal_day()
        month = self.local.dt.month()
        if kind == "quarter":
            return (month - 1) // 3 * 3 + 1
        return month if kind == "month" else self.nw.lit(1)  # a year: its January

    def _lost_from(self, good: Any) -> Any:
        """``__lost_from``: the stage each deal's last change left (None without
        changes), as :func:`~._losses.lost_from` reads it from a history."""
        nw = self.nw
        if self.changes is None:
            return good.with_columns(nw.lit(None, nw.String).alias(_LOST_FROM))
        last = self.changes.last().select(
            nw.col("deal_id").alias("id"), nw.col("from_stage").alias(_LOST_FROM)
        )
        return good.join(last, on="id", how="left")

    def _measure(
        self, frame: Any, measure: Measure, keys: list[str]
    ) -> tuple[Any, Callable[[dict[str, list[Any]]], dict[Any, Any]]]:
        """The plan of *measure*'s aggregate, and what reads its table into the
        measure's values."""
        nw = self.nw
        where = measure.where
        named = measure.extra.name if measure.extra is not None else None
        extra = list(_EXTRAS[named][0]) if named is not None else []
        keys = [*keys, *(e for e in extra if e not in keys)]  # the extra part, once
        # On polars, the aggregates of the same rows (the good ones of some statuses)
        # by the same keys are one plan: a won count, the won amounts and cycles.
        shares = (
            self.backend == "polars"
            and frame is self._good
            and where.ids is None
            and where.within is None
        )
        share = (where.statuses, tuple(keys), named) if shares else None
        if self.eager and not self.planned and where.within is None:
            # in memory (pandas, PyArrow) a filter copies every column it is given
            picks = ["id" if where.ids is not None else "status"]  # never no column at all
            frame = frame.select(*dict.fromkeys([*keys, *_READS[type(measure)], *picks]))
        if where.ids is not None:
            ids = where.ids
            if not isinstance(ids, Iterable):
                raise ValidationError.single("converted", ids, "ids one can iterate over")
            frame = frame.filter(_is_in(nw, nw.col("id"), [i for i in ids if isinstance(i, str)]))
        elif where.statuses is not None:
            values = sorted(s.value for s in where.statuses)
            others = [s for s in _STATUSES if s not in values]
            status = nw.col("status")
            if len(values) == 1:
                frame = frame.filter(status == values[0])
            elif len(others) == 1:  # a good row holds one of the three: "not open" is closed
                frame = frame.filter(status != others[0])
            else:
                frame = frame.filter(status.is_in(values))
        if where.within is not None:
            frame = frame.filter(_fill(self._within(where.within)))
        if isinstance(measure, CountMeasure):
            plan = _Part.of(frame, share, keys, [], {"__n": nw.len()})

            def read(table: dict[str, list[Any]]) -> dict[Any, Any]:
                flat: dict[Any, Any] = {}
                # several engine groups (the days of a week) may be one key
                for slot, n in zip(self.slots(table, named), table["__n"], strict=True):
                    flat[slot] = flat.get(slot, 0) + int(n)
                return flat

        elif isinstance(measure, AmountMeasure):
            # every row of one currency: no group of its own (the table names it)
            one = self.one_currency
            if "currency" not in keys and one is None:
                keys = [*keys, "currency"]
                share = (where.statuses, tuple(keys), named) if shares else None
            # summed in two parts: 10,000 amounts of 10**15 cents overflow 64 bits
            # cents = high * part + low holds whatever high an engine's floor division
            # gives (Spark's goes through a double); not %: pandas' Arrow ints lack it
            high = (nw.col(_CENTS) // _SUM_PART).cast(nw.Int64)
            parts = {"__high": high, "__low": nw.col(_CENTS) - high * _SUM_PART}
            plan = _Part.of(
                frame,
                share,
                keys,
                [parts],
                {
                    "__n": nw.len(),
                    "__known": nw.col("amount").count(),
                    "__sum_high": nw.col("__high").sum(),
                    "__sum_low": nw.col("__low").sum(),
                },
            )

            def read(table: dict[str, list[Any]]) -> dict[Any, Any]:
                if "currency" not in table:
                    table = {**table, "currency": [one] * _length(table)}
                return self._amounts(table, named)

        else:
            assert isinstance(measure, DurationMeasure)
            return self._durations(frame, measure, keys, named, share)

        return plan, lambda table: measure._nest(read(_aggregated(table, keys)))

    def _durations(
        self,
        rows: Any,
        measure: DurationMeasure,
        keys: list[str],
        named: str | None,
        share: Any = None,
    ) -> tuple[Any, Callable[[dict[str, list[Any]]], dict[Any, Any]]]:
        """:meth:`_measure` of a duration: where the engine has exact order
        statistics per group, the few a summary reads of each key's durations
        (:class:`RankedDurations`); else each key's distribution of durations."""
        nw = self.nw
        micros = self._duration()
        frame = rows.with_columns(micros.alias(_MICROS))
        spread = [*keys, _MICROS]

        def distribution(table: dict[str, list[Any]]) -> dict[Any, Any]:
            # A row per group and distinct duration (as many as the frame's, at
            # worst); engine groups that share a slot (the days of a week)
            # add their counts of a duration.
            flat: dict[Any, dict[int, int]] = {}
            micros, counts = map(int, table[_MICROS]), map(int, table["__n"])
            for slot, spent, n in zip(self.slots(table, named), micros, counts, strict=True):
                bucket = flat.get(slot)
                if bucket is None:
                    bucket = flat[slot] = {}
                bucket[spent] = bucket.get(spent, 0) + n
            return measure._nest({slot: RankedDurations.of(c) for slot, c in flat.items()})

        def distribution_plan() -> Any:
            return _aggregate_plan(frame, spread, [nw.len().alias("__n")])

        # Order statistics cannot be added up: an engine group must be one key
        # (a month, a quarter, a year is; the days of a week are not).
        if self.backend not in _EXACT_QUANTILES or self.grouping.period == "week":
            return distribution_plan(), lambda table: distribution(_aggregated(table, spread))

        spent = nw.col(_MICROS)
        # summed in two parts, no int64 overflow; computed before the grouping:
        # pandas aggregates in C only plain columns
        seconds = spent // _PER_SECOND
        # no % on pandas' Arrow columns
        parts = {"__seconds": seconds, "__rest": spent - seconds * _PER_SECOND}
        aggs = {
            "__n": nw.len(),
            "__seconds": nw.col("__seconds").sum(),
            "__rest": nw.col("__rest").sum(),
            "__min": spent.min(),
            "__max": spent.max(),
        }
        for i, q in enumerate(QUANTILES):
            aggs[f"__low{i}"] = spent.quantile(float(q), interpolation="lower")
            aggs[f"__high{i}"] = spent.quantile(float(q), interpolation="higher")

        def read(table: dict[str, list[Any]]) -> dict[Any, Any]:
            table = _aggregated(table, keys)
            slots = self.slots(table, named)
            if len(set(slots)) < len(slots) or any(m >= _EXACT_FLOATS for m in table["__max"]):
                # durations past what a float holds exactly, or (a guard) two
                # engine groups that name one key
                return distribution(_aggregated(_table(distribution_plan()), spread))
            flat: dict[Any, RankedDurations] = {}
            for at, slot in enumerate(slots):
                flat[slot] = RankedDurations.of_order_statistics(
                    int(table["__n"][at]),
                    int(table["__seconds"][at]) * _PER_SECOND + int(table["__rest"][at]),
                    (int(table["__min"][at]), int(table["__max"][at])),
                    [
                        (int(table[f"__low{i}"][at]), int(table[f"__high{i}"][at]))
                        for i in range(len(QUANTILES))
                    ],
                )
            return measure._nest(flat)

        return _Part.of(rows, share, keys, [{_MICROS: micros}, parts], aggs), read

    def _within(self, window: Within) -> Any:
        """True for the rows *window* admits (:meth:`TargetWindow.admits`)."""
        assert isinstance(window, TargetWindow)  # the one rule of this kind there is
        nw = self.nw
        col = nw.col
        target = window.target
        owners = window.owners()
        scope = nw.lit(True)
        if owners is not None:
            scope = scope & _is_in(nw, col("owner_id"), sorted(owners))
        for field in ("product", "segment"):
            value = getattr(target, field)
            if value is not None:
                scope = scope & (col(field) == value)
        start, end = target.start.astimezone(dt.UTC), target.end.astimezone(dt.UTC)
        won = (col("status") == "won") & (self.micros_between(col("closed_at"), start) >= 0)
        won = won & (self.micros_between(end, col("closed_at")) > 0)
        opened = col("status") == "open"
        if "expected_close" in self.present:
            expected = col("expected_close")
            first, last = target.start.date(), target.end.date()  # the dates as recorded
            in_period = (expected >= nw.lit(first)) & (expected < nw.lit(last))
            opened = opened & (expected.is_null() | _fill(in_period))
        return scope & (_fill(opened) | _fill(won))

    def _tables(self, plans: list[Any]) -> list[dict[str, list[Any]]]:
        """Each plan's (small) result as columns. On Dask the plans are computed
        together: one graph, optimised once (its optimiser takes seconds per
        graph of these plans), the screen they share computed once. (polars'
        ``collect_all`` measured no faster than one plan after another.)"""
        if len(plans) < 2 or self.backend != "dask":
            return [_table(plan) for plan in plans]
        from dask.base import compute  # the frame is a Dask one

        done = compute(*(self.nw.to_native(plan) for plan in plans))  # type: ignore[no-untyped-call]
        return [_table(self.nw.from_native(frame, eager_only=True)) for frame in done]

    def _duration(self) -> Any:
        """From ``created_at`` to ``closed_at``, in microseconds."""
        return self.micros_between(self.nw.col("closed_at"), self.nw.col("created_at"))

    def micros_between(self, later: Any, earlier: Any) -> Any:
        """The microseconds from one instant to another (expressions, or a
        datetime for a moment the caller gave)."""
        if self.backend in _FLOAT_DURATIONS or self.backend.startswith("pyspark"):
            return self._epoch_micros(later) - self._epoch_micros(earlier)
        lit = self.nw.lit
        # a moment given in a zone of its own: polars subtracts no two zones
        later, earlier = (
            lit(t.astimezone(dt.UTC)) if isinstance(t, dt.datetime) else t for t in (later, earlier)
        )
        return (later - earlier).dt.total_microseconds()

    def _epoch_micros(self, time: Any) -> Any:
        """An instant as whole microseconds since the epoch, exactly."""
        nw = self.nw
        if isinstance(time, dt.datetime):
            return nw.lit((time - _EPOCH) // dt.timedelta(microseconds=1))
        if self.backend.startswith("pyspark"):
            # Spark has no durations here: the floor in seconds (a cast) plus a
            # remainder never negative, to agree.
            second, micro = time.cast(nw.Int64), time.dt.microsecond()
            return second * _PER_SECOND + (micro + _PER_SECOND) % _PER_SECOND
        # pandas and Dask: times are held in microseconds (see instant()); the integer
        # behind each is exact where a duration's float seconds are not
        return time.dt.replace_time_zone(None).cast(nw.Int64)

    def _amounts(self, table: dict[str, list[Any]], extra: str | None) -> dict[Any, Any]:
        parts: dict[Any, tuple[dict[str, Decimal], list[int]]] = {}
        rows = zip(
            self.slots(table, extra),
            table["__n"],
            table["__known"],
            table["currency"],
            table["__sum_high"],
            table["__sum_low"],
            strict=True,
        )
        for slot, n, known, currency, high, low in rows:
            cents = int(high) * _SUM_PART + int(low)
            sums, counts = parts.setdefault(slot, ({}, [0, 0]))
            known = int(known)
            counts[0] += known
            counts[1] += int(n) - known
            if known:
                total = Decimal(cents).scaleb(-self.places[currency])
                sums[currency] = sums.get(currency, Decimal(0)) + total
        return {
            slot: Amounts(sums, count, unknown) for slot, (sums, (count, unknown)) in parts.items()
        }

    def by_columns(self) -> list[str]:
        """The columns an aggregate groups by: each once (by= may name one twice)."""
        return list(dict.fromkeys(self.by_fields))

    def groups(self, table: Mapping[str, list[Any]]) -> list[Any]:
        """The group of each aggregate row, as the accumulator's grouping names it
        (read column by column: an aggregate may have a row per duration)."""
        parts = [_cells(table[f]) for f in self.by_fields]
        for i, field in enumerate(self.by_fields):
            if field in _ID_FIELDS:
                parts[i] = self._id_keys(field, parts[i])
            elif field in _SPELLED:
                parts[i] = _as_records_spell(_SPELLED[field], parts[i])
        if not parts:
            return [ALL] * _length(table)
        if len(parts) == 1 and isinstance(self.grouping.by, str):
            return parts[0]
        return list(zip(*parts, strict=True))

    def _id_keys(self, field: str, cells: list[Any]) -> list[Any]:
        """Group keys read from id field *field*, as :func:`~salesmodel.bulk.from_frame`
        reads them into records: a blank cell (or pandas' NaN) is no id, None; an
        integer is its text; text the rule refuses, a float, a bool or bytes makes
        its rows bad rows (:class:`_RefusedKeys`)."""
        distinct = set(cells)
        text = {v for v in distinct if v.__class__ is str}
        blank = {v for v in text if not v or v.isspace()}
        if field not in self.bad_ids:
            refused: list[Any] = sorted(v for v in text - blank if not is_id(v)) or sorted(
                v for v in distinct if v.__class__ in (float, bool, bytes) and v == v
            )
            if refused:
                raise _RefusedKeys(field, refused)
        if not blank and all(v.__class__ is str or v is None for v in distinct):
            return cells
        return [
            None
            if v in blank or (v.__class__ is float and v != v)
            else str(v)
            if v.__class__ is int
            else v
            for v in cells
        ]

    def slots(self, table: Mapping[str, list[Any]], extra: str | None) -> list[Any]:
        """The accumulator's key of each aggregate row (with its *extra* part)."""
        keys = self.groups(table)
        kind = self.grouping.period
        if kind is not None:
            known: dict[tuple[int, int], Period] = {}

            def period(year: Any, part: Any) -> Period:
                at = (int(year), int(part))
                found = known.get(at)
                if found is None:
                    if kind == "week":
                        day = dt.date(at[0], 1, 1) + dt.timedelta(days=at[1] - 1)
                    else:
                        day = dt.date(at[0], at[1], 1)
                    found = known[at] = Period.of(day, kind)
                return found

            periods = list(map(period, table[_YEAR], table[_PART]))
            keys = periods if not self.by_fields else list(zip(keys, periods, strict=True))
        if extra is not None:
            columns, read = _EXTRAS[extra]
            extras = [
                read(*cells) for cells in zip(*(_cells(table[c]) for c in columns), strict=True)
            ]
            keys = list(zip(keys, extras, strict=True))
        return keys


#: Columns (or aggregates) by name.
_Named = dict[str, Any]


@attrs.frozen(eq=False)
class _Part:
    """An aggregate of *rows* by *keys*, computed in one plan with the others of
    the same rows and keys (the same *share*): the columns of each of *stages*
    added in turn, then *aggs*. A name means one column or aggregate whatever
    the part (``__n``: the rows of a key), so parts that share it compute it once."""

    rows: Any
    share: Any
    keys: list[str]
    stages: list[_Named]
    aggs: _Named

    @staticmethod
    def of(rows: Any, share: Any, keys: list[str], stages: list[_Named], aggs: _Named) -> Any:
        """The part, or (*share* None: computed alone) its plan."""
        part = _Part(rows, share, keys, stages, aggs)
        return part if share is not None else _Part.plan([part])

    @staticmethod
    def plan(parts: list[_Part]) -> Any:
        """The one plan of *parts* (of the same rows and keys)."""
        frame = parts[0].rows
        added: set[str] = set()
        for stage in (stage for part in parts for stage in part.stages):
            new = {name: column for name, column in stage.items() if name not in added}
            added |= new.keys()
            if new:
                frame = frame.with_columns([column.alias(name) for name, column in new.items()])
        aggs: _Named = {}
        for part in parts:
            aggs = {**part.aggs, **aggs}  # the first of a name
        return _aggregate_plan(frame, parts[0].keys, [a.alias(name) for name, a in aggs.items()])


def _as_records_spell(judged: Callable[[Any], tuple[bool, Any]], cells: list[Any]) -> list[Any]:
    """Group keys as a record's field holds them: ``"Webinar"`` and ``"webinar"`` are
    one :class:`~salesmodel.LeadSource` (groups that become one key are added up,
    as the days of a week are)."""
    spelled = {}
    for cell in set(cells):
        valid, value = judged(cell)
        spelled[cell] = value if valid else cell
    return [spelled[cell] for cell in cells]


def _from_2100(value: Any) -> bool:
    """Whether the time or date *value* is one polars reads wrong in a zone with
    daylight saving time (see ZONES_TRUSTED_UNTIL)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) >= ZONES_TRUSTED_UNTIL
    return isinstance(value, dt.date) and value >= ZONES_TRUSTED_UNTIL.date()


def _plain_text(nw: Any, frame: Any, backend: str) -> Any:
    """*frame* with its Arrow ``string_view`` columns as Arrow text: narwhals reads
    them as text, but PyArrow and pandas compute nothing on them."""
    if backend not in ("pyarrow", "pandas"):
        return frame
    native = nw.to_native(frame)
    if backend == "pyarrow":
        types = dict(zip(native.schema.names, native.schema.types, strict=True))
    else:
        types = {f: getattr(d, "pyarrow_dtype", None) for f, d in native.dtypes.items()}
    views = [f for f, kind in types.items() if str(kind) == "string_view"]
    if not views:
        return frame
    pa = importlib.import_module("pyarrow")  # loaded: the columns are Arrow's
    if backend == "pyarrow":
        return frame.with_columns([nw.col(f).cast(nw.String) for f in views])
    arrays = importlib.import_module("pandas").arrays  # pandas casts no string_view
    text = {f: pa.array(native[f]).cast(pa.large_string()) for f in views}
    return nw.from_native(
        native.assign(**{f: arrays.ArrowExtensionArray(a) for f, a in text.items()}),
        eager_only=True,
    )


def _bytes_held(native: Any, field: str) -> str | None:
    """The type of column *field* of *native* (a PyArrow table or a pandas frame)
    when it holds bytes, not text, as its engine names it; else None."""
    module = type(native).__module__.partition(".")[0]
    if module == "pyarrow":
        kind = native.schema.field(field).type
    elif module == "pandas":
        column = native[field]
        kind = getattr(column.dtype, "pyarrow_dtype", None)
        if kind is None:
            if column.dtype != object:
                return None
            infer_dtype = importlib.import_module("pandas").api.types.infer_dtype
            found = infer_dtype(column, skipna=True)
            mixed = found.startswith("mixed") and any(isinstance(v, bytes) for v in column)
            return "object (of bytes)" if found == "bytes" or mixed else None
    else:
        return None
    pa = importlib.import_module("pyarrow")  # loaded: the column is Arrow's
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    binary = (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or pa.types.is_binary_view(kind)
    )
    return str(kind) if binary else None


def _hands_over(native: Any) -> bool:
    """Whether *native* is a pandas DataFrame (not a subclass: one may mean more than
    its columns say) whose columns may be handed to polars."""
    kind = type(native)
    return kind.__name__ == "DataFrame" and kind.__module__.partition(".")[0] == "pandas"


def _reads_alike(dtype: Any) -> bool:
    """Whether polars reads a pandas column of *dtype* as pandas does: numbers and
    booleans (NaN, as pandas reads it, is null), text of pandas' string type or
    Arrow's, times naive or in UTC or a zone of the database polars knows, Arrow
    dates. Object, category and sparse columns stay with pandas."""
    pd = importlib.import_module("pandas")  # loaded: the frame is a pandas one
    if isinstance(dtype, pd.ArrowDtype):
        pa = importlib.import_module("pyarrow")
        kind = dtype.pyarrow_dtype
        if pa.types.is_timestamp(kind):
            return kind.tz is None or _polars_zone(kind.tz)
        return bool(
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_date32(kind)
            or pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
        )
    if isinstance(dtype, pd.DatetimeTZDtype):
        zone = dtype.tz
        if zone is dt.UTC or zone == dt.UTC:
            return True
        # a zoneinfo zone, not a fixed offset that bears a zone's name
        return isinstance(zone, zoneinfo.ZoneInfo) and _polars_zone(zone.key)
    if isinstance(dtype, (pd.StringDtype, pd.BooleanDtype, _masked_numbers(pd))):
        return True
    return type(dtype).__module__.partition(".")[0] == "numpy" and bool(dtype.kind in "biufM")


def _masked_numbers(pd: Any) -> tuple[type, ...]:
    """pandas' nullable integer and float dtypes (Int64, Float64, ...)."""
    names = [f"{sign}Int{bits}Dtype" for sign in ("", "U") for bits in (8, 16, 32, 64)]
    return tuple(getattr(pd, name) for name in [*names, "Float32Dtype", "Float64Dtype"])


@functools.cache
def _polars_zone(name: str) -> bool:
    """Whether polars knows the time zone *name* (its database is its own)."""
    pl = importlib.import_module("polars")  # asked only where polars reads the frame
    try:
        pl.Series([0], dtype=pl.Datetime("us")).dt.replace_time_zone(name)
    except pl.exceptions.PolarsError:
        return False
    return True


def _length(table: Mapping[str, list[Any]]) -> int:
    return len(next(iter(table.values()), []))


def _unreadable(amount: Any) -> str:
    """What an amount the frame engine cannot add must be: a number, or one of
    at most :data:`_DIGITS` digits (a Money may hold more: pass records)."""
    if parse_amount(amount) is None:
        return _AMOUNT_EXPECTED
    if isinstance(amount, str) and any(c.isdigit() and not c.isascii() for c in amount):
        # "١٢": Money reads other digits, the engines' casts do not
        return "an amount written with the digits 0-9 on a DataFrame (records take others)"
    return (
        f"an amount of at most {_DIGITS} digits with its minor unit on a DataFrame (the "
        "frame engine adds whole minor units as 64-bit integers; records take larger ones)"
    )


def _cells(values: list[Any]) -> list[Any]:
    """:func:`_cell` of each value (a column of text or whole numbers needs none)."""
    if set(map(type, values)) <= {str, int}:
        return values
    return [_cell(v) for v in values]


def _cell(value: Any) -> Any:
    """A value from the engine as the records hold it: pandas' NaN, NaT and NA
    (Dask's missing text) are None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    kind = type(value).__name__
    if kind in ("NaTType", "NAType"):
        return None
    if kind == "Timestamp":  # pandas': a datetime, as every other engine gives it
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and type(value.tzinfo) not in (dt.timezone, type(None)):
        # with the offset in force, as a record keeps it (whatever zone the engine names)
        value = value.replace(tzinfo=dt.timezone(value.utcoffset()))  # type: ignore[arg-type]
    return value


def _named(field: str, frame: Any) -> str:
    """*field* as a message names it: a column of the changes (*frame*, not None)
    as ``history.<field>``."""
    return field if frame is None else f"history.{field}"


def _plain_id(cell: Any, backend: str) -> Any:
    """Whether each cell is plainly an id (what an engine can ask cheaply; null: no).
    Python's ``$``, which pandas runs on some columns, also matches before a last
    newline: a cell ending in one is asked apart (polars' ``$`` is the end of the
    text, as Rust's regex reads it: no need)."""
    if backend == "polars":
        return _fill(cell.str.contains(_PLAIN_ID))
    return _fill(cell.str.contains(_PLAIN_ID) & ~cell.str.ends_with("\n"))


def _id_issue(field: str) -> Callable[[dict[str, Any]], Issue]:
    """The issue of a row whose *field* is no id."""
    return lambda row: Issue(field, row[field], ID.expected)


def _suspect_id(row: dict[str, Any]) -> Issue:
    """The issue of a row whose id is not plain: the rule's, when the rule refuses it
    too (the screen makes sure it does)."""
    return Issue("id", row["id"], ID.expected)


class _RefusedKeys(Exception):
    """Group keys read from an id field that the rule refuses: the rows holding
    them are bad rows, so the figure is computed again without them."""

    def __init__(self, field: str, values: list[Any]) -> None:
        super().__init__(field, values)
        self.field = field
        self.values = values


def _blank(text: Any) -> Any:
    """Whether each cell of a text column is empty (null, or nothing but spaces,
    which a record reads as None)."""
    return text.is_null() | (text.str.strip_chars(_SPACES) == "")


def _fill(cond: Any) -> Any:
    """A condition whose null (unknown) counts as false."""
    return cond.fill_null(False)


def _known_currency(nw: Any, places: Mapping[str, int]) -> Any:
    return _is_in(nw, nw.col("currency"), sorted(places))


def _is_in(nw: Any, expr: Any, values: Sequence[Any]) -> Any:
    """``expr.is_in(values)``, false for no values (PyArrow cannot type ``[]``);
    for a few values, as comparisons (polars hashes each cell for ``is_in``: a
    status is three comparisons in a quarter of the time)."""
    if not values:
        return expr.is_null() & ~expr.is_null()
    if len(values) > _FEW:
        return expr.is_in(values)
    return functools.reduce(operator.or_, (expr == value for value in values))


def _chain(nw: Any, cases: list[tuple[Any, Any]], otherwise: Any) -> Any:
    """``when(c1).then(v1)...otherwise(x)`` from ``[(c, v), ...]``."""
    out = nw.lit(otherwise)
    for cond, value in reversed(cases):
        out = nw.when(cond).then(nw.lit(value)).otherwise(out)
    return out


def _collect(frame: Any) -> Any:
    return frame.collect() if hasattr(frame, "collect") else frame


def _rows(frame: Any) -> list[dict[str, Any]]:
    return _records(frame.to_dict(as_series=False))


def _records(table: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """A (small) table's rows, as dicts."""
    names = list(table)
    return [dict(zip(names, values, strict=True)) for values in zip(*table.values(), strict=True)]


def _table(frame: Any) -> dict[str, list[Any]]:
    """The columns of a (small) frame as lists (column by column: pandas' own
    ``to_dict`` boxes each value in Python, a column's ``to_list`` in C)."""
    eager = _collect(frame)
    return {name: eager.get_column(name).to_list() for name in eager.columns}


def _aggregate(nw: Any, frame: Any, keys: list[str], aggs: list[Any]) -> dict[str, list[Any]]:
    """The aggregate of *frame* grouped by *keys* (none: one row, or none when
    the frame has no rows), column by column."""
    return _aggregated(_table(_aggregate_plan(frame, keys, aggs)), keys)


def _aggregate_plan(frame: Any, keys: list[str], aggs: list[Any]) -> Any:
    """The plan of :func:`_aggregate` (aggs include ``__n``, the row count)."""
    if keys:
        return frame.group_by(*keys, drop_null_keys=False).agg(*aggs)
    return frame.select(*aggs)


def _aggregated(table: dict[str, list[Any]], keys: list[str]) -> dict[str, list[Any]]:
    """An aggregate's table: without keys, no row when no row was counted."""
    if keys or int(table["__n"][0]):
        return table
    return {name: [] for name in table}
