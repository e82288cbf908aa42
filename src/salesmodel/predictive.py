"""Predictive lead scoring: models fitted on past leads and their outcomes.

Two models, pure Python, with one interface:

- :class:`NaiveBayesScorer`: won/lost frequency tables per feature value, done
  properly (Lidstone smoothing in numerators *and* denominators, missing values as a
  known state, values never seen in training handled explicitly, no prior carried
  from one fit to the next), each feature's evidence weighed on the training
  outcomes so that features which repeat one another are not counted twice.
- :class:`LogisticScorer`: L2-regularised logistic regression over the same
  encoding, plus weights for a few pairs of features that it chooses on the
  training leads, fitted by L-BFGS.

Both encode a lead the same way (:class:`Feature`): each feature is a lead
attribute (or one of a few lead fields, see :data:`LEAD_FIELDS`), categorical or
numeric; numeric features are cut into bins at quantile edges found when fitting
and kept in the model. Both are additive in log-odds, so a prediction is a base
plus one effect per feature (and, for the logistic model, one per pair of
features), and :meth:`~NaiveBayesScorer.explain` lists those effects, strongest
first.

Both are checked attrs records: :func:`salesmodel.to_dict` and
:func:`salesmodel.from_dict` store and load them exactly (counts are ints, weights
are floats written by their shortest repr), so ``fit → to_dict → from_dict →
predict`` gives the identical probability.

The metrics :func:`roc_auc`, :func:`brier_score`, :func:`calibration_table` and
:func:`lift` judge any scores against outcomes.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, cast

import attrs

from . import _rules as r
from ._checks import (
    Record,
    Rule,
    checked,
    collection_argument,
    cross,
    is_collection,
    meta,
    replacer,
)
from .attributes import AttributeValue
from .entities import Lead
from .errors import Issue, ValidationError

__all__ = [
    "DEFAULT_LOGISTIC_BINS",
    "DEFAULT_PAIRS",
    "DEFAULT_PAIR_L2",
    "LEAD_FIELDS",
    "CalibrationBin",
    "Explanation",
    "Feature",
    "FeatureEffect",
    "LogisticScorer",
    "NaiveBayesScorer",
    "brier_score",
    "calibration_table",
    "lift",
    "roc_auc",
]

#: The lead fields a feature may name (with the ``lead.`` prefix); any other
#: feature name is an attribute key. ``lead.bant.budget`` is True when the budget
#: is True or a positive amount, False when it is False or zero.
LEAD_FIELDS: Final = (
    "lead.source",
    "lead.purchase_timeframe_days",
    "lead.bant.budget",
    "lead.bant.authority",
    "lead.bant.need",
    "lead.bant.timescale_days",
)

#: How the explanation names the level of a missing value.
MISSING_LABEL: Final = "(missing)"
#: How the explanation names a value the model never saw in training.
UNSEEN_LABEL: Final = "(unseen)"

# --- rules -------------------------------------------------------------------------

_FLOAT: Final = Rule(
    "type({v}) is float and _isfinite({v})",
    "a finite float",
    {"_isfinite": math.isfinite},
    normalize=lambda v: float(v) if type(v) is int else v,
)
_POSITIVE_FLOAT: Final = Rule(
    "type({v}) is float and _isfinite({v}) and {v} > 0",
    "a positive finite float",
    {"_isfinite": math.isfinite},
    normalize=lambda v: float(v) if type(v) is int else v,
)
_PROBABILITY_FLOAT: Final = Rule(
    "type({v}) is float and 0.0 <= {v} <= 1.0",
    "a probability between 0.0 and 1.0",
    normalize=lambda v: float(v) if type(v) is int else v,
)


def _finite_floats(items: tuple[Any, ...]) -> bool:
    return all(type(x) is float and math.isfinite(x) for x in items)


def _as_floats(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(float(x) if type(x) is int else x for x in value)
    return value


_FLOATS: Final = Rule(
    "type({v}) is tuple and _finite_floats({v})",
    "a tuple of finite floats",
    {"_finite_floats": _finite_floats},
    normalize=_as_floats,
)


def _float_rows_ok(rows: tuple[Any, ...]) -> bool:
    return all(type(row) is tuple and _finite_floats(row) for row in rows)


_FLOAT_ROWS: Final = Rule(
    "type({v}) is tuple and _float_rows_ok({v})",
    "a tuple of tuples of finite floats",
    {"_float_rows_ok": _float_rows_ok},
    normalize=lambda v: tuple(_as_floats(x) for x in v) if isinstance(v, (list, tuple)) else v,
)


def _count_rows_ok(rows: tuple[Any, ...]) -> bool:
    return all(type(row) is tuple and all(type(x) is int and x >= 0 for x in row) for row in rows)


_COUNT_ROWS: Final = Rule(
    "type({v}) is tuple and _count_rows_ok({v})",
    "a tuple of tuples of non-negative ints",
    {"_count_rows_ok": _count_rows_ok},
    normalize=lambda v: tuple(tuple(x) for x in v) if isinstance(v, (list, tuple)) else v,
)
_UNSEEN_POLICIES: Final = ("neutral", "smoothed")
_UNSEEN: Final = Rule(
    "{v} in _UNSEEN_POLICIES",
    "'neutral' or 'smoothed'",
    {"_UNSEEN_POLICIES": frozenset(_UNSEEN_POLICIES)},
)


def _unique_texts(items: tuple[Any, ...]) -> bool:
    return len(set(items)) == len(items)


_LEVELS: Final = Rule(
    f"({r.TEXTS.test}) and _unique_texts({{v}})",
    "a tuple of distinct non-empty str",
    {**r.TEXTS.names, "_unique_texts": _unique_texts},
    normalize=r.TEXTS.normalize,
)


# --- features ----------------------------------------------------------------------


@cross("numeric", "edges", "values")
def _kind_fits(
    numeric: bool, edges: tuple[float, ...], values: tuple[str, ...]
) -> list[Issue] | None:
    if numeric:
        if values:
            return [Issue("values", values, "() for a numeric feature")]
        if any(b <= a for a, b in itertools.pairwise(edges)):
            return [Issue("edges", edges, "strictly increasing bin edges")]
    elif edges:
        return [Issue("edges", edges, "() for a categorical feature")]
    return None


@cross("name")
def _known_field(name: str) -> list[Issue] | None:
    if name.startswith("lead.") and name not in LEAD_FIELDS:
        return [Issue("name", name, f"an attribute key or one of {', '.join(LEAD_FIELDS)}")]
    return None


@checked(_kind_fits, _known_field)
@attrs.frozen(kw_only=True)
class Feature(Record):
    """How one input of a lead is encoded: its name and its levels.

    A value falls in exactly one level: a known value (categorical) or a bin
    (numeric), the missing level (None, an absent key, a blank str), or the unseen
    level (any other value: a category not met in training, a str in a numeric
    feature). Categorical values are compared by text: a str as itself, a bool as
    ``"true"``/``"false"``, a number by its repr.

    Attributes:
        name: An attribute key, or a lead field from :data:`LEAD_FIELDS`.
        numeric: Whether the feature is binned (``edges``) or categorical
            (``values``).
        edges: For a numeric feature, the inner bin edges, strictly increasing;
            bin ``i`` holds ``edges[i-1] <= x < edges[i]``.
        values: For a categorical feature, the known values (their text).

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(metadata=meta(r.TEXT))
    numeric: bool = attrs.field(default=False, metadata=meta(r.BOOL))
    edges: tuple[float, ...] = attrs.field(default=(), metadata=meta(_FLOATS))
    values: tuple[str, ...] = attrs.field(default=(), metadata=meta(_LEVELS))

    @property
    def size(self) -> int:
        """The number of known levels (bins or values), not counting missing and
        unseen."""
        return len(self.edges) + 1 if self.numeric else len(self.values)

    def level(self, value: AttributeValue) -> int:
        """The level of *value*: ``0 .. size-1`` for a known level, ``size`` for
        missing, ``size + 1`` for unseen."""
        return self._encode(value)

    @functools.cached_property
    def _encode(self) -> Callable[[Any], int]:
        return _encoder(self)

    def label(self, level: int) -> str:
        """A readable name for *level*, e.g. ``"'Unemployed'"`` or ``"[120, 300)"``."""
        size = self.size
        if level == size:
            return MISSING_LABEL
        if level > size or level < 0:
            return UNSEEN_LABEL
        if not self.numeric:
            return repr(self.values[level])
        low = f"{self.edges[level - 1]:g}" if level > 0 else None
        high = f"{self.edges[level]:g}" if level < len(self.edges) else None
        if low is None and high is None:
            return "any number"
        if low is None:
            return f"< {high}"
        if high is None:
            return f">= {low}"
        return f"[{low}, {high})"


