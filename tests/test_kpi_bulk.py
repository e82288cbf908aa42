"""Building entities in bulk from records (CSV rows, ``df.to_dict("records")``):
column mappings, conversions, and errors that name the row and the field."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from salesmodel import (
    Activity,
    ActivityKind,
    Customer,
    Deal,
    Lead,
    LeadSource,
    Money,
    Status,
    Target,
    TargetMetric,
    ValidationError,
)
from salesmodel.bulk import Built, from_records

CSV = """id,owner,stage,status,created,closed,value,currency,source,segment
D1,ana,won,Won,2026-01-05,2026-02-01 10:30:00,1200.50,EUR,referral,smb
D2,bo,prospecting,open,2026-01-06,,99,USD,fair,
D3,ana,lost,LOST,2026-01-07,2026-01-09,0,EUR,,enterprise
"""
COLUMNS = {
    "owner_id": "owner",
    "name": "id",
    "created_at": "created",
    "closed_at": "closed",
    "amount": "value",
    "amount.currency": "currency",
    "loss_reason": lambda row: "price" if row["status"].lower() == "lost" else None,
}


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(CSV)))


def test_csv_rows_become_deals_with_every_value_converted() -> None:
    paris = ZoneInfo("Europe/Paris")
    d1, d2, d3 = from_records(Deal, rows(), columns=COLUMNS, attributes=["segment"], tz=paris)
    assert d1.status is Status.WON
    assert d3.status is Status.LOST
    assert d2.status is Status.OPEN
    assert d1.amount == Money("1200.50", "EUR")
    assert d2.amount == Money("99", "USD")
    assert d1.created_at == datetime(2026, 1, 5, tzinfo=paris)
    assert d1.closed_at == datetime(2026, 2, 1, 10, 30, tzinfo=paris)
    assert d2.closed_at is None
    assert d1.source is LeadSource.REFERRAL
    assert d2.source == "fair"
    assert d3.source is None
    assert d3.loss_reason == "price"
    assert d1.attributes["segment"] == "smb"
    assert d2.attributes["segment"] is None


def test_naive_datetimes_need_a_zone() -> None:
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, rows(), columns=COLUMNS)
    assert caught.value.field == "rows[0].created_at"
    assert "pass tz=" in str(caught.value)


def test_a_bad_row_is_named_with_its_field_and_the_rest_are_built_when_not_strict() -> None:
    data = rows()
    data[1]["created"] = "06/01/2026"  # not ISO
    data[2]["closed"] = "2026-01-01"  # before it was created
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, data, columns=COLUMNS, tz=UTC)
    assert caught.value.field == "rows[1].created_at"
    built = from_records(Deal, data, columns=COLUMNS, tz=UTC, strict=False, first_row=100)
    assert isinstance(built, Built)
    assert [d.id for d in built.records] == ["D1"]
    assert [(e.row, e.fields) for e in built.errors] == [
        (101, ("created_at",)),
        (102, ("closed_at",)),
    ]
    assert "rows[102].closed_at" in str(built.errors[1].error)
    assert "no earlier than created_at" in str(built.errors[1].error)


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    data = [{"id": "", "name": "x", "created": "soon", "value": "lots", "currency": "EURO"}]
    built = from_records(Deal, data, columns=COLUMNS, tz=UTC, strict=False)
    fields = set(built.errors[0].fields)
    assert {"created_at", "amount"} <= fields


def test_pandas_records_with_nan_nat_timestamps_and_numpy_values() -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "name": ["a", "b"],
            "created_at": pd.to_datetime(["2026-03-01 08:00", "2026-03-02 00:00"]).tz_localize(
                "UTC"
            ),
            "closed_at": [pd.Timestamp("2026-03-04", tz="UTC"), pd.NaT],
            "status": ["won", "open"],
            "stage": ["won", None],
            "amount": [10.1, float("nan")],
            "score": [1, 2],
        }
    )
    built = from_records(
        Deal,
        frame.to_dict("records"),
        currency="EUR",
        defaults={"amount": 0},
        attributes=["score"],
    )
    first, second = built
    assert first.id == "1"
    assert type(first.created_at) is datetime
    assert first.amount == Money("10.1", "EUR")
    assert second.amount == Money(0, "EUR")
    assert second.closed_at is None
    assert second.stage == "prospecting"  # an empty cell takes the field's default
    assert first.attributes["score"] == 1
    assert type(first.attributes["score"]) is int


def test_other_entities_build_too() -> None:
    leads = from_records(
        Lead,
        [{"id": 7, "name": "Ana", "created_at": date(2026, 1, 5), "source": "Webinar"}],
        tz=timezone(timedelta(hours=-3)),
    )
    assert leads[0].created_at.utcoffset() == timedelta(hours=-3)
    assert leads[0].source == "Webinar"  # other strings are kept as they are
    activities = from_records(
        Activity, [{"id": "a", "kind": "Call", "at": "2026-01-05T10:00:00+01:00", "rep_id": "ana"}]
    )
    assert activities[0].kind is ActivityKind.CALL
    customers = from_records(
        Customer, [{"id": "c", "name": "C", "acquired_at": "2026-01-05T00:00:00Z"}]
    )
    assert customers[0].acquired_at == datetime(2026, 1, 5, tzinfo=UTC)
    targets = from_records(
        Target,
        [
            {
                "id": "t",
                "metric": "revenue",
                "goal": "5000",
                "start": "2026-01-01",
                "end": "2026-04-01",
            },
            {
                "id": "u",
                "metric": "deals_won",
                "goal": 12,
                "start": "2026-01-01",
                "end": "2026-04-01",
            },
        ],
        tz=UTC,
        columns={
            "goal": lambda row: (
                Money(row["goal"], "EUR") if row["metric"] == "revenue" else row["goal"]
            )
        },
    )
    assert targets[0].metric is TargetMetric.REVENUE
    assert targets[0].goal == Money(5000, "EUR")
    assert targets[1].goal == 12


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValidationError, match=r"columns\['colour'\]"):
        from_records(Deal, rows(), columns={"colour": "x"})
    with pytest.raises(ValidationError, match="'tz'"):
        from_records(Deal, rows(), tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'cls'"):
        from_records(dict, rows())
    with pytest.raises(ValidationError, match="'records'"):
        from_records(Deal, rows()[0])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"rows\[0\]"):
        from_records(Deal, ["not a row"], columns=COLUMNS)  # type: ignore[list-item]


def test_amounts_keep_every_digit() -> None:
    data = [{"id": "x", "name": "x", "created_at": "2026-01-01T00:00:00+00:00", "amount": "0.1"}]
    (deal,) = from_records(Deal, data, currency="EUR")
    assert deal.amount.amount == Decimal("0.1")
    (deal,) = from_records(Deal, [{**data[0], "amount": 0.1}], currency="EUR")
    assert deal.amount.amount == Decimal("0.1")  # a float by its shortest repr
