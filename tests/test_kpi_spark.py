"""KPIs on Spark, really run: a local Spark session over a seeded book of 300,000
deals (tests/engine_book.py), each figure equal (==) to the object path's; and the
small hand-made books of the frame tests (every KPI and option, a frame of stage
changes, from_frame), on the same session: one Spark start-up for all of them.

Where pyspark or Java is absent these tests skip and say why; CI sets
SALESMODEL_REQUIRE_ENGINES=1, which turns such a skip into a failure
(tests/conftest.py). Spark runs one session per test process (this module's
fixture), on two local cores with small shuffles and quiet logs; times are read in
UTC by Spark, so its periods are UTC. Dask has a module of its own
(test_kpi_dask.py): CI's two workers run the two side by side.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from engine_book import ON_SPARK, ROWS, calls, converted
from salesmodel import Deal, ValidationError, kpi
from salesmodel.bulk import from_frame
from support import untraced
from test_bulk_frame import BOOK as BULK_BOOK
from test_bulk_frame import columns_of as bulk_columns_of
from test_kpi_frames import BOOK, COLLECTED, QUARTER, REPS, SCOPES, columns_of, edges, kpi_calls
from test_kpi_history_frames import day, history_calls, history_of, sample_book

pytestmark = [
    pytest.mark.engines,
    # pyspark 4.x warns about pandas 3, which it does not use on the paths taken here
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local Spark session, one per test process, stopped after this module."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs Java (a JRE 17 or newer) on the PATH")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("salesmodel-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_frame(spark: Any, engine_frame: Any) -> Any:
    import polars as pl

    # Arrow carries the types across: strings, UTC timestamps, nullable doubles.
    native = spark.createDataFrame(engine_frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    native = native.repartition(4).cache()
    assert native.count() == ROWS
    return native


@pytest.mark.parametrize("name", ON_SPARK)
def test_each_kpi_on_a_spark_dataframe_equals_the_object_path(
    name: str, spark_frame: Any, engine_frame: Any, engine_objects: list[Any]
) -> None:
    kpi = calls(converted(engine_frame), tz=dt.UTC)[name]
    with untraced():  # the object path's lines are covered by the small books
        expected = kpi(engine_objects)
    assert kpi(spark_frame) == expected


def test_the_book_has_every_shape_the_kpis_group_by(
    engine_frame: Any, engine_objects: list[Any]
) -> None:
    assert len(engine_objects) == engine_frame.height == ROWS
    assert engine_frame["owner_id"].n_unique() == 12
    assert set(engine_frame["pipeline_id"]) == {"default", "hubspot"}
    assert set(engine_frame["currency"].drop_nulls()) == {"EUR", "USD", "JPY"}
    assert set(engine_frame["status"]) == {"open", "won", "lost"}
    assert engine_frame["stage"].n_unique() == 8 + 7  # every stage of both pipelines
    assert 0 < engine_frame["amount"].null_count() < ROWS // 10
    span = engine_frame["created_at"].max() - engine_frame["created_at"].min()  # type: ignore[operator]
    assert span.days > 3 * 360


# --- the small books of the frame tests, on the same session ---------------------------------

#: The Spark types of the columns the frame tests make (others are strings).
SPARK_TYPES = {
    "created_at": "timestamp",
    "closed_at": "timestamp",
    "at": "timestamp",
    "amount": "double",
    "seq": "bigint",
    "expected_close": "date",
}


def small_frame(spark: Any, data: dict[str, list[Any]], **types: str) -> Any:
    types = {**SPARK_TYPES, **types}
    schema = ", ".join(f"{name} {types.get(name, 'string')}" for name in data)
    return spark.createDataFrame(list(zip(*data.values(), strict=True)), schema)


#: Each KPI function once, with the options whose translation differs (a Spark
#: call takes seconds): the other variants of test_kpi_frames.kpi_calls run on
#: every local engine, and the revenue targets in the test below.
ON_SMALL_BOOK = (
    "win_rate",
    "win_rate_by_value",
    "conversion_by_id",
    "average_ticket",
    "bookings",
    "sales_cycle_closed",
    "pipeline_value",
    "weighted_pipeline",
    "forecast",
    "sales_velocity",
    "weighted_coverage",
)


def test_every_kpi_on_a_small_book_equals_the_records(spark: Any) -> None:
    native = small_frame(spark, columns_of(BOOK))
    calls = kpi_calls({"by": "owner_id", "converted": {"D-1"}})
    assert set(ON_SMALL_BOOK) <= set(calls)
    for name in ON_SMALL_BOOK:
        assert calls[name](native) == calls[name](BOOK), name
    # several KPIs, the rows checked once for all
    together = [cls(by="owner_id") for cls in COLLECTED]
    assert kpi.collect(native, *together) == kpi.collect(
        BOOK, *(cls(by="owner_id") for cls in COLLECTED)
    )


def test_a_revenue_target_on_spark_gives_what_the_records_give(spark: Any) -> None:
    deals, data = edges()
    native = small_frame(spark, data)
    # none, a team (reps read from owner_id) and a segment: the other engines run
    # every scope (test_kpi_frames), and a Spark call takes seconds
    for scope, weighted in ((SCOPES[0], False), (SCOPES[2], True), (SCOPES[5], True)):
        target = attrs.evolve(QUARTER, **scope)
        expected = kpi.pipeline_coverage(deals, target, reps=REPS, weighted=weighted)
        got = kpi.pipeline_coverage(native, target, reps=REPS, weighted=weighted)
        assert got == expected, (scope, weighted)


def test_periods_need_a_spark_session_in_utc(spark: Any) -> None:
    native = small_frame(spark, columns_of(BOOK))
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        with pytest.raises(ValidationError, match=r"spark\.sql\.session\.timeZone"):
            kpi.bookings(native, period="month", tz=dt.UTC)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert kpi.bookings(native, period="month", tz=dt.UTC) == kpi.bookings(
        BOOK, period="month", tz=dt.UTC
    )


def test_a_pair_of_frames_gives_what_the_records_give(spark: Any) -> None:
    book = sample_book()
    native = small_frame(spark, columns_of(book))
    changes = small_frame(spark, history_of(book))
    calls = history_calls({"by": "owner_id", "as_of": day(30)})
    for name in ("time_in_stage_as_of",):  # a Spark job per aggregate: one call
        assert calls[name](native, history=changes) == calls[name](book), name


def test_from_frame_builds_what_from_records_builds(spark: Any) -> None:
    data = bulk_columns_of(BULK_BOOK, "str")  # amounts as text
    native = small_frame(spark, data, amount="string", expected_close="date")
    assert from_frame(native, Deal) == BULK_BOOK
