"""Shared test set-up: deterministic Hypothesis profiles and the real data sets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# CI is deterministic (derandomize) with no deadlines: shared machines are noisy.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("long", deadline=None, max_examples=100_000)
# scripts/mutation.sh: the tests run once per mutant, so fewer examples, still derandomized.
settings.register_profile("mutation", parent=settings.get_profile("ci"), max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# DuckDB's default session reads times in the machine's zone, and the frame KPIs
# refuse periods from a session outside UTC (the docs ask users to set it): the
# tests' relations are read in UTC wherever the suite runs.
try:
    import duckdb
except ImportError:  # pragma: no cover - the test extra installs it
    pass
else:
    duckdb.execute("SET TimeZone = 'UTC'")

ROOT = Path(__file__).resolve().parent.parent
# The real data sets live beside the project (../shared/data), never inside it.
DATA = Path(os.environ.get("SALESMODEL_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real public data sets; skips the test when they are absent."""
    if not DATA.is_dir():
        pytest.skip(f"real data sets not found at {DATA} (set SALESMODEL_DATA to their folder)")
    return DATA


# --- the distributed engines: skipped where absent, required in CI ----------------------------


@pytest.fixture(scope="module")
def engine_frame() -> Any:
    """The seeded book of :data:`engine_book.ROWS` deals (polars), for the Spark
    and Dask modules: the frame each engine is given."""
    from engine_book import ROWS, book  # numpy and polars: only where it is used

    return book(ROWS)


@pytest.fixture(scope="module")
def engine_objects(engine_frame: Any) -> list[Any]:
    """The same rows as entities: the object path the engines must agree with."""
    from engine_book import deals
    from support import untraced

    with untraced():  # 300,000 Deals: the entity tests cover their lines
        return deals(engine_frame)


#: Set by .ci/run: there a test marked ``engines`` that skips (no pyspark, no Java,
#: no Dask) fails instead, so CI cannot pass without having run them.
REQUIRE_ENGINES = os.environ.get("SALESMODEL_REQUIRE_ENGINES", "") not in ("", "0")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "engines: needs Spark (pyspark and Java) or Dask; skips where they are absent, "
        "fails instead when SALESMODEL_REQUIRE_ENGINES=1 (CI)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    skipped = report.skipped and not hasattr(report, "wasxfail")  # an xfail reports as skipped
    if REQUIRE_ENGINES and skipped and item.get_closest_marker("engines") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"skipped, but SALESMODEL_REQUIRE_ENGINES is set (CI runs every engine): {reason}"
        )
    return report


# --- the slowest modules first ---------------------------------------------------------------

#: The modules that take longest, longest first. The workers are handed whole
#: modules in collection order (``--dist loadfile --no-loadscope-reorder``; xdist
#: would order them by their number of tests), so these go first: CI's two workers
#: start on them at once and the short modules fill in around them, rather than
#: one worker running a long module alone at the end.
SLOW_FIRST = (
    "test_kpi_dask.py",
    "test_kpi_spark.py",
    "test_kpi_frames.py",
    "test_predictive_real_data.py",
    "test_strategies.py",
    "test_kpi_history_frames.py",
    "test_pipeline_machine.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: else as collected
