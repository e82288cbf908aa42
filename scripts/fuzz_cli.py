"""Fuzz ``python -m salesmodel report`` for longer than CI does.

    .venv/bin/python scripts/fuzz_cli.py [FILES] [FIRST_SEED]

Generates FILES exports (default 10,000) from seeds FIRST_SEED onwards (default
1,000,000, past the seeds CI tries), runs the report on each as tests/cli_fuzz.py
describes, and prints every problem with its seed; ``generate(seed)`` rebuilds the
file. Exits 1 when a problem was found.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cli_fuzz import check, generate


def main() -> int:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    start = time.perf_counter()
    failed = 0
    rows: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(first, first + files):
            case = generate(seed)
            rows.update(r.sure for r in case.rows)
            rows["error files"] += case.expect_error is not None
            problems = check(case, Path(folder))
            if problems:
                failed += 1
                print(f"seed {seed}: {case.args}", *problems, sep="\n  ", flush=True)
    seconds = time.perf_counter() - start
    print(
        f"{files:,} files ({rows['good']:,} good rows, {rows['bad']:,} spoiled, "
        f"{rows['either']:,} hostile; {rows['error files']:,} files that must be refused) "
        f"in {seconds:.0f} s: {failed:,} with a problem"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
