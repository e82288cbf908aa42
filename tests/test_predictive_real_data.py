"""The predictive models on real leads: X Education's 9,240 leads (Leads.csv) and
Olist's 8,000 marketing-qualified leads, loaded here as a user would (the library
does no I/O, see tests/xeducation.py), fitted on fixed 70/30 splits.

Reference points on Leads.csv without the columns that leak the label (see the
data's SOURCE.md), before LogisticScorer had pairs of features: scikit-learn's
logistic regression 0.892, its CategoricalNB 0.857, Odoo-style naive Bayes 0.872,
a hand-written points scorer 0.850 (all on scikit-learn's split 0).
"""

from __future__ import annotations

import csv
import itertools
import multiprocessing
import statistics
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import xeducation
from salesmodel import DEFAULT_SCORER, Lead
from salesmodel.predictive import (
    DEFAULT_LOGISTIC_BINS,
    LogisticScorer,
    NaiveBayesScorer,
    brier_score,
    calibration_table,
    lift,
    roc_auc,
)
from support import untraced
from xeducation import LEAKY, REPORT_SEEDS, split


@pytest.fixture(scope="session")
def rows(data_dir: Path) -> list[dict[str, str]]:
    return xeducation.read(data_dir)


@pytest.fixture(scope="session")
def x_education(rows: list[dict[str, str]]) -> tuple[list[Lead], list[bool]]:
    """Every row as a Lead (source from "Lead Source", the other non-leaky columns
    as attributes) and whether it converted."""
    return [xeducation.lead(row) for row in rows], [xeducation.converted(row) for row in rows]


@pytest.fixture(scope="session")
def fitted(x_education):
    leads, labels = x_education
    train, test = split(len(leads), seed=0)
    x_train = [leads[i] for i in train]
    y_train = [labels[i] for i in train]
    x_test = [leads[i] for i in test]
    y_test = [labels[i] for i in test]
    with untraced():  # 6,468 leads: the unit tests cover the fits' lines
        models = {
            "logistic": LogisticScorer.fit(x_train, y_train),
            "naive_bayes": NaiveBayesScorer.fit(x_train, y_train),
        }
    return models, x_test, y_test


def test_the_data_loads_as_documented(x_education):
    leads, labels = x_education
    assert len(leads) == 9240
    assert sum(labels) == 3561
    assert len(leads[0].attributes) == 26  # 27 non-leaky columns, one of them the source
    assert not any(key in LEAKY or key.startswith("Asymmetrique") for key in leads[0].attributes)


# --- ten splits: the figures docs/explanation/predictive.md reports ---------------------------


