"""Predictive scoring: naive Bayes done properly, logistic regression in pure
Python, explanations that add up, exact storage, and metrics checked against
brute force."""

from __future__ import annotations

import itertools
import json
import math
import random
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import Bant, Lead, Money, ValidationError, from_dict, to_dict
from salesmodel.predictive import (
    DEFAULT_LOGISTIC_BINS,
    Feature,
    LogisticScorer,
    NaiveBayesScorer,
    brier_score,
    calibration_table,
    feature_value,
    lift,
    roc_auc,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def lead(n: int = 0, source: str = "website", **attributes: object) -> Lead:
    return Lead(id=f"L-{n}", name="x", created_at=T0, source=source, attributes=attributes)


def synthetic(n: int, seed: int = 1) -> tuple[list[Lead], list[bool]]:
    """Leads whose conversion depends on industry and visits, with noise and gaps."""
    rnd = random.Random(seed)
    leads, labels = [], []
    for i in range(n):
        industry = rnd.choice(["saas", "retail", "retail", "bank", None])
        visits = rnd.choice([None, *range(12)])
        odds = -1.0 + (1.5 if industry == "saas" else 0) + 0.25 * (visits or 0)
        labels.append(rnd.random() < 1 / (1 + math.exp(-odds)))
        leads.append(lead(i, rnd.choice(["referral", "website"]), industry=industry, visits=visits))
    return leads, labels


LEADS, LABELS = synthetic(400)


# --- features ----------------------------------------------------------------------


def test_categorical_values_are_compared_by_text_and_blanks_are_missing():
    feature = Feature(name="x", values=("1", "2.5", "saas", "true"))
    assert [feature.level(v) for v in ("saas", 1, 2.5, True, None, "", " ", "other", False)] == [
        2,
        0,
        1,
        3,
        4,
        4,
        4,
        5,
        5,
    ]
    assert [feature.label(i) for i in (2, 4, 5)] == ["'saas'", "(missing)", "(unseen)"]


def test_numeric_values_fall_in_half_open_bins_and_text_is_unseen():
    feature = Feature(name="x", numeric=True, edges=(10.0, 20.0))
    assert [feature.level(v) for v in (-5, 10, 19.9, 20, 1e9, None, "", "ten", True)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert [feature.label(i) for i in range(5)] == [
        "< 10",
        "[10, 20)",
        ">= 20",
        "(missing)",
        "(unseen)",
    ]
    assert Feature(name="x", numeric=True).label(0) == "any number"


@pytest.mark.parametrize(
    "changes",
    [
        {"numeric": True, "values": ("a",)},
        {"edges": (1.0,)},
        {"numeric": True, "edges": (2.0, 1.0)},
        {"values": ("a", "a")},
        {"name": "lead.colour"},
        {"numeric": True, "edges": (math.inf,)},
    ],
)
def test_an_inconsistent_feature_is_refused(changes):
    with pytest.raises(ValidationError):
        Feature(**({"name": "x"} | changes))


def test_lead_fields_can_be_features():
    one = Lead(
        id="L",
        name="x",
        created_at=T0,
        source="referral",
        purchase_timeframe_days=30,
        bant=Bant(budget=Money("0", "EUR"), authority=True, timescale_days=9),
    )
    values = [
        feature_value(one, name)
        for name in (
            "lead.source",
            "lead.purchase_timeframe_days",
            "lead.bant.budget",
            "lead.bant.authority",
            "lead.bant.need",
            "lead.bant.timescale_days",
        )
    ]
    assert values == ["referral", 30, False, True, None, 9]


def test_numeric_features_are_cut_at_quantiles_kept_in_the_model():
    leads = [lead(i, visits=i % 10) for i in range(100)]
    labels = [i % 3 == 0 for i in range(100)]
    model = NaiveBayesScorer.fit(leads, labels, ["visits"], bins=5)
    (feature,) = model.features
    assert feature.numeric
    assert feature.edges == (2.0, 4.0, 6.0, 8.0)
    assert all(
        p + n
        for p, n in zip(model.positive_counts[0][:-1], model.negative_counts[0][:-1], strict=False)
    )
    forced = NaiveBayesScorer.fit(leads, labels, ["visits"], categorical=["visits"])
    assert forced.features[0].values == tuple(str(i) for i in range(10))


def test_by_default_the_features_are_the_source_and_every_attribute():
    model = NaiveBayesScorer.fit(LEADS, LABELS)
    assert [f.name for f in model.features] == ["lead.source", "industry", "visits"]
    assert [f.numeric for f in model.features] == [False, False, True]
    assert model.features[1].values == ("bank", "retail", "saas")


# --- naive Bayes ------------------------------------------------------------------------


def test_naive_bayes_smooths_numerators_and_denominators():
    leads = [lead(0, c="a"), lead(1, c="a"), lead(2, c="b"), lead(3, c=None), lead(4, c="b")]
    labels = [True, True, False, False, True]
    model = NaiveBayesScorer.fit(leads, labels, ["c"], alpha=0.5, calibrate=False)
    assert model.positive_counts == ((2, 1, 0),)  # a, b, missing
    assert model.negative_counts == ((0, 1, 1),)
    a, k = 0.5, 3

    def likelihood(count: int, total: int) -> float:
        return (count + a) / (total + a * k)

    prior = math.log((3 + a) / (2 + a))
    for value, p, n in (("a", 2, 0), ("b", 1, 1), (None, 0, 1)):
        expected = prior + math.log(likelihood(p, 3) / likelihood(n, 2))
        assert model.log_odds(lead(9, c=value)) == pytest.approx(expected, abs=1e-12)
    # The likelihoods of a feature's levels add up to one in each class.
    assert sum(likelihood(p, 3) for p in (2, 1, 0)) == pytest.approx(1.0)


def test_unseen_values_are_neutral_by_default_or_smoothed_on_request():
    leads = [lead(0, c="a"), lead(1, c="a"), lead(2, c="b"), lead(3, c="b"), lead(4, c="b")]
    labels = [True, False, False, False, True]
    neutral = NaiveBayesScorer.fit(leads, labels, ["c"], calibrate=False)
    explanation = neutral.explain(lead(9, c="zzz"))
    assert explanation.effects[0].level == "(unseen)"
    assert explanation.effects[0].log_odds == 0.0
    # Never missing in training: a missing value is unseen too.
    assert neutral.explain(lead(9)).effects[0].log_odds == 0.0
    smoothed = NaiveBayesScorer.fit(leads, labels, ["c"], calibrate=False, unseen="smoothed")
    assert smoothed.explain(lead(9, c="zzz")).effects[0].log_odds == pytest.approx(
        math.log((3 + 2) / (2 + 2))
    )


def test_no_prior_is_carried_from_one_fit_to_the_next():
    first = NaiveBayesScorer.fit(LEADS, LABELS)
    few = [x for x, y in zip(LEADS, LABELS, strict=False) if not y][:50] + LEADS[:10]
    few_labels = [False] * 50 + LABELS[:10]
    second = NaiveBayesScorer.fit(few, few_labels)
    assert second == NaiveBayesScorer.fit(few, few_labels)
    assert (second.positives, second.negatives) == (sum(few_labels), 60 - sum(few_labels))
    assert first != second


def test_platt_calibration_keeps_the_ranking_and_brings_probabilities_closer():
    raw = NaiveBayesScorer.fit(LEADS, LABELS, calibrate=False)
    calibrated = NaiveBayesScorer.fit(LEADS, LABELS, calibrate="platt")
    assert calibrated.scale > 0
    raw_p = [raw.predict_proba(x) for x in LEADS]
    cal_p = [calibrated.predict_proba(x) for x in LEADS]
    assert roc_auc(LABELS, raw_p) == pytest.approx(roc_auc(LABELS, cal_p))
    assert brier_score(LABELS, cal_p) <= brier_score(LABELS, raw_p)


def test_weighing_features_fits_the_training_outcomes_better_than_one_scale():
    platt = NaiveBayesScorer.fit(LEADS, LABELS, calibrate="platt")
    weighed = NaiveBayesScorer.fit(LEADS, LABELS)
    assert len(weighed.weights) == len(weighed.features)
    platt_p = [platt.predict_proba(x) for x in LEADS]
    weighed_p = [weighed.predict_proba(x) for x in LEADS]
    assert brier_score(LABELS, weighed_p) <= brier_score(LABELS, platt_p)


def test_an_unknown_calibration_is_refused_naming_the_choices():
    with pytest.raises(ValidationError) as caught:
        NaiveBayesScorer.fit(LEADS, LABELS, calibrate="isotonic")
    assert caught.value.field == "calibrate"
    assert "'features' or 'platt'" in str(caught.value)
    with pytest.raises(ValidationError):
        NaiveBayesScorer.fit(LEADS, LABELS, calibrate=1)  # type: ignore[arg-type]


def test_a_stored_model_needs_one_weight_per_feature_none_negative():
    model = NaiveBayesScorer.fit(LEADS, LABELS)
    for weights in ((1.0,), (-1.0,) * len(model.features)):
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(model, weights=weights)
        assert caught.value.field == "weights"


def test_naive_bayes_learns_the_signal():
    leads, labels = synthetic(600, seed=2)
    model = NaiveBayesScorer.fit(LEADS, LABELS)
    assert roc_auc(labels, [model.predict_proba(x) for x in leads]) > 0.7


# --- logistic regression ------------------------------------------------------------------


def test_logistic_regression_learns_the_signal_and_is_deterministic():
    model = LogisticScorer.fit(LEADS, LABELS)
    assert model == LogisticScorer.fit(LEADS, LABELS)
    leads, labels = synthetic(600, seed=2)
    assert roc_auc(labels, [model.predict_proba(x) for x in leads]) > 0.7
    industry = model.features[1]
    saas = model.weights[1][industry.values.index("saas")]
    retail = model.weights[1][industry.values.index("retail")]
    assert saas > 0 > retail


def test_logistic_weights_are_centred_on_the_training_leads():
    model = LogisticScorer.fit(LEADS, LABELS)
    for i, feature in enumerate(model.features):
        counts = [0] * (feature.size + 1)
        for x in LEADS:
            counts[feature.level(feature_value(x, feature.name))] += 1
        assert sum(c * w for c, w in zip(counts, model.weights[i], strict=False)) == pytest.approx(
            0, abs=1e-9
        )
    assert model.explain(lead(9, industry="telco")).effects  # unseen value: no error
    effect = {e.feature: e for e in model.explain(lead(9, industry="telco")).effects}
    assert (effect["industry"].level, effect["industry"].log_odds) == ("(unseen)", 0.0)


def test_stronger_regularisation_shrinks_the_weights():
    loose = LogisticScorer.fit(LEADS, LABELS, l2=0.1)
    tight = LogisticScorer.fit(LEADS, LABELS, l2=100.0)
    size = lambda m: sum(w * w for row in m.weights for w in row)  # noqa: E731
    assert size(tight) < size(loose)


# --- pairs of features -------------------------------------------------------------------


def crossed(n: int, seed: int = 3) -> tuple[list[Lead], list[bool]]:
    """Leads that convert when their plan fits their size (small on basic, large
    on premium): neither feature says anything alone, the pair says nearly all."""
    rnd = random.Random(seed)
    leads, labels = [], []
    for i in range(n):
        plan, size = rnd.choice(["basic", "premium"]), rnd.choice(["small", "large"])
        fits = (plan == "basic") == (size == "small")
        labels.append(rnd.random() < (0.85 if fits else 0.15))
        noise = rnd.choice(["a", "b", "c"])
        leads.append(lead(i, plan=plan, size=size, noise=noise))
    return leads, labels


def test_fit_finds_the_pair_of_features_that_decides_and_ranks_with_it():
    leads, labels = crossed(600)
    model = LogisticScorer.fit(leads, labels)
    assert model.pairs == (("plan", "size"),)  # chosen from the training leads alone
    additive = LogisticScorer.fit(leads, labels, pairs=0)
    assert additive.pairs == additive.pair_weights == ()
    test, outcomes = crossed(600, seed=4)
    assert roc_auc(outcomes, [additive.predict_proba(x) for x in test]) < 0.6
    assert roc_auc(outcomes, [model.predict_proba(x) for x in test]) > 0.8


def test_a_pair_explains_itself_as_one_line_and_the_lines_add_up():
    leads, labels = crossed(300)
    model = LogisticScorer.fit(leads, labels, pairs=[("size", "plan")])
    assert model.pairs == (("size", "plan"),)
    for x in leads[:20]:
        explanation = model.explain(x)
        logit = explanation.base_log_odds + math.fsum(e.log_odds for e in explanation.effects)
        assert logit == pytest.approx(model.log_odds(x), abs=1e-12)
        (pair,) = [e for e in explanation.effects if e.feature == "size & plan"]
        size, plan = x.attributes["size"], x.attributes["plan"]
        assert (pair.value, pair.level) == ((size, plan), f"{size!r} & {plan!r}")
        assert pair.log_odds == explanation.effects[0].log_odds  # the strongest reason
    unseen = model.explain(lead(1, plan="enterprise", size="small"))
    (pair,) = [e for e in unseen.effects if e.feature == "size & plan"]
    assert (pair.level, pair.log_odds) == ("'small' & (unseen)", 0.0)


def test_pair_weights_are_the_penalised_optimum_centred_on_the_training_leads():
    # At the optimum each pair of levels' weight is -(its residuals) / pair_l2, then
    # centred: less its mean over the training leads; a pair no lead had weighs 0.
    leads, labels = crossed(200)
    model = LogisticScorer.fit(leads, labels, pairs=[("plan", "size")], pair_l2=2.0, tol=1e-8)
    plan, size = model.features[2], model.features[3]
    stride = size.size + 1
    sums, counts = [0.0] * ((plan.size + 1) * stride), [0] * ((plan.size + 1) * stride)
    for x, y in zip(leads, labels, strict=True):
        cell = plan.level(x.attributes["plan"]) * stride + size.level(x.attributes["size"])
        sums[cell] += model.predict_proba(x) - y
        counts[cell] += 1
    own = [-s / 2.0 for s in sums]
    mean = sum(c * w for c, w in zip(counts, own, strict=True)) / len(leads)
    expected = [w - mean if c else 0.0 for w, c in zip(own, counts, strict=True)]
    assert model.pair_weights[0] == pytest.approx(expected, abs=1e-5)
    assert model.pair_weights[0][2::3] == (0.0, 0.0, 0.0)  # no lead missed a size
    assert model.pair_l2 == 2.0


def test_inside_a_pair_rare_values_share_a_weight_and_numbers_count_in_three_runs():
    # Each crossed level needs leads to learn from: "legacy" and "trial" (under 1 %
    # of the leads each) are one level inside the pair, and ten bins of visits three.
    rnd = random.Random(5)
    leads, labels = [], []
    for i in range(400):
        plan = "legacy" if i < 2 else "trial" if i < 4 else rnd.choice(["basic", "premium"])
        visits = rnd.randrange(100)
        labels.append(rnd.random() < (0.8 if (plan == "basic") == (visits < 50) else 0.2))
        leads.append(lead(i, plan=plan, visits=visits))
    model = LogisticScorer.fit(leads, labels, bins=10, pairs=[("plan", "visits")])
    plan, visits = model.features[1], model.features[2]
    assert (plan.values, visits.size) == (("basic", "legacy", "premium", "trial"), 10)
    stride = visits.size + 1
    rows = [model.pair_weights[0][i * stride : (i + 1) * stride] for i in range(plan.size + 1)]
    assert rows[1] == rows[3]  # legacy and trial: one level
    assert rows[0] != rows[2]
    assert all(len(set(row[: visits.size])) == 3 for row in rows[:4])
    assert from_dict(to_dict(model), LogisticScorer) == model


@pytest.mark.parametrize(
    ("pairs", "path"),
    [
        ([("plan", "plan")], "pairs[0]"),
        ([("plan", "colour")], "pairs[0]"),
        ([("plan", "size"), ("size", "plan")], "pairs[1]"),
        ([("plan", "size", "noise")], "pairs[0]"),
        ([["plan", 3]], "pairs[0]"),
        (-1, "pairs"),
        (True, "pairs"),
        (2.5, "pairs"),
        ("plan", "pairs"),
    ],
)
def test_bad_pairs_are_named_with_what_is_allowed(pairs, path):
    leads, labels = crossed(40)
    with pytest.raises(ValidationError) as caught:
        LogisticScorer.fit(leads, labels, pairs=pairs)
    assert path in caught.value.errors
    allowed = "two different feature names of the model (lead.source, noise, plan, size)"
    assert caught.value.issues[0].expected in (
        allowed,
        "a pair not given before, in either order",
        "a number of pairs to choose (an int of at least 0), or (name, name) pairs",
    )


def test_a_stored_model_with_pairs_is_checked():
    data = to_dict(LogisticScorer.fit(*crossed(100), pairs=[("plan", "size")]))
    assert data["pairs"] == [["plan", "size"]]
    assert len(data["pair_weights"][0]) == 9  # basic, premium, missing by large, small, missing
    assert from_dict(json.loads(json.dumps(data)), LogisticScorer).pairs == (("plan", "size"),)
    for key, value, path in (
        ("pair_weights", [[0.5]], "pair_weights[0]"),
        ("pair_weights", [], "pair_weights"),
        ("pairs", [["plan", "colour"]], "pairs[0]"),
        ("pairs", [["plan"]], "pairs"),
        ("pair_l2", 0, "pair_l2"),
    ):
        with pytest.raises(ValidationError) as caught:
            from_dict({**data, key: value}, LogisticScorer)
        assert path in caught.value.errors


# --- explanations ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [NaiveBayesScorer, LogisticScorer])
def test_the_explanation_adds_up_to_the_prediction_strongest_first(cls):
    model = cls.fit(LEADS, LABELS)
    for x in LEADS[:20]:
        explanation = model.explain(x)
        logit = explanation.base_log_odds + math.fsum(e.log_odds for e in explanation.effects)
        assert logit == pytest.approx(model.log_odds(x), abs=1e-12)
        assert explanation.probability == pytest.approx(model.predict_proba(x), abs=1e-15)
        strengths = [abs(e.log_odds) for e in explanation.effects]
        assert strengths == sorted(strengths, reverse=True)
        assert [e.value for e in explanation.effects if e.feature == "industry"] == [
            x.attributes["industry"]
        ]


# --- storage --------------------------------------------------------------------------------

datasets = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", None]),
        st.none() | st.integers(-5, 50) | st.floats(-10, 10, allow_nan=False),
        st.sampled_from(["referral", "website"]),
        st.booleans(),
    ),
    min_size=2,
    max_size=40,
).filter(lambda rows: 0 < sum(r[3] for r in rows) < len(rows))
probes = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "zzz", None, ""]),
        st.none() | st.floats(-100, 100, allow_nan=False) | st.just("text"),
    ),
    min_size=1,
    max_size=5,
)


