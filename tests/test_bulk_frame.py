"""bulk.from_frame: entities built column-wise from a DataFrame are, by ``==``,
what from_records builds from the same rows, on every installed engine; hostile
frames are refused naming the row, its id, the field, the value and what is
allowed (or skipped with strict=False)."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import Deal, Lead, Money, Rep, Status, ValidationError, kpi
from salesmodel import strategies as sms
from salesmodel.bulk import Built, from_frame, from_records
from salesmodel.pipeline import DEFAULT_PIPELINE
from test_kpi_frames import _pandas  # _pandas: times as datetime64[us, UTC]

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("narwhals")

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
#: from_records reads the amount's currency from the column a frame names ``currency``.
PAIRED = {"amount.currency": "currency"}
#: Every Deal field a frame column holds (not attributes or history).
FIELDS = (
    "id",
    "name",
    "owner_id",
    "prospect_id",
    "customer_id",
    "pipeline_id",
    "stage",
    "status",
    "created_at",
    "closed_at",
    "loss_reason",
    "source",
    "product",
    "expected_close",
)


def columns_of(deals: Sequence[Deal], amounts: str = "float") -> dict[str, list[Any]]:
    """The deals column-wise, as an export holds them: enums as text, the amount as
    *amounts* (float, str or decimal) beside its currency."""
    data: dict[str, list[Any]] = {f: [] for f in (*FIELDS, "amount", "currency")}
    for deal in deals:
        for field in FIELDS:
            value = getattr(deal, field)
            data[field].append(str(value) if isinstance(value, str) else value)
        data["status"][-1] = deal.status.value
        money = deal.amount
        value = None
        if money is not None:
            value = {"float": float, "str": str, "decimal": Decimal}[amounts](money.amount)
        data["amount"].append(value)
        data["currency"].append(None if money is None else money.currency)
    return data


TEXT = ("owner_id", "prospect_id", "customer_id", "loss_reason", "source", "product", "currency")


def _polars(data: dict[str, Any]) -> Any:
    schema: dict[str, Any] = dict.fromkeys(TEXT, pl.String)
    schema.update(
        created_at=pl.Datetime("us", "UTC"),
        closed_at=pl.Datetime("us", "UTC"),
        expected_close=pl.Date,
    )
    if all(isinstance(a, Decimal) or a is None for a in data["amount"]):
        schema["amount"] = pl.Decimal(38, 4)
    elif all(isinstance(a, str) or a is None for a in data["amount"]):
        schema["amount"] = pl.String
    else:
        schema["amount"] = pl.Float64
    return pl.DataFrame(data, schema_overrides=schema)


def _duckdb(data: dict[str, Any]) -> Any:
    frame = _polars(data)  # noqa: F841 - DuckDB reads the local by name
    return duckdb.sql("select * from frame")


#: Each engine, and how its frame is made from columns (the amounts it holds).
ENGINES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "pandas": (_pandas, "float"),
    "polars": (_polars, "str"),
    "polars-lazy": (lambda d: _polars(d).lazy(), "float"),
    "pyarrow": (lambda d: _polars(d).to_arrow(), "decimal"),
    "duckdb": (_duckdb, "str"),
}


def frame_of(engine: str, deals: Sequence[Deal]) -> Any:
    make, amounts = ENGINES[engine]
    return make(columns_of(deals, amounts))


def rows_of(deals: Sequence[Deal]) -> list[dict[str, Any]]:
    """The same deals as records (what ``to_dict("records")`` gives)."""
    data = columns_of(deals, "str")
    return [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]


def deal(key: str, **fields: Any) -> Deal:
    values: dict[str, Any] = {
        "id": key,
        "name": f"deal {key}",
        "amount": Money("1200.50", "EUR"),
        "created_at": T0,
        "owner_id": "ana",
    }
    values.update(fields)
    return Deal(**values)


BOOK = [
    deal("D-1"),
    deal(
        "D-2",
        status=Status.WON,
        stage="won",
        closed_at=T0 + dt.timedelta(days=30, microseconds=7),
        amount=Money(800, "JPY"),
        source="webinar",
        product="seats",
    ),
    deal(
        "D-3",
        status="lost",
        stage="lost",
        closed_at=T0 + dt.timedelta(days=3),
        loss_reason="price",
        amount=None,
        owner_id=None,
        expected_close=dt.date(2026, 3, 31),
    ),
    deal("D-4", stage="qualification", source="a fair of our own", customer_id="C-9"),
]


# --- the same entities as from_records ---------------------------------------------------------


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_engine_builds_what_from_records_builds(engine: str) -> None:
    native = frame_of(engine, BOOK)
    built = from_frame(native, Deal)
    assert built == from_records(Deal, rows_of(BOOK), columns=PAIRED) == BOOK
    # the same digits as from the frame's own rows: 1200.5 from a float, 1200.5000 from
    # a decimal(38, 4)
    own = from_records(Deal, records_of(native), columns=PAIRED)
    assert [str(d.amount) for d in built] == [str(d.amount) for d in own]


def records_of(native: Any) -> list[dict[str, Any]]:
    """The rows of *native*, as its engine gives them."""
    if isinstance(native, pd.DataFrame):
        return native.to_dict("records")  # type: ignore[no-any-return]
    if isinstance(native, pl.LazyFrame):
        native = native.collect()
    if isinstance(native, pl.DataFrame):
        return native.to_dicts()
    if isinstance(native, pa.Table):
        return native.to_pylist()  # type: ignore[no-any-return]
    return [dict(zip(native.columns, row, strict=True)) for row in native.fetchall()]


def test_a_zoned_column_keeps_each_time_s_offset_as_records_do() -> None:
    summer = dt.datetime(2026, 7, 1, 12, tzinfo=PARIS)
    winter = dt.datetime(2026, 1, 5, 12, tzinfo=PARIS)
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name": ["a", "b", "c"],
            "amount": [1.0, 2.0, 3.0],
            "status": ["open", "won", "open"],
            "stage": ["prospecting", "won", "prospecting"],
            "created_at": [summer, winter, summer],
            "closed_at": [None, summer, None],
        },
        schema_overrides={
            "created_at": pl.Datetime("us", "Europe/Paris"),
            "closed_at": pl.Datetime("us", "Europe/Paris"),
        },
    )
    built = from_frame(frame, Deal, currency="EUR")
    expected = from_records(Deal, frame.to_dicts(), currency="EUR")
    assert built == expected
    assert [d.created_at.isoformat() for d in built] == [
        "2026-07-01T12:00:00+02:00",
        "2026-01-05T12:00:00+01:00",
        "2026-07-01T12:00:00+02:00",
    ]
    assert [d.created_at.tzinfo for d in built] == [d.created_at.tzinfo for d in expected]
    assert [d.closed_at for d in built] == [None, summer, None]


def test_naive_times_and_dates_take_the_zone_given() -> None:
    wall = dt.datetime(2026, 3, 29, 2, 30)  # skipped in Paris: refused, as by records
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name": "n",
            "amount": [1.5, None, 3],
            "created_at": [dt.datetime(2026, 1, 5, 9), dt.datetime(2026, 7, 5, 9), wall],
            "expected_close": [dt.date(2026, 2, 1), None, "2026-05-01"],
        }
    )
    for zone in (UTC, dt.timezone(dt.timedelta(hours=-3)), PARIS, "Europe/Paris"):
        got = from_frame(frame, Deal, tz=zone, currency="EUR", strict=False)
        expected = from_records(
            Deal, frame.to_dict("records"), tz=zone, currency="EUR", strict=False
        )
        assert got.records == expected.records
        assert [e.row for e in got.errors] == [e.row for e in expected.errors]
        assert [e.error.issues for e in got.errors] == [e.error.issues for e in expected.errors]
    assert len(got.records) == 2
    assert got.records[1].created_at.isoformat() == "2026-07-05T09:00:00+02:00"


def test_a_dask_frame_builds_what_from_records_builds() -> None:
    dd = pytest.importorskip("dask.dataframe")
    native = dd.from_pandas(frame_of("pandas", BOOK), npartitions=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # narwhals: dask moves to narwhals-dask
        assert from_frame(native, Deal) == BOOK


# --- the property: generated rows, frame against records -----------------------------------------


def _plain(deal: Deal, unknown: bool) -> Deal:
    """*deal* as a frame holds it: no history or attributes, an amount in its
    currency's minor unit (a frame refuses finer ones), or unknown."""
    amount = None if unknown or deal.amount is None else deal.amount.round()
    return attrs.evolve(deal, history=(), attributes={}, amount=amount)


