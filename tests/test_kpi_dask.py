"""KPIs on Dask, really run: a Dask DataFrame computed on the processes scheduler,
over a seeded book of 300,000 deals (tests/engine_book.py), each figure equal (==)
to the object path's, with periods in a named zone.

Where Dask is absent these tests skip and say why; CI sets
SALESMODEL_REQUIRE_ENGINES=1, which turns such a skip into a failure
(tests/conftest.py). Spark has a module of its own (test_kpi_spark.py): CI's two
workers run the two side by side.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine_book import ON_DASK, calls, converted
from support import untraced

pytestmark = [
    pytest.mark.engines,
    # narwhals: its Dask support moves to the narwhals-dask package
    pytest.mark.filterwarnings("ignore:Dask support is moving out of Narwhals:FutureWarning"),
]

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


@pytest.fixture(scope="module")
def dask_frame(engine_frame: Any) -> Iterator[Any]:
    """A Dask DataFrame of two partitions, computed on two worker processes."""
    dask = pytest.importorskip("dask", reason="dask is not installed (the test extra)")
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    native = dd.from_pandas(engine_frame.to_pandas(), npartitions=2)  # one per core
    assert native.npartitions > 1
    # One pool for the module: the processes scheduler would start one per compute.
    spawn = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(2, mp_context=spawn) as pool,
        dask.config.set(scheduler="processes", pool=pool),
    ):
        yield native


# Durations of years, to the microsecond: this test found that narwhals' durations
# went through float seconds on pandas-like engines (1 us short for ~1 in 50).
@pytest.mark.parametrize("name", ON_DASK)
def test_each_kpi_on_a_dask_dataframe_on_processes_equals_the_object_path(
    name: str, dask_frame: Any, engine_frame: Any, engine_objects: list[Any]
) -> None:
    kpi = calls(converted(engine_frame), tz=SAO_PAULO)[name]
    with untraced():  # the object path's lines are covered by the small books
        expected = kpi(engine_objects)
    assert kpi(dask_frame) == expected
