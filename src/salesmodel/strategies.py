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

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .attributes import Attributes, AttributeValue
from .entities import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .money import Money, RateTable

__all__ = [
    "activities",
    "amounts",
    "attributes",
    "aware_datetimes",
    "bants",
    "currencies",
    "customers",
    "deals",
    "identifiers",
    "leads",
    "moneys",
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


def texts(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-blank text from all of Unicode."""
    if max_size < 1:
        raise InvalidArgument(f"max_size={max_size!r} must be at least 1")
    return st.text(min_size=1, max_size=max_size).filter(lambda s: not s.isspace())


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
    """Three-letter upper-case codes, mostly common ones."""
    return st.one_of(st.sampled_from(_COMMON_CURRENCIES), st.from_regex(r"\A[A-Z]{3}\Z"))


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
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
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
    draw: st.DrawFn, created_at: datetime, after: datetime, status: st.SearchStrategy[Status]
) -> tuple[Status, datetime | None]:
    chosen = draw(status)
    if chosen is Status.OPEN:
        return chosen, None
    return chosen, draw(_after(max(created_at, after), max_days=90))


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
    last = history[-1].at if history else created_at
    chosen, closed_at = draw(_closing(created_at, last, _strategy(status, st.sampled_from(Status))))
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
    last = history[-1].at if history else created_at
    chosen, closed_at = draw(_closing(created_at, last, _strategy(status, st.sampled_from(Status))))
    return Deal(
        id=draw(identifiers()),
        name=draw(texts()),
        amount=draw(moneys(currency=currency)),
        created_at=created_at,
        owner_id=draw(_optional(owners or identifiers())),
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