DEALS = st.lists(
    st.builds(
        _plain,
        sms.deals(
            pipeline=DEFAULT_PIPELINE,
            currency=st.sampled_from(["EUR", "JPY", "BHD"]),
            owners=st.sampled_from(["ana", "bo", "cy"]),
            max_moves=3,
        ),
        st.booleans(),
    ),
    max_size=8,
)


@settings(max_examples=40)
@given(engine=st.sampled_from(list(ENGINES)), deals=DEALS)
def test_generated_rows_build_alike_from_a_frame_and_from_records(
    engine: str, deals: list[Deal]
) -> None:
    built = from_frame(frame_of(engine, deals), Deal, pipelines=DEFAULT_PIPELINE, strict=False)
    assert built.errors == ()
    assert built.records == from_records(Deal, rows_of(deals), columns=PAIRED)


# --- hostile frames ------------------------------------------------------------------------------


def refusal(frame: Any, cls: type = Deal, **options: Any) -> tuple[str | None, list[Any]]:
    """The subject and the (path, value, expected) of every issue from_frame raises."""
    with pytest.raises(ValidationError) as caught:
        from_frame(frame, cls, **options)
    return caught.value.subject, [(i.path, i.value, i.expected) for i in caught.value.issues]


def book_frame(**changes: list[Any]) -> Any:
    data = columns_of(BOOK)
    data.update(changes)
    return pl.DataFrame(data, strict=False)


