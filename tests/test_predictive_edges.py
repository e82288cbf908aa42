"""Predictive scoring (salesmodel.predictive) at its edges: a budget answered
yes/no or not at all, malformed feature edges and count tables, a calibration
that would invert the ranking, and a tolerance no fit can reach."""

from __future__ import annotations

import functools
import math
import random
from datetime import UTC, datetime

import pytest

from salesmodel import Bant, Lead, Money, ValidationError
from salesmodel.predictive import (
    LEAD_FIELDS,
    Feature,
    LogisticScorer,
    NaiveBayesScorer,
    _fit_weights,
    _platt,
    _sigmoid,
    brier_score,
    calibration_table,
    feature_value,
    lift,
    roc_auc,
)
from support import issues

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


def test_a_calibration_never_inverts_the_ranking_nor_runs_off_on_separated_scores() -> None:
    # A score that ranks backwards gets a slope of 0 (a constant: the base rate)...
    scale, shift = _platt([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0])
    assert scale == 0.0
    assert _sigmoid(shift) == pytest.approx(0.5, abs=1e-4)
    # ...a score that separates the outcomes a finite slope, so probabilities never
    # round to exactly 0 or 1 and tie...
    scale, shift = _platt([-3.0, -1.0, 1.0, 3.0], [0, 0, 1, 1])
    assert 1.0 < scale < 10.0
    assert math.isfinite(shift)
    # ...and a feature's weight is never negative.
    _, weights = _fit_weights([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]], [1, 1, 0, 0])
    assert weights[0] == 0.0 < weights[1]


def test_a_fit_asked_for_a_tolerance_it_cannot_reach_stops_after_its_iterations() -> None:
    rnd = random.Random(1)
    leads = [lead(i, v=rnd.randint(0, 9), s=rnd.choice(["a", "b"])) for i in range(60)]
    labels = [rnd.random() < 0.4 for _ in range(60)]
    first = LogisticScorer.fit(leads, labels, tol=1e-300, max_iter=300)
    assert first == LogisticScorer.fit(leads, labels, tol=1e-300, max_iter=300)
    assert all(math.isfinite(w) for row in first.weights for w in row)
    assert all(0 < first.predict_proba(x) < 1 for x in leads)


# --- exact refusals --------------------------------------------------------------------

FIELDS = ", ".join(LEAD_FIELDS)
LEADS = [lead(i, tier="ab"[i % 2]) for i in range(4)]
LABELS = [1, 0, 1, 0]
MODELS = [NaiveBayesScorer, LogisticScorer]


@pytest.mark.parametrize("cls", MODELS)
def test_training_leads_that_are_no_leads_are_named(cls: type) -> None:
    with pytest.raises(ValidationError) as caught:
        cls.fit([LEADS[0], "L-2", LEADS[2], None], LABELS, ["tier"])
    assert caught.value.subject == "fit"
    assert issues(caught.value) == [("leads[1]", "L-2", "a Lead"), ("leads[3]", None, "a Lead")]


@pytest.mark.parametrize("cls", MODELS)
def test_bad_feature_names_are_named(cls: type) -> None:
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, LABELS, ["tier", "lead.colour", " ", 7])
    assert caught.value.subject == "features"
    assert issues(caught.value) == [
        ("features[1]", "lead.colour", f"an attribute key or one of {FIELDS}"),
        ("features[2]", " ", f"an attribute key or one of {FIELDS}"),
        ("features[3]", 7, f"an attribute key or one of {FIELDS}"),
    ]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, LABELS, ["tier", "lead.source", "tier"])
    assert issues(caught.value) == [
        ("features", ("tier", "lead.source", "tier"), "distinct feature names")
    ]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, LABELS, "tier")
    assert issues(caught.value) == [("features", "tier", "None or an iterable of feature names")]