def _text(value: Any) -> str | None:
    """The text a categorical feature compares, or None for a missing value."""
    kind = type(value)
    if kind is str:
        return None if value == "" or value.isspace() else value
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    return repr(value)


def _encoder(feature: Feature) -> Callable[[Any], int]:
    size = feature.size
    missing, unseen = size, size + 1
    if feature.numeric:
        edges = list(feature.edges)

        def numeric(value: Any) -> int:
            kind = type(value)
            if kind is float or kind is int:
                return bisect_right(edges, value)
            if value is None or (kind is str and (value == "" or value.isspace())):
                return missing
            return unseen

        return numeric
    index = {v: i for i, v in enumerate(feature.values)}

    def categorical(value: Any) -> int:
        text = value if type(value) is str and value in index else _text(value)
        if text is None:
            return missing
        return index.get(text, unseen)

    return categorical


def _budget(lead: Lead) -> bool | None:
    budget = lead.bant.budget
    if budget is None or type(budget) is bool:
        return budget
    return budget.amount > 0


_FIELD_GETTERS: Final[dict[str, Callable[[Lead], Any]]] = {
    "lead.source": lambda lead: str(lead.source),
    "lead.purchase_timeframe_days": lambda lead: lead.purchase_timeframe_days,
    "lead.bant.budget": _budget,
    "lead.bant.authority": lambda lead: lead.bant.authority,
    "lead.bant.need": lambda lead: lead.bant.need,
    "lead.bant.timescale_days": lambda lead: lead.bant.timescale_days,
}


def feature_value(lead: Lead, name: str) -> AttributeValue:
    """The raw value of feature *name* for *lead* (None when missing).

    .. versionadded:: 0.1.0
    """
    getter = _FIELD_GETTERS.get(name)
    value: AttributeValue = lead.attributes.get(name) if getter is None else getter(lead)
    return value


def _design(
    leads: Sequence[Lead],
    features: Iterable[str] | None,
    bins: int,
    categorical: Iterable[str],
) -> tuple[tuple[Feature, ...], list[list[int]]]:
    """The features (their levels found from *leads*) and each lead's levels."""
    bad = [Issue(f"leads[{i}]", x, "a Lead") for i, x in enumerate(leads) if type(x) is not Lead]
    if bad:
        raise ValidationError(bad, "fit")
    if features is None:
        keys = sorted({key for lead in leads for key in lead.attributes})
        names = ("lead.source", *keys)
    else:
        expected = "None or an iterable of feature names"
        collection_argument(features, "features", expected, "fit")
        names = tuple(features)
    issues = [
        Issue(f"features[{i}]", name, f"an attribute key or one of {', '.join(LEAD_FIELDS)}")
        for i, name in enumerate(names)
        if type(name) is not str
        or not name.strip()
        or (name.startswith("lead.") and name not in LEAD_FIELDS)
    ]
    if len(set(names)) != len(names):
        issues.append(Issue("features", names, "distinct feature names"))
    if issues:
        raise ValidationError(issues, "features")
    collection_argument(categorical, "categorical", "an iterable of feature names", "fit")
    forced = frozenset(categorical)
    built: list[Feature] = []
    columns: list[list[int]] = []
    for name in names:
        raw = [feature_value(lead, name) for lead in leads]
        present = [v for v in raw if _text(v) is not None]
        numeric = (
            name not in forced
            and bool(present)
            and all(type(v) is int or type(v) is float for v in present)
        )
        if numeric:
            feature = Feature(name=name, numeric=True, edges=_quantile_edges(present, bins))
        else:
            texts = sorted({t for t in map(_text, present) if t is not None})
            feature = Feature(name=name, values=tuple(texts))
        encode = _encoder(feature)
        built.append(feature)
        columns.append([encode(v) for v in raw])
    return tuple(built), columns