def test_a_bad_row_names_its_row_id_field_value_and_what_is_allowed() -> None:
    frame = book_frame(status=["open", "won", "maybe", "open"])
    subject, issues = refusal(frame)
    assert subject == "Deal at row 2 (id 'D-3') of the frame"
    assert issues == [("rows[2].status", "maybe", "one of 'open', 'won', 'lost'")]


def test_with_strict_false_bad_rows_are_reported_and_the_rest_built() -> None:
    frame = book_frame(id=["D-1", None, "D-3", "  "], status=["open", "won", "maybe", "open"])
    built = from_frame(frame, Deal, strict=False)
    assert isinstance(built, Built)
    assert built.records == [BOOK[0]]
    assert [(e.row, e.fields) for e in built.errors] == [
        (1, ("id",)),
        (2, ("status",)),
        (3, ("id",)),
    ]
    assert built.errors[0].error.subject == "Deal at row 1 of the frame"


def test_a_column_of_the_wrong_type_names_the_first_row() -> None:
    subject, issues = refusal(book_frame(created_at=[1, 2, 3, 4]))
    assert subject == "Deal at row 0 (id 'D-1') of the frame"
    assert issues == [("rows[0].created_at", 1, "an ISO date or datetime, a date, or a datetime")]


def test_naive_times_need_a_zone_before_any_row_is_read() -> None:
    naive = [T0.replace(tzinfo=None)] * 4
    _, issues = refusal(book_frame(created_at=naive))
    assert issues == [
        (
            "created_at",
            "naive datetimes (Datetime(time_unit='us', time_zone=None))",
            "timezone-aware datetimes, or tz= naming the zone they were recorded in",
        )
    ]
    nothing = pl.Series([None] * 4, dtype=pl.Datetime("us"))
    built = from_frame(book_frame(closed_at=nothing), Deal, strict=False)
    assert [d.id for d in built.records] == ["D-1", "D-4"]  # the closed ones lack closed_at
    assert [e.fields for e in built.errors] == [("closed_at",), ("closed_at",)]


def test_duplicate_ids_are_built_as_from_records_builds_them() -> None:
    frame = book_frame(id=["D-1", "D-1", "D-3", "D-3"])
    rows = frame.to_dicts()
    assert from_frame(frame, Deal) == from_records(Deal, rows, columns=PAIRED)
    assert len(from_frame(frame, Deal)) == 4