@pytest.mark.parametrize("cls", MODELS)
def test_none_or_a_number_where_an_iterable_belongs_is_named(cls: type) -> None:
    outcomes = "an iterable of outcomes (True, False, 1 or 0)"
    names = "an iterable of feature names"
    for args, kwargs, expected in (
        ((None, LABELS), {}, ("leads", None, "an iterable of Lead records")),
        ((LEADS, None), {}, ("labels", None, outcomes)),
        ((LEADS, 5), {}, ("labels", 5, outcomes)),
        ((LEADS, LABELS, 5), {}, ("features", 5, f"None or {names}")),
        ((LEADS, LABELS), {"categorical": None}, ("categorical", None, names)),
        # a str would be its characters: categorical={"t", "i", "e", "r"}
        ((LEADS, LABELS), {"categorical": "tier"}, ("categorical", "tier", names)),
    ):
        with pytest.raises(ValidationError) as caught:
            cls.fit(*args, **kwargs)
        assert issues(caught.value) == [expected]


def test_a_logistic_fit_without_features_is_the_prior_as_naive_bayes_is() -> None:
    leads = [lead(i) for i in range(6)]
    labels = [1, 0, 1, 0, 0, 0]
    bayes = NaiveBayesScorer.fit(leads, labels, features=[])
    for pairs in (0, 16):
        model = LogisticScorer.fit(leads, labels, features=[], pairs=pairs)
        assert (model.features, model.weights, model.pairs) == ((), (), ())
        # the intercept alone: the training leads' log-odds, 2 to 4
        assert model.intercept == pytest.approx(math.log(2 / 4), abs=1e-4)
        assert model.predict_proba(leads[0]) == pytest.approx(1 / 3, abs=1e-4)
        assert model.predict_proba(leads[0]) == pytest.approx(
            bayes.predict_proba(leads[0]), abs=1e-4
        )
        assert model.explain(leads[0]).effects == ()


@pytest.mark.parametrize("cls", MODELS)
def test_bad_labels_are_named(cls: type) -> None:
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, [1, "yes", 0, 2], ["tier"])
    assert caught.value.subject == "labels"
    assert issues(caught.value) == [
        ("labels[1]", "yes", "True, False, 1 or 0"),
        ("labels[3]", 2, "True, False, 1 or 0"),
    ]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, [1, 0, 1], ["tier"])
    assert issues(caught.value) == [("labels", 3, "one label per lead (4)")]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, [1, "x", 0], ["tier"])
    assert issues(caught.value) == [
        ("labels[1]", "x", "True, False, 1 or 0"),
        ("labels", 3, "one label per lead (4)"),
    ]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, [True] * 4, ["tier"])
    assert issues(caught.value) == [("labels", "4 of 4 positive", "both outcomes present")]
    with pytest.raises(ValidationError) as caught:
        cls.fit(LEADS, [0, False, 0, 0], ["tier"])
    assert issues(caught.value) == [("labels", "0 of 4 positive", "both outcomes present")]


def test_labels_may_be_bools_or_ones_and_zeros() -> None:
    as_ints = NaiveBayesScorer.fit(LEADS, [1, 0, 1, 0], ["tier"])
    assert NaiveBayesScorer.fit(LEADS, [True, False, True, False], ["tier"]) == as_ints
    assert (as_ints.positives, as_ints.negatives) == (2, 2)


@pytest.mark.parametrize(("cls", "name"), [(NaiveBayesScorer, "alpha"), (LogisticScorer, "l2")])
def test_bad_fit_arguments_are_named(cls: type, name: str) -> None:
    for bins, strength in ((1, 0), (2.0, -1.0), (True, math.inf), (0, "1")):
        with pytest.raises(ValidationError) as caught:
            cls.fit(LEADS, LABELS, ["tier"], bins=bins, **{name: strength})
        assert caught.value.subject == "fit arguments"
        assert issues(caught.value) == [
            ("bins", bins, "an int of at least 2"),
            (name, strength, "a positive finite number"),
        ]
    assert cls.fit(LEADS, LABELS, ["tier"], bins=2, **{name: 1}).features[0].values == ("a", "b")


def test_bad_arguments_of_each_model_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        NaiveBayesScorer.fit(LEADS, LABELS, ["tier"], unseen="skip")
    assert caught.value.subject == "fit"
    assert issues(caught.value) == [("unseen", "skip", "'neutral' or 'smoothed'")]
    for max_iter in (0, 1.0):
        with pytest.raises(ValidationError) as caught:
            LogisticScorer.fit(LEADS, LABELS, ["tier"], max_iter=max_iter)
        assert caught.value.subject == "fit"
        assert issues(caught.value) == [("max_iter", max_iter, "a positive int")]
    for tol in (0, -1.0, math.inf, "0.1"):
        with pytest.raises(ValidationError) as caught:
            LogisticScorer.fit(LEADS, LABELS, ["tier"], tol=tol)
        assert caught.value.subject == "fit"
        assert issues(caught.value) == [("tol", tol, "a positive finite number")]
    assert LogisticScorer.fit(LEADS, LABELS, ["tier"], max_iter=1, tol=1).l2 == 1.0


