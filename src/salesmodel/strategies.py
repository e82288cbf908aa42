"""Hypothesis strategies for every salesmodel value and entity.

Needs the ``hypothesis`` extra (``pip install salesmodel[hypothesis]``). The
strategies follow Hypothesis' own style: plural names, keyword-only arguments,
strategies accepted where a value would be, and
:class:`hypothesis.errors.InvalidArgument` for bad arguments. Installing
salesmodel registers them with Hypothesis, so ``st.from_type(Deal)`` works.

Everything drawn is valid: every constructor accepts it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

import attrs
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .attributes import Attributes, AttributeValue
from .entities import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .errors import TransitionError
from .money import Money, RateTable, known_currencies
from .pipeline import Guard, Pipeline, Stage

__all__ = [
    "InvalidMove",
    "Journey",
    "Move",
    "activities",
    "amounts",
    "attributes",
    "aware_datetimes",
    "bants",
    "currencies",
    "customers",
    "deals",
    "histories",
    "identifiers",
    "invalid_moves",
    "leads",
    "moneys",
    "pipeline_machine",
    "pipelines",
    "prospects",
    "rate_tables",
    "reps",
    "stage_changes",
    "targets",
    "texts",
]

T = TypeVar("T")

_EPOCH = datetime(2000, 1, 1)
_END = datetime(2099, 12, 31)
_OFFSETS = st.sampled_from(
    [UTC] + [timezone(timedelta(minutes=m)) for m in (-480, -300, 60, 120, 330, 545)]
)
_COMMON_CURRENCIES = ("EUR", "USD", "GBP", "JPY", "BRL", "INR")


def _strategy(
    value: st.SearchStrategy[T] | T | None, default: st.SearchStrategy[T]
) -> st.SearchStrategy[T]:
    """A strategy from an argument that may be a strategy, a fixed value or None."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def identifiers() -> st.SearchStrategy[str]:
    """Short non-empty ids."""
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)


# Text holds no control characters, lone surrogates or line separators (_rules).
_PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\u2028\u2029")


def texts(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-blank text from all of Unicode, without control characters."""
    if max_size < 1:
        raise InvalidArgument(f"max_size={max_size!r} must be at least 1")
    return st.text(_PRINTABLE, min_size=1, max_size=max_size).filter(lambda s: not s.isspace())


def aware_datetimes(
    *, min_value: datetime = _EPOCH, max_value: datetime = _END
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with fixed UTC offsets, between two naive bounds."""
    if min_value.tzinfo is not None or max_value.tzinfo is not None:
        raise InvalidArgument("min_value and max_value are naive bounds (local wall time)")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=_OFFSETS)


def _after(start: datetime, *, max_days: int = 400) -> st.SearchStrategy[datetime]:
    """Aware datetimes no earlier than *start*, in a random fixed offset."""
    return st.builds(
        lambda delta, tz: (start + delta).astimezone(tz),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=max_days)),
        _OFFSETS,
    )


def currencies() -> st.SearchStrategy[str]:
    """Currency codes salesmodel knows (ISO 4217 and registered), mostly common ones."""
    return st.one_of(st.sampled_from(_COMMON_CURRENCIES), st.sampled_from(known_currencies()))


def amounts(
    *, min_value: Decimal | int = 0, max_value: Decimal | int = 10**9, places: int | None = 2
) -> st.SearchStrategy[Decimal]:
    """Finite Decimal amounts."""
    if places is not None and not 0 <= places <= 30:
        raise InvalidArgument(f"places={places!r} must be between 0 and 30")
    return st.decimals(
        min_value=min_value,
        max_value=max_value,
        places=places,
        allow_nan=False,
        allow_infinity=False,
    ).filter(lambda d: -30 <= d.adjusted() <= 30)


def moneys(
    *,
    currency: st.SearchStrategy[str] | str | None = None,
    amount: st.SearchStrategy[Decimal] | None = None,
) -> st.SearchStrategy[Money]:
    """Money values; fix *currency* to draw amounts of one currency."""
    return st.builds(Money, _strategy(amount, amounts()), _strategy(currency, currencies()))


def rate_tables() -> st.SearchStrategy[RateTable]:
    """Tables of positive rates between distinct currencies."""
    pair = st.tuples(currencies(), currencies()).filter(lambda p: p[0] != p[1])
    rate = st.decimals(min_value=Decimal("0.0001"), max_value=10_000, places=6)
    return st.dictionaries(pair, rate, max_size=5).map(RateTable)


_SCALARS: st.SearchStrategy[AttributeValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_PRINTABLE, max_size=20),
)


def attributes(*, max_size: int = 4) -> st.SearchStrategy[Attributes]:
    """Attribute mappings of JSON scalars."""
    return st.dictionaries(identifiers(), _SCALARS, max_size=max_size).map(Attributes)


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


def _open(enum: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(enum), texts(max_size=12))


@st.composite
def stage_changes(draw: st.DrawFn) -> StageChange:
    """Single stage changes between two different stage names."""
    from_stage = draw(identifiers())
    return StageChange(
        from_stage=from_stage,
        to_stage=draw(identifiers().filter(from_stage.__ne__)),
        at=draw(aware_datetimes()),
        by=draw(_optional(identifiers())),
        reason=draw(_optional(_open(LossReason))),
    )