def test_a_currency_other_than_the_one_given_is_refused() -> None:
    subject, issues = refusal(book_frame(), currency="EUR")
    assert subject == "Deal at row 1 (id 'D-2') of the frame"
    assert issues == [("rows[1].amount.currency", "JPY", "'EUR', the currency= given")]
    frame = book_frame(currency=["EUR", None, None, "EUR"])
    assert [d.amount for d in from_frame(frame, Deal, currency="EUR")][:2] == [
        Money("1200.5", "EUR"),
        Money(800, "EUR"),
    ]


def test_mixed_and_unknown_currencies_are_read_row_by_row() -> None:
    frame = book_frame(currency=["EUR", "JPY", None, "XXZ"])
    built = from_frame(frame, Deal, strict=False)
    assert [d.amount for d in built.records] == [Money("1200.5", "EUR"), Money(800, "JPY"), None]
    (error,) = built.errors
    assert [(i.path, i.value) for i in error.error.issues] == [("rows[3].amount.currency", "XXZ")]


def test_a_nan_amount_is_no_empty_cell_where_the_engine_tells_them_apart() -> None:
    subject, issues = refusal(book_frame(amount=[1.5, math.nan, None, 2.0]))
    assert subject == "Deal at row 1 (id 'D-2') of the frame"
    ((path, value, expected),) = issues
    assert (path, math.isnan(value)) == ("rows[1].amount", True)
    assert expected == "a number, or null (an empty cell) where there is none: NaN is no number"
    # pandas' NaN is its null: an unknown amount, as from_records reads it
    frame = frame_of("pandas", BOOK)
    frame.loc[1, "amount"] = math.nan
    assert from_frame(frame, Deal)[1].amount is None
    # but a column of Arrow's floats keeps NaN apart from null, as the KPIs read it
    pa = pytest.importorskip("pyarrow")
    arrow = pa.array([1.5, math.nan, None, 2.0], from_pandas=False)
    frame["amount"] = pd.array(arrow, dtype="double[pyarrow]")
    built = from_frame(frame, Deal, strict=False)
    assert [e.row for e in built.errors] == [1]
    assert kpi.bookings(frame, strict=False) == kpi.bookings(built.records)


def test_an_amount_finer_than_its_currency_s_minor_unit_is_refused() -> None:
    frame = book_frame(amount=[0.1 + 0.2, 800.5, None, 3.0])  # 0.30000000000000004
    built = from_frame(frame, Deal, strict=False)
    assert [
        (e.row, [(i.path, i.value, i.expected) for i in e.error.issues]) for e in built.errors
    ] == [
        (
            0,
            [
                (
                    "rows[0].amount",
                    0.30000000000000004,
                    "a float of at most 15 significant digits, since a longer one may have lost "
                    "digits (send amounts as strings, e.g. '12345678901234567.89')",
                )
            ],
        ),
        (
            1,
            [
                (
                    "rows[1].amount",
                    800.5,
                    "an amount with at most 0 decimal places, the minor unit of JPY",
                )
            ],
        ),
    ]
    text = book_frame(amount=["1.005", "1E+3", None, "3.100"], currency=["EUR"] * 4)
    built = from_frame(text, Deal, strict=False)
    assert [(e.row, e.error.issues[0].value) for e in built.errors] == [(0, "1.005")]
    assert [str(d.amount) for d in built.records] == ["1E+3 EUR", "None", "3.100 EUR"]
    plain = pl.DataFrame({"id": ["a"], "name": ["a"], "amount": [1.001], "created_at": [T0]})
    assert refusal(plain, currency="EUR")[1] == [
        ("rows[0].amount", 1.001, "an amount with at most 2 decimal places, the minor unit of EUR")
    ]


