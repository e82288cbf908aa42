"""Timing helpers: best-of-N per call, peers interleaved so noise hits both alike.

Times are the CPU time of this process (``time.process_time``), not wall time:
on cores shared with other work, wall time also counts the time others ran,
which moved our figures by 2x between runs; CPU time moved them by 2 %.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable


def per_call(fn: Callable[[], object], *, number: int, repeat: int = 7) -> float:
    """CPU seconds per call: the best of *repeat* runs of *number* calls."""
    timer = timeit.Timer(fn, timer=time.process_time)
    return min(timer.repeat(number=number, repeat=repeat)) / number


def compare(
    cases: dict[str, Callable[[], object]], *, number: int, rounds: int = 3
) -> dict[str, float]:
    """Seconds per call for each case, best over *rounds* interleaved rounds."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, fn in cases.items():
            best[name] = min(best[name], per_call(fn, number=number, repeat=3))
    return best


def table(title: str, rows: list[tuple[str, str, float, str]]) -> str:
    """Rows of (measure, peer, ratio, goal) as aligned text."""
    lines = [title, "-" * len(title)]
    width = max(len(r[0]) for r in rows)
    for measure, peer, ratio, goal in rows:
        lines.append(f"{measure:<{width}}  {ratio:6.2f}x vs {peer:<28} goal {goal}")
    return "\n".join(lines)
