"""Rule-based lead scoring that explains itself.

A :class:`LeadScorer` adds up points on two axes, as the marketing-automation tools
do:

- **fit**, who the lead is: :class:`FitRule` on attributes (values or numeric
  ranges, or a missing value), :class:`SourceRule` on where it came from,
  :class:`BantRule` on its BANT answers;
- **engagement**, what the lead did: :class:`EngagementRule` per
  :class:`~salesmodel.ActivityKind`, fading with a :class:`Decay` (a half-life, a
  window such as Marketo's last 30 days, or a percentage lost per period as
  HubSpot does).

Points may be negative. Each axis may be capped, and the total is kept in
[0, 100]: clamped there, or, with ``half_points``, mapped onto it by a curve that
keeps every difference in order (``half_points`` points score 50, twice as many
75, three times 87.5), so the leads at the top of a list stay ranked instead of
tying at 100. Every point is accounted for: :attr:`LeadScore.contributions` lists
one :class:`Contribution` per rule that fired, plus one per cap, clamp or curve
that changed the sum (named :data:`FIT_CAP`, :data:`ENGAGEMENT_CAP`,
:data:`TOTAL_CLAMP` and :data:`TOTAL_CURVE`, with the points they took away or
added back), so the contributions add up to the total exactly, those of group
``"fit"`` to ``fit`` and those of group ``"engagement"`` to ``engagement``.

Points are :class:`~decimal.Decimal`; decayed engagement is rounded to the cent
(0.01 point) once per rule, half to even, and so is the curve's total.

Scorers are checked attrs records: a CRM stores its own with
:func:`salesmodel.to_dict` and loads it with :func:`salesmodel.from_dict`.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, collection_argument, cross, meta, replacer
from .attributes import AttributeValue
from .entities import Activity, Bant, Lead
from .enums import ActivityKind, LeadSource, Temperature
from .errors import Issue, ValidationError
from .money import Money
from .temperature import DECIMAL, DEFAULT_TEMPERATURE_POLICY, TemperaturePolicy

__all__ = [
    "DEFAULT_SCORER",
    "ENGAGEMENT_CAP",
    "FIT_CAP",
    "TOTAL_CLAMP",
    "TOTAL_CURVE",
    "BantRule",
    "Contribution",
    "Decay",
    "EngagementRule",
    "FitRule",
    "GradeBands",
    "LeadScore",
    "LeadScorer",
    "SourceRule",
]

#: The contribution that brings the fit axis down to the scorer's ``fit_max``.
FIT_CAP: Final = "cap:fit"
#: The contribution that brings engagement down to the scorer's ``engagement_max``.
ENGAGEMENT_CAP: Final = "cap:engagement"
#: The contribution that keeps the total in [0, 100].
TOTAL_CLAMP: Final = "clamp:total"
#: The contribution that maps a positive sum onto [0, 100] by the scorer's curve
#: (:attr:`LeadScorer.half_points`).
TOTAL_CURVE: Final = "curve:total"
_RESERVED: Final = frozenset({FIT_CAP, ENGAGEMENT_CAP, TOTAL_CLAMP, TOTAL_CURVE})

_ZERO: Final = Decimal(0)
_HUNDRED: Final = Decimal(100)
_CENT: Final = Decimal("0.01")
_OPT_DECIMAL: Final = DECIMAL.optional()
# Rule points are bounded: a score lives in [0, 100], and bounded points keep every
# sum exact at Decimal's default precision.
_MAX_POINTS: Final = Decimal(10_000)


def _points(bounds: str, expected: str) -> Rule:
    """A finite Decimal number of points within *bounds* (a condition on ``{v}``)."""
    return Rule(
        "type({v}) is Decimal and {v}.is_finite() and " + bounds,
        expected,
        {"Decimal": Decimal, "_MAX_POINTS": _MAX_POINTS},
        normalize=DECIMAL.normalize,
    )


_POINTS: Final = _points(
    "-_MAX_POINTS <= {v} <= _MAX_POINTS",
    "a number of points from -10000 to 10000, such as 10 or '2.5'",
)
_OPT_LIMIT: Final = _points(
    "-_MAX_POINTS <= {v} <= _MAX_POINTS", "a number of points from -10000 to 10000"
).optional()
_NONNEG_DECIMAL: Final = _points(
    "0 <= {v} <= _MAX_POINTS", "a number of points from 0 to 10000"
).optional()
_HALF_POINTS: Final = _points(
    "0 < {v} <= _MAX_POINTS", "a positive number of points up to 10000, such as 40"
).optional()
_POSITIVE_DURATION: Final = r.POSITIVE_DURATION.optional()
_FRACTION: Final = Rule(
    "type({v}) is Decimal and 0 < {v} <= 1",
    "a fraction in (0, 1], e.g. '0.5' for half",
    {"Decimal": Decimal},
    normalize=DECIMAL.normalize,
).optional()


def _attribute_values_ok(values: tuple[Any, ...]) -> bool:
    return all(
        type(v) in (str, int, bool) or (type(v) is float and math.isfinite(v)) for v in values
    )


_MATCH_VALUES: Final = Rule(
    "type({v}) is tuple and _attribute_values_ok({v})",
    "a tuple of str, int, float or bool values",
    {"_attribute_values_ok": _attribute_values_ok},
    normalize=r.TEXTS.normalize,
)
_GROUPS: Final = ("fit", "engagement", "total")
_GROUP: Final = Rule("{v} in _GROUPS", "'fit', 'engagement' or 'total'", {"_GROUPS": _GROUPS})


# --- decay -----------------------------------------------------------------------------


@cross("period", "loss")
def _period_with_loss(period: timedelta | None, loss: Decimal | None) -> list[Issue] | None:
    if (period is None) != (loss is None):
        if period is None:
            return [Issue("period", None, "a positive timedelta, since loss is set")]
        return [Issue("loss", None, "a fraction in (0, 1], since period is set")]
    return None


@checked(_period_with_loss)
@attrs.frozen(kw_only=True)
class Decay(Record):
    """How an engagement's points fade with its age (the time from the activity
    to the ``at`` of scoring). The parts multiply; none set means no decay.

    Attributes:
        half_life: Points halve every ``half_life`` (continuously).
        window: Only activities at most this old count (Marketo: 30 days).
        period: With ``loss``: the points lose ``loss`` of their value after each
            whole period (HubSpot: e.g. 25 % a month).
        loss: The fraction lost per period, in (0, 1].

    >>> from datetime import timedelta
    >>> Decay(half_life=timedelta(days=30)).factor(timedelta(days=60))
    0.25
    >>> Decay(period=timedelta(days=30), loss="0.5").factor(timedelta(days=45))
    0.5

    .. versionadded:: 0.1.0
    """

    half_life: timedelta | None = attrs.field(default=None, metadata=meta(_POSITIVE_DURATION))
    window: timedelta | None = attrs.field(default=None, metadata=meta(_POSITIVE_DURATION))
    period: timedelta | None = attrs.field(default=None, metadata=meta(_POSITIVE_DURATION))
    loss: Decimal | None = attrs.field(default=None, metadata=meta(_FRACTION))

    @property
    def fades(self) -> bool:
        """Whether any part is set."""
        return self.half_life is not None or self.window is not None or self.period is not None

    def factor(self, age: timedelta) -> float:
        """The share of its points an activity *age* old keeps, in [0, 1]; never
        larger for an older activity.

        .. versionadded:: 0.1.0
        """
        return self._factor(max(0.0, age.total_seconds()))

    @functools.cached_property
    def _factor(self) -> Callable[[float], float]:
        window = None if self.window is None else self.window.total_seconds()
        half = None if self.half_life is None else self.half_life.total_seconds()
        period = None if self.period is None else self.period.total_seconds()
        keep = None if self.loss is None else 1.0 - float(self.loss)

        def factor(seconds: float) -> float:
            if window is not None and seconds > window:
                return 0.0
            f = 1.0
            if half is not None:
                f = 0.5 ** (seconds / half)
            if period is not None and keep is not None:
                f *= keep ** (seconds // period)
            return f

        return factor


NO_DECAY: Final = Decay()


# --- rules -------------------------------------------------------------------------------


@cross("equals", "at_least", "below", "missing")
def _one_condition(
    equals: tuple[Any, ...], at_least: Decimal | None, below: Decimal | None, missing: bool
) -> list[Issue] | None:
    kinds = sum([bool(equals), at_least is not None or below is not None, missing])
    if kinds != 1:
        expected = "exactly one condition: equals=(...), at_least/below, or missing=True"
        return [Issue("equals", equals, expected)]
    if at_least is not None and below is not None and below <= at_least:
        return [Issue("below", below, f"greater than at_least ({at_least})")]
    return None


@cross("name", fast="name not in _RESERVED", names={"_RESERVED": _RESERVED})
def _not_reserved(name: str) -> list[Issue] | None:
    if name in _RESERVED:
        return [Issue("name", name, f"a name other than {', '.join(sorted(_RESERVED))}")]
    return None


def _is_missing(value: Any) -> bool:
    return value is None or (type(value) is str and (value == "" or value.isspace()))


@checked(_one_condition, _not_reserved)
@attrs.frozen(kw_only=True)
class FitRule(Record):
    """Points for who the lead is, from one of its attributes.

    Exactly one condition: the value is one of ``equals``; or it is a number in
    ``[at_least, below)`` (either bound may be open); or it is missing (absent,
    None or blank).

    Attributes:
        name: Unique within a scorer; names the rule in contributions.
        attribute: The attribute key.
        points: Added when the condition holds (negative to subtract).
        equals: Values that match: str exactly, numbers by value, bools only
            as bools.
        at_least: The lowest matching number.
        below: The first number above the range.
        missing: Match a missing value.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(metadata=meta(r.TEXT))
    attribute: str = attrs.field(metadata=meta(r.TEXT))
    points: Decimal = attrs.field(metadata=meta(_POINTS))
    equals: tuple[AttributeValue, ...] = attrs.field(default=(), metadata=meta(_MATCH_VALUES))
    at_least: Decimal | None = attrs.field(default=None, metadata=meta(_OPT_DECIMAL))
    below: Decimal | None = attrs.field(default=None, metadata=meta(_OPT_DECIMAL))
    missing: bool = attrs.field(default=False, metadata=meta(r.BOOL))

    def matches(self, value: AttributeValue) -> bool:
        """Whether an attribute value *value* meets the condition.

        .. versionadded:: 0.1.0
        """
        return self._test(value)

    @functools.cached_property
    def _test(self) -> Callable[[Any], bool]:
        if self.missing:
            return _is_missing
        if self.equals:
            flags = frozenset(v for v in self.equals if type(v) is bool)
            others = frozenset(v for v in self.equals if type(v) is not bool)

            def equals(value: Any) -> bool:
                if type(value) is bool:
                    return value in flags
                try:
                    return value in others
                except TypeError:  # pragma: no cover - attribute values hash
                    return False

            return equals
        low, high = self.at_least, self.below

        def in_range(value: Any) -> bool:
            kind = type(value)
            if kind is not int and kind is not float:
                return False
            return (low is None or value >= low) and (high is None or value < high)

        return in_range