@pytest.mark.parametrize("cls", MODELS)
def test_predicting_what_is_no_lead_is_named(cls: type) -> None:
    model = cls.fit(LEADS, LABELS, ["tier"])
    for method in (model.predict_proba, model.log_odds, model.explain):
        with pytest.raises(ValidationError) as caught:
            method({"tier": "a"})
        assert caught.value.subject == "prediction"
        assert issues(caught.value) == [("lead", {"tier": "a"}, "a Lead")]


def test_metric_input_is_named_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        roc_auc([0, 2, True], [0.1, "x", math.inf, 3])
    assert caught.value.subject == "metric input"
    assert issues(caught.value) == [
        ("scores", 4, "one score per label (3)"),
        ("labels[1]", 2, "True, False, 1 or 0"),
        ("scores[1]", "x", "a finite number"),
        ("scores[2]", math.inf, "a finite number"),
    ]
    with pytest.raises(ValidationError) as caught:
        brier_score([1, 0], [True, 0.5])
    assert issues(caught.value) == [("scores[0]", True, "a finite number")]
    with pytest.raises(ValidationError) as caught:
        lift([], [])
    assert caught.value.subject == "metric input"
    assert issues(caught.value) == [("labels", [], "at least one label")]


def test_metric_input_that_is_not_an_iterable_is_named() -> None:
    outcomes = "an iterable of outcomes (True, False, 1 or 0)"
    with pytest.raises(ValidationError) as caught:
        roc_auc(None, None)  # type: ignore[arg-type]
    assert caught.value.subject == "metric input"
    assert issues(caught.value) == [
        ("labels", None, outcomes),
        ("scores", None, "an iterable of numbers"),
    ]
    for metric in (brier_score, calibration_table, lift):
        with pytest.raises(ValidationError) as caught:
            metric([1, 0], None)  # type: ignore[operator]
        assert issues(caught.value) == [("scores", None, "an iterable of numbers")]
        with pytest.raises(ValidationError) as caught:
            metric(3, [0.5])  # type: ignore[operator]
        assert issues(caught.value) == [("labels", 3, outcomes)]


def test_each_metric_names_what_it_cannot_judge() -> None:
    with pytest.raises(ValidationError) as caught:
        roc_auc([1, 1], [0.2, 0.3])
    assert caught.value.subject == "roc_auc"
    assert issues(caught.value) == [("labels", "2 of 2 positive", "both outcomes present")]
    with pytest.raises(ValidationError) as caught:
        roc_auc([0, False], [0.2, 0.3])
    assert issues(caught.value) == [("labels", "0 of 2 positive", "both outcomes present")]
    with pytest.raises(ValidationError) as caught:
        brier_score([1, 0, 1], [1.5, 0.5, -0.1])
    assert caught.value.subject == "brier_score"
    assert issues(caught.value) == [
        ("scores[0]", 1.5, "a probability in [0, 1]"),
        ("scores[2]", -0.1, "a probability in [0, 1]"),
    ]
    with pytest.raises(ValidationError) as caught:
        lift([0, 0], [0.1, 0.2])
    assert caught.value.subject == "lift"
    assert issues(caught.value) == [("labels", "no positive", "at least one converted lead")]
    for top in (0, 1.5, "0.5", None):
        with pytest.raises(ValidationError) as caught:
            lift([0, 1], [0.1, 0.2], top=top)
        assert caught.value.subject == "lift"
        assert issues(caught.value) == [("top", top, "a fraction in (0, 1]")]
    for bins in (0, 2.0):
        with pytest.raises(ValidationError) as caught:
            calibration_table([0, 1], [0.1, 0.2], bins=bins)
        assert caught.value.subject == "calibration_table"
        assert issues(caught.value) == [("bins", bins, "a positive int")]


# --- encoding -----------------------------------------------------------------------------


