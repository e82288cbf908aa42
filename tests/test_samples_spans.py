"""Sample books (salesmodel.samples) shorter than the time a lead takes to be won:
targets are still set, spread evenly over the short span."""

from __future__ import annotations

from salesmodel import Money, TargetMetric
from salesmodel.samples import generate


def test_a_book_shorter_than_a_typical_win_still_sets_positive_targets() -> None:
    book = generate(seed=3, size="small", months=1)
    assert book.targets
    assert {t.start for t in book.targets} == {book.start}  # one quarter
    revenue = [t.goal for t in book.targets if t.metric is TargetMetric.REVENUE]
    assert revenue
    assert all(isinstance(goal, Money) and goal.amount > 0 for goal in revenue)
    calls = [t.goal for t in book.targets if t.metric is TargetMetric.CALLS]
    assert all(isinstance(goal, int) and goal > 0 for goal in calls)
