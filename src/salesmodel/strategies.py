"""Hypothesis strategies for every salesmodel value and entity.

Needs the ``hypothesis`` extra (``pip install salesmodel[hypothesis]``). The
strategies follow Hypothesis' own style: plural names, keyword-only arguments,
strategies accepted where a value would be, and
:class:`hypothesis.errors.InvalidArgument` for bad arguments. Installing
salesmodel registers them with Hypothesis, so ``st.from_type(Deal)`` works.

Everything drawn is valid: every constructor accepts it. Values are built from
what was drawn, never by a call Hypothesis would print instead of the value, so a
failing example shows real values (``datetime.datetime(2026, 1, 5, 9, 0,
tzinfo=datetime.timezone.utc)``) that can be pasted into a test.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import functools
import itertools
import unittest
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, ClassVar, Final, Generic, Literal, TypeVar, cast, overload

import attrs
from hypothesis import HealthCheck, Phase, reject
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, UnsatisfiedAssumption
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ._rules import ID, is_id
from ._time import as_instant
from .attributes import Attributes, AttributeValue, shown
from .entities import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .errors import TransitionError, ValidationError
from .money import Money, RateTable, known_currencies
from .pipeline import _RULES, DEFAULT_PIPELINE, Guard, Pipeline, Stage

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
    "guards",
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
    "stages",
    "targets",
    "texts",
]

T = TypeVar("T")
EntityT = TypeVar("EntityT", bound=Deal | Lead)

_EPOCH = datetime(2000, 1, 1)
_END = datetime(2099, 12, 31)
_ZONES = (UTC, *(timezone(timedelta(minutes=m)) for m in (-480, -300, 60, 120, 330, 545)))
_OFFSETS = st.sampled_from(_ZONES)
_MICROSECONDS_A_DAY = 86_400 * 10**6
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


def _check_count(name: str, value: object, least: int) -> None:
    if type(value) is not int or value < least:
        raise InvalidArgument(f"{name}={value!r} must be an int of at least {least}")


def identifiers() -> st.SearchStrategy[str]:
    """Short non-empty ids."""
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=10)


# Text holds no control characters, lone surrogates or line separators (_rules).
_PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\u2028\u2029")


def texts(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-blank text from all of Unicode, without control characters (blank: only
    whitespace and invisible format characters, as the entities judge it)."""
    if type(max_size) is not int:
        raise InvalidArgument(f"max_size={max_size!r} must be an int")
    if max_size < 1:
        raise InvalidArgument(f"max_size={max_size!r} must be at least 1")
    return st.text(_PRINTABLE, min_size=1, max_size=max_size).filter(shown)


