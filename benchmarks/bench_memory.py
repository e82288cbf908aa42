"""KPIs over 5,000,000 deals streamed from a generator: peak memory stays bounded
by the number of groups, not by the number of deals.

Run: ``python benchmarks/bench_memory.py [n]`` (default 5,000,000; about two
minutes per pass on a 2-core machine). The deals are built one chunk at a time
(as a database cursor yields rows) and never held together. Peak RSS is read from
the operating system; the peer is what holding the deals in a list would take,
measured with tracemalloc on 20,000 deals and scaled.

``python benchmarks/bench_memory.py frame [rows]`` (default 10,000,000): the seeded
book of tests/engine_book.py as a polars frame through five frame KPIs (win rate,
average ticket, bookings per month in EUR, sales cycle, pipeline value), each in
turn; the goal is a peak under twice the frame's own size
(``DataFrame.estimated_size()``). A first child process builds the frame and writes
it to a Parquet file; a second imports everything, runs one KPI on ten rows (so
every lazy import is done), reads its resident set (the interpreter baseline),
reads the frame fully into memory, resets the kernel's high-water mark
(``/proc/self/clear_refs``) and runs the KPIs. Reported: the peak over the
baseline (``VmHWM`` after the KPIs minus the baseline ``VmRSS``) against the
frame, by polars' ``estimated_size()`` and as it is resident (``VmRSS`` after
reading it, less the baseline): polars' estimate counts the bytes of each text
but not the 16-byte view polars holds for every text cell (a view holds a text
of up to 12 bytes itself), about 150 MiB per text column of ten million rows,
so the frame holds about twice what it says.
A third child does the same with the frame handed over as ``frame.lazy()``.
"""

from __future__ import annotations

import datetime as dt
import gc
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from bench_kpi import PARTITION, build, chunk
from salesmodel import Deal, kpi


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bytes_per_deal(sample: int = 20_000) -> float:
    """Memory a built Deal holds (tracemalloc, records freed before measuring)."""
    records = chunk(10**9, sample)
    tracemalloc.start()
    deals = build(records)
    del records
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del deals
    return held / sample


def stream(n: int) -> Iterator[Deal]:
    for start in range(0, n, PARTITION):
        yield from build(chunk(start, min(PARTITION, n - start)))


def main(n: int = 5_000_000) -> int:
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    rates, tickets, bookings, pipeline = kpi.collect(
        stream(n),
        kpi.WinRateAccumulator(by="owner_id"),
        kpi.AverageTicketAccumulator(by="owner_id"),
        kpi.BookingsAccumulator(period="month", tz=dt.UTC),
        kpi.PipelineValueAccumulator(by="source"),
    )
    elapsed = time.perf_counter() - started
    streamed = rss_mb()
    groups = len(rates) + len(tickets) + len(bookings) + len(pipeline)
    print(f"{n:,} deals streamed through 4 KPIs in one pass: {elapsed:.1f} s")
    print(f"  groups in the results: {groups}")
    print(f"  peak RSS before: {before:.0f} MiB; after the pass: {streamed:.0f} MiB")

    per_deal = bytes_per_deal()
    print(
        f"  a deal held in memory takes ~{per_deal:.0f} bytes: holding all {n:,} would "
        f"need ~{per_deal * n / 1024**3:.1f} GiB more"
    )
    return 0


# --- a polars frame through five frame KPIs ---------------------------------------------------

TESTS = Path(__file__).resolve().parent.parent / "tests"
MiB = 1024**2


def status_kib(field: str) -> int:
    """A line of /proc/self/status (VmRSS, VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def five_kpis(frame: object, *, report: bool = True) -> None:
    from engine_book import PIPELINES, RATES

    for run in (
        lambda: kpi.win_rate(frame, by="owner_id"),
        lambda: kpi.average_ticket(frame, by="owner_id", currency="EUR", rates=RATES),
        lambda: kpi.bookings(frame, period="month", tz=dt.UTC, currency="EUR", rates=RATES),
        lambda: kpi.sales_cycle(frame, by="owner_id"),
        lambda: kpi.pipeline_value(
            frame, by="stage", pipelines=PIPELINES, currency="EUR", rates=RATES
        ),
    ):
        started = time.perf_counter()
        run()
        hwm = status_kib("VmHWM") / 1024
        if report:
            print(
                f"    {time.perf_counter() - started:6.1f} s, high-water mark so far {hwm:,.0f} MiB"
            )


def frame_child(step: str, path: str, rows: int) -> int:
    """In a child process: write the frame, or measure the KPIs on it (eager or lazy)."""
    sys.path.insert(0, str(TESTS))
    import polars as pl

    from engine_book import book

    if step == "write":
        book(rows).write_parquet(path)
        return 0
    lazy = step == "lazy"
    five_kpis(book(10), report=False)  # every lazy import done before the baseline
    gc.collect()
    baseline = status_kib("VmRSS") / 1024
    frame = pl.read_parquet(path)  # decoded into memory, not mapped
    size = frame.estimated_size() / MiB
    loaded = status_kib("VmRSS") / 1024
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts from here
    five_kpis(frame.lazy() if lazy else frame)
    peak = status_kib("VmHWM") / 1024
    extra = peak - baseline
    # .lazy(): polars plans each KPI whole (the engine collects aggregates only),
    # which shows what the eager steps of kpi/_frames.py materialise.
    print(f"{rows:,} rows, {'LazyFrame' if lazy else 'DataFrame'}; "
          f"frame.estimated_size() {size:,.0f} MiB")  # fmt: skip
    print(f"  interpreter and libraries (baseline VmRSS): {baseline:,.0f} MiB")
    print(f"  after reading the frame: {loaded:,.0f} MiB (+{loaded - baseline:,.0f})")
    print(f"  peak during the five KPIs (VmHWM): {peak:,.0f} MiB")
    held = loaded - baseline
    for name, against in (("frame.estimated_size()", size), ("the frame as resident", held)):
        verdict = "met" if extra < 2 * against else "NOT met"
        print(f"  peak over the baseline: {extra:,.0f} MiB = {extra / against:.2f}x {name} "
              f"(goal < 2x: {verdict})")  # fmt: skip
    return 0


def frame_main(rows: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "book.parquet")
        for step in ("write", "eager", "lazy"):
            command = [sys.executable, __file__, f"frame-{step}", path, str(rows)]
            subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0].startswith("frame-"):
        sys.exit(frame_child(args[0].removeprefix("frame-"), args[1], int(args[2])))
    if args and args[0] == "frame":
        sys.exit(frame_main(int(args[1]) if len(args) > 1 else 10_000_000))
    sys.exit(main(int(args[0]) if args else 5_000_000))
