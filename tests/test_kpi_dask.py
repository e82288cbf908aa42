"""KPIs on Dask: a ``dask.bag`` of raw data chunks on the processes scheduler,
entities built inside the workers, only accumulators sent back; the answers are
exactly those of one process."""

from __future__ import annotations

import csv
import functools
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from salesmodel import DEFAULT_PIPELINE, Deal, Money, Pipeline, kpi
from salesmodel.bulk import from_records

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
cloudpickle = pytest.importorskip("cloudpickle")

# Workers import salesmodel; this module's functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

STATUS = {"Won": "won", "Lost": "lost", "Engaging": "open"}
STAGE = {"Won": "won", "Lost": "lost", "Engaging": "qualification"}
COLUMNS: dict[str, Any] = {
    "id": "opportunity_id",
    "name": "opportunity_id",
    "owner_id": "sales_agent",
    "product": "product",
    "status": lambda row: STATUS[row["deal_stage"]],
    "stage": lambda row: STAGE[row["deal_stage"]],
    "created_at": "engage_date",
    "closed_at": "close_date",
    "amount": "close_value",  # blank for open deals: their value is unknown
}
#: Maven's stages on the default pipeline; its lost deals give no reason.
MAVEN = Pipeline("default", DEFAULT_PIPELINE.stages, lost_requires_reason=False, kind=Deal)


def fresh() -> tuple[kpi.Accumulator[Any], ...]:
    """The KPIs computed: fresh accumulators, the same in every worker."""
    return (
        kpi.WinRateAccumulator(by="owner_id", period="quarter", tz=UTC),
        kpi.AverageTicketAccumulator(by="product"),
        kpi.SalesCycleAccumulator(business_days=True, tz=UTC),
        kpi.BookingsAccumulator(period="month", tz=UTC),
        kpi.FunnelAccumulator(by="owner_id", pipeline=MAVEN),
        kpi.ConversionRateAccumulator(by=lambda d: d.product.split()[0]),
        kpi.GrowthAccumulator(kpi.BookingsAccumulator(period="quarter", tz=UTC)),
        # a set option must compare equal across processes (str hashes do not)
        kpi.ConversionRateAccumulator(converted={f"{c}{d}" for c in "0123" for d in "AB"}),
    )


def build(rows: Iterable[dict[str, str]]) -> list[Deal]:
    return from_records(Deal, rows, columns=COLUMNS, tz=UTC, currency="USD")


def per_partition(rows: Iterable[dict[str, str]]) -> tuple[kpi.Accumulator[Any], ...]:
    """In a worker: build this chunk's deals, feed them to fresh accumulators,
    return the accumulators only (never the entities)."""
    accumulators = fresh()
    kpi.collect(build(rows), *accumulators)
    return accumulators


def merge(parts: Iterable[tuple[kpi.Accumulator[Any], ...]]) -> tuple[kpi.Accumulator[Any], ...]:
    return functools.reduce(
        lambda left, right: tuple(a.merge(b) for a, b in zip(left, right, strict=True)), parts
    )


@pytest.fixture(scope="module")
def rows(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "pipeline" / "maven_crm_sales_opportunities" / "sales_pipeline.csv"
    with path.open(newline="") as handle:
        # Prospecting rows have no creation date: not deals (see test_kpi_maven).
        return [r for r in csv.DictReader(handle) if r["engage_date"]]


def test_kpis_on_a_dask_bag_with_the_processes_scheduler_match_one_process(
    rows: list[dict[str, str]],
) -> None:
    bag = db.from_sequence(rows, npartitions=6)
    accumulators = bag.reduction(per_partition, merge, split_every=3).compute(
        scheduler="processes", num_workers=2
    )
    assert all(isinstance(a, kpi.Accumulator) for a in accumulators)
    distributed = [a.result() for a in accumulators]
    deals = build(rows)
    single = [acc.add_many(deals).result() for acc in fresh()]
    assert distributed == single
    assert distributed[0] == kpi.win_rate(deals, by="owner_id", period="quarter", tz=UTC)
    assert sum(r.denominator for r in distributed[0].values()) == 6711


def test_records_offer_dask_a_cheap_deterministic_token() -> None:
    from dask.base import tokenize

    def deal(deal_id: str) -> Deal:
        return Deal(
            id=deal_id,
            name="Acme",
            amount=Money("10", "USD"),
            created_at=datetime(2026, 1, 5, tzinfo=UTC),
        )

    assert deal("X1").__dask_tokenize__()[0] == "Deal"
    assert tokenize(deal("X1")) == tokenize(deal("X1"))  # equal records, equal tokens
    assert tokenize(deal("X1")) != tokenize(deal("X2"))  # different ones never collide