def _source_texts(value: Any) -> Any:
    value = r.TEXTS.normalize(value)  # type: ignore[misc]
    if type(value) is tuple:
        return tuple(x.value if isinstance(x, LeadSource) else x for x in value)
    return value


_SOURCES: Final = Rule(
    r.TEXTS.test,
    "a tuple of LeadSource values or other non-empty str",
    r.TEXTS.names,
    normalize=_source_texts,
    explain=r.TEXTS.explain,
)


@checked(_not_reserved)
@attrs.frozen(kw_only=True)
class SourceRule(Record):
    """Points for where the lead came from.

    Attributes:
        name: Unique within a scorer.
        sources: The sources that match (:class:`~salesmodel.LeadSource` values
            or a CRM's own names).
        points: Added when the lead's source is one of them.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(metadata=meta(r.TEXT))
    sources: tuple[str, ...] = attrs.field(metadata=meta(_SOURCES))
    points: Decimal = attrs.field(metadata=meta(_POINTS))


_LETTERS: Final = ("budget", "authority", "need", "timescale")
_LETTER: Final = Rule(
    "{v} in _LETTERS", "'budget', 'authority', 'need' or 'timescale'", {"_LETTERS": _LETTERS}
)


@checked(_not_reserved)
@attrs.frozen(kw_only=True)
class BantRule(Record):
    """Points for one BANT answer.

    With ``met=True`` the rule fires when the letter is met in the buyer's favour
    (as :meth:`~salesmodel.Bant.met` judges it, the timescale within
    ``within_days``); with ``met=False`` when it was answered and is *not* met
    (no budget, no authority, no need, a timescale further away). An unanswered
    letter fires neither.

    Attributes:
        name: Unique within a scorer.
        letter: ``"budget"``, ``"authority"``, ``"need"`` or ``"timescale"``.
        points: Added when the rule fires.
        met: Which answer fires the rule.
        within_days: For the timescale: the longest that counts as met (None:
            any stated timescale).

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(metadata=meta(r.TEXT))
    letter: str = attrs.field(metadata=meta(_LETTER))
    points: Decimal = attrs.field(metadata=meta(_POINTS))
    met: bool = attrs.field(default=True, metadata=meta(r.BOOL))
    within_days: int | None = attrs.field(default=90, metadata=meta(r.OPT_NONNEG_INT))

    def fires(self, bant: Bant) -> bool:
        """Whether *bant* makes this rule fire.

        .. versionadded:: 0.1.0
        """
        answer = _answer(bant, self.letter, self.within_days)
        return answer is not None and answer is self.met