@st.composite
def _history(
    draw: st.DrawFn, created_at: datetime, stages: Sequence[str] | None, max_moves: int
) -> tuple[str, tuple[StageChange, ...]]:
    """A stage and a consistent history leading to it."""
    names = st.sampled_from(stages) if stages else identifiers()
    current = draw(names)
    at = created_at
    changes = []
    for _ in range(draw(st.integers(0, max_moves))):
        target = draw(names.filter(current.__ne__))
        at = draw(_after(at, max_days=60))
        changes.append(
            StageChange(
                from_stage=current, to_stage=target, at=at, by=draw(_optional(identifiers()))
            )
        )
        current = target
    return current, tuple(changes)


def bants() -> st.SearchStrategy[Bant]:
    """BANT answers, each possibly unknown."""
    return st.builds(
        Bant,
        budget=_optional(st.one_of(st.booleans(), moneys())),
        authority=_optional(st.booleans()),
        need=_optional(st.booleans()),
        timescale_days=_optional(st.integers(0, 720)),
    )


@st.composite
def reps(draw: st.DrawFn) -> Rep:
    """Sales reps."""
    rep_id = draw(identifiers())
    return Rep(
        id=rep_id,
        name=draw(texts()),
        team=draw(_optional(texts(max_size=10))),
        manager_id=draw(_optional(identifiers().filter(rep_id.__ne__))),
        region=draw(_optional(texts(max_size=10))),
        active=draw(st.booleans()),
    )


@st.composite
def _closing(
    draw: st.DrawFn,
    created_at: datetime,
    history: tuple[StageChange, ...],
    status: st.SearchStrategy[Status],
) -> tuple[Status, datetime | None]:
    """A status and its ``closed_at``: the last change's time when there is a
    history (the move that closed it), else any time after creation."""
    chosen = draw(status)
    if chosen is Status.OPEN:
        return chosen, None
    if history:
        return chosen, history[-1].at
    return chosen, draw(_after(created_at, max_days=90))


@st.composite
def leads(
    draw: st.DrawFn,
    *,
    status: st.SearchStrategy[Status] | Status | None = None,
    stages: Sequence[str] | None = None,
    max_moves: int = 4,
) -> Lead:
    """Leads with a consistent history; *stages* limits the stage names used."""
    created_at = draw(aware_datetimes())
    stage, history = draw(_history(created_at, stages, max_moves))
    chosen, closed_at = draw(
        _closing(created_at, history, _strategy(status, st.sampled_from(Status)))
    )
    return Lead(
        id=draw(identifiers()),
        name=draw(texts()),
        created_at=created_at,
        source=draw(_open(LeadSource)),
        company=draw(_optional(texts(max_size=15))),
        email=draw(_optional(st.from_regex(r"\A[a-z0-9.]{1,8}@[a-z]{1,8}\.[a-z]{2,4}\Z"))),
        owner_id=draw(_optional(identifiers())),
        stage=stage,
        status=chosen,
        closed_at=closed_at,
        purchase_timeframe_days=draw(_optional(st.integers(0, 720))),
        bant=draw(bants()),
        attributes=draw(attributes()),
        history=history,
    )


def prospects() -> st.SearchStrategy[Prospect]:
    """Prospects."""
    return st.builds(
        Prospect,
        id=identifiers(),
        name=texts(),
        owner_id=identifiers(),
        qualified_at=aware_datetimes(),
        lead_id=_optional(identifiers()),
        company=_optional(texts(max_size=15)),
        bant=bants(),
        temperature=st.sampled_from(Temperature),
        needs=st.lists(texts(max_size=15), max_size=3).map(tuple),
        attributes=attributes(),
    )


@st.composite
def deals(
    draw: st.DrawFn,
    *,
    currency: st.SearchStrategy[str] | str | None = None,
    status: st.SearchStrategy[Status] | Status | None = None,
    stages: Sequence[str] | None = None,
    owners: st.SearchStrategy[str] | None = None,
    max_moves: int = 4,
) -> Deal:
    """Deals with a consistent history, closing and loss reason."""
    if max_moves < 0:
        raise InvalidArgument(f"max_moves={max_moves!r} must be non-negative")
    created_at = draw(aware_datetimes())
    stage, history = draw(_history(created_at, stages, max_moves))
    chosen, closed_at = draw(
        _closing(created_at, history, _strategy(status, st.sampled_from(Status)))
    )
    return Deal(
        id=draw(identifiers()),
        name=draw(texts()),
        amount=draw(moneys(currency=currency)),
        created_at=created_at,
        owner_id=draw(_optional(identifiers() if owners is None else owners)),
        prospect_id=draw(_optional(identifiers())),
        customer_id=draw(_optional(identifiers())),
        pipeline_id=draw(st.one_of(st.just("default"), identifiers())),
        stage=stage,
        status=chosen,
        closed_at=closed_at,
        loss_reason=draw(_optional(_open(LossReason))) if chosen is Status.LOST else None,
        source=draw(_optional(_open(LeadSource))),
        product=draw(_optional(texts(max_size=12))),
        expected_close=draw(_optional(st.dates(date(2000, 1, 1), date(2099, 12, 31)))),
        attributes=draw(attributes()),
        history=history,
    )


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    """Customers, some churned."""
    acquired_at = draw(aware_datetimes())
    return Customer(
        id=draw(identifiers()),
        name=draw(texts()),
        acquired_at=acquired_at,
        churned_at=draw(_optional(_after(acquired_at, max_days=1000))),
        prospect_id=draw(_optional(identifiers())),
        attributes=draw(attributes()),
    )


