"""The stage changes of a DataFrame of deals: a second frame with a row per change
(``deal_id``, ``from_stage``, ``to_stage``, ``at``), what a deal's ``history``
holds on the object path.

The changes of a deal are read in time order (changes at the same instant by a
``seq`` column, or else in the row order of an eager frame), checked against their
deal as the entities check a history (each change moves, the first comes no earlier
than ``created_at``, each starts where the one before ended, the last ends at the
deal's stage and, for a closed deal, at ``closed_at``), and against the deal's
pipeline (every move one its rules allow). A deal with a bad change is a bad row,
named with the issue the object path would give; a change of no deal in the frame
is a bad row of the changes.

Then the history KPIs read them: the stage each lost deal was lost from, the stays
of :func:`~._stages.time_in_stage`, the steps of :func:`~._stages.funnel`. Their
figures come out of the KPIs' own accumulators; only the counts are made here,
inside the engine, so only aggregates leave it.

Order in a deal needs no window function (PyArrow and Dask have none that takes an
order): a change's place is the number of changes of its deal before it, a self-join
on the deal that histories short enough keep cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

from salesmodel._frame_columns import schema_of
from salesmodel.entities import StageChange, _closed_by_last_change, _history_in_order
from salesmodel.enums import Status
from salesmodel.errors import Issue, ValidationError

from ._results import SkippedRecord

if TYPE_CHECKING:
    from ._frames import _Engine

__all__ = ["Changes", "funnel_counts", "stage_times"]

_HROW: Final = "__hrow"
#: A change's place in its deal's history (0: the first), and how many it has.
_K: Final = "__k"
_N: Final = "__n_changes"
#: How many changes of the deal share this one's place in time order (1: none).
_SAME: Final = "__same"
#: ``seq`` as the changes are ordered by it: a change without one (null) sorts first
#: among its instant's (and is a tie if it shares that instant: told by the null,
#: not by this value, which a seq may hold too).
_SEQ_KEY: Final = "__seq"
_UNSEQUENCED: Final = -(2**62)
_PREV_TO: Final = "__prev_to"
_PREV_AT: Final = "__prev_at"
_BAD: Final = "__hbad"
_FIELDS: Final = ("deal_id", "from_stage", "to_stage", "at")
#: The columns a frame of stage changes reads (``columns=`` may map each).
COLUMNS: Final = (*_FIELDS, "seq")
#: Joins a pipeline, a stage left and a stage entered into one key of a move.
_SEP: Final = "\x1f"
_TIE: Final = (
    "an instant no other change of the deal has, or a 'seq' column ordering the "
    "changes made at the same instant"
)


class Changes:
    """The changes frame of an engine's deals, ordered and checkable."""

    def __init__(self, engine: _Engine, frame: Any) -> None:
        from ._frames import _plain_text

        self.engine = engine
        nw = self.nw = engine.nw
        native = engine.native(frame, "history")
        eager = isinstance(native, nw.DataFrame)
        if native.implementation != engine.implementation or eager != engine.eager:
            kind = "eager" if engine.eager else "lazy"
            raise ValidationError.single(
                "history",
                type(frame).__name__,
                f"a frame of the deals' engine ({kind} {engine.implementation})",
            )
        names = list(schema_of(native, "history").names())
        exprs = []
        if eager:
            native = native.with_row_index(_HROW)
            exprs.append(nw.col(_HROW))
        if engine.planned:
            native = native.lazy()
        for field in _FIELDS:
            exprs.append(nw.col(engine.column(field, names, frame="history")).alias(field))
        seq = engine.column("seq", names, required=False)
        if seq is not None:
            exprs.append(nw.col(seq).alias("seq"))
        #: What orders changes made at the same instant (None: nothing, so such
        #: changes are refused): ``seq`` with its nulls filled, so that they join.
        self.order = _SEQ_KEY if seq is not None else _HROW if eager else None
        self.eager = eager
        native = _plain_text(nw, native.select(exprs), engine.backend)
        schema = native.collect_schema()
        if engine.backend == "polars":  # as the deals' times are (a change may come later)
            misread = engine._misread(native, schema, ("at",))
            if misread is not None:
                raise misread
        normal = [engine.text(schema, f, native) for f in _FIELDS[1:3]]
        # the join key as the deals' ids are made (PyArrow joins no string to a large one)
        normal += [_key(nw, schema, native, engine), engine.instant(schema, "at", native)]
        native = native.with_columns([e for e in normal if e is not None])
        if seq is not None:
            native = _sequenced(nw, native, schema, engine)
            native = native.with_columns(nw.col("seq").fill_null(_UNSEQUENCED).alias(_SEQ_KEY))
        self.frame = self._ordered(native)
        self._bad: dict[str, list[dict[str, Any]]] | None = None

    def _ordered(self, changes: Any) -> Any:
        """Each change with its place in its deal's time order, the number of its
        deal's changes, and the stage and time of the change before it."""
        nw = self.nw
        col = nw.col
        keys = ["at"] + ([self.order] if self.order else [])
        other = changes.select(
            col("deal_id").alias("__d"), *(col(k).alias(f"__o{k}") for k in keys)
        )
        earlier = col("__oat") < col("at")
        same = instant = col("__oat") == col("at")
        if self.order:
            earlier = earlier | (same & (col(f"__o{self.order}") < col(self.order)))
            same = same & (col(f"__o{self.order}") == col(self.order))
        places = (
            changes.select("deal_id", *keys)
            .join(other, left_on="deal_id", right_on="__d", how="inner")
            .with_columns(
                earlier.fill_null(False).cast(nw.Int64).alias("__e"),
                same.fill_null(False).cast(nw.Int64).alias("__s"),
                instant.fill_null(False).cast(nw.Int64).alias("__i"),
            )
            .group_by("deal_id", *keys)
            .agg(
                col("__e").sum().alias(_K),
                col("__s").sum().alias(_SAME),
                col("__i").sum().alias("__at_once"),
            )
        )
        counts = changes.group_by("deal_id").agg(nw.len().alias(_N))
        changes = (
            changes.join(places, on=["deal_id", *keys], how="left")
            .join(counts, on="deal_id", how="left")
            .with_columns(
                col(_K).fill_null(0).cast(nw.Int64),
                col(_SAME).fill_null(1).cast(nw.Int64),
                col(_N).fill_null(1).cast(nw.Int64),
            )
        )
        if self.order == _SEQ_KEY:
            # A change without a seq is ordered by its instant alone: if another
            # change of its deal has that instant too, the two are a tie.
            alone = col("__at_once").fill_null(1).cast(nw.Int64)
            changes = changes.with_columns(
                nw.when(col("seq").is_null()).then(alone).otherwise(col(_SAME)).alias(_SAME)
            )
        changes = changes.drop("__at_once")
        before = changes.select(
            col("deal_id").alias("__pd"),
            (col(_K) + 1).alias("__pk"),
            col("to_stage").alias(_PREV_TO),
            col("at").alias(_PREV_AT),
        )
        return changes.join(before, left_on=["deal_id", _K], right_on=["__pd", "__pk"], how="left")

    # --- checks -------------------------------------------------------------------------

    @functools.cached_property
    def _with_deals(self) -> Any:
        """The changes with their deal's columns (``__deal`` null: no such deal), joined once."""
        nw = self.nw
        engine = self.engine
        columns = [
            nw.col("id").cast(nw.String).alias("__id"),
            nw.lit(True).alias("__deal"),
            *(nw.col(f).alias(f"__{f}") for f in ("created_at", "closed_at", "status", "stage")),
        ]
        if engine.book is not None and engine.named:
            columns.append(nw.col("pipeline_id").alias("__pipeline_id"))
        deals = engine.frame.select(columns)
        return self.frame.join(deals, left_on="deal_id", right_on="__id", how="left")

    def _bad_change(self) -> Any:
        """True for a change that breaks a rule of histories or of the pipeline."""
        from ._frames import _blank

        nw = self.nw
        col = nw.col
        first, last = col(_K) == 0, col(_K) == col(_N) - 1
        bad = (
            _blank(col("from_stage"))
            | _blank(col("to_stage"))
            | col("at").is_null()
            | (col("from_stage") == col("to_stage"))
            | (col(_SAME) > 1)
            | (first & (col("at") < col("__created_at")))
            | (~first & (col("from_stage") != col(_PREV_TO)))
            | (last & (col("to_stage") != col("__stage")))
            | (last & (col("__status") != "open") & (col("__closed_at") != col("at")))
        )
        engine = self.engine
        if engine.book is not None:
            pipelines = engine.pipelines
            named = engine.named
            allowed = sorted(_SEP.join((p.id, a, b)) for p in pipelines for a, b in p._allowed)
            pipeline = col("__pipeline_id") if named else nw.lit(pipelines[0].id)
            move = nw.concat_str(
                [pipeline, nw.lit(_SEP), col("from_stage"), nw.lit(_SEP), col("to_stage")]
            )
            bad = bad | ~move.is_in(allowed)
        return bad.fill_null(True)

    @functools.cached_property
    def flags(self) -> Any:
        """``(id, __hbad)`` for every deal with a bad change."""
        nw = self.nw
        return (
            self._with_deals.filter(~nw.col("__deal").is_null() & self._bad_change())
            .select(nw.col("deal_id").alias("id"))
            .unique()
            .with_columns(nw.lit(True).alias(_BAD))
        )

    def check(self) -> tuple[Any, str, Callable[[dict[str, Any]], Issue]]:
        """The deal rule: no bad change (the engine joins :attr:`flags` first)."""
        return (self.nw.col(_BAD), "history", self._explain)

    def orphans(self) -> None:
        """Raise for (strict), or skip and report, each change of no deal."""
        nw = self.nw
        engine = self.engine
        lost = self._with_deals.filter(nw.col("__deal").is_null())
        shown = [_HROW] if self.eager else []
        if engine.strict:
            lost = lost.sort(shown or ["deal_id"], nulls_last=True).head(1)
        from ._frames import _cell, _collect, _rows

        for row in _rows(_collect(lost.select(*shown, "deal_id"))):
            deal_id = _cell(row["deal_id"])
            issue = Issue("deal_id", deal_id, "the id of a deal of the frame of deals")
            if engine.strict:
                where = f"row {row[_HROW]}" if _HROW in row else "row"  # "invalid row of..."
                raise ValidationError(
                    [issue],
                    f"{where} of the history frame (pass strict=False to skip and report bad rows)",
                )
            record_id = deal_id if isinstance(deal_id, str) else None
            engine.skipped.append(SkippedRecord(record_id, "history.deal_id", issue.message))

    def _explain(self, row: dict[str, Any]) -> Issue:
        """The first rule a deal's changes break, as the object path names it."""
        if self._bad is None:
            self._bad = self._collect_bad()
        changes = self._bad.get(row["id"], [])
        history: list[StageChange] = []
        for i, change in enumerate(changes):
            if change[_SAME] > 1:
                return Issue(f"history[{i}].at", change["at"], _TIE)
            try:
                history.append(
                    StageChange(
                        from_stage=change["from_stage"],
                        to_stage=change["to_stage"],
                        at=change["at"],
                    )
                )
            except ValidationError as error:
                issue = error.issues[0]
                return Issue(f"history[{i}].{issue.path}", issue.value, issue.expected)
        moves = tuple(history)
        status = Status(row["status"])
        found = _history_in_order.check(
            moves, _instant(row["created_at"]), row["stage"]
        ) or _closed_by_last_change.check(status, _instant(row["closed_at"]), moves)
        if found:
            return found[0]
        engine = self.engine
        assert engine.book is not None  # the only other rules are its pipeline's
        pipeline = engine.pipeline_of(row)
        record = SimpleNamespace(
            stage=row["stage"],
            status=status,
            pipeline_id=pipeline.id,
            history=moves,
            loss_reason=row.get("loss_reason", "given"),
        )
        return pipeline.issues(record)[0]

    def _collect_bad(self) -> dict[str, list[dict[str, Any]]]:
        """The changes of every deal with a bad change, in order, as Python values."""
        from ._frames import _cell, _collect, _rows

        nw = self.nw
        bad = self.flags.select(nw.col("id").alias("__bid"))
        picked = self.frame.join(bad, left_on="deal_id", right_on="__bid", how="inner")
        order = [_K] + ([self.order] if self.order else [])
        shown = picked.select("deal_id", "from_stage", "to_stage", "at", *order, _SAME)
        rows = _rows(_collect(shown))
        out: dict[str, list[dict[str, Any]]] = {}
        for row in sorted(rows, key=lambda r: tuple(r[k] for k in order)):
            row["at"] = _instant(_cell(row["at"]))
            # pandas' NaN is a missing stage, named as every engine names it: None
            row["from_stage"], row["to_stage"] = _cell(row["from_stage"]), _cell(row["to_stage"])
            out.setdefault(row["deal_id"], []).append(row)
        return out

    # --- what the KPIs read -------------------------------------------------------------

    def of(self, good: Any, *columns: str) -> Any:
        """The changes of the good deals, with the deals' *columns*."""
        nw = self.nw
        wanted = [
            nw.col("id").cast(nw.String).alias("__gid"),
            *(nw.col(c) for c in dict.fromkeys(columns)),
        ]
        return self.frame.join(good.select(wanted), left_on="deal_id", right_on="__gid")

    def last(self) -> Any:
        """Each deal's last change."""
        nw = self.nw
        return self.frame.filter(nw.col(_K) == nw.col(_N) - 1)


