"""Import time against pydantic v2, in the same run.

Run: ``python benchmarks/bench_import.py`` (needs the ``bench`` extra).

Each statement runs in a fresh interpreter, the statements interleaved, many
times; the figure is the median. The child times its own import statement, in CPU
time (what the import costs this process; on shared cores, wall time also
counts others' work) and in wall time. Bytecode caches are written by a first,
untimed run of each statement, as an installed package has them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

RUNS = 31
STATEMENTS = {
    "import salesmodel": "import salesmodel",
    "from salesmodel import Deal, from_dict, to_dict": (
        "from salesmodel import Deal, from_dict, to_dict"
    ),
    "import salesmodel.kpi": "import salesmodel.kpi",
    "from pydantic import BaseModel": "from pydantic import BaseModel",
    "import msgspec": "import msgspec",
    "import attrs (salesmodel's floor)": "import attrs",
}
PEER = "from pydantic import BaseModel"
GOAL = 0.8  # import salesmodel <= 0.8x pydantic's time
CHILD = (
    "import time\n"
    "c, w = time.process_time(), time.perf_counter()\n"
    "{statement}\n"
    "print(time.process_time() - c, time.perf_counter() - w)\n"
)


def run(statement: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(statement=statement)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu, wall = out.split()
    return float(cpu), float(wall)


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for statement in STATEMENTS.values():
        run(statement, env)  # writes the bytecode caches
    cpu: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    wall: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(RUNS):
        for name, statement in STATEMENTS.items():
            c, w = run(statement, env)
            cpu[name].append(c)
            wall[name].append(w)
    peer_cpu = statistics.median(cpu[PEER])
    peer_wall = statistics.median(wall[PEER])
    title = f"import time, median of {RUNS} fresh interpreters (ratio = time / pydantic's)"
    print(title)
    print("-" * len(title))
    width = max(len(name) for name in STATEMENTS)
    print(f"{'statement':<{width}}   CPU ms  ratio   wall ms  ratio")
    for name in STATEMENTS:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        figures = f"{c * 1e3:7.1f}  {c / peer_cpu:5.2f}x  {w * 1e3:7.1f}  {w / peer_wall:5.2f}x"
        print(f"{name:<{width}}  {figures}")
    ratio = statistics.median(cpu["import salesmodel"]) / peer_cpu
    verdict = "met" if ratio <= GOAL else "NOT MET"
    print(f"import salesmodel: {ratio:.2f}x pydantic's CPU time (goal <= {GOAL}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
