"""Stage history: visits and time in stages at their limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salesmodel import DEFAULT_PIPELINE, Deal, Money, ValidationError
from salesmodel.history import StageVisit, stage_visits, time_in_stages


def day(n: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)


def deal() -> Deal:
    return Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=day(0))


def test_a_current_visit_lasts_until_as_of_and_not_before_it_began():
    visit = StageVisit("a", day(1), None, 0)
    assert visit.duration() is None
    assert visit.duration(as_of=day(0.5)) is None
    assert visit.duration(as_of=day(1)) == timedelta(0)
    assert visit.duration(as_of=day(3)) == timedelta(days=2)
    assert StageVisit("a", day(1), day(2), 0).duration(as_of=day(10)) == timedelta(days=1)


def test_visits_start_at_creation_and_number_every_stay():
    moved = DEFAULT_PIPELINE.move(deal(), "qualification", at=day(2))
    moved = DEFAULT_PIPELINE.move(moved, "prospecting", at=day(3))
    assert stage_visits(moved) == (
        StageVisit("prospecting", day(0), day(2), 0),
        StageVisit("qualification", day(2), day(3), 1),
        StageVisit("prospecting", day(3), None, 2),
    )
    assert stage_visits(deal()) == (StageVisit("prospecting", day(0), None, 0),)


def test_time_in_stages_sums_repeat_visits_and_counts_the_current_one_only_when_asked():
    moved = DEFAULT_PIPELINE.move(deal(), "qualification", at=day(2))
    moved = DEFAULT_PIPELINE.move(moved, "prospecting", at=day(3))
    assert time_in_stages(moved) == {
        "prospecting": timedelta(days=2),
        "qualification": timedelta(1),
    }
    assert time_in_stages(moved, as_of=day(5)) == {
        "prospecting": timedelta(days=4),
        "qualification": timedelta(days=1),
    }
    assert time_in_stages(moved, as_of=day(5), include_current=False) == {
        "prospecting": timedelta(days=2),
        "qualification": timedelta(days=1),
    }
    assert time_in_stages(moved, as_of=day(1)) == {
        "prospecting": timedelta(days=2),
        "qualification": timedelta(days=1),
    }
    lost = DEFAULT_PIPELINE.lose(moved, "price", at=day(4))
    assert time_in_stages(lost, as_of=day(9)) == {
        "prospecting": timedelta(days=3),
        "qualification": timedelta(days=1),
    }


@pytest.mark.parametrize("entity", [None, {}, "D", object()])
def test_only_a_record_with_a_stage_has_visits(entity):
    for helper in (stage_visits, time_in_stages):
        with pytest.raises(ValidationError) as info:
            helper(entity)
        assert (info.value.field, info.value.allowed) == (
            "entity",
            "a deal, a lead or a record with a stage",
        )


@pytest.mark.parametrize("as_of", [datetime(2026, 1, 5), "2026-01-05T00:00:00+00:00"])
def test_a_naive_or_non_datetime_as_of_is_named_not_compared(as_of):
    with pytest.raises(ValidationError) as info:
        time_in_stages(deal(), as_of=as_of)
    assert (info.value.field, info.value.allowed) == (
        "as_of",
        "None or a timezone-aware datetime",
    )
    with pytest.raises(ValidationError) as info:
        StageVisit("a", day(1), None, 0).duration(as_of=as_of)
    assert info.value.field == "as_of"
