"""A KPI, said once: the records it reads, the options it takes, the measures it
adds up per group, and how its typed figure comes out of them.

A :class:`Definition` is read by :class:`DefinedAccumulator` over any iterable of
records (and partitions merged anywhere); the public function of a KPI is a thin
wrapper, :func:`compute`. The definition names its measures apart from how they are
added up, so that another engine (one that runs inside a DataFrame) can read it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final, TypeAlias

from salesmodel._book import PipelineBook
from salesmodel.errors import Issue, ValidationError

from ._base import ANCHORS, GroupedAccumulator
from ._measures import Measure
from ._results import sorted_keys

__all__ = [
    "DefinedAccumulator",
    "Definition",
    "Frame",
    "compute",
    "is_frame",
    "refuse_frame_options",
]

#: Options every grouped KPI takes, and their defaults (anchor: the definition's).
_GROUPING: Final = {"by": None, "period": None, "tz": None, "strict": True}


class Definition:
    """What a KPI counts; subclasses set the class attributes and methods.

    Attributes:
        accepts: The entity classes it reads (trusted: valid since built).
        expects: What a record must be, for messages.
        anchors: The anchors it allows (``()``: no periods).
        anchor: Its default anchor.
        aliases: ``by=`` names that stand for longer paths.
        options: Its own options and their defaults.
        reads_stages: Whether it reads stages: then every record must conform to
            its pipeline (``pipelines=``), or it is a bad record.
    """

    accepts: ClassVar[tuple[type, ...]]
    expects: ClassVar[str]
    anchors: ClassVar[tuple[str, ...]] = ("created", "closed")
    anchor: ClassVar[str] = "closed"
    aliases: ClassVar[dict[str, str]] = {}
    options: ClassVar[dict[str, Any]] = {}
    reads_stages: ClassVar[bool] = False

    def check(self, options: dict[str, Any]) -> None:
        """Refuse bad options (a :class:`ValidationError`), or normalise them in
        place."""

    def issue(self, record: Any, options: Mapping[str, Any]) -> Issue | None:
        """What is wrong with a record of another type, or None."""
        raise NotImplementedError  # pragma: no cover

    def measures(self, options: Mapping[str, Any]) -> tuple[Measure, ...]:
        """What to add up per group."""
        raise NotImplementedError  # pragma: no cover

    def finish(self, key: Any, values: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        """The figure of one group from its measures' values (None: no figure,
        the group is left out)."""
        raise NotImplementedError  # pragma: no cover

    def empty(self, options: Mapping[str, Any]) -> Any:
        """The figure of an ungrouped KPI that saw nothing."""
        raise NotImplementedError  # pragma: no cover

    def defaults(self) -> dict[str, Any]:
        """Every option this KPI takes, with its default."""
        # tz= without periods reads a DataFrame's naive times (records' are aware)
        grouping: dict[str, Any] = (
            dict(_GROUPING) if self.anchors else {"by": None, "tz": None, "strict": True}
        )
        if self.anchors:
            grouping["anchor"] = self.anchor
        if self.reads_stages:
            from salesmodel.pipeline import DEFAULT_PIPELINE

            grouping["pipelines"] = DEFAULT_PIPELINE
        return {**grouping, **self.options}


class DefinedAccumulator(GroupedAccumulator):
    """The accumulator of a :class:`Definition`: its options are the KPI
    function's, its state the measures' mergeable state.

    Subclasses name their definition: ``definition = WinRate()``.
    """

    definition: ClassVar[Definition]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        definition = cls.__dict__.get("definition")
        if definition is not None:
            cls.accepts = definition.accepts
            cls.expects = definition.expects
            cls.anchors = definition.anchors or ("created",)
            cls.aliases = definition.aliases
            cls.anchor_attributes = ANCHORS

    def __init__(self, **options: Any) -> None:
        definition = self.definition
        given = definition.defaults()
        unexpected = sorted(set(options) - given.keys())
        if unexpected:
            names = ", ".join(unexpected)
            raise TypeError(f"{type(self).__name__}() got unexpected options: {names}")
        given.update(options)
        definition.check(given)
        grouping = {k: given[k] for k in ("by", "period", "tz", "anchor") if k in given}
        own = {k: v for k, v in given.items() if k not in grouping and k != "strict"}
        super().__init__(strict=given["strict"], **grouping, **own)
        self._given = given
        self._book = PipelineBook(given["pipelines"]) if definition.reads_stages else None
        self._measures = definition.measures(given)
        self._state = {m.name: m.fresh() for m in self._measures}
        #: Whether the chunk being added holds records of the caller's own types.
        self._foreign = False

    # --- the accumulator protocol -------------------------------------------------------

    def _issue(self, record: Any) -> Issue | None:
        return self.definition.issue(record, self._given)

    def _feed(self, chunk: list[Any], types: set[type]) -> None:
        trusted = self._trusted
        self._foreign = not types.issubset(trusted)
        if self._foreign:
            chunk = [r for r in chunk if type(r) in trusted or self._admit(r)]
        if self._book is not None:  # then what only the pipeline knows
            chunk = self._conforming(chunk, self._book)
        self._add_chunk(chunk)

    def _add_chunk(self, chunk: list[Any]) -> None:
        grouping, state, reject = self._grouping, self._state, self._reject
        for measure in self._measures:
            measure.add(state[measure.name], chunk, grouping, reject, foreign=self._foreign)

    def _absorb(self, other: DefinedAccumulator) -> None:
        for measure in self._measures:
            measure.merge(self._state[measure.name], other._state[measure.name])

    def result(self) -> Any:
        """The KPI over every record added so far."""
        return self.figure({m.name: m.values(self._state[m.name]) for m in self._measures})

    def figure(self, values: Mapping[str, Mapping[Any, Any]]) -> Any:
        """The KPI from its measures' values ``{measure: {key: value}}``, whichever
        engine computed them (this accumulator's state, or a DataFrame)."""
        options = self._given if self._book is None else {**self._given, "pipelines": self._book}
        return self._wrap(
            finish(self.definition, self._measures, values, options),
            lambda: self.definition.empty(options),
        )


def finish(
    definition: Definition,
    measures: Iterable[Measure],
    values: Mapping[str, Mapping[Any, Any]],
    options: Mapping[str, Any],
) -> dict[Any, Any]:
    """Every group's figure from the measures' values ``{measure: {key: value}}``
    (whichever engine computed them)."""
    measures = tuple(measures)
    keys: set[Any] = set()
    for per_key in values.values():
        keys.update(per_key)
    out = {}
    # In the groups' own order, not a set's: a group that raises (amounts in two
    # currencies) is then the same one whichever engine computed the values.
    for key in sorted_keys(keys):
        row = {m.name: values[m.name].get(key, m.empty()) for m in measures}
        figure = definition.finish(key, row, options)
        if figure is not None:
            out[key] = figure
    return out


#: Where the DataFrame types of the engines the frame engine runs on live (the top
#: package of ``type(frame).__module__``): told apart without importing any.
FRAME_PACKAGES: Final = frozenset(
    {"pandas", "polars", "pyarrow", "duckdb", "_duckdb", "narwhals", "dask", "dask_expr", "pyspark"}
)

#: A DataFrame of one of those engines (pandas, polars eager or lazy, a PyArrow
#: table, a DuckDB relation, Dask, PySpark), read through narwhals (the ``frames``
#: extra). Typed as ``Any``: salesmodel imports none of them.
Frame: TypeAlias = Any


def is_frame(value: object) -> bool:
    """Whether *value* is a DataFrame of an engine the frame engine knows (or of a
    subclass of one: a GeoDataFrame is a pandas DataFrame)."""
    return any(kind.__module__.partition(".")[0] in FRAME_PACKAGES for kind in type(value).__mro__)


def compute(
    accumulator: type[DefinedAccumulator],
    records: Any,
    *,
    columns: Mapping[str, str] | None = None,
    history: Frame | None = None,
    **options: Any,
) -> Any:
    """The KPI of *accumulator*'s definition over *records*: an iterable of
    records, or a DataFrame (then *columns* maps field names to its columns, and
    *history* is a frame of the deals' stage changes)."""
    if is_frame(records):
        from ._frames import frame_figure  # narwhals only when a frame is passed

        return frame_figure(accumulator, records, columns, options, history)
    refuse_frame_options(columns, history)
    return accumulator(**options).add_many(records).result()


def refuse_frame_options(columns: object, history: object) -> None:
    """Refuse the options that only a DataFrame of records takes."""
    if columns is not None:
        raise ValidationError.single(
            "columns", columns, "None: columns= names the columns of a DataFrame, not of records"
        )
    if history is not None:
        raise ValidationError.single(
            "history",
            type(history).__name__,
            "None: history= is the frame of stage changes of a DataFrame of deals; "
            "records carry their own history",
        )