@pytest.fixture(scope="session")
def held_out(data_dir: Path) -> dict[str, list[float]]:
    """The held-out ROC AUC of each model on each of the ten report splits (the
    settings were chosen on other splits, xeducation.TUNING_SEEDS).

    Twenty pure-Python fits run in fresh processes, one per model: coverage's
    tracer, which is not in them, makes such loops about four times slower (five
    minutes of CI for figures, not coverage; the fits' code is covered by the
    fixture above and the unit tests)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        runs = {
            model: pool.submit(xeducation.report_aucs, data_dir, model)
            for model in ("naive_bayes", "logistic")
        }
        return {model: run.result() for model, run in runs.items()}


def test_naive_bayes_ranks_held_out_leads_at_0_875_on_average_and_0_86_at_worst(held_out):
    aucs = held_out["naive_bayes"]
    assert len(aucs) == len(REPORT_SEEDS) == 10
    assert statistics.mean(aucs) >= 0.875  # measured 0.892
    assert min(aucs) >= 0.86  # measured 0.879


def test_logistic_regression_ranks_held_out_leads_at_0_905_on_average(held_out):
    # The goal: 0.905. One fit with its pairs of features gives 0.9039; the default,
    # the mean of five fits over 6 to 14 bins (chosen on the tuning splits, 0.9071
    # there), 0.90502: met by 0.00002. The bound leaves the last digits to another
    # platform's libm. See docs/explanation/predictive.md.
    aucs = held_out["logistic"]
    assert statistics.mean(aucs) >= 0.9049  # measured 0.90502
    assert min(aucs) >= 0.890  # measured 0.892
    assert statistics.mean(aucs) > statistics.mean(held_out["naive_bayes"])


def test_the_default_rule_scorer_barely_ranks_these_leads(rows, x_education):
    """DEFAULT_SCORER's points are for B2B leads (BANT, referrals, demo requests);
    X Education records none of that, and its engagement (visits, forms, the last
    activity) is all the rules can read: 0.55 where a fitted model reaches 0.89."""
    _, labels = x_education
    totals = [
        float(DEFAULT_SCORER.score(lead, activities, at=xeducation.CAPTURED).total)
        for lead, activities in map(xeducation.scored, rows)
    ]
    aucs = []
    for seed in REPORT_SEEDS:
        _, test = split(len(rows), seed)
        aucs.append(roc_auc([labels[i] for i in test], [totals[i] for i in test]))
    assert 0.52 <= statistics.mean(aucs) <= 0.58  # measured 0.551
    assert min(aucs) >= 0.5  # measured 0.529


# --- split 0: calibration, lift and explanations -----------------------------------------


def test_logistic_regression_ranks_held_out_leads_with_an_auc_above_0_88(fitted):
    models, x_test, y_test = fitted
    scores = [models["logistic"].predict_proba(x) for x in x_test]
    assert roc_auc(y_test, scores) > 0.89  # measured 0.905 on this split
    assert brier_score(y_test, scores) < 0.13  # measured 0.118
    assert lift(y_test, scores, top=0.1) > 2.4  # measured 2.59


def test_naive_bayes_ranks_held_out_leads_with_an_auc_above_0_88(fitted):
    models, x_test, y_test = fitted
    scores = [models["naive_bayes"].predict_proba(x) for x in x_test]
    assert roc_auc(y_test, scores) > 0.88  # measured 0.892 on this split
    assert brier_score(y_test, scores) < 0.14


@pytest.mark.parametrize("name", ["logistic", "naive_bayes"])
def test_the_calibration_table_is_monotone_enough_to_be_useful(fitted, name):
    models, x_test, y_test = fitted
    table = calibration_table(y_test, [models[name].predict_proba(x) for x in x_test])
    observed = [b.observed for b in table]
    assert len(table) == 10
    # Conversion rises from bin to bin, dips of at most 3 points allowed...
    assert all(later >= earlier - 0.03 for earlier, later in itertools.pairwise(observed))
    # ...from nearly nobody to nearly everybody...
    assert observed[0] < 0.06
    assert observed[-1] > 0.9
    # ...and the predicted rate is close to the observed one in every bin.
    assert all(abs(b.mean_predicted - b.observed) < 0.08 for b in table)


def test_explanations_name_the_strongest_reasons(fitted):
    models, x_test, _ = fitted
    pairs = models["logistic"].pairs
    # the union of the pairs each of the five fits chose (at most 16 each), each
    # beating chance on the training leads: measured 19
    assert 5 <= len(pairs) <= 16 * len(DEFAULT_LOGISTIC_BINS)
    assert ("Last Notable Activity", "What is your current occupation") in pairs
    for model in models.values():
        explanation = model.explain(x_test[0])
        assert len(explanation.effects) == 27 + len(getattr(model, "pairs", ()))
        assert abs(explanation.effects[0].log_odds) >= abs(explanation.effects[-1].log_odds)
        logit = explanation.base_log_odds + sum(e.log_odds for e in explanation.effects)
        assert logit == pytest.approx(model.log_odds(x_test[0]), abs=1e-9)


# --- Olist ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def olist(data_dir: Path) -> tuple[list[Lead], list[bool]]:
    """Olist's MQLs, labelled by whether a closed deal came from them."""
    folder = data_dir / "pipeline" / "olist_marketing_funnel"
    with (folder / "olist_closed_deals_dataset.csv").open(newline="", encoding="utf-8") as fh:
        won = {row["mql_id"] for row in csv.DictReader(fh)}
    leads, labels = [], []
    path = folder / "olist_marketing_qualified_leads_dataset.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            first = date.fromisoformat(row["first_contact_date"])
            leads.append(
                Lead(
                    id=row["mql_id"],
                    name=row["mql_id"],
                    created_at=datetime(first.year, first.month, first.day, tzinfo=UTC),
                    source=row["origin"] or "unknown",
                    attributes={"landing_page": row["landing_page_id"]},
                )
            )
            labels.append(row["mql_id"] in won)
    return leads, labels


def test_olist_origin_and_landing_page_are_weak_signals(olist):
    """Origin and landing page are all there is: the goal is ~0.67, not 0.89. (MQLs
    from May 2018 had less time to close, which blurs the labels further.)"""
    leads, labels = olist
    assert (len(leads), sum(labels)) == (8000, 842)
    train, test = split(len(leads), seed=0)
    features = ["lead.source", "landing_page"]
    x_train = [leads[i] for i in train]
    y_train = [labels[i] for i in train]
    y_test = [labels[i] for i in test]
    for model, goal in (
        (NaiveBayesScorer.fit(x_train, y_train, features), 0.64),  # measured 0.655
        (LogisticScorer.fit(x_train, y_train, features), 0.66),  # measured 0.681
    ):
        assert roc_auc(y_test, [model.predict_proba(leads[i]) for i in test]) > goal
