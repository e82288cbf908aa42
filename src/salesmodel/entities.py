"""The records of sales management: who buys, who sells, what is sold, what was done.

Every entity is a frozen, slotted, keyword-only attrs class, validated when built:
a violation raises :class:`~salesmodel.ValidationError` naming every bad field, its
value and what is allowed. Change one by making a new one (:func:`attrs.evolve`, or
the pipeline operations).

Text is bounded: ids (``id``, ``owner_id``, ``stage``, ...) are 1 to 256 printable
characters with no space at either end; names and labels up to 1,000 characters;
free text (a prospect's needs) up to 10,000, lines allowed; no control characters,
and text is never blank (only whitespace and invisible format characters such as
U+200B). Text of a str subclass is kept as the plain str it holds. Ints stay within
±2**63.

Every datetime is kept as an instant: a time given in a named zone
(``ZoneInfo("Europe/Paris")``) is stored as the same instant and wall time with the
UTC offset then in force, which is what JSON keeps, so comparisons and durations are
real time and a round trip changes no figure. A wall time that does not exist in its
zone, or occurs twice there without ``fold=1``, is refused.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, cross, meta
from .attributes import EMPTY_ATTRIBUTES, Attributes
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .errors import Issue, ValidationError, short_repr
from .money import Money

__all__ = [
    "Activity",
    "Bant",
    "Customer",
    "Deal",
    "Lead",
    "Prospect",
    "Rep",
    "StageChange",
    "Target",
]

_SOURCE = r.open_enum(LeadSource)
#: A loss reason: a LossReason or a label of one's own (a move checks its reason so too).
LOSS_REASON: Final = r.open_enum(LossReason).optional()
_STATUS = r.closed_enum(Status)


@cross(
    "from_stage",
    "to_stage",
    "to_pipeline",
    fast="from_stage != to_stage or to_pipeline is not None",
)
def _moves_somewhere(from_stage: str, to_stage: str, to_pipeline: str | None) -> list[Issue] | None:
    if from_stage == to_stage and to_pipeline is None:
        expected = (
            f"a stage other than from_stage ({short_repr(from_stage)}), unless it changes pipeline"
        )
        return [Issue("to_stage", to_stage, expected)]
    return None


@cross(
    "to_pipeline",
    "from_pipeline",
    fast="from_pipeline is None or (to_pipeline is not None and from_pipeline != to_pipeline)",
)
def _leaves_its_pipeline(to_pipeline: str | None, from_pipeline: str | None) -> list[Issue] | None:
    if from_pipeline is not None and (to_pipeline is None or from_pipeline == to_pipeline):
        expected = (
            "None, except on a transfer (with to_pipeline)"
            if to_pipeline is None
            else f"a pipeline other than to_pipeline ({short_repr(to_pipeline)}): a transfer "
            "changes pipeline"
        )
        return [Issue("from_pipeline", from_pipeline, expected)]
    return None


@checked(_moves_somewhere, _leaves_its_pipeline)
@attrs.frozen(kw_only=True)
class StageChange(Record):
    """One move in a deal's or lead's history.

    Attributes:
        from_stage: The stage left.
        to_stage: The stage entered (never the same as ``from_stage``).
        at: When, timezone-aware.
        by: Who moved it (a rep id), if known.
        reason: Why, e.g. a :class:`LossReason` for a move to a lost stage (text
            of one's own is personal data: it may name people).
        to_pipeline: Set on a transfer only: the pipeline the record entered
            with this change (:meth:`Pipeline.transfer`). The changes before it
            followed another pipeline's rules.
        from_pipeline: Set on a transfer only: the pipeline the record left,
            whose rules the changes before it followed (never ``to_pipeline``).

    .. versionadded:: 0.1.0
    """

    from_stage: str = attrs.field(metadata=meta(r.ID))
    to_stage: str = attrs.field(metadata=meta(r.ID))
    at: datetime = attrs.field(metadata=meta(r.AWARE))
    by: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    reason: LossReason | str | None = attrs.field(
        default=None, metadata=meta(LOSS_REASON, personal=True)
    )
    to_pipeline: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    from_pipeline: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))


@checked()
@attrs.frozen(kw_only=True)
class Bant(Record):
    """The BANT qualification answers: Budget, Authority, Need, Timescale.

    None means "not asked yet".

    Attributes:
        budget: Whether the buyer has budget (``True``/``False``), or the amount
            they have.
        authority: Whether the contact can decide the purchase.
        need: Whether the buyer has a real need for the product.
        timescale_days: In how many days the buyer means to buy.

    .. versionadded:: 0.1.0
    """

    budget: bool | Money | None = attrs.field(
        default=None,
        metadata=meta(
            Rule(
                "type({v}) is bool or (type({v}) is Money and {v}.amount >= 0)",
                "True, False or a non-negative Money",
                {"Money": Money},
            ).optional()
        ),
    )
    authority: bool | None = attrs.field(default=None, metadata=meta(r.OPT_BOOL))
    need: bool | None = attrs.field(default=None, metadata=meta(r.OPT_BOOL))
    timescale_days: int | None = attrs.field(default=None, metadata=meta(r.OPT_NONNEG_INT))

    def answered(self) -> tuple[str, ...]:
        """The letters asked so far (not None), in BANT order: some of
        ``"budget"``, ``"authority"``, ``"need"``, ``"timescale"``.

        .. versionadded:: 0.1.0
        """
        answers = (self.budget, self.authority, self.need, self.timescale_days)
        letters = ("budget", "authority", "need", "timescale")
        return tuple(name for name, x in zip(letters, answers, strict=True) if x is not None)

    def met(self, *, max_timescale_days: int | None = 90) -> tuple[str, ...]:
        """The letters answered in the buyer's favour, in BANT order: budget True
        or a positive amount; authority True; need True; a timescale of at most
        *max_timescale_days* (any stated timescale when None).

        .. versionadded:: 0.1.0
        """
        check_timescale_limit(max_timescale_days, "Bant")
        budget = self.budget
        has_budget = budget is True or (type(budget) is Money and budget.amount > 0)
        days = self.timescale_days
        soon = days is not None and (max_timescale_days is None or days <= max_timescale_days)
        flags = (has_budget, self.authority is True, self.need is True, soon)
        letters = ("budget", "authority", "need", "timescale")
        return tuple(name for name, ok in zip(letters, flags, strict=True) if ok)

    def score(self, *, max_timescale_days: int | None = 90) -> int:
        """How many letters are met (0 to 4), as :meth:`met` judges them.

        .. versionadded:: 0.1.0
        """
        return len(self.met(max_timescale_days=max_timescale_days))

    def is_qualified(self, *, min_letters: int = 3, max_timescale_days: int | None = 90) -> bool:
        """Whether at least *min_letters* letters are met (IBM counted a lead
        qualified with 3 of the 4).

        >>> Bant(budget=True, authority=True, need=True).is_qualified()
        True
        >>> Bant(budget=True, need=True, timescale_days=200).is_qualified()
        False

        .. versionadded:: 0.1.0
        """
        if type(min_letters) is not int:
            raise ValidationError.single("min_letters", min_letters, "an int", "Bant")
        return self.score(max_timescale_days=max_timescale_days) >= min_letters


def check_timescale_limit(value: object, subject: str) -> None:
    """Refuse a ``max_timescale_days`` that is not None or a non-negative int
    (compared with days, anything else would raise or mislead)."""
    if value is not None and (type(value) is not int or value < 0):
        raise ValidationError.single(
            "max_timescale_days", value, "None or a non-negative int", subject
        )


_NO_BANT = Bant()


@cross("id", "manager_id", fast="manager_id != id")
def _not_own_manager(id: str, manager_id: str | None) -> list[Issue] | None:  # noqa: A002
    if manager_id == id:
        return [Issue("manager_id", manager_id, "another rep's id (a rep cannot manage itself)")]
    return None


@checked(_not_own_manager)
@attrs.frozen(kw_only=True)
class Rep(Record):
    """A sales representative.

    Attributes:
        id: Unique id.
        name: Display name (personal data).
        team: Team name.
        manager_id: The id of the rep's manager (never the rep itself).
        region: Territory, used for routing and targets.
        active: Whether the rep can take new leads.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    name: str = attrs.field(metadata=meta(r.TEXT, personal=True))
    team: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    manager_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    region: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    active: bool = attrs.field(default=True, metadata=meta(r.BOOL))


@cross(
    "status",
    "closed_at",
    fast="(closed_at is None) is (status is _OPEN)",
    names={"_OPEN": Status.OPEN},
)
def _closed_exactly_when_not_open(status: Status, closed_at: datetime | None) -> list[Issue] | None:
    if status is Status.OPEN:
        if closed_at is None:
            return None
        return [Issue("closed_at", closed_at, "None while status is 'open'")]
    if closed_at is None:
        return [Issue("closed_at", None, f"a datetime, since status is {status.value!r}")]
    return None


@cross("created_at", "closed_at", fast="closed_at is None or closed_at >= created_at")
def _closed_after_created(created_at: datetime, closed_at: datetime | None) -> list[Issue] | None:
    if closed_at is not None and closed_at < created_at:
        expected = f"no earlier than created_at ({created_at.isoformat()})"
        return [Issue("closed_at", closed_at, expected)]
    return None


@cross(
    "status",
    "closed_at",
    "history",
    fast="closed_at is None or not history or closed_at == history[-1].at",
)
def _closed_by_last_change(
    status: Status, closed_at: datetime | None, history: tuple[StageChange, ...]
) -> list[Issue] | None:
    # A closed record's history ends with the move that closed it (closed stages
    # are left only by a reopen, into an open stage), so closed_at is that move's time.
    if closed_at is None or not history or closed_at == history[-1].at:
        return None
    last = history[-1]
    expected = (
        f"{last.at.isoformat()}, the time of the last change ({short_repr(last.from_stage)} → "
        f"{short_repr(last.to_stage)}), since status is {status.value!r}"
    )
    return [Issue("closed_at", closed_at, expected)]


def _in_order(history: tuple[StageChange, ...], created_at: datetime) -> bool:
    """Whether *history* runs forward in time from *created_at*, each change
    starting where the one before ended (the fast path of the rule below)."""
    before, stage = created_at, history[0].from_stage
    for change in history:
        if change.at < before or change.from_stage != stage:
            return False
        before, stage = change.at, change.to_stage
    return True


@cross(
    "history",
    "created_at",
    "stage",
    fast="not history or (history[-1].to_stage == stage and _in_order(history, created_at))",
    names={"_in_order": _in_order},
)
def _history_in_order(
    history: tuple[StageChange, ...], created_at: datetime, stage: str
) -> list[Issue] | None:
    if not history:
        return None
    issues = []
    before, before_name, previous = created_at, "created_at", None
    for i, change in enumerate(history):
        if change.at < before:
            issues.append(
                Issue(f"history[{i}].at", change.at, f"no earlier than {before_name} ({before})")
            )
        if previous is not None and change.from_stage != previous.to_stage:
            issues.append(
                Issue(
                    f"history[{i}].from_stage",
                    change.from_stage,
                    f"{short_repr(previous.to_stage)}, where history[{i - 1}] ended",
                )
            )
        before, before_name, previous = change.at, f"history[{i}].at", change
    if history[-1].to_stage != stage:
        issues.append(
            Issue("stage", stage, f"{short_repr(history[-1].to_stage)}, where history ends")
        )
    return issues or None


_HISTORY = r.tuple_of(StageChange, "StageChange")


@checked(
    _closed_exactly_when_not_open,
    _closed_after_created,
    _history_in_order,
    _closed_by_last_change,
)
@attrs.frozen(kw_only=True)
class Lead(Record):
    """A potential buyer who showed interest, directly or indirectly.

    Its ``stage`` follows a lead lifecycle (by default :data:`LEAD_LIFECYCLE`:
    suspect → contacted → mql → sql → converted, or disqualified / nurture).

    Attributes:
        id: Unique id.
        name: The person's or organisation's name (personal data).
        created_at: When the lead was captured.
        source: Where it came from: a :class:`LeadSource` or any non-empty str.
        company: The organisation, if any (personal data: a sole trader is a
            person).
        email: Contact e-mail (personal data).
        owner_id: The rep who owns it.
        stage: Its lifecycle stage.
        status: ``OPEN`` while worked, ``WON`` once converted, ``LOST`` once
            disqualified.
        closed_at: Set exactly when status is not ``OPEN``; never before
            ``created_at``; with a history, the time of its last change (the move
            that closed it).
        purchase_timeframe_days: In how many days the lead said it would buy.
        bant: BANT qualification answers.
        attributes: Custom fields.
        history: Stage changes, in time order from ``created_at``, ending at
            ``stage``.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    name: str = attrs.field(metadata=meta(r.TEXT, personal=True))
    created_at: datetime = attrs.field(metadata=meta(r.AWARE))
    source: LeadSource | str = attrs.field(metadata=meta(_SOURCE))
    company: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT, personal=True))
    email: str | None = attrs.field(default=None, metadata=meta(r.OPT_EMAIL, personal=True))
    owner_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    stage: str = attrs.field(default="suspect", metadata=meta(r.ID))
    status: Status = attrs.field(default=Status.OPEN, metadata=meta(_STATUS))
    closed_at: datetime | None = attrs.field(default=None, metadata=meta(r.OPT_AWARE))
    purchase_timeframe_days: int | None = attrs.field(default=None, metadata=meta(r.OPT_NONNEG_INT))
    bant: Bant = attrs.field(default=_NO_BANT, metadata=meta(r.instance(Bant, "a Bant")))
    attributes: Attributes = attrs.field(
        default=EMPTY_ATTRIBUTES, metadata=meta(r.ATTRIBUTES, personal=True)
    )
    history: tuple[StageChange, ...] = attrs.field(
        default=(), metadata=meta(_HISTORY, personal=True)
    )


@checked()
@attrs.frozen(kw_only=True)
class Prospect(Record):
    """A qualified lead: a buyer a rep is actively working.

    Attributes:
        id: Unique id.
        name: The person's or organisation's name (personal data).
        owner_id: The rep who works it.
        qualified_at: When it was qualified.
        lead_id: The lead it came from.
        company: The organisation, if any (personal data: a sole trader is a
            person).
        bant: BANT qualification answers.
        temperature: How soon it wants to buy.
        needs: What it needs, in its own words (personal data; each may span
            lines).
        attributes: Custom fields.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    name: str = attrs.field(metadata=meta(r.TEXT, personal=True))
    owner_id: str = attrs.field(metadata=meta(r.ID))
    qualified_at: datetime = attrs.field(metadata=meta(r.AWARE))
    lead_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    company: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT, personal=True))
    bant: Bant = attrs.field(default=_NO_BANT, metadata=meta(r.instance(Bant, "a Bant")))
    temperature: Temperature = attrs.field(
        default=Temperature.COLD, metadata=meta(r.closed_enum(Temperature))
    )
    needs: tuple[str, ...] = attrs.field(default=(), metadata=meta(r.NOTES, personal=True))
    attributes: Attributes = attrs.field(
        default=EMPTY_ATTRIBUTES, metadata=meta(r.ATTRIBUTES, personal=True)
    )