def activities() -> st.SearchStrategy[Activity]:
    """Activities of every kind."""
    return st.builds(
        Activity,
        id=identifiers(),
        kind=st.sampled_from(ActivityKind),
        at=aware_datetimes(),
        rep_id=_optional(identifiers()),
        lead_id=_optional(identifiers()),
        deal_id=_optional(identifiers()),
        customer_id=_optional(identifiers()),
    )


@st.composite
def targets(draw: st.DrawFn) -> Target:
    """Targets of every metric, with a goal of the right kind."""
    metric = draw(st.sampled_from(TargetMetric))
    start = draw(aware_datetimes())
    goal: Money | int | Decimal
    if metric is TargetMetric.REVENUE:
        goal = draw(moneys())
    else:
        goal = draw(st.one_of(st.integers(0, 10_000), amounts(max_value=10_000)))
    return Target(
        id=draw(identifiers()),
        metric=metric,
        goal=goal,
        start=start,
        end=draw(_after(start + timedelta(seconds=1), max_days=366)),
        rep_id=draw(_optional(identifiers())),
        team=draw(_optional(texts(max_size=10))),
        region=draw(_optional(texts(max_size=10))),
        product=draw(_optional(texts(max_size=10))),
        segment=draw(_optional(texts(max_size=10))),
    )


# --- pipelines ---------------------------------------------------------------------

EntityT = TypeVar("EntityT", bound=Deal | Lead)

_FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
_KINDS = (Deal, Lead)
#: The rules a refused move names when its time or arguments are wrong (the
#: stage rules and guards are the pipeline's own, and can_move answers them).
_ARGUMENT_RULES = frozenset({"time-order", "reason-required"})
_STAGE_RULES = frozenset({"not-allowed", "same-stage", "unknown-stage", "wrong-pipeline"})


def _stage_ids() -> st.SearchStrategy[str]:
    """Stage ids as CRMs spell them: snake_case keys, or labels with spaces,
    slashes and any other character."""
    return st.one_of(identifiers(), texts(max_size=16))


@st.composite
def _stage(draw: st.DrawFn, stage_id: str, status: Status) -> Stage:
    rot_after = None
    if status is Status.OPEN:
        minutes = _optional(st.integers(60, 120 * 24 * 60))
        rot_after = draw(minutes.map(lambda m: None if m is None else timedelta(minutes=m)))
    probability = (
        draw(st.decimals(min_value=0, max_value=1, places=2))
        if status is Status.OPEN
        else Decimal(1 if status is Status.WON else 0)
    )
    return Stage(
        stage_id,
        draw(texts(max_size=20)),
        probability,
        status,
        forecast_category=draw(_optional(st.sampled_from(_FORECAST_CATEGORIES))),
        rot_after=rot_after,
    )


@st.composite
def _transitions(
    draw: st.DrawFn, order: Sequence[str], opened: Sequence[str], closed: Sequence[str]
) -> dict[str, list[str]]:
    """Explicit moves under which every stage is reachable from the first and
    every open stage can close."""
    targets: dict[str, set[str]] = {stage: set() for stage in opened}
    for i, stage in enumerate(opened[1:], start=1):  # a tree from the first stage
        targets[opened[draw(st.integers(0, i - 1))]].add(stage)
    for stage in closed:
        targets[draw(st.sampled_from(opened))].add(stage)
    for stage in opened:  # and some more moves, anywhere but onto itself
        extra = draw(st.lists(st.sampled_from(order), max_size=3))
        targets[stage].update(t for t in extra if t != stage)
    closing = set(closed)
    can_close = {s for s in opened if targets[s] & closing}
    grew = True
    while grew:
        grew = False
        for stage in opened:
            if stage not in can_close and targets[stage] & can_close:
                can_close.add(stage)
                grew = True
    for stage in opened:
        if stage not in can_close:
            targets[stage].add(draw(st.sampled_from(closed)))
    index = {stage: i for i, stage in enumerate(order)}
    out = {stage: sorted(targets[stage], key=index.__getitem__) for stage in opened}
    for stage in closed:  # closed stages may be listed, with no moves
        if draw(st.booleans()):
            out[stage] = []
    return out


@st.composite
def _pipelines(
    draw: st.DrawFn, min_open: int, max_open: int, max_won: int, max_lost: int, guards: bool
) -> Pipeline:
    n_open = draw(st.integers(min_open, max_open))
    n_won = draw(st.integers(0 if max_lost else 1, max_won))
    n_lost = draw(st.integers(0 if n_won else 1, max_lost))
    statuses = [Status.OPEN] * n_open + [Status.WON] * n_won + [Status.LOST] * n_lost
    ids = draw(st.lists(_stage_ids(), min_size=len(statuses), max_size=len(statuses), unique=True))
    stages = [
        draw(_stage(stage_id, status)) for stage_id, status in zip(ids, statuses, strict=True)
    ]
    # Open stages keep their order (it is the order deals advance in); the closed
    # ones may sit anywhere after the first stage.
    order = [stages[0], *draw(st.permutations(stages[1:]))]
    order_ids = [s.id for s in order]
    opened = [s.id for s in order if s.is_open]
    closed = [s.id for s in order if s.is_closed]
    transitions = draw(st.none() | _transitions(order_ids, opened, closed))
    reopen_to: dict[str, list[str]] = {}
    for stage in closed:
        if draw(st.booleans()):
            into = st.lists(st.sampled_from(opened), min_size=1, max_size=3, unique=True)
            reopen_to[stage] = draw(into)
    guard_list: list[Guard] = []
    if guards and draw(st.booleans()):
        # A guard every drawn entity may or may not pass: owner_id is optional on
        # deals and leads alike.
        given: dict[str, Any] = {
            "name": draw(identifiers()),
            "into": draw(st.lists(st.sampled_from(order_ids), max_size=2, unique=True)),
            "fields": ("owner_id",),
            "message": draw(_optional(texts(max_size=20))),
        }
        guard_list.append(Guard(**given))
    return Pipeline(
        draw(identifiers()),
        order,
        transitions,
        name=draw(_optional(texts(max_size=20))),
        allow_skip=draw(st.booleans()),
        allow_back=draw(st.booleans()),
        reopen_to=reopen_to,
        lost_requires_reason=draw(st.booleans()),
        guards=guard_list,
    )