def _quantile_edges(values: list[Any], bins: int) -> tuple[float, ...]:
    """Inner edges at the quantiles ``i / bins``: each the first value of its bin,
    so a bin ``[edges[i-1], edges[i])`` holds about ``n / bins`` values. Repeated
    edges merge and none is the minimum, so no bin is empty."""
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    low = ordered[0]
    cuts = {ordered[(i * n) // bins] for i in range(1, bins)}
    return tuple(sorted(c for c in cuts if c > low))


def _leads(leads: Iterable[Any]) -> list[Any]:
    collection_argument(leads, "leads", "an iterable of Lead records", "fit")
    return list(leads)


def _labels(labels: Iterable[Any], count: int) -> list[int]:
    collection_argument(labels, "labels", "an iterable of outcomes (True, False, 1 or 0)", "labels")
    out: list[int] = []
    issues: list[Issue] = []
    for i, label in enumerate(labels):
        if label is True or label is False or (type(label) is int and label in (0, 1)):
            out.append(int(label))
        else:
            issues.append(Issue(f"labels[{i}]", label, "True, False, 1 or 0"))
    if len(out) + len(issues) != count:
        issues.append(Issue("labels", len(out) + len(issues), f"one label per lead ({count})"))
    elif not issues and sum(out) in (0, len(out)):  # no leads, or one outcome alone
        issues.append(Issue("labels", f"{sum(out)} of {count} positive", "both outcomes present"))
    if issues:
        raise ValidationError(issues, "labels")
    return out


def _check_fit_args(bins: int, name: str, strength: float) -> None:
    issues = []
    if type(bins) is not int or bins < 2:
        issues.append(Issue("bins", bins, "an int of at least 2"))
    if type(strength) not in (int, float) or not math.isfinite(strength) or strength <= 0:
        issues.append(Issue(name, strength, "a positive finite number"))
    if issues:
        raise ValidationError(issues, "fit arguments")


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# --- explanations -------------------------------------------------------------------


@checked()
@attrs.frozen(kw_only=True)
class FeatureEffect(Record):
    """What one feature, or one pair of features, adds to a lead's log-odds of
    converting.

    Attributes:
        feature: The feature's name.
        value: The lead's raw value (None when missing); for a pair of
            features, the pair of values.
        level: The level it fell in, e.g. ``"'Unemployed'"``, ``"[120, 300)"``,
            ``"(missing)"`` or ``"(unseen)"``; for a pair, both levels, e.g.
            ``"'API' & 'Email Opened'"``.
        log_odds: The effect: positive raises the odds, 0 is no evidence.

    .. versionadded:: 0.1.0
    """

    feature: str = attrs.field(metadata=meta(r.TEXT))
    value: AttributeValue | tuple[AttributeValue, AttributeValue] = attrs.field(
        metadata=meta(Rule("True", "any attribute value, or a pair of them"))
    )
    level: str = attrs.field(metadata=meta(r.TEXT))
    log_odds: float = attrs.field(metadata=meta(_FLOAT))


@checked()
@attrs.frozen(kw_only=True)
class Explanation(Record):
    """Why a model gives a lead its probability: ``sigmoid(base + sum of effects)``.

    Attributes:
        probability: The predicted probability of converting.
        base_log_odds: The log-odds before any feature (the prior, or the
            intercept for an average lead).
        effects: One per feature and one per pair of features (a logistic
            model's ``pairs``), strongest (largest absolute log-odds) first.

    .. versionadded:: 0.1.0
    """

    probability: float = attrs.field(metadata=meta(_PROBABILITY_FLOAT))
    base_log_odds: float = attrs.field(metadata=meta(_FLOAT))
    effects: tuple[FeatureEffect, ...] = attrs.field(
        metadata=meta(r.tuple_of(FeatureEffect, "FeatureEffect"))
    )


_new_effect: Final = replacer(FeatureEffect, ("feature", "value", "level", "log_odds"))
_new_explanation: Final = replacer(Explanation, ("probability", "base_log_odds", "effects"))


@attrs.frozen
class _Tables:
    """A fitted model, compiled for fast scoring: ``base`` plus, per feature, the
    effect of each level (known levels, then missing, then unseen), plus, per pair
    of features, the effect of each pair of their levels."""

    features: tuple[Feature, ...]
    base: float
    effects: tuple[tuple[float, ...], ...]
    plan: tuple[tuple[Callable[[Lead], Any], Callable[[Any], int], tuple[float, ...]], ...]
    #: Per pair: the two features' positions, the second's level count (with
    #: missing and unseen), and the effect of level ``(i, j)`` at ``i * stride + j``.
    pairs: tuple[tuple[int, int, int, tuple[float, ...]], ...] = ()

    @classmethod
    def build(
        cls,
        features: tuple[Feature, ...],
        base: float,
        effects: tuple[tuple[float, ...], ...],
        pairs: tuple[tuple[int, int, int, tuple[float, ...]], ...] = (),
    ) -> _Tables:
        plan = []
        for feature, row in zip(features, effects, strict=True):
            name = feature.name
            getter = _FIELD_GETTERS.get(name) or _attribute_getter(name)
            plan.append((getter, _encoder(feature), row))
        return cls(features, base, effects, tuple(plan), pairs)

    def log_odds(self, lead: Lead) -> float:
        z = self.base
        if not self.pairs:
            for get, encode, row in self.plan:
                z += row[encode(get(lead))]
            return z
        levels = []
        for get, encode, row in self.plan:
            level = encode(get(lead))
            levels.append(level)
            z += row[level]
        for a, b, stride, grid in self.pairs:
            z += grid[levels[a] * stride + levels[b]]
        return z

    def explain(self, lead: Lead) -> Explanation:
        found = []
        z = self.base
        values, levels = [], []
        for feature, (get, encode, row) in zip(self.features, self.plan, strict=True):
            value = get(lead)
            level = encode(value)
            values.append(value)
            levels.append(level)
            z += row[level]
            found.append(_new_effect(feature.name, value, feature.label(level), row[level]))
        for a, b, stride, grid in self.pairs:
            effect = grid[levels[a] * stride + levels[b]]
            z += effect
            first, second = self.features[a], self.features[b]
            found.append(
                _new_effect(
                    _pair_name(first.name, second.name),
                    (values[a], values[b]),
                    _pair_name(first.label(levels[a]), second.label(levels[b])),
                    effect,
                )
            )
        found.sort(key=lambda e: (-abs(e.log_odds), e.feature))
        explanation: Explanation = _new_explanation(_sigmoid(z), self.base, tuple(found))
        return explanation


def _pair_name(first: str, second: str) -> str:
    """How an explanation names a pair of features, or a pair of their levels:
    ``"Lead Origin & Last Activity"``."""
    return f"{first} & {second}"


def _attribute_getter(name: str) -> Callable[[Lead], Any]:
    def get(lead: Lead) -> Any:
        return lead.attributes.get(name)

    return get


class _Additive:
    """The scoring methods both models share (they are additive in log-odds)."""

    __slots__ = ()

    @property
    def _tables(self) -> _Tables:  # pragma: no cover - each model defines it
        raise NotImplementedError

    def log_odds(self, lead: Lead) -> float:
        """The model's log-odds that *lead* converts.

        Raises:
            ValidationError: for a *lead* that is not a :class:`~salesmodel.Lead`.

        .. versionadded:: 0.1.0
        """
        try:
            return self._tables.log_odds(lead)
        except AttributeError:
            raise _not_a_lead(lead) from None

    def predict_proba(self, lead: Lead) -> float:
        """The probability that *lead* converts, in [0, 1].

        Raises:
            ValidationError: for a *lead* that is not a :class:`~salesmodel.Lead`.

        .. versionadded:: 0.1.0
        """
        try:
            return _sigmoid(self._tables.log_odds(lead))
        except AttributeError:
            raise _not_a_lead(lead) from None

    def explain(self, lead: Lead) -> Explanation:
        """The probability of *lead*, and each feature's effect on its log-odds,
        strongest first.

        Raises:
            ValidationError: for a *lead* that is not a :class:`~salesmodel.Lead`.

        .. versionadded:: 0.1.0
        """
        if type(lead) is not Lead:
            raise _not_a_lead(lead)
        return self._tables.explain(lead)


def _not_a_lead(lead: object) -> ValidationError:
    return ValidationError.single("lead", lead, "a Lead", "prediction")


# --- naive Bayes ---------------------------------------------------------------------


@cross("features", "positive_counts", "negative_counts")
def _counts_fit_features(
    features: tuple[Feature, ...],
    positive_counts: tuple[tuple[int, ...], ...],
    negative_counts: tuple[tuple[int, ...], ...],
) -> list[Issue] | None:
    issues = []
    for name, table in (("positive_counts", positive_counts), ("negative_counts", negative_counts)):
        if len(table) != len(features):
            issues.append(Issue(name, len(table), f"one row per feature ({len(features)})"))
            continue
        for i, (feature, row) in enumerate(zip(features, table, strict=True)):
            if len(row) != feature.size + 1:
                expected = f"{feature.size + 1} counts (each level, then missing)"
                issues.append(Issue(f"{name}[{i}]", row, expected))
    return issues or None


@cross("positive_counts", "negative_counts", "positives", "negatives")
def _counts_add_up(
    positive_counts: tuple[tuple[int, ...], ...],
    negative_counts: tuple[tuple[int, ...], ...],
    positives: int,
    negatives: int,
) -> list[Issue] | None:
    issues = []
    for name, table, total in (
        ("positive_counts", positive_counts, positives),
        ("negative_counts", negative_counts, negatives),
    ):
        for i, row in enumerate(table):
            if sum(row) != total:
                issues.append(Issue(f"{name}[{i}]", row, f"counts adding up to {total}"))
    return issues or None


@cross("features", "weights")
def _one_weight_per_feature(
    features: tuple[Feature, ...], weights: tuple[float, ...]
) -> list[Issue] | None:
    if weights and len(weights) != len(features):
        expected = f"() or one weight per feature ({len(features)})"
        return [Issue("weights", weights, expected)]
    return None


_CALIBRATIONS: Final = ("features", "platt")
_NONNEG_FLOATS: Final = Rule(
    "type({v}) is tuple and _finite_floats({v}) and all(x >= 0.0 for x in {v})",
    "a tuple of finite floats, none negative",
    {"_finite_floats": _finite_floats},
    normalize=_as_floats,
)


@checked(_counts_fit_features, _counts_add_up, _one_weight_per_feature)
@attrs.frozen(kw_only=True)
class NaiveBayesScorer(_Additive, Record):
    """Naive Bayes over won/lost frequency tables, with the known defects of the
    field's implementations fixed.

    For a feature with ``K`` levels seen in training, the likelihood of a level
    in a class is ``(count + alpha) / (class total + alpha * K)``: smoothed in the
    numerator *and* the denominator, so the probabilities of a feature's levels
    add up to one. Missing values are a level of their own, counted like any
    other. A level with no training lead at all (a category never met, or missing
    when no training lead missed it) is *unseen*: by default (``unseen="neutral"``)
    it adds nothing and the explanation says so; ``unseen="smoothed"`` gives it the
    smoothed likelihood of a zero count instead (which leans towards the smaller
    class). The prior comes from this fit's labels only.

    Naive Bayes counts correlated features as if each were new evidence, so its
    raw probabilities are too sure of themselves and its ranking leans on
    whatever several features repeat. ``fit`` therefore calibrates by default
    (``calibrate=True``, or ``"features"``): it weighs each feature's evidence,
    fitting ``sigmoid(intercept + sum(weight * log-likelihood ratio))`` to the
    training outcomes, every weight at least 0 and pulled towards 1 (attribute-
    weighted naive Bayes). A feature whose evidence others already carry gets a
    small weight, one that tells the outcomes apart more than its count table
    suggests a larger one. ``calibrate="platt"`` fits one ``scale`` and
    ``shift`` for all features instead (Platt scaling: the ranking of plain
    naive Bayes, with honest probabilities), and ``calibrate=False`` keeps the
    plain model. The explanation's effects are the weighted ones.

    Build one with :meth:`fit`. The fields are the fitted model, stored exactly.

    Attributes:
        features: The encoding, one :class:`Feature` each.
        positive_counts: Per feature, the converted training leads in each level
            (known levels, then missing).
        negative_counts: The same for the leads that did not convert.
        positives: The converted training leads.
        negatives: The training leads that did not convert.
        alpha: The Lidstone smoothing (1.0 is Laplace).
        unseen: ``"neutral"`` or ``"smoothed"``, see above.
        scale: The calibration slope (1.0 when not calibrated).
        shift: The calibration intercept (0.0 when not calibrated).
        weights: Per feature, the weight of its evidence; ``()`` weighs every
            feature 1.

    .. versionadded:: 0.1.0
    """

    features: tuple[Feature, ...] = attrs.field(metadata=meta(r.tuple_of(Feature, "Feature")))
    positive_counts: tuple[tuple[int, ...], ...] = attrs.field(metadata=meta(_COUNT_ROWS))
    negative_counts: tuple[tuple[int, ...], ...] = attrs.field(metadata=meta(_COUNT_ROWS))
    positives: int = attrs.field(metadata=meta(r.NONNEG_INT))
    negatives: int = attrs.field(metadata=meta(r.NONNEG_INT))
    alpha: float = attrs.field(default=1.0, metadata=meta(_POSITIVE_FLOAT))
    unseen: str = attrs.field(default="neutral", metadata=meta(_UNSEEN))
    scale: float = attrs.field(default=1.0, metadata=meta(_FLOAT))
    shift: float = attrs.field(default=0.0, metadata=meta(_FLOAT))
    weights: tuple[float, ...] = attrs.field(default=(), metadata=meta(_NONNEG_FLOATS))

    @classmethod
    def fit(
        cls,
        leads: Iterable[Lead],
        labels: Iterable[bool | int],
        features: Iterable[str] | None = None,
        *,
        bins: int = 10,
        alpha: float = 1.0,
        unseen: str = "neutral",
        calibrate: bool | str = True,
        categorical: Iterable[str] = (),
    ) -> NaiveBayesScorer:
        """A model fitted on *leads* and whether each converted.

        Args:
            leads: The training leads.
            labels: One outcome per lead: True/1 converted, False/0 not.
            features: The feature names (attribute keys, or lead fields from
                :data:`LEAD_FIELDS`). None: ``lead.source`` and every attribute key
                the training leads have.
            bins: How many quantile bins a numeric feature is cut into (at most;
                repeated quantiles merge).
            alpha: The Lidstone smoothing, added to every count (1.0: Laplace).
            unseen: How a level without training leads counts: ``"neutral"``
                (no evidence) or ``"smoothed"``.
            calibrate: ``True`` or ``"features"``: weigh each feature's evidence
                on the training outcomes; ``"platt"``: one scale and shift
                for all (Platt scaling); ``False``: plain naive Bayes.
            categorical: Features to treat as categorical even when every value
                is a number.

        Returns:
            The fitted model, independent of any earlier fit.

        Raises:
            ValidationError: for labels that are not 0/1, a count that does not
                match the leads, a single outcome only, an unknown ``lead.``
                field, or bad arguments.

        .. versionadded:: 0.1.0
        """
        _check_fit_args(bins, "alpha", alpha)
        if unseen not in _UNSEEN_POLICIES:
            raise ValidationError.single("unseen", unseen, "'neutral' or 'smoothed'", "fit")
        if type(calibrate) is not bool and calibrate not in _CALIBRATIONS:
            expected = "True, False, 'features' or 'platt'"
            raise ValidationError.single("calibrate", calibrate, expected, "fit")
        rows = _leads(leads)
        ys = _labels(labels, len(rows))
        built, columns = _design(rows, features, bins, categorical)
        positive_counts, negative_counts = [], []
        for feature, column in zip(built, columns, strict=True):
            pos = [0] * (feature.size + 1)
            neg = [0] * (feature.size + 1)
            for level, y in zip(column, ys, strict=True):
                (pos if y else neg)[level] += 1
            positive_counts.append(tuple(pos))
            negative_counts.append(tuple(neg))
        positives = sum(ys)
        model = cls(
            features=built,
            positive_counts=tuple(positive_counts),
            negative_counts=tuple(negative_counts),
            positives=positives,
            negatives=len(ys) - positives,
            alpha=float(alpha),
            unseen=unseen,
        )
        if calibrate is False:
            return model
        tables = model._tables
        evidence = [
            [row[level] for level in column]
            for row, column in zip(tables.effects, columns, strict=True)
        ]
        if calibrate == "platt":
            raw = [tables.base + math.fsum(e[i] for e in evidence) for i in range(len(ys))]
            scale, shift = _platt(raw, ys)
            return attrs.evolve(model, scale=scale, shift=shift)
        intercept, weights = _fit_weights(evidence, ys)
        return attrs.evolve(model, shift=intercept - tables.base, weights=tuple(weights))

    @functools.cached_property
    def _tables(self) -> _Tables:
        a = self.alpha
        p_total, n_total = self.positives, self.negatives
        weights = self.weights or (1.0,) * len(self.features)
        effects = []
        for pos, neg, weight in zip(
            self.positive_counts, self.negative_counts, weights, strict=True
        ):
            k = sum(1 for p, n in zip(pos, neg, strict=True) if p or n)
            p_denominator = p_total + a * k
            n_denominator = n_total + a * k
            smoothed = math.log((a / p_denominator) / (a / n_denominator))
            row = []
            for p, n in zip(pos, neg, strict=True):
                if p or n:
                    row.append(math.log(((p + a) / p_denominator) / ((n + a) / n_denominator)))
                else:
                    row.append(smoothed if self.unseen == "smoothed" else 0.0)
            row.append(smoothed if self.unseen == "smoothed" else 0.0)  # unseen
            factor = self.scale * weight
            effects.append(tuple(factor * e for e in row))
        prior = math.log((p_total + a) / (n_total + a))
        base = self.scale * prior + self.shift
        return _Tables.build(self.features, base, tuple(effects))


def _platt(z: list[float], ys: list[int]) -> tuple[float, float]:
    """``(scale, shift)`` of ``sigmoid(scale * z + shift)`` fitted to *ys* (Platt
    scaling): :func:`_fit_weights` on the one column *z*, so the scale is never
    negative and stays finite even when *z* separates the outcomes."""
    shift, (scale,) = _fit_weights([z], ys)
    return scale, shift


# --- logistic regression --------------------------------------------------------------

#: How many pairs of features :meth:`LogisticScorer.fit` looks for by default.
DEFAULT_PAIRS: Final = 16
#: The default L2 penalty on the weights of a pair's crossed levels.
DEFAULT_PAIR_L2: Final = 6.0
#: The bin counts :meth:`LogisticScorer.fit` averages its fits over by default.
DEFAULT_LOGISTIC_BINS: Final = (6, 8, 10, 12, 14)
#: Inside a pair, a numeric feature counts in this many bins (its own joined)...
_PAIR_BINS: Final = 3
#: ...and a category fewer than this share of the training leads have joins the
#: other rare ones: a pair's crossed levels must each hold enough leads to learn from.
_PAIR_RARE: Final = 0.01


def _name_pairs_ok(items: tuple[Any, ...]) -> bool:
    return all(
        type(pair) is tuple and len(pair) == 2 and all(type(x) is str for x in pair)
        for pair in items
    )


def _as_pairs(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in value)
    return value


_NAME_PAIRS: Final = Rule(
    "type({v}) is tuple and _name_pairs_ok({v})",
    "a tuple of (feature name, feature name) pairs",
    {"_name_pairs_ok": _name_pairs_ok},
    normalize=_as_pairs,
)


def _pair_issues(pairs: Sequence[Any], names: Sequence[str], path: str) -> list[Issue]:
    """What is wrong with *pairs*: each must be two different names from *names*,
    and no pair may come twice (in either order)."""
    known = frozenset(names)
    issues = []
    seen: set[frozenset[str]] = set()
    for i, pair in enumerate(pairs):
        if not (
            type(pair) is tuple
            and len(pair) == 2
            and all(type(x) is str and x in known for x in pair)
            and pair[0] != pair[1]
        ):
            expected = f"two different feature names of the model ({', '.join(names)})"
            issues.append(Issue(f"{path}[{i}]", pair, expected))
        elif frozenset(pair) in seen:
            issues.append(Issue(f"{path}[{i}]", pair, "a pair not given before, in either order"))
        else:
            seen.add(frozenset(pair))
    return issues


@cross("features", "weights")
def _weights_fit_features(
    features: tuple[Feature, ...], weights: tuple[tuple[float, ...], ...]
) -> list[Issue] | None:
    if len(weights) != len(features):
        return [Issue("weights", len(weights), f"one row per feature ({len(features)})")]
    issues = [
        Issue(f"weights[{i}]", row, f"{feature.size + 1} weights (each level, then missing)")
        for i, (feature, row) in enumerate(zip(features, weights, strict=True))
        if len(row) != feature.size + 1
    ]
    return issues or None


@cross("features", "pairs", "pair_weights")
def _pairs_fit_features(
    features: tuple[Feature, ...],
    pairs: tuple[tuple[str, str], ...],
    pair_weights: tuple[tuple[float, ...], ...],
) -> list[Issue] | None:
    sizes = {feature.name: feature.size + 1 for feature in features}
    issues = _pair_issues(pairs, tuple(sizes), "pairs")
    if len(pair_weights) != len(pairs):
        issues.append(Issue("pair_weights", len(pair_weights), f"one row per pair ({len(pairs)})"))
    elif not issues:
        for i, ((a, b), row) in enumerate(zip(pairs, pair_weights, strict=True)):
            if len(row) != sizes[a] * sizes[b]:
                expected = (
                    f"{sizes[a] * sizes[b]} weights (each level of {a!r}, then missing,"
                    f" by each level of {b!r}, then missing)"
                )
                issues.append(Issue(f"pair_weights[{i}]", row, expected))
    return issues or None


@checked(_weights_fit_features, _pairs_fit_features)
@attrs.frozen(kw_only=True)
class LogisticScorer(_Additive, Record):
    """L2-regularised logistic regression over the same encoding as
    :class:`NaiveBayesScorer`, with weights for a few pairs of features, in pure
    Python.

    Each feature is one-hot encoded (its levels, then missing); so is each pair of
    features in ``pairs``, by its crossed levels (``'API' & 'Email Opened'``: one
    weight for each pair of a level of the first and a level of the second). Inside
    a pair, levels with few leads join others, so that each crossed level has leads
    to learn from: a numeric feature counts in three runs of its bins (about a third
    of the leads each), and the values of a categorical feature that fewer than 1 %
    of the training leads have share one level. The stored weights are still one per
    pair of the features' own levels; those that were joined carry the same weight.
    ``fit`` minimises the summed log loss plus half the squared weights times their
    penalty (``l2`` for a feature's, ``pair_l2`` for a pair's; the intercept is not
    penalised; ``l2=1`` is scikit-learn's ``C=1``) by L-BFGS. The weights are then
    centred per feature and per pair on the training leads, so the intercept is the
    log-odds of an average lead and each effect reads "compared with an average
    lead". A level no training lead had (unseen, or missing when none missed it) has
    weight 0: no evidence. A pair's weights say what the two features together add
    beyond each one's own effect, and an explanation shows each pair as one line.

    Build one with :meth:`fit`. The fields are the fitted model, stored exactly.

    Attributes:
        features: The encoding, one :class:`Feature` each.
        intercept: The log-odds of an average training lead.
        weights: Per feature, the centred weight of each level (known levels, then
            missing).
        l2: The penalty on the features' weights it was fitted with.
        pairs: The pairs of features (by name) weighed together, or ``()``.
        pair_weights: Per pair ``(a, b)``, the centred weight of each pair of
            levels, level ``(i, j)`` at ``i * (b's levels + 1) + j`` (each
            counting missing as its last level).
        pair_l2: The penalty on the pairs' weights it was fitted with.

    .. versionadded:: 0.1.0
    """

    features: tuple[Feature, ...] = attrs.field(metadata=meta(r.tuple_of(Feature, "Feature")))
    intercept: float = attrs.field(metadata=meta(_FLOAT))
    weights: tuple[tuple[float, ...], ...] = attrs.field(metadata=meta(_FLOAT_ROWS))
    l2: float = attrs.field(default=1.0, metadata=meta(_POSITIVE_FLOAT))
    pairs: tuple[tuple[str, str], ...] = attrs.field(default=(), metadata=meta(_NAME_PAIRS))
    pair_weights: tuple[tuple[float, ...], ...] = attrs.field(
        default=(), metadata=meta(_FLOAT_ROWS)
    )
    pair_l2: float = attrs.field(default=DEFAULT_PAIR_L2, metadata=meta(_POSITIVE_FLOAT))

    @classmethod
    def fit(
        cls,
        leads: Iterable[Lead],
        labels: Iterable[bool | int],
        features: Iterable[str] | None = None,
        *,
        bins: int | Sequence[int] = DEFAULT_LOGISTIC_BINS,
        l2: float = 1.0,
        pairs: int | Iterable[tuple[str, str]] = DEFAULT_PAIRS,
        pair_l2: float = DEFAULT_PAIR_L2,
        max_iter: int = 500,
        tol: float = 1e-4,
        categorical: Iterable[str] = (),
    ) -> LogisticScorer:
        """A model fitted on *leads* and whether each converted.

        With ``pairs`` a number (the default, :data:`DEFAULT_PAIRS`), ``fit``
        chooses the pairs of features itself, on the training leads only: it
        fits the model without pairs, then scores every pair of features by how
        much of what that model misses the pair's crossed levels hold (the score
        statistic for adding their weights: over the crossed levels, the squared
        sum of ``converted - predicted`` divided by the sum of
        ``predicted * (1 - predicted)`` plus ``pair_l2``), less the number of
        crossed levels the leads fill (what the statistic comes to by chance).
        The pairs that beat chance, at most ``pairs`` of them, strongest first,
        are weighed in a second fit. ``pairs=0`` fits no pairs: a model with one
        effect per feature. A pair's crossed levels, here and in the second fit,
        are those of its features' levels joined as described above.

        Args:
            leads: The training leads.
            labels: One outcome per lead: True/1 converted, False/0 not.
            features: The feature names, as for :meth:`NaiveBayesScorer.fit`.
            bins: How many quantile bins a numeric feature is cut into (at most),
                or several such counts (the default, :data:`DEFAULT_LOGISTIC_BINS`):
                then one model is fitted per count, each choosing its own pairs,
                and the returned model is their average, stored as one model: a
                numeric feature's levels are cut at every edge of the fits, and
                each level's and each pair of levels' weight is the mean of the
                fits' weights for it (0 for a pair a fit did not choose: the
                model holds the union of their pairs, which can be more than
                ``pairs``). Its log-odds are the mean of theirs, and it explains
                a lead line by line as any other. ``bins=10`` fits one model.
            l2: The L2 penalty on the features' weights (larger: simpler model).
            pairs: The most pairs of features to choose, or the pairs themselves
                as ``(name, name)`` tuples of features of this fit.
            pair_l2: The L2 penalty on the pairs' weights.
            max_iter: The most L-BFGS iterations (of each fit).
            tol: Stop when no weight's gradient exceeds ``tol`` times the number
                of leads.
            categorical: Features to treat as categorical even when numeric.

        Returns:
            The fitted model; the same data always gives the same model.

        Raises:
            ValidationError: as :meth:`NaiveBayesScorer.fit` does, and for
                ``pairs`` that are neither a number of at least 0 nor pairs of
                two different feature names of this fit, each pair once.

        .. versionadded:: 0.1.0
        """
        if isinstance(bins, (tuple, list)):
            counts = _bin_counts(bins)
            rows_in = _leads(leads)
            outcomes = _labels(labels, len(rows_in))
            if features is not None:
                expected = "None or an iterable of feature names"
                collection_argument(features, "features", expected, "fit")
                features = tuple(features)
            expected = "an iterable of feature names"
            collection_argument(categorical, "categorical", expected, "fit")
            categorical = tuple(categorical)
            if _pairs_wanted(pairs) is None:
                pairs = tuple(pairs)  # type: ignore[arg-type]
            if len(counts) > 1:
                fits = [
                    cls.fit(
                        rows_in,
                        outcomes,
                        features,
                        bins=count,
                        l2=l2,
                        pairs=pairs,
                        pair_l2=pair_l2,
                        max_iter=max_iter,
                        tol=tol,
                        categorical=categorical,
                    )
                    for count in counts
                ]
                return _averaged(fits)
            leads, labels, bins = rows_in, outcomes, counts[0]
        count = cast(int, bins)  # one count, or what _check_fit_args refuses
        _check_fit_args(count, "l2", l2)
        _check_fit_args(count, "pair_l2", pair_l2)
        if type(max_iter) is not int or max_iter < 1:
            raise ValidationError.single("max_iter", max_iter, "a positive int", "fit")
        if type(tol) not in (int, float) or not 0 < tol < math.inf:
            raise ValidationError.single("tol", tol, "a positive finite number", "fit")
        most = _pairs_wanted(pairs)
        rows_in = _leads(leads)
        ys = _labels(labels, len(rows_in))
        built, columns = _design(rows_in, features, count, categorical)
        names = [feature.name for feature in built]
        sizes = [feature.size + 1 for feature in built]
        if most is None:
            listed = _as_pairs(list(pairs))  # type: ignore[arg-type]
            issues = _pair_issues(listed, names, "pairs")
            if issues:
                raise ValidationError(issues, "pairs")
            chosen = [(names.index(a), names.index(b)) for a, b in listed]
        fit = functools.partial(_fit_logistic, ys=ys, max_iter=max_iter, tol=float(tol))
        blocks = [(size, column, float(l2)) for size, column in zip(sizes, columns, strict=True)]
        joined = [
            _pair_levels(feature, column, len(ys))
            for feature, column in zip(built, columns, strict=True)
        ]
        grouped = [
            (count, [group[level] for level in column])
            for (group, count), column in zip(joined, columns, strict=True)
        ]
        start = None
        if most is not None:
            start = fit(blocks)
            chosen = (
                _strongest_pairs(start, blocks, grouped, ys, float(pair_l2), most) if most else []
            )
        for a, b in chosen:
            stride = grouped[b][0]
            crossed = [i * stride + j for i, j in zip(grouped[a][1], grouped[b][1], strict=True)]
            blocks.append((grouped[a][0] * stride, crossed, float(pair_l2)))
        weights = start if start is not None and not chosen else fit(blocks, start=start)
        intercept, centred = _centred(weights, blocks)
        pair_weights = []
        for (a, b), row in zip(chosen, centred[len(built) :], strict=True):
            (first, _), (second, stride) = joined[a], joined[b]
            pair_weights.append(tuple(row[i * stride + j] for i in first for j in second))
        return cls(
            features=built,
            intercept=intercept,
            weights=tuple(centred[: len(built)]),
            l2=float(l2),
            pairs=tuple((names[a], names[b]) for a, b in chosen),
            pair_weights=tuple(pair_weights),
            pair_l2=float(pair_l2),
        )

    @functools.cached_property
    def _tables(self) -> _Tables:
        effects = tuple((*row, 0.0) for row in self.weights)  # unseen: no evidence
        position = {feature.name: i for i, feature in enumerate(self.features)}
        pairs = []
        for (a, b), row in zip(self.pairs, self.pair_weights, strict=True):
            i, j = position[a], position[b]
            fitted = self.features[j].size + 1
            stride = fitted + 1  # and unseen, with no evidence
            grid = [0.0] * ((self.features[i].size + 2) * stride)
            for k, weight in enumerate(row):
                grid[(k // fitted) * stride + k % fitted] = weight
            pairs.append((i, j, stride, tuple(grid)))
        return _Tables.build(self.features, self.intercept, effects, tuple(pairs))


#: A block of one-hot columns of a logistic fit: its width, each lead's column in
#: it, and the L2 penalty on its weights.
_Block = tuple[int, list[int], float]


def _pairs_wanted(pairs: Any) -> int | None:
    """How many pairs ``fit`` should choose, or None when *pairs* lists them."""
    if type(pairs) is int and pairs >= 0:
        return pairs
    if type(pairs) not in (bool, int, str, bytes):
        try:
            iter(pairs)
        except TypeError:
            pass
        else:
            return None
    expected = "a number of pairs to choose (an int of at least 0), or (name, name) pairs"
    raise ValidationError.single("pairs", pairs, expected, "fit")


def _bin_counts(bins: Any) -> tuple[int, ...]:
    """The bin counts of a ``bins`` given as several: a non-empty sequence of ints
    of at least 2."""
    counts = tuple(bins)
    if not counts or any(type(b) is not int or b < 2 for b in counts):
        expected = "an int of at least 2, or a non-empty sequence of them"
        raise ValidationError.single("bins", bins, expected, "fit arguments")
    return counts


def _known_value(feature: Feature, level: int) -> Any:
    """A value that falls in *feature*'s known *level*, or None (missing) for
    ``level == feature.size``."""
    if level == feature.size:
        return None
    if not feature.numeric:
        return feature.values[level]
    return -math.inf if level == 0 else feature.edges[level - 1]


def _averaged(fits: list[LogisticScorer]) -> LogisticScorer:
    """The model whose log-odds are the mean of *fits*' (fitted on the same leads
    and features, with different bins): each numeric feature cut at every fit's
    edges, each weight the mean of the fits' weights for its level or pair of
    levels (0 for a pair a fit did not choose). Centred weights average to
    centred weights, so the intercept is still that of an average lead."""
    first = fits[0]
    features = tuple(
        Feature(
            name=feature.name,
            numeric=True,
            edges=tuple(sorted({e for fit in fits for e in fit.features[k].edges})),
        )
        if feature.numeric
        else feature
        for k, feature in enumerate(first.features)
    )
    # levels[m][k][i]: fit m's level of feature k's level i (known, then missing)
    levels = [
        [
            [fit.features[k].level(_known_value(feature, i)) for i in range(feature.size + 1)]
            for k, feature in enumerate(features)
        ]
        for fit in fits
    ]
    share = 1.0 / len(fits)
    weights = tuple(
        tuple(
            math.fsum(fit.weights[k][own[k][i]] for fit, own in zip(fits, levels, strict=True))
            * share
            for i in range(feature.size + 1)
        )
        for k, feature in enumerate(features)
    )
    position = {feature.name: k for k, feature in enumerate(features)}
    pairs = tuple(dict.fromkeys(pair for fit in fits for pair in fit.pairs))
    pair_weights = []
    for pair in pairs:
        a, b = position[pair[0]], position[pair[1]]
        width = features[b].size + 1
        cells: list[list[float]] = [[] for _ in range((features[a].size + 1) * width)]
        for fit, own in zip(fits, levels, strict=True):
            if pair not in fit.pairs:
                continue
            row = fit.pair_weights[fit.pairs.index(pair)]
            stride = fit.features[b].size + 1
            for i, first_level in enumerate(own[a]):
                for j, second_level in enumerate(own[b]):
                    cells[i * width + j].append(row[first_level * stride + second_level])
        pair_weights.append(tuple(math.fsum(cell) * share for cell in cells))
    return type(first)(
        features=features,
        intercept=math.fsum(fit.intercept for fit in fits) * share,
        weights=weights,
        l2=first.l2,
        pairs=pairs,
        pair_weights=tuple(pair_weights),
        pair_l2=first.pair_l2,
    )


def _pair_levels(feature: Feature, column: list[int], n: int) -> tuple[list[int], int]:
    """The level inside a pair of each of *feature*'s levels (known, then missing),
    and how many there are: a numeric feature's bins joined into
    :data:`_PAIR_BINS` runs of about equal numbers of the training leads in
    *column*, a categorical feature's rare values joined into one level; missing
    stays a level of its own."""
    size = feature.size
    counts = [0] * (size + 1)
    for level in column:
        counts[level] += 1
    keys: Iterable[int]
    if feature.numeric:
        present = 2 * (n - counts[size])
        below = itertools.accumulate(counts[:size], initial=0)
        # a bin joins the run its middle lead falls in
        keys = (
            min((2 * low + count) * _PAIR_BINS // present, _PAIR_BINS - 1)
            for low, count in zip(below, counts[:size], strict=False)
        )
    else:
        keys = (i if count >= _PAIR_RARE * n else -1 for i, count in enumerate(counts[:size]))
    runs = list(keys)
    dense = {key: k for k, key in enumerate(dict.fromkeys(runs))}
    return [*(dense[key] for key in runs), len(dense)], len(dense) + 1


def _strongest_pairs(
    weights: list[float],
    blocks: list[_Block],
    grouped: list[tuple[int, list[int]]],
    ys: list[int],
    l2: float,
    most: int,
) -> list[tuple[int, int]]:
    """Up to *most* pairs of features whose crossed levels (of *grouped*: each
    feature's level count and each lead's level inside a pair) the fitted
    *weights* of *blocks* miss most, strongest first: those whose score statistic
    beats its count of crossed levels (see :meth:`LogisticScorer.fit`)."""
    offsets = list(itertools.accumulate((size for size, _, _ in blocks), initial=1))
    margins = [weights[0]] * len(ys)
    for offset, (_, column, _) in zip(offsets, blocks, strict=False):
        margins = [z + weights[offset + level] for z, level in zip(margins, column, strict=True)]
    predicted = [_sigmoid(z) for z in margins]
    residuals = [y - p for y, p in zip(ys, predicted, strict=True)]
    curvature = [p * (1.0 - p) for p in predicted]
    found = []
    for a, b in itertools.combinations(range(len(grouped)), 2):
        stride = grouped[b][0]
        sums = [0.0] * (grouped[a][0] * stride)
        weigh = [0.0] * len(sums)
        filled = [False] * len(sums)
        rows = zip(grouped[a][1], grouped[b][1], residuals, curvature, strict=True)
        for i, j, residual, h in rows:
            cell = i * stride + j
            sums[cell] += residual
            weigh[cell] += h
            filled[cell] = True
        statistic = sum(g * g / (h + l2) for g, h in zip(sums, weigh, strict=True))
        excess = statistic - sum(filled)
        if excess > 0:
            found.append((-excess, a, b))
    found.sort()
    return [(a, b) for _, a, b in found[:most]]


def _centred(weights: list[float], blocks: list[_Block]) -> tuple[float, list[tuple[float, ...]]]:
    """The intercept and each block's weights, centred on the training leads:
    each block's mean weight over the leads moves into the intercept, and a
    level no lead had gets 0."""
    intercept = weights[0]
    centred = []
    offset = 1
    for size, column, _ in blocks:
        counts = [0] * size
        for level in column:
            counts[level] += 1
        own = weights[offset : offset + size]
        mean = sum(c * w for c, w in zip(counts, own, strict=True)) / len(column)
        intercept += mean
        centred.append(tuple(w - mean if c else 0.0 for c, w in zip(counts, own, strict=True)))
        offset += size
    return intercept, centred


def _log_loss(margins: list[float], signs: list[float]) -> tuple[float, list[float]]:
    """The summed log loss of ``sigmoid(margin)`` against outcomes given as signs
    (+1 converted, -1 not), and its derivative by each margin (``p - y``)."""
    residuals = []
    loss = 0.0
    exp, log1p = math.exp, math.log1p
    for z, s in zip(margins, signs, strict=True):
        m = -s * z  # the margin's opposite: loss = log(1 + e^m)
        if m > 0:
            e = exp(-m)
            loss += m + log1p(e)
            q = 1.0 / (1.0 + e)  # sigmoid(m)
        else:
            e = exp(m)
            loss += log1p(e)
            q = e / (1.0 + e)
        # d loss / dz = sigmoid(z) - y = -s * sigmoid(m)
        residuals.append(-s * q)
    return loss, residuals


def _fit_logistic(
    blocks: list[_Block],
    ys: list[int],
    max_iter: int,
    tol: float,
    start: list[float] | None = None,
) -> list[float]:
    """Weights minimising the penalised log loss of the one-hot *blocks* (column
    0, the intercept, unpenalised), by L-BFGS with a backtracking line search,
    from *start* (its columns, then 0s for any more) or from 0."""
    offsets = list(itertools.accumulate((size for size, _, _ in blocks), initial=1))
    width = offsets[-1]
    # Without features zip(*columns) is empty: each lead is then a row of no
    # columns, and the fit is the intercept alone (the prior's log-odds).
    levels_by_lead = (
        zip(*(column for _, column, _ in blocks), strict=True) if blocks else [()] * len(ys)
    )
    rows = [
        tuple(offset + level for offset, level in zip(offsets, levels, strict=False))
        for levels in levels_by_lead
    ]
    penalty = [0.0] + [l2 for size, _, l2 in blocks for _ in range(size)]
    by_column: list[list[int]] = [[] for _ in range(width)]
    for i, row in enumerate(rows):
        for j in row:
            by_column[j].append(i)
    signs = [1.0 if y else -1.0 for y in ys]

    def loss_and_gradient(w: list[float]) -> tuple[float, list[float]]:
        get = w.__getitem__
        b = w[0]
        loss, residuals = _log_loss([b + sum(map(get, row)) for row in rows], signs)
        rget = residuals.__getitem__
        grad = [sum(residuals)]
        for j in range(1, width):
            grad.append(sum(map(rget, by_column[j])) + penalty[j] * w[j])
        loss += 0.5 * sum(p * x * x for p, x in zip(penalty, w, strict=True))
        return loss, grad

    # The Hessian's diagonal at the start (each weight's own curvature) scales the
    # first step of every iteration: one-hot columns differ in frequency by orders of
    # magnitude, and without it L-BFGS needs several times more iterations.
    scaling = [1.0 / (0.25 * len(rows))]
    scaling += [1.0 / (0.25 * len(by_column[j]) + penalty[j]) for j in range(1, width)]
    x = [0.0] * width if start is None else [*start, *[0.0] * (width - len(start))]
    return _lbfgs(loss_and_gradient, x, max_iter, tol * len(rows), scaling)


#: How strongly the weights of :func:`_fit_weights` are pulled towards 1.
_WEIGHT_RIDGE: Final = 1.0


def _fit_weights(columns: list[list[float]], ys: list[int]) -> tuple[float, list[float]]:
    """``(intercept, weights)`` of ``sigmoid(intercept + sum(w_j * column_j))``
    fitted to *ys*: the summed log loss plus ``_WEIGHT_RIDGE / 2`` times the
    squared distance of each weight from 1, every weight at least 0.

    Logistic regression on real-valued columns. The ridge keeps the fit finite
    when the columns separate the outcomes, and pulls a weight that the data say
    little about back to 1 (the column taken as it is). The bound keeps each
    column's direction: a weight of 0 drops a column. It is met by an active set:
    fit the free weights, hold those that came out negative at 0, release a held
    one whose loss would fall if it rose, refit."""
    signs = [1.0 if y else -1.0 for y in ys]
    intercept, weights = 0.0, [1.0] * len(columns)
    held: set[int] = set()
    for _round in range(len(columns) + 1):  # pragma: no branch - left by the break below
        free = [j for j in range(len(columns)) if j not in held]
        intercept, fitted = _fit_ridge(
            [columns[j] for j in free], signs, intercept, [weights[j] for j in free]
        )
        for j, wj in zip(free, fitted, strict=True):
            weights[j] = max(0.0, wj)
        negative = {j for j, wj in zip(free, fitted, strict=True) if wj < 0.0}
        if negative:
            held |= negative
            continue
        _, residuals = _log_loss(_margins(intercept, weights, columns, len(ys)), signs)
        wanting = {j for j in held if _dot(residuals, columns[j]) < _WEIGHT_RIDGE}
        if not wanting:
            break
        held -= wanting
    return intercept, weights


def _margins(
    intercept: float, weights: list[float], columns: list[list[float]], n: int
) -> list[float]:
    z = [intercept] * n
    for w, column in zip(weights, columns, strict=True):
        if w:
            z = [zi + w * xi for zi, xi in zip(z, column, strict=True)]
    return z


def _fit_ridge(
    columns: list[list[float]], signs: list[float], intercept: float, weights: list[float]
) -> tuple[float, list[float]]:
    """The unbounded fit of :func:`_fit_weights`, by L-BFGS from the given start."""
    n = len(signs)
    ridge = _WEIGHT_RIDGE

    def loss_and_gradient(x: list[float]) -> tuple[float, list[float]]:
        loss, residuals = _log_loss(_margins(x[0], x[1:], columns, n), signs)
        grad = [math.fsum(residuals)]
        for w, column in zip(x[1:], columns, strict=True):
            grad.append(_dot(residuals, column) + ridge * (w - 1.0))
        loss += 0.5 * ridge * math.fsum((w - 1.0) ** 2 for w in x[1:])
        return loss, grad

    scaling = [1.0 / (0.25 * n)]
    scaling += [1.0 / (0.25 * _dot(c, c) + ridge) for c in columns]
    # A mean gradient of 1e-5 per lead: far finer than the data can tell apart.
    fitted = _lbfgs(loss_and_gradient, [intercept, *weights], 200, 1e-5 * n, scaling)
    return fitted[0], fitted[1:]


def _dot(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):  # pragma: no cover - every caller pairs equal lengths
        raise ValueError("_dot of vectors of different lengths")
    return math.fsum(map(operator.mul, a, b))  # exact, whatever the order


def _lbfgs(
    fun: Callable[[list[float]], tuple[float, list[float]]],
    x: list[float],
    max_iter: int,
    gtol: float,
    scaling: list[float],
    memory: int = 10,
) -> list[float]:
    f, g = fun(x)
    history: list[tuple[list[float], list[float], float]] = []
    for _ in range(max_iter):
        if max(map(abs, g)) <= gtol:
            break
        q = list(g)
        alphas = []
        for s, y, rho in reversed(history):
            a = rho * _dot(s, q)
            alphas.append(a)
            q = [qi - a * yi for qi, yi in zip(q, y, strict=True)]
        if history:
            s, y, _rho = history[-1]
            gamma = _dot(s, y) / math.fsum(h * yi * yi for h, yi in zip(scaling, y, strict=True))
        else:
            gamma = 1.0
        d = [gamma * h * qi for h, qi in zip(scaling, q, strict=True)]
        for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
            beta = rho * _dot(y, d)
            d = [di + (a - beta) * si for di, si in zip(d, s, strict=True)]
        d = [-di for di in d]
        slope = _dot(g, d)
        if slope >= 0:  # not a descent direction: restart along the gradient
            history.clear()
            d = [-gi for gi in g]
            slope = -_dot(g, g)
        step = 1.0
        for _attempt in range(40):
            x_new = [xi + step * di for xi, di in zip(x, d, strict=True)]
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            break  # no progress possible at this precision
        s = [a - b for a, b in zip(x_new, x, strict=True)]
        y = [a - b for a, b in zip(g_new, g, strict=True)]
        sy = _dot(s, y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
            if len(history) > memory:
                history.pop(0)
        x, f, g = x_new, f_new, g_new
    return x


# --- metrics ---------------------------------------------------------------------------


def _pairs(labels: Iterable[Any], scores: Iterable[Any]) -> list[tuple[float, int]]:
    wrong = [
        Issue(name, value, f"an iterable of {what}")
        for name, value, what in (
            ("labels", labels, "outcomes (True, False, 1 or 0)"),
            ("scores", scores, "numbers"),
        )
        if not is_collection(value)
    ]
    if wrong:
        raise ValidationError(wrong, "metric input")
    ys = list(labels)
    ps = list(scores)
    issues = []
    if len(ys) != len(ps):
        issues.append(Issue("scores", len(ps), f"one score per label ({len(ys)})"))
    for i, y in enumerate(ys):
        if not (y is True or y is False or (type(y) is int and y in (0, 1))):
            issues.append(Issue(f"labels[{i}]", y, "True, False, 1 or 0"))
    for i, p in enumerate(ps):
        if type(p) is bool or not isinstance(p, (int, float)) or not math.isfinite(p):
            issues.append(Issue(f"scores[{i}]", p, "a finite number"))
    if not ys and not issues:
        issues.append(Issue("labels", ys, "at least one label"))
    if issues:
        raise ValidationError(issues, "metric input")
    return [(float(p), int(y)) for p, y in zip(ps, ys, strict=True)]


def roc_auc(labels: Iterable[bool | int], scores: Iterable[float]) -> float:
    """The area under the ROC curve: the chance that a random converted lead scores
    above a random other one, ties counting one half.

    One pass over the scores sorted once (the Mann-Whitney statistic with tied
    scores grouped), so it is exact with ties, as scikit-learn's is.

    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
    0.5

    Args:
        labels: The outcomes, 1/True converted.
        scores: Any scores, higher meaning more likely to convert.

    Raises:
        ValidationError: for mismatched lengths, bad labels or scores, or only one
            outcome present (the area is then undefined).

    .. versionadded:: 0.1.0
    """
    pairs = sorted(_pairs(labels, scores))
    positives = sum(y for _, y in pairs)
    negatives = len(pairs) - positives
    if positives == 0 or negatives == 0:
        raise ValidationError.single(
            "labels", f"{positives} of {len(pairs)} positive", "both outcomes present", "roc_auc"
        )
    wins = 0.0
    below = 0  # negatives with a lower score
    i = 0
    while i < len(pairs):
        j = i
        pos = neg = 0
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            if pairs[j][1]:
                pos += 1
            else:
                neg += 1
            j += 1
        wins += pos * below + 0.5 * pos * neg
        below += neg
        i = j
    return wins / (positives * negatives)


def brier_score(labels: Iterable[bool | int], scores: Iterable[float]) -> float:
    """The mean squared difference between predicted probabilities and outcomes
    (0 is perfect; always predicting the base rate ``p`` scores ``p * (1 - p)``).

    >>> brier_score([1, 0], [0.8, 0.4])
    0.1

    Raises:
        ValidationError: for mismatched lengths, bad labels, or a score outside
            [0, 1].

    .. versionadded:: 0.1.0
    """
    pairs = _pairs(labels, scores)
    bad = [Issue(f"scores[{i}]", p, "a probability in [0, 1]") for i, (p, _) in enumerate(pairs)]
    bad = [issue for issue, (p, _) in zip(bad, pairs, strict=True) if not 0.0 <= p <= 1.0]
    if bad:
        raise ValidationError(bad, "brier_score")
    return round(math.fsum((p - y) ** 2 for p, y in pairs) / len(pairs), 15)


@checked()
@attrs.frozen(kw_only=True)
class CalibrationBin(Record):
    """One row of a calibration table: the leads whose scores fell in
    ``[lower, upper]``, how likely the model said they were to convert, and how
    many did.

    Attributes:
        lower: The lowest score in the bin.
        upper: The highest score in the bin.
        count: How many leads.
        positives: How many of them converted.
        mean_predicted: Their mean score.
        observed: ``positives / count``.

    .. versionadded:: 0.1.0
    """

    lower: float = attrs.field(metadata=meta(_FLOAT))
    upper: float = attrs.field(metadata=meta(_FLOAT))
    count: int = attrs.field(metadata=meta(r.NONNEG_INT))
    positives: int = attrs.field(metadata=meta(r.NONNEG_INT))
    mean_predicted: float = attrs.field(metadata=meta(_FLOAT))
    observed: float = attrs.field(metadata=meta(_PROBABILITY_FLOAT))


def calibration_table(
    labels: Iterable[bool | int], scores: Iterable[float], *, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Predicted against observed conversion, in bins of equal size by score.

    Leads are sorted by score and cut into *bins* groups of (nearly) equal size;
    tied scores always share a bin, so a bin may be larger and there may be fewer
    bins. A useful model's ``observed`` rises with ``mean_predicted``; a calibrated
    one has the two close.

    >>> table = calibration_table([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.9], bins=3)
    >>> [(b.count, b.observed) for b in table]
    [(2, 0.0), (2, 0.5), (2, 1.0)]

    Raises:
        ValidationError: for mismatched lengths, bad labels or scores, or
            ``bins`` below 1.

    .. versionadded:: 0.1.0
    """
    if type(bins) is not int or bins < 1:
        raise ValidationError.single("bins", bins, "a positive int", "calibration_table")
    pairs = sorted(_pairs(labels, scores))
    n = len(pairs)
    out = []
    start = 0
    for k in range(1, bins + 1):  # pragma: no branch - the last bin ends at n: left by break
        end = (k * n) // bins
        if end <= start:
            continue
        while end < n and pairs[end][0] == pairs[end - 1][0]:
            end += 1  # keep ties together
        chunk = pairs[start:end]
        positives = sum(y for _, y in chunk)
        out.append(
            CalibrationBin(
                lower=chunk[0][0],
                upper=chunk[-1][0],
                count=len(chunk),
                positives=positives,
                mean_predicted=math.fsum(p for p, _ in chunk) / len(chunk),
                observed=positives / len(chunk),
            )
        )
        start = end
        if start >= n:
            break
    return tuple(out)


def lift(labels: Iterable[bool | int], scores: Iterable[float], *, top: float = 0.1) -> float:
    """How many times the base conversion rate the top-scored *top* fraction of
    leads converts at (1.0: no better than picking at random).

    The top ``ceil(top * n)`` leads are taken; scores tied at the cut count in
    proportion (as if the tie were broken at random), so the result does not
    depend on input order.

    >>> lift([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], top=0.2)
    2.5

    Raises:
        ValidationError: for mismatched lengths, bad labels or scores, ``top``
            outside (0, 1], or no converted lead at all.

    .. versionadded:: 0.1.0
    """
    if type(top) not in (int, float) or not 0 < top <= 1:
        raise ValidationError.single("top", top, "a fraction in (0, 1]", "lift")
    pairs = sorted(_pairs(labels, scores), key=lambda pair: -pair[0])
    n = len(pairs)
    positives = sum(y for _, y in pairs)
    if positives == 0:
        raise ValidationError.single("labels", "no positive", "at least one converted lead", "lift")
    k = max(1, math.ceil(top * n - 1e-9))
    cut = pairs[k - 1][0]
    above = [y for p, y in pairs if p > cut]
    tied = [y for p, y in pairs if p == cut]
    taken = k - len(above)
    expected = sum(above) + taken * sum(tied) / len(tied)
    return (expected / k) / (positives / n)