def _key(nw: Any, schema: Any, changes: Any, engine: _Engine) -> Any:
    """``deal_id`` as text, the join key (a column of floats, say, is refused)."""
    engine.text(schema, "deal_id", changes)
    return nw.col("deal_id").cast(nw.String)


def _sequenced(nw: Any, changes: Any, schema: Any, engine: _Engine) -> Any:
    """*changes* with ``seq`` as 64-bit integers (a column of nothing but nulls
    has a guessed type)."""
    dtype = schema["seq"]
    if not dtype.is_integer() and not engine._empty("seq", changes):
        raise ValidationError.single(
            "history.seq", str(dtype), "a column of integers ordering a deal's changes"
        )
    if dtype == nw.Int64:
        return changes
    if engine.backend == "dask":  # its cast is to numpy's int64, which holds no null
        return nw.from_native(nw.to_native(changes).astype({"seq": "Int64"}))
    if not dtype.is_integer():  # nothing but nulls (PyArrow casts no date to an integer)
        return changes.with_columns(nw.lit(None, nw.Int64).alias("seq"))
    return changes.with_columns(nw.col("seq").cast(nw.Int64))


def _instant(value: Any) -> dt.datetime | None:
    """A time from the engine as an aware datetime (pandas gives Timestamps)."""
    if value is None or type(value).__name__ == "NaTType":
        return None
    to_python = getattr(value, "to_pydatetime", None)
    return to_python() if to_python is not None else value  # type: ignore[no-any-return]