def _check_count(name: str, value: object, least: int) -> None:
    if type(value) is not int or value < least:
        raise InvalidArgument(f"{name}={value!r} must be an int of at least {least}")


def pipelines(
    *,
    min_open: int = 1,
    max_open: int = 6,
    max_won: int = 2,
    max_lost: int = 2,
    guards: bool = True,
) -> st.SearchStrategy[Pipeline]:
    """Random valid pipelines.

    They vary in every way a definition may: stage counts, several won and lost
    stages, closed stages anywhere after the first, ids with spaces and slashes,
    moves derived from the policies (``allow_skip``, ``allow_back``) or spelled
    out in ``transitions``, reopen maps, ``lost_requires_reason`` on or off, and
    (with *guards*) a guard on ``owner_id``.

    Args:
        min_open: The fewest open stages (at least 1).
        max_open: The most open stages.
        max_won: The most won stages.
        max_lost: The most lost stages (``max_won + max_lost`` at least 1: a
            pipeline needs a closed stage).
        guards: Whether some pipelines carry a guard.

    Raises:
        hypothesis.errors.InvalidArgument: for bounds no pipeline can meet.

    .. versionadded:: 0.1.0
    """
    _check_count("min_open", min_open, 1)
    _check_count("max_open", max_open, min_open)
    _check_count("max_won", max_won, 0)
    _check_count("max_lost", max_lost, 0)
    if max_won + max_lost < 1:
        raise InvalidArgument(
            "max_won + max_lost must be at least 1: a pipeline needs a closed stage"
        )
    if type(guards) is not bool:
        raise InvalidArgument(f"guards={guards!r} must be True or False")
    return _pipelines(min_open, max_open, max_won, max_lost, guards)


@attrs.frozen(kw_only=True)
class Move:
    """One move to make: the arguments of :meth:`Pipeline.move`.

    .. versionadded:: 0.1.0
    """

    to: str
    at: datetime
    by: str | None = None
    reason: LossReason | str | None = None

    def apply(self, pipeline: Pipeline, entity: EntityT) -> EntityT:
        """``pipeline.move(entity, ...)`` with this move's arguments."""
        return pipeline.move(entity, self.to, at=self.at, by=self.by, reason=self.reason)


@attrs.frozen(kw_only=True)
class Journey(Generic[EntityT]):
    """An entity, the valid moves drawn for it, and where they lead.

    Attributes:
        pipeline: The pipeline moved through.
        start: A new entity in the pipeline's first stage.
        moves: Valid moves, in time order.
        end: *start* after every move: ``end == replay()``.

    .. versionadded:: 0.1.0
    """

    pipeline: Pipeline
    start: EntityT
    moves: tuple[Move, ...]
    end: EntityT

    def replay(self) -> EntityT:
        """*start* moved through every move again."""
        entity = self.start
        for move in self.moves:
            entity = move.apply(self.pipeline, entity)
        return entity


@attrs.frozen(kw_only=True)
class InvalidMove(Generic[EntityT]):
    """A move the pipeline must refuse, and how.

    Attributes:
        pipeline: The pipeline that must refuse it.
        entity: A valid entity of the pipeline (drawn by :func:`histories`).
        move: The move to refuse.
        rule: The :attr:`TransitionError.rule` the refusal must name.
        allowed: The :attr:`TransitionError.allowed` it must list.

    .. versionadded:: 0.1.0
    """

    pipeline: Pipeline
    entity: EntityT
    move: Move
    rule: str
    allowed: tuple[str, ...]

    def apply(self) -> EntityT:
        """Attempt the move (it should raise :class:`TransitionError`)."""
        return self.move.apply(self.pipeline, self.entity)


def _last_change(entity: Deal | Lead) -> datetime:
    return entity.history[-1].at if entity.history else entity.created_at


def _fresh(pipeline: Pipeline, kind: type[Any]) -> st.SearchStrategy[Any]:
    """New entities of *kind* in the first stage of *pipeline*, ready to move."""
    if kind is Lead:
        return st.builds(
            Lead,
            id=identifiers(),
            name=texts(),
            created_at=aware_datetimes(),
            source=_open(LeadSource),
            owner_id=_optional(identifiers()),
            stage=st.just(pipeline.first.id),
        )
    return st.builds(
        Deal,
        id=identifiers(),
        name=texts(),
        amount=moneys(),
        created_at=aware_datetimes(),
        owner_id=_optional(identifiers()),
        pipeline_id=st.just(pipeline.id),
        stage=st.just(pipeline.first.id),
    )


def _movable(pipeline: Pipeline, entity: Deal | Lead) -> list[str]:
    """The stages *entity* may move to now."""
    return [t for t in pipeline.targets(entity.stage) if pipeline.can_move(entity, t)]