@given(datasets, probes, st.sampled_from(["nb", "nb-smoothed", "lr", "lr-pairs"]))
def test_fit_to_dict_from_dict_predict_gives_identical_probabilities(rows, probe, kind):
    leads = [lead(i, s, c=c, v=v) for i, (c, v, s, _) in enumerate(rows)]
    labels = [y for *_, y in rows]
    if kind.startswith("lr"):
        pairs = [("v", "c"), ("c", "lead.source")] if kind == "lr-pairs" else 0
        names = ["c", "v", "lead.source"]
        model = LogisticScorer.fit(leads, labels, names, max_iter=30, pairs=pairs)
    else:
        unseen = "smoothed" if kind == "nb-smoothed" else "neutral"
        model = NaiveBayesScorer.fit(leads, labels, ["c", "v", "lead.source"], unseen=unseen)
    data = json.loads(json.dumps(to_dict(model)))
    back = from_dict(data, type(model))
    assert back == model
    assert to_dict(back) == data
    for i, (c, v) in enumerate(probe):
        x = lead(100 + i, c=c, v=v)
        assert back.predict_proba(x) == model.predict_proba(x)
        assert back.explain(x) == model.explain(x)


def test_a_tampered_model_is_refused():
    data = to_dict(NaiveBayesScorer.fit(LEADS, LABELS))
    data["positive_counts"][1] = [1, 2]
    data["alpha"] = 0
    with pytest.raises(ValidationError) as info:
        from_dict(data, NaiveBayesScorer)
    assert {"alpha", "positive_counts[1]"} <= set(info.value.errors)
    weights = to_dict(LogisticScorer.fit(LEADS, LABELS, max_iter=5))
    weights["weights"] = weights["weights"][:1]
    with pytest.raises(ValidationError):
        from_dict(weights, LogisticScorer)


