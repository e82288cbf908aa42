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

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from salesmodel.errors import Issue, ValidationError
from salesmodel.money import CURRENCY_EXPECTED, is_currency, minor_unit

from ._define import DefinedAccumulator
from ._grouping import ALL, Grouping, Period
from ._measures import AmountMeasure, Amounts, CountMeasure, DurationMeasure, Measure
from ._results import SkippedRecord

__all__ = ["frame_figure"]

_ROW: Final = "__row"
_BAD: Final = "__bad"
_CENTS: Final = "__cents"
_MICROS: Final = "__micros"
_DUP: Final = "__dup"
_YEAR: Final = "__year"
_PART: Final = "__part"
#: Two units in the last place of a float, relative: how far a float amount times
#: its scale may lie from the whole number of minor units it stands for.
_ULPS: Final = 2.0**-51
#: The most digits of minor units a row may hold: the in-engine int64 sums stay
#: exact for any realistic number of rows (and a float carries 15 digits safely).
_DIGITS: Final = 15
_STATUSES: Final = ("open", "won", "lost")
_AMOUNT_EXPECTED: Final = "a non-negative Money, or None when not known"
#: Options a frame cannot honour: a callable reads records, not columns.
_CALLABLES: Final = ("by", "converted", "start")
#: Engines that read times in their session's zone, not the column's.
_SESSION_ZONED: Final = {"duckdb": "DuckDB relation", "pyspark": "Spark DataFrame"}
#: ``by=`` aliases of the records, as frame columns.
_COLUMN_OF_PATH: Final = {"amount.currency": "currency"}


def _narwhals() -> Any:
    try:
        import narwhals.stable.v2 as nw
    except ImportError as error:  # pragma: no cover - the frames extra is installed in CI
        raise ImportError(
            "KPIs on DataFrames need narwhals: pip install 'salesmodel[frames]'"
        ) from error
    return nw


def frame_figure(
    accumulator: type[DefinedAccumulator],
    frame: Any,
    columns: Mapping[str, str] | None,
    options: dict[str, Any],
) -> Any:
    """The KPI of *accumulator*'s definition over the rows of *frame*."""
    _refuse_callables(options)
    by = options.get("by")
    acc = accumulator(**{**options, "by": None})  # checks every other option
    plain = acc._grouping
    grouping = Grouping(by, plain.period, plain.tz, plain.anchor, aliases=acc.definition.aliases)
    acc._grouping = grouping
    engine = _Engine(_narwhals(), frame, columns, acc, grouping)
    values = engine.values()
    acc._skipped.extend(engine.skipped)
    return acc.figure(values)


def _refuse_callables(options: Mapping[str, Any]) -> None:
    for name in _CALLABLES:
        value = options.get(name)
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
    raise ValidationError.single(
        "tz", tz, "a zoneinfo.ZoneInfo, datetime.UTC or an IANA name on a DataFrame"
    )


