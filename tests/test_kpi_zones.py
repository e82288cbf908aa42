"""Periods are bucketed in the caller's zone, which analysts name as text."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import attrs
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


class _OneDayZone(tzinfo):
    """A tzinfo of one's own that gives an offset for 2000-01-01 (the probe
    check_tz makes) and raises for any other time."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is not None and dt.replace(tzinfo=None) == datetime(2000, 1, 1):
            return timedelta(0)
        raise ValueError("no offset")

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def fromutc(self, dt: datetime) -> datetime:
        raise ValueError("no offset")

    def __repr__(self) -> str:
        return "_OneDayZone()"


@pytest.mark.parametrize(
    "call",
    [
        lambda deals, tz: kpi.win_rate(deals, period="month", tz=tz),
        lambda deals, tz: kpi.bookings(deals, period="month", tz=tz, strict=False),
        lambda deals, tz: kpi.sales_cycle(deals, business_days=True, tz=tz),
        lambda deals, tz: kpi.cohort_retention(deals, tz=tz),
        lambda deals, tz: kpi.repeat_purchase_rate(deals, unit="day", tz=tz),
    ],
)
def test_a_tzinfo_that_raises_is_refused_naming_tz_and_the_instant(call: Any) -> None:
    closed = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    deal = attrs.evolve(won_at(closed), customer_id="C")  # a purchase too
    zone = _OneDayZone()
    with pytest.raises(ValidationError) as info:
        call([deal], zone)
    assert (info.value.field, info.value.value) == ("tz", zone)
    assert "raised ValueError for 2026-03-31T23:30:00+00:00" in str(info.value)


def test_a_tzinfo_that_raises_at_a_period_boundary_is_refused_not_skipped() -> None:
    """churn_rate's windows are read in tz: a boundary the zone cannot read is
    its error, not the end of the calendar (which would give no window)."""

    class Fickle(_OneDayZone):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            if dt is not None and dt.year != 2000 and (dt.day, dt.hour, dt.minute) == (1, 0, 0):
                raise ValueError("no offset at midnight on the 1st")
            return timedelta(0)

        def fromutc(self, dt: datetime) -> datetime:
            return dt.replace(tzinfo=self) + self.utcoffset(dt.replace(tzinfo=None))

    from salesmodel import Customer

    customer = Customer(id="C", name="c", acquired_at=datetime(2025, 1, 1, tzinfo=UTC))
    start, end = datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 6, 15, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        kpi.churn_rate([customer], start=start, end=end, period="month", tz=Fickle())
    assert info.value.field == "tz"
    assert "for 2026-03-01T00:00:00" in str(info.value)