@pytest.mark.parametrize("cls", [NaiveBayesScorer, LogisticScorer])
def test_bad_training_input_is_refused(cls):
    with pytest.raises(ValidationError):
        cls.fit(LEADS, LABELS[:-1])
    with pytest.raises(ValidationError):
        cls.fit(LEADS[:3], [1, 1, 1])
    with pytest.raises(ValidationError):
        cls.fit(LEADS[:2], ["yes", "no"])
    with pytest.raises(ValidationError):
        cls.fit(LEADS, LABELS, ["lead.colour"])
    with pytest.raises(ValidationError):
        cls.fit(LEADS, LABELS, "industry")
    with pytest.raises(ValidationError):
        cls.fit(LEADS, LABELS, ["industry", "industry"])
    with pytest.raises(ValidationError):
        cls.fit(LEADS, LABELS, bins=1)


def test_bad_model_arguments_are_refused():
    with pytest.raises(ValidationError):
        NaiveBayesScorer.fit(LEADS, LABELS, alpha=0)
    with pytest.raises(ValidationError):
        NaiveBayesScorer.fit(LEADS, LABELS, unseen="skip")
    with pytest.raises(ValidationError):
        LogisticScorer.fit(LEADS, LABELS, l2=-1)
    with pytest.raises(ValidationError):
        LogisticScorer.fit(LEADS, LABELS, max_iter=0)
    with pytest.raises(ValidationError):
        LogisticScorer.fit(LEADS, LABELS, tol=0)
    with pytest.raises(ValidationError):
        NaiveBayesScorer.fit([*LEADS[:3], "lead"], [1, 0, 1, 0])


