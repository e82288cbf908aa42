"""A seeded book of deals, generated column-wise, for the distributed-engine tests
(tests/test_kpi_spark.py, tests/test_kpi_dask.py) and benchmarks
(bench_distributed.py, bench_memory.py).

The columns are drawn with NumPy in one go (a few hundred thousand rows in well
under a second, ten million in seconds), so the same rows reach every engine: a
polars frame first, from which the pandas, Dask and Spark frames and the records
of the object path (entities, each built with all its checks) are made. The book has
twelve owners, two pipelines (the default one and HubSpot's stages), every stage
of each, three currencies (one without minor units), amounts unknown now and
then, and three years of creation and closing times to the microsecond.

:func:`calls` lists every KPI a frame takes, with the options the tests and
benchmarks run: grouping by columns and periods, anchors, the converted ids,
``currency=`` with a rate table, stage KPIs over both pipelines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from salesmodel import DEFAULT_PIPELINE, Deal, Money, Pipeline, RateTable, Status, kpi, presets

UTC = dt.UTC
HUBSPOT = Pipeline("hubspot", presets.HUBSPOT.stages)
PIPELINES = (DEFAULT_PIPELINE, HUBSPOT)
RATES = RateTable(
    {
        ("USD", "EUR"): "0.92",
        ("JPY", "EUR"): "0.0061",
        ("EUR", "USD"): "1.08",
        ("JPY", "USD"): "0.0066",
    }
)
OWNERS = [f"rep-{i:02d}" for i in range(12)]
CURRENCIES = ["EUR", "USD", "JPY"]
REASONS = ["price", "competitor", "timing", "no_need"]
START = dt.datetime(2023, 1, 1, tzinfo=UTC)
#: Three years, in microseconds: creation times fall in it.
SPAN = 3 * 365 * 86_400 * 10**6
#: Up to 200 days from creation to closing, in microseconds.
LONGEST = 200 * 86_400 * 10**6

#: The rows of the book the distributed engines' tests run on (conftest.py).
ROWS = 300_000

#: One call of each KPI, the options spread over them (the distributed engines run
#: these: there a KPI is several jobs, whose time goes to scheduling and shipping).
EACH_KPI = (
    "win_rate per quarter created",
    "win_rate by value per pipeline",
    "conversion_rate by owner and pipeline",
    "average_ticket by currency",
    "bookings per month in USD",
    "sales_cycle closed per week created",
    "pipeline_value by stage",
    "weighted_pipeline by owner",
)
#: What each engine's tests run of them (a KPI there takes 10-50 s under CI's
#: coverage): every kind of measure on each (a count, amounts, durations, stages);
#: average_ticket, whose measure bookings reads too, on neither.
ON_DASK = (EACH_KPI[0], EACH_KPI[4], EACH_KPI[5], EACH_KPI[7])
ON_SPARK = (EACH_KPI[1], EACH_KPI[2], EACH_KPI[5], EACH_KPI[6])


def _pick(rng: np.random.Generator, values: list[str], rows: int, p: Any = None) -> pl.Series:
    """*rows* values drawn from *values* (gathered by index: NumPy text is slow)."""
    return pl.Series(values).gather(rng.choice(len(values), rows, p=p))


def book(rows: int, seed: int = 14) -> pl.DataFrame:
    """*rows* deals as a polars frame: the same frame for the same arguments."""
    rng = np.random.default_rng(seed)
    stages = [[s.id for s in p.stages if s.status.value == "open"] for p in PIPELINES]
    frame = pl.DataFrame(
        {
            "id": pl.int_range(rows, eager=True),
            "owner_id": _pick(rng, OWNERS, rows),
            "pipeline_id": _pick(rng, [p.id for p in PIPELINES], rows, [0.7, 0.3]),
            "status": _pick(rng, ["open", "won", "lost"], rows, [0.4, 0.25, 0.35]),
            "opened": _pick(rng, stages[0], rows),
            "opened_hubspot": _pick(rng, stages[1], rows),
            "loss_reason": _pick(rng, REASONS, rows),
            "created_at": rng.integers(0, SPAN, rows),
            "cycle": rng.integers(60 * 10**6, LONGEST, rows),
            # whole minor units: cents of EUR and USD, whole yen (finer ones a frame refuses)
            "units": (units := rng.integers(1_000, 10_000_000, rows)),
            "cents": units / 100,  # NumPy divides exactly rounded (polars multiplies by 0.01)
            "currency": _pick(rng, CURRENCIES, rows, [0.6, 0.3, 0.1]),
            "known": rng.random(rows) >= 0.05,
        }
    )
    col, status, known = pl.col, pl.col("status"), pl.col("known")
    start = pl.lit(START, dtype=pl.Datetime("us", "UTC"))
    created = start + pl.duration(microseconds=col("created_at"))
    hubspot = col("pipeline_id") == "hubspot"
    won = pl.when(hubspot).then(pl.lit("closedwon")).otherwise(pl.lit("won"))
    lost = pl.when(hubspot).then(pl.lit("closedlost")).otherwise(pl.lit("lost"))
    opened = pl.when(hubspot).then(col("opened_hubspot")).otherwise(col("opened"))
    amount = pl.when(col("currency") == "JPY").then(col("units")).otherwise(col("cents"))
    return frame.select(
        ("D-" + col("id").cast(pl.String).str.zfill(8)).alias("id"),
        "owner_id",
        "pipeline_id",
        pl.when(status == "won")
        .then(won)
        .when(status == "lost")
        .then(lost)
        .otherwise(opened)
        .alias("stage"),
        "status",
        pl.when(status == "lost").then(col("loss_reason")).alias("loss_reason"),
        created.alias("created_at"),
        pl.when(status != "open")
        .then(created + pl.duration(microseconds=col("cycle")))
        .alias("closed_at"),
        pl.when(known).then(amount.cast(pl.Float64)).alias("amount"),
        # an unknown amount has no currency either (a Deal's amount is None)
        pl.when(known).then(col("currency")).alias("currency"),
    )


def deals(frame: pl.DataFrame) -> list[Deal]:
    """The rows as entities (the object path), each built with all its checks."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)

    def instant(micros: int | None) -> dt.datetime | None:
        return None if micros is None else epoch + dt.timedelta(microseconds=micros)

    times = frame.with_columns(pl.col("created_at", "closed_at").dt.epoch("us"))
    out = []
    for row in times.iter_rows():
        id_, owner, pipeline, stage, status, reason, created, closed, amount, currency = row
        out.append(
            Deal(
                id=id_,
                name=id_,
                owner_id=owner,
                pipeline_id=pipeline,
                stage=stage,
                status=Status(status),
                loss_reason=reason,
                created_at=instant(created),
                closed_at=instant(closed),
                amount=None if amount is None else Money(amount, currency),
            )
        )
    return out


