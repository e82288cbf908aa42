"""from_records (salesmodel.bulk) at its edges: the exact issue of every bad
argument and every bad cell (path, value, expected text, subject), the cells each
converter takes or leaves to the entity, and blank cells read as empty."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pandas as pd
import pytest

from salesmodel import (
    Bant,
    Deal,
    Lead,
    LeadSource,
    Money,
    Rep,
    Status,
    Target,
    ValidationError,
)
from salesmodel.bulk import from_records
from salesmodel.errors import MISSING
from salesmodel.money import CURRENCY_EXPECTED
from salesmodel.routing import RoutingDecision

ISO = "2026-01-05T09:00:00+00:00"
DEAL = {"id": "d", "name": "n", "amount": 5, "created_at": ISO}
LEAD = {"id": "l", "name": "n", "created_at": ISO, "source": "referral"}
REP = {"id": "r", "name": "Ana"}
TARGET = {"id": "t", "metric": "calls", "goal": 5, "start": ISO, "end": "2026-02-05T09:00:00+00:00"}
REP_FIELDS = "active, id, manager_id, name, region, team"
DATETIME = "an ISO date or datetime, a date, or a datetime"
AMOUNT = "an amount (a number, or a str such as '12.50') with a currency"
DATE = "an ISO date such as '2026-03-31' (or an ISO datetime, whose date is taken)"
ZONE = "an IANA time zone name such as 'Europe/Paris' or 'UTC'"
TEXT = "a non-blank str of at most 1,000 characters, without control characters"
ID = "an id: a non-empty str of at most 256 printable characters, with no space at either end"


def refusal(cls: type, records: Any, **options: Any) -> tuple[str | None, list[tuple[Any, ...]]]:
    """The subject and the (path, value, expected) of every issue from_records raises."""
    with pytest.raises(ValidationError) as caught:
        from_records(cls, records, **options)
    return caught.value.subject, [(i.path, i.value, i.expected) for i in caught.value.issues]


def test_bad_arguments_are_named_exactly() -> None:
    assert refusal(Rep, [], tz=5) == (None, [("tz", 5, f"None, a datetime.tzinfo or {ZONE}")])
    assert refusal(Rep, [], tz="America") == (None, [("tz", "America", ZONE)])
    assert refusal(Rep, [], currency="eur") == (
        None,
        [("currency", "eur", f"None or {CURRENCY_EXPECTED}")],
    )
    for records in ("abc", {"id": "r"}, 5):
        assert refusal(Rep, records) == (
            None,
            [("records", records, "an iterable of mappings (rows)")],
        )
    assert refusal(Rep, [], first_row="1") == (None, [("first_row", "1", "an int")])


def test_attribute_columns_must_be_a_sequence_of_names_not_one_name() -> None:
    # A str iterates into one-letter columns: "manager" would read m, a, n, ...
    row = {**DEAL, "manager": "Bo", "m": "MMM"}
    expected = "a sequence of column names, e.g. ['manager']"
    for attributes in ("manager", b"manager", None, 5):
        assert refusal(Deal, [row], currency="EUR", attributes=attributes) == (
            None,
            [("attributes", attributes, expected)],
        )
    for names in (["manager"], ("manager",), iter(["manager"])):
        (deal,) = from_records(Deal, [row], currency="EUR", attributes=names)
        assert dict(deal.attributes) == {"manager": "Bo"}


@attrs.define
class Box:
    """An attrs class of the caller's own: not a salesmodel entity."""

    id: str


@pytest.mark.parametrize("cls", [int, Box])
def test_only_salesmodel_entities_are_built(cls: type) -> None:
    assert refusal(cls, [{"id": "x"}]) == (
        None,
        [("cls", cls, "a salesmodel entity class such as Deal")],
    )