def test_edges_and_stored_tables_take_numbers_only() -> None:
    with pytest.raises(ValidationError) as caught:
        Feature(name="v", numeric=True, edges=(True, 2))
    assert issues(caught.value) == [("edges", (True, 2.0), "a tuple of finite floats")]
    one = (Feature(name="tier", values=("a",)),)
    for row in ((0.0, math.inf), (0.0, "x")):
        with pytest.raises(ValidationError) as caught:
            LogisticScorer(features=one, intercept=0.0, weights=(row,))
        assert issues(caught.value) == [("weights", (row,), "a tuple of tuples of finite floats")]
    for row in ((2, -1), (1, 0.5)):
        with pytest.raises(ValidationError) as caught:
            NaiveBayesScorer(
                features=one, positive_counts=(row,), negative_counts=((1, 0),),
                positives=1, negatives=1,
            )  # fmt: skip
        assert issues(caught.value) == [
            ("positive_counts", (row,), "a tuple of tuples of non-negative ints")
        ]


def test_a_bool_is_compared_as_true_or_false_and_any_other_value_is_unseen() -> None:
    feature = Feature(name="flag", values=("false", "true"))
    assert [feature.level(v) for v in (False, True, None, ["true"], 0)] == [0, 1, 2, 3, 3]


def test_a_budget_of_one_unit_is_a_budget() -> None:
    assert feature_value(lead(1, Bant(budget=Money(1, "EUR"))), "lead.bant.budget") is True


def test_a_numeric_feature_has_no_edge_at_its_minimum() -> None:
    leads = [lead(i, visits=v) for i, v in enumerate([0, 0, 0, 0, 0, 0, 1, 2, 3, 4])]
    model = NaiveBayesScorer.fit(leads, [i % 2 for i in range(10)], ["visits"], bins=5)
    assert model.features[0].edges == (1.0, 3.0)


def test_float_attributes_make_a_numeric_feature_of_ten_bins_by_default() -> None:
    # (the logistic model's default averages fits over several counts, ten among them)
    leads = [lead(i, share=i / 4) for i in range(100)]
    labels = [i % 3 == 0 for i in range(100)]
    for fit in (NaiveBayesScorer.fit, functools.partial(LogisticScorer.fit, bins=10)):
        (feature,) = fit(leads, labels, ["share"]).features
        assert feature.numeric
        assert feature.edges == tuple(i * 2.5 for i in range(1, 10))


def test_a_lead_field_feature_reads_the_lead_when_predicting() -> None:
    leads = [
        Lead(id=f"L{i}", name="x", created_at=T0, source=("referral", "website")[i % 2])
        for i in range(6)
    ]
    model = NaiveBayesScorer.fit(leads, [1, 0, 1, 0, 1, 1], ["lead.source"], calibrate=False)
    (effect,) = model.explain(leads[0]).effects
    assert (effect.feature, effect.value, effect.level) == ("lead.source", "referral", "'referral'")
    assert effect.log_odds == pytest.approx(math.log(((3 + 1) / (4 + 2)) / ((0 + 1) / (2 + 2))))


@pytest.mark.parametrize("cls", MODELS)
def test_the_probability_is_the_sigmoid_of_the_log_odds(cls: type) -> None:
    model = cls.fit(LEADS, LABELS, ["tier"])
    for x in LEADS:
        z = model.log_odds(x)
        assert model.predict_proba(x) == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)
    assert [_sigmoid(z) for z in (-1.0, 0.0, 1.0)] == pytest.approx(
        [1 / (1 + math.e), 0.5, 1 / (1 + 1 / math.e)], rel=1e-12
    )


# --- fitting finds the optimum --------------------------------------------------------------


def noisy(n: int = 60, seed: int = 3) -> tuple[list[Lead], list[int]]:
    rnd = random.Random(seed)
    leads, labels = [], []
    for i in range(n):
        tier, visits = rnd.choice(["a", "b", "c", None]), rnd.randint(0, 9)
        odds = -0.5 + (1.0 if tier == "a" else 0) + 0.2 * visits
        labels.append(int(rnd.random() < 1 / (1 + math.exp(-odds))))
        leads.append(lead(i, tier=tier, visits=visits))
    return leads, labels


