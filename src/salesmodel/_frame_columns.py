"""A DataFrame's columns as Python lists, read once each through narwhals, for
:func:`salesmodel.bulk.from_frame`.

Whatever the engine (pandas, polars eager or lazy, PyArrow, DuckDB, Dask,
PySpark), a column comes back as the Python values ``df.to_dict("records")``
would hold, with two things done in the engine because they are cheap there and
dear per cell: a datetime column comes back as aware datetimes with the UTC
offset in force (read from microseconds since the epoch, never through the
engine's own timestamp objects), and a float NaN that is not the engine's null
(polars, PyArrow, DuckDB and Spark tell them apart; pandas does not) is named, so
the caller can refuse it rather than read it as an empty cell.

narwhals is imported here, and this module is imported only when a frame is passed.
Reading columns of a frame for KPIs (:mod:`salesmodel.kpi._frames`) stays in the
engine; only this module brings cells into Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from ._time import ZONES_TRUSTED_UNTIL, as_instant, keeps_daylight_saving, zone_named
from .errors import ValidationError

__all__ = ["FrameColumns", "narwhals"]

_EPOCH: Final = dt.datetime(1970, 1, 1)
#: ``_delta(0, 0, n)``: n microseconds, a third faster than by keyword.
_delta: Final = dt.timedelta
_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "+00:00", "Z"})
#: ZONES_TRUSTED_UNTIL in microseconds from the epoch, as the engines' times are read.
_ZONES_TRUSTED_UNTIL: Final = (ZONES_TRUSTED_UNTIL - _EPOCH) // dt.timedelta(microseconds=1)
#: How many column names an error about a missing column shows.
_SHOWN: Final = 12


def narwhals(what: str = "Entities from DataFrames") -> Any:
    """narwhals' stable API, imported when a frame is passed (*what* needs it)."""
    try:
        import narwhals.stable.v2 as nw
    except ImportError as error:  # pragma: no cover - the frames extra is installed in CI
        raise ImportError(f"{what} need narwhals: pip install 'salesmodel[frames]'") from error
    return nw


def schema_of(frame: Any, field: str = "frame") -> Any:
    """The narwhals schema of *frame*; a column type narwhals cannot read (a
    PyArrow decimal of negative scale) is refused as *field*."""
    try:
        return frame.collect_schema()
    except (TypeError, ValueError) as error:
        raise ValidationError.single(
            field, str(error), "a frame whose column types narwhals reads"
        ) from None


