"""KPIs over 5,000,000 deals streamed from a generator: peak memory stays bounded
by the number of groups, not by the number of deals.

Run: ``python benchmarks/bench_memory.py [n]`` (default 5,000,000; about two
minutes per pass on a 2-core machine). The deals are built one chunk at a time
(as a database cursor yields rows) and never held together. Peak RSS is read from
the operating system; the peer is what holding the deals in a list would take,
measured with tracemalloc on 20,000 deals and scaled.
"""

from __future__ import annotations

import datetime as dt
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator

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


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000))