def optimal(intercept: float, weights: list[float], columns: list[list[float]], ys: list[int]):
    """The gradient of the penalised log loss by the intercept and each free weight
    (a weight held at 0 may have a positive one)."""
    residuals = [
        _sigmoid(intercept + sum(w * c[i] for w, c in zip(weights, columns, strict=True))) - y
        for i, y in enumerate(ys)
    ]
    by_weight = [
        sum(r * x for r, x in zip(residuals, c, strict=True)) + (w - 1.0)
        for w, c in zip(weights, columns, strict=True)
    ]
    return sum(residuals), by_weight


@pytest.mark.parametrize(
    ("z", "ys"),
    [
        ([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0], [0, 1, 0, 0, 1, 1]),  # a weak score: flattened
        ([-0.5, 0.0, 0.5, 1.0], [0, 1, 0, 1]),  # a narrow one: stretched
    ],
)
def test_platt_scaling_minimises_the_log_loss_pulled_towards_a_slope_of_1(
    z: list[float], ys: list[int]
) -> None:
    a, b = _platt(z, ys)
    by_shift, (by_scale,) = optimal(b, [a], [z], ys)
    # Fitted until no gradient exceeds 1e-5 per lead.
    tolerance = 1e-5 * len(ys)
    assert (by_shift, by_scale) == (pytest.approx(0, abs=tolerance),) * 2
    assert a != 1.0
    assert (0 < a < 1) is (len(z) == 6)


def test_feature_weights_minimise_the_log_loss_with_none_below_0() -> None:
    rnd = random.Random(5)
    columns = [[rnd.gauss(0, 1) for _ in range(80)] for _ in range(3)]
    ys = [int(rnd.random() < _sigmoid(c0 - 0.5 * c1)) for c0, c1, _ in zip(*columns, strict=True)]
    intercept, weights = _fit_weights(columns, ys)
    by_intercept, by_weight = optimal(intercept, weights, columns, ys)
    tolerance = 1e-5 * len(ys)
    assert by_intercept == pytest.approx(0, abs=tolerance)
    assert weights[0] > 0.5
    assert weights[1] == 0.0  # it would be negative: held at 0, its gradient points up
    assert by_weight[1] > 0
    assert [by_weight[0], by_weight[2]] == [pytest.approx(0, abs=tolerance)] * 2


def test_naive_bayes_weighs_each_feature_by_default() -> None:
    leads, labels = noisy()
    names = ["tier", "visits"]
    plain = NaiveBayesScorer.fit(leads, labels, names, calibrate=False)
    model = NaiveBayesScorer.fit(leads, labels, names)
    assert model == NaiveBayesScorer.fit(leads, labels, names, calibrate="features")
    assert (model.positive_counts, model.scale) == (plain.positive_counts, 1.0)
    # Its evidence: each feature's effect in the plain model, lead by lead.
    effects = [{e.feature: e.log_odds for e in plain.explain(x).effects} for x in leads]
    columns = [[row[name] for row in effects] for name in names]
    intercept, weights = _fit_weights(columns, labels)
    assert model.weights == pytest.approx(tuple(weights), rel=1e-9)
    assert model.explain(leads[0]).base_log_odds == pytest.approx(intercept, rel=1e-9)


def test_naive_bayes_calibrated_by_platt_scales_its_own_log_odds() -> None:
    leads, labels = noisy()
    raw = NaiveBayesScorer.fit(leads, labels, ["tier", "visits"], calibrate=False)
    model = NaiveBayesScorer.fit(leads, labels, ["tier", "visits"], calibrate="platt")
    a, b = _platt([raw.log_odds(x) for x in leads], labels)
    assert (model.scale, model.shift) == (pytest.approx(a, rel=1e-9), pytest.approx(b, abs=1e-9))
    assert model.scale != 1.0
    assert model.weights == ()


