"""KPIs on DataFrames against the same figures written by hand in the same engine.

    python benchmarks/bench_frames.py [ROWS]

ROWS deals (default 1,000,000: 20 owners, a third won, a third lost, amounts with
cents in EUR) are written to a CSV once, then read the way analysts read them:
``polars.read_csv`` (its dates parsed by polars, or by Arrow with
``use_pyarrow=True``) and ``pandas.read_csv``. On each frame, win rate, average
ticket and the median won cycle per owner are computed by salesmodel (which also
checks every row, sums amounts exactly and gives typed results) and by a
hand-written ``group_by``/``groupby`` that trusts the data and uses floats; and
by ``kpi.collect`` over the same frame (every row checked once for the three). Cycles
are whole hours, and again whole seconds (the worst shape: a median cycle needs
the order of nearly every duration). Times are CPU seconds, the best of 3
interleaved rounds (each case after the others, as a notebook runs a cell: its
memory often handed back to the system and faulted in again) and the best of 3
warm rounds (each case three times in a row); the ratio is salesmodel / hand.
A plain pandas frame is read by polars when polars is installed (as here).
End to end, the CSV is read by polars or by pandas and then given to salesmodel,
against pandas' ``read_csv`` and the hand-written figures.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl

from salesmodel import kpi

START = datetime(2024, 1, 1, tzinfo=UTC)


def write_csv(path: Path, rows: int, unit: timedelta = timedelta(hours=1)) -> None:
    """*rows* deals; a closed one took a whole number of *unit*s (up to 4,000 hours)."""
    rng = random.Random(7)
    units = timedelta(hours=4000) // unit
    lines = ["id,owner_id,status,stage,pipeline_id,created_at,closed_at,amount,currency"]
    for i in range(rows):
        created = START + timedelta(minutes=rng.randrange(0, 600_000))
        status = rng.choice(("open", "won", "lost"))
        closed = "" if status == "open" else (created + unit * rng.randrange(1, units))
        stage = {"open": "qualification", "won": "won", "lost": "lost"}[status]
        when = closed.isoformat() if closed else ""
        lines.append(
            f"D{i},rep{i % 20},{status},{stage},default,{created.isoformat()},{when},"
            f"{rng.randrange(100, 1_000_000) / 100},EUR"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_polars(path: Path) -> pl.DataFrame:
    """The CSV as an analyst reads it with polars: its dates parsed."""
    return pl.read_csv(path, try_parse_dates=True)


def read_polars_arrow(path: Path) -> pl.DataFrame:
    """The same through polars' ``use_pyarrow=True``: Arrow's CSV reader parses a
    time with a UTC offset about six times faster than ``try_parse_dates``."""
    return pl.read_csv(path, use_pyarrow=True)


def read_pandas(path: Path) -> pd.DataFrame:
    """The CSV as an analyst reads it with pandas: its dates parsed."""
    return pd.read_csv(path, parse_dates=["created_at", "closed_at"])


class KeptOnPandas(pd.DataFrame):
    """A pandas frame read by pandas, as without polars installed (a subclass is
    never handed to polars)."""


def ours(frame: object) -> tuple[object, ...]:
    return (
        kpi.win_rate(frame, by="owner_id"),
        kpi.average_ticket(frame, by="owner_id"),
        kpi.sales_cycle(frame, by="owner_id"),
    )


def collected(frame: object) -> tuple[object, ...]:
    """The same three KPIs through ``kpi.collect``: every row checked once."""
    return kpi.collect(
        frame,
        kpi.WinRateAccumulator(by="owner_id"),
        kpi.AverageTicketAccumulator(by="owner_id"),
        kpi.SalesCycleAccumulator(by="owner_id"),
    )


def polars_by_hand(frame: pl.DataFrame) -> pl.DataFrame:
    closed = frame.filter(pl.col("status") != "open")
    won = frame.filter(pl.col("status") == "won").with_columns(
        cycle=pl.col("closed_at") - pl.col("created_at")
    )
    rate = closed.group_by("owner_id").agg(rate=(pl.col("status") == "won").mean())
    tickets = won.group_by("owner_id").agg(
        ticket=pl.col("amount").mean(), cycle=pl.col("cycle").median()
    )
    return rate.join(tickets, on="owner_id")


def pandas_by_hand(frame: pd.DataFrame) -> pd.DataFrame:
    closed = frame[frame.status != "open"]
    won = frame[frame.status == "won"]
    rate = closed.status.eq("won").groupby(closed.owner_id).mean()
    cycle = (won.closed_at - won.created_at).groupby(won.owner_id).median()
    ticket = won.amount.groupby(won.owner_id).mean()
    return pd.DataFrame({"rate": rate, "ticket": ticket, "cycle": cycle})


def best(fn: object, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()  # type: ignore[operator]
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        write_csv(path, rows)
        polars_frame = read_polars(path)
        pandas_frame = read_pandas(path)
        # the worst shape: cycles to the second, nearly all distinct per owner
        exact = Path(tmp) / "seconds.csv"
        write_csv(exact, rows, timedelta(seconds=1))
        polars_exact = read_polars(exact)
        pandas_exact = read_pandas(exact)
        assert collected(polars_frame) == ours(polars_frame) == ours(pandas_frame)
        assert ours(read_polars_arrow(path)) == ours(polars_frame)
        cases = {
            "polars: salesmodel": lambda: ours(polars_frame),
            "polars: kpi.collect": lambda: collected(polars_frame),
            "pandas: kpi.collect": lambda: collected(pandas_frame),
            "polars, seconds: kpi.collect": lambda: collected(polars_exact),
            "pandas, seconds: kpi.collect": lambda: collected(pandas_exact),
            "CSV to figures, polars: kpi.collect": lambda: collected(read_polars(path)),
            "CSV to figures, pandas: kpi.collect": lambda: collected(read_pandas(path)),
            "CSV to figures, polars+arrow: kpi.collect": (
                lambda: collected(read_polars_arrow(path))
            ),
            "polars: by hand": lambda: polars_by_hand(polars_frame),
            "pandas: salesmodel": lambda: ours(pandas_frame),
            "pandas: by hand": lambda: pandas_by_hand(pandas_frame),
            "pandas kept: salesmodel": lambda: ours(KeptOnPandas(pandas_frame)),
            "pandas kept: kpi.collect": lambda: collected(KeptOnPandas(pandas_frame)),
            "polars, seconds: salesmodel": lambda: ours(polars_exact),
            "polars, seconds: by hand": lambda: polars_by_hand(polars_exact),
            "pandas, seconds: salesmodel": lambda: ours(pandas_exact),
            "pandas, seconds: by hand": lambda: pandas_by_hand(pandas_exact),
            "CSV to figures, polars: salesmodel": lambda: ours(read_polars(path)),
            "CSV to figures, pandas: salesmodel": lambda: ours(read_pandas(path)),
            "CSV to figures, polars+arrow: salesmodel": lambda: ours(read_polars_arrow(path)),
            "CSV to figures, pandas: by hand": lambda: pandas_by_hand(read_pandas(path)),
        }
        seconds = {name: float("inf") for name in cases}
        for _ in range(3):  # interleaved: noise hits every case alike
            for name, fn in cases.items():
                seconds[name] = min(seconds[name], best(fn, rounds=1))
        # warm: each case three times in a row, its memory already the engine's
        warm = {name: best(fn, rounds=3) for name, fn in cases.items()}
    print(f"{rows:,} deals; win rate, average ticket and median won cycle per owner")
    print("  (cycles in whole hours; 'seconds': in whole seconds, the worst shape)")
    print(f"  {'':<42} {'interleaved':>11} {'warm':>7}")
    for name, value in seconds.items():
        print(f"  {name:<42} {value:9.3f} s {warm[name]:6.3f} s CPU")
    read = seconds["CSV to figures, polars: salesmodel"] - seconds["polars: salesmodel"]
    print(f"  (of which polars.read_csv, its dates parsed: about {read:.2f} s)")
    script = "CSV to figures, pandas: by hand"
    pairs = [
        ("polars frame", "polars: salesmodel", "polars: by hand", "<= 2x"),
        ("pandas read_csv frame", "pandas: salesmodel", "pandas: by hand", "<= 2x"),
        ("the same, no polars", "pandas kept: salesmodel", "pandas: by hand", "<= 2x"),
        ("polars, cycles in s", "polars, seconds: salesmodel", "polars, seconds: by hand", "<= 2x"),
        ("pandas, cycles in s", "pandas, seconds: salesmodel", "pandas, seconds: by hand", "<= 2x"),
        ("CSV, polars read", "CSV to figures, polars: salesmodel", script, "<= 2.5x"),
        ("CSV, pandas read", "CSV to figures, pandas: salesmodel", script, "<= 2.5x"),
        ("CSV, polars+arrow read", "CSV to figures, polars+arrow: salesmodel", script, "<= 2.5x"),
    ]
    for times, rounds in ((seconds, "interleaved"), (warm, "warm")):
        print(f"  ratios to the hand-written figures, {rounds} rounds:")
        for label, mine, peer, goal in pairs:
            shared = mine.replace("salesmodel", "kpi.collect")
            print(
                f"    {label:<24} {times[mine] / times[peer]:6.2f}x with three calls, "
                f"{times[shared] / times[peer]:5.2f}x with kpi.collect (goal {goal})"
            )


if __name__ == "__main__":
    main()
