"""Customer KPIs (salesmodel.kpi._customers): retention and churn windows, cohort
retention tables, repeat purchases; their arguments, bad records and zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from salesmodel import Customer, Deal, Money, ValidationError, kpi
from salesmodel.kpi import Period, Ratio

LISBON = ZoneInfo("Europe/Lisbon")


def at(month: int, day: int = 1, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def customer(cid: str, acquired: datetime, churned: datetime | None = None, **kw: Any) -> Customer:
    return Customer(id=cid, name=cid, acquired_at=acquired, churned_at=churned, **kw)


def purchase(pid: str, customer_id: str | None, closed: datetime, amount: str = "10") -> Deal:
    return Deal(
        id=pid,
        name=pid,
        amount=Money(amount, "EUR"),
        created_at=closed - timedelta(days=1),
        customer_id=customer_id,
        stage="won",
        status="won",
        closed_at=closed,
    )


@attrs.define
class CustomerRow:
    """A customer from elsewhere (an ORM row), not built by salesmodel."""

    id: str
    acquired_at: Any
    churned_at: Any = None
    region: str = "north"


# --- retention and churn -------------------------------------------------------------------


def test_retention_windows_need_an_aware_start_and_an_end_after_it() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.retention_rate([], start=datetime(2026, 1, 1), end=at(2))
    assert caught.value.field == "start"
    with pytest.raises(ValidationError) as caught:
        kpi.retention_rate([], start=at(2), end=at(1))
    assert caught.value.field == "end"
    assert "after start" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        kpi.churn_rate([], start=at(1), end=datetime(2026, 2, 1))
    assert caught.value.field == "end"


def test_retention_periods_must_be_a_calendar_kind() -> None:
    with pytest.raises(ValidationError) as caught:
        kpi.retention_rate([], start=at(1), end=at(3), period="day", tz=UTC)  # type: ignore[call-overload]
    assert caught.value.field == "period"
    assert "'day'" in str(caught.value)


def test_retention_periods_start_at_the_first_whole_period_after_start() -> None:
    people = [
        customer("a", at(1)),
        customer("b", at(1), churned=at(2, 20)),
        customer("c", at(3, 5)),
    ]
    # 15 January is mid-month: January is not a whole period of the window.
    monthly = kpi.retention_rate(people, start=at(1, 15), end=at(4, 1), period="month", tz=UTC)
    assert {str(p): r for p, r in monthly.items()} == {
        "2026-02": Ratio(1, 2),
        "2026-03": Ratio(1, 1),
    }
    assert monthly.columns == ("period",)


def test_retention_by_group_and_period_is_keyed_by_both() -> None:
    people = [
        customer("a", at(1), attributes={"region": "north"}),
        customer("b", at(1), churned=at(2, 20), attributes={"region": "south"}),
    ]
    grouped = kpi.retention_rate(
        people,
        start=at(2),
        end=at(4),
        by=lambda c: c.attributes["region"],
        period="month",
        tz=UTC,
    )
    feb, mar = Period("month", 2026, 2), Period("month", 2026, 3)
    assert dict(grouped) == {
        ("north", feb): Ratio(1, 1),
        ("north", mar): Ratio(1, 1),
        ("south", feb): Ratio(0, 1),
    }
    assert grouped.columns == ("group", "period")
    churn = kpi.churn_rate(people, start=at(2), end=at(4), by=lambda c: c.attributes["region"])
    assert dict(churn) == {"north": Ratio(0, 1), "south": Ratio(1, 1)}


def test_retention_periods_in_a_named_zone_equal_those_in_its_zoneinfo() -> None:
    # Bug fixed: a zone given by name reached the window code as a str.
    people = [customer("a", at(1)), customer("b", at(1), churned=at(2, 15))]
    window = {"start": datetime(2026, 1, 1, tzinfo=LISBON), "end": at(4)}
    by_name = kpi.retention_rate(people, **window, period="month", tz="Europe/Lisbon")
    by_zone = kpi.retention_rate(people, **window, period="month", tz=LISBON)
    assert by_name == by_zone
    assert {str(p): r for p, r in by_name.items()} == {
        "2026-01": Ratio(2, 2),
        "2026-02": Ratio(1, 2),
        "2026-03": Ratio(1, 1),
    }


def test_retention_recorded_zone_reads_windows_in_the_start_offset() -> None:
    plus_one = timezone(timedelta(hours=1))
    people = [customer("a", datetime(2026, 1, 1, tzinfo=plus_one))]
    start = datetime(2026, 1, 1, tzinfo=plus_one)
    monthly = kpi.retention_rate(
        people,
        start=start,
        end=datetime(2026, 3, 1, tzinfo=plus_one),
        period="month",
        tz="recorded",
    )
    assert [str(p) for p in monthly] == ["2026-01", "2026-02"]


def test_retention_checks_other_customer_records_and_skips_bad_ones() -> None:
    good = CustomerRow("r1", at(1))
    naive = CustomerRow("r2", datetime(2026, 1, 1))
    window = {"start": at(2), "end": at(3)}
    assert kpi.retention_rate([good], **window) == Ratio(1, 1)
    with pytest.raises(ValidationError) as caught:
        kpi.retention_rate([good, naive], **window)
    assert caught.value.field == "acquired_at"
    assert "'r2'" in str(caught.value)
    rate = kpi.retention_rate([good, naive], **window, strict=False)
    assert rate == Ratio(1, 1)
    assert [(s.id, s.field) for s in rate.skipped] == [("r2", "acquired_at")]


# --- cohort retention ----------------------------------------------------------------------

BOOK = [
    purchase("p1", "ann", at(1, 5)),
    purchase("p2", "ann", at(2, 5)),
    purchase("p3", "bob", at(1, 9)),
    purchase("p4", "cy", at(2, 9)),
    purchase("p5", "cy", at(3, 9)),
    purchase("p6", None, at(3, 10)),  # no customer: not a purchase of anyone
]


def test_cohort_rows_are_found_by_period_or_by_its_name() -> None:
    table = kpi.cohort_retention(BOOK, tz=UTC)
    jan = Period("month", 2026, 1)
    assert table[jan] is table["2026-01"]
    assert table["2026-01"] == kpi.CohortRow(jan, 2, (Ratio(2, 2), Ratio(1, 2), Ratio(0, 2)))
    assert table["2026-02"].cells == (Ratio(1, 1), Ratio(1, 1), None)
    with pytest.raises(KeyError):
        table["2026-04"]
    assert table.observed_until == Period("month", 2026, 3)


def test_cohort_matrix_repr_and_html_mark_unobserved_cells_apart_from_zero() -> None:
    table = kpi.cohort_retention(BOOK, tz=UTC)
    assert table.matrix() == [[1.0, 0.5, 0.0], [1.0, 1.0, None]]
    assert repr(table).splitlines() == [
        "CohortTable(observed until 2026-03)",
        "   2026-01      2  100.0%  50.0%   0.0%",
        "   2026-02      1  100.0% 100.0%      .",
    ]
    html = table._repr_html_()
    assert "<caption>Cohort retention (observed until 2026-03)</caption>" in html
    assert "<th>+0</th><th>+1</th><th>+2</th>" in html
    assert "<tr><th>2026-02</th><td>1</td><td>100.0%</td><td>100.0%</td><td></td></tr>" in html


def test_cohort_as_of_mid_period_keeps_that_period_observable() -> None:
    mid_march = kpi.cohort_retention(BOOK, tz=UTC, as_of=at(3, 15))
    assert mid_march.observed_until == Period("month", 2026, 3)
    first_of_march = kpi.cohort_retention(BOOK, tz=UTC, as_of=at(3, 1))
    assert first_of_march.observed_until == Period("month", 2026, 2)
    assert first_of_march["2026-01"].cells == (Ratio(2, 2), Ratio(1, 2))
    with pytest.raises(ValidationError) as caught:
        kpi.cohort_retention(BOOK, tz=UTC, as_of=datetime(2026, 3, 1))
    assert caught.value.field == "as_of"


def test_cohorts_skip_chunks_without_purchases_and_bad_other_records() -> None:
    open_deal = attrs.evolve(BOOK[0], id="o", stage="prospecting", status="open", closed_at=None)
    assert kpi.cohort_retention([open_deal], tz=UTC).rows == ()
    bad = CustomerRow("x", at(1))  # no status: not a deal
    with pytest.raises(ValidationError) as caught:
        kpi.cohort_retention([bad], tz=UTC)
    assert caught.value.field == "status"
    table = kpi.cohort_retention([*BOOK, bad], tz=UTC, strict=False)
    assert [(s.id, s.field) for s in table.skipped] == [("x", "status")]
    assert table == kpi.cohort_retention(BOOK, tz=UTC)


# --- repeat purchases ----------------------------------------------------------------------


def test_repeat_purchases_by_deal_and_by_day() -> None:
    same_day = [purchase("a", "ann", at(1, 5, 9)), purchase("b", "ann", at(1, 5, 17))]
    assert kpi.repeat_purchase_rate(same_day) == Ratio(1, 1)
    assert kpi.repeat_purchase_rate(same_day, unit="day", tz=UTC) == Ratio(0, 1)
    assert kpi.repeat_purchase_rate([]) == Ratio(0, 0)
    with pytest.raises(ValidationError) as caught:
        kpi.repeat_purchase_rate(same_day, unit="week")  # type: ignore[arg-type]
    assert caught.value.field == "unit"
    with pytest.raises(ValidationError) as caught:
        kpi.repeat_purchase_rate(same_day, unit="day")
    assert caught.value.field == "tz"


def test_repeat_purchase_days_in_a_named_zone_are_read_in_that_zone() -> None:
    # Bug fixed: a zone given by name was taken as tz="recorded" (UTC days here).
    # 22:30 and 23:30 UTC on 31 March are two days in Lisbon (summer time, +1).
    evening = [purchase("a", "ann", at(3, 31, 22, 30)), purchase("b", "ann", at(3, 31, 23, 30))]
    by_zone = kpi.repeat_purchase_rate(evening, unit="day", tz=LISBON)
    assert by_zone == Ratio(1, 1)
    assert kpi.repeat_purchase_rate(evening, unit="day", tz="Europe/Lisbon") == by_zone
    assert kpi.repeat_purchase_rate(evening, unit="day", tz=UTC) == Ratio(0, 1)


def test_repeat_purchases_skip_chunks_without_purchases_and_bad_records() -> None:
    no_customer = [purchase("a", None, at(1, 5))]
    assert kpi.repeat_purchase_rate(no_customer) == Ratio(0, 0)
    grouped = kpi.repeat_purchase_rate(BOOK, by="customer_id")
    assert dict(grouped) == {"ann": Ratio(1, 1), "bob": Ratio(0, 1), "cy": Ratio(1, 1)}
    bad = CustomerRow("x", at(1))
    rate = kpi.repeat_purchase_rate([*BOOK, bad], strict=False)
    assert rate == Ratio(2, 3)
    assert [(s.id, s.field) for s in rate.skipped] == [("x", "status")]
