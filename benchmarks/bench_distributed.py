"""The same KPIs on the same rows: local Spark, Dask (processes), a polars frame in
one process, and the object path.

    python benchmarks/bench_distributed.py [ROWS]

ROWS (default 300,000) deals of the seeded book the tests use (tests/engine_book.py:
twelve owners, two pipelines, three currencies, three years) go through one call of
each frame KPI (``engine_book.EACH_KPI``: win rate by count and by value,
conversion, average ticket, bookings, sales cycle, pipeline value, weighted
pipeline, with periods, rates and several groupings). Every engine's figures are
checked equal to the object path's, as tests/test_kpi_spark.py and test_kpi_dask.py
check too.

Times are wall-clock seconds (the work of Spark and Dask runs in other processes,
which this process's CPU time does not see), one round per engine, the engines
one after the other on the same machine: on shared cores, read them as orders of
magnitude. Spark runs ``local[2]`` (two shuffle partitions), Dask four partitions
on a pool of two worker processes. Building each engine's frame is timed apart.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the seeded book the tests use

import polars as pl  # noqa: E402

from engine_book import EACH_KPI, UTC, book, calls, converted, deals  # noqa: E402


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_all(native: Any, kpis: dict[str, Callable[[Any], Any]]) -> list[Any]:
    return [kpis[name](native) for name in EACH_KPI]


def spark_frame(frame: pl.DataFrame) -> Any:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    native = spark.createDataFrame(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    native = native.repartition(4).cache()
    native.count()
    return native


def main() -> None:
    warnings.simplefilter("ignore", FutureWarning)  # pyspark on pandas 3; narwhals on Dask
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    frame = book(rows)
    kpis = calls(converted(frame), tz=UTC)
    seconds: dict[str, float] = {}
    built, objects = timed(lambda: deals(frame))
    seconds["object path: build the Deals"] = built
    seconds["object path: KPIs"], expected = timed(lambda: run_all(objects, kpis))
    seconds["polars frame, one process"], got = timed(lambda: run_all(frame, kpis))
    assert got == expected

    import dask
    import dask.dataframe as dd

    seconds["Dask: frame from pandas"], native = timed(
        lambda: dd.from_pandas(frame.to_pandas(), npartitions=4)
    )
    spawn = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(2, mp_context=spawn) as pool,
        dask.config.set(scheduler="processes", pool=pool),
    ):
        seconds["Dask, processes scheduler"], got = timed(lambda: run_all(native, kpis))
    assert got == expected

    seconds["Spark: session and cached frame"], native = timed(lambda: spark_frame(frame))
    seconds["Spark, local[2]"], got = timed(lambda: run_all(native, kpis))
    assert got == expected

    print(f"{rows:,} deals; {len(EACH_KPI)} KPI calls (one of each frame KPI); wall seconds")
    for name, value in seconds.items():
        print(f"  {name:<36} {value:8.2f} s")
    single = seconds["polars frame, one process"]
    for name in ("object path: KPIs", "Dask, processes scheduler", "Spark, local[2]"):
        print(f"  {name:<36} {seconds[name] / single:8.1f}x the polars frame")


if __name__ == "__main__":
    main()