@pytest.mark.parametrize("l2", [None, 2.5])
def test_logistic_regression_minimises_the_penalised_log_loss(l2: float | None) -> None:
    # At the optimum of sum(log loss) + l2 / 2 * |w|^2 (the intercept unpenalised), the
    # residuals r = p - y add up to 0, and each level's weight is -(its residuals) / l2;
    # centring subtracts the feature's mean weight over the training leads.
    leads, labels = noisy()
    names = ["tier", "visits"]
    if l2 is None:
        model, l2 = LogisticScorer.fit(leads, labels, names, bins=4, tol=1e-8), 1.0
    else:
        model = LogisticScorer.fit(leads, labels, names, bins=4, tol=1e-8, l2=l2)
    assert model.l2 == l2
    residuals = [model.predict_proba(x) - y for x, y in zip(leads, labels, strict=True)]
    assert sum(residuals) == pytest.approx(0, abs=1e-5)
    n = len(leads)
    for feature, weights in zip(model.features, model.weights, strict=True):
        sums, counts = [0.0] * (feature.size + 1), [0] * (feature.size + 1)
        for x, r in zip(leads, residuals, strict=True):
            level = feature.level(feature_value(x, feature.name))
            sums[level] += r
            counts[level] += 1
        mean = sum(c * s for c, s in zip(counts, sums, strict=True)) / n
        expected = [-(s - mean) / l2 if c else 0.0 for s, c in zip(sums, counts, strict=True)]
        assert weights == pytest.approx(expected, abs=1e-5)
    assert model.weights[1][-1] == 0.0  # visits never missing: no evidence


def test_a_logistic_fit_already_within_its_tolerance_starts_and_stays_at_zero() -> None:
    # At zero weights the largest gradient is 1 (tier a: two residuals of -0.5), and the
    # fit stops when none exceeds tol times the 4 leads.
    model = LogisticScorer.fit(LEADS, LABELS, ["tier"], tol=0.25)
    assert (model.intercept, model.weights) == (0.0, ((0.0, 0.0, 0.0),))
    model = LogisticScorer.fit(LEADS, LABELS, ["tier"], tol=0.2)
    assert model.weights[0][0] > 0 > model.weights[0][1]


# --- metrics at their limits -----------------------------------------------------------------


def test_the_brier_score_is_rounded_to_15_decimals() -> None:
    assert brier_score([1, 0, 0], [0.9, 0.3, 0.25]) == 0.054166666666667


def test_a_calibration_table_has_ten_bins_by_default_and_may_have_one() -> None:
    scores = [i / 20 for i in range(20)]
    labels = [i % 2 for i in range(20)]
    assert [b.count for b in calibration_table(labels, scores)] == [2] * 10
    (only,) = calibration_table(labels, scores, bins=1)
    assert (only.lower, only.upper, only.count, only.positives) == (0.0, 0.95, 20, 10)


def test_a_calibration_bin_grows_over_its_ties_only() -> None:
    table = calibration_table([0, 1, 0, 1, 1, 0], [0.1, 0.5, 0.5, 0.7, 0.8, 0.9], bins=3)
    assert [(b.lower, b.upper, b.count, b.positives) for b in table] == [
        (0.1, 0.5, 3, 1),
        (0.7, 0.7, 1, 1),
        (0.8, 0.9, 2, 1),
    ]
    table = calibration_table([0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], bins=2)
    assert [(b.lower, b.upper, b.mean_predicted, b.observed) for b in table] == [
        (0.1, 0.3, pytest.approx(0.2), pytest.approx(1 / 3)),
        (0.4, 0.6, pytest.approx(0.5), pytest.approx(2 / 3)),
    ]


def test_lift_takes_the_top_tenth_by_default_and_at_least_one_lead() -> None:
    labels = [1] + [0] * 9
    scores = [float(9 - i) for i in range(10)]
    assert lift(labels, scores) == 10.0
    assert lift(labels, scores, top=0.01) == 10.0
    assert lift(labels, scores, top=1) == 1.0


def test_a_small_logistic_fit_stops_on_its_tolerance_within_20_iterations() -> None:
    # L-BFGS with the diagonal scaling needs 17 here; a broken update or scaling needs
    # several times more (the reason the scaling is there).
    leads, labels = noisy()
    names = ["tier", "visits"]
    quick = LogisticScorer.fit(leads, labels, names, bins=4, tol=1e-8, max_iter=20)
    assert quick == LogisticScorer.fit(leads, labels, names, bins=4, tol=1e-8)


@pytest.mark.parametrize("model", [NaiveBayesScorer, LogisticScorer])
def test_fitting_on_no_leads_is_a_validation_error(model) -> None:
    with pytest.raises(ValidationError) as caught:
        model.fit([], [])
    assert caught.value.field == "labels"
    assert "both outcomes present" in str(caught.value)
