"""Target attainment, and the leaderboard that ranks reps by it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any, Final

import attrs

from salesmodel.entities import Activity, Customer, Deal, Lead, Rep, Target
from salesmodel.enums import ActivityKind, Status, TargetMetric
from salesmodel.errors import Issue, ValidationError
from salesmodel.money import Money, RateTable

from ._accumulators import Accumulator
from ._amounts import check_currency, resolve
from ._records import activity_issue, closing_issue, customer_issue, deal_issue, history_issue
from ._results import EXACT, NOTHING_SKIPPED, ZERO, Ratio, Skipped, Table

__all__ = [
    "Attainment",
    "AttainmentAccumulator",
    "Leaderboard",
    "LeaderboardAccumulator",
    "LeaderboardRow",
    "attainment",
    "leaderboard",
]

WON: Final = Status.WON

#: The record type each metric counts.
_COUNTS: Final[dict[TargetMetric, type]] = {
    TargetMetric.REVENUE: Deal,
    TargetMetric.DEALS_WON: Deal,
    TargetMetric.NEW_CUSTOMERS: Customer,
    TargetMetric.ACTIVITIES: Activity,
    TargetMetric.CALLS: Activity,
    TargetMetric.MEETINGS: Activity,
    TargetMetric.LEADS: Lead,
    TargetMetric.QUALIFIED_LEADS: Lead,
}


def rep_of(record: Any) -> str | None:
    """The rep a record belongs to: a deal's or lead's ``owner_id``, an
    activity's ``rep_id``, a customer's ``attributes["owner_id"]``."""
    kind = type(record)
    if kind is Deal or kind is Lead:
        return record.owner_id  # type: ignore[no-any-return]
    if kind is Activity:
        return record.rep_id  # type: ignore[no-any-return]
    attributes = getattr(record, "attributes", None)
    value = attributes.get("owner_id") if isinstance(attributes, Mapping) else None
    if value is None:
        value = getattr(record, "owner_id", None) or getattr(record, "rep_id", None)
    return value if isinstance(value, str) else None


def _attribute(record: Any, name: str) -> Any:
    attributes = getattr(record, "attributes", None)
    return attributes.get(name) if isinstance(attributes, Mapping) else None


def in_scope(target: Target, record: Any, reps: Mapping[str, Rep] | None) -> bool:
    """Whether *record* falls within *target*'s rep, team, region, product and
    segment (each only when the target names it)."""
    if target.rep_id is not None and rep_of(record) != target.rep_id:
        return False
    if target.team is not None or target.region is not None:
        rep = (reps or {}).get(rep_of(record) or "")
        if rep is None:
            return False
        if target.team is not None and rep.team != target.team:
            return False
        if target.region is not None and rep.region != target.region:
            return False
    if target.product is not None:
        product = record.product if type(record) is Deal else _attribute(record, "product")
        if product != target.product:
            return False
    return target.segment is None or _attribute(record, "segment") == target.segment


@attrs.frozen(eq=False)
class TargetWindow:
    """The deals that count toward a revenue *target*: in its scope
    (:func:`in_scope`), and open with an expected close in its period (or none
    recorded), or won in it. Records are asked :meth:`admits`; a DataFrame is
    filtered on the columns :meth:`fields` names (the frame engine's ``within``).
    """

    target: Target
    reps: Mapping[str, Rep] | None

    def admits(self, deal: Any) -> bool:
        """Whether *deal* counts toward the target."""
        target = self.target
        if not in_scope(target, deal, self.reps):
            return False
        if deal.status is Status.OPEN:
            expected = deal.expected_close
            return expected is None or target.start.date() <= expected < target.end.date()
        return deal.status is Status.WON and target.start <= deal.closed_at < target.end

    def owners(self) -> frozenset[str] | None:
        """The reps whose deals are in scope: those the target names, directly or
        by team and region (None: any rep's, or none)."""
        target = self.target
        owners: frozenset[str] | None = None
        if target.rep_id is not None:
            owners = frozenset({target.rep_id})
        if target.team is not None or target.region is not None:
            fit = frozenset(
                rep_id
                for rep_id, rep in (self.reps or {}).items()
                if (target.team is None or rep.team == target.team)
                and (target.region is None or rep.region == target.region)
            )
            owners = fit if owners is None else owners & fit
        return owners

    def fields(self) -> tuple[str, ...]:
        """The deal fields the scope reads (``segment`` is an attribute of a
        record, a column of a frame)."""
        target = self.target
        named = {
            "owner_id": self.owners() is not None,
            "product": target.product is not None,
            "segment": target.segment is not None,
        }
        return tuple(field for field, read in named.items() if read)


def _entered(lead: Any, stage: str) -> list[dt.datetime]:
    """When *lead* entered *stage* (its creation, if it started there)."""
    history = lead.history
    first = history[0].from_stage if history else lead.stage
    times = [lead.created_at] if first == stage else []
    times.extend(change.at for change in history if change.to_stage == stage)
    return times


@attrs.frozen(repr=False)
class Attainment:
    """How far a target is met.

    Attributes:
        target: The :class:`~salesmodel.Target`.
        actual: What was achieved: a :class:`~salesmodel.Money` (in the goal's
            currency) for revenue, a count otherwise.
        count: How many records it took (for revenue, the deals of known value).
        ratio: ``Ratio(actual, goal)``; its ``value`` is the attainment (1 is
            100 %), None for a zero goal.
        unknown: For revenue, how many won deals were left out because their
            value is not known.

    .. versionadded:: 0.1.0
    """

    target: Target
    actual: Money | int
    count: int
    ratio: Ratio
    unknown: int = attrs.field(default=0, kw_only=True)
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    @property
    def goal(self) -> Money | int | Decimal:
        """The target's goal."""
        return self.target.goal

    @property
    def value(self) -> Any:
        """The attainment as an exact fraction (None for a zero goal)."""
        return self.ratio.value

    def to_record(self) -> dict[str, Any]:
        """The attainment as one flat record."""
        t = self.target
        actual = self.actual.amount if type(self.actual) is Money else self.actual
        goal = t.goal.amount if type(t.goal) is Money else t.goal
        value = self.ratio.value
        return {
            "target_id": t.id,
            "metric": t.metric.value,
            "rep_id": t.rep_id,
            "team": t.team,
            "region": t.region,
            "product": t.product,
            "actual": actual,
            "goal": goal,
            "currency": t.goal.currency if type(t.goal) is Money else None,
            "attainment": None if value is None else float(value),
            "count": self.count,
            "unknown": self.unknown,
        }

    def __repr__(self) -> str:
        return f"Attainment({self.target.id!r}: {self.ratio!r})"


class AttainmentAccumulator(Accumulator[Attainment]):
    """Accumulates :func:`attainment`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Customer, Activity, Lead)
    expects = "a Deal, Customer, Activity or Lead"

    def __init__(
        self,
        target: Target,
        *,
        reps: Mapping[str, Rep] | None = None,
        qualified_stage: str = "sql",
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        if type(target) is not Target:
            raise ValidationError.single("target", target, "a Target")
        if (target.team is not None or target.region is not None) and reps is None:
            raise ValidationError.single(
                "reps",
                None,
                "a mapping of rep id to Rep, since the target names a team or a region",
            )
        goal_currency = target.goal.currency if type(target.goal) is Money else None
        check_currency(goal_currency, rates)
        super().__init__(
            strict=strict,
            target=target,
            reps=None if reps is None else dict(reps),
            qualified_stage=qualified_stage,
            rates=rates,
        )
        self._target = target
        self._reps = None if reps is None else dict(reps)
        self._stage = qualified_stage
        self._rates = rates
        self._currency = goal_currency
        self._kind = _COUNTS[target.metric]
        self._count = 0
        self._unknown = 0
        self._sums: dict[str, Decimal] = {}

    def _issue(self, record: Any) -> Issue | None:
        kind = self._kind
        if kind is Deal and hasattr(record, "amount"):
            return deal_issue(record, amount=True)
        if kind is Customer and hasattr(record, "acquired_at"):
            return customer_issue(record)
        if kind is Activity and hasattr(record, "kind"):
            return activity_issue(record)
        if kind is Lead and hasattr(record, "source") and not hasattr(record, "amount"):
            if self._target.metric is TargetMetric.QUALIFIED_LEADS:
                return history_issue(record)
            return closing_issue(record)
        return None  # a record of another kind is simply not counted

    def _matches(self, record: Any) -> bool:
        """Whether *record* counts toward the target (kind, time, scope)."""
        target = self._target
        metric = target.metric
        start, end = target.start, target.end
        own = type(record)
        if own in self.accepts and own is not self._kind:
            return False
        if self._kind is Deal:
            if not hasattr(record, "amount") or record.status is not WON:
                return False
            when = record.closed_at
        elif self._kind is Customer:
            if not hasattr(record, "acquired_at"):
                return False
            when = record.acquired_at
        elif self._kind is Activity:
            if not hasattr(record, "kind") or hasattr(record, "amount"):
                return False
            if metric is TargetMetric.CALLS and record.kind is not ActivityKind.CALL:
                return False
            if metric is TargetMetric.MEETINGS and record.kind is not ActivityKind.MEETING:
                return False
            when = record.at
        else:
            if not hasattr(record, "source") or hasattr(record, "amount"):
                return False
            if metric is TargetMetric.QUALIFIED_LEADS:
                if not any(start <= t < end for t in _entered(record, self._stage)):
                    return False
                return in_scope(target, record, self._reps)
            when = record.created_at
        return start <= when < end and in_scope(target, record, self._reps)

    def _add_chunk(self, chunk: list[Any]) -> None:
        chosen = [r for r in chunk if self._matches(r)]
        if self._target.metric is TargetMetric.REVENUE and chosen:
            known = [r for r in chosen if r.amount is not None]
            self._unknown += len(chosen) - len(known)
            chosen = known
        self._count += len(chosen)
        if self._target.metric is TargetMetric.REVENUE and chosen:
            with localcontext(EXACT):
                for record in chosen:
                    money = record.amount
                    self._sums[money.currency] = self._sums.get(money.currency, ZERO) + money.amount

    def _absorb(self, other: AttainmentAccumulator) -> None:
        self._count += other._count
        self._unknown += other._unknown
        with localcontext(EXACT):
            for code, total in other._sums.items():
                self._sums[code] = self._sums.get(code, ZERO) + total

    def result(self) -> Attainment:
        """The :class:`Attainment`."""
        target = self._target
        actual: Money | int
        if target.metric is TargetMetric.REVENUE:
            money = resolve(
                self._sums,
                currency=self._currency,
                rates=self._rates,
                what=f"revenue toward target {target.id!r}",
            )
            assert money is not None
            actual = money
        else:
            actual = self._count
        unknown = self._unknown
        return Attainment(
            target,
            actual,
            self._count,
            Ratio(actual, target.goal, unknown=unknown),
            unknown=unknown,
            skipped=self.skipped,
        )


def attainment(
    records: Iterable[Any],
    target: Target,
    *,
    reps: Mapping[str, Rep] | None = None,
    qualified_stage: str = "sql",
    rates: RateTable | None = None,
    strict: bool = True,
) -> Attainment:
    """How far *target* is met by *records*: ``Ratio(actual, goal)``.

    What counts, by the target's metric, within its period (``start``
    included, ``end`` excluded) and its scope (``rep_id`` matches a deal's or
    lead's ``owner_id``, an activity's ``rep_id``, a customer's
    ``attributes["owner_id"]``; ``team`` and ``region`` through *reps*;
    ``product`` a deal's ``product`` or another record's ``attributes["product"]``;
    ``segment`` ``attributes["segment"]``):

    - ``REVENUE``: the amounts of deals won (current status) and closed in the
      period, exact, in the goal's currency (other currencies need *rates*);
    - ``DEALS_WON``: how many such deals;
    - ``NEW_CUSTOMERS``: customers acquired in the period;
    - ``ACTIVITIES`` / ``CALLS`` / ``MEETINGS``: activities (of that kind) in the
      period;
    - ``LEADS``: leads created in the period;
    - ``QUALIFIED_LEADS``: leads that entered *qualified_stage* in the period
      (by their history, or created there).

    Records of other kinds are ignored (feed one mixed stream to several
    targets). Common rules: one pass over any iterable, constant memory;
    ``strict=False`` skips bad records and reports them in ``.skipped``.

    Args:
        records: Deals, customers, activities and leads, in any mix.
        target: The target.
        reps: Rep id → :class:`~salesmodel.Rep`, needed for team and region targets.
        qualified_stage: The lead stage that counts as qualified.
        rates: Exchange rates into the goal's currency.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        An :class:`Attainment`.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.
        CurrencyMismatchError: for revenue in other currencies without rates.

    .. versionadded:: 0.1.0
    """
    acc = AttainmentAccumulator(
        target, reps=reps, qualified_stage=qualified_stage, rates=rates, strict=strict
    )
    return acc.add_many(records).result()


@attrs.frozen
class LeaderboardRow:
    """One place on a leaderboard.

    Attributes:
        rank: 1 for the top; equal attainments share a rank (1, 1, 3).
        who: The target's rep id, else its team, region, or ``"company"``.
        attainment: The :class:`Attainment`.

    .. versionadded:: 0.1.0
    """

    rank: int
    who: str
    attainment: Attainment

    def to_record(self) -> dict[str, Any]:
        """The row as one flat record."""
        return {"rank": self.rank, "who": self.who, **self.attainment.to_record()}


@attrs.frozen(repr=False)
class Leaderboard(Table):
    """Reps (or teams) ranked by attainment, best first.

    .. versionadded:: 0.1.0
    """

    rows: tuple[LeaderboardRow, ...]
    skipped: Skipped = attrs.field(default=NOTHING_SKIPPED, eq=False, kw_only=True)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per row."""
        return [row.to_record() for row in self.rows]

    def _caption(self) -> str:
        return "Leaderboard"

    def __repr__(self) -> str:
        lines = ["Leaderboard("]
        for row in self.rows:
            lines.append(f"  {row.rank:>3}. {row.who}: {row.attainment.ratio!r}")
        return "\n".join(lines) + ")"


def _who(target: Target) -> str:
    return target.rep_id or target.team or target.region or "company"


class LeaderboardAccumulator(Accumulator[Leaderboard]):
    """Accumulates :func:`leaderboard`; same arguments.

    .. versionadded:: 0.1.0
    """

    accepts = (Deal, Customer, Activity, Lead)
    expects = "a Deal, Customer, Activity or Lead"

    def __init__(
        self,
        targets: Iterable[Target],
        *,
        reps: Mapping[str, Rep] | None = None,
        qualified_stage: str = "sql",
        rates: RateTable | None = None,
        strict: bool = True,
    ) -> None:
        chosen = tuple(targets) if isinstance(targets, Iterable) else (targets,)
        ids = [t.id for t in chosen if type(t) is Target]
        if len(ids) != len(chosen) or len(set(ids)) != len(ids):
            raise ValidationError.single("targets", targets, "Targets with distinct ids")
        if rates is not None and not isinstance(rates, RateTable):
            raise ValidationError.single("rates", rates, "None or a RateTable")
        super().__init__(
            strict=strict,
            targets=chosen,
            reps=None if reps is None else dict(reps),
            qualified_stage=qualified_stage,
            rates=rates,
        )
        self._parts = [
            AttainmentAccumulator(
                t,
                reps=reps,
                qualified_stage=qualified_stage,
                # rates convert revenue; a target counting records takes none
                rates=rates if type(t.goal) is Money else None,
                strict=strict,
            )
            for t in chosen
        ]

    def _admit(self, record: Any) -> bool:
        for part in self._parts:
            issue = part._issue(record)
            if issue is not None:
                self._reject(record, issue)
                return False
        return True

    def _add_chunk(self, chunk: list[Any]) -> None:
        for part in self._parts:
            part._add_chunk(chunk)

    def _absorb(self, other: LeaderboardAccumulator) -> None:
        for mine, theirs in zip(self._parts, other._parts, strict=True):
            mine._absorb(theirs)

    def result(self) -> Leaderboard:
        """The :class:`Leaderboard`."""
        results = [part.result() for part in self._parts]
        skipped = self.skipped

        def order(a: Attainment) -> tuple[int, Any, str]:
            value = a.ratio.value
            return (value is None, -(value or 0), _who(a.target))

        ranked = sorted(results, key=order)
        rows: list[LeaderboardRow] = []
        for i, item in enumerate(ranked):
            rank = i + 1
            if i and order(item)[:2] == order(ranked[i - 1])[:2]:
                rank = rows[-1].rank
            rows.append(LeaderboardRow(rank, _who(item.target), item))
        return Leaderboard(tuple(rows), skipped=skipped)


def leaderboard(
    records: Iterable[Any],
    targets: Iterable[Target],
    *,
    reps: Mapping[str, Rep] | None = None,
    qualified_stage: str = "sql",
    rates: RateTable | None = None,
    strict: bool = True,
) -> Leaderboard:
    """Reps ranked by attainment of their targets, for recognising top
    performers.

    Each target's attainment is computed as :func:`attainment` does (one pass
    over *records* serves every target). Rows are ordered by attainment, best
    first; equal attainments share a rank and are listed by name; a zero goal
    (no attainment) comes last.

    Args:
        records: Deals, customers, activities and leads, in any mix.
        targets: One target per rep (or team, region...), distinct ids.
        reps: Rep id → :class:`~salesmodel.Rep`, for team and region targets.
        qualified_stage: The lead stage that counts as qualified.
        rates: Exchange rates into each goal's currency.
        strict: Raise on the first bad record (True) or skip and report it.

    Returns:
        A :class:`Leaderboard`.

    Raises:
        ValidationError: for a bad argument, or a bad record when *strict*.

    .. versionadded:: 0.1.0
    """
    acc = LeaderboardAccumulator(
        targets, reps=reps, qualified_stage=qualified_stage, rates=rates, strict=strict
    )
    return acc.add_many(records).result()