def test_columns_and_defaults_must_name_fields_and_columns() -> None:
    assert refusal(Rep, [], columns={"nope": "x"}) == (
        None,
        [("columns['nope']", "x", f"a field of Rep ({REP_FIELDS})")],
    )
    assert refusal(Rep, [], columns={"id": 5}) == (
        None,
        [("columns['id']", 5, "a column name or a function of the row")],
    )
    assert refusal(Rep, [], defaults={"nope": 1}) == (
        None,
        [("defaults['nope']", 1, f"a field of Rep ({REP_FIELDS})")],
    )


def test_a_default_is_converted_like_a_cell_and_named_when_bad() -> None:
    assert refusal(Deal, [], defaults={"created_at": "soon"}) == (
        "Deal",
        [("defaults.created_at", "soon", DATETIME)],
    )
    assert refusal(Rep, [], defaults={"active": ""}) == (
        "Rep",
        [("defaults.active", "", "True or False")],
    )
    assert refusal(Rep, [], defaults={"name": " "}) == (
        "Rep",
        [("defaults.name", " ", "a non-empty str")],
    )
    assert refusal(RoutingDecision, [], defaults={"load": ""}) == (
        "RoutingDecision",
        [("defaults.load", "", "an int")],
    )


def test_a_row_that_is_no_mapping_is_named_strict_or_not() -> None:
    assert refusal(Rep, [REP, 5]) == ("Rep", [("rows[1]", 5, "a mapping of column to value")])
    built = from_records(Rep, [REP, 5], strict=False)
    assert [r.id for r in built.records] == ["r"]
    (error,) = built.errors
    assert (error.row, error.error.subject) == (1, "Rep")
    assert [(i.path, i.value, i.expected) for i in error.error.issues] == [
        ("rows[1]", 5, "a mapping of column to value")
    ]


# --- text --------------------------------------------------------------------------------------


class Number(int):
    """An int subclass, as some drivers return."""


def test_text_fields_take_ints_but_not_booleans() -> None:
    (rep,) = from_records(Rep, [{"id": Number(7), "name": 12}])
    assert (rep.id, rep.name) == ("7", "12")
    assert refusal(Rep, [{"id": True, "name": "x"}]) == (
        "Rep",
        [("rows[0].id", True, ID)],
    )


def test_a_required_text_cell_that_is_blank_or_absent_is_named() -> None:
    assert refusal(Rep, [{"id": "r", "name": " "}]) == (
        "Rep",
        [("rows[0].name", " ", "a non-empty str")],
    )
    assert refusal(Rep, [{"id": "r"}]) == ("Rep", [("rows[0].name", MISSING, TEXT)])


def test_blank_cells_of_optional_text_fields_are_empty() -> None:
    """A cell of spaces or tabs is an empty cell, as None and "" are."""
    (rep,) = from_records(Rep, [{**REP, "team": " ", "region": "\t", "manager_id": "M"}])
    assert (rep.team, rep.region, rep.manager_id) == (None, None, "M")
    # An id is never trimmed in silence: "  M" and "M" would be two reps.
    assert refusal(Rep, [{**REP, "manager_id": "  M"}])[1][0][:2] == ("rows[0].manager_id", "  M")
    (deal,) = from_records(Deal, [{**DEAL, "owner_id": " ", "stage": " "}], currency="EUR")
    assert (deal.owner_id, deal.stage) == (None, "prospecting")


def test_pandas_na_is_an_empty_cell() -> None:
    (rep,) = from_records(Rep, [{**REP, "team": pd.NA}])
    assert rep.team is None


# --- datetimes and dates -------------------------------------------------------------------------


def test_bad_datetime_cells_are_named_with_what_is_expected() -> None:
    for cell in ("", "soon", 5):
        assert refusal(Deal, [{**DEAL, "created_at": cell}], currency="EUR") == (
            "Deal",
            [("rows[0].created_at", cell, DATETIME)],
        )
    assert refusal(Deal, [{**DEAL, "created_at": "2026-01-05"}], currency="EUR") == (
        "Deal",
        [
            (
                "rows[0].created_at",
                dt.date(2026, 1, 5),
                "a timezone-aware datetime (or pass tz= for naive ones)",
            )
        ],
    )