def _forward(pipeline: Pipeline, entity: Deal | Lead, options: Sequence[str]) -> str | None:
    """The move that makes progress: the nearest open stage ahead, or else a won
    stage; None when no option does."""
    if entity.status is not Status.OPEN:
        return None
    here = pipeline.index(entity.stage)
    ahead = [t for t in options if pipeline.stage(t).is_open and pipeline.index(t) > here]
    if ahead:
        return min(ahead, key=pipeline.index)
    won = [t for t in options if pipeline.stage(t).status is Status.WON]
    return won[0] if won else None


@st.composite
def _targets(draw: st.DrawFn, pipeline: Pipeline, entity: Deal | Lead, options: list[str]) -> str:
    """One of *options*: mostly the one that makes progress, so that deals reach
    the late stages and win (a uniform choice rarely gets past a few stages when
    every stage may be lost)."""
    forward = _forward(pipeline, entity, options)
    if forward is not None and draw(st.integers(0, 3)):
        return forward
    return draw(st.sampled_from(options))


@st.composite
def _valid_moves(draw: st.DrawFn, pipeline: Pipeline, entity: Deal | Lead, to: str) -> Move:
    """A valid move of *entity* to *to*: a later time, a by, and a reason (always
    one into a lost stage that needs it)."""
    if pipeline.stage(to).status is Status.LOST:
        reasons = _open(LossReason)
        reason = draw(reasons if pipeline.lost_requires_reason else _optional(reasons))
    else:
        reason = draw(_optional(texts(max_size=12)))
    return Move(
        to=to,
        at=draw(_after(_last_change(entity), max_days=60)),
        by=draw(_optional(identifiers())),
        reason=reason,
    )


@st.composite
def _journeys(
    draw: st.DrawFn, pipeline: Pipeline, kind: type[EntityT], max_moves: int
) -> Journey[EntityT]:
    start = draw(_fresh(pipeline, kind))
    entity, moves = start, []
    for _ in range(draw(st.integers(0, max_moves))):
        options = _movable(pipeline, entity)
        if not options:
            break  # a final stage
        move = draw(_valid_moves(pipeline, entity, draw(_targets(pipeline, entity, options))))
        entity = move.apply(pipeline, entity)
        moves.append(move)
    return Journey(pipeline=pipeline, start=start, moves=tuple(moves), end=entity)


def _check_pipeline(pipeline: object) -> st.SearchStrategy[Pipeline]:
    if isinstance(pipeline, Pipeline):
        return st.just(pipeline)
    if isinstance(pipeline, st.SearchStrategy):
        return pipeline
    raise InvalidArgument(f"pipeline={pipeline!r} must be a Pipeline or a strategy of pipelines")


def _check_kind(kind: object) -> None:
    if kind is not None and kind not in _KINDS:
        raise InvalidArgument(f"kind={kind!r} must be None, Deal or Lead")


def _kind_for(pipeline: Pipeline, kind: type[Any] | None) -> type[Any]:
    """The record kind to move through *pipeline*: *kind*, else the one the
    pipeline declares, else a deal."""
    if kind is not None:
        if pipeline.kind is not None and pipeline.kind is not kind:
            raise InvalidArgument(
                f"kind={kind.__name__} but pipeline {pipeline.id!r} moves "
                f"{pipeline.kind.__name__} records"
            )
        return kind
    return pipeline.kind if pipeline.kind in _KINDS else Deal


@overload
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Lead],
    max_moves: int = ...,
) -> st.SearchStrategy[Journey[Lead]]: ...
@overload
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[Journey[Deal]]: ...
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] | type[Lead] | None = None,
    max_moves: int = 10,
) -> st.SearchStrategy[Any]:
    """Valid move sequences through *pipeline*, to property-test your own.

    Each :class:`Journey` holds a new entity in the first stage, up to
    *max_moves* valid moves (fewer when it reaches a final stage) with times
    that never go back, and the entity they lead to. Every move honours the
    pipeline's transitions, policies, guards and reason rule; into a lost stage
    that needs one, a reason is always given.

    >>> from hypothesis import given
    >>> from salesmodel import DEFAULT_PIPELINE
    >>> @given(histories(DEFAULT_PIPELINE))
    ... def test_a_won_deal_was_in_closing_just_before(journey):
    ...     if journey.end.stage == "won":
    ...         assert journey.end.history[-1].from_stage == "closing"
    >>> test_a_won_deal_was_in_closing_just_before()

    Args:
        pipeline: The pipeline, or a strategy of pipelines (e.g.
            :func:`pipelines`).
        kind: :class:`~salesmodel.Deal` (with the pipeline's id) or
            :class:`~salesmodel.Lead`; by default what the pipeline moves
            (``Pipeline.kind``), a deal when it does not say.
        max_moves: The most moves in one journey.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument.

    .. versionadded:: 0.1.0
    """
    source = _check_pipeline(pipeline)
    _check_kind(kind)
    _check_count("max_moves", max_moves, 0)
    return source.flatmap(lambda p: _journeys(p, _kind_for(p, kind), max_moves))


