"""The peers salesmodel is measured against, each enforcing the same invariants as
salesmodel's Deal (non-empty ids, aware datetimes, non-negative finite amounts,
closed_at set exactly when closed and not before created_at, loss reason only when
lost, history in order and ending at the stage)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import msgspec
import pydantic
from pydantic import AwareDatetime, Field, StringConstraints, model_validator


class Status(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


NonEmpty = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
Scalar = str | int | float | bool | None


class PStageChange(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    from_stage: NonEmpty
    to_stage: NonEmpty
    at: AwareDatetime
    by: NonEmpty | None = None
    reason: NonEmpty | None = None
    to_pipeline: NonEmpty | None = None
    from_pipeline: NonEmpty | None = None


class PMoney(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    amount: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class PDeal(pydantic.BaseModel):
    """pydantic v2: constraints in Annotated types (checked in Rust), cross-field
    rules in one model validator."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    id: NonEmpty
    name: NonEmpty
    amount: PMoney
    created_at: AwareDatetime
    owner_id: NonEmpty | None = None
    prospect_id: NonEmpty | None = None
    customer_id: NonEmpty | None = None
    pipeline_id: NonEmpty = "default"
    stage: NonEmpty = "prospecting"
    status: Status = Status.OPEN
    closed_at: AwareDatetime | None = None
    loss_reason: NonEmpty | None = None
    source: NonEmpty | None = None
    product: NonEmpty | None = None
    expected_close: dt.date | None = None
    attributes: dict[NonEmpty, Scalar] = Field(default_factory=dict)
    history: tuple[PStageChange, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> PDeal:
        _check_cross(self)
        return self


def _check_cross(deal: Any) -> None:
    if (deal.status is Status.OPEN) != (deal.closed_at is None):
        raise ValueError("closed_at must be set exactly when the deal is closed")
    if deal.closed_at is not None and deal.closed_at < deal.created_at:
        raise ValueError("closed_at before created_at")
    if deal.loss_reason is not None and deal.status is not Status.LOST:
        raise ValueError("loss_reason only when lost")
    before = deal.created_at
    for change in deal.history:
        if change.at < before:
            raise ValueError("history out of order")
        before = change.at
    if deal.history and deal.history[-1].to_stage != deal.stage:
        raise ValueError("history must end at the stage")


MNonEmpty = Annotated[str, msgspec.Meta(min_length=1, pattern=r"\S")]
MAware = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class MStageChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    from_stage: MNonEmpty
    to_stage: MNonEmpty
    at: MAware
    by: MNonEmpty | None = None
    reason: MNonEmpty | None = None
    to_pipeline: MNonEmpty | None = None
    from_pipeline: MNonEmpty | None = None


class MMoney(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Decimal  # msgspec has no bounds for Decimal: checked below
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]

    def __post_init__(self) -> None:
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError("amount must be finite and non-negative")


class MDeal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """msgspec: constraints in Meta, checked by ``msgspec.convert`` (its plain
    constructor checks nothing but ``__post_init__``)."""

    id: MNonEmpty
    name: MNonEmpty
    amount: MMoney
    created_at: MAware
    owner_id: MNonEmpty | None = None
    prospect_id: MNonEmpty | None = None
    customer_id: MNonEmpty | None = None
    pipeline_id: MNonEmpty = "default"
    stage: MNonEmpty = "prospecting"
    status: Status = Status.OPEN
    closed_at: MAware | None = None
    loss_reason: MNonEmpty | None = None
    source: MNonEmpty | None = None
    product: MNonEmpty | None = None
    expected_close: dt.date | None = None
    attributes: dict[MNonEmpty, Scalar] = {}
    history: tuple[MStageChange, ...] = ()

    def __post_init__(self) -> None:
        _check_cross(self)