def test_a_decimal_column_is_judged_by_its_scale_and_else_amount_by_amount() -> None:
    """A decimal column whose scale the currency allows holds no finer amount (the
    amounts are not each looked at); a wider scale still refuses each finer one."""
    amounts = [Decimal("800.50"), Decimal("12.00"), None]
    for currency, scale, refused in (("EUR", 2, []), ("JPY", 2, [(0, Decimal("800.50"))])):
        frame = pl.DataFrame(
            {
                "id": ["a", "b", "c"],
                "name": ["a", "b", "c"],
                "amount": amounts,
                "currency": [currency] * 3,
                "created_at": [T0] * 3,
            },
            schema_overrides={"amount": pl.Decimal(12, scale)},
        )
        built = from_frame(frame, Deal, strict=False)
        assert [(e.row, e.error.issues[0].value) for e in built.errors] == refused
        kept = [str(d.amount) for d in built.records]
        assert kept == ([f"800.50 {currency}"] if not refused else []) + [
            f"12.00 {currency}",
            "None",
        ]
        assert built.records[-1] == Deal(id="c", name="c", amount=None, created_at=T0)
        assert built.records[-2] == Deal(
            id="b", name="b", amount=Money("12.00", currency), created_at=T0
        )
    # Taken as it is, a decimal cell still meets the deal's rules (amount >= 0).
    negative = pl.DataFrame(
        {"id": ["a"], "name": ["a"], "amount": [Decimal("-5.00")], "created_at": [T0]},
        schema_overrides={"amount": pl.Decimal(12, 2)},
    )
    assert refusal(negative, currency="EUR")[1][0][:2] == ("rows[0].amount", Money("-5", "EUR"))
    # Wide enough for amounts beyond Money's bounds: each amount is checked again.
    wide = pl.DataFrame(
        {"id": ["a"], "name": ["a"], "amount": [Decimal(10**33)], "created_at": [T0]},
        schema_overrides={"amount": pl.Decimal(38, 2)},
    )
    assert refusal(wide, currency="EUR")[1][0][0] == "rows[0].amount"


def test_a_column_the_entity_requires_must_be_in_the_frame() -> None:
    frame = book_frame().drop("name")
    subject, issues = refusal(frame)
    assert subject is None
    ((path, value, expected),) = issues
    assert (path, value) == ("name", "name")
    assert expected.startswith("a column of the frame ('id', 'owner_id', ")
    assert expected.endswith(", ...); map another with columns={'name': ...}")
    assert refusal(frame, attributes=["region"])[1][0][:2] == ("name", "name")


def test_columns_are_column_names_and_frames_are_frames() -> None:
    with pytest.raises(ValidationError) as caught:
        from_frame(book_frame(), Deal, columns={"status": len})  # type: ignore[dict-item]
    (issue,) = caught.value.issues
    assert (issue.path, issue.value) == ("columns['status']", len)
    assert issue.expected == (
        "a column name of the frame (a function of the row reads rows: use from_records)"
    )
    assert refusal(rows_of(BOOK)) == (
        None,
        [
            (
                "frame",
                "list",
                "a DataFrame (pandas, polars, PyArrow, DuckDB, Dask or PySpark); build from rows "
                "with bulk.from_records",
            )
        ],
    )
    assert refusal(book_frame(), tz="Mars/Base")[1][0][0] == "tz"
    assert refusal(book_frame(), columns={"colour": "id"})[1][0][0] == "columns['colour']"


def test_columns_map_fields_and_absent_optional_columns_take_defaults() -> None:
    frame = book_frame().rename({"id": "opportunity", "currency": "cur"}).drop("owner_id", "source")
    built = from_frame(
        frame,
        Deal,
        columns={"id": "opportunity", "amount.currency": "cur"},
        defaults={"owner_id": "house"},
    )
    assert [d.id for d in built] == ["D-1", "D-2", "D-3", "D-4"]
    assert {d.owner_id for d in built} == {"house"}
    assert [d.source for d in built] == [None] * 4


def test_attribute_columns_and_an_attributes_column_join() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b"],
            "name": ["a", "b"],
            "amount": [1, 2],
            "created_at": [T0, T0],
            "attributes": [{"tier": "gold"}, None],
            "region": ["north", None],
            "seats": [3, 4],
        }
    )
    options: dict[str, Any] = {"currency": "EUR", "attributes": ["region", "seats"]}
    built = from_frame(frame, Deal, **options)
    assert built == from_records(Deal, frame.to_dicts(), **options)
    assert dict(built[0].attributes) == {"tier": "gold", "region": "north", "seats": 3}
    assert dict(built[1].attributes) == {"region": None, "seats": 4}
    lonely = frame.drop("attributes")
    assert dict(from_frame(lonely, Deal, **options)[1].attributes) == {"region": None, "seats": 4}
    _, issues = refusal(frame.with_columns(attributes=pl.lit("x")), **options)
    assert issues == [("rows[0].attributes", "x", "a mapping of attribute name to value")]
    assert refusal(frame, currency="EUR", attributes=["colour"])[1][0][:2] == (
        "attributes['colour']",
        "colour",
    )