def _answer(bant: Bant, letter: str, within_days: int | None) -> bool | None:
    """Whether *letter* is met (None: not answered)."""
    if letter == "budget":
        budget = bant.budget
        if budget is None or type(budget) is bool:
            return budget
        return budget.amount > 0 if type(budget) is Money else None
    if letter == "authority":
        return bant.authority
    if letter == "need":
        return bant.need
    days = bant.timescale_days
    if days is None:
        return None
    return within_days is None or days <= within_days


@checked(_not_reserved)
@attrs.frozen(kw_only=True)
class EngagementRule(Record):
    """Points for each activity of one kind, fading with age.

    The rule's contribution is the sum over the lead's activities of that kind of
    ``points * decay.factor(age)``, rounded to the cent, then limited to
    ``max_points`` in absolute value.

    Attributes:
        name: Unique within a scorer.
        kind: The activity kind counted.
        points: Per activity, before decay (negative to subtract).
        decay: How the points fade (no decay by default).
        max_points: The most this rule adds (or, for negative points,
            subtracts) in all; None: no limit.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(metadata=meta(r.TEXT))
    kind: ActivityKind = attrs.field(metadata=meta(r.closed_enum(ActivityKind)))
    points: Decimal = attrs.field(metadata=meta(_POINTS))
    decay: Decay = attrs.field(default=NO_DECAY, metadata=meta(r.instance(Decay, "a Decay")))
    max_points: Decimal | None = attrs.field(default=None, metadata=meta(_NONNEG_DECIMAL))


@cross("fit_a", "fit_b", fast="fit_b <= fit_a")
def _fit_bands_ordered(fit_a: Decimal, fit_b: Decimal) -> list[Issue] | None:
    if fit_b > fit_a:
        return [Issue("fit_b", fit_b, f"at most fit_a ({fit_a})")]
    return None


@cross("engagement_1", "engagement_2", fast="engagement_2 <= engagement_1")
def _engagement_bands_ordered(e1: Decimal, e2: Decimal) -> list[Issue] | None:
    if e2 > e1:
        return [Issue("engagement_2", e2, f"at most engagement_1 ({e1})")]
    return None


@checked(_fit_bands_ordered, _engagement_bands_ordered)
@attrs.frozen(kw_only=True)
class GradeBands(Record):
    """The fit-by-engagement grid: a letter for fit (A best), a digit for
    engagement (1 most engaged), e.g. ``"A1"`` or ``"C3"``.

    Attributes:
        fit_a: The lowest fit graded A.
        fit_b: The lowest fit graded B (below it: C).
        engagement_1: The lowest engagement graded 1.
        engagement_2: The lowest engagement graded 2 (below it: 3).

    >>> GradeBands().grade(fit=35, engagement=12)
    'A2'

    .. versionadded:: 0.1.0
    """

    fit_a: Decimal = attrs.field(default=Decimal(30), metadata=meta(DECIMAL))
    fit_b: Decimal = attrs.field(default=Decimal(15), metadata=meta(DECIMAL))
    engagement_1: Decimal = attrs.field(default=Decimal(40), metadata=meta(DECIMAL))
    engagement_2: Decimal = attrs.field(default=Decimal(10), metadata=meta(DECIMAL))

    def grade(self, *, fit: Decimal | int, engagement: Decimal | int) -> str:
        """The grade of a lead with these axis scores.

        .. versionadded:: 0.1.0
        """
        letter = "A" if fit >= self.fit_a else "B" if fit >= self.fit_b else "C"
        if engagement >= self.engagement_1:
            return letter + "1"
        return letter + ("2" if engagement >= self.engagement_2 else "3")


_GRADE: Final = Rule(
    "type({v}) is str and {v} in _GRADES",
    "a grade from 'A1' to 'C3'",
    {"_GRADES": frozenset(a + b for a in "ABC" for b in "123")},
)


# --- results -----------------------------------------------------------------------------


@checked()
@attrs.frozen(kw_only=True)
class Contribution(Record):
    """Points one rule (or a cap, or the clamp) added to a score.

    Attributes:
        rule: The rule's name, or :data:`FIT_CAP`, :data:`ENGAGEMENT_CAP`,
            :data:`TOTAL_CLAMP`, :data:`TOTAL_CURVE`.
        group: ``"fit"``, ``"engagement"``, or ``"total"`` for the clamp and
            the curve.
        points: The points added (negative: taken away).
        count: How many activities the rule counted (1 for a fit rule, 0 for a
            cap, the clamp or the curve).

    .. versionadded:: 0.1.0
    """

    rule: str = attrs.field(metadata=meta(r.TEXT))
    group: str = attrs.field(metadata=meta(_GROUP))
    points: Decimal = attrs.field(metadata=meta(DECIMAL))
    count: int = attrs.field(default=1, metadata=meta(r.NONNEG_INT))


@cross("total", "fit", "engagement", "contributions")
def _explained(
    total: Decimal, fit: Decimal, engagement: Decimal, contributions: tuple[Contribution, ...]
) -> list[Issue] | None:
    issues = []
    if not _ZERO <= total <= _HUNDRED:
        issues.append(Issue("total", total, "a number in [0, 100]"))
    by_group = {"fit": _ZERO, "engagement": _ZERO, "total": _ZERO}
    for c in contributions:
        by_group[c.group] += c.points
    if by_group["fit"] != fit:
        issues.append(Issue("fit", fit, f"the sum of the fit contributions ({by_group['fit']})"))
    if by_group["engagement"] != engagement:
        expected = f"the sum of the engagement contributions ({by_group['engagement']})"
        issues.append(Issue("engagement", engagement, expected))
    if sum(by_group.values()) != total:
        issues.append(
            Issue("total", total, f"the sum of the contributions ({sum(by_group.values())})")
        )
    return issues or None


@checked(_explained)
@attrs.frozen(kw_only=True)
class LeadScore(Record):
    """A lead's score, and every point of it explained.

    ``total == fit + engagement + (the clamp's or the curve's points)``, and the
    ``contributions`` add up to ``total`` exactly.

    Attributes:
        lead_id: The lead scored.
        total: The score, in [0, 100].
        fit: The fit axis (after its cap).
        engagement: The engagement axis (after its cap).
        contributions: Each rule that fired, then the caps and the clamp or
            curve that changed the sum, in the scorer's order.
        temperature: The lead's temperature, by the scorer's policy.
        grade: The fit-by-engagement grade, ``"A1"`` to ``"C3"``.

    .. versionadded:: 0.1.0
    """

    lead_id: str = attrs.field(metadata=meta(r.TEXT))
    total: Decimal = attrs.field(metadata=meta(DECIMAL))
    fit: Decimal = attrs.field(metadata=meta(DECIMAL))
    engagement: Decimal = attrs.field(metadata=meta(DECIMAL))
    contributions: tuple[Contribution, ...] = attrs.field(
        metadata=meta(r.tuple_of(Contribution, "Contribution"))
    )
    temperature: Temperature = attrs.field(metadata=meta(r.closed_enum(Temperature)))
    grade: str = attrs.field(metadata=meta(_GRADE))

    def top_reasons(self, n: int = 3) -> tuple[Contribution, ...]:
        """The *n* rule contributions with the most points either way (caps, the
        clamp and the curve left out), largest first.

        .. versionadded:: 0.1.0
        """
        rules = [c for c in self.contributions if c.rule not in _RESERVED]
        rules.sort(key=lambda c: -abs(c.points))
        return tuple(rules[:n])


_DEFAULT_GRADES: Final = GradeBands()
_new_contribution: Final = replacer(Contribution, ("rule", "group", "points", "count"))
_new_score: Final = replacer(
    LeadScore,
    ("lead_id", "total", "fit", "engagement", "contributions", "temperature", "grade"),
)


# --- the scorer ------------------------------------------------------------------------------


@cross("fit_rules", "source_rules", "bant_rules", "engagement_rules")
def _unique_names(*groups: tuple[Any, ...]) -> list[Issue] | None:
    seen: set[str] = set()
    issues = []
    for field, rules in zip(
        ("fit_rules", "source_rules", "bant_rules", "engagement_rules"), groups, strict=True
    ):
        for i, rule in enumerate(rules):
            if rule.name in seen:
                issues.append(Issue(f"{field}[{i}].name", rule.name, "a name no other rule has"))
            seen.add(rule.name)
    return issues or None


@checked(_unique_names)
@attrs.frozen(kw_only=True)
class LeadScorer(Record):
    """Explainable points-based lead scoring (see the module's introduction).

    Attributes:
        fit_rules: Points on attributes.
        source_rules: Points on the lead's source.
        bant_rules: Points on BANT answers.
        engagement_rules: Points per activity, with decay.
        fit_max: The most the fit axis counts (None: no cap).
        engagement_max: The most the engagement axis counts (None: no cap).
        grades: The fit-by-engagement grid.
        temperature: How the score's temperature is decided.
        half_points: None: the total is the sum of the axes, clamped to
            [0, 100]. A number ``h``: a positive sum ``p`` scores
            ``100 * (1 - 2 ** (-p / h))``, rounded to the cent (``h`` points
            score 50, each further ``h`` halves the gap to 100), so a larger
            sum never scores less, and only a sum above about ``14 * h``
            rounds to 100; a sum at or below 0 scores 0.

    Raises:
        ValidationError: for a bad rule, or two rules with one name.

    .. versionadded:: 0.1.0
    """

    fit_rules: tuple[FitRule, ...] = attrs.field(
        default=(), metadata=meta(r.tuple_of(FitRule, "FitRule"))
    )
    source_rules: tuple[SourceRule, ...] = attrs.field(
        default=(), metadata=meta(r.tuple_of(SourceRule, "SourceRule"))
    )
    bant_rules: tuple[BantRule, ...] = attrs.field(
        default=(), metadata=meta(r.tuple_of(BantRule, "BantRule"))
    )
    engagement_rules: tuple[EngagementRule, ...] = attrs.field(
        default=(), metadata=meta(r.tuple_of(EngagementRule, "EngagementRule"))
    )
    fit_max: Decimal | None = attrs.field(default=None, metadata=meta(_OPT_LIMIT))
    engagement_max: Decimal | None = attrs.field(default=None, metadata=meta(_OPT_LIMIT))
    grades: GradeBands = attrs.field(
        default=_DEFAULT_GRADES, metadata=meta(r.instance(GradeBands, "a GradeBands"))
    )
    temperature: TemperaturePolicy = attrs.field(
        default=DEFAULT_TEMPERATURE_POLICY,
        metadata=meta(r.instance(TemperaturePolicy, "a TemperaturePolicy")),
    )
    half_points: Decimal | None = attrs.field(default=None, metadata=meta(_HALF_POINTS))

    def score(self, lead: Lead, activities: Iterable[Activity] = (), *, at: datetime) -> LeadScore:
        """Score *lead* as of *at*.

        Only the activities of this lead count (``activity.lead_id == lead.id``),
        and only those at or before *at*; their age is ``at - activity.at``.

        Args:
            lead: The lead.
            activities: Any activities; the others are ignored.
            at: When, timezone-aware (the model never reads the clock).

        Returns:
            The score, its axes, every contribution, temperature and grade.

        Raises:
            ValidationError: for a naive *at*, a *lead* that is not a
                :class:`~salesmodel.Lead`, or an activity that is not an
                :class:`~salesmodel.Activity`.

        .. versionadded:: 0.1.0
        """
        _check_at(at)
        if type(lead) is not Lead:
            raise ValidationError.single("lead", lead, "a Lead", "score")
        if not isinstance(activities, (list, tuple)) and isinstance(activities, Iterable):
            activities = list(activities)  # read once: a bad item is found again below
        try:
            return self._score(lead, activities, at)
        except (AttributeError, TypeError):
            error = _bad_activities(activities)
            if error is None:  # pragma: no cover - lead and at are checked: only an activity fails
                raise
            raise error from None

    def score_many(
        self, leads: Iterable[Lead], activities: Iterable[Activity] = (), *, at: datetime
    ) -> Iterator[LeadScore]:
        """Score each of *leads* as of *at*, with the activities grouped by lead
        once (one pass over *activities*, at the first score).

        Raises:
            ValidationError: as :meth:`score` does; a bad *at*, or *leads* or
                *activities* that are not iterables, at once.

        .. versionadded:: 0.1.0
        """
        _check_at(at)
        collection_argument(leads, "leads", "an iterable of Lead records", "score_many")
        collection_argument(
            activities, "activities", "an iterable of Activity records", "score_many"
        )
        return self._many(leads, activities, at)

    def _many(
        self, leads: Iterable[Lead], activities: Iterable[Activity], at: datetime
    ) -> Iterator[LeadScore]:
        by_lead: defaultdict[str, list[Activity]] = defaultdict(list)
        activities = list(activities)
        for activity in activities:
            if type(activity) is not Activity:
                raise ValidationError(
                    [
                        Issue(f"activities[{i}]", x, "an Activity")
                        for i, x in enumerate(activities)
                        if type(x) is not Activity
                    ],
                    "score_many",
                )
            if activity.lead_id is not None:
                by_lead[activity.lead_id].append(activity)
        for i, lead in enumerate(leads):
            if type(lead) is not Lead:
                raise ValidationError.single(f"leads[{i}]", lead, "a Lead", "score_many")
            yield self._score(lead, by_lead.get(lead.id, ()), at)

    # --- the compiled plan --------------------------------------------------------

    @functools.cached_property
    def _plan(self) -> _Plan:
        return _Plan.build(self)

    def _score(self, lead: Lead, activities: Iterable[Activity], at: datetime) -> LeadScore:
        # The hot path of scoring: rule contributions that never vary (fit, source
        # and BANT rules) are built once, in the plan; engagement is summed in
        # floats per rule and turned into exact points once per rule.
        plan = self._plan
        out: list[Contribution] = []
        append = out.append
        fit = _ZERO
        if plan.fit:
            attributes = lead.attributes
            for attribute, test, fired in plan.fit:
                if test(attributes.get(attribute)):
                    append(fired)
                    fit += fired.points
        for fired in plan.sources.get(lead.source, ()):
            append(fired)
            fit += fired.points
        if plan.bant:
            answers = _answers(lead.bant)
            days = lead.bant.timescale_days
            for letter, met, within, fired in plan.bant:
                answer: bool | None
                if letter == 3:  # timescale
                    if days is None:
                        continue
                    answer = within is None or days <= within
                else:
                    answer = answers[letter]
                    if answer is None:
                        continue
                if answer is met:
                    append(fired)
                    fit += fired.points
        if plan.fit_max is not None and fit > plan.fit_max:
            append(_new_contribution(FIT_CAP, "fit", plan.fit_max - fit, 0))
            fit = plan.fit_max

        engagement = _ZERO
        if plan.by_kind:
            lead_id = lead.id
            by_kind = plan.by_kind
            # The factors of fading rules are kept and added with fsum (exactly
            # rounded), so the order of the activities never changes a score.
            shares: list[list[float]] = [[] for _ in plan.engagement]
            counts = [0] * len(plan.engagement)
            for activity in activities:
                if activity.lead_id != lead_id:
                    continue
                when = activity.at
                if when > at:
                    continue
                rules = by_kind.get(activity.kind)
                if rules is None:
                    continue
                seconds = -1.0
                for index, factor in rules:
                    if factor is not None:
                        if seconds < 0:
                            seconds = (at - when).total_seconds()
                        f = factor(seconds)
                        if f <= 0.0:
                            continue
                        shares[index].append(f)
                    counts[index] += 1
            for index, count in enumerate(counts):
                if not count:
                    continue
                name, points, fractional, limit = plan.engagement[index]
                # Faded points are rounded once per rule, to the cent; others are exact.
                if fractional:
                    share = math.fsum(shares[index])
                    earned = Decimal(float(points) * share).quantize(
                        _CENT, rounding=ROUND_HALF_EVEN
                    )
                else:
                    earned = points * count
                if limit is not None:
                    if earned > limit:
                        earned = limit
                    elif earned < -limit:
                        earned = -limit
                if earned:
                    append(_new_contribution(name, "engagement", earned, count))
                    engagement += earned
            if plan.engagement_max is not None and engagement > plan.engagement_max:
                cut = plan.engagement_max - engagement
                append(_new_contribution(ENGAGEMENT_CAP, "engagement", cut, 0))
                engagement = plan.engagement_max

        total = fit + engagement
        if total < _ZERO:
            append(_new_contribution(TOTAL_CLAMP, "total", -total, 0))
            total = _ZERO
        elif plan.half is not None:
            if total > _ZERO:
                curved = _cents(round(10_000.0 - 10_000.0 * 2.0 ** (-float(total) / plan.half)))
                if curved != total:
                    append(_new_contribution(TOTAL_CURVE, "total", curved - total, 0))
                    total = curved
        elif total > _HUNDRED:
            append(_new_contribution(TOTAL_CLAMP, "total", _HUNDRED - total, 0))
            total = _HUNDRED
        temperature = _temperature(lead, total, at, self.temperature)
        grades = self.grades
        if fit >= grades.fit_a:
            grade = (
                "A1"
                if engagement >= grades.engagement_1
                else "A2"
                if engagement >= grades.engagement_2
                else "A3"
            )
        elif fit >= grades.fit_b:
            grade = (
                "B1"
                if engagement >= grades.engagement_1
                else "B2"
                if engagement >= grades.engagement_2
                else "B3"
            )
        else:
            grade = (
                "C1"
                if engagement >= grades.engagement_1
                else "C2"
                if engagement >= grades.engagement_2
                else "C3"
            )
        score: LeadScore = _new_score(
            lead.id, total, fit, engagement, tuple(out), temperature, grade
        )
        return score


@functools.cache
def _cents(n: int) -> Decimal:
    """*n* hundredths of a point (0 to 10,000 of them: a curved total), made once."""
    return Decimal(n).scaleb(-2)


def _answers(bant: Bant) -> tuple[bool | None, bool | None, bool | None]:
    """Budget, authority and need met (None: not answered)."""
    budget = bant.budget
    if budget is not None and type(budget) is not bool:
        budget = budget.amount > 0
    return budget, bant.authority, bant.need


def _check_at(at: object) -> None:
    if type(at) is not datetime or at.utcoffset() is None:
        raise ValidationError.single("at", at, "a timezone-aware datetime", "score")


def _bad_activities(activities: Iterable[Any]) -> ValidationError | None:
    """The error for *activities* if it is not an iterable of Activity records
    (None when it is: the trouble was elsewhere)."""
    try:
        issues = [
            Issue(f"activities[{i}]", x, "an Activity")
            for i, x in enumerate(activities)
            if type(x) is not Activity
        ]
    except TypeError:
        issues = [Issue("activities", activities, "an iterable of Activity records")]
    return ValidationError(issues, "score") if issues else None


_RANK: Final = {Temperature.COLD: 0, Temperature.WARM: 1, Temperature.HOT: 2}


def _temperature(
    lead: Lead, total: Decimal, at: datetime, policy: TemperaturePolicy
) -> Temperature:
    days = lead.purchase_timeframe_days
    if days is None:
        days = lead.bant.timescale_days
    if days is None:
        by_time = Temperature.COLD
    else:
        elapsed = (at - lead.created_at).days
        if elapsed > 0:
            days = max(0, days - elapsed)
        by_time = policy.by_timeframe(days)
    if policy.hot_score is None and policy.warm_score is None:
        return by_time
    by_score = policy.by_score(total)
    return by_score if _RANK[by_score] > _RANK[by_time] else by_time


@attrs.frozen
class _Plan:
    """A scorer's rules laid out for the scoring loop, with the contributions of
    the rules whose points never vary built once."""

    fit: tuple[tuple[str, Callable[[Any], bool], Contribution], ...]
    sources: dict[str, tuple[Contribution, ...]]
    bant: tuple[tuple[int, bool, int | None, Contribution], ...]
    fit_max: Decimal | None
    by_kind: dict[ActivityKind, tuple[tuple[int, Callable[[float], float] | None], ...]]
    engagement: tuple[tuple[str, Decimal, bool, Decimal | None], ...]
    engagement_max: Decimal | None
    half: float | None

    @classmethod
    def build(cls, scorer: LeadScorer) -> _Plan:
        def fired(name: str, points: Decimal) -> Contribution:
            made: Contribution = _new_contribution(name, "fit", points, 1)
            return made

        sources: dict[str, list[Contribution]] = defaultdict(list)
        for source_rule in scorer.source_rules:
            for source in dict.fromkeys(source_rule.sources):
                sources[source].append(fired(source_rule.name, source_rule.points))
        by_kind: dict[ActivityKind, list[tuple[int, Callable[[float], float] | None]]] = (
            defaultdict(list)
        )
        for i, rule in enumerate(scorer.engagement_rules):
            decay = rule.decay
            by_kind[rule.kind].append((i, decay._factor if decay.fades else None))
        return cls(
            fit=tuple((x.attribute, x._test, fired(x.name, x.points)) for x in scorer.fit_rules),
            sources={source: tuple(rules) for source, rules in sources.items()},
            bant=tuple(
                (_LETTERS.index(x.letter), x.met, x.within_days, fired(x.name, x.points))
                for x in scorer.bant_rules
            ),
            fit_max=scorer.fit_max,
            by_kind={kind: tuple(rules) for kind, rules in by_kind.items()},
            # Only a half-life or a loss per period makes points fractional; a
            # window alone keeps or drops whole activities, so its points stay exact.
            engagement=tuple(
                (
                    x.name,
                    x.points,
                    x.decay.half_life is not None or x.decay.period is not None,
                    x.max_points,
                )
                for x in scorer.engagement_rules
            ),
            engagement_max=scorer.engagement_max,
            half=None if scorer.half_points is None else float(scorer.half_points),
        )


_DAY: Final = timedelta(days=1)
_MONTH_HALF_LIFE: Final = Decay(half_life=30 * _DAY)


def _engage(
    name: str, kind: ActivityKind, points: int, max_points: int | None = None
) -> EngagementRule:
    return EngagementRule(
        name=name,
        kind=kind,
        points=Decimal(points),
        decay=_MONTH_HALF_LIFE,
        max_points=None if max_points is None else Decimal(max_points),
    )


#: The default scorer. Fit: BANT budget +10, authority +10, need +15, timescale
#: within 90 days +10, no need -20, no budget -10; sources: referral +15;
#: webinar, trade show, peer meeting, sponsored event, networking, live chat +10;
#: content, website, chatbot, e-mail +5; purchased list, cold call, cold e-mail
#: -5; recycled (a lost opportunity come back) -30. Engagement (each with a 30-day
#: half-life), after Pardot's defaults: form +50, demo request +50, page view +1
#: (10 at most), link click +3, content download +3, chat +10, webinar +15, event
#: +15, e-mail open +1 (5 at most); an unsubscribe -50, which does not fade.
#: Neither axis is capped: the total follows the curve with ``half_points=40``
#: (40 points score 50, 80 score 75, 120 score 87.5), so the busiest leads stay
#: ranked. Grades: fit A from 30, B from 15; engagement 1 from 40, 2 from 10.
#: Temperature: the source material's (hot within 14 days, warm within 90).
DEFAULT_SCORER: Final = LeadScorer(
    bant_rules=(
        BantRule(name="budget", letter="budget", points=Decimal(10)),
        BantRule(name="authority", letter="authority", points=Decimal(10)),
        BantRule(name="need", letter="need", points=Decimal(15)),
        BantRule(name="timescale", letter="timescale", points=Decimal(10), within_days=90),
        BantRule(name="no need", letter="need", points=Decimal(-20), met=False),
        BantRule(name="no budget", letter="budget", points=Decimal(-10), met=False),
    ),
    source_rules=(
        SourceRule(name="referral", sources=(LeadSource.REFERRAL,), points=Decimal(15)),
        SourceRule(
            name="event or conversation",
            sources=(
                LeadSource.WEBINAR,
                LeadSource.TRADE_SHOW,
                LeadSource.PEER_MEETING,
                LeadSource.SPONSORED_EVENT,
                LeadSource.NETWORKING,
                LeadSource.LIVE_CHAT,
            ),
            points=Decimal(10),
        ),
        SourceRule(
            name="inbound",
            sources=(LeadSource.CONTENT, LeadSource.WEBSITE, LeadSource.CHATBOT, LeadSource.EMAIL),
            points=Decimal(5),
        ),
        SourceRule(
            name="outbound",
            sources=(LeadSource.PURCHASED_LIST, LeadSource.COLD_CALL, LeadSource.COLD_EMAIL),
            points=Decimal(-5),
        ),
        SourceRule(name="recycled", sources=(LeadSource.RECYCLED,), points=Decimal(-30)),
    ),
    engagement_rules=(
        _engage("form", ActivityKind.FORM_SUBMISSION, 50),
        _engage("demo request", ActivityKind.DEMO_REQUEST, 50),
        _engage("page views", ActivityKind.PAGE_VIEW, 1, max_points=10),
        _engage("link clicks", ActivityKind.LINK_CLICK, 3),
        _engage("downloads", ActivityKind.CONTENT_DOWNLOAD, 3),
        _engage("chat", ActivityKind.CHAT, 10),
        _engage("webinar", ActivityKind.WEBINAR, 15),
        _engage("event", ActivityKind.EVENT, 15),
        _engage("e-mail opens", ActivityKind.EMAIL_OPEN, 1, max_points=5),
        EngagementRule(name="unsubscribed", kind=ActivityKind.UNSUBSCRIBE, points=Decimal(-50)),
    ),
    half_points=Decimal(40),
)
