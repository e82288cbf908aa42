"""Lead routing: distribute new leads to the right reps, and say why.

:func:`assign` is pure and deterministic: the same leads, reps and policy give
the same assignment. A :class:`RoutingPolicy` combines, in this order:

1. **eligibility**: inactive reps never get a lead;
2. **territory**: a lead goes to the reps of its territory, matched on any lead
   attribute, against each rep's ``region`` or an explicit
   :class:`Territory` table; when no rep of the territory can take it, it falls
   back to every rep (``fallback=True``) or stays unassigned;
3. **capacity**: a rep holds at most ``capacity`` open leads, counting the open
   leads it already owns (those among *leads*, plus an optional ``workload``), as
   Odoo's ``assignment_max`` does;
4. **strategy**: among the reps left, ``"round_robin"`` (in turn, in the order
   the reps are given), ``"least_loaded"`` (the rep with the fewest open leads),
   or ``"best_conversion"`` (the hottest leads first, each round of the rotation
   starting with the rep with the best conversion rate). How hot a lead is comes
   from :func:`~salesmodel.classify_temperature` with the policy's
   ``temperature``: the purchase timeframe, and the lead's score too when the
   policy has score bands and ``scores`` are given.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, collection_argument, meta
from ._time import instant_argument
from .entities import Lead, Rep
from .enums import Status, Temperature
from .errors import Issue, ValidationError
from .temperature import DEFAULT_TEMPERATURE_POLICY, TemperaturePolicy, classify_temperature

__all__ = ["Routing", "RoutingDecision", "RoutingPolicy", "Territory", "assign"]

_STRATEGIES: Final = ("round_robin", "least_loaded", "best_conversion")
_STRATEGY: Final = Rule(
    "{v} in _STRATEGIES",
    "'round_robin', 'least_loaded' or 'best_conversion'",
    {"_STRATEGIES": _STRATEGIES},
)


@checked()
@attrs.frozen(kw_only=True)
class Territory(Record):
    """The reps who cover one value of the territory attribute.

    Attributes:
        value: The attribute's value (compared as text), e.g. ``"north"`` or
            ``"saas"``.
        rep_ids: The reps who cover it.

    .. versionadded:: 0.1.0
    """

    value: str = attrs.field(metadata=meta(r.TEXT))
    rep_ids: tuple[str, ...] = attrs.field(metadata=meta(r.TEXTS))


@checked()
@attrs.frozen(kw_only=True)
class RoutingPolicy(Record):
    """How :func:`assign` picks a rep for each lead (see the module's
    introduction for the order the parts apply in).

    Attributes:
        strategy: ``"round_robin"``, ``"least_loaded"`` or ``"best_conversion"``.
        territory_attribute: The lead attribute that names its territory (None:
            no territories).
        territories: Which reps cover which value; empty: a rep covers the value
            equal to its ``region``.
        fallback: Give a lead no territory rep can take to any rep; False leaves
            it unassigned.
        capacity: The most open leads a rep may hold (None: no limit).
        temperature: How hot a lead is, for ``"best_conversion"``: by its
            timeframe, and by its score when this has score bands and
            :func:`assign` is given ``scores``.

    .. versionadded:: 0.1.0
    """

    strategy: str = attrs.field(default="round_robin", metadata=meta(_STRATEGY))
    territory_attribute: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    territories: tuple[Territory, ...] = attrs.field(
        default=(), metadata=meta(r.tuple_of(Territory, "Territory"))
    )
    fallback: bool = attrs.field(default=True, metadata=meta(r.BOOL))
    capacity: int | None = attrs.field(default=None, metadata=meta(r.OPT_NONNEG_INT))
    temperature: TemperaturePolicy = attrs.field(
        default=DEFAULT_TEMPERATURE_POLICY,
        metadata=meta(r.instance(TemperaturePolicy, "a TemperaturePolicy")),
    )


@checked()
@attrs.frozen(kw_only=True)
class RoutingDecision(Record):
    """Where one lead went, and why.

    Attributes:
        lead_id: The lead.
        rep_id: The rep it went to; None when it stayed unassigned.
        reason: Why, in words.
        territory: The territory value it was routed on, if any.
        load: The rep's open leads after this one (0 when unassigned).

    .. versionadded:: 0.1.0
    """

    lead_id: str = attrs.field(metadata=meta(r.TEXT))
    rep_id: str | None = attrs.field(metadata=meta(r.OPT_TEXT))
    reason: str = attrs.field(metadata=meta(r.TEXT))
    territory: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    load: int = attrs.field(default=0, metadata=meta(r.NONNEG_INT))


@attrs.frozen
class Routing:
    """What :func:`assign` did.

    Attributes:
        leads: The leads that got an owner, with ``owner_id`` set, in the order
            they were assigned.
        decisions: One per lead that needed an owner (open, without one),
            assigned or not, in the order they were considered.
        loads: Each eligible rep's open leads afterwards.

    .. versionadded:: 0.1.0
    """

    leads: tuple[Lead, ...]
    decisions: tuple[RoutingDecision, ...]
    loads: Mapping[str, int]

    @property
    def unassigned(self) -> tuple[str, ...]:
        """The ids of the leads no rep could take."""
        return tuple(d.lead_id for d in self.decisions if d.rep_id is None)

    def decision(self, lead_id: str) -> RoutingDecision:
        """The decision about *lead_id*.

        Raises:
            ValidationError: naming ``lead_id``, for a lead that was not routed
                (closed, already owned, or not among the leads).
        """
        for d in self.decisions:
            if d.lead_id == lead_id:
                return d
        raise ValidationError.single(
            "lead_id", lead_id, "the id of a lead this routing decided about", "decision"
        )


_HEAT: Final = {Temperature.HOT: 0, Temperature.WARM: 1, Temperature.COLD: 2}


def _is_rate(value: Any) -> bool:
    # None is a rate not known (Ratio.value of 0/0): the rep ranks as one without.
    return value is None or (_is_number(value) and 0 <= value <= 1)


def _is_score(value: Any) -> bool:
    # A LeadScore's total, or a fitted model's probability, both within [0, 100].
    return _is_number(value) and not isinstance(value, Fraction) and 0 <= value <= 100


def _plain(score: Any) -> Decimal | None:
    """*score* as classify_temperature takes it: the exact Decimal of the number
    (a model's probability, 0.3333333333333333, has more digits than the
    15 a float may have as a written amount; numpy's scalars are numbers too)."""
    if score is None or type(score) is Decimal:
        return score
    return Decimal(int(score)) if isinstance(score, numbers.Integral) else Decimal(float(score))


def _is_number(value: Any) -> bool:
    """A finite real number (int, float, Decimal, Fraction or numpy's scalars; not
    a bool): NaN compares false with everything, so a NaN rate would sort
    anywhere, even first."""
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(value)


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _mapping_issues(
    name: str, value: Any, key: str, test: Callable[[Any], bool], expected: str
) -> list[Issue]:
    """The issues of the optional argument *name*: a mapping of *key* to values
    that pass *test*."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [Issue(name, value, f"None or a mapping of {key} to {expected}")]
    issues = []
    for k, v in value.items():
        if type(k) is not str:
            issues.append(Issue(f"{name}[{k!r}]", k, f"a {key} (a str)"))
        elif not test(v):
            issues.append(Issue(f"{name}[{k!r}]", v, expected))
    return issues


def _text(value: object) -> str | None:
    if value is None or (type(value) is str and not value.strip()):
        return None
    if type(value) is bool:
        return "true" if value else "false"
    return value if type(value) is str else repr(value)


def assign(
    leads: Iterable[Lead],
    reps: Sequence[Rep],
    *,
    policy: RoutingPolicy,
    at: datetime,
    workload: Mapping[str, int] | None = None,
    conversion: Mapping[str, float | Decimal] | None = None,
    scores: Mapping[str, float | Decimal] | None = None,
    after: str | None = None,
) -> Routing:
    """Give each open lead without an owner to a rep, by *policy*.

    Leads that are closed are ignored; open leads that already have an owner are
    not moved, but count towards their owner's load. Each lead is assigned at
    most once (a lead id seen twice is refused).

    Args:
        leads: The leads to route (and those already owned, for the loads).
        reps: The reps, in rotation order; inactive ones are skipped.
        policy: How to choose.
        at: When (for the leads' temperature; nothing reads the clock).
        workload: Open leads each rep holds beyond those in *leads*, by rep id
            (a non-negative int each).
        conversion: Each rep's conversion rate in [0, 1] by rep id, for
            ``"best_conversion"`` (a rep without one, or with None, ranks last).
        scores: Lead scores in [0, 100] by lead id (a ``LeadScore.total``, or a
            fitted model's probability), for ``"best_conversion"``: with score
            bands in ``policy.temperature`` a score can make a lead hotter, as
            :func:`~salesmodel.classify_temperature` decides; among
            leads equally hot, the higher score goes first (no score counts as 0).
        after: For ``"round_robin"``: the rep the previous run ended with, so the
            rotation carries on from the next one.

    Returns:
        The assigned leads and a decision for every lead routed.

    Raises:
        ValidationError: for a naive *at*, *leads* or *reps* that are not
            iterables of leads and reps, duplicate lead or rep ids, a *workload*,
            *conversion* or *scores* that is not a mapping of ids to numbers in
            range (named by key, e.g. ``conversion['ana']``), or a *policy* that
            is not a :class:`RoutingPolicy`.

    >>> from datetime import datetime, timezone
    >>> day = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> reps = [Rep(id="ana", name="Ana"), Rep(id="bo", name="Bo"),
    ...         Rep(id="cy", name="Cy", active=False)]
    >>> leads = [Lead(id=f"L-{i}", name="x", source="website", created_at=day)
    ...          for i in range(3)]
    >>> routing = assign(leads, reps, policy=RoutingPolicy(), at=day)
    >>> [(lead.id, lead.owner_id) for lead in routing.leads]
    [('L-0', 'ana'), ('L-1', 'bo'), ('L-2', 'ana')]

    .. versionadded:: 0.1.0
    """
    if type(policy) is not RoutingPolicy:
        raise ValidationError.single("policy", policy, "a RoutingPolicy", "assign")
    at = instant_argument(at, "at", "assign")
    collection_argument(leads, "leads", "an iterable of Lead records", "assign")
    collection_argument(reps, "reps", "a sequence of Rep records", "assign")
    leads = list(leads)
    reps = list(reps)
    issues = []
    seen_reps: set[str] = set()
    for i, rep in enumerate(reps):
        if type(rep) is not Rep:
            issues.append(Issue(f"reps[{i}]", rep, "a Rep"))
        elif rep.id in seen_reps:
            issues.append(Issue(f"reps[{i}].id", rep.id, "an id no other rep has"))
        else:
            seen_reps.add(rep.id)
    seen_leads: set[str] = set()
    for i, lead in enumerate(leads):
        if type(lead) is not Lead:
            issues.append(Issue(f"leads[{i}]", lead, "a Lead"))
        elif lead.id in seen_leads:
            issues.append(Issue(f"leads[{i}].id", lead.id, "an id no other lead has"))
        else:
            seen_leads.add(lead.id)
    issues += _mapping_issues("workload", workload, "rep id", _is_count, "a non-negative int")
    issues += _mapping_issues(
        "conversion", conversion, "rep id", _is_rate, "None or a conversion rate in [0, 1]"
    )
    issues += _mapping_issues(
        "scores", scores, "lead id", _is_score, "a score in [0, 100] (an int, float or Decimal)"
    )
    if issues:
        raise ValidationError(issues, "assign")

    active = [rep for rep in reps if rep.active]
    order = {rep.id: i for i, rep in enumerate(active)}
    loads = {rep.id: (workload or {}).get(rep.id, 0) for rep in active}
    for lead in leads:
        if lead.status is Status.OPEN and lead.owner_id in loads:
            loads[lead.owner_id] += 1
    pending = [lead for lead in leads if lead.status is Status.OPEN and lead.owner_id is None]

    strategy = policy.strategy
    if strategy == "best_conversion":
        rates = conversion or {}
        ranked = sorted(
            active,
            key=lambda rep: (
                rates.get(rep.id) is None,
                -float(rates.get(rep.id) or 0),
                order[rep.id],
            ),
        )
        rotation = [rep.id for rep in ranked]
        given = scores or {}
        # The score as classify_temperature reads it: a policy with score bands
        # makes a high-scored lead hot without a timeframe; one without ignores it.
        banded = policy.temperature.hot_score is not None or (
            policy.temperature.warm_score is not None
        )
        heat = {
            lead.id: _HEAT[
                classify_temperature(
                    lead,
                    score=_plain(given.get(lead.id)) if banded else None,
                    at=at,
                    policy=policy.temperature,
                )
            ]
            for lead in pending
        }
        pending.sort(
            key=lambda lead: (
                heat[lead.id],
                -float(given.get(lead.id, 0)),
                lead.created_at,
                lead.id,
            )
        )
    else:
        rotation = [rep.id for rep in active]
    pointer = 0
    if after is not None and after in rotation:
        pointer = rotation.index(after) + 1

    by_territory: dict[str, list[str]] = {}
    if policy.territory_attribute is not None:
        if policy.territories:
            for covered in policy.territories:
                by_territory.setdefault(covered.value, []).extend(covered.rep_ids)
        else:
            for rep in active:
                if rep.region is not None:
                    by_territory.setdefault(rep.region, []).append(rep.id)

    capacity = policy.capacity
    assigned: list[Lead] = []
    decisions: list[RoutingDecision] = []
    everyone = frozenset(rotation)
    for lead in pending:
        territory: str | None = None
        notes = []
        uncovered = False  # no active rep covers the lead's territory (or it has none)
        candidates = everyone
        if policy.territory_attribute is not None:
            territory = _text(lead.attributes.get(policy.territory_attribute))
            covering = (
                frozenset(by_territory.get(territory, ())) & everyone if territory else frozenset()
            )
            if territory is None:
                notes.append(f"no {policy.territory_attribute!r}")
            elif not covering:
                notes.append(f"no active rep covers {policy.territory_attribute}={territory!r}")
            uncovered = not covering
            candidates = covering
        open_ = [rep_id for rep_id in rotation if rep_id in candidates]
        if capacity is not None:
            room = [rep_id for rep_id in open_ if loads[rep_id] < capacity]
            if open_ and not room:
                notes.append(f"its {len(open_)} candidate reps are at capacity {capacity}")
            open_ = room
        fell_back = False
        if not open_ and policy.territory_attribute is not None and policy.fallback:
            open_ = [rep_id for rep_id in rotation if capacity is None or loads[rep_id] < capacity]
            fell_back = bool(open_)
        if not open_:
            why = "; ".join(notes) or "no active rep"
            full = capacity is not None and rotation and all(loads[x] >= capacity for x in rotation)
            # Without a fallback, a lead no rep covers had no candidate, full or not:
            # its territory is the reason. With one, the fallback found every rep full.
            if full and not (uncovered and not policy.fallback):
                why = f"every active rep is at capacity {capacity}"
                if uncovered:
                    why = f"{notes[0]}; {why}"
            decisions.append(
                RoutingDecision(
                    lead_id=lead.id, rep_id=None, reason=f"unassigned: {why}", territory=territory
                )
            )
            continue
        chosen, how = _choose(strategy, open_, rotation, pointer, loads, order)
        if strategy != "least_loaded":
            pointer = rotation.index(chosen) + 1
        loads[chosen] += 1
        parts = []
        if territory is not None and not fell_back and policy.territory_attribute is not None:
            parts.append(f"covers {policy.territory_attribute}={territory!r}")
        if fell_back:
            parts.append("fallback to any rep (" + "; ".join(notes) + ")")
        parts.append(how)
        if capacity is not None:
            parts.append(f"load {loads[chosen]}/{capacity}")
        decisions.append(
            RoutingDecision(
                lead_id=lead.id,
                rep_id=chosen,
                reason="; ".join(parts),
                territory=territory,
                load=loads[chosen],
            )
        )
        assigned.append(attrs.evolve(lead, owner_id=chosen))
    return Routing(tuple(assigned), tuple(decisions), dict(loads))


def _choose(
    strategy: str,
    open_: list[str],
    rotation: list[str],
    pointer: int,
    loads: Mapping[str, int],
    order: Mapping[str, int],
) -> tuple[str, str]:
    """The rep to take the lead, and how it was chosen."""
    if strategy == "least_loaded":
        chosen = min(open_, key=lambda rep_id: (loads[rep_id], order[rep_id]))
        return chosen, f"least loaded ({loads[chosen]} open leads before)"
    allowed = frozenset(open_)
    n = len(rotation)
    for step in range(n):
        rep_id = rotation[(pointer + step) % n]
        if rep_id in allowed:
            if strategy == "best_conversion":
                rank = rotation.index(rep_id) + 1
                return rep_id, f"best conversion first (rank {rank} of {n}), hottest leads first"
            return rep_id, f"round robin (turn {rotation.index(rep_id) + 1} of {n})"
    raise AssertionError("unreachable: open_ is a non-empty subset of rotation")  # pragma: no cover