def test_attribute_columns_must_be_a_sequence_of_names_not_one_name() -> None:
    frame = pl.DataFrame({"id": ["a"], "name": ["a"], "amount": [1], "created_at": [T0]})
    frame = frame.with_columns(region=pl.lit("north"), r=pl.lit("x"))
    expected = "a sequence of column names, e.g. ['manager']"
    for attributes in ("region", b"region", None):
        assert refusal(frame, currency="EUR", attributes=attributes) == (
            None,
            [("attributes", attributes, expected)],
        )
    # An iterator is read once, for the plan and the columns alike.
    (deal,) = from_frame(frame, Deal, currency="EUR", attributes=iter(["region"]))
    assert dict(deal.attributes) == {"region": "north"}


def test_pipelines_check_each_row_as_from_records_does() -> None:
    frame = book_frame(stage=["prospecting", "won", "lost", "signing"])
    built = from_frame(frame, Deal, pipelines=DEFAULT_PIPELINE, strict=False)
    expected = from_records(
        Deal, frame.to_dicts(), columns=PAIRED, pipelines=DEFAULT_PIPELINE, strict=False
    )
    assert built.records == expected.records
    assert [(e.row, e.fields) for e in built.errors] == [(3, ("stage",))]
    assert [(e.row, e.fields) for e in expected.errors] == [(3, ("stage",))]


def test_categorical_text_and_pandas_empty_cells() -> None:
    frame = frame_of("pandas", BOOK)
    frame["status"] = frame["status"].astype("category")
    frame["owner_id"] = frame["owner_id"].astype(object)
    frame.loc[3, "owner_id"] = math.nan
    built = from_frame(frame, Deal)
    assert [d.status for d in built] == [d.status for d in BOOK]
    assert built[3].owner_id is None
    cats = book_frame().with_columns(pl.col("stage").cast(pl.Categorical))
    assert from_frame(cats, Deal) == BOOK


def test_an_empty_frame_builds_nothing_and_other_entities_build_too() -> None:
    assert from_frame(book_frame().head(0), Deal) == []
    assert from_frame(book_frame().head(0), Deal, strict=False) == Built([], ())
    reps = pl.DataFrame({"id": ["r1", "r2"], "name": ["Ana", "Bo"], "active": [True, None]})
    assert from_frame(reps, Rep) == from_records(Rep, reps.to_dicts())
    leads = pd.DataFrame(
        {
            "id": ["l1", "l2"],
            "name": ["Ana", "Bo"],
            "created_at": ["2026-01-05T09:00:00+01:00", "2026-01-06"],
            "source": ["Webinar", "a fair"],
        }
    )
    built = from_frame(leads, Lead, tz=UTC)
    assert built == from_records(Lead, leads.to_dict("records"), tz=UTC)
    assert [str(lead.source) for lead in built] == ["webinar", "a fair"]


# --- real data: Maven CRM -----------------------------------------------------------------------

MAVEN_STATUS = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
MAVEN_STAGE = {
    "Won": "won",
    "Lost": "lost",
    "Engaging": "qualification",
    "Prospecting": "prospecting",
}
MAVEN_COLUMNS = {
    "id": "opportunity_id",
    "name": "opportunity_id",
    "owner_id": "sales_agent",
    "created_at": "engage_date",
    "closed_at": "close_date",
    "amount": "close_value",
}


