"""Activity volume (salesmodel.kpi._activity): which kinds count, grouped by rep
and period of ``at``, the kinds argument checked, options compared on merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from salesmodel import Activity, ActivityKind, ValidationError, kpi
from salesmodel.kpi import Count, Period

T0 = datetime(2026, 1, 30, 12, tzinfo=UTC)
ALL_KINDS = ", ".join(k.value for k in ActivityKind)


def act(aid: str, kind: ActivityKind, days: float, rep: str) -> Activity:
    return Activity(id=aid, kind=kind, at=T0 + timedelta(days=days), rep_id=rep)


ACTS = [
    act("1", ActivityKind.CALL, 0, "ana"),
    act("2", ActivityKind.CALL, 5, "ana"),  # February
    act("3", ActivityKind.EMAIL, 0, "bo"),
    act("4", ActivityKind.MEETING, 6, "bo"),
]
JAN, FEB = Period("month", 2026, 1), Period("month", 2026, 2)


def test_activities_are_counted_by_kind_rep_and_month() -> None:
    assert kpi.activity_volume(ACTS) == Count(4)
    assert kpi.activity_volume(ACTS, kinds={ActivityKind.CALL}) == Count(2)
    assert kpi.activity_volume(ACTS, kinds=["email", "meeting"]) == Count(2)
    assert dict(kpi.activity_volume(ACTS, by="rep_id")) == {"ana": Count(2), "bo": Count(2)}
    calls = kpi.activity_volume(ACTS, by="rep_id", kinds=[ActivityKind.CALL])
    assert dict(calls) == {"ana": Count(2)}
    monthly = kpi.activity_volume(ACTS, period="month", tz=UTC)
    assert dict(monthly) == {JAN: Count(2), FEB: Count(2)}
    both = kpi.activity_volume(ACTS, by="rep_id", period="month", tz=UTC, kinds=["call"])
    assert dict(both) == {("ana", JAN): Count(1), ("ana", FEB): Count(1)}
    assert kpi.activity_volume([]) == Count(0)
    assert dict(kpi.activity_volume([], by="rep_id")) == {}


def test_kinds_must_be_activity_kinds_in_an_iterable() -> None:
    for bad in (["call", "nope"], [3]):
        with pytest.raises(ValidationError) as caught:
            kpi.activity_volume(ACTS, kinds=bad)  # type: ignore[arg-type]
        assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
            ("kinds", bad, f"activity kinds among {ALL_KINDS}")
        ]
    for bad_iterable in ("call", b"call", 3):
        with pytest.raises(ValidationError) as caught:
            kpi.activity_volume(ACTS, kinds=bad_iterable)  # type: ignore[arg-type]
        assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
            ("kinds", bad_iterable, "None or an iterable of ActivityKind")
        ]


def test_activity_options_take_part_in_merges() -> None:
    calls = kpi.ActivityVolumeAccumulator(kinds=["call"]).add_many(ACTS[:2])
    also_calls = kpi.ActivityVolumeAccumulator(kinds={ActivityKind.CALL}).add_many(ACTS[2:])
    assert calls.merge(also_calls).result() == Count(2)
    assert calls._options == {
        "by": None,
        "period": None,
        "tz": None,
        "kinds": frozenset({ActivityKind.CALL}),
        "strict": True,
    }
    others: list[Any] = [
        kpi.ActivityVolumeAccumulator(kinds=["email"]),
        kpi.ActivityVolumeAccumulator(),
        kpi.ActivityVolumeAccumulator(kinds=["call"], by="rep_id"),
        kpi.ActivityVolumeAccumulator(kinds=["call"], period="month", tz=UTC),
        kpi.ActivityVolumeAccumulator(kinds=["call"], strict=False),
    ]
    for other in others:
        with pytest.raises(ValidationError) as caught:
            calls.merge(other)
        assert caught.value.field == "other"
    grouped = kpi.ActivityVolumeAccumulator(by="rep_id", period="month", tz=UTC, strict=False)
    merged = grouped.merge(
        kpi.ActivityVolumeAccumulator(by="rep_id", period="month", tz=UTC, strict=False)
    )
    assert merged.strict is False
    assert merged.add_many(ACTS).result() == kpi.activity_volume(
        ACTS, by="rep_id", period="month", tz=UTC
    )


def test_activities_add_one_at_a_time_and_bad_ones_are_skipped_when_asked() -> None:
    acc = kpi.ActivityVolumeAccumulator()
    for activity in ACTS:
        acc.add(activity)
    assert acc.result() == Count(4)

    class Row:
        id = "r"
        kind = "call"
        at = T0

    volume = kpi.activity_volume([*ACTS, Row()], strict=False)
    assert volume == Count(4)
    assert [(s.id, s.field) for s in volume.skipped] == [("r", "kind")]
    with pytest.raises(ValidationError):
        kpi.activity_volume([Row()])