@pytest.mark.parametrize("cls", [NaiveBayesScorer, LogisticScorer])
def test_predicting_something_that_is_not_a_lead_is_refused(cls):
    model = cls.fit(LEADS, LABELS, max_iter=5) if cls is LogisticScorer else cls.fit(LEADS, LABELS)
    for method in (model.predict_proba, model.log_odds, model.explain):
        with pytest.raises(ValidationError):
            method({"industry": "saas"})  # type: ignore[arg-type]


# --- metrics -------------------------------------------------------------------------------


def brute_auc(labels: list[int], scores: list[float]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=False) if y]
    neg = [s for s, y in zip(scores, labels, strict=False) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


scored = st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=60).filter(
    lambda rows: 0 < sum(y for y, _ in rows) < len(rows)
)


@given(scored)
def test_roc_auc_counts_ties_as_one_half(rows):
    labels = [int(y) for y, _ in rows]
    scores = [float(s) for _, s in rows]
    assert roc_auc(labels, scores) == pytest.approx(brute_auc(labels, scores), abs=1e-12)
    assert roc_auc(labels, [-s for s in scores]) == pytest.approx(1 - brute_auc(labels, scores))


def test_roc_auc_extremes_and_errors():
    assert roc_auc([0, 1], [0.2, 0.9]) == 1.0
    assert roc_auc([True, False], [0.2, 0.9]) == 0.0
    with pytest.raises(ValidationError):
        roc_auc([1, 1], [0.2, 0.9])
    with pytest.raises(ValidationError):
        roc_auc([0, 1], [0.2])
    with pytest.raises(ValidationError):
        roc_auc([0, 2], [0.2, 0.3])
    with pytest.raises(ValidationError):
        roc_auc([0, 1], [0.2, math.nan])
    with pytest.raises(ValidationError):
        roc_auc([], [])