def test_a_date_is_the_first_instant_of_its_day_even_where_midnight_is_skipped() -> None:
    brazil = ZoneInfo("America/Sao_Paulo")  # clocks went forward at midnight in 2017
    cells = ["2017-10-15", dt.date(2017, 10, 15)]
    deals = from_records(
        Deal, [{**DEAL, "created_at": c} for c in cells], currency="EUR", tz=brazil
    )
    for deal in deals:
        assert deal.created_at == dt.datetime(
            2017, 10, 15, 1, tzinfo=dt.timezone(-dt.timedelta(hours=2))
        )
    midnight = from_records(Deal, [{**DEAL, "created_at": "2017-10-16"}], currency="EUR", tz=brazil)
    assert midnight[0].created_at.hour == 0
    # A wall time inside the skipped hour names no instant: a bad row, named.
    assert (
        refusal(Deal, [{**DEAL, "created_at": "2017-10-15 00:30"}], currency="EUR", tz=brazil)[1][
            0
        ][0]
        == "rows[0].created_at"
    )


class Stamp(dt.datetime):
    """A datetime subclass, as pandas' Timestamp is."""


def test_a_datetime_subclass_becomes_a_plain_datetime_keeping_its_fold() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 02:30 happens twice on 2026-10-25 in Paris; fold=1 is the second, at +01:00.
    cell = Stamp(2026, 10, 25, 2, 30, fold=1)
    (deal,) = from_records(Deal, [{**DEAL, "created_at": cell}], currency="EUR", tz=paris)
    assert type(deal.created_at) is dt.datetime
    # Kept as the instant fold=1 names: the second 02:30, with its offset.
    assert deal.created_at.utcoffset() == dt.timedelta(hours=1)
    assert deal.created_at == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def test_bad_date_cells_are_named_with_what_is_expected() -> None:
    assert refusal(Deal, [{**DEAL, "expected_close": 5}], currency="EUR") == (
        "Deal",
        [("rows[0].expected_close", 5, "a date")],
    )
    assert refusal(Deal, [{**DEAL, "expected_close": "soon"}], currency="EUR") == (
        "Deal",
        [("rows[0].expected_close", "soon", DATE)],
    )
    assert refusal(Deal, [{**DEAL, "expected_close": "2026-03-31 not a date"}], currency="EUR") == (
        "Deal",
        [("rows[0].expected_close", "2026-03-31 not a date", DATE)],
    )


# --- enums ---------------------------------------------------------------------------------------


def test_closed_enums_refuse_other_text_and_name_their_values_when_empty() -> None:
    assert refusal(Deal, [{**DEAL, "status": "none"}], currency="EUR") == (
        "Deal",
        [("rows[0].status", "none", "one of 'open', 'won', 'lost'")],
    )
    assert refusal(Target, [{**TARGET, "metric": ""}]) == (
        "Target",
        [
            (
                "rows[0].metric",
                "",
                "one of 'revenue', 'deals_won', 'new_customers', 'activities', 'calls',"
                " 'meetings', 'leads', 'qualified_leads'",
            )
        ],
    )
    (deal,) = from_records(Deal, [{**DEAL, "status": " Open "}], currency="EUR")
    assert deal.status is Status.OPEN


def test_open_enums_give_members_for_their_values_and_keep_other_text() -> None:
    lead, other = from_records(Lead, [LEAD, {**LEAD, "source": "None"}])
    assert lead.source is LeadSource.REFERRAL
    assert type(other.source) is str
    assert other.source == "None"
    assert refusal(Lead, [{**LEAD, "source": ""}]) == (
        "Lead",
        [("rows[0].source", "", "a non-empty str")],
    )


# --- amounts and goals ---------------------------------------------------------------------------


def test_bad_amount_cells_are_named_with_what_is_expected() -> None:
    for empty in ("", " ", None, float("nan")):  # an empty cell: the value is not known
        (deal,) = from_records(Deal, [{**DEAL, "amount": empty}], currency="EUR")
        assert deal.amount is None
    assert refusal(Deal, [{**DEAL, "amount": "twelve"}], currency="EUR") == (
        "Deal",
        [("rows[0].amount", "twelve", AMOUNT)],
    )
    assert refusal(Deal, [{**DEAL, "amount": 12}]) == (
        "Deal",
        [("rows[0].amount.currency", MISSING, "a currency: pass currency= or map it")],
    )