@cross(
    "status",
    "loss_reason",
    fast="loss_reason is None or status is _LOST",
    names={"_LOST": Status.LOST},
)
def _loss_reason_only_when_lost(
    status: Status, loss_reason: LossReason | str | None
) -> list[Issue] | None:
    if loss_reason is not None and status is not Status.LOST:
        return [Issue("loss_reason", loss_reason, f"None while status is {status.value!r}")]
    return None


@checked(
    _closed_exactly_when_not_open,
    _closed_after_created,
    _loss_reason_only_when_lost,
    _history_in_order,
    _closed_by_last_change,
)
@attrs.frozen(kw_only=True)
class Deal(Record):
    """A sales opportunity moving through a pipeline.

    Attributes:
        id: Unique id.
        name: What is being sold to whom, e.g. ``"Acme - 40 seats"`` (personal
            data: it often names the buyer).
        amount: Its value, a non-negative :class:`Money`, or None when the value
            is not known (yet): a required argument, so unknown is said, never
            assumed. Any status may lack one (some CRMs close deals without a
            value); KPIs that add amounts leave such deals out and count them in
            their result's ``unknown``. Unknown is never zero.
        created_at: When it was opened.
        owner_id: The rep who owns it.
        prospect_id: The prospect it is sold to.
        customer_id: The customer who buys, once known: set on a customer's won
            deals (the first purchase included), which is what retention and the
            customer summary count.
        pipeline_id: The pipeline whose stages it moves through.
        stage: Its current stage (``"prospecting"``, the first stage of
            :data:`DEFAULT_PIPELINE`, by default).
        status: ``OPEN``, ``WON`` or ``LOST``.
        closed_at: Set exactly when status is not ``OPEN``; never before
            ``created_at``; with a history, the time of its last change (the move
            that closed it).
        loss_reason: Why it was lost; only while status is ``LOST``.
        source: Where its lead came from.
        product: What is sold.
        expected_close: When the rep expects to close it.
        attributes: Custom fields.
        history: Stage changes, in time order from ``created_at``, ending at
            ``stage``.

    >>> from datetime import datetime, timezone
    >>> deal = Deal(id="D-1", name="Acme", amount=Money("1200", "EUR"),
    ...             created_at=datetime(2026, 1, 5, tzinfo=timezone.utc))
    >>> deal.stage, deal.status
    ('prospecting', <Status.OPEN: 'open'>)

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    name: str = attrs.field(metadata=meta(r.TEXT, personal=True))
    amount: Money | None = attrs.field(metadata=meta(r.MONEY.optional()))
    created_at: datetime = attrs.field(metadata=meta(r.AWARE))
    owner_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    prospect_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    customer_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    pipeline_id: str = attrs.field(default="default", metadata=meta(r.ID))
    stage: str = attrs.field(default="prospecting", metadata=meta(r.ID))
    status: Status = attrs.field(default=Status.OPEN, metadata=meta(_STATUS))
    closed_at: datetime | None = attrs.field(default=None, metadata=meta(r.OPT_AWARE))
    loss_reason: LossReason | str | None = attrs.field(
        default=None, metadata=meta(LOSS_REASON, personal=True)
    )
    source: LeadSource | str | None = attrs.field(default=None, metadata=meta(_SOURCE.optional()))
    product: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    expected_close: date | None = attrs.field(default=None, metadata=meta(r.OPT_DATE))
    attributes: Attributes = attrs.field(
        default=EMPTY_ATTRIBUTES, metadata=meta(r.ATTRIBUTES, personal=True)
    )
    history: tuple[StageChange, ...] = attrs.field(
        default=(), metadata=meta(_HISTORY, personal=True)
    )


@cross("acquired_at", "churned_at", fast="churned_at is None or churned_at >= acquired_at")
def _churned_after_acquired(
    acquired_at: datetime, churned_at: datetime | None
) -> list[Issue] | None:
    if churned_at is not None and churned_at < acquired_at:
        expected = f"no earlier than acquired_at ({acquired_at.isoformat()})"
        return [Issue("churned_at", churned_at, expected)]
    return None


@checked(_churned_after_acquired)
@attrs.frozen(kw_only=True)
class Customer(Record):
    """A buyer who bought.

    Attributes:
        id: Unique id.
        name: The person's or organisation's name (personal data).
        acquired_at: When it first bought.
        churned_at: When it stopped being a customer, if it did; never before
            ``acquired_at``.
        prospect_id: The prospect it was.
        attributes: Custom fields.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    name: str = attrs.field(metadata=meta(r.TEXT, personal=True))
    acquired_at: datetime = attrs.field(metadata=meta(r.AWARE))
    churned_at: datetime | None = attrs.field(default=None, metadata=meta(r.OPT_AWARE))
    prospect_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    attributes: Attributes = attrs.field(
        default=EMPTY_ATTRIBUTES, metadata=meta(r.ATTRIBUTES, personal=True)
    )


