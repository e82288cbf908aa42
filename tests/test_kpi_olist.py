"""KPIs on the Olist marketing funnel (8,000 MQLs, 842 closed deals), checked
against an independent pandas computation; and how the library reports the deal
won two days before its lead's first contact."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from salesmodel import Deal, Lead, ValidationError, kpi
from salesmodel.bulk import from_records

BRAZIL = ZoneInfo("America/Sao_Paulo")
EARLY = "b91cf8812365f50ff4bda4bcd6206b05"  # won 2018-03-06, first contact 2018-03-08
MICROS = timedelta(microseconds=1)


def in_brazil(column: pd.Series) -> pd.Series:
    """Local times of São Paulo as instants: durations are real time. A date alone is
    the first instant of its day: midnight, or 01:00 on the days clocks went forward
    at midnight (then midnight did not exist)."""
    local = pd.to_datetime(column)
    return local.dt.tz_localize("America/Sao_Paulo", nonexistent="shift_forward")


@pytest.fixture(scope="session")
def olist(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = data_dir / "pipeline" / "olist_marketing_funnel"
    mqls = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv")
    won = pd.read_csv(folder / "olist_closed_deals_dataset.csv")
    # Leads need a source: the 60 MQLs without an origin get their own label, on
    # both sides of every comparison.
    mqls["origin"] = mqls["origin"].fillna("not_recorded")
    return mqls, won


@pytest.fixture(scope="session")
def leads(olist: tuple[pd.DataFrame, pd.DataFrame]) -> list[Lead]:
    mqls, _ = olist
    return from_records(
        Lead,
        mqls.to_dict("records"),
        columns={
            "id": "mql_id",
            "name": "mql_id",
            "created_at": "first_contact_date",
            "source": "origin",
        },
        defaults={"stage": "mql"},
        attributes=["landing_page_id"],
        tz=BRAZIL,
    )


@pytest.fixture(scope="session")
def deals(olist: tuple[pd.DataFrame, pd.DataFrame]) -> list[Deal]:
    """The closed deals: only a won date is known, so each is created and won
    then; its cycle starts at its lead's first contact (``start=``)."""
    _, won = olist
    return from_records(
        Deal,
        won.to_dict("records"),
        columns={
            "id": "mql_id",
            "name": "seller_id",
            "owner_id": "sr_id",
            "created_at": "won_date",
            "closed_at": "won_date",
            "prospect_id": "mql_id",
            "product": "business_segment",
        },
        defaults={"stage": "won", "status": "won", "amount": 0},
        tz=BRAZIL,
        currency="BRL",
    )


def test_mql_to_deal_conversion_overall_per_origin_and_per_first_contact_month(
    leads: list[Lead], olist: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    mqls, won = olist
    converted = set(won.mql_id)
    mqls = mqls.assign(converted=mqls.mql_id.isin(converted))
    overall = kpi.conversion_rate(leads, converted=converted)
    assert overall == kpi.Ratio(int(mqls.converted.sum()), len(mqls)) == kpi.Ratio(842, 8000)
    assert overall.value == Fraction(842, 8000)

    def expected(key: pd.Series) -> dict[str, kpi.Ratio]:
        counts = mqls.groupby(key).converted.agg(["sum", "count"])
        return {str(k): kpi.Ratio(int(r["sum"]), int(r["count"])) for k, r in counts.iterrows()}

    by_origin = kpi.conversion_rate(leads, converted=converted, by="source")
    assert {str(k): r for k, r in by_origin.items()} == expected(mqls.origin)
    cohorts = kpi.conversion_rate(leads, converted=converted, period="month", tz=BRAZIL)
    month = pd.to_datetime(mqls.first_contact_date).dt.to_period("M").astype(str)
    assert {str(p): r for p, r in cohorts.items()} == expected(month)
    assert len(cohorts) == 12


def first_contacts(leads: list[Lead]) -> dict[str, datetime]:
    return {lead.id: lead.created_at for lead in leads}


def test_a_deal_won_before_its_first_contact_is_an_error_naming_it(
    leads: list[Lead], deals: list[Deal]
) -> None:
    start = first_contacts(leads)
    with pytest.raises(ValidationError) as caught:
        kpi.sales_cycle(deals, start=lambda d: start[d.id])
    assert EARLY in str(caught.value)
    assert caught.value.field == "closed_at"
    assert "no earlier than its start" in str(caught.value)


def test_lead_to_won_time_skips_and_reports_the_deal_won_before_first_contact(
    leads: list[Lead], deals: list[Deal], olist: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    mqls, won = olist
    start = first_contacts(leads)
    cycle = kpi.sales_cycle(deals, start=lambda d: start[d.id], strict=False)
    assert [(s.id, s.field) for s in cycle.skipped] == [(EARLY, "closed_at")]
    joined = won.merge(mqls, on="mql_id", validate="one_to_one")
    spans = in_brazil(joined.won_date) - in_brazil(joined.first_contact_date)
    assert (spans < pd.Timedelta(0)).sum() == 1
    assert joined.mql_id[spans < pd.Timedelta(0)].tolist() == [EARLY]
    good = spans[spans >= pd.Timedelta(0)]
    micros = good.dt.total_seconds().mul(10**6).round().astype("int64")
    assert cycle.count == len(good) == 841
    assert cycle.mean == timedelta(microseconds=round(Fraction(int(micros.sum()), len(micros))))
    assert cycle.median == timedelta(microseconds=int(micros.median()))
    assert cycle.p90 == timedelta(microseconds=round(micros.quantile(0.9)))
    assert (cycle.min, cycle.max) == (
        timedelta(microseconds=int(micros.min())),
        timedelta(microseconds=int(micros.max())),
    )


def test_building_that_lead_as_converted_names_its_row_and_field(
    olist: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    mqls, won = olist
    joined = mqls.merge(won[["mql_id", "won_date"]], on="mql_id", how="left")
    built = from_records(
        Lead,
        joined.to_dict("records"),
        columns={
            "id": "mql_id",
            "name": "mql_id",
            "created_at": "first_contact_date",
            "closed_at": "won_date",
            "source": "origin",
            "status": lambda row: "open" if pd.isna(row["won_date"]) else "won",
            "stage": lambda row: "mql" if pd.isna(row["won_date"]) else "converted",
        },
        tz=BRAZIL,
        strict=False,
    )
    row = int(joined.index[joined.mql_id == EARLY][0])
    assert [(e.row, e.fields) for e in built.errors] == [(row, ("closed_at",))]
    assert f"rows[{row}].closed_at" in str(built.errors[0].error)
    assert len(built.records) == 7999


def test_lead_velocity_rate_is_month_over_month_growth_of_new_mqls(
    leads: list[Lead], olist: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    mqls, _ = olist
    per_month = (
        pd.to_datetime(mqls.first_contact_date).dt.to_period("M").value_counts().sort_index()
    )
    rates = kpi.lead_velocity_rate(leads, tz=BRAZIL, stage="mql")
    expected = {
        str(month): kpi.Ratio(int(n - per_month.iloc[i - 1]), int(per_month.iloc[i - 1]))
        for i, (month, n) in enumerate(per_month.items())
        if i
    }
    assert {str(p): r for p, r in rates.items()} == expected
