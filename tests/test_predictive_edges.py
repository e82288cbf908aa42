"""Predictive scoring (salesmodel.predictive) at its edges: a budget answered
yes/no or not at all, malformed feature edges and count tables, a calibration
that would invert the ranking, and a tolerance no fit can reach."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from salesmodel import Bant, Lead, ValidationError
from salesmodel.predictive import (
    Feature,
    LogisticScorer,
    NaiveBayesScorer,
    _platt,
    feature_value,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def lead(n: int, bant: Bant | None = None, **attributes: object) -> Lead:
    return Lead(
        id=f"L{n}", name="x", created_at=T0, source="website", bant=bant or Bant(),
        attributes=attributes,
    )  # fmt: skip


def test_a_budget_answered_yes_or_no_or_not_at_all_is_that_answer() -> None:
    assert feature_value(lead(1, Bant(budget=True)), "lead.bant.budget") is True
    assert feature_value(lead(2, Bant(budget=False)), "lead.bant.budget") is False
    assert feature_value(lead(3), "lead.bant.budget") is None


def test_bin_edges_must_be_a_sequence_of_numbers() -> None:
    with pytest.raises(ValidationError) as caught:
        Feature(name="visits", numeric=True, edges=5)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("edges", 5)
    assert Feature(name="visits", numeric=True, edges=[1, 2.5]).edges == (1.0, 2.5)


def test_count_tables_need_one_row_per_feature() -> None:
    model = NaiveBayesScorer.fit([lead(i, tier=str(i % 2)) for i in range(4)], [1, 0, 1, 0])
    with pytest.raises(ValidationError) as caught:
        NaiveBayesScorer(
            features=model.features,
            positive_counts=(),
            negative_counts=model.negative_counts,
            positives=model.positives,
            negatives=model.negatives,
        )
    assert caught.value.errors == {
        "positive_counts": f"must be one row per feature ({len(model.features)}) (got 0)"
    }


def test_a_calibration_that_would_invert_the_ranking_is_left_as_it_is() -> None:
    assert _platt([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0]) == (1.0, 0.0)
    scale, shift = _platt([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1])
    assert scale > 0
    assert math.isfinite(shift)


def test_a_fit_asked_for_a_tolerance_it_cannot_reach_stops_after_its_iterations() -> None:
    rnd = random.Random(1)
    leads = [lead(i, v=rnd.randint(0, 9), s=rnd.choice(["a", "b"])) for i in range(60)]
    labels = [rnd.random() < 0.4 for _ in range(60)]
    first = LogisticScorer.fit(leads, labels, tol=1e-300, max_iter=300)
    assert first == LogisticScorer.fit(leads, labels, tol=1e-300, max_iter=300)
    assert all(math.isfinite(w) for row in first.weights for w in row)
    assert all(0 < first.predict_proba(x) < 1 for x in leads)