# --- the history KPIs' counts ------------------------------------------------------------


def stage_times(engine: _Engine, as_of: dt.datetime | None) -> Counter[tuple[Any, str, int]]:
    """``{(group, stage, microseconds): stays}``: every stay of a good deal in a
    stage, as :class:`~._stages.TimeInStageAccumulator` counts them."""
    from ._frames import _aggregate, _cell

    nw = engine.nw
    col = nw.col
    by = engine.by_columns()
    good = engine.good()
    counts: Counter[tuple[Any, str, int]] = Counter()
    parts = []
    changes = engine.changes
    if changes is not None:
        moved = changes.of(good, "created_at", *by)
        entered = nw.when(col(_K) == 0).then(col("created_at")).otherwise(col(_PREV_AT))
        parts.append(
            moved.select(
                *by,
                col("from_stage").alias("__stage"),
                engine.micros_between(col("at"), entered).alias("__us"),
            )
        )
    if as_of is not None:
        now = good.filter(col("status") == "open")
        entered = col("created_at")
        if changes is not None:
            last = changes.last().select(col("deal_id").alias("__lid"), col("at").alias("__last"))
            now = now.join(last, left_on="id", right_on="__lid", how="left")
            entered = nw.when(col("__last").is_null()).then(entered).otherwise(col("__last"))
        stays = now.select(
            *by,
            col("stage").alias("__stage"),
            engine.micros_between(as_of, entered).alias("__us"),
        )
        parts.append(stays.filter(col("__us") >= 0))
    for part in parts:
        table = _aggregate(nw, part, [*by, "__stage", "__us"], [nw.len().alias("__n")])
        rows = zip(engine.groups(table), table["__stage"], table["__us"], table["__n"], strict=True)
        for group, stage, spent, n in rows:
            counts[(group, _cell(stage), int(spent))] += int(n)
    return counts