def test_maven_crm_from_pandas_and_polars_frames_equals_from_records(data_dir: Path) -> None:
    raw = pd.read_csv(
        data_dir / "pipeline" / "maven_crm_sales_opportunities" / "sales_pipeline.csv"
    )
    raw["status"] = raw.deal_stage.map(MAVEN_STATUS)
    raw["stage"] = raw.deal_stage.map(MAVEN_STAGE)
    options: dict[str, Any] = {
        "attributes": ["account"],
        "tz": UTC,
        "currency": "USD",
        "strict": False,
    }
    expected = from_records(Deal, raw.to_dict("records"), columns=MAVEN_COLUMNS, **options)
    assert len(expected.records) > 8000
    assert expected.errors  # Maven has rows no deal can be built from
    parsed = raw.assign(
        engage_date=pd.to_datetime(raw.engage_date), close_date=pd.to_datetime(raw.close_date)
    )
    for native in (raw, parsed, pl.from_pandas(raw), pl.from_pandas(parsed)):
        built = from_frame(native, Deal, columns=MAVEN_COLUMNS, **options)
        assert built.records == expected.records
        assert [(e.row, e.fields) for e in built.errors] == [
            (e.row, e.fields) for e in expected.errors
        ]


def test_a_column_type_narwhals_cannot_read_is_refused_by_name() -> None:
    # PyArrow holds decimals of negative scale (hundreds); narwhals reads none.
    table = pa.table(
        {
            "id": ["a"],
            "name": ["a"],
            "status": ["won"],
            "created_at": pa.array([T0]),
            "closed_at": pa.array([T0]),
            "amount": pa.array([Decimal("1E+2")], pa.decimal128(5, -2)),
            "currency": ["EUR"],
        }
    )
    for call, field in (
        (lambda: from_frame(table, Deal), "frame"),
        (lambda: kpi.bookings(table), "records"),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        (issue,) = caught.value.issues
        assert issue.path == field
        assert issue.expected == "a frame whose column types narwhals reads"


def test_pandas_timestamps_are_the_instants_pandas_holds_in_records_and_frames() -> None:
    """A pandas Timestamp in the first pass of a repeated hour (02:30+02:00 on
    27 October 2024 in Paris) is one instant: pandas makes none that names two.
    from_records, a Deal and a move read it as from_frame does; an Arrow column
    of such times with a null reads the null as none."""
    first = pd.Timestamp("2024-10-27 00:30", tz="UTC").tz_convert("Europe/Paris")
    second = pd.Timestamp("2024-10-27 01:30", tz="UTC").tz_convert("Europe/Paris")
    created = pd.Timestamp("2024-10-01", tz="Europe/Paris")
    frame = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "name": "n",
            "amount": [1.0, 2.0, 3.0],
            "currency": "EUR",
            "status": ["won", "won", "open"],
            "created_at": [created] * 3,
            "closed_at": [first, second, pd.NaT],
        }
    )
    columns = {"amount.currency": "currency"}
    built = from_records(Deal, frame.to_dict("records"), columns=columns)
    # (in UTC: Python calls no time in a repeated hour equal to one in another zone)
    instants = [first.tz_convert("UTC").to_pydatetime(), second.tz_convert("UTC").to_pydatetime()]
    assert [d.closed_at for d in built[:2]] == instants
    assert [d.closed_at.utcoffset() for d in built[:2]] == [dt.timedelta(hours=h) for h in (2, 1)]
    assert from_frame(frame, Deal, columns=columns) == built
    arrow = frame.convert_dtypes(dtype_backend="pyarrow")
    assert from_frame(arrow, Deal, columns=columns) == built
    moved = DEFAULT_PIPELINE.move(built[2], "qualification", at=first)
    assert moved.history[-1].at == instants[0]


def test_times_from_2100_keep_the_offset_python_gives_them() -> None:
    """polars applies no daylight saving time from 2100 on: the offset each record
    keeps is Python's (the instants were right either way)."""
    paris = ZoneInfo("Europe/Paris")
    summer = dt.datetime(2100, 7, 1, 12, tzinfo=dt.UTC)
    frame = pl.DataFrame(
        {"id": ["A"], "name": ["n"], "amount": [None], "created_at": [summer]}
    ).with_columns(pl.col("created_at").dt.convert_time_zone("Europe/Paris"))
    (deal,) = from_frame(frame, Deal)
    assert deal.created_at.utcoffset() == dt.timedelta(hours=2)
    assert deal == Deal(id="A", name="n", amount=None, created_at=summer.astimezone(paris))
