"""Why deals are lost (kpi.loss_reasons): reasons grouped by what they name,
shares, exact lost value with unknown values said, the stage lost from, groups and
periods, each checked against counts made by hand in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from salesmodel import DEFAULT_PIPELINE, Deal, LossReason, Money, ValidationError, kpi
from salesmodel.kpi import Ratio, Total

P = DEFAULT_PIPELINE
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def lost(deal_id: str, reason: object, *stages: str, amount: object = 100, owner: str = "ana"):
    money = None if amount is None else Money(amount, "EUR")
    deal = Deal(id=deal_id, name=deal_id, amount=money, created_at=T0, owner_id=owner)
    for i, stage in enumerate(stages, start=1):
        deal = P.move(deal, stage, at=T0 + timedelta(days=i))
    return P.lose(deal, reason, at=T0 + timedelta(days=10))


BOOK = [
    lost("a", "price"),
    lost("b", " Price ", "qualification"),
    lost("c", LossReason.PRICE, "qualification", amount=None),
    lost("d", "Went with a competitor", "qualification", "research", owner="bo"),
    lost("e", "went with a competitor ", amount=250, owner="bo"),
    lost("f", "timing", "qualification", owner="bo"),
]


def test_reasons_are_grouped_by_what_they_name_and_ordered_by_losses() -> None:
    why = kpi.loss_reasons(BOOK)
    assert [(row.reason, row.lost) for row in why.rows] == [
        (LossReason.PRICE, 3),
        ("went with a competitor", 2),
        (LossReason.TIMING, 1),
    ]
    assert why.lost == 6
    assert len(why) == 3
    price = why["PRICE"]
    assert price.share == Ratio(3, 6)
    assert price.value == Total(Money(200, "EUR"), 2, unknown=1)
    assert dict(price.stages) == {"prospecting": 1, "qualification": 2}
    assert why["went with a competitor"].value == Total(Money(350, "EUR"), 2)
    with pytest.raises(KeyError):
        why["nobody asked"]


def test_records_and_the_stage_table() -> None:
    why = kpi.loss_reasons(BOOK)
    first = why.to_records()[0]
    assert first["reason"] == "price"
    assert (first["lost"], first["unknown"], first["lost_from"]) == (3, 1, "qualification")
    assert first["amount"] == 200
    assert {"reason": "went with a competitor", "lost_from": "research", "lost": 1} in why.stages()
    assert repr(why).startswith("LossReasons(price: 3 lost")


def test_only_deals_lost_now_count_by_owner_and_by_period() -> None:
    reopened = P.reopen(lost("r", "price", "qualification"), at=T0 + timedelta(days=11))
    opened = Deal(id="o", name="o", amount=Money(5, "EUR"), created_at=T0)
    why = kpi.loss_reasons([*BOOK, reopened, opened])
    assert why.lost == 6
    by_owner = kpi.loss_reasons(BOOK, by="owner_id")
    assert {owner: r.lost for owner, r in by_owner.items()} == {"ana": 3, "bo": 3}
    by_month = kpi.loss_reasons(BOOK, period="month", tz=UTC)
    assert [str(p) for p in by_month] == ["2026-01"]
    assert kpi.loss_reasons([]).rows == ()


def test_a_deal_without_a_reason_or_a_history_is_counted_apart() -> None:
    bare = attrs.evolve(
        Deal(id="n", name="n", amount=Money(1, "EUR"), created_at=T0),
        stage="lost",
        status="lost",
        closed_at=T0 + timedelta(days=1),
    )
    why = kpi.loss_reasons([bare, BOOK[0]])
    none = why[None]
    assert (none.lost, dict(none.stages)) == (1, {None: 1})


def test_other_records_and_bad_options_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.loss_reasons([object()])
    assert caught.value.field == "status"
    with pytest.raises(ValidationError):
        kpi.loss_reasons(BOOK, period="month")  # no tz


def test_a_record_of_another_type_with_a_broken_history_is_a_bad_record() -> None:
    """The stage a deal was lost from is read from its history: a history whose
    changes do not follow on is refused, as on a frame of its changes."""
    import types

    from salesmodel import StageChange, Status

    t = datetime(2026, 3, 2, tzinfo=UTC)
    history = (
        StageChange(from_stage="prospecting", to_stage="qualification", at=t + timedelta(days=1)),
        StageChange(from_stage="research", to_stage="lost", at=t + timedelta(days=2)),
    )
    record = types.SimpleNamespace(
        id="L1", status=Status.LOST, stage="lost", pipeline_id="default", created_at=t,
        closed_at=t + timedelta(days=2), amount=Money("50", "EUR"), loss_reason="price",
        history=history, owner_id=None,
    )  # fmt: skip
    got = kpi.loss_reasons([record], strict=False)
    assert [s.field for s in got.skipped] == ["history[1].from_stage"]