def funnel_counts(
    engine: _Engine, index: dict[str, int], won_step: int | None, strict_mode: bool
) -> Counter[tuple[Any, int, int]]:
    """``{(group, step, outcome): deals}`` as :class:`~._stages.FunnelAccumulator`
    counts them: the steps each good deal reached (its stage, every stage its
    changes left or entered, the won step when won), its furthest step, and at
    each reached step whether it advanced (0), is still open there (1) or dropped
    there (2)."""
    from ._frames import _aggregate

    nw = engine.nw
    col = nw.col
    by = engine.by_columns()
    good = engine.good()

    def step(expr: Any) -> Any:  # -1: not a step (a null would make pandas fall back)
        out = nw.lit(-1, nw.Int64)
        for stage, i in index.items():
            out = nw.when(expr == stage).then(nw.lit(i, nw.Int64)).otherwise(out)
        return out

    parts = [good.select(col("id").alias("__d"), step(col("stage")).alias("__step"))]
    changes = engine.changes
    if changes is not None:
        moved = changes.of(good)
        for end in ("from_stage", "to_stage"):
            parts.append(moved.select(col("deal_id").alias("__d"), step(col(end)).alias("__step")))
    if won_step is not None:
        won = good.filter(col("status") == "won")
        parts.append(won.select(col("id").alias("__d"), nw.lit(won_step, nw.Int64).alias("__step")))
    visited = nw.concat(parts, how="vertical").filter(col("__step") >= 0).unique()
    furthest = visited.group_by("__d").agg(col("__step").max().alias("__far"))
    ending = (
        nw.when(col("status") == "open")
        .then(nw.lit(1, nw.Int64))
        .otherwise(nw.when(col("status") == "won").then(nw.lit(0, nw.Int64)).otherwise(2))
    )
    deals = good.select(col("id").alias("__d"), *by, ending.alias("__end")).join(furthest, on="__d")
    counts: Counter[tuple[Any, int, int]] = Counter()
    if not strict_mode:
        # every step before the furthest was passed: one aggregate row per ending
        table = _aggregate(nw, deals, [*by, "__far", "__end"], [nw.len().alias("__n")])
        rows = zip(engine.groups(table), table["__far"], table["__end"], table["__n"], strict=True)
        for group, far, end, n in rows:
            for i in range(int(far)):
                counts[(group, i, 0)] += int(n)
            counts[(group, int(far), int(end))] += int(n)
        return counts
    reached = visited.join(deals, on="__d").with_columns(
        nw.when(col("__step") < col("__far"))
        .then(nw.lit(0, nw.Int64))
        .otherwise(col("__end"))
        .alias("__o")
    )
    table = _aggregate(nw, reached, [*by, "__step", "__o"], [nw.len().alias("__n")])
    rows = zip(engine.groups(table), table["__step"], table["__o"], table["__n"], strict=True)
    for group, step_, outcome, n in rows:
        counts[(group, int(step_), int(outcome))] += int(n)
    return counts
