"""The shipped stateful checker against its budget, in the same run as its peer.

Run: ``python benchmarks/bench_stateful.py``.

``strategies.pipeline_machine(DEFAULT_PIPELINE)`` runs 100 examples, as a test
suite runs it (derandomized, no database, no deadline; Hypothesis' default 50
steps an example at most). The goal (#15): within 10 s here. Its peer is a
machine of Hypothesis alone with as many rules, each drawing a value and doing
nothing with it, run with the same settings: what any stateful test of that
size costs before it checks anything. Times are CPU seconds, the best of 3
interleaved rounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from salesmodel import DEFAULT_PIPELINE
from salesmodel.strategies import pipeline_machine

SETTINGS = settings(max_examples=100, database=None, derandomize=True, deadline=None)
BUDGET = 10.0


class Bare(RuleBasedStateMachine):
    """Hypothesis alone: rules that draw a value and check nothing."""

    @rule(value=st.integers())
    def step(self, value: int) -> None:
        pass

    @rule(text=st.text(max_size=10))
    def other(self, text: str) -> None:
        pass


def run(machine: Callable[[], type[RuleBasedStateMachine]]) -> float:
    """CPU seconds of 100 examples of the machine class *machine* makes."""
    made = machine()
    start = time.process_time()
    run_state_machine_as_test(made, settings=SETTINGS)
    return time.process_time() - start


def main() -> None:
    cases = {
        "pipeline_machine(DEFAULT_PIPELINE)": lambda: pipeline_machine(DEFAULT_PIPELINE),
        "Hypothesis alone (two rules, no checks)": lambda: Bare,
    }
    best = {name: float("inf") for name in cases}
    for _ in range(3):
        for name, machine in cases.items():
            best[name] = min(best[name], run(machine))
    print("100 examples, derandomized, CPU s (best of 3 interleaved rounds)")
    for name, seconds in best.items():
        print(f"  {name:<42} {seconds:6.2f} s")
    ours = best["pipeline_machine(DEFAULT_PIPELINE)"]
    ratio = ours / best["Hypothesis alone (two rules, no checks)"]
    verdict = "met" if ours <= BUDGET else "NOT MET"
    print(f"  the checker {ratio:.1f}x Hypothesis alone; budget {BUDGET:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