def test_brier_score():
    assert brier_score([1, 0, 1], [1.0, 0.0, 1.0]) == 0.0
    assert brier_score([1, 0], [0.5, 0.5]) == 0.25
    with pytest.raises(ValidationError):
        brier_score([1], [1.5])


def test_calibration_table_keeps_ties_together():
    table = calibration_table([0, 1, 0, 1, 1, 0], [0.1, 0.5, 0.5, 0.5, 0.9, 0.9], bins=3)
    assert [(b.lower, b.upper, b.count, b.positives) for b in table] == [
        (0.1, 0.5, 4, 2),
        (0.9, 0.9, 2, 1),
    ]
    assert table[0].mean_predicted == pytest.approx(0.4)
    assert sum(b.count for b in calibration_table(LABELS, [0.5] * len(LABELS))) == len(LABELS)
    with pytest.raises(ValidationError):
        calibration_table([0, 1], [0.1, 0.2], bins=0)


@given(scored, st.sampled_from([0.1, 0.25, 0.5, 1.0]), st.randoms())
def test_lift_does_not_depend_on_input_order_and_matches_brute_force(rows, top, rnd):
    labels = [int(y) for y, _ in rows]
    scores = [float(s) for _, s in rows]
    value = lift(labels, scores, top=top)
    pairs = list(zip(labels, scores, strict=False))
    rnd.shuffle(pairs)
    assert lift([y for y, _ in pairs], [s for _, s in pairs], top=top) == pytest.approx(value)
    if len(rows) <= 7:  # every tie-break, averaged
        k = max(1, math.ceil(top * len(rows) - 1e-9))
        base = sum(labels) / len(labels)
        orders = list(itertools.permutations(range(len(rows))))
        mean = 0.0
        for order in orders:
            ranked = sorted(order, key=lambda i: -scores[i])  # stable: ties by permutation
            mean += sum(labels[i] for i in ranked[:k]) / k / base
        assert value == pytest.approx(mean / len(orders))