def _refusal(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    pipeline: Pipeline,
    entity: EntityT,
    rules: frozenset[str] | None,
) -> InvalidMove[EntityT]:
    """A move of *entity* that *pipeline* must refuse, with the rule it must
    name, one of *rules* (the callers pick an entity some of them apply to)."""
    applicable = _applicable(pipeline, entity)
    names = sorted(applicable if rules is None else applicable & rules)
    rule = draw(st.sampled_from(names))
    current = entity.stage
    allowed = pipeline.targets(current)
    last = _last_change(entity)

    def refused(to: str) -> InvalidMove[EntityT]:
        move = Move(to=to, at=draw(_after(last, max_days=30)))
        return InvalidMove(pipeline=pipeline, entity=entity, move=move, rule=rule, allowed=allowed)

    def spoilt(**changes: Any) -> InvalidMove[EntityT]:
        """A valid move with *changes* that spoil it."""
        to = draw(st.sampled_from(_movable(pipeline, entity)))
        move = attrs.evolve(draw(_valid_moves(pipeline, entity, to)), **changes)
        return InvalidMove(pipeline=pipeline, entity=entity, move=move, rule=rule, allowed=allowed)

    if rule == "same-stage":
        return refused(current)
    if rule == "unknown-stage":
        return refused(draw(_stage_ids().filter(lambda s: s not in pipeline)))
    if rule == "not-allowed":
        elsewhere = [s.id for s in pipeline.stages if s.id != current and s.id not in allowed]
        return refused(draw(st.sampled_from(elsewhere)))
    if rule == "time-order":
        earlier = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30))
        return spoilt(at=last - draw(earlier))
    if rule == "reason-required":
        movable = _movable(pipeline, entity)
        lost = [t for t in movable if pipeline.stage(t).status is Status.LOST]
        return refused(draw(st.sampled_from(lost)))
    if rule == "wrong-pipeline":
        other = draw(identifiers().filter(lambda s: s != pipeline.id))
        to = draw(st.sampled_from([s.id for s in pipeline.stages]))
        move = Move(to=to, at=draw(_after(last, max_days=30)))
        moved = attrs.evolve(entity, pipeline_id=other)
        return InvalidMove(pipeline=pipeline, entity=moved, move=move, rule=rule, allowed=())
    # A guard's name: a move into a stage that guard refuses first.
    return refused(draw(st.sampled_from(_guarded(pipeline, entity)[rule])))


def _guarded(pipeline: Pipeline, entity: Deal | Lead) -> dict[str, list[str]]:
    """Guard name -> the allowed stages it refuses *entity* (the first guard
    that refuses a move is the one named)."""
    out: dict[str, list[str]] = {}
    for to in pipeline.targets(entity.stage):
        for guard in pipeline.guards:
            if guard.applies_to(to) and not guard.allows(entity):
                out.setdefault(guard.name, []).append(to)
                break
    return out


def _applicable(pipeline: Pipeline, entity: Deal | Lead) -> frozenset[str]:
    """The rules a refused move of *entity* can be drawn for."""
    names = {"same-stage", "unknown-stage"}
    allowed = pipeline.targets(entity.stage)
    if any(s.id != entity.stage and s.id not in allowed for s in pipeline.stages):
        names.add("not-allowed")
    names.update(_guarded(pipeline, entity))
    movable = _movable(pipeline, entity)
    if movable:
        names.add("time-order")
        if pipeline.lost_requires_reason and any(
            pipeline.stage(t).status is Status.LOST for t in movable
        ):
            names.add("reason-required")
    if isinstance(entity, Deal):
        names.add("wrong-pipeline")
    return frozenset(names)


@st.composite
def _invalid_moves(
    draw: st.DrawFn,
    pipeline: Pipeline,
    kind: type[EntityT],
    rules: frozenset[str] | None,
    max_moves: int,
) -> InvalidMove[EntityT]:
    journey = draw(_journeys(pipeline, kind, max_moves))
    entity = journey.end
    if rules is not None:
        # Any entity along the journey will do: pick one the rules apply to.
        entities, entity = [journey.start], journey.start
        for move in journey.moves:
            entity = move.apply(pipeline, entity)
            entities.append(entity)
        fitting = [e for e in entities if _applicable(pipeline, e) & rules]
        if not fitting:
            reject()  # none of the rules asked for applies along this journey
        entity = draw(st.sampled_from(fitting))
    return _refusal(draw, pipeline, entity, rules)


@overload
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Lead],
    rules: Iterable[str] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[InvalidMove[Lead]]: ...
