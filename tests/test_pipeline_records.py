"""The pipeline engine (salesmodel.pipeline) with records of the caller's own
types, and the definition arguments it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    Deal,
    Guard,
    LossReason,
    Money,
    Pipeline,
    Stage,
    StageChange,
    Status,
    TransitionError,
)
from salesmodel._checks import Record
from salesmodel.errors import PipelineDefinitionError, ValidationError

P = DEFAULT_PIPELINE
# DEFAULT_PIPELINE moves deals only (kind=Deal); the same rules for any record:
ANY = Pipeline("any", P.stages, reopen_to=P.reopen_to)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@attrs.frozen(kw_only=True)
class Ticket(Record):
    """A record of another type (a salesmodel Record) with the fields a pipeline
    moves, and one of its own."""

    id: str
    created_at: datetime
    stage: str = "prospecting"
    status: Status = Status.OPEN
    closed_at: datetime | None = None
    loss_reason: LossReason | str | None = None
    history: tuple[StageChange, ...] = ()
    team: str = "support"


@attrs.frozen(kw_only=True)
class Task(Record):
    """Another record type, without a loss reason."""

    id: str
    created_at: datetime
    stage: str = "prospecting"
    status: Status = Status.OPEN
    closed_at: datetime | None = None
    history: tuple[StageChange, ...] = ()


def test_a_record_that_is_no_salesmodel_record_does_not_move() -> None:
    @attrs.frozen(kw_only=True)
    class Row:
        id: str
        created_at: datetime
        stage: str = "prospecting"
        status: Status = Status.OPEN
        closed_at: datetime | None = None
        history: tuple[StageChange, ...] = ()

    with pytest.raises(ValidationError) as caught:
        P.move(Row(id="r", created_at=day(0)), "qualification", at=day(1))
    assert caught.value.field == "entity"


def test_a_record_of_another_type_moves_and_keeps_its_other_fields() -> None:
    ticket = Ticket(id="t1", created_at=day(0))
    with pytest.raises(TransitionError) as refused:
        P.move(ticket, "qualification", at=day(1))
    assert refused.value.rule == "wrong-kind"
    moved = ANY.move(ticket, "qualification", at=day(1), by="ana")
    assert type(moved) is Ticket
    assert (moved.stage, moved.status, moved.closed_at, moved.team) == (
        "qualification",
        Status.OPEN,
        None,
        "support",
    )
    assert moved.history == (
        StageChange(from_stage="prospecting", to_stage="qualification", at=day(1), by="ana"),
    )
    lost = ANY.lose(moved, "price", at=day(2))
    assert (lost.stage, lost.status, lost.closed_at) == ("lost", Status.LOST, day(2))
    assert lost.loss_reason is LossReason.PRICE
    assert ticket.stage == "prospecting"  # the original is untouched


def test_a_record_without_a_loss_reason_field_is_lost_with_the_reason_in_its_history() -> None:
    task = Task(id="k1", created_at=day(0))
    lost = ANY.lose(task, "timing", at=day(3))
    assert (lost.stage, lost.status, lost.closed_at) == ("lost", Status.LOST, day(3))
    assert lost.history[-1].reason is LossReason.TIMING
    with pytest.raises(ValidationError) as caught:
        ANY.move(task, "qualification", at=day(1), reason="   ")
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError) as caught:
        ANY.move(task, "qualification", at=day(1), by="")
    assert caught.value.field == "by"


def test_a_guard_that_allows_the_move_lets_a_record_of_another_type_through() -> None:
    guarded = Pipeline(
        "guarded",
        [
            Stage("a", "A", "0.5"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
        guards=[
            Guard(name="has-team", fields=("team",)),
            Guard(name="never", into=("lost",), predicate=lambda e: False),
        ],
        kind=Ticket,
    )
    ticket = Ticket(id="t", created_at=day(0), stage="a")
    assert guarded.move(ticket, "won", at=day(1)).status is Status.WON
    with pytest.raises(TransitionError) as caught:
        guarded.lose(ticket, "price", at=day(1))
    assert caught.value.rule == "never"


def test_index_transfer_and_furthest_stage() -> None:
    assert P.index("research") == 2
    with pytest.raises(ValidationError) as caught:
        P.index("nowhere")
    assert (caught.value.field, caught.value.value) == ("stage_id", "nowhere")
    other = Pipeline(
        "other",
        [
            Stage("prospecting", "P", "0.1"),
            Stage("won", "W", 1, Status.WON),
            Stage("lost", "L", 0, Status.LOST),
        ],
    )
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=day(0))
    same_stage = other.transfer(deal, at=day(1), to="prospecting")
    assert (same_stage.pipeline_id, same_stage.history) == (
        "other",
        (
            StageChange(
                from_stage="prospecting",
                to_stage="prospecting",
                at=day(1),
                to_pipeline="other",
                from_pipeline="default",
            ),
        ),
    )
    imported_won = Deal(
        id="w",
        name="w",
        amount=Money(1, "EUR"),
        created_at=day(0),
        stage="won",
        status="won",
        closed_at=day(1),
    )
    assert P.furthest_stage(imported_won) == P.first
    assert (P == "default") is False
    assert P.__eq__("default") is NotImplemented


def test_definition_arguments_of_the_wrong_kind_are_named() -> None:
    stages = [
        Stage("a", "A", "0.5"),
        Stage("won", "Won", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ]
    cases = [
        ({"name": "  "}, "name"),
        ({"guards": ["no guard"]}, "guards[0]"),
        ({"transitions": ["a", "won"]}, "transitions"),
        ({"transitions": {"a": "won"}}, "transitions['a']"),
        ({"reopen_to": {"lost": 3}}, "reopen_to['lost']"),
    ]
    for options, field in cases:
        with pytest.raises(PipelineDefinitionError) as caught:
            Pipeline("p", stages, **options)  # type: ignore[arg-type]
        assert caught.value.field == field, options
    for bad in ("", 7):
        with pytest.raises(PipelineDefinitionError) as caught:
            Guard(name=bad)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("name", bad)