def test_a_currency_column_function_is_called_on_the_row_when_a_row_is_reported() -> None:
    columns = {"amount.currency": lambda row: row["cur"]}
    row = {**DEAL, "cur": "EUR", "created_at": "soon"}
    assert refusal(Deal, [row], columns=columns) == (
        "Deal",
        [("rows[0].created_at", "soon", DATETIME)],
    )
    (deal,) = from_records(Deal, [{**DEAL, "cur": "USD"}], columns=columns)
    assert deal.amount == Money(5, "USD")


def test_amount_and_currency_columns_name_each_bad_part() -> None:
    columns = {"amount.currency": "cur"}
    assert refusal(Deal, [{**DEAL, "amount": "x", "cur": "EUR"}], columns=columns) == (
        "Deal",
        [("rows[0].amount", "x", "an amount (a number, or a str such as '12.50')")],
    )
    (unknown,) = from_records(Deal, [{**DEAL, "amount": "", "cur": "EUR"}], columns=columns)
    assert unknown.amount is None
    assert refusal(Deal, [{**DEAL, "cur": "eur"}], columns=columns) == (
        "Deal",
        [("rows[0].amount.currency", "eur", CURRENCY_EXPECTED)],
    )


def test_goals_with_a_currency_are_amounts_and_without_one_counts_or_amounts() -> None:
    for cell in ("abc", ""):
        assert refusal(Target, [{**TARGET, "goal": cell}], currency="EUR") == (
            "Target",
            [("rows[0].goal", cell, AMOUNT)],
        )
    assert refusal(Target, [{**TARGET, "goal": True}]) == (
        "Target",
        [("rows[0].goal", True, "a count or an amount")],
    )
    (target,) = from_records(Target, [{**TARGET, "goal": Decimal("40.0")}])
    assert type(target.goal) is Decimal
    assert str(target.goal) == "40.0"


# --- integers, booleans, other fields ------------------------------------------------------------


def test_text_that_is_no_whole_number_reaches_the_entity() -> None:
    assert refusal(Lead, [{**LEAD, "purchase_timeframe_days": "X12"}]) == (
        "Lead",
        [("rows[0].purchase_timeframe_days", "X12", "None or a non-negative int below 2**63")],
    )


@pytest.mark.parametrize(
    ("cell", "active"),
    [
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        ("False", False),
        ("no", False),
        ("0", False),
        (np.True_, True),
        (np.False_, False),
    ],
)
def test_booleans_from_words_digits_and_numpy(cell: Any, active: bool) -> None:
    (rep,) = from_records(Rep, [{**REP, "active": cell}])
    assert rep.active is active


@pytest.mark.parametrize("cell", [Decimal(1), 2, 5.5, "maybe"])
def test_other_values_of_a_boolean_field_reach_the_entity(cell: Any) -> None:
    assert refusal(Rep, [{**REP, "active": cell}]) == (
        "Rep",
        [("rows[0].active", cell, "True or False")],
    )


def test_other_fields_take_the_value_given() -> None:
    bant = Bant(need=True)
    (lead,) = from_records(Lead, [{**LEAD, "bant": bant}])
    assert lead.bant == bant


# --- numpy 1, attributes, column functions -------------------------------------------------------


class bool_:  # the name is what the converter recognises
    """numpy's boolean type as numpy 1 named it (numpy 2: ``numpy.bool``)."""

    def __init__(self, flag: bool) -> None:
        self.flag = flag

    def __bool__(self) -> bool:
        return self.flag


def test_numpy_1_booleans_are_booleans_too() -> None:
    reps = [{**REP, "active": bool_(False)}, {**REP, "active": bool_(True)}]
    assert [r.active for r in from_records(Rep, reps)] == [False, True]