class FrameColumns:
    """The columns of one frame (a lazy one collected first)."""

    def __init__(self, frame: Any) -> None:
        nw = narwhals()
        self.nw = nw
        try:
            native = nw.from_native(frame)
        except TypeError:
            raise ValidationError.single(
                "frame",
                type(frame).__name__,
                "a DataFrame (pandas, polars, PyArrow, DuckDB, Dask or PySpark); "
                "build from rows with bulk.from_records",
            ) from None
        if isinstance(native, nw.LazyFrame):
            native = native.collect()
        self.frame = native
        self.schema = schema_of(native)
        self.names: list[str] = list(self.schema.names())
        self.height: int = len(native)
        # pandas' NaN is its null; other engines keep NaN as a value of its own
        self.nan_is_null: bool = native.implementation.is_pandas_like()

    def __contains__(self, name: str) -> bool:
        return name in self.schema

    def shown(self) -> str:
        """The column names, for a message."""
        names = ", ".join(map(repr, self.names[:_SHOWN]))
        return names + (", ..." if len(self.names) > _SHOWN else "")

    def values(self, name: str) -> list[Any]:
        """The cells of column *name* as Python values (None for null)."""
        series = self.frame[name]
        dtype = series.dtype
        nw = self.nw
        if dtype in (nw.Categorical, nw.Enum):
            series = series.cast(nw.String)
        values: list[Any] = series.to_list()
        if self.nan_is_null and not dtype.is_float() and series.null_count():
            # pandas' null of a column of text is NaN: None converts once, then is
            # found in each conversion's cache (a float NaN never is)
            values = [None if v.__class__ is float and v != v else v for v in values]
        return values

    def nan_rows(self, name: str) -> list[int]:
        """The rows whose float cell is NaN, where NaN is not the engine's null
        (on pandas, a column of Arrow's floats keeps NaN apart from null too)."""
        if not self.schema[name].is_float():
            return []
        if self.nan_is_null and type(self.frame[name].to_native().dtype).__name__ != "ArrowDtype":
            return []
        series = self.frame[name]  # a null is None, or pandas' NA (no float)
        return [i for i, v in enumerate(series.to_list()) if isinstance(v, float) and v != v]

    def decimal_type(self, name: str) -> tuple[int, int] | None:
        """The precision and scale of a decimal column (its cells' most digits and
        places), else None."""
        dtype = self.schema[name]
        if not isinstance(dtype, self.nw.Decimal):
            return None
        precision, scale = getattr(dtype, "precision", None), getattr(dtype, "scale", None)
        return (precision, scale) if type(precision) is int and type(scale) is int else None

    def is_float(self, name: str) -> bool:
        return self.schema[name].is_float()  # type: ignore[no-any-return]

    def is_datetime(self, name: str) -> bool:
        return isinstance(self.schema[name], self.nw.Datetime)

    def times(self, name: str, tz: dt.tzinfo | None) -> list[Any]:
        """The cells of datetime column *name* as aware datetimes: an aware
        column's instants with the offset in force in its zone (as the entities
        keep them), a naive column's wall times in *tz* (required)."""
        series = self.frame[name]
        zone = self.schema[name].time_zone
        if zone is None:
            if tz is None:
                if series.null_count() == len(series):
                    return [None] * len(series)
                raise ValidationError.single(
                    name,
                    f"naive datetimes ({self.schema[name]})",
                    "timezone-aware datetimes, or tz= naming the zone they were recorded in",
                )
            walls = _microseconds(series)
            if isinstance(tz, dt.timezone):
                start = _EPOCH.replace(tzinfo=tz)
                return [None if m is None else start + _delta(0, 0, m) for m in walls]
            # A named zone: the entity reads each wall time in it, and refuses one
            # its clocks skip or repeat, exactly as for a record.
            return [
                None if m is None else (_EPOCH + _delta(0, 0, m)).replace(tzinfo=tz) for m in walls
            ]
        instants = _microseconds(series)
        if zone in _UTC_NAMES:
            start = _EPOCH.replace(tzinfo=dt.UTC)
            return [None if m is None else start + _delta(0, 0, m) for m in instants]
        if keeps_daylight_saving(zone) and any(
            m is not None and m >= _ZONES_TRUSTED_UNTIL for m in instants
        ):
            # polars applies no daylight saving time from 2100 on: Python's zones do
            there = zone_named(zone)
            start = _EPOCH.replace(tzinfo=dt.UTC)
            return [
                None if m is None else as_instant((start + _delta(0, 0, m)).astimezone(there))
                for m in instants
            ]
        walls = _microseconds(series.dt.replace_time_zone(None))
        starts: dict[int, dt.datetime] = {}  # an epoch per UTC offset: a zone has few
        out: list[Any] = []
        for wall, instant in zip(walls, instants, strict=True):
            if wall is None or instant is None:
                out.append(None)
                continue
            offset = wall - instant
            epoch = starts.get(offset)
            if epoch is None:
                zone_then = dt.timezone(dt.timedelta(microseconds=offset))
                epoch = starts[offset] = _EPOCH.replace(tzinfo=zone_then)
            out.append(epoch + _delta(0, 0, wall))
        return out


def _microseconds(series: Any) -> list[int | None]:
    """Microseconds since the epoch of each cell (None for null)."""
    stamps = series.dt.timestamp("us")
    if stamps.dtype.is_integer():  # an Arrow column on pandas gives its nulls as NA
        return [m if type(m) is int else None for m in stamps.to_list()]
    # pandas gives floats (NaN for NaT): exact, as microseconds until 2255 are < 2**53
    return [None if m is None or m != m else int(m) for m in stamps.to_list()]