class _Engine:
    """One KPI over one frame: the frame normalised to the entity field names and
    checked row by row (vectorised), then each measure's values."""

    def __init__(
        self,
        nw: Any,
        frame: Any,
        columns: Mapping[str, str] | None,
        acc: DefinedAccumulator,
        grouping: Grouping,
    ) -> None:
        self.nw = nw
        self.acc = acc
        self.grouping = grouping
        self.measures: tuple[Measure, ...] = acc._measures
        self.skipped: list[SkippedRecord] = []
        self.amounts = any(isinstance(m, AmountMeasure) for m in self.measures)
        self.stages = acc._book is not None
        try:
            native = nw.from_native(frame)
        except TypeError:
            raise ValidationError.single(
                "records", type(frame).__name__, "an iterable of records, or a DataFrame"
            ) from None
        self.eager = isinstance(native, nw.DataFrame)
        self.backend = str(native.implementation).lower()
        if self.eager:
            native = native.with_row_index(_ROW)
        self.frame = native
        self._select(dict(columns or {}))

    # --- columns -----------------------------------------------------------------------

    def _select(self, columns: dict[str, str]) -> None:
        """Keep the columns the KPI reads, under the entity field names."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise ValidationError.single("columns", columns, "a mapping of field name to column")
        nw = self.nw
        schema = self.frame.collect_schema()
        names = list(schema.names())
        wanted = ["id", "status", "created_at", "closed_at"]
        optional: list[str] = []
        if self.amounts:
            wanted += ["amount", "currency"]
        if self.stages:
            wanted.append("stage")
            optional += ["pipeline_id", "loss_reason"]
        by = self.grouping.by
        self.by_names: tuple[str, ...] = (
            (by,) if isinstance(by, str) else by if isinstance(by, tuple) else ()
        )
        for name in self.by_names:
            path = self.acc.definition.aliases.get(name, name)
            field = _COLUMN_OF_PATH.get(path, name)
            if field not in wanted:
                wanted.append(field)
        self.by_fields = tuple(
            _COLUMN_OF_PATH.get(self.acc.definition.aliases.get(n, n), n) for n in self.by_names
        )
        exprs = [nw.col(_ROW)] if self.eager else []
        self.present: set[str] = set()
        for field in wanted + optional:
            source = columns.get(field, field)
            if source not in names:
                if field in optional:
                    continue
                shown = ", ".join(map(repr, names[:12])) + (", ..." if len(names) > 12 else "")
                raise ValidationError.single(
                    field,
                    source,
                    f"a column of the frame ({shown}); map another with columns={{{field!r}: ...}}",
                )
            self.present.add(field)
            exprs.append(nw.col(source).alias(field))
        self.frame = self.frame.select(exprs)
        self.schema = self.frame.collect_schema()
        self._normalise()

    def _normalise(self) -> None:
        """Text columns as text, times as UTC instants (naive ones read in
        ``tz=``), amounts as exact integers of minor units."""
        nw, schema = self.nw, self.schema
        exprs = []
        for field in ("id", "status", "stage", "pipeline_id", "loss_reason", "currency"):
            if field in self.present:
                dtype = schema[field]
                if dtype == nw.String:
                    continue
                if dtype in (nw.Categorical, nw.Enum, nw.Object, nw.Unknown) or self._empty(field):
                    exprs.append(nw.col(field).cast(nw.String))
                    continue
                raise ValidationError.single(field, str(dtype), "a column of text")
        self.local: Any = None
        for field in ("created_at", "closed_at"):
            dtype = schema[field]
            expr = nw.col(field)
            if not isinstance(dtype, nw.Datetime):
                if not self._empty(field):
                    raise ValidationError.single(
                        field, str(dtype), "a column of timezone-aware datetimes"
                    )
                # A column of nothing but nulls has whatever type its engine guessed.
                dtype = nw.Datetime("us", "UTC")
                expr = expr.cast(dtype)
            zone = _zone_name(self.grouping.tz)
            if dtype.time_zone is None:
                if zone is None:
                    raise ValidationError.single(
                        field,
                        f"naive datetimes ({dtype})",
                        "timezone-aware datetimes, or tz= naming the zone they were recorded in",
                    )
                expr = self._in_zone(expr, zone, replace=True)
            if field == self.grouping.anchor and self.grouping.period is not None:
                self.local = expr if zone is None else self._in_zone(expr, zone)
            exprs.append(self._in_zone(expr, "UTC").alias(field))
        self.frame = self.frame.with_columns(exprs)
        if self.amounts:
            self._cents()

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
        currencies = self._distinct("currency")
        places = {c: minor_unit(c) for c in currencies if is_currency(c)}
        self.places = places
        # 1 for a currency it does not know: such a row is bad (a null would make
        # pandas-like engines fall back to object columns).
        scale = _chain(nw, [(nw.col("currency") == c, 10**p) for c, p in places.items()], 1)
        amount = nw.col("amount")
        dtype = self.schema["amount"]
        if not (dtype.is_numeric() or dtype == nw.String) and self._empty("amount"):
            dtype = nw.Float64  # nothing but unknown amounts, of whatever type was guessed
            self.frame = self.frame.with_columns(amount.cast(dtype))
        if dtype.is_integer():
            negative = amount < 0
            unreadable = amount.abs() >= 10**_DIGITS
            cents_f = amount * scale
            too_fine = nw.lit(False)
        elif dtype.is_float():
            negative = amount < 0
            scaled = amount * scale
            cents_f = scaled.round(0)
            unreadable = ~amount.is_finite() | (cents_f.abs() >= 10**_DIGITS)
            # A float read from "7940.19" is the float nearest 794019 / 100: scaled, it
            # is within two units in the last place of 794019. (Dividing back is not
            # exact in every engine: polars divides by multiplying by 1/100.)
            too_fine = ~unreadable & ((scaled - cents_f).abs() > cents_f.abs() * _ULPS)
        elif dtype in (nw.String, nw.Object, nw.Unknown) or isinstance(dtype, nw.Decimal):
            text = amount.cast(nw.String).fill_null("").str.strip_chars()  # no NaN lengths
            # Trailing zeros of a fraction are no finer a value: 21114774.00 JPY is whole.
            fraction = text.str.contains(r"\.")
            text = nw.when(_fill(fraction)).then(text.str.strip_chars_end("0")).otherwise(text)
            text = text.str.strip_chars_end(".")
            digits = text.str.replace_all(r"[.\-]", "")
            unreadable = (
                ~text.str.contains(r"^-?[0-9]*\.?[0-9]*$")
                | ~text.str.contains("[0-9]")
                | (digits.str.len_chars() > _DIGITS)
            )
            negative = ~unreadable & text.str.starts_with("-") & text.str.contains("[1-9]")
            whole = text.str.replace_all(r"\..*$", "")
            # lengths are unsigned in some engines: subtract them as int64
            length = text.str.len_chars().cast(nw.Int64)
            decimals = (length - whole.str.len_chars().cast(nw.Int64) - 1).clip(lower_bound=0)
            shift = _chain(nw, [(nw.col("currency") == c, p) for c, p in places.items()], 0)
            shift = shift - decimals
            too_fine = ~unreadable & (shift < 0)
            factor = _chain(
                nw, [(shift == k, 10**k) for k in range(max(places.values(), default=0) + 1)], 0
            )
            readable = _fill(~unreadable & ~too_fine)
            cents_f = nw.when(readable).then(digits).otherwise(nw.lit("0")).cast(nw.Int64) * factor
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
        good = known & ~currency_bad & ~unreadable & ~negative & ~too_fine
        self.frame = self.frame.with_columns(
            nw.when(_fill(good))
            .then(cents_f)
            .otherwise(0)
            .fill_null(0)
            .cast(nw.Int64)
            .alias(_CENTS)
        )

    def _empty(self, field: str) -> bool:
        """Whether a column holds nothing but nulls (an aggregate)."""
        nw = self.nw
        got = _collect(self.frame.select(nw.col(field).is_null().all().alias("__all")))
        return bool(got.to_dict(as_series=False)["__all"][0])

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
        status, created, closed = col("status"), col("created_at"), col("closed_at")
        checks: list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]] = [
            (
                col("id").is_null() | (col("id").str.strip_chars() == ""),
                "id",
                lambda r: Issue("id", r["id"], "an id (a non-empty str)"),
            ),
            (
                status.is_null() | ~status.is_in(_STATUSES),
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
                lambda r: Issue("closed_at", r["closed_at"], "None while status is 'open'"),
            ),
            (
                (status != "open") & closed.is_null(),
                "closed_at",
                lambda r: Issue("closed_at", None, f"a datetime, since status is {r['status']!r}"),
            ),
            (
                closed < created,
                "closed_at",
                lambda r: Issue("closed_at", r["closed_at"], "no earlier than created_at"),
            ),
        ]
        if self.amounts:
            messages: dict[str, Callable[[dict[str, Any]], Issue]] = {
                "currency": lambda r: Issue("currency", r["currency"], CURRENCY_EXPECTED),
                "unreadable": lambda r: Issue("amount", r["amount"], _AMOUNT_EXPECTED),
                "negative": lambda r: Issue("amount", r["amount"], _AMOUNT_EXPECTED),
                "too_fine": lambda r: Issue(
                    "amount",
                    r["amount"],
                    f"at most {self.places.get(r['currency'])} decimal places, the minor unit "
                    f"of {r['currency']}",
                ),
            }
            checks += [(cond, "amount", messages[name]) for cond, name in self.amount_checks]
        checks.append((col(_DUP), "id", lambda r: Issue("id", r["id"], "an id no other row has")))
        if self.stages:
            checks += self._stage_checks()
        return checks

    def _stage_checks(self) -> list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]]:
        """Conformance to the pipeline (:meth:`Pipeline.validate`, but for the
        history a frame does not hold): a pipeline given, a stage of it, the
        stage's status, and a loss reason where the pipeline requires one."""
        nw = self.nw
        col = nw.col
        book = self.acc._book
        assert book is not None
        known = ", ".join(map(repr, sorted(book.by_id)))
        named = "pipeline_id" in self.present
        checks: list[tuple[Any, str, Callable[[dict[str, Any]], Issue]]] = []
        if named:
            checks.append(
                (
                    col("pipeline_id").is_null() | ~col("pipeline_id").is_in(list(book.by_id)),
                    "pipeline_id",
                    lambda r: Issue(
                        "pipeline_id", r["pipeline_id"], f"a pipeline the KPI was given ({known})"
                    ),
                )
            )
            pipelines = list(book.by_id.values())
        else:
            if book.unnamed is None:
                raise ValidationError.single(
                    "pipeline_id",
                    None,
                    f"a column naming each deal's pipeline, since several were given ({known})",
                )
            pipelines = [book.unnamed]

        def of(pipeline: Any) -> Any:
            return col("pipeline_id") == pipeline.id if named else nw.lit(True)

        in_stage = [(of(p) & (col("stage") == s.id), p, s) for p in pipelines for s in p.stages]
        stage_known = functools.reduce(operator.or_, [c for c, _, _ in in_stage])
        by_id = {p.id: p for p in pipelines}

        def pipeline_of(row: dict[str, Any]) -> Any:
            return by_id[row["pipeline_id"]] if named else pipelines[0]

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
        if "loss_reason" in self.present:
            needs = [c for c, p, s in in_stage if s.id in p._needs_reason]
            if needs:
                lost = functools.reduce(operator.or_, needs) & (col("status") == "lost")

                def reason_issue(row: dict[str, Any]) -> Issue:
                    pipeline = pipeline_of(row)
                    expected = (
                        f"a reason, since pipeline {pipeline.id!r} requires one for a lost stage"
                    )
                    return Issue("loss_reason", None, expected)

                checks.append((lost & col("loss_reason").is_null(), "loss_reason", reason_issue))
        return checks

    def _screen(self) -> Any:
        """The good rows; each bad row raised (strict) or noted as skipped."""
        nw = self.nw
        dups = (
            self.frame.group_by("id")
            .agg(nw.len().alias("__n"))
            .filter(nw.col("__n") > 1)
            .select("id", nw.lit(True).alias(_DUP))
        )
        frame = self.frame.join(dups, on="id", how="left").with_columns(
            nw.col(_DUP).fill_null(False)
        )
        checks = self._checks()
        code = nw.lit(0)
        for i, (cond, _, _) in reversed(list(enumerate(checks, 1))):
            code = nw.when(_fill(cond)).then(nw.lit(i)).otherwise(code)
        frame = frame.with_columns(code.alias(_BAD))
        bad = frame.filter(nw.col(_BAD) != 0)
        order = _ROW if self.eager else "id"
        if self.acc.strict:
            bad = bad.sort(order, nulls_last=True).head(1)
        shown = [f for f in self.frame.collect_schema().names() if f != _CENTS]
        rows = _rows(_collect(bad.select([*shown, _BAD])))
        for row in sorted(rows, key=lambda r: r.get(_ROW) or 0):
            row = {k: _cell(v) for k, v in row.items()}
            issue = checks[row[_BAD] - 1][2](row)
            self._reject(row, issue)
        return frame.filter(nw.col(_BAD) == 0)

    def _reject(self, row: dict[str, Any], issue: Issue) -> None:
        record_id = row.get("id") if isinstance(row.get("id"), str) else None
        if self.acc.strict:
            where = f"row {row[_ROW]}" if _ROW in row else "a row"
            subject = where + (f" (id {record_id!r})" if record_id else "")
            raise ValidationError(
                [issue], f"{subject} of the frame (pass strict=False to skip and report bad rows)"
            )
        self.skipped.append(SkippedRecord(record_id, issue.path, issue.message))

    # --- measures ------------------------------------------------------------------------

    def values(self) -> dict[str, dict[Any, Any]]:
        """``{measure: {key: value}}``, as the accumulator's measures give them."""
        nw = self.nw
        good = self._screen()
        keys = list(self.by_fields)
        period = self.grouping.period
        if period is not None:
            part = self.local.dt.ordinal_day() if period == "week" else self.local.dt.month()
            good = good.with_columns(self.local.dt.year().alias(_YEAR), part.alias(_PART))
            keys += [_YEAR, _PART]
        extras = any(m.extra is not None for m in self.measures)
        if self.stages and extras and "pipeline_id" not in self.present:
            # a frame without the column: every row is of the book's one pipeline
            good = good.with_columns(nw.lit(None, nw.String).alias("pipeline_id"))
        return {m.name: self._measure(good, m, keys) for m in self.measures}

    def _measure(self, frame: Any, measure: Measure, keys: list[str]) -> dict[Any, Any]:
        nw = self.nw
        where = measure.where
        if where.ids is not None:
            ids = where.ids
            if not isinstance(ids, Iterable):
                raise ValidationError.single("converted", ids, "ids one can iterate over")
            frame = frame.filter(_is_in(nw, nw.col("id"), [i for i in ids if isinstance(i, str)]))
        elif where.statuses is not None:
            frame = frame.filter(nw.col("status").is_in(sorted(s.value for s in where.statuses)))
        flat: dict[Any, Any]
        extra = ["pipeline_id", "stage"] if measure.extra is not None else []
        keys = [*keys, *(e for e in extra if e not in keys)]  # the extra part, once
        if isinstance(measure, CountMeasure):
            rows = _aggregate(nw, frame, keys, [nw.len().alias("__n")])
            flat = {}
            for r in rows:  # several engine groups (months of a quarter) may be one key
                slot = self._slot(r, keys, extra)
                flat[slot] = flat.get(slot, 0) + int(r["__n"])
        elif isinstance(measure, AmountMeasure):
            rows = _aggregate(
                nw,
                frame,
                keys if "currency" in keys else [*keys, "currency"],
                [
                    nw.len().alias("__n"),
                    nw.col("amount").count().alias("__known"),
                    nw.col(_CENTS).sum().alias("__sum"),
                ],
            )
            flat = self._amounts(rows, keys, extra)
        else:
            assert isinstance(measure, DurationMeasure)
            micros = self._duration()
            frame = frame.with_columns(micros.alias(_MICROS))
            rows = _aggregate(nw, frame, [*keys, _MICROS], [nw.len().alias("__n")])
            flat = {}
            for r in rows:
                bucket = flat.setdefault(self._slot(r, keys, extra), {})
                micros = int(r[_MICROS])
                bucket[micros] = bucket.get(micros, 0) + int(r["__n"])
        return measure._nest(flat)

    def _duration(self) -> Any:
        """From ``created_at`` to ``closed_at``, in microseconds."""
        nw = self.nw
        if not self.backend.startswith("pyspark"):
            return (nw.col("closed_at") - nw.col("created_at")).dt.total_microseconds()
        # Spark has no durations here: each time as microseconds since the epoch,
        # its floor in seconds (a cast) plus a remainder never negative, to agree.
        ends = [
            nw.col(f).cast(nw.Int64) * 1_000_000
            + (nw.col(f).dt.microsecond() + 1_000_000) % 1_000_000
            for f in ("closed_at", "created_at")
        ]
        return ends[0] - ends[1]

    def _amounts(
        self, rows: list[dict[str, Any]], keys: list[str], extra: list[str]
    ) -> dict[Any, Any]:
        parts: dict[Any, tuple[dict[str, Decimal], list[int]]] = {}
        for r in rows:
            sums, counts = parts.setdefault(self._slot(r, keys, extra), ({}, [0, 0]))
            known = int(r["__known"])
            counts[0] += known
            counts[1] += int(r["__n"]) - known
            if known:
                currency = r["currency"]
                cents = Decimal(int(r["__sum"])).scaleb(-self.places[currency])
                sums[currency] = sums.get(currency, Decimal(0)) + cents
        return {
            slot: Amounts(sums, count, unknown) for slot, (sums, (count, unknown)) in parts.items()
        }

    def _slot(self, row: dict[str, Any], keys: list[str], extra: list[str]) -> Any:
        """The accumulator's key of an aggregate row (with its extra part)."""
        by = [_cell(row[f]) for f in self.by_fields]
        group: Any = (
            ALL
            if not by
            else by[0]
            if len(by) == 1 and isinstance(self.grouping.by, str)
            else tuple(by)
        )
        kind = self.grouping.period
        if kind is None:
            key = group
        else:
            year, part = int(row[_YEAR]), int(row[_PART])
            if kind == "week":
                period = Period.of(dt.date(year, 1, 1) + dt.timedelta(days=part - 1), "week")
            else:
                period = Period.of(dt.date(year, part, 1), kind)
            key = period if not by else (group, period)
        if extra:
            return (key, (_cell(row["pipeline_id"]), row["stage"]))
        return key


