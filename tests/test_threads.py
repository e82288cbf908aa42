"""Thread safety: nothing mutates, so shared pipelines, scorers and entities give
the same results from many threads as from one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta

import pytest

from salesmodel import DEFAULT_PIPELINE, DEFAULT_SCORER, Deal, Status, kpi, to_dict
from salesmodel.samples import generate

THREADS = 8


@pytest.fixture(scope="module")
def book():
    return generate(seed=7, size=600)


def figures(deals: tuple[Deal, ...]) -> tuple[object, ...]:
    return (
        kpi.win_rate(deals, by="owner_id"),
        kpi.average_ticket(deals, by="owner_id"),
        kpi.sales_cycle(deals),
        kpi.bookings(deals, period="month", tz=UTC),
        kpi.funnel(deals),
        kpi.weighted_pipeline([d for d in deals if d.status is Status.OPEN]),
    )


def walk(deals: tuple[Deal, ...]) -> list[dict[str, object]]:
    """Every open deal moved forward one step (or refused), serialised."""
    moved = []
    for deal in deals:
        if deal.status is not Status.OPEN:
            continue
        at = (deal.history[-1].at if deal.history else deal.created_at) + timedelta(hours=1)
        targets = [t for t in DEFAULT_PIPELINE.targets(deal.stage) if t != "lost"]
        moved.append(to_dict(DEFAULT_PIPELINE.move(deal, targets[-1], at=at)))
    return moved


def scores(book) -> list[object]:
    by_lead: dict[str, list[object]] = {}
    for activity in book.activities:
        if activity.lead_id is not None:
            by_lead.setdefault(activity.lead_id, []).append(activity)
    return [
        DEFAULT_SCORER.score(lead, by_lead.get(lead.id, ()), at=book.as_of)
        for lead in book.leads[:400]
    ]


@pytest.mark.parametrize("work", [figures, walk])
def test_kpis_and_moves_from_many_threads_equal_one_thread(book, work):
    alone = work(book.deals)
    with ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(lambda _: work(book.deals), range(THREADS * 2)))
    assert all(result == alone for result in together)


def test_scoring_from_many_threads_equals_one_thread(book):
    alone = scores(book)
    with ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(lambda _: scores(book), range(THREADS)))
    assert all(result == alone for result in together)


def test_accumulators_filled_in_threads_and_merged_equal_one_pass(book):
    chunks = [book.deals[i::THREADS] for i in range(THREADS)]

    def partial(chunk: tuple[Deal, ...]) -> kpi.WinRateAccumulator:
        acc = kpi.WinRateAccumulator(by="owner_id")
        acc.add_many(chunk)
        return acc

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(partial, chunks))
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.result() == kpi.win_rate(book.deals, by="owner_id")
