"""Periods are bucketed in the caller's zone, which analysts name as text."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest

from salesmodel import Deal, Money, ValidationError, kpi


def won_at(closed: datetime) -> Deal:
    return Deal(
        id="D", name="n", amount=Money(1, "EUR"), created_at=closed,
        stage="won", status="won", closed_at=closed,
    )  # fmt: skip


def test_an_iana_zone_name_works_like_its_zoneinfo():
    # 23:30 UTC on 31 March is already April in Lisbon's summer time.
    deals = [won_at(datetime(2026, 3, 31, 23, 30, tzinfo=UTC))]
    by_name = kpi.bookings(deals, period="month", tz="Europe/Lisbon")
    by_zone = kpi.bookings(deals, period="month", tz=zoneinfo.ZoneInfo("Europe/Lisbon"))
    assert by_name == by_zone
    assert [str(k) for k in by_name] == ["2026-04"]
    assert [str(k) for k in kpi.bookings(deals, period="month", tz=UTC)] == ["2026-03"]


@pytest.mark.parametrize("bad", ["Mars/Base", "", "utc ", 3])
def test_an_unknown_zone_is_refused_naming_tz(bad):
    with pytest.raises(ValidationError) as info:
        kpi.bookings([], period="month", tz=bad)
    assert info.value.field == "tz"


def test_a_zone_named_by_a_str_subclass_is_read_as_its_text() -> None:
    """numpy's ``str_`` (a cell of a numpy array of text) names a zone as its text
    does."""
    np = pytest.importorskip("numpy")
    at = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 1 February in Paris
    deal = Deal(
        id="A", name="n", amount=Money("1", "EUR"), created_at=at, status="won", stage="won",
        closed_at=at,
    )  # fmt: skip
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    expected = kpi.bookings([deal], period="month", tz=paris)
    assert kpi.bookings([deal], period="month", tz=np.str_("Europe/Paris")) == expected
    assert list(expected) == [kpi.Period("month", 2026, 2)]