def test_lift_errors():
    assert lift([1, 0], [0.5, 0.5], top=0.5) == 1.0
    with pytest.raises(ValidationError):
        lift([0, 0], [0.1, 0.2])
    with pytest.raises(ValidationError):
        lift([0, 1], [0.1, 0.2], top=0)


def test_the_default_logistic_model_is_the_average_of_fits_over_several_bin_counts():
    """One stored model whose log-odds are the mean of five fits' (bins 6 to 14),
    for leads inside, on and beyond every edge, missing values and unseen levels;
    it explains a lead line by line and round-trips."""
    rnd = random.Random(3)
    leads, labels = [], []
    for i in range(300):
        visits = rnd.randrange(60)
        plan = rnd.choice(["basic", "premium", None])
        labels.append(rnd.random() < (0.7 if visits > 30 and plan != "basic" else 0.25))
        leads.append(lead(i, plan=plan, visits=visits, share=rnd.random()))
    model = LogisticScorer.fit(leads, labels)
    fits = [LogisticScorer.fit(leads, labels, bins=count) for count in DEFAULT_LOGISTIC_BINS]
    edges = sorted({e for fit in fits for e in fit.features[2].edges})
    assert model.features[2].edges == tuple(edges)
    assert set(model.pairs) == {pair for fit in fits for pair in fit.pairs}
    probes = [*leads[:50], lead(900, plan="enterprise", visits=10**6, share=-1.0)]
    probes += [lead(901 + i, plan="basic", visits=e, share=e) for i, e in enumerate(edges)]
    probes += [lead(990, source="unknown")]
    for probe in probes:
        mean = math.fsum(fit.log_odds(probe) for fit in fits) / len(fits)
        assert model.log_odds(probe) == pytest.approx(mean, abs=1e-12)
        explanation = model.explain(probe)
        total = explanation.base_log_odds + sum(e.log_odds for e in explanation.effects)
        assert total == pytest.approx(model.log_odds(probe), abs=1e-12)
    assert from_dict(to_dict(model), LogisticScorer) == model
    for bad in ((), [10, 1], (10, "12"), [True]):
        with pytest.raises(ValidationError) as caught:
            LogisticScorer.fit(leads, labels, bins=bad)
        assert caught.value.issues[0].path == "bins"