@overload
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] = ...,
    rules: Iterable[str] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[InvalidMove[Deal]]: ...
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] | type[Lead] | None = None,
    rules: Iterable[str] | None = None,
    max_moves: int = 10,
) -> st.SearchStrategy[Any]:
    """Moves *pipeline* must refuse, each labelled with the rule it must name.

    The entity is a valid one somewhere along a journey drawn by
    :func:`histories`; the move is one of: a stage it may not go to
    (``"not-allowed"``), its own stage (``"same-stage"``), a stage the pipeline
    does not have (``"unknown-stage"``), a guard's refusal (the guard's name),
    a time before its last change (``"time-order"``), a lost move without the
    reason the pipeline requires (``"reason-required"``), or a deal of another
    pipeline (``"wrong-pipeline"``). (A malformed argument, such as a naive
    time, is a :class:`~salesmodel.ValidationError`, not a refused move.)

    >>> import pytest
    >>> from hypothesis import given
    >>> from salesmodel import DEFAULT_PIPELINE, TransitionError
    >>> @given(invalid_moves(DEFAULT_PIPELINE))
    ... def test_every_refusal_names_its_rule(invalid):
    ...     with pytest.raises(TransitionError) as refusal:
    ...         invalid.apply()
    ...     assert refusal.value.rule == invalid.rule
    >>> test_every_refusal_names_its_rule()

    Args:
        pipeline: The pipeline, or a strategy of pipelines.
        kind: :class:`~salesmodel.Deal` or :class:`~salesmodel.Lead`; by default
            what the pipeline moves.
        rules: Draw only refusals by these rules (default: every rule that
            applies to the drawn entity).
        max_moves: The most valid moves made before the invalid one.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument, or a rule name
            the pipeline never uses.

    .. versionadded:: 0.1.0
    """
    source = _check_pipeline(pipeline)
    _check_kind(kind)
    _check_count("max_moves", max_moves, 0)
    wanted: frozenset[str] | None = None
    if rules is not None:
        if isinstance(rules, str) or not isinstance(rules, Iterable):
            raise InvalidArgument(f"rules={rules!r} must be an iterable of rule names")
        wanted = frozenset(rules)
        known = _STAGE_RULES | _ARGUMENT_RULES
        if isinstance(pipeline, Pipeline):
            known |= {guard.name for guard in pipeline.guards}
            if _kind_for(pipeline, kind) is Lead:
                known -= {"wrong-pipeline"}
        if not wanted or not wanted <= known:
            names = ", ".join(sorted(known))
            raise InvalidArgument(f"rules={sorted(wanted)!r} must be a non-empty set of: {names}")
    return source.flatmap(lambda p: _invalid_moves(p, _kind_for(p, kind), wanted, max_moves))


def _fields(entity: Deal | Lead) -> tuple[Any, ...]:
    """Every field value of *entity*, to tell whether anything changed it."""
    return tuple(getattr(entity, f.name) for f in attrs.fields(type(entity)))


_MOVED_FIELDS = frozenset({"stage", "status", "closed_at", "loss_reason", "history"})


class _PipelineChecks:
    """What a :func:`pipeline_machine` asserts; kept apart from the machine so the
    machine itself holds only its rules."""

    pipeline: Pipeline

    def check_definition(self) -> None:
        """Closed stages are final unless the pipeline reopens them."""
        p = self.pipeline
        for stage in p.stages:
            if stage.is_closed:
                assert p.targets(stage.id) == p.reopen_to.get(stage.id, ()), (
                    f"closed stage {stage.id!r} is left only by reopen_to"
                )
                for target in p.targets(stage.id):
                    assert p.stage(target).is_open, f"{stage.id!r} reopens into a closed stage"

    def check_entity(self, entity: Deal | Lead) -> None:
        """Every invariant a moved entity keeps."""
        p = self.pipeline
        assert entity.stage in p, f"{entity.stage!r} is not a stage of {p.id!r}"
        stage = p.stage(entity.stage)
        assert entity.status is stage.status, (
            f"status {entity.status.value!r} but stage {stage.id!r} is {stage.status.value!r}"
        )
        assert (entity.closed_at is None) is (entity.status is Status.OPEN), (
            f"closed_at={entity.closed_at!r} with status {entity.status.value!r}"
        )
        history = entity.history
        if history:
            assert history[0].from_stage == p.first.id
            assert history[0].at >= entity.created_at
            for before, after in itertools.pairwise(history):
                assert after.at >= before.at, "history out of time order"
                assert after.from_stage == before.to_stage, "history is not a chain of moves"
            assert history[-1].to_stage == entity.stage, "history does not end at the stage"
        else:
            assert entity.stage == p.first.id
        if entity.closed_at is not None:
            assert entity.closed_at == history[-1].at, "closed_at is not the closing move's time"
        if isinstance(entity, Deal):
            assert entity.pipeline_id == p.id
            if entity.status is Status.LOST:
                assert entity.loss_reason == history[-1].reason
            else:
                assert entity.loss_reason is None, "an open or won deal keeps a loss reason"
        # The move builds entities without re-checking them: they must be exactly
        # what the checked constructor accepts.
        assert attrs.evolve(entity) == entity

    def check_move(self, before: Deal | Lead, move: Move, after: Deal | Lead) -> None:
        """*after* is *before* moved by *move*, and nothing else changed."""
        p = self.pipeline
        target = p.stage(move.to)
        assert after.stage == move.to
        assert after.status is target.status
        assert after.history[:-1] == before.history, "history was rewritten"
        change = after.history[-1]
        assert (change.from_stage, change.to_stage, change.at, change.by) == (
            before.stage,
            move.to,
            move.at,
            move.by,
        )
        assert change.reason == move.reason
        assert after.closed_at == (None if target.is_open else move.at)
        if isinstance(after, Deal):
            expected = move.reason if target.status is Status.LOST else None
            assert after.loss_reason == expected, "loss_reason not set by a loss, or not cleared"
        for field in attrs.fields(type(after)):
            if field.name not in _MOVED_FIELDS:
                assert getattr(after, field.name) == getattr(before, field.name), field.name

    def check_refusal(self, invalid: InvalidMove[Any]) -> None:
        """The move is refused with the rule and details it must name, and the
        entity is left as it was."""
        p, entity = invalid.pipeline, invalid.entity
        snapshot = _fields(entity)
        try:
            moved = invalid.apply()
        except TransitionError as exc:
            error = exc
        else:
            raise AssertionError(f"{invalid.move!r} was not refused (it gave {moved!r})")
        assert error.rule == invalid.rule, f"refused by {error.rule!r}, not {invalid.rule!r}"
        assert error.entity_id == entity.id
        assert error.from_stage == entity.stage
        assert error.to_stage == invalid.move.to
        assert error.allowed == invalid.allowed
        assert _fields(entity) == snapshot, "a refused move changed the entity"
        if invalid.rule not in _ARGUMENT_RULES:
            assert not p.can_move(entity, invalid.move.to), "can_move disagrees with move"