def test_an_attributes_column_that_is_no_mapping_is_named() -> None:
    row = {**DEAL, "attributes": "gold", "segment": "smb"}
    assert refusal(Deal, [row], currency="EUR", attributes=["segment"]) == (
        "Deal",
        [("rows[0].attributes", "gold", "a mapping of attribute name to value")],
    )


def test_an_attributes_function_is_called_on_the_row_and_joined_by_attribute_columns() -> None:
    row = {**DEAL, "tier": "gold", "segment": "smb"}
    (deal,) = from_records(
        Deal,
        [row],
        currency="EUR",
        columns={"attributes": lambda r: {"tier": r["tier"]}},
        attributes=["segment"],
    )
    assert dict(deal.attributes) == {"tier": "gold", "segment": "smb"}


def test_a_failing_column_function_is_named_with_the_row_it_read() -> None:
    row = {**DEAL, "name": "Acme"}
    columns = {"name": lambda r: r["name"].split()[1]}
    assert refusal(Deal, [row], currency="EUR", columns=columns) == (
        "Deal",
        [("rows[0].name", row, "readable (IndexError: list index out of range)")],
    )


def test_a_row_that_fails_once_then_builds_is_named_as_a_whole() -> None:
    calls = []

    def flaky(row: Any) -> str:
        calls.append(row)
        if len(calls) == 1:
            raise ValueError("first call")
        return "ok"

    row = dict(DEAL)
    assert refusal(Deal, [row], currency="EUR", columns={"name": flaky}) == (
        "Deal",
        [("rows[0]", row, "a valid row (ValueError: first call)")],
    )


def test_a_row_whose_function_gives_a_bad_value_once_names_that_problem() -> None:
    calls = []

    def flaky(row: Any) -> str:
        calls.append(row)
        return "" if len(calls) == 1 else "ok"

    with pytest.raises(ValidationError) as caught:
        from_records(Deal, [DEAL], currency="EUR", columns={"name": flaky})
    (issue,) = caught.value.issues
    assert (issue.path, issue.value) == ("rows[0]", DEAL)
    assert issue.expected.startswith("a valid row (")
    assert issue.expected.endswith(": must be a non-empty str (got ''))")


def test_the_conversion_cache_is_bounded_and_keeps_only_plain_keys() -> None:
    # Repeated dates, stages and sources convert once; memory stays bounded on any export.
    from salesmodel.bulk import _Cache

    cache = _Cache(str.upper)
    for i in range(100_001):
        assert cache[f"k{i}"] == f"K{i}"
    assert len(cache) == 100_000
    assert "k100000" not in cache
    fresh = _Cache(lambda value: value)
    assert fresh[1.5] == 1.5
    assert fresh[dt.date(2026, 1, 2)] == dt.date(2026, 1, 2)
    assert list(fresh) == [dt.date(2026, 1, 2)]  # a float is converted, not kept


def test_an_amount_beyond_money_s_bounds_is_named_with_its_own_value() -> None:
    for amount in (Decimal(10**33), 10**40):
        row = {**DEAL, "amount": amount}
        subject, issues = refusal(Deal, [row], currency="EUR")
        assert subject == "Deal"
        assert [(path, value) for path, value, _ in issues] == [("rows[0].amount", amount)]


def test_the_garbage_collector_is_paused_while_rows_build_and_restarted_after() -> None:
    # Records hold no cycles: the collector walking a million new ones would only
    # cost time (30-40 % of a build). A caller's own pause is left as it was.
    import gc

    seen: list[bool] = []

    def name(row: Any) -> str:
        seen.append(gc.isenabled())
        return str(row["name"])

    assert gc.isenabled()
    from_records(Deal, [DEAL], currency="EUR", columns={"name": name})
    with pytest.raises(ValidationError):
        from_records(Deal, [{**DEAL, "amount": "x"}], currency="EUR", columns={"name": name})
    assert seen[0] is False
    assert gc.isenabled()
    gc.disable()
    try:
        from_records(Deal, [DEAL], currency="EUR", columns={"name": name})
        assert not gc.isenabled()
    finally:
        gc.enable()
