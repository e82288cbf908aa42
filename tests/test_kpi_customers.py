"""Customer KPIs (salesmodel.kpi._customers): retention and churn windows, cohort
retention tables, repeat purchases; their arguments, bad records and zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from salesmodel import Customer, Deal, Issue, Money, Status, ValidationError, kpi
from salesmodel.kpi import Period, Ratio
from support import issues_of

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


def test_retention_and_churn_windows_stop_at_the_edges_of_the_calendar() -> None:
    first, last = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)
    early = [customer("c", first, first + timedelta(days=1))]
    for rate in (kpi.retention_rate, kpi.churn_rate):
        for field, start, end, zone in (
            ("start", first, first + timedelta(days=40), "America/New_York"),
            ("end", last - timedelta(days=40), last, "Asia/Tokyo"),
        ):
            with pytest.raises(ValidationError) as caught:
                rate(early, start=start, end=end, period="month", tz=zone)
            given = start if field == "start" else end
            assert (caught.value.field, caught.value.value) == (field, given)
            assert "within the years 1 to 9999" in str(caught.value)
    # A period that would end after 9999-12-31 in the zone ends after end too.
    tokyo_end = datetime(9999, 12, 31, 10, tzinfo=UTC)  # 19:00 in Tokyo
    for period, windows in (("month", ["9999-11"]), ("week", ["9999-W50", "9999-W51"])):
        kept = kpi.retention_rate(
            [customer("c", at(10, year=9999))],
            start=datetime(9999, 11, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
            end=tokyo_end,
            period=period,
            tz="Asia/Tokyo",
        )
        assert [str(window) for window in kept][-len(windows) :] == windows


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
        "    cohort  customers      +0      +1      +2",
        "   2026-01          2  100.0%   50.0%    0.0%",
        "   2026-02          1  100.0%  100.0%       .",
    ]
    assert repr(kpi.CohortTable((), None)).splitlines() == [
        "CohortTable(observed until None)",
        "    cohort  customers",
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


def test_cohort_as_of_counts_no_purchase_made_at_or_after_it() -> None:
    book = [
        purchase("a1", "a", at(1, 10)),
        purchase("b1", "b", at(1, 12)),
        purchase("a2", "a", at(2, 20)),  # after as_of: not seen
        purchase("c1", "c", at(2, 25)),  # a customer first seen after as_of: no cohort
    ]
    table = kpi.cohort_retention(book, tz=UTC, as_of=at(2, 15))
    assert [row.cohort for row in table.rows] == [Period("month", 2026, 1)]
    assert table["2026-01"].cells == (Ratio(2, 2), Ratio(0, 2))


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


def test_a_purchase_day_beyond_the_calendar_in_the_zone_is_named() -> None:
    first = datetime(1, 1, 1, tzinfo=UTC)
    early = attrs.evolve(purchase("p", "c", at(1)), created_at=first, closed_at=first)
    with pytest.raises(ValidationError) as caught:
        kpi.repeat_purchase_rate([early], unit="day", tz="America/New_York")
    assert (caught.value.field, caught.value.value) == ("closed_at", first)
    assert kpi.repeat_purchase_rate([early], unit="day", tz=UTC) == Ratio(0, 1)


def test_repeat_purchases_skip_chunks_without_purchases_and_bad_records() -> None:
    no_customer = [purchase("a", None, at(1, 5))]
    assert kpi.repeat_purchase_rate(no_customer) == Ratio(0, 0)
    grouped = kpi.repeat_purchase_rate(BOOK, by="customer_id")
    assert dict(grouped) == {"ann": Ratio(1, 1), "bob": Ratio(0, 1), "cy": Ratio(1, 1)}
    bad = CustomerRow("x", at(1))
    rate = kpi.repeat_purchase_rate([*BOOK, bad], strict=False)
    assert rate == Ratio(2, 3)
    assert [(s.id, s.field) for s in rate.skipped] == [("x", "status")]


# --- exact errors, boundaries, defaults and merging (mutation testing) ---------------------

PLUS_FIVE = timezone(timedelta(hours=5))


def expected_of_refusal(first: Any, second: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        first.merge(second)
    return caught.value.issues[0].expected


class PurchaseRow:
    """A won deal from elsewhere (an ORM row)."""

    def __init__(self, pid: str, customer_id: str | None, closed: datetime) -> None:
        self.id = pid
        self.customer_id = customer_id
        self.status = Status.WON
        self.created_at = closed - timedelta(days=1)
        self.closed_at = closed
        self.amount = Money(10, "EUR")


def test_retention_argument_errors_are_exact() -> None:
    naive = datetime(2026, 1, 1)
    assert issues_of(lambda: kpi.retention_rate([], start=naive, end=at(2))) == (
        Issue("start", naive, "a timezone-aware datetime"),
    )
    assert issues_of(lambda: kpi.retention_rate([], start=at(2), end=at(2))) == (
        Issue("end", at(2), "a timezone-aware datetime after start"),
    )
    assert issues_of(
        lambda: kpi.retention_rate([], start=at(1), end=at(3), period="day", tz=UTC)  # type: ignore[call-overload]
    ) == (Issue("period", "day", "'week', 'month', 'quarter' or 'year'"),)
    with pytest.raises(ValidationError) as caught:
        kpi.retention_rate([], start=at(1), end=at(3), period="month")  # type: ignore[call-overload]
    assert caught.value.field == "tz"


def test_retention_windows_of_every_calendar_kind() -> None:
    people = [customer("a", at(1, year=2025))]
    start, end = at(1, year=2025), at(1, year=2027)
    # 1 January 2025 is a Wednesday: the first whole ISO week is 2025-W02
    for period, count in (("week", 103), ("quarter", 8), ("year", 2)):
        windows = kpi.retention_rate(people, start=start, end=end, period=period, tz=UTC)  # type: ignore[call-overload]
        assert len(windows) == count, period
    one_month = kpi.retention_rate(people, start=at(1), end=at(2), period="month", tz=UTC)
    assert dict(one_month) == {Period("month", 2026, 1): Ratio(1, 1)}


def test_retention_windows_are_read_in_the_zone_given() -> None:
    # 20:00 UTC on 31 December is 01:00 on 1 January at +05:00: January has begun
    # there, so the first whole month is February; March ends before 1 April UTC.
    start = datetime(2025, 12, 31, 20, tzinfo=UTC)
    windows = kpi.retention_rate(
        [customer("a", at(1, year=2025))], start=start, end=at(4), period="month", tz=PLUS_FIVE
    )
    assert [str(p) for p in windows] == ["2026-02", "2026-03"]


def test_a_customer_churned_at_a_moment_is_gone_at_it() -> None:
    people = [customer("a", at(1), churned=at(3)), customer("b", at(1), churned=at(2))]
    assert kpi.retention_rate(people, start=at(2), end=at(3)) == Ratio(0, 1)
    assert kpi.churn_rate(people, start=at(2), end=at(3)) == Ratio(1, 1)


def test_a_customer_acquired_within_a_window_counts_in_the_next() -> None:
    late = customer("b", at(1, 15))
    monthly = kpi.retention_rate([late], start=at(1), end=at(3), period="month", tz=UTC)
    assert dict(monthly) == {Period("month", 2026, 2): Ratio(1, 1)}


def test_retention_and_churn_are_strict_by_default_and_report_skips() -> None:
    naive = CustomerRow("r2", datetime(2026, 1, 1))
    window = {"start": at(2), "end": at(3)}
    empty = kpi.retention_rate([], **window)
    assert (empty.numerator, empty.denominator) == (0, 0)
    for acc in (kpi.RetentionAccumulator(**window), kpi.ChurnRateAccumulator(**window)):
        with pytest.raises(ValidationError):
            acc.add(naive)
    with pytest.raises(ValidationError):
        kpi.churn_rate([naive], **window)
    churn = kpi.churn_rate([naive, CustomerRow("r1", at(1))], **window, strict=False)
    assert churn == Ratio(0, 1)
    assert [s.id for s in churn.skipped] == ["r2"]
    monthly = kpi.churn_rate([naive], start=at(1), end=at(3), period="month", tz=UTC, strict=False)
    assert [s.id for s in monthly.skipped] == ["r2"]
    grouped = kpi.retention_rate([naive], **window, by="prospect_id", strict=False)
    assert [s.id for s in grouped.skipped] == ["r2"]


def test_churn_by_period_in_a_zone() -> None:
    people = [customer("a", at(1)), customer("b", at(1), churned=at(2, 15))]
    start = datetime(2025, 12, 31, 20, tzinfo=UTC)
    monthly = kpi.churn_rate(people, start=start, end=at(4), period="month", tz=PLUS_FIVE)
    assert {str(p): r for p, r in monthly.items()} == {
        "2026-02": Ratio(1, 2),
        "2026-03": Ratio(0, 1),
    }
    acc = kpi.ChurnRateAccumulator(start=start, end=at(4), period="month", tz=PLUS_FIVE)
    assert acc.add_many(people).result() == monthly


def test_retention_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {
        "start": at(1),
        "end": at(3),
        "by": "prospect_id",
        "period": "month",
        "tz": UTC,
        "strict": False,
    }
    first = kpi.RetentionAccumulator(**options).add_many([customer("a", at(1), prospect_id="p")])
    second = kpi.RetentionAccumulator(**options)
    second.add(customer("b", at(1, 15), prospect_id="p"))
    merged = first.merge(second)
    merged.add(CustomerRow("x", datetime(2026, 1, 1)))
    result = merged.result()
    assert dict(result) == {
        ("p", Period("month", 2026, 1)): Ratio(1, 1),
        ("p", Period("month", 2026, 2)): Ratio(2, 2),
    }
    assert [s.id for s in result.skipped] == ["x"]
    assert expected_of_refusal(first, kpi.RetentionAccumulator(start=at(1), end=at(3))) == (
        "a RetentionAccumulator with the same options (by='prospect_id', churn=False, "
        f"end={at(3)!r}, period='month', start={at(1)!r}, strict=False, "
        "tz=datetime.timezone.utc)"
    )
    churn = kpi.ChurnRateAccumulator(start=at(1), end=at(3))
    assert expected_of_refusal(churn, kpi.ChurnRateAccumulator(start=at(1), end=at(4))) == (
        f"a ChurnRateAccumulator with the same options (by=None, end={at(3)!r}, "
        f"period=None, start={at(1)!r}, strict=True, tz=None)"
    )


def test_cohort_tables_as_records_and_lookups() -> None:
    table = kpi.cohort_retention(BOOK, tz=UTC)
    assert table.to_records() == [
        {
            "cohort": "2026-01",
            "offset": 0,
            "period": "2026-01",
            "customers": 2,
            "active": 2,
            "retention": 1.0,
        },
        {
            "cohort": "2026-01",
            "offset": 1,
            "period": "2026-02",
            "customers": 2,
            "active": 1,
            "retention": 0.5,
        },
        {
            "cohort": "2026-01",
            "offset": 2,
            "period": "2026-03",
            "customers": 2,
            "active": 0,
            "retention": 0.0,
        },
        {
            "cohort": "2026-02",
            "offset": 0,
            "period": "2026-02",
            "customers": 1,
            "active": 1,
            "retention": 1.0,
        },
        {
            "cohort": "2026-02",
            "offset": 1,
            "period": "2026-03",
            "customers": 1,
            "active": 1,
            "retention": 1.0,
        },
    ]
    with pytest.raises(KeyError) as caught:
        table["2026-04"]
    assert caught.value.args == ("2026-04",)
    assert "</tr><tr>" in table._repr_html_()


def test_cohort_tables_without_rows_and_with_unknown_rates_as_text() -> None:
    empty = kpi.CohortTable((), None)
    assert empty._repr_html_() == (
        "<table><caption>Cohort retention (observed until None)</caption>"
        "<thead><tr><th>cohort</th><th>customers</th></tr></thead><tbody></tbody></table>"
    )
    jan = Period("month", 2026, 1)
    odd = kpi.CohortTable((kpi.CohortRow(jan, 0, (Ratio(0, 0),)),), jan)
    assert repr(odd).splitlines()[1:] == [
        "    cohort  customers      +0",
        "   2026-01          0     n/a",
    ]
    assert odd.to_records()[0]["retention"] is None


def test_cohort_arguments_defaults_and_skips() -> None:
    naive = datetime(2026, 3, 1)
    assert issues_of(lambda: kpi.cohort_retention([], tz=UTC, as_of=naive)) == (
        Issue("as_of", naive, "None or a timezone-aware datetime"),
    )
    monthly = kpi.CohortRetentionAccumulator(tz=UTC).add_many(BOOK).result()
    assert monthly == kpi.cohort_retention(BOOK, tz=UTC)
    quarterly = kpi.cohort_retention(BOOK, tz=UTC, period="quarter")
    assert quarterly.rows == (kpi.CohortRow(Period("quarter", 2026, 1), 3, (Ratio(3, 3),)),)
    bad = CustomerRow("x", at(1))
    with pytest.raises(ValidationError):
        kpi.CohortRetentionAccumulator(tz=UTC).add(bad)
    nothing = kpi.cohort_retention([bad], tz=UTC, strict=False)
    assert (nothing.rows, nothing.observed_until) == ((), None)
    assert [s.id for s in nothing.skipped] == ["x"]


@pytest.mark.parametrize("period", ["week", "month", "year"])
def test_cohort_as_of_is_named_when_its_date_in_tz_is_beyond_the_calendar(period: str) -> None:
    late = datetime(9999, 12, 31, 23, tzinfo=UTC)  # 10000 in Kiritimati (+14:00)
    with pytest.raises(ValidationError) as caught:
        kpi.cohort_retention([], tz="Pacific/Kiritimati", as_of=late, period=period)
    assert (caught.value.field, caught.value.value) == ("as_of", late)
    # the calendar's first instant: no period before it is observable (not year 0)
    first = datetime(1, 1, 1, tzinfo=UTC)
    table = kpi.cohort_retention([], tz=UTC, as_of=first, period=period)
    assert (table.rows, table.observed_until) == ((), None)


def test_cohorts_read_purchase_rows_and_the_last_period() -> None:
    rows = [PurchaseRow("r1", "ann", at(1, 5)), PurchaseRow("r2", "dee", at(3, 5))]
    table = kpi.cohort_retention(rows, tz=UTC)
    assert [(str(r.cohort), r.cells) for r in table.rows] == [
        ("2026-01", (Ratio(1, 1), Ratio(0, 1), Ratio(0, 1))),
        ("2026-03", (Ratio(1, 1), None, None)),
    ]
    before = kpi.cohort_retention(rows, tz=UTC, as_of=at(1))
    assert (before.rows, before.observed_until) == ((), Period("month", 2025, 12))


def test_cohorts_observed_until_as_of_in_the_zone_given() -> None:
    # 20:00 UTC on 31 January is 1 February at +05:00: February is observable.
    rows = [PurchaseRow("r1", "ann", at(1, 5)), PurchaseRow("r2", "ann", at(1, 31, 21))]
    as_of = datetime(2026, 1, 31, 22, tzinfo=UTC)
    zoned = kpi.cohort_retention(rows, tz=PLUS_FIVE, as_of=as_of)
    assert zoned.observed_until == Period("month", 2026, 2)
    assert zoned["2026-01"].cells == (Ratio(1, 1), Ratio(1, 1))
    recorded = kpi.cohort_retention(rows, tz="recorded", as_of=as_of)
    assert recorded.observed_until == Period("month", 2026, 1)
    at_start = kpi.cohort_retention(rows, tz="recorded", as_of=at(2))
    assert at_start.observed_until == Period("month", 2026, 1)


def test_cohort_accumulators_merge_with_their_options() -> None:
    options: dict[str, Any] = {"period": "month", "tz": UTC, "as_of": at(4), "strict": False}
    first = kpi.CohortRetentionAccumulator(**options).add_many(BOOK[:2])
    second = kpi.CohortRetentionAccumulator(**options).add_many(BOOK[2:])
    merged = first.merge(second)
    merged.add(CustomerRow("x", at(1)))
    result = merged.result()
    assert result.observed_until == Period("month", 2026, 3)
    assert result.rows == kpi.cohort_retention(BOOK, tz=UTC).rows
    assert [s.id for s in result.skipped] == ["x"]
    assert expected_of_refusal(first, kpi.CohortRetentionAccumulator(tz=UTC)) == (
        f"a CohortRetentionAccumulator with the same options (as_of={at(4)!r}, "
        "period='month', strict=False, tz=datetime.timezone.utc)"
    )


def test_repeat_purchase_arguments_defaults_and_rows() -> None:
    assert issues_of(lambda: kpi.repeat_purchase_rate([], unit="week")) == (  # type: ignore[arg-type]
        Issue("unit", "week", "'deal' or 'day'"),
    )
    same_day = [purchase("a", "ann", at(1, 5, 9)), purchase("b", "ann", at(1, 5, 17))]
    assert kpi.RepeatPurchaseRateAccumulator().add_many(same_day).result() == Ratio(1, 1)
    bad = CustomerRow("x", at(1))
    with pytest.raises(ValidationError):
        kpi.repeat_purchase_rate([bad])
    with pytest.raises(ValidationError):
        kpi.RepeatPurchaseRateAccumulator().add(bad)
    rows = [PurchaseRow("r1", "ann", at(1, 5)), PurchaseRow("r2", "ann", at(2, 5))]
    assert kpi.repeat_purchase_rate(rows) == Ratio(1, 1)


def test_repeat_purchase_accumulators_merge_with_their_options() -> None:
    # ann: 3 purchases on 2 days, bob: 2 purchases on 1 day
    for unit, expected in (("deal", Ratio(2, 2)), ("day", Ratio(1, 2))):
        options: dict[str, Any] = {"by": "owner_id", "unit": unit, "tz": UTC, "strict": False}
        first = kpi.RepeatPurchaseRateAccumulator(**options)
        first.add_many([purchase("a", "ann", at(1, 6)), purchase("d", "bob", at(1, 5, 9))])
        second = kpi.RepeatPurchaseRateAccumulator(**options)
        second.add_many([purchase("b", "ann", at(1, 5, 17)), purchase("e", "bob", at(1, 5, 17))])
        second.add(purchase("f", "ann", at(1, 5, 9)))
        merged = first.merge(second)
        merged.add(PurchaseRow("c", "", at(1, 5)))
        result = merged.result()
        assert dict(result) == {None: expected}, unit
        assert [s.id for s in result.skipped] == ["c"]
        assert expected_of_refusal(first, kpi.RepeatPurchaseRateAccumulator()) == (
            f"a RepeatPurchaseRateAccumulator with the same options (by='owner_id', "
            f"strict=False, tz=datetime.timezone.utc, unit={unit!r})"
        )


def test_time_arguments_are_instants_not_wall_clocks() -> None:
    """An end 45 minutes before its start in the repeated hour (02:45 first pass,
    02:30 second) is before it, as instants; a time its zone skips or repeats
    without saying which names none, and is refused as the entities refuse it."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    customer = Customer(id="C", name="c", acquired_at=datetime(2026, 10, 25, tzinfo=UTC))
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=paris)  # 01:30 UTC
    first = datetime(2026, 10, 25, 2, 45, tzinfo=paris).replace(
        tzinfo=timezone(timedelta(hours=2))
    )  # 00:45 UTC
    with pytest.raises(ValidationError, match="'end' must be a timezone-aware datetime after"):
        kpi.retention_rate([customer], start=second, end=first)
    twice = datetime(2026, 10, 25, 2, 45, tzinfo=paris)
    with pytest.raises(ValidationError, match="occurs twice"):
        kpi.retention_rate([customer], start=second - timedelta(days=1), end=twice)
    skipped = datetime(2026, 3, 29, 2, 30, tzinfo=paris)
    with pytest.raises(ValidationError, match="the hour its clocks skip"):
        kpi.cohort_retention([customer], as_of=skipped)