def pipeline_machine(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kinds: Sequence[type[Deal] | type[Lead]] | None = None,
    max_entities: int = 4,
) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine that checks every invariant of *pipeline*
    under random moves. Run it without subclassing::

        TestMyPipeline = pipeline_machine(MY_PIPELINE).TestCase

    It keeps a few entities (new ones start in the first stage), and at each
    step makes a valid move (directly, or through ``win``, ``lose`` and
    ``reopen``), or tries a move the pipeline must refuse. It checks that:

    - the status is the current stage's status; ``closed_at`` is set exactly
      when the entity is closed, at the closing move's time;
    - the history is in time order, a chain of moves from the first stage, and
      ends at the current stage; a move appends one change and rewrites nothing;
    - a loss sets ``loss_reason``, and reopening clears it and ``closed_at``;
    - every refused move raises :class:`~salesmodel.TransitionError` naming the
      expected rule, entity, stages and allowed targets, and leaves the entity
      unchanged (``can_move`` agrees);
    - closed stages are final except where ``reopen_to`` reopens them;
    - every entity a move returns passes the entity's own checks.

    Args:
        pipeline: The pipeline, or a strategy of pipelines (each run draws one).
        kinds: What moves through it: :class:`~salesmodel.Deal` (with the
            pipeline's id), :class:`~salesmodel.Lead`, or both; by default what
            the pipeline moves (``Pipeline.kind``), deals when it does not say.
        max_entities: The most entities moving at once.

    Returns:
        A :class:`~hypothesis.stateful.RuleBasedStateMachine` subclass; set
        ``.TestCase.settings`` to tune it.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument.

    .. versionadded:: 0.1.0
    """
    source = _check_pipeline(pipeline)
    if kinds is not None:
        if not isinstance(kinds, Sequence) or not kinds:
            raise InvalidArgument(f"kinds={kinds!r} must be a non-empty sequence of Deal and Lead")
        for kind in kinds:
            if kind not in _KINDS:
                raise InvalidArgument(f"kinds={kinds!r} must hold only Deal and Lead")
    _check_count("max_entities", max_entities, 1)
    chosen_kinds = None if kinds is None else tuple(kinds)

    class PipelineMachine(_PipelineChecks, RuleBasedStateMachine):
        """Random moves through one pipeline, checking every invariant."""

        def __init__(self) -> None:
            super().__init__()
            self.entities: list[Deal | Lead] = []

        def _draw_entity(self, data: st.DataObject) -> int:
            return data.draw(st.integers(0, len(self.entities) - 1), label="entity")

        def _add(self, data: st.DataObject) -> None:
            options = chosen_kinds or (_kind_for(self.pipeline, None),)
            kind = data.draw(st.sampled_from(options), label="kind")
            self.entities.append(data.draw(_fresh(self.pipeline, kind), label="new"))

        @initialize(data=st.data())
        def start(self, data: st.DataObject) -> None:
            self.pipeline = data.draw(source, label="pipeline")
            self.check_definition()
            self._add(data)

        @precondition(lambda self: len(self.entities) < max_entities)
        @rule(data=st.data())
        def add_entity(self, data: st.DataObject) -> None:
            self._add(data)

        @rule(data=st.data())
        def move(self, data: st.DataObject) -> None:
            i = self._draw_entity(data)
            entity = self.entities[i]
            options = _movable(self.pipeline, entity)
            if not options:
                return  # a final stage (check_refusal covers it)
            to = data.draw(_targets(self.pipeline, entity, options))
            move = data.draw(_valid_moves(self.pipeline, entity, to))
            snapshot = _fields(entity)
            moved = move.apply(self.pipeline, entity)
            assert _fields(entity) == snapshot, "the move changed the old entity"
            self.check_move(entity, move, moved)
            self.entities[i] = moved

        @rule(data=st.data())
        def win_lose_or_reopen(self, data: st.DataObject) -> None:
            i = self._draw_entity(data)
            entity, p = self.entities[i], self.pipeline
            closing = entity.status is Status.OPEN
            options = [t for t in _movable(p, entity) if not closing or p.stage(t).is_closed]
            if not options:
                return
            move = data.draw(_valid_moves(p, entity, data.draw(st.sampled_from(options))))
            status = p.stage(move.to).status
            if not closing:
                moved = p.reopen(entity, at=move.at, to=move.to, by=move.by, reason=move.reason)
            elif status is Status.WON:
                moved = p.win(entity, at=move.at, by=move.by, to=move.to)
                move = attrs.evolve(move, reason=None)
            else:
                if move.reason is None:
                    move = attrs.evolve(move, reason=data.draw(_open(LossReason)))
                assert move.reason is not None
                moved = p.lose(entity, move.reason, at=move.at, by=move.by, to=move.to)
            self.check_move(entity, move, moved)
            self.entities[i] = moved

        @rule(data=st.data())
        def refuse(self, data: st.DataObject) -> None:
            entity = self.entities[self._draw_entity(data)]
            # a move to the same stage always applies: there is always a refusal
            self.check_refusal(_refusal(data.draw, self.pipeline, entity, None))

        @invariant()
        def every_entity_keeps_the_invariants(self) -> None:
            for entity in self.entities:
                self.check_entity(entity)

    return PipelineMachine
