"""Building entities in bulk from records (CSV rows, ``df.to_dict("records")``):
column mappings, conversions, and errors that name the row and the field."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    Activity,
    ActivityKind,
    Bant,
    Customer,
    Deal,
    Lead,
    LeadSource,
    Money,
    Rep,
    Status,
    Target,
    TargetMetric,
    ValidationError,
    to_dict,
)
from salesmodel.bulk import Built, from_frame, from_records

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
    data[0] |= {"owner": "ana", "closed": None}
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
        [{"id": 7, "name": "Ana", "created_at": date(2026, 1, 5), "source": "Trade fair"}],
        tz=timezone(timedelta(hours=-3)),
    )
    assert leads[0].created_at.utcoffset() == timedelta(hours=-3)
    assert leads[0].source == "Trade fair"  # other strings are kept as they are
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
        from_records(Deal, rows(), tz=3)  # type: ignore[arg-type]
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


# --- every conversion, its empty cells and its errors -------------------------------------------

ISO = "2026-01-05T09:00:00+00:00"
T = datetime(2026, 1, 5, 9, tzinfo=UTC)


def deal_row(**cells: object) -> dict[str, object]:
    return {"id": "d", "name": "d", "created_at": ISO, "amount": "10", **cells}


def one_error(cls: type, row: dict[str, object], **options: object) -> ValidationError:
    built = from_records(cls, [row], strict=False, **options)  # type: ignore[call-overload]
    assert isinstance(built, Built)
    assert len(built) == 0
    (error,) = built.errors
    return error.error


def test_required_cells_that_are_empty_name_their_field() -> None:
    for cells, path in [
        ({"id": "  "}, "rows[0].id"),
        ({"created_at": ""}, "rows[0].created_at"),
        ({"amount": "n/a"}, "rows[0].amount"),
    ]:
        error = one_error(Deal, deal_row(**cells), currency="EUR")
        assert error.field == path, cells
    activity = {"id": "a", "kind": None, "at": ISO}
    assert one_error(Activity, activity).field == "rows[0].kind"
    assert "one of 'call'" in str(one_error(Activity, activity))
    lead = {"id": "l", "name": "l", "created_at": ISO, "source": ""}
    assert one_error(Lead, lead).field == "rows[0].source"


def test_datetimes_come_from_iso_text_dates_and_datetimes_and_nothing_else() -> None:
    stamp = pd.Timestamp("2026-01-05 09:00", tz="UTC")
    (deal,) = from_records(Deal, [deal_row(created_at=stamp)], currency="EUR")
    assert (type(deal.created_at), deal.created_at) == (datetime, T)
    error = one_error(Deal, deal_row(created_at=20260105), currency="EUR")
    assert (error.field, error.value) == ("rows[0].created_at", 20260105)
    assert "an ISO date or datetime, a date, or a datetime" in str(error)


def test_dates_come_from_iso_text_dates_and_datetimes() -> None:
    rows = [
        deal_row(id="a", expected_close="2026-03-31T18:00:00"),
        deal_row(id="b", expected_close=datetime(2026, 3, 31, 18)),
        deal_row(id="c", expected_close=date(2026, 3, 31)),
        deal_row(id="d", expected_close=""),
    ]
    closes = [d.expected_close for d in from_records(Deal, rows, currency="EUR")]
    assert closes == [date(2026, 3, 31)] * 3 + [None]
    error = one_error(Deal, deal_row(expected_close="31/03/2026"), currency="EUR")
    assert (error.field, error.value) == ("rows[0].expected_close", "31/03/2026")
    assert "an ISO date such as '2026-03-31'" in str(error)
    error = one_error(Deal, deal_row(expected_close=20260331), currency="EUR")
    assert "must be a date (got 20260331)" in str(error)


def test_closed_enums_from_names_values_members_and_unknown_text_left_to_the_entity() -> None:
    rows = [
        {"id": "a", "kind": "MEETING", "at": ISO},
        {"id": "b", "kind": ActivityKind.EMAIL, "at": ISO},
        {"id": "c", "kind": " call ", "at": ISO},
    ]
    assert [a.kind for a in from_records(Activity, rows)] == [
        ActivityKind.MEETING,
        ActivityKind.EMAIL,
        ActivityKind.CALL,
    ]
    error = one_error(Activity, {"id": "d", "kind": "fax", "at": ISO})
    assert (error.field, error.value) == ("rows[0].kind", "fax")


def test_open_enums_keep_other_values_for_the_entity_to_judge() -> None:
    (deal,) = from_records(Deal, [deal_row(source=" referral ")], currency="EUR")
    assert deal.source is LeadSource.REFERRAL
    error = one_error(Deal, deal_row(source=5), currency="EUR")
    assert (error.field, error.value) == ("rows[0].source", 5)


def test_amounts_from_numbers_text_and_mappings() -> None:
    rows = [
        deal_row(id="a", amount=Decimal("1.50")),
        deal_row(id="b", amount=7),
        deal_row(id="c", amount={"amount": "2", "currency": "USD"}),
        deal_row(id="d", amount=Money(3, "GBP")),
    ]
    amounts = [d.amount for d in from_records(Deal, rows, currency="EUR")]
    assert amounts == [Money("1.50", "EUR"), Money(7, "EUR"), Money(2, "USD"), Money(3, "GBP")]
    no_currency = [deal_row(id="e", amount=Decimal(4)), deal_row(id="f", amount=5)]
    built = from_records(Deal, no_currency, strict=False)
    assert [(e.row, e.error.field) for e in built.errors] == [
        (0, "rows[0].amount.currency"),
        (1, "rows[1].amount.currency"),
    ]
    assert "a currency: pass currency= or map it" in str(built.errors[0].error)
    mapped = from_records(Deal, [deal_row(amount={"amount": "2", "currency": "USD"})])
    assert mapped[0].amount == Money(2, "USD")
    for bad in ("ten", True, {"amount": "2"}, {"amount": "x", "currency": "USD"}, [1]):
        error = one_error(Deal, deal_row(amount=bad), currency="EUR")
        assert (error.field, error.value) == ("rows[0].amount", bad), bad
        assert "an amount (a number, or a str such as '12.50') with a currency" in str(error)


def test_amount_and_currency_columns_pair_up() -> None:
    columns = {"amount": "value", "amount.currency": "cur"}
    row = deal_row(value="12.5", cur="EUR")
    assert from_records(Deal, [row], columns=columns)[0].amount == Money("12.5", "EUR")
    by_function = {"amount": "value", "amount.currency": lambda r: r["cur"].upper()}
    lower = deal_row(value=3, cur="usd")
    assert from_records(Deal, [lower], columns=by_function)[0].amount == Money(3, "USD")
    error = one_error(Deal, deal_row(value="3", cur="usd"), columns=columns)
    assert (error.field, error.value) == ("rows[0].amount.currency", "usd")
    error = one_error(Deal, deal_row(value="x", cur="EUR"), columns=columns)
    assert (error.field, error.value) == ("rows[0].amount", "x")
    assert from_records(Deal, [deal_row(value="", cur="EUR")], columns=columns)[0].amount is None


def test_target_goals_are_counts_or_amounts() -> None:
    base = {"id": "t", "metric": "calls", "start": "2026-01-01", "end": "2026-04-01"}
    rows = [{**base, "goal": g} for g in ("12", 12.0, Decimal("2.5"), 3, "4.25")]
    goals = [t.goal for t in from_records(Target, rows, tz=UTC)]
    assert goals == [12, 12, Decimal("2.5"), 3, Decimal("4.25")]
    assert [type(g) for g in goals] == [int, int, Decimal, int, Decimal]
    revenue = {**base, "metric": "revenue", "goal": {"amount": "10", "currency": "EUR"}}
    assert from_records(Target, [revenue], tz=UTC)[0].goal == Money(10, "EUR")
    in_currency = {**base, "metric": "revenue", "goal": "5000"}
    assert from_records(Target, [in_currency], tz=UTC, currency="USD")[0].goal == Money(5000, "USD")
    error = one_error(Target, {**base, "goal": "many"}, tz=UTC)
    assert (error.field, error.value) == ("rows[0].goal", "many")
    assert "a count or an amount" in str(error)


def test_integers_and_booleans_from_text_numbers_and_flags() -> None:
    lead = {"id": "l", "name": "l", "created_at": ISO, "source": "web"}
    days = [" 14", 30.0, True, "-3", 2.5, "soon", ""]
    built = from_records(
        Lead, [{**lead, "id": str(i), "purchase_timeframe_days": d} for i, d in enumerate(days)],
        strict=False,
    )  # fmt: skip
    assert [x.purchase_timeframe_days for x in built.records] == [14, 30, None]
    assert [(e.row, e.error.value) for e in built.errors] == [
        (2, True),
        (3, -3),
        (4, 2.5),
        (5, "soon"),
    ]
    reps = [
        {"id": "a", "name": "A", "active": "No"},
        {"id": "b", "name": "B", "active": 1},
        {"id": "c", "name": "C", "active": 0.0},
        {"id": "d", "name": "D", "active": ""},
        {"id": "e", "name": "E", "active": False},
    ]
    assert [r.active for r in from_records(Rep, reps)] == [False, True, False, True, False]
    error = one_error(Rep, {"id": "f", "name": "F", "active": "maybe"})
    assert (error.field, error.value) == ("rows[0].active", "maybe")
    bants = from_records(Bant, [{"authority": "yes", "need": None, "timescale_days": "7"}])
    assert (bants[0].authority, bants[0].need, bants[0].timescale_days) == (True, None, 7)


class NumpyLike:
    """A numpy scalar: a value with .item()."""

    def __init__(self, value: object) -> None:
        self.value = value

    def item(self) -> object:
        return self.value


class FloatLike(float):
    """A float subclass, as numpy.float64 is."""


def test_attribute_cells_keep_plain_values_and_unwrap_numpy_scalars() -> None:
    rows = [
        deal_row(id="a", attributes={"tier": NumpyLike(3), "note": "", "gap": FloatLike("nan")}),
        deal_row(id="b", attributes=None),
        deal_row(id="c", tier=NumpyLike("gold"), attributes={"x": 1}),
    ]
    a, b, c = from_records(Deal, rows, currency="EUR", attributes=["tier"])
    # Bug fixed: with attributes=[...] the row's own attributes cell was dropped.
    assert dict(a.attributes) == {"tier": None, "note": "", "gap": None}
    assert dict(b.attributes) == {"tier": None}
    assert dict(c.attributes) == {"x": 1, "tier": "gold"}
    plain = from_records(Deal, rows[:2], currency="EUR")
    assert dict(plain[0].attributes) == {"tier": 3, "note": "", "gap": None}
    assert dict(plain[1].attributes) == {}
    error = one_error(Deal, deal_row(attributes="gold"), currency="EUR")
    assert (error.field, error.value) == ("rows[0].attributes", "gold")
    error = one_error(Deal, deal_row(attributes="gold"), currency="EUR", attributes=["tier"])
    assert (error.field, error.value) == ("rows[0].attributes", "gold")
    assert "a mapping of attribute name to value" in str(error)
    by_function = from_records(
        Deal,
        [deal_row(tier="gold")],
        currency="EUR",
        columns={"attributes": lambda r: {"from": "fn"}},
        attributes=["tier"],
    )
    assert dict(by_function[0].attributes) == {"from": "fn", "tier": "gold"}
    empty_function = from_records(
        Deal, [deal_row()], currency="EUR", columns={"attributes": lambda r: None},
        attributes=["tier"],
    )  # fmt: skip
    assert dict(empty_function[0].attributes) == {"tier": None}


def test_other_fields_pass_through_with_empty_cells_as_none() -> None:
    (lead,) = from_records(Lead, [{"id": "l", "name": "l", "created_at": ISO, "source": "web"}])
    assert lead.history == ()
    bant = from_records(Bant, [{"budget": float("nan")}])[0]
    assert bant.budget is None


# --- arguments and rows ------------------------------------------------------------------------


def test_more_bad_arguments_are_named() -> None:
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], columns={"amount.currency.code": "x"})
    assert caught.value.field == "columns['amount.currency.code']"
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], columns={"id": 5})  # type: ignore[dict-item]
    assert caught.value.field == "columns['id']"
    assert "a column name or a function of the row" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], defaults={"colour": "red"})
    assert caught.value.field == "defaults['colour']"
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], defaults={"created_at": "soon"})
    assert caught.value.field == "defaults.created_at"
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], currency="euro")
    assert (caught.value.field, caught.value.value) == ("currency", "euro")
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], first_row="1")  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("first_row", "1")


def test_a_column_function_that_fails_is_reported_with_its_error() -> None:
    # Bug fixed: an IndexError (or any error but a few) escaped as itself.
    def second_word(row: dict[str, str]) -> str:
        return row["name"].split()[1]

    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [deal_row()], currency="EUR", columns={"name": second_word})
    assert caught.value.field == "rows[0].name"
    assert "readable (IndexError: list index out of range)" in str(caught.value)


def test_a_row_that_fails_once_and_then_builds_still_names_its_error() -> None:
    # Bug fixed: the error's own message was lost (a ValidationError of 0 problems).
    calls = 0

    def flaky(row: object) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("first call")
        return "ok"

    error = one_error(Deal, deal_row(), currency="EUR", columns={"name": flaky})
    assert error.field == "rows[0]"
    assert "a valid row (ValueError: first call)" in str(error)


def test_a_row_whose_zone_misbehaves_is_reported_at_its_field() -> None:
    class Flaky(tzinfo):
        """A zone whose offset fails every other time it is asked."""

        calls = 0

        def utcoffset(self, when: datetime | None) -> timedelta:
            Flaky.calls += 1
            return "x" if Flaky.calls % 2 else timedelta(0)  # type: ignore[return-value]

        def dst(self, when: datetime | None) -> None:
            return None

    odd = datetime(2026, 1, 5, tzinfo=Flaky())
    error = one_error(Deal, deal_row(created_at=odd), currency="EUR")
    assert error.field == "rows[0].created_at"
    assert "timezone-aware datetime" in str(error)


def test_defaults_are_converted_like_cells_and_may_be_empty() -> None:
    empty = {
        "owner_id": "",
        "closed_at": "",
        "expected_close": " ",
        "loss_reason": "",
        "attributes": "",
    }
    (deal,) = from_records(Deal, [deal_row()], currency="EUR", defaults=empty)
    assert (deal.owner_id, deal.closed_at, deal.expected_close, deal.loss_reason) == (None,) * 4
    assert dict(deal.attributes) == {}
    lead = {"id": "l", "name": "l", "created_at": ISO, "source": "web"}
    (built,) = from_records(Lead, [lead], defaults={"purchase_timeframe_days": "", "source": "x"})
    assert (built.purchase_timeframe_days, built.source) == (None, "web")
    with pytest.raises(ValidationError) as caught:
        from_records(Lead, [], defaults={"status": " "})
    assert (caught.value.field, caught.value.value) == ("defaults.status", " ")
    (bant,) = from_records(Bant, [{}], defaults={"authority": "", "budget": ""})
    assert (bant.authority, bant.budget) == (None, None)
    with pytest.raises(ValidationError) as caught:
        from_records(Rep, [], defaults={"active": ""})
    assert (caught.value.field, caught.value.value) == ("defaults.active", "")
    (unknown,) = from_records(
        Deal, [deal_row(amount=None)], defaults={"amount": ""}, currency="EUR"
    )
    assert unknown.amount is None  # an empty amount is a value not known, not zero
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [], defaults={"amount": "n/a"}, currency="EUR")
    assert caught.value.field == "defaults.amount"


def test_naive_datetimes_take_the_zone_given_and_odd_cells_reach_the_entity() -> None:
    (deal,) = from_records(
        Deal, [deal_row(created_at=datetime(2026, 1, 5, 9))], currency="EUR", tz=UTC
    )
    assert deal.created_at == T
    error = one_error(Activity, {"id": "a", "kind": 5, "at": ISO})
    assert (error.field, error.value) == ("rows[0].kind", 5)
    (deal,) = from_records(Deal, [deal_row(amount=FloatLike("2.5"))], currency="EUR")
    assert deal.amount == Money("2.5", "EUR")
    lead = {"id": "l", "name": "l", "created_at": ISO, "source": "web"}
    (built,) = from_records(Lead, [{**lead, "purchase_timeframe_days": 14}])
    assert built.purchase_timeframe_days == 14
    error = one_error(Deal, deal_row(attributes={"when": date(2026, 1, 1)}), currency="EUR")
    assert error.field == "rows[0].attributes['when']"


def test_each_converter_gives_none_for_an_empty_optional_cell_and_names_a_required_one() -> None:
    # The converters serve any field type; no entity has every combination
    # (a required date or int, an optional closed enum or Money), so they are
    # checked here one by one.
    from salesmodel import bulk

    factories = {
        "_date": lambda optional: bulk._date("day", optional),
        "_closed_enum": lambda optional: bulk._closed_enum("day", optional, Status),
        "_money": lambda optional: bulk._money("day", optional, None),
        "_integer": lambda optional: bulk._integer("day", optional),
    }
    for name, factory in factories.items():
        assert factory(True)("") is None, name
        with pytest.raises(bulk._Bad) as caught:
            factory(False)(" ")
        assert (caught.value.issue.path, caught.value.issue.value) == ("day", " "), name


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"columns": 5}, "columns"),
        ({"columns": "id"}, "columns"),
        ({"defaults": 5}, "defaults"),
        ({"defaults": "ab"}, "defaults"),
        ({"columns": {1: "x"}}, "columns"),
        ({"strict": None}, "strict"),  # None quietly collected bad rows
        ({"strict": "no"}, "strict"),
    ],
)
def test_bad_options_are_the_library_errors_before_any_row(
    options: dict[str, Any], field: str
) -> None:
    rows = [{"id": "a", "name": "x", "amount": None, "created_at": "2026-01-01T00:00:00+00:00"}]
    for build in (from_records, lambda cls, r, **o: from_frame(pd.DataFrame(r), cls, **o)):
        with pytest.raises(ValidationError) as caught:
            build(Deal, rows, **options)
        assert caught.value.field == field


def test_a_mapped_column_no_row_has_is_named_where_rows_show_their_empty_cells() -> None:
    # a typo in a mapping left every deal without an owner
    rows = [
        {"id": "a", "name": "x", "amount": None, "created_at": "2026-01-01T00:00:00+00:00"},
        {"id": "b", "name": "x", "amount": 5, "created_at": "2026-01-01T00:00:00+00:00"},
    ]
    mapping = {"owner_id": "rep", "source": "src"}
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [r | {"rep": "ana"} for r in rows], columns=mapping, currency="EUR")
    assert (caught.value.field, caught.value.value) == ("columns['source']", "src")
    with pytest.raises(ValidationError):
        from_records(Deal, rows, columns=mapping, currency="EUR", strict=False)
    # rows that write no empty cell (JSON leaving nulls out) may all lack one
    sparse = [r | {"amount": 5} for r in rows]
    built = from_records(Deal, sparse, columns=mapping, currency="EUR")
    assert [d.owner_id for d in built] == [None, None]
    assert from_records(Deal, [], columns=mapping) == []


def test_a_history_is_read_from_the_mappings_to_dict_and_json_give() -> None:
    p, t0 = DEFAULT_PIPELINE, datetime(2026, 1, 5, 9, tzinfo=UTC)
    walked = p.move(Deal(id="a", name="x", amount=None, created_at=t0), "qualification", at=t0)
    lost = p.lose(walked, "price", at=t0 + timedelta(days=1))
    row = json.loads(json.dumps(to_dict(lost)))
    assert from_records(Deal, [row], pipelines=[p]) == [lost]
    naive = row | {"history": [c | {"at": c["at"][:19]} for c in row["history"]]}
    assert from_records(Deal, [naive], tz=UTC) == [lost]  # read in tz= as any time
    bad = row | {"history": [row["history"][0] | {"at": "2026-13-01"}, {"oops": 1}]}
    built = from_records(Deal, [bad], strict=False)
    assert built.errors[0].error.issues[0].path == "rows[0].history[0].at"
    odd = row | {"history": [row["history"][0] | {"nope": 1}]}
    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [odd])
    assert caught.value.issues[0].path == "rows[0].history[0].nope"