def converted(frame: pl.DataFrame) -> frozenset[str]:
    """Ids of some deals, one in 300, for ``conversion_rate(converted=...)``."""
    return frozenset(frame["id"].gather_every(300).to_list())


def calls(ids: frozenset[str], *, tz: Any = UTC) -> dict[str, Callable[[Any], Any]]:
    """Every KPI a frame takes, with several options each; periods in *tz*."""
    money = {"currency": "EUR", "rates": RATES}
    stages = {"pipelines": PIPELINES, **money}
    return {
        "win_rate by owner": lambda x: kpi.win_rate(x, by="owner_id"),
        "win_rate per quarter created": lambda x: kpi.win_rate(
            x, period="quarter", tz=tz, anchor="created"
        ),
        "win_rate by value per pipeline": lambda x: kpi.win_rate(
            x, by_value=True, by="pipeline_id", **money
        ),
        "conversion_rate by owner and pipeline": lambda x: kpi.conversion_rate(
            x, by=("owner_id", "pipeline_id"), converted=ids
        ),
        "conversion_rate per month": lambda x: kpi.conversion_rate(x, period="month", tz=tz),
        "average_ticket by currency": lambda x: kpi.average_ticket(x, by="currency"),
        "average_ticket by owner in EUR": lambda x: kpi.average_ticket(x, by="owner_id", **money),
        "bookings per month in USD": lambda x: kpi.bookings(
            x, period="month", tz=tz, currency="USD", rates=RATES
        ),
        "bookings by owner and currency per year": lambda x: kpi.bookings(
            x, by=("owner_id", "currency"), period="year", tz=tz
        ),
        "sales_cycle by owner": lambda x: kpi.sales_cycle(x, by="owner_id"),
        "sales_cycle closed per week created": lambda x: kpi.sales_cycle(
            x, outcome="closed", period="week", tz=tz, anchor="created"
        ),
        "pipeline_value by stage": lambda x: kpi.pipeline_value(x, by="stage", **stages),
        "weighted_pipeline by owner": lambda x: kpi.weighted_pipeline(x, by="owner_id", **stages),
    }