def aware_datetimes(
    *, min_value: datetime = _EPOCH, max_value: datetime = _END
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with fixed UTC offsets, between two naive bounds."""
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if not isinstance(value, datetime):
            raise InvalidArgument(f"{name}={value!r} must be a naive datetime")
    if min_value.tzinfo is not None or max_value.tzinfo is not None:
        raise InvalidArgument("min_value and max_value are naive bounds (local wall time)")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=_OFFSETS)


@functools.cache
def _elapsed(max_days: int) -> st.SearchStrategy[int]:
    return st.integers(0, (max_days * _MICROSECONDS_A_DAY + 1) * len(_ZONES) - 1)


def _later(
    draw: Callable[[st.SearchStrategy[Any]], Any], start: datetime, max_days: int
) -> datetime:
    """An aware datetime no earlier than *start* (at most *max_days* later), in a
    random fixed offset. One draw gives both (records and moves are drawn by the
    thousand, and each draw costs), and the value is computed, so a failing
    example prints it as itself."""
    drawn: int = draw(_elapsed(max_days))
    micro, zone = divmod(drawn, len(_ZONES))
    # From the instant: adding to a time of a named zone keeps its wall clock and
    # drops fold=1, so the second 02:30 of an autumn night would move an hour back.
    try:
        return (as_instant(start) + timedelta(microseconds=micro)).astimezone(_ZONES[zone])
    except OverflowError:  # near the end of time (year 9999): the same instant
        return start


def currencies() -> st.SearchStrategy[str]:
    """Currency codes salesmodel knows (ISO 4217 and registered), mostly common ones."""
    return st.one_of(st.sampled_from(_COMMON_CURRENCIES), st.sampled_from(known_currencies()))


#: Amounts stay below this size (a Decimal's exponent within 30).
_AMOUNT_LIMIT: Final = 10**31


def amounts(
    *, min_value: Decimal | int = 0, max_value: Decimal | int = 10**9, places: int | None = 2
) -> st.SearchStrategy[Decimal]:
    """Finite Decimal amounts."""
    if places is not None and (type(places) is not int or not 0 <= places <= 30):
        raise InvalidArgument(f"places={places!r} must be between 0 and 30")
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if not (
            (type(value) is int or (isinstance(value, Decimal) and value.is_finite()))
            and -_AMOUNT_LIMIT < value < _AMOUNT_LIMIT
        ):
            raise InvalidArgument(
                f"{name}={value!r} must be a finite Decimal or an int, "
                "greater than -10**31 and less than 10**31"
            )
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is more than max_value={max_value!r}")
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
    _check_currency(currency)
    return st.builds(Money, _strategy(amount, amounts()), _strategy(currency, currencies()))


def _check_currency(currency: object) -> None:
    if currency is None or isinstance(currency, st.SearchStrategy):
        return
    if not isinstance(currency, str) or currency not in known_currencies():
        raise InvalidArgument(
            f"currency={currency!r} must be None, a currency code salesmodel knows "
            "(ISO 4217 or registered, e.g. 'EUR') or a strategy of them"
        )


def rate_tables() -> st.SearchStrategy[RateTable]:
    """Tables of positive rates between distinct currencies, a pair given one way
    (its other way is implied: two drawn apart would contradict it)."""
    pair = st.tuples(currencies(), currencies()).filter(lambda p: p[0] != p[1])
    rate = st.decimals(min_value=Decimal("0.0001"), max_value=10_000, places=6)
    return st.dictionaries(pair, rate, max_size=5).map(_one_way).map(RateTable)


def _one_way(rates: dict[tuple[str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    """*rates* with one way of each pair (the one whose source sorts first)."""
    return {(a, b): rate for (a, b), rate in rates.items() if (b, a) not in rates or a < b}


_SCALARS: st.SearchStrategy[AttributeValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_PRINTABLE, max_size=20),
)


def attributes(*, max_size: int = 4) -> st.SearchStrategy[Attributes]:
    """Attribute mappings of JSON scalars."""
    _check_count("max_size", max_size, 0)
    return st.dictionaries(identifiers(), _SCALARS, max_size=max_size).map(Attributes)


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


def _open(enum: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(enum), texts(max_size=12))


def bants() -> st.SearchStrategy[Bant]:
    """BANT answers, each possibly unknown."""
    return st.builds(
        Bant,
        budget=_optional(st.one_of(st.booleans(), moneys())),
        authority=_optional(st.booleans()),
        need=_optional(st.booleans()),
        timescale_days=_optional(st.integers(0, 720)),
    )


# Built once: a strategy built anew for every draw costs far more than the draw.
_IDS: Final = identifiers()
_TEXTS: Final = texts()
_DATETIMES: Final = aware_datetimes()
_BOOLEANS: Final = st.booleans()
_STATUSES: Final = st.sampled_from(Status)
_REASONS: Final = _open(LossReason)
_BYS: Final = _optional(_IDS)
_MAYBE_REASONS: Final = _optional(_REASONS)

#: A value that is set (not None, not empty: what a guard's ``fields`` asks for),
#: for each field of a deal or a lead the strategies draw.
_SET: Final[dict[str, st.SearchStrategy[Any]]] = {
    "id": _IDS,
    "name": _TEXTS,
    "amount": moneys(),
    "created_at": _DATETIMES,
    "owner_id": _IDS,
    "prospect_id": _IDS,
    "customer_id": _IDS,
    "source": _open(LeadSource),
    "product": texts(max_size=12),
    "expected_close": st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    "company": texts(max_size=15),
    "email": st.from_regex(r"\A[a-z0-9.]{1,8}@[a-z]{1,8}\.[a-z]{2,4}\Z"),
    "purchase_timeframe_days": st.integers(0, 720),
    "bant": bants(),
    "attributes": attributes(),
}
_MAYBE: Final = {name: _optional(strategy) for name, strategy in _SET.items()}
#: What every new record of a kind needs, and what else :func:`deals` and
#: :func:`leads` fill in (optional fields may be None).
_REQUIRED: Final[dict[type, tuple[str, ...]]] = {
    Deal: ("id", "name", "amount", "created_at"),
    Lead: ("id", "name", "created_at", "source"),
}
_DETAILS: Final[dict[type, tuple[str, ...]]] = {
    Deal: ("prospect_id", "customer_id", "source", "product", "expected_close", "attributes"),
    Lead: ("company", "email", "purchase_timeframe_days", "bant", "attributes"),
}
_NEVER_NONE: Final = frozenset({"bant", "attributes"})


@st.composite
def stage_changes(draw: st.DrawFn) -> StageChange:
    """Single stage changes between two different stage names."""
    from_stage = draw(_IDS)
    return StageChange(
        from_stage=from_stage,
        to_stage=_other_than(draw(_IDS), from_stage),
        at=draw(_DATETIMES),
        by=draw(_BYS),
        reason=draw(_MAYBE_REASONS),
    )


def _other_than(name: str, *taken: object) -> str:
    """*name*, or *name* lengthened until it is none of *taken* (cheaper than a
    filter built for each draw, and as good: the name only has to differ)."""
    while name in taken:
        name += "-"
    return name


def _pick(draw: Callable[[st.SearchStrategy[Any]], Any], options: Sequence[T]) -> T:
    """One of *options* (it shrinks to the first)."""
    index: int = draw(_indices(len(options)))
    return options[index]


@functools.cache
def _indices(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def _history(
    draw: st.DrawFn, created_at: datetime, stages: Sequence[str] | None, max_moves: int
) -> tuple[str, tuple[StageChange, ...]]:
    """A stage and a consistent history leading to it, between any stage names."""
    current = _pick(draw, stages) if stages else draw(_IDS)
    at = created_at
    changes = []
    for _ in range(draw(_indices(max_moves + 1))):
        if stages:
            others = [s for s in stages if s != current]
            if not others:
                break
            target = _pick(draw, others)
        else:
            target = _other_than(draw(_IDS), current)
        at = _later(draw, at, 60)
        changes.append(StageChange(from_stage=current, to_stage=target, at=at, by=draw(_BYS)))
        current = target
    return current, tuple(changes)


@st.composite
def reps(draw: st.DrawFn) -> Rep:
    """Sales reps."""
    rep_id = draw(_IDS)
    manager_id = draw(_BYS)
    return Rep(
        id=rep_id,
        name=draw(_TEXTS),
        team=draw(_optional(texts(max_size=10))),
        manager_id=None if manager_id is None else _other_than(manager_id, rep_id),
        region=draw(_optional(texts(max_size=10))),
        active=draw(_BOOLEANS),
    )


def _closing(
    draw: st.DrawFn,
    created_at: datetime,
    history: tuple[StageChange, ...],
    status: st.SearchStrategy[Status],
    chosen: Status | None = None,
) -> tuple[Status, datetime | None]:
    """A status (*chosen*, or drawn) and its ``closed_at``: the last change's
    time when there is a history (the move that closed it), else any time after
    creation."""
    if chosen is None:
        chosen = draw(status)
    if chosen is Status.OPEN:
        return chosen, None
    if history:
        return chosen, history[-1].at
    return chosen, _later(draw, created_at, 90)


def _check_status(status: object) -> st.SearchStrategy[Status]:
    if status is None:
        return _STATUSES
    if isinstance(status, st.SearchStrategy):
        return status
    try:
        return st.just(Status(status))  # type: ignore[arg-type]
    except ValueError:
        raise InvalidArgument(
            f"status={status!r} must be None, a Status or a strategy of them"
        ) from None


def _check_stages(stages: object, pipeline: object) -> Sequence[str] | None:
    if stages is None:
        return None
    if pipeline is not None:
        raise InvalidArgument("stages= and pipeline= exclude each other: the pipeline has stages")
    if isinstance(stages, str) or not isinstance(stages, Sequence):
        raise InvalidArgument(f"stages={stages!r} must be a sequence of stage names")
    for name in stages:
        if not is_id(name):
            raise InvalidArgument(f"stages={stages!r}: {name!r} must be {ID.expected}")
    return stages


def _details(draw: st.DrawFn, kind: type, values: dict[str, Any]) -> dict[str, Any]:
    """*values* with the fields of *kind* not already set drawn, optional ones
    possibly None."""
    required = _REQUIRED[kind]
    for name in (*required, "owner_id", *_DETAILS[kind]):
        if name not in values:
            filled = name in required or name in _NEVER_NONE
            values[name] = draw(_SET[name] if filled else _MAYBE[name])
    return values


def leads(
    *,
    status: st.SearchStrategy[Status] | Status | None = None,
    stages: Sequence[str] | None = None,
    pipeline: Pipeline | st.SearchStrategy[Pipeline] | None = None,
    fields: Mapping[str, Any] | None = None,
    max_moves: int = 4,
) -> st.SearchStrategy[Lead]:
    """Leads with a consistent history.

    Args:
        status: The status, or a strategy of statuses.
        stages: The stage names a history may use (any names by default).
        pipeline: Draw leads of this pipeline instead: each is a new lead moved
            through it by :func:`histories`' moves, so it passes
            ``pipeline.validate``. Excludes *stages*.
        fields: Values for fields of the leads, as for :func:`histories`: a
            strategy or a fixed value each, by name (not the fields moves set).
        max_moves: The most changes in a history. With *pipeline* and *status*,
            it must allow reaching a stage of that status.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument.

    .. versionadded:: 0.1.0
    """
    return _records(Lead, status, stages, pipeline, max_moves, dict(_check_fields(fields, (Lead,))))


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


def deals(
    *,
    currency: st.SearchStrategy[str] | str | None = None,
    status: st.SearchStrategy[Status] | Status | None = None,
    stages: Sequence[str] | None = None,
    owners: st.SearchStrategy[str] | None = None,
    pipeline: Pipeline | st.SearchStrategy[Pipeline] | None = None,
    fields: Mapping[str, Any] | None = None,
    max_moves: int = 4,
) -> st.SearchStrategy[Deal]:
    """Deals with a consistent history, closing and loss reason.

    Without *pipeline*, a deal names another pipeline than the built-in one, or
    (without *stages*, about half the time) the built-in
    :data:`~salesmodel.DEFAULT_PIPELINE`, and then conforms to it: it was moved
    there by its moves, as :func:`histories` draws them.

    With *pipeline*, the fields a guard names are set on most deals, as
    :func:`histories` draws them; a guard with a ``predicate`` is passed only by
    the deals that happen to pass it, so draw the fields it reads with *fields*
    (or *currency*): a predicate comparing ``amount`` with euros needs amounts in
    euros.

    Args:
        currency: The currency of every amount, or a strategy of currencies
            (the same as ``fields={"amount": moneys(currency=...)}``).
        status: The status, or a strategy of statuses.
        stages: The stage names a history may use (any names by default).
        owners: A strategy of owner ids (owners may also be None).
        pipeline: Draw deals of this pipeline instead: each is a new deal moved
            through it by :func:`histories`' moves, so it passes
            ``pipeline.validate``. Excludes *stages*.
        fields: Values for fields of the deals, as for :func:`histories`: a
            strategy or a fixed value each, by name (not the fields moves set,
            nor ``pipeline_id``), e.g. ``{"amount": moneys(currency="EUR")}``.
        max_moves: The most changes in a history. With *pipeline* and *status*,
            it must allow reaching a stage of that status.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument, or *currency* or
            *owners* given with the field they set in *fields* too.

    .. versionadded:: 0.1.0
    """
    given = dict(_check_fields(fields, (Deal,)))
    for name, argument, value in (
        ("amount", "currency", currency),
        ("owner_id", "owners", owners),
    ):
        if value is not None and name in given:
            raise InvalidArgument(
                f"{argument}= and fields={{{name!r}: ...}} both draw {name!r}: give one"
            )
    if currency is not None:
        given["amount"] = moneys(currency=currency)
    if owners is not None and not isinstance(owners, st.SearchStrategy):
        raise InvalidArgument(f"owners={owners!r} must be None or a strategy of owner ids")
    if owners is not None:
        given["owner_id"] = _optional(owners)
    return _records(Deal, status, stages, pipeline, max_moves, given)


def _records(
    kind: type[EntityT],
    status: object,
    stages: object,
    pipeline: object,
    max_moves: object,
    given: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[EntityT]:
    """:func:`deals` or :func:`leads`: the arguments checked, then drawn."""
    _check_count("max_moves", max_moves, 0)
    assert isinstance(max_moves, int)
    statuses = _check_status(status)
    names = _check_stages(stages, pipeline)
    if pipeline is None:
        return _loose_records(kind, statuses, names, max_moves, tuple(given.items()))
    source = _check_pipeline(pipeline)
    fixed_status = status is not None and not isinstance(status, st.SearchStrategy)
    if isinstance(pipeline, Pipeline):
        _kind_for(pipeline, kind)
        if fixed_status:
            _check_reach(pipeline, Status(str(status)), max_moves)
    fields = tuple(sorted(given.items()))
    ends = None if status is None else statuses
    # A status drawn for a pipeline of a strategy may be one it lacks (then the
    # record is rejected); one drawn for the pipeline given must be reachable.
    strict = isinstance(pipeline, Pipeline)
    return source.flatmap(
        lambda p: _conforming(p, _kind_for(p, kind), fields, ends, max_moves, strict)
    )


#: The stages of each status in the built-in pipeline, and the fewest moves there.
_DEFAULT_ENDS: Final = {
    status: frozenset(s.id for s in DEFAULT_PIPELINE.stages if s.status is status)
    for status in Status
}


@st.composite
def _loose_records(
    draw: st.DrawFn,
    kind: type[Any],
    status: st.SearchStrategy[Status],
    stages: Sequence[str] | None,
    max_moves: int,
    given: tuple[tuple[str, st.SearchStrategy[Any]], ...],
) -> Any:
    """Records of no pipeline: any stage names, a consistent history. A deal
    is of another pipeline than the built-in one, or half the time of
    :data:`~salesmodel.DEFAULT_PIPELINE`: then it conforms to it (moved there by
    its moves), as every boundary that checks deals against it by default needs."""
    chosen = None
    if kind is Deal and stages is None and draw(_BOOLEANS):
        chosen = draw(status)
        need = _DEFAULT_REACH[chosen]
        if need is not None and need <= max_moves:
            start = _recipe(DEFAULT_PIPELINE, Deal, tuple(sorted(given)), "full").draw(draw)
            return _walk(draw, DEFAULT_PIPELINE, start, max_moves, _DEFAULT_ENDS[chosen])[0][-1]
    drawn = dict(given)
    # The history starts at creation: a created_at given is drawn first.
    created_at = draw(drawn.pop("created_at", _DATETIMES))
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise InvalidArgument(
            f"fields={{'created_at': ...}} drew {created_at!r}: 'created_at' must be a "
            "timezone-aware datetime"
        )
    stage, history = _history(draw, created_at, stages, max_moves)
    chosen, closed_at = _closing(draw, created_at, history, status, chosen)
    values: dict[str, Any] = {"created_at": created_at}
    for name, strategy in drawn.items():
        values[name] = draw(strategy)
    values.update(stage=stage, status=chosen, closed_at=closed_at, history=history)
    if kind is Deal:
        values["pipeline_id"] = _other_than(draw(_IDS), DEFAULT_PIPELINE.id)
        values["loss_reason"] = draw(_MAYBE_REASONS) if chosen is Status.LOST else None
    return kind(**_details(draw, kind, values))


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    """Customers, some churned."""
    acquired_at = draw(_DATETIMES)
    churned = draw(_BOOLEANS)
    return Customer(
        id=draw(_IDS),
        name=draw(_TEXTS),
        acquired_at=acquired_at,
        churned_at=_later(draw, acquired_at, 1000) if churned else None,
        prospect_id=draw(_BYS),
        attributes=draw(_SET["attributes"]),
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
    start = draw(_DATETIMES)
    goal: Money | int | Decimal
    if metric is TargetMetric.REVENUE:
        goal = draw(_SET["amount"])
    else:
        goal = draw(st.one_of(st.integers(0, 10_000), amounts(max_value=10_000)))
    return Target(
        id=draw(_IDS),
        metric=metric,
        goal=goal,
        start=start,
        end=_later(draw, start + timedelta(seconds=1), 366),
        rep_id=draw(_BYS),
        team=draw(_optional(texts(max_size=10))),
        region=draw(_optional(texts(max_size=10))),
        product=draw(_optional(texts(max_size=10))),
        segment=draw(_optional(texts(max_size=10))),
    )


# --- pipelines ---------------------------------------------------------------------

_FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
_KINDS = (Deal, Lead)
#: The rules a refused move names when its time or arguments are wrong (the
#: stage rules and guards are the pipeline's own, and can_move answers them).
_ARGUMENT_RULES = frozenset({"time-order", "reason-required"})
_STAGE_RULES = frozenset({"not-allowed", "same-stage", "unknown-stage", "wrong-pipeline"})


def _stage_ids() -> st.SearchStrategy[str]:
    """Stage ids as CRMs spell them: snake_case keys, or labels with spaces,
    slashes and any other character."""
    return st.one_of(identifiers(), _LABELS)


# A label is an id too (_rules.ID): printable, no space at either end.
_LABELS: Final = st.text(
    st.one_of(st.characters(exclude_categories=("C", "Z")), st.just(" ")), min_size=1, max_size=16
).filter(lambda s: s.isprintable() and s == s.strip())


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


def stages(*, status: Status | None = None) -> st.SearchStrategy[Stage]:
    """Random valid stages: ids as CRMs spell them, any display name, a
    probability in [0, 1] with two places for an open stage (1 for a won one, 0
    for a lost one), maybe a forecast category and, when open, a time to rot.

    Args:
        status: Only stages of this status (default: any).

    .. versionadded:: 0.1.0
    """
    statuses = st.sampled_from(list(Status)) if status is None else st.just(status)
    return st.tuples(_stage_ids(), statuses).flatmap(lambda drawn: _stage(*drawn))


#: A guard's name: any id but a rule's, which ``TransitionError.rule`` names too.
_GUARD_NAMES: Final = identifiers().filter(lambda name: name not in _RULES)
#: Fields a guard may ask to be set: optional on deals and leads alike.
_GUARDED_FIELDS: Final = ("owner_id", "source")


@st.composite
def guards(draw: st.DrawFn) -> Guard:
    """Random guards made of fields (those that serialise with a pipeline): a
    name no rule has, the stages they guard (any ids: a pipeline checks them),
    one or two fields that must be set, maybe a message.

    .. versionadded:: 0.1.0
    """
    return Guard(
        name=draw(_GUARD_NAMES),
        into=draw(st.lists(_stage_ids(), max_size=2, unique=True)),
        fields=draw(st.lists(st.sampled_from(_GUARDED_FIELDS), min_size=1, unique=True)),
        message=draw(_optional(texts(max_size=20))),
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
            "name": draw(_GUARD_NAMES),
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


# --- new records, and the moves that take them everywhere ------------------------------

#: The fields a move sets: they are drawn by the moves, never given.
_MOVED_FIELDS = frozenset({"stage", "status", "closed_at", "loss_reason", "history"})
_SET_BY_PIPELINE = _MOVED_FIELDS | {"pipeline_id"}
#: Who moves records, and the notes a move into an open stage may carry: a few
#: values are as good as any text here, and far cheaper to draw.
_BY_POOL: Final = st.sampled_from((None, "ana", "ben", "chen", "dana"))
_NOTES: Final = st.sampled_from((None, "call booked", "follow-up", "sent the deck"))
_LOSSES: Final = st.sampled_from((*LossReason, "went dark", "chose to wait"))
_MAYBE_LOSSES: Final = st.sampled_from((None, *LossReason, "went dark"))
#: A steering draw: 0 to 6 steer (0 is what failing examples shrink to), 7 goes
#: anywhere allowed.
_STEER: Final = st.integers(0, 7)
#: Whether a new record meets the guards' fields (1 to 3), or misses one (0);
#: the state machine's records miss one more often, for each guard to refuse
#: some record within a run.
_MEETS: Final = st.integers(0, 3)
_MACHINE_MEETS: Final = st.integers(0, 2)
#: The most times a guard far from the first stage counts, when drawing the one
#: a new record fails: more weight would starve the guards near it.
_DEPTH_CAP: Final = 3


_FIRST_DAY: Final = datetime(2000, 1, 1, tzinfo=UTC)


@st.composite
def _instants(draw: st.DrawFn) -> datetime:
    return _later(draw, _FIRST_DAY, 36_500)


@st.composite
def _prices(draw: st.DrawFn) -> Money:
    cents: int = draw(st.integers(0, 10**8))
    return Money(Decimal(cents).scaleb(-2), draw(_CURRENCY_POOL))


_CURRENCY_POOL: Final = st.sampled_from(_COMMON_CURRENCIES)
_Fill = Literal["lean", "new", "full"]
#: Cheap values of the fields every new record needs, for :func:`pipeline_machine`.
_LEAN: Final[dict[str, st.SearchStrategy[Any]]] = {
    "id": st.sampled_from(("r-1", "r-2", "r-3", "r-4")),
    "name": st.sampled_from(("Acme", "Globex", "Initech", "Umbrella")),
    "amount": _prices(),
    "created_at": _instants(),
    "source": st.sampled_from(LeadSource),
    "owner_id": _BY_POOL,
}


#: The value a new record holds when it misses a field a guard names: None, but
#: empty attributes (a record's attributes are never None). The fields missing
#: here are always set (``bant`` is never None nor empty), so no guard refuses by them.
_UNSET: Final[dict[str, st.SearchStrategy[Any]]] = {
    name: st.just(Attributes()) if name == "attributes" else st.none()
    for name in (
        "amount",
        "owner_id",
        "prospect_id",
        "customer_id",
        "source",
        "product",
        "expected_close",
        "company",
        "email",
        "purchase_timeframe_days",
        "attributes",
    )
}
#: Set values, where ``_SET`` may draw an unset one (empty attributes).
_FILLED: Final[dict[str, st.SearchStrategy[Any]]] = {
    **_SET,
    "attributes": st.dictionaries(identifiers(), _SCALARS, min_size=1, max_size=4).map(Attributes),
}


@attrs.frozen
class _Recipe:
    """How to draw a new record of one kind in a pipeline's first stage.

    Attributes:
        kind: Deal or Lead.
        fixed: Values set, not drawn (the first stage, the pipeline's id).
        drawn: Each field drawn for every record, with its strategy.
        guarded: The fields guards need set that a record may miss: each with a
            strategy of set values and one of its unset value (both the
            strategy *fields* gave for it, if any: then it decides).
        groups: Those fields, by the guard that names them, each group as many
            times as it is to be picked (a record misses the fields of one).
    """

    kind: type[Any]
    fixed: Mapping[str, Any]
    drawn: tuple[tuple[str, st.SearchStrategy[Any]], ...]
    guarded: tuple[tuple[str, st.SearchStrategy[Any], st.SearchStrategy[Any]], ...]
    groups: tuple[tuple[str, ...], ...]

    def draw(
        self,
        draw: Callable[[st.SearchStrategy[Any]], Any],
        misses: Sequence[str | None] | None = None,
        meets: st.SearchStrategy[int] = _MEETS,
    ) -> Any:
        """A new record. Most have every guarded field set (as often as *meets*
        draws more than 0); the others miss one field of one guard, both drawn
        at random, and only that one: so every field guard, however many guards
        stand before it, refuses some records. With *misses*, the record misses
        one of those fields (None: none)."""
        values = dict(self.fixed)
        for name, strategy in self.drawn:
            values[name] = draw(strategy)
        guarded = self.guarded
        if guarded:
            missed: str | None = None
            if misses is None:
                if draw(meets) == 0:
                    missed = _pick(draw, _pick(draw, self.groups))
            elif misses:
                missed = _pick(draw, misses)
            for name, filled, unset in guarded:
                values[name] = draw(unset if name == missed else filled)
        return self.kind(**values)


Fields = tuple[tuple[str, st.SearchStrategy[Any]], ...]


def _recipe(pipeline: Pipeline, kind: type[Any], given: Fields, fill: _Fill) -> _Recipe:
    """The recipe for new *kind* records of *pipeline*, worked out once."""
    return _recipes(pipeline, cast("Hashable", kind), given, fill)


@functools.lru_cache(maxsize=256)
def _recipes(pipeline: Pipeline, kind: Any, given: Fields, fill: _Fill) -> _Recipe:
    """The recipe for new *kind* records of *pipeline*: the fields *given*
    drawn from their strategies; each field a guard names drawn set for most
    records; the others as *fill* says: ``"full"`` every field (as :func:`deals`
    does), ``"new"`` those a new record needs, ``"lean"`` those too, from a few
    values (the state machine draws records by the hundred, and only their moves
    matter to it)."""
    own = attrs.fields_dict(kind)
    names = (*_REQUIRED[kind], "owner_id", *(_DETAILS[kind] if fill == "full" else ()))
    strategies = {
        name: _LEAN[name]
        if fill == "lean"
        else _SET[name]
        if name in _REQUIRED[kind] or name in _NEVER_NONE
        else _MAYBE[name]
        for name in names
    }
    mine = {name: strategy for name, strategy in given if name in own}
    strategies.update(mine)
    guarded = []
    for name in dict.fromkeys(f for guard in pipeline.guards for f in guard.fields):
        if name not in own or name in _SET_BY_PIPELINE or name not in _UNSET:
            continue  # moves set it, or it is always set: nothing to draw
        if name == "source" and kind is Lead:
            continue  # a lead's source is always set
        strategies.pop(name, None)
        if name in mine:  # the values asked for, set or not
            guarded.append((name, mine[name], mine[name]))
        else:
            guarded.append((name, _FILLED[name], _UNSET[name]))
    fixed: dict[str, Any] = {"stage": pipeline.first.id}
    if kind is Deal:
        fixed["pipeline_id"] = pipeline.id
    # A guard further from the first stage is missed more often: fewer of the
    # records that miss it get that far to be refused.
    missable = {name for name, _, _ in guarded}
    away = _moves_away(pipeline)
    depth: dict[tuple[str, ...], int] = {}
    for guard in pipeline.guards:
        group = tuple(f for f in guard.fields if f in missable)
        if group:
            far = min((away[s] for s in guard.into if s in away), default=1)
            depth[group] = max(depth.get(group, 1), min(far, _DEPTH_CAP))
    # the deepest first: Hypothesis draws the first option more often than others
    deepest = sorted(depth.items(), key=lambda item: -item[1])
    groups = tuple(group for group, times in deepest for _ in range(times))
    return _Recipe(kind, fixed, tuple(strategies.items()), tuple(guarded), groups)


def _movable(pipeline: Pipeline, entity: Deal | Lead) -> list[str]:
    """The stages *entity* may move to now."""
    try:
        return [t for t in pipeline.targets(entity.stage) if pipeline.can_move(entity, t)]
    except Exception:
        _failing(pipeline, entity)  # a guard raised: raise it again, named
        raise


def _failing(pipeline: Pipeline, entity: Deal | Lead) -> list[Guard]:
    """The guards *entity* does not pass (as it is now).

    A guard whose predicate raises is the pipeline's bug, shown as it is with a
    note that says where it came from.
    """
    failing = []
    for guard in pipeline.guards:
        try:
            allowed = guard.allows(entity)
        except Exception as error:
            kind = type(entity).__name__
            hint = (
                f"; if it moves no {kind} records, say so with Pipeline(kind=...)"
                if pipeline.kind is None
                else ""
            )
            error.add_note(
                f"raised by guard {guard.name!r} of pipeline {pipeline.id!r} on {kind} "
                f"{entity.id!r}: the strategies draw any value the model allows; draw "
                f"only those the predicate expects with fields={{...}}{hint}"
            )
            raise
        if not allowed:
            failing.append(guard)
    return failing


def _blocked(pipeline: Pipeline, entity: Deal | Lead) -> frozenset[str]:
    """The stages a guard keeps *entity* out of (as it is now)."""
    failing = _failing(pipeline, entity) if pipeline.guards else ()
    if not failing:
        return frozenset()
    return frozenset(s.id for s in pipeline.stages if any(g.applies_to(s.id) for g in failing))


def _hops(pipeline: Pipeline, start: str, blocked: frozenset[str]) -> dict[str, str]:
    """Each stage reachable from *start* without entering a *blocked* one, and
    the first move of a shortest way there."""
    first: dict[str, str] = {}
    queue = deque([start])
    while queue:
        stage = queue.popleft()
        for target in pipeline.targets(stage):
            if target != start and target not in blocked and target not in first:
                first[target] = target if stage == start else first[stage]
                queue.append(target)
    return first


def _distances(pipeline: Pipeline, ends: frozenset[str], blocked: frozenset[str]) -> dict[str, int]:
    """The fewest moves from each stage into one of *ends*, entering no
    *blocked* stage (stages that cannot get there are left out)."""
    into: dict[str, list[str]] = {}
    for source in pipeline.stages:
        for target in pipeline.targets(source.id):
            into.setdefault(target, []).append(source.id)
    distance = dict.fromkeys(ends, 0)
    queue = deque(ends)
    while queue:
        stage = queue.popleft()
        if stage in blocked:
            continue  # a record may be there, but cannot enter it
        for before in into.get(stage, ()):
            if before not in distance:
                distance[before] = distance[stage] + 1
                queue.append(before)
    return distance


#: The fewest moves from the built-in pipeline's first stage to a stage of each status.
_DEFAULT_REACH: Final = {
    status: _distances(DEFAULT_PIPELINE, ends, frozenset()).get(DEFAULT_PIPELINE.first.id)
    for status, ends in _DEFAULT_ENDS.items()
}


def _steer(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    pipeline: Pipeline,
    entity: Deal | Lead,
    options: Sequence[str],
    goal: str | None,
    visited: set[str],
) -> tuple[str, str | None]:
    """The stage *entity* moves to next, one of *options*, and the goal it heads
    for.

    The goal is a stage the record can reach (guards included), drawn at random,
    among those not *visited* yet while there are any, and drawn again once
    reached or out of reach; most moves take a shortest way towards it, the
    others go anywhere allowed. So records reach every stage they can, however
    far and however guarded, and still wander. A record a guard refuses heads
    first for a stage it has not been in where that guard stands in its way.
    """
    blocked = _blocked(pipeline, entity)
    hops = _hops(pipeline, entity.stage, blocked)
    if goal not in hops:
        ahead = [s.id for s in pipeline.stages if s.id in hops]
        edges = []
        if blocked:
            been = {change.to_stage for change in entity.history}
            edges = [
                stage
                for stage in ahead
                if stage not in been and not blocked.isdisjoint(pipeline.targets(stage))
            ]
        new = [stage for stage in ahead if stage not in visited]
        goal = _pick(draw, edges or new or ahead) if ahead else None
    if goal is not None and draw(_STEER) < 7 and hops[goal] in options:
        return hops[goal], goal
    return _pick(draw, options), goal


def _valid_move(
    draw: Callable[[st.SearchStrategy[Any]], Any], pipeline: Pipeline, entity: Deal | Lead, to: str
) -> Move:
    """A valid move of *entity* to *to*: a later time, a by, and a reason (always
    one into a lost stage that needs it)."""
    if pipeline.stage(to).status is Status.LOST:
        reason = draw(_LOSSES if pipeline.lost_requires_reason else _MAYBE_LOSSES)
    else:
        reason = draw(_NOTES)
    return Move(to=to, at=_later(draw, _last_change(entity), 60), by=draw(_BY_POOL), reason=reason)


def _walk(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    pipeline: Pipeline,
    start: EntityT,
    max_moves: int,
    ends: frozenset[str] | None = None,
) -> tuple[list[EntityT], tuple[Move, ...]]:
    """Up to *max_moves* valid moves of *start*, steered (:func:`_steer`), and
    every record along the way; with *ends*, moves that finish in one of those
    stages (or :func:`~hypothesis.reject` when they cannot)."""
    entity, entities, moves = start, [start], []
    distance: dict[str, int] | None = None
    if ends is None:
        count = draw(_indices(max_moves + 1))
    else:
        distance = _distances(pipeline, ends, _blocked(pipeline, start))
        need = distance.get(start.stage, max_moves + 1)
        if need > max_moves:
            reject()  # this record cannot get there in time (a guard keeps it out)
        count = need + draw(_indices(max_moves - need + 1))
    goal, visited = None, {start.stage}
    for step in range(count):
        options = _movable(pipeline, entity)
        if distance is not None:  # only moves that can still end in time
            left = count - step - 1
            options = [t for t in options if distance.get(t, left + 1) <= left]
        if not options:
            break  # a final stage
        to, goal = _steer(draw, pipeline, entity, options, goal, visited)
        move = _valid_move(draw, pipeline, entity, to)
        entity = move.apply(pipeline, entity)
        visited.add(to)
        entities.append(entity)
        moves.append(move)
    if ends is not None and entity.stage not in ends:
        reject()  # a guard that reads more than fields changed its mind
    return entities, tuple(moves)


@st.composite
def _journeys(
    draw: st.DrawFn, pipeline: Pipeline, kind: type[Any], given: Fields, max_moves: int
) -> Journey[EntityT]:
    start = _recipe(pipeline, kind, given, "new").draw(draw)
    entities, moves = _walk(draw, pipeline, start, max_moves)
    return Journey(pipeline=pipeline, start=start, moves=moves, end=entities[-1])


@st.composite
def _conforming(
    draw: st.DrawFn,
    pipeline: Pipeline,
    kind: type[Any],
    given: Fields,
    status: st.SearchStrategy[Status] | None,
    max_moves: int,
    strict: bool = False,
) -> Any:
    """Records of *pipeline* with every field drawn, moved there by valid moves
    (*strict*: InvalidArgument for a status drawn that no record can reach)."""
    ends = None
    if status is not None:
        chosen = draw(status)
        ends = frozenset(s.id for s in pipeline.stages if s.status is chosen)
    start = _recipe(pipeline, kind, given, "full").draw(draw)
    try:
        return _walk(draw, pipeline, start, max_moves, ends)[0][-1]
    except UnsatisfiedAssumption:
        if strict and status is not None:  # a guard kept it out, or no record gets there
            _check_reach(pipeline, chosen, max_moves, status)
        raise


def _check_reach(
    pipeline: Pipeline,
    status: Status,
    max_moves: int,
    drawn: st.SearchStrategy[Status] | None = None,
) -> None:
    """InvalidArgument when no stage of *status* (*drawn* by a strategy) is
    within *max_moves* moves of the first stage."""
    ends = frozenset(s.id for s in pipeline.stages if s.status is status)
    need = _distances(pipeline, ends, frozenset()).get(pipeline.first.id)
    if need is None or need > max_moves:
        how = "has no such stage" if need is None else f"needs {need} moves to reach one"
        by = "" if drawn is None else f" (drawn by status={drawn!r})"
        raise InvalidArgument(
            f"max_moves={max_moves} with status={status.value!r}{by}: "
            f"pipeline {pipeline.id!r} {how}"
        )


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
    declared = pipeline.kind
    if kind is not None:
        if declared is not None and declared is not kind:
            raise InvalidArgument(
                f"kind={kind.__name__} but pipeline {pipeline.id!r} moves "
                f"{declared.__name__} records"
            )
        return kind
    if declared is None:
        return Deal
    if declared not in _KINDS:
        raise InvalidArgument(
            f"pipeline {pipeline.id!r} moves {declared.__name__} records: the strategies "
            "draw Deal and Lead records only"
        )
    return declared


def _check_fields(fields: object, kinds: Sequence[type[Any]]) -> Fields:
    """*fields* as (name, strategy) pairs, each a field of one of *kinds* that
    moves do not set."""
    if fields is None:
        return ()
    if not isinstance(fields, Mapping):
        raise InvalidArgument(
            f"fields={fields!r} must be a mapping of field name to a strategy or a value"
        )
    known = {name for kind in kinds for name in attrs.fields_dict(kind)}
    for name in fields:
        if name in _SET_BY_PIPELINE:
            raise InvalidArgument(
                f"fields={{{name!r}: ...}}: moves set {name!r}; give the fields of new records"
            )
        if name not in known:
            whose = " or ".join(kind.__name__ for kind in kinds)
            raise InvalidArgument(
                f"fields={{{name!r}: ...}}: {name!r} is not a field of {whose} "
                f"({', '.join(sorted(known - _SET_BY_PIPELINE))})"
            )
    for name, value in fields.items():
        if not isinstance(value, st.SearchStrategy):
            _check_value(name, value, [kind for kind in kinds if name in attrs.fields_dict(kind)])
    return tuple(sorted((name, _strategy(value, st.none())) for name, value in fields.items()))


def _check_value(name: str, value: object, kinds: Sequence[type[Any]]) -> None:
    """InvalidArgument unless a new record of each of *kinds* takes *value* as
    its field *name*."""
    for kind in kinds:
        probe = dict(_PROBES[kind])
        probe[name] = value
        try:
            kind(**probe)
        except ValidationError as error:
            issue = error.issues[0] if error.issues else None
            what = f"{issue.path!r} must be {issue.expected}" if issue is not None else str(error)
            raise InvalidArgument(f"fields={{{name!r}: {value!r}}}: {what}") from None


#: A new record of each kind, whose fields :func:`_check_value` replaces one by one.
_PROBES: Final[dict[type, dict[str, Any]]] = {
    Deal: {"id": "probe", "name": "probe", "amount": None, "created_at": _FIRST_DAY},
    Lead: {"id": "probe", "name": "probe", "created_at": _FIRST_DAY, "source": LeadSource.REFERRAL},
}


def _kinds_of(pipeline: object, kind: type[Any] | None) -> Sequence[type[Any]]:
    """The kinds a strategy may draw, as far as its arguments tell
    (InvalidArgument when *kind* is not what *pipeline* moves)."""
    if isinstance(pipeline, Pipeline):
        return (_kind_for(pipeline, kind),)
    if kind is not None:
        return (kind,)
    return _KINDS


@overload
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Lead],
    fields: Mapping[str, Any] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[Journey[Lead]]: ...
@overload
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] = ...,
    fields: Mapping[str, Any] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[Journey[Deal]]: ...
def histories(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] | type[Lead] | None = None,
    fields: Mapping[str, Any] | None = None,
    max_moves: int = 10,
) -> st.SearchStrategy[Any]:
    """Valid move sequences through *pipeline*, to property-test your own.

    Each :class:`Journey` holds a new record in the first stage, up to
    *max_moves* valid moves (fewer when it reaches a final stage) with times
    that never go back, and the record they lead to. Every move honours the
    pipeline's transitions, policies, guards and reason rule; into a lost stage
    that needs one, a reason is always given.

    Journeys reach every stage a record can reach in *max_moves* moves: each
    heads for a stage drawn at random, mostly by a shortest way, and most new
    records have the fields the guards name set (the others test the guards'
    refusals). A guard with a ``predicate`` is passed by the records that pass
    it: draw the fields it reads with *fields* so that some do.

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
        fields: Values for fields of the new records, by name: a strategy or a
            fixed value each, e.g. ``{"amount": moneys(currency="EUR")}``; the
            fields a record is moved by (``stage``, ``status``, ...) are not
            given.
        max_moves: The most moves in one journey.

    Raises:
        hypothesis.errors.InvalidArgument: for a bad argument.

    .. versionadded:: 0.1.0
    """
    source = _check_pipeline(pipeline)
    _check_kind(kind)
    given = _check_fields(fields, _kinds_of(pipeline, kind))
    _check_count("max_moves", max_moves, 0)
    return source.flatmap(lambda p: _journeys(p, _kind_for(p, kind), given, max_moves))


def _refusal(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    pipeline: Pipeline,
    entity: EntityT,
    rules: frozenset[str] | None,
) -> InvalidMove[EntityT]:
    """A move of *entity* that *pipeline* must refuse, with the rule it must
    name, one of *rules* (the callers pick an entity some of them apply to)."""
    applicable = _applicable(pipeline, entity)
    rule = _pick(draw, sorted(applicable if rules is None else applicable & rules))
    current = entity.stage
    allowed = pipeline.targets(current)
    last = _last_change(entity)

    def refused(to: str) -> InvalidMove[EntityT]:
        move = Move(to=to, at=_later(draw, last, 30))
        return InvalidMove(pipeline=pipeline, entity=entity, move=move, rule=rule, allowed=allowed)

    if rule == "same-stage":
        return refused(current)
    if rule == "unknown-stage":
        return refused(_other_than(draw(_STAGE_IDS), *(s.id for s in pipeline.stages)))
    if rule == "not-allowed":
        elsewhere = [s.id for s in pipeline.stages if s.id != current and s.id not in allowed]
        return refused(_pick(draw, elsewhere))
    if rule == "time-order":
        move = _valid_move(draw, pipeline, entity, _pick(draw, _movable(pipeline, entity)))
        early = attrs.evolve(move, at=last - draw(_EARLIER))
        return InvalidMove(pipeline=pipeline, entity=entity, move=early, rule=rule, allowed=allowed)
    if rule == "reason-required":
        movable = _movable(pipeline, entity)
        return refused(_pick(draw, [t for t in movable if pipeline.stage(t).status is Status.LOST]))
    if rule == "wrong-pipeline":
        deal: Any = entity
        moved = attrs.evolve(deal, pipeline_id=_other_than(draw(_IDS), pipeline.id))
        move = Move(to=_pick(draw, [s.id for s in pipeline.stages]), at=_later(draw, last, 30))
        return InvalidMove(pipeline=pipeline, entity=moved, move=move, rule=rule, allowed=())
    # A guard's name: a move into a stage that guard refuses first.
    return refused(_pick(draw, _guarded(pipeline, entity)[rule]))


_STAGE_IDS: Final = _stage_ids()
_EARLIER: Final = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30))


def _guarded(pipeline: Pipeline, entity: Deal | Lead) -> dict[str, list[str]]:
    """Guard name -> the allowed stages it refuses *entity* (the first guard
    that refuses a move is the one named)."""
    failing = _failing(pipeline, entity) if pipeline.guards else ()
    out: dict[str, list[str]] = {}
    for to in pipeline.targets(entity.stage):
        for guard in failing:
            if guard.applies_to(to):
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


@functools.lru_cache(maxsize=256)
def _aims(
    pipeline: Pipeline, kind: Any, given: Fields, rules: frozenset[str] | None
) -> tuple[tuple[str | None, ...], frozenset[str]] | None:
    """How to draw a record the guards named in *rules* refuse: the guarded
    fields it should miss (one of them; None for a guard that refuses by its
    predicate), and the stages to walk it to (those with a move the guards
    guard). A record missing only one field gets past the other guards, up to
    where a guard asked for stands. None when *rules* names no guard."""
    names = {guard.name: guard for guard in pipeline.guards}
    asked = [names[rule] for rule in rules or () if rule in names]
    if not asked:
        return None
    guarded = [name for name, _, _ in _recipe(pipeline, kind, given, "new").guarded]
    misses: dict[str | None, None] = {}
    for guard in asked:
        fields: list[str | None] = [name for name in guard.fields if name in guarded]
        misses.update(dict.fromkeys(fields or [None]))
        if guard.predicate is not None:
            misses[None] = None
    before = frozenset(
        s.id
        for s in pipeline.stages
        if any(g.applies_to(t) for t in pipeline.targets(s.id) for g in asked)
    )
    return tuple(misses), before


@st.composite
def _invalid_moves(
    draw: st.DrawFn,
    pipeline: Pipeline,
    kind: type[Any],
    given: Fields,
    rules: frozenset[str] | None,
    max_moves: int,
) -> InvalidMove[EntityT]:
    recipe = _recipe(pipeline, kind, given, "new")
    aims = _aims(pipeline, cast("Hashable", kind), given, rules)
    if aims is None:
        start = recipe.draw(draw)
        entities, _ = _walk(draw, pipeline, start, max_moves)
    else:  # a record that fails a guard asked for, walked up to where it stands
        start = recipe.draw(draw, aims[0])
        entities, _ = _walk(draw, pipeline, start, max_moves, aims[1])
    entity = entities[-1]
    if rules is not None:
        # Any entity along the journey will do: pick one the rules apply to.
        fitting = [e for e in entities if _applicable(pipeline, e) & rules]
        if not fitting:
            reject()  # none of the rules asked for applies along this journey
        entity = _pick(draw, fitting)
    return _refusal(draw, pipeline, entity, rules)


@st.composite
def _refusals(draw: st.DrawFn, pipeline: Pipeline, entity: EntityT) -> InvalidMove[EntityT]:
    return _refusal(draw, pipeline, entity, None)


@overload
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Lead],
    fields: Mapping[str, Any] | None = ...,
    rules: Iterable[str] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[InvalidMove[Lead]]: ...
@overload
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] = ...,
    fields: Mapping[str, Any] | None = ...,
    rules: Iterable[str] | None = ...,
    max_moves: int = ...,
) -> st.SearchStrategy[InvalidMove[Deal]]: ...
def invalid_moves(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kind: type[Deal] | type[Lead] | None = None,
    fields: Mapping[str, Any] | None = None,
    rules: Iterable[str] | None = None,
    max_moves: int = 10,
) -> st.SearchStrategy[Any]:
    """Moves *pipeline* must refuse, each labelled with the rule it must name.

    The entity is a valid one somewhere along a journey drawn by
    :func:`histories` (so at any stage a record can reach); the move is one of:
    a stage it may not go to (``"not-allowed"``), its own stage
    (``"same-stage"``), a stage the pipeline does not have
    (``"unknown-stage"``), a guard's refusal (the guard's name), a time before
    its last change (``"time-order"``), a lost move without the reason the
    pipeline requires (``"reason-required"``), or a deal of another pipeline
    (``"wrong-pipeline"``). (A malformed argument, such as a naive time, is a
    :class:`~salesmodel.ValidationError`, not a refused move.)

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
        fields: Values for fields of the new records, as for :func:`histories`.
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
    given = _check_fields(fields, _kinds_of(pipeline, kind))
    _check_count("max_moves", max_moves, 0)
    wanted: frozenset[str] | None = None
    if rules is not None:
        if isinstance(rules, str) or not isinstance(rules, Iterable):
            raise InvalidArgument(f"rules={rules!r} must be an iterable of rule names")
        wanted = frozenset(rules)
        known = _STAGE_RULES | _ARGUMENT_RULES
        if isinstance(pipeline, Pipeline):
            known |= {guard.name for guard in pipeline.guards}
        if _kinds_of(pipeline, kind) == (Lead,):  # moves no deals
            known -= {"wrong-pipeline"}
        if not wanted or not wanted <= known:
            names = ", ".join(sorted(known))
            raise InvalidArgument(f"rules={sorted(wanted)!r} must be a non-empty set of: {names}")
    return source.flatmap(lambda p: _invalid_moves(p, _kind_for(p, kind), given, wanted, max_moves))


# --- the stateful checker ----------------------------------------------------------


def _fields(entity: Deal | Lead) -> tuple[Any, ...]:
    """Every field value of *entity*, to tell whether anything changed it."""
    return tuple(getattr(entity, f.name) for f in attrs.fields(type(entity)))


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
        issues = p.issues(entity)
        assert not issues, f"a moved record does not conform to its pipeline: {list(issues)}"
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


class _Coverage:
    """What one run of a :func:`pipeline_machine` reached, over all its examples:
    every stage a record was in, and the guards that kept a record out of a stage
    it could otherwise move to."""

    def __init__(self, pipeline: Pipeline, unreachable: frozenset[str]) -> None:
        self.pipeline = pipeline
        self.unreachable = unreachable
        self.examples = 0
        self.stages: set[str] = set()
        self.idle = {guard.name: guard for guard in pipeline.guards}  # yet to refuse

    def see(self, entity: Deal | Lead) -> None:
        self.stages.add(entity.stage)
        if self.idle:
            p = self.pipeline
            targets = p.targets(entity.stage)
            for guard in _failing(p, entity):
                if guard.name in self.idle and any(map(guard.applies_to, targets)):
                    del self.idle[guard.name]

    def check(self, steps: int | None = None) -> None:
        """AssertionError naming every stage never reached (and not listed as
        unreachable) and every guard that never refused; a stage more moves
        away than half the *steps* an example takes is one the run may simply
        not have had the steps to reach."""
        p = self.pipeline
        missed = [
            s.id for s in p.stages if s.id not in self.stages and s.id not in self.unreachable
        ]
        problems = []
        far: dict[str, int] = {}
        if missed and steps is not None:
            away = _moves_away(p)
            far = {stage: away[stage] for stage in missed if away.get(stage, 0) * 2 > steps}
            missed = [stage for stage in missed if stage not in far]
        if far:
            most = max(far.values())
            problems.append(
                f"no record reached {_quoted(list(far))}: {most} moves from the first "
                f"stage at most, and an example takes {steps} steps, some of them new "
                "records and refused moves. Give the run more steps: "
                f"settings(stateful_step_count={max(2 * most, 50)}) or more."
            )
        if missed:
            problems.append(
                f"no record reached {_quoted(missed)}. Field guards are met by most "
                "records drawn, but a predicate only by records that pass it: draw the "
                "fields it reads with fields=. If no record can ever get there, say so "
                f"with unreachable={tuple(missed)!r}."
            )
        if self.idle:
            problems.append(
                f"guard {_quoted(list(self.idle))} never refused a record: is its "
                "predicate always true? Or every record drawn passes it: draw some that "
                "fail it with fields=."
            )
        if problems:
            lines = "\n".join(f"- {problem}" for problem in problems)
            raise AssertionError(
                f"pipeline_machine({p!r}), over {self.examples} examples:\n{lines}"
            )


def _moves_away(pipeline: Pipeline) -> dict[str, int]:
    """The fewest moves from the first stage to each stage it leads to."""
    first = pipeline.first.id
    away = {first: 0}
    queue = deque([first])
    while queue:
        stage = queue.popleft()
        for target in pipeline.targets(stage):
            if target not in away:
                away[target] = away[stage] + 1
                queue.append(target)
    return away


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(map(repr, names))


class _TestCaseOf:
    """``Machine.TestCase``: a :class:`unittest.TestCase` that runs the machine
    with ``Machine.run_as_test`` (so the end-of-run checks run too), with the
    settings assigned to ``TestCase.settings``."""

    def __get__(self, obj: object, owner: type[Any]) -> type[unittest.TestCase]:
        machine: Any = owner if obj is None else type(obj)
        case: type[unittest.TestCase] | None = machine.__dict__.get("_salesmodel_test_case")
        if case is None:

            class TestCase(unittest.TestCase):
                # Hypothesis' own TestCase settings, and half its steps: records
                # reach every stage of the built-in pipelines within 25, and each
                # step costs Hypothesis more than it costs salesmodel.
                settings = Settings(
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    stateful_step_count=25,
                )

                def runTest(self) -> None:
                    machine.run_as_test(settings=self.settings)

                runTest.is_hypothesis_test = True  # type: ignore[attr-defined]
                runTest._hypothesis_state_machine_class = machine  # type: ignore[attr-defined]

            TestCase.__name__ = f"{machine.__name__}.TestCase"
            TestCase.__qualname__ = f"{machine.__qualname__}.TestCase"
            type.__setattr__(machine, "_salesmodel_test_case", TestCase)
            case = TestCase
        return case


def _check_unreachable(unreachable: object, pipeline: object) -> frozenset[str]:
    if isinstance(unreachable, str) or not isinstance(unreachable, Iterable):
        raise InvalidArgument(f"unreachable={unreachable!r} must be a tuple of stage ids")
    listed = tuple(unreachable)
    if not all(isinstance(name, str) for name in listed):
        raise InvalidArgument(f"unreachable={listed!r} must be a tuple of stage ids")
    names = frozenset(listed)
    if not names:
        return names
    if not isinstance(pipeline, Pipeline):
        raise InvalidArgument(
            "unreachable= names stages of one pipeline: pass a Pipeline, not a strategy"
        )
    for name in names:
        if name not in pipeline or name == pipeline.first.id:
            raise InvalidArgument(
                f"unreachable={listed!r}: {name!r} is not a stage of "
                f"{pipeline.id!r} other than its first"
            )
    return names


def pipeline_machine(
    pipeline: Pipeline | st.SearchStrategy[Pipeline],
    *,
    kinds: Sequence[type[Deal] | type[Lead]] | None = None,
    fields: Mapping[str, Any] | None = None,
    unreachable: Iterable[str] = (),
    max_entities: int = 4,
) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine that checks every invariant of *pipeline*
    under random moves. Run it without subclassing::

        TestMyPipeline = pipeline_machine(MY_PIPELINE).TestCase

    It keeps a few records (new ones start in the first stage; most have the
    fields the guards name set), and at each step makes a valid move (directly,
    or through ``win``, ``lose`` and ``reopen``), each record heading for a stage
    drawn at random, or tries a move the pipeline must refuse. It checks that:

    - the status is the current stage's status; ``closed_at`` is set exactly
      when the record is closed, at the closing move's time;
    - the history is in time order, a chain of moves from the first stage, and
      ends at the current stage; a move appends one change and rewrites nothing;
    - a loss sets ``loss_reason``, and reopening clears it and ``closed_at``;
    - every refused move raises :class:`~salesmodel.TransitionError` naming the
      expected rule, record, stages and allowed targets, and leaves the record
      unchanged (``can_move`` agrees);
    - closed stages are final except where ``reopen_to`` reopens them;
    - every record a move returns passes the record's own checks and
      ``pipeline.validate``;
    - no record enters a stage listed in *unreachable*.

    And at the end of the run, over all its examples (``TestCase`` and
    ``run_as_test`` do this; ``run_state_machine_as_test``
    runs only the steps): every stage of *pipeline* was reached, unless listed
    in *unreachable*, and every guard refused some record. A stage no record
    reached is one no test of yours reached either: a guard too strict, or
    records drawn that never pass it (draw them with *fields*).

    Args:
        pipeline: The pipeline, or a strategy of pipelines (each example draws
            one; the end-of-run checks are then skipped).
        kinds: What moves through it: :class:`~salesmodel.Deal` (with the
            pipeline's id), :class:`~salesmodel.Lead`, or both; by default what
            the pipeline moves (``Pipeline.kind``), deals when it does not say.
        fields: Values for fields of the new records, as for :func:`histories`
            (applied to the kinds that have the field).
        unreachable: The stages no record should ever reach: the run fails when
            one does, and does not expect them to be reached.
        max_entities: The most records moving at once.

    Returns:
        A :class:`~hypothesis.stateful.RuleBasedStateMachine` subclass; set
        ``.TestCase.settings`` to tune it, or call its
        ``run_as_test(settings=...)``.

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
        if isinstance(pipeline, Pipeline):
            for kind in kinds:
                _kind_for(pipeline, kind)
    chosen_kinds = None if kinds is None else tuple(dict.fromkeys(kinds))
    given = _check_fields(fields, chosen_kinds or _kinds_of(pipeline, None))
    never = _check_unreachable(unreachable, pipeline)
    _check_count("max_entities", max_entities, 1)
    fixed = pipeline if isinstance(pipeline, Pipeline) else None

    class PipelineMachine(_PipelineChecks, RuleBasedStateMachine):
        """Random moves through one pipeline, checking every invariant."""

        TestCase = _TestCaseOf()  # type: ignore[assignment]
        #: What the run in progress reached (set by run_as_test).
        _coverage: ClassVar[_Coverage | None] = None

        def __init__(self) -> None:
            super().__init__()
            self.entities: list[Deal | Lead] = []
            self.goals: list[str | None] = []
            self.checked: list[Deal | Lead] = []  # the entities as last checked
            self.visited: set[str] = set()  # the stages reached in this example
            self.coverage = type(self)._coverage
            if self.coverage is not None:
                self.coverage.examples += 1

        @classmethod
        def run_as_test(cls, *, settings: Settings | None = None) -> None:
            """Run the machine as a test (what ``TestCase`` does), then check
            what the whole run reached: every stage, every guard's refusal.

            Raises:
                AssertionError: naming what the run never reached.
            """
            if settings is None:
                settings = cls.TestCase.settings  # type: ignore[attr-defined]
            coverage = None if fixed is None else _Coverage(fixed, never)
            type.__setattr__(cls, "_coverage", coverage)
            try:
                run_state_machine_as_test(cls, settings=settings)
            finally:
                type.__setattr__(cls, "_coverage", None)
            if coverage is not None and coverage.examples and Phase.generate in settings.phases:
                coverage.check(settings.stateful_step_count)

        def _record(self, draw: st.DrawFn) -> int:
            n = len(self.entities)
            return 0 if n == 1 else _pick(draw, range(n))

        def _new(self, draw: st.DrawFn) -> Deal | Lead:
            options = chosen_kinds or (None,)
            kind = _kind_for(self.pipeline, _pick(draw, options))
            recipe = _recipe(self.pipeline, kind, given, "lean")
            return recipe.draw(draw, meets=_MACHINE_MEETS)  # type: ignore[no-any-return]

        def _next(self, draw: st.DrawFn) -> tuple[Any, ...]:
            """One step, drawn at once: a new record, a move (towards the
            record's goal), a win, loss or reopen, or a move to refuse."""
            action = _pick(draw, _ACTIONS if len(self.entities) < max_entities else _ACTIONS[:-1])
            if action == "new":
                return (action, self._new(draw))
            i = self._record(draw)
            entity, p = self.entities[i], self.pipeline
            if action == "refuse":
                # a move to the same stage always applies: there is always a refusal
                return (action, _refusal(draw, p, entity, None))
            options = _movable(p, entity)
            closing = entity.status is Status.OPEN
            if action == "close":
                options = [t for t in options if not closing or p.stage(t).is_closed]
            if not options:
                return (action, i, None)  # a final stage (a refusal covers it)
            if action == "move":
                goal = self.goals[i]
                to, self.goals[i] = _steer(draw, p, entity, options, goal, self.visited)
                return (action, i, _valid_move(draw, p, entity, to))
            move = _valid_move(draw, p, entity, _pick(draw, options))
            if closing and p.stage(move.to).status is Status.WON:
                move = attrs.evolve(move, reason=None)  # win() takes none
            elif closing and move.reason is None:
                move = attrs.evolve(move, reason=draw(_LOSSES))  # lose() needs one
            return (action, i, move)

        @initialize(data=st.data())
        def start(self, data: st.DataObject) -> None:
            self.pipeline = fixed if fixed is not None else data.draw(source, label="pipeline")
            self.check_definition()
            self.entities.append(data.draw(_drawn(self._new), label="new"))
            self.goals.append(None)

        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            # One rule drawing its whole step at once: each rule and each draw
            # costs Hypothesis far more than a move costs salesmodel.
            action, *drawn = data.draw(_drawn(self._next), label="step")
            if action == "new":
                self.entities.append(drawn[0])
                self.goals.append(None)
            elif action == "refuse":
                self.check_refusal(drawn[0])
            elif drawn[1] is not None:
                self._apply(action, *drawn)

        def _apply(self, action: str, i: int, move: Move) -> None:
            entity, p = self.entities[i], self.pipeline
            snapshot = _fields(entity)
            if action == "move":
                moved = move.apply(p, entity)
            elif entity.status is not Status.OPEN:
                moved = p.reopen(entity, at=move.at, to=move.to, by=move.by, reason=move.reason)
            elif move.reason is None:
                moved = p.win(entity, at=move.at, by=move.by, to=move.to)
            else:
                moved = p.lose(entity, move.reason, at=move.at, by=move.by, to=move.to)
            assert _fields(entity) == snapshot, "the move changed the old record"
            self.check_move(entity, move, moved)
            self.entities[i] = moved

        @invariant()
        def every_entity_keeps_the_invariants(self) -> None:
            # Records are immutable: one checked before is checked still.
            for i, entity in enumerate(self.entities):
                if i < len(self.checked) and self.checked[i] is entity:
                    continue
                if entity.stage in never:
                    path = [self.pipeline.first.id, *(c.to_stage for c in entity.history)]
                    raise AssertionError(
                        f"{type(entity).__name__} {entity.id!r} reached {entity.stage!r}, "
                        f"though unreachable= lists it (by {' -> '.join(path)})"
                    )
                self.check_entity(entity)
                self.visited.add(entity.stage)
                if self.coverage is not None:
                    self.coverage.see(entity)
                self.checked[i : i + 1] = [entity]

    return PipelineMachine


#: What a machine step does: mostly moves (a loss is often final, and ends a
#: record's journey); a draw of 0, what failing examples shrink to, moves.
_ACTIONS: Final = ("move", "move", "move", "move", "move", "close", "refuse", "new")


@functools.cache
def _picks(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@st.composite
def _drawn(draw: st.DrawFn, make: Callable[[st.DrawFn], T]) -> T:
    """What *make* draws: a machine step's choices in one draw, printed once."""
    return make(draw)
