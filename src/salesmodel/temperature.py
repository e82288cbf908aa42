"""Lead temperature: how soon a lead wants to buy.

The source material's definition is the default: **hot** wants to buy now (a
stated purchase timeframe of about two weeks at most), **warm** gave a timeframe
of about two months (up to about three), **cold** showed interest but gave no
timeframe (or one further away). Many CRMs derive temperature from score bands
instead; a :class:`TemperaturePolicy` can do either, or both (the hotter wins).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, cross, meta
from ._time import instant_argument
from .entities import Lead
from .enums import Temperature
from .errors import Issue, ValidationError
from .money import parse_amount

__all__ = ["DEFAULT_TEMPERATURE_POLICY", "TemperaturePolicy", "classify_temperature"]


def to_decimal(value: Any) -> Any:
    """An int, float (by its shortest repr) or numeric str as a Decimal; anything
    else unchanged (for the rule to reject)."""
    kind = type(value)
    if kind is int or kind is float or kind is str:
        number = parse_amount(value)
        return value if number is None else number
    return value


#: A finite number, kept as a Decimal (ints, floats and numeric text accepted).
DECIMAL: Final = Rule(
    "type({v}) is Decimal and {v}.is_finite()",
    "a finite number such as 10 or '2.5'",
    {"Decimal": Decimal},
    normalize=to_decimal,
)
_SCORE_BAND: Final = DECIMAL.optional()


@cross("hot_within_days", "warm_within_days")
def _hot_inside_warm(hot: int | None, warm: int | None) -> list[Issue] | None:
    if hot is not None and warm is not None and warm < hot:
        return [Issue("warm_within_days", warm, f"None or at least hot_within_days ({hot})")]
    return None


@cross("hot_score", "warm_score")
def _hot_above_warm(hot: Decimal | None, warm: Decimal | None) -> list[Issue] | None:
    if hot is not None and warm is not None and warm > hot:
        return [Issue("warm_score", warm, f"None or at most hot_score ({hot})")]
    return None


@checked(_hot_inside_warm, _hot_above_warm)
@attrs.frozen(kw_only=True)
class TemperaturePolicy(Record):
    """How a lead's temperature is decided.

    By timeframe: the lead's ``purchase_timeframe_days`` (or, when unset, its
    BANT ``timescale_days``) is hot up to ``hot_within_days``, warm up to
    ``warm_within_days``, cold beyond or when unknown. With ``at=`` the timeframe
    counts down from the lead's ``created_at`` (when it was said): a lead that said
    "within 60 days" 50 days ago is hot now; one past its date stays hot.

    By score: with ``hot_score`` / ``warm_score`` set and a score given, a score
    at or above the band makes the lead at least that warm. Set both day limits to
    None to use score bands only, as many CRMs do.

    Attributes:
        hot_within_days: The longest timeframe that is hot (None: none is).
        warm_within_days: The longest timeframe that is warm (None: only hot or
            cold); at least ``hot_within_days``.
        hot_score: The score from which a lead is hot (None: scores never make
            a lead hot).
        warm_score: The score from which a lead is warm; at most ``hot_score``.

    >>> TemperaturePolicy().hot_within_days, TemperaturePolicy().warm_within_days
    (14, 90)

    .. versionadded:: 0.1.0
    """

    hot_within_days: int | None = attrs.field(default=14, metadata=meta(r.OPT_NONNEG_INT))
    warm_within_days: int | None = attrs.field(default=90, metadata=meta(r.OPT_NONNEG_INT))
    hot_score: Decimal | None = attrs.field(default=None, metadata=meta(_SCORE_BAND))
    warm_score: Decimal | None = attrs.field(default=None, metadata=meta(_SCORE_BAND))

    def by_timeframe(self, days: int | None) -> Temperature:
        """The temperature of a lead that means to buy within *days* (None:
        unknown).

        .. versionadded:: 0.1.0
        """
        if days is None:
            return Temperature.COLD
        if self.hot_within_days is not None and days <= self.hot_within_days:
            return Temperature.HOT
        if self.warm_within_days is not None and days <= self.warm_within_days:
            return Temperature.WARM
        return Temperature.COLD

    def by_score(self, score: Decimal | float | int | None) -> Temperature:
        """The temperature the score bands give *score* (COLD without bands or
        score).

        .. versionadded:: 0.1.0
        """
        if score is None:
            return Temperature.COLD
        if self.hot_score is not None and score >= self.hot_score:
            return Temperature.HOT
        if self.warm_score is not None and score >= self.warm_score:
            return Temperature.WARM
        return Temperature.COLD


#: The source material's policy: hot within 14 days, warm within 90, else cold.
DEFAULT_TEMPERATURE_POLICY: Final = TemperaturePolicy()

_RANK: Final = {Temperature.COLD: 0, Temperature.WARM: 1, Temperature.HOT: 2}


def timeframe_days(lead: Lead, *, at: datetime | None = None) -> int | None:
    """The days left before *lead* means to buy: its ``purchase_timeframe_days``,
    else its BANT ``timescale_days``; with *at*, less the whole days since
    ``created_at`` (never below 0). None when the lead gave no timeframe.

    .. versionadded:: 0.1.0
    """
    days = lead.purchase_timeframe_days
    if days is None:
        days = lead.bant.timescale_days
        if days is None:
            return None
    if at is not None:
        elapsed = (at - lead.created_at).days
        if elapsed > 0:
            days = max(0, days - elapsed)
    return days


def classify_temperature(
    lead: Lead,
    *,
    score: Decimal | float | int | None = None,
    at: datetime | None = None,
    policy: TemperaturePolicy = DEFAULT_TEMPERATURE_POLICY,
) -> Temperature:
    """How soon *lead* wants to buy, by *policy*.

    Args:
        lead: The lead.
        score: Its score, for a policy with score bands (ignored otherwise).
        at: When; the stated timeframe then counts down from ``lead.created_at``.
            None takes the timeframe as stated.
        policy: The thresholds (by default the source material's).

    Returns:
        The hotter of the timeframe's temperature and the score band's.

    Raises:
        ValidationError: for a *lead* that is not a Lead, a *score* that is not
            a finite number, a naive *at*, or a *policy* that is not a
            :class:`TemperaturePolicy`.

    >>> from datetime import datetime, timezone
    >>> lead = Lead(id="L-1", name="Ana", source="referral",
    ...             created_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
    ...             purchase_timeframe_days=60)
    >>> classify_temperature(lead)
    <Temperature.WARM: 'warm'>
    >>> classify_temperature(lead, at=datetime(2026, 2, 24, tzinfo=timezone.utc))
    <Temperature.HOT: 'hot'>

    .. versionadded:: 0.1.0
    """
    if not isinstance(lead, Lead):
        raise ValidationError.single("lead", lead, "a Lead", "temperature")
    if type(policy) is not TemperaturePolicy:
        raise ValidationError.single("policy", policy, "a TemperaturePolicy", "temperature")
    at = instant_argument(at, "at", "temperature", optional=True)
    if score is not None:
        number = to_decimal(score)
        if type(number) is not Decimal or not number.is_finite():
            raise ValidationError.single(
                "score", score, f"None or {DECIMAL.expected}", "temperature"
            )
        score = number
    by_time = policy.by_timeframe(timeframe_days(lead, at=at))
    if score is None or (policy.hot_score is None and policy.warm_score is None):
        return by_time
    by_score = policy.by_score(score)
    return by_score if _RANK[by_score] > _RANK[by_time] else by_time