def _cell(value: Any) -> Any:
    """A value from the engine as the records hold it: pandas' NaN and NaT are None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if type(value).__name__ == "NaTType":
        return None
    return value


def _fill(cond: Any) -> Any:
    """A condition whose null (unknown) counts as false."""
    return cond.fill_null(False)


def _known_currency(nw: Any, places: Mapping[str, int]) -> Any:
    return _is_in(nw, nw.col("currency"), sorted(places))


def _is_in(nw: Any, expr: Any, values: list[Any]) -> Any:
    """``expr.is_in(values)``, false for no values (PyArrow cannot type ``[]``)."""
    return expr.is_in(values) if values else expr.is_null() & ~expr.is_null()


def _chain(nw: Any, cases: list[tuple[Any, Any]], otherwise: Any) -> Any:
    """``when(c1).then(v1)...otherwise(x)`` from ``[(c, v), ...]``."""
    out = nw.lit(otherwise)
    for cond, value in reversed(cases):
        out = nw.when(cond).then(nw.lit(value)).otherwise(out)
    return out


def _collect(frame: Any) -> Any:
    return frame.collect() if hasattr(frame, "collect") else frame


def _rows(frame: Any) -> list[dict[str, Any]]:
    data = frame.to_dict(as_series=False)
    names = list(data)
    return [dict(zip(names, values, strict=True)) for values in zip(*data.values(), strict=True)]


def _aggregate(nw: Any, frame: Any, keys: list[str], aggs: list[Any]) -> list[dict[str, Any]]:
    """The aggregate rows of *frame* grouped by *keys* (none: one row)."""
    if keys:
        return _rows(_collect(frame.group_by(*keys, drop_null_keys=False).agg(*aggs)))
    rows = _rows(_collect(frame.select(*aggs)))
    return [r for r in rows if int(r["__n"])]
