"""Customer KPIs on CDNOW (69,659 purchases of 23,570 customers), checked
against an independent pandas computation; and the ``lifetimes`` customer
summary reproduced exactly for all 2,357 customers of the published sample."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from salesmodel import Deal, Money, kpi
from salesmodel.bulk import from_records

END_OF_DATA = datetime(1998, 7, 1, tzinfo=UTC)  # observation ends 1998-06-30


def purchases(frame: pd.DataFrame) -> list[Deal]:
    """Every purchase as a won deal of its customer, on its day (UTC dates)."""
    return from_records(
        Deal,
        frame.assign(purchase=frame.index.astype(str)).to_dict("records"),
        columns={
            "id": "purchase",
            "name": "purchase",
            "customer_id": "customer_id",
            "created_at": "date",
            "closed_at": "date",
            "amount": "dollar_value",
        },
        defaults={"stage": "won", "status": "won"},
        tz=UTC,
        currency="USD",
    )


@pytest.fixture(scope="session")
def master(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "pipeline" / "cdnow" / "CDNOW_master.txt"
    return pd.read_csv(path, sep=r"\s+", dtype=str)


@pytest.fixture(scope="session")
def deals(master: pd.DataFrame) -> list[Deal]:
    return purchases(master)


@pytest.fixture(scope="session")
def sample(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "pipeline" / "cdnow" / "CDNOW_sample.txt"
    names = ["master_id", "customer_id", "date", "number_of_cds", "dollar_value"]
    frame = pd.read_csv(path, sep=r"\s+", header=None, names=names, dtype=str)
    frame["customer_id"] = frame.customer_id.astype(int).astype(str)
    return frame


def test_the_purchase_log_is_what_source_md_describes(deals: list[Deal]) -> None:
    assert len(deals) == 69_659
    assert len({d.customer_id for d in deals}) == 23_570
    assert kpi.bookings(deals).amount == Money("2500315.63", "USD")


def test_repeat_purchase_rate_by_purchase_and_by_purchase_day(
    deals: list[Deal], master: pd.DataFrame
) -> None:
    per_customer = master.groupby("customer_id").size()
    assert kpi.repeat_purchase_rate(deals) == kpi.Ratio(
        int((per_customer > 1).sum()), len(per_customer)
    )
    days = master.groupby("customer_id").date.nunique()
    by_day = kpi.repeat_purchase_rate(deals, unit="day", tz=UTC)
    assert by_day == kpi.Ratio(int((days > 1).sum()), len(days))
    assert by_day.numerator < kpi.repeat_purchase_rate(deals).numerator  # same-day orders


def test_average_order_value_in_cents(deals: list[Deal], master: pd.DataFrame) -> None:
    values = master.dollar_value.map(Decimal)
    total = sum(values, Decimal(0))
    average = kpi.average_ticket(deals)
    assert average.total == Money(total, "USD")
    assert average.count == len(values) == 69_659
    assert average.exact == Fraction(total) / len(values)
    cents = (total / len(values)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    assert average.value == Money(cents, "USD")


def test_monthly_cohort_retention_with_unobservable_cells_none(
    deals: list[Deal], master: pd.DataFrame
) -> None:
    month = pd.to_datetime(master.date).dt.to_period("M")
    frame = pd.DataFrame({"customer": master.customer_id, "month": month}).drop_duplicates()
    first = frame.groupby("customer").month.min().rename("cohort")
    frame = frame.join(first, on="customer")
    frame["offset"] = (frame.month - frame.cohort).map(lambda o: o.n)
    sizes = first.value_counts()
    active = frame.groupby(["cohort", "offset"]).customer.nunique()
    table = kpi.cohort_retention(deals, tz=UTC, as_of=END_OF_DATA)
    assert str(table.observed_until) == "1998-06"
    assert [str(r.cohort) for r in table.rows] == ["1997-01", "1997-02", "1997-03"]
    for row in table.rows:
        cohort = pd.Period(str(row.cohort), "M")
        assert row.size == sizes[cohort]
        observable = (pd.Period("1998-06", "M") - cohort).n + 1
        assert len(row.cells) == 18
        for k, cell in enumerate(row.cells):
            if k >= observable:
                assert cell is None  # not yet observable: None, never 0
            else:
                assert cell == kpi.Ratio(int(active.get((cohort, k), 0)), int(sizes[cohort]))
    assert table.rows[2].cells[-2:] == (None, None)
    records = pd.DataFrame(table.to_records())
    assert len(records) == 18 + 17 + 16


def test_the_lifetimes_summary_of_the_sample_is_reproduced_exactly(
    sample: pd.DataFrame, data_dir: Path
) -> None:
    folder = data_dir / "pipeline" / "cdnow"
    published = pd.read_csv(folder / "cdnow_customers_summary.csv", dtype=str)
    extended = pd.read_csv(folder / "cdnow_customers_summary_with_transactions.csv", dtype=str)
    summary = kpi.customer_summary(
        purchases(sample), calibration_end=date(1997, 9, 30), tz=UTC, unit="weeks"
    )
    assert len(summary) == len(published) == 2_357
    ours = {r.customer_id: r for r in summary.rows}
    for row in published.itertuples():
        mine = ours[row.ID]
        assert mine.frequency == int(row.frequency)
        assert mine.recency == Decimal(row.recency)
        assert Decimal(row.T) == mine.T
    for row in extended.itertuples():
        mine = ours[row.ID]
        assert (mine.frequency, mine.recency, mine.T) == (
            int(row.x),
            Decimal(row.t_x),
            Decimal(row.T),
        )
        assert mine.monetary_value == Decimal(row.zbar)  # rounded half up: 22.345 → 22.35
    frame = pd.DataFrame(summary.to_records()).set_index("customer_id")
    assert list(frame.columns) == ["frequency", "recency", "T", "monetary_value"]