@checked()
@attrs.frozen(kw_only=True)
class Activity(Record):
    """Something a rep did with a buyer (a call, a meeting), or a buyer did (a page
    view, a form submission).

    Attributes:
        id: Unique id.
        kind: What happened.
        at: When.
        rep_id, lead_id, deal_id, customer_id: Who and what it concerns.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    kind: ActivityKind = attrs.field(metadata=meta(r.closed_enum(ActivityKind)))
    at: datetime = attrs.field(metadata=meta(r.AWARE))
    rep_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    lead_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    deal_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    customer_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))


@cross("metric", "goal")
def _goal_fits_metric(metric: TargetMetric, goal: Money | int | Decimal) -> list[Issue] | None:
    if metric is TargetMetric.REVENUE:
        if type(goal) is not Money:
            return [Issue("goal", goal, "a Money, since metric is 'revenue'")]
    elif type(goal) is Money:
        return [Issue("goal", goal, f"a count (int or Decimal), since metric is {metric.value!r}")]
    return None


@cross("start", "end", fast="end > start")
def _ends_after_start(start: datetime, end: datetime) -> list[Issue] | None:
    if end <= start:
        return [Issue("end", end, f"later than start ({start.isoformat()})")]
    return None


@checked(_goal_fits_metric, _ends_after_start)
@attrs.frozen(kw_only=True)
class Target(Record):
    """A SMART sales goal for a rep, a team or the company over one period.

    The period is half-open: from ``start`` (included) to ``end`` (excluded).
    Narrow it to a product, a region or a segment with the optional fields.

    Attributes:
        id: Unique id.
        metric: What is counted.
        goal: A :class:`Money` for ``REVENUE``, a non-negative count otherwise.
        start, end: The period, timezone-aware, ``start < end``.
        rep_id, team, region, product, segment: Whose target it is, and what it
            covers; all None means the whole company.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))
    metric: TargetMetric = attrs.field(metadata=meta(r.closed_enum(TargetMetric)))
    goal: Money | int | Decimal = attrs.field(
        metadata=meta(
            Rule(
                f"(type({{v}}) is Money and {{v}}.amount >= 0) or ({r.NONNEG_NUMBER.test})",
                "a non-negative Money or count",
                {"Money": Money, **r.NONNEG_NUMBER.names},
                normalize=r.NONNEG_NUMBER.normalize,
                eager=True,
            )
        )
    )
    start: datetime = attrs.field(metadata=meta(r.AWARE))
    end: datetime = attrs.field(metadata=meta(r.AWARE))
    rep_id: str | None = attrs.field(default=None, metadata=meta(r.OPT_ID))
    team: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    region: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    product: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
    segment: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
