"""Deals from a DataFrame: ``bulk.from_frame`` against ``to_dict("records")`` then
``bulk.from_records``, in the same run.

    python benchmarks/bench_from_frame.py [ROWS] [ROUNDS]

ROWS deals (default 1,000,000: 20 owners, a third each open, won and lost, lost
ones with a reason, amounts with cents in EUR, every amount its own value mostly,
the hardest case for the conversion cache) in three shapes:

- polars, typed: status and stage as ``Categorical``, amounts as ``Decimal(12, 2)``,
  times as ``Datetime("us", "UTC")``;
- polars, worst: enums as strings, amounts as floats, times aware in
  ``America/Sao_Paulo`` (each time keeps its offset, as the entities keep it; a
  zone without daylight saving since 2019, because polars' ``to_dicts`` drops
  ``fold``, so the records path refuses the second occurrence of a repeated hour
  that ``from_frame`` reads as the instant it is);
- pandas ``read_csv``: what ``pd.read_csv`` gives of the same deals written to CSV
  (text times with offsets, float amounts, text enums).

Each shape is built by both paths (same options, same entities: the run checks
``==``), interleaved, best of ROUNDS (default 2), CPU seconds
(:mod:`_timing`). The speed goal is 250,000 deals/s for ``from_frame``; the
ratio to the records path says how far the same machine is from it. A frame with
a ``history`` column is not measured: neither path reads stage changes from a
frame yet.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from salesmodel import Deal
from salesmodel.bulk import from_frame, from_records

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
GOAL = 250_000


def columns(rows: int) -> dict[str, list[Any]]:
    rng = random.Random(7)
    names = "id name owner_id status stage loss_reason created_at closed_at amount currency"
    data: dict[str, list[Any]] = {name: [] for name in names.split()}
    stages = {"open": "qualification", "won": "won", "lost": "lost"}
    for i in range(rows):
        created = START + dt.timedelta(minutes=rng.randrange(0, 600_000))
        status = rng.choice(("open", "won", "lost"))
        data["id"].append(f"D{i}")
        data["name"].append(f"Deal {i}")
        data["owner_id"].append(f"rep{i % 20}")
        data["status"].append(status)
        data["stage"].append(stages[status])
        data["loss_reason"].append("price" if status == "lost" else None)
        data["created_at"].append(created)
        closed = None if status == "open" else created + dt.timedelta(hours=rng.randrange(1, 4000))
        data["closed_at"].append(closed)
        data["amount"].append(Decimal(rng.randrange(100, 1_000_000)).scaleb(-2))
        data["currency"].append("EUR")
    return data


def typed(data: dict[str, list[Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        data,
        schema_overrides={
            "status": pl.Categorical,
            "stage": pl.Categorical,
            "created_at": pl.Datetime("us", "UTC"),
            "closed_at": pl.Datetime("us", "UTC"),
            "amount": pl.Decimal(12, 2),
        },
    )


def worst(frame: pl.DataFrame) -> pl.DataFrame:
    zoned = [
        pl.col(c).dt.convert_time_zone("America/Sao_Paulo") for c in ("created_at", "closed_at")
    ]
    return frame.with_columns(
        pl.col("status", "stage").cast(pl.String), pl.col("amount").cast(pl.Float64), *zoned
    )


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    frame = typed(columns(rows))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        frame.write_csv(path)
        read = pd.read_csv(path)
    shapes: dict[str, tuple[Any, Callable[[], list[dict[str, Any]]]]] = {
        "polars, typed": (frame, frame.to_dicts),
        "polars, worst": (worst(frame), worst(frame).to_dicts),
        "pandas read_csv": (read, lambda: read.to_dict("records")),
    }
    paired = {"amount.currency": "currency"}
    print(f"{rows:,} deals, best of {rounds} interleaved rounds, CPU seconds")
    for label, (native, records) in shapes.items():
        cases: dict[str, Callable[[], object]] = {
            "from_frame": lambda native=native: from_frame(native, Deal),
            "to_dict + from_records": lambda records=records: from_records(
                Deal, records(), columns=paired
            ),
        }
        assert cases["from_frame"]() == cases["to_dict + from_records"](), label
        best = dict.fromkeys(cases, float("inf"))
        for _ in range(rounds):
            for name, fn in cases.items():
                best[name] = min(best[name], cpu(fn))
        ours, peer = best["from_frame"], best["to_dict + from_records"]
        met = "met" if rows / ours >= GOAL else "NOT met"
        print(
            f"  {label:<16} from_frame {rows / ours:>9,.0f} deals/s ({ours:6.2f} s)   "
            f"to_dict + from_records {rows / peer:>9,.0f} deals/s ({peer:6.2f} s)   "
            f"{peer / ours:5.2f}x faster; goal {GOAL:,}/s {met}"
        )


if __name__ == "__main__":
    main()
