"""Every datetime is an instant: a named zone never makes a figure follow the wall
clock, and a wall time that names no single instant is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    Deal,
    StageChange,
    Status,
    ValidationError,
    from_dict,
    kpi,
    to_dict,
)

PARIS = ZoneInfo("Europe/Paris")


def deal(**fields: object) -> Deal:
    base: dict[str, object] = {"id": "D-1", "name": "Acme", "amount": None}
    return Deal(**(base | fields))  # type: ignore[arg-type]


def test_a_day_across_the_spring_change_lasts_23_hours_before_and_after_json():
    won = deal(
        created_at=datetime(2026, 3, 28, 12, tzinfo=PARIS),
        stage="won",
        status="won",
        closed_at=datetime(2026, 3, 29, 12, tzinfo=PARIS),
    )
    assert won.closed_at - won.created_at == timedelta(hours=23)
    again = from_dict(to_dict(won), Deal)
    assert again == won
    assert kpi.sales_cycle([won]) == kpi.sales_cycle([again])
    assert kpi.sales_cycle([won]).mean == timedelta(hours=23)


def test_a_named_zone_is_kept_as_the_same_instant_and_wall_time_with_its_offset():
    created = datetime(2026, 7, 1, 9, 30, tzinfo=PARIS)
    stored = deal(created_at=created).created_at
    assert stored == created
    assert (stored.hour, stored.minute) == (9, 30)
    assert stored.tzinfo == timezone(timedelta(hours=2))
    assert deal(created_at=datetime(2026, 1, 5, tzinfo=UTC)).created_at.tzinfo is UTC


def test_a_time_in_the_hour_clocks_skip_is_refused():
    with pytest.raises(ValidationError) as caught:
        deal(created_at=datetime(2026, 3, 29, 2, 30, tzinfo=PARIS))
    assert caught.value.field == "created_at"
    assert caught.value.allowed == (
        "a time that exists in Europe/Paris (2026-03-29 02:30:00 falls in the hour its clocks skip)"
    )


def test_a_time_of_the_repeated_hour_needs_fold_one_or_an_offset():
    ambiguous = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)
    with pytest.raises(ValidationError) as caught:
        deal(created_at=ambiguous)
    assert caught.value.allowed == (
        "a time that occurs once in Europe/Paris (2026-10-25 02:30:00 occurs twice: pass "
        "fold=1 for the second occurrence, or write the first with its offset, +02:00)"
    )
    second = deal(created_at=ambiguous.replace(fold=1)).created_at
    assert second == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    first = deal(created_at=datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=2))))
    assert second - first.created_at == timedelta(hours=1)


def test_closing_45_real_minutes_before_creation_is_refused_whatever_the_wall_clock_says():
    with pytest.raises(ValidationError) as caught:
        deal(
            created_at=datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS),
            stage="won",
            status="won",
            closed_at=datetime(2026, 10, 25, 2, 45, tzinfo=timezone(timedelta(hours=2))),
        )
    assert caught.value.field == "closed_at"


def test_a_move_at_a_named_zone_time_stores_the_instant_and_refuses_a_skipped_one():
    opened = deal(created_at=datetime(2026, 3, 28, 12, tzinfo=PARIS))
    moved = DEFAULT_PIPELINE.move(
        opened, "qualification", at=datetime(2026, 3, 29, 12, tzinfo=PARIS)
    )
    assert moved.history[-1].at.utcoffset() == timedelta(hours=2)
    assert type(moved.history[-1].at.tzinfo) is timezone
    with pytest.raises(ValidationError) as caught:
        DEFAULT_PIPELINE.move(
            opened, "qualification", at=datetime(2026, 3, 29, 2, 30, tzinfo=PARIS)
        )
    assert caught.value.field == "at"


def test_fold_one_at_a_fixed_offset_names_the_same_instant_after_a_round_trip():
    # fold names the second of two wall times; a fixed offset has no repeated one,
    # so the record keeps it (clearing it would cost every datetime a check) and a
    # round trip, where ISO text has no fold, gives an equal record
    at = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=2)), fold=1)
    made = deal(created_at=at)
    assert from_dict(to_dict(made), Deal) == made
    moved = DEFAULT_PIPELINE.move(made, "qualification", at=at)
    assert from_dict(to_dict(moved), Deal) == moved


def test_history_times_are_instants_too():
    change = StageChange(
        from_stage="a", to_stage="b", at=datetime(2026, 12, 1, 8, tzinfo=ZoneInfo("Asia/Tokyo"))
    )
    assert change.at.tzinfo == timezone(timedelta(hours=9))
    assert Status.OPEN.value == "open"
