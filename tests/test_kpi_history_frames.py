"""History KPIs on DataFrames: a frame of deals and a frame of their stage changes
give, by ``==``, what the deals with their histories give (funnel, time in stage,
loss reasons), on every installed engine; a bad change makes its deal a bad row."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import Deal, Money, ValidationError, kpi
from salesmodel import strategies as sms
from salesmodel.pipeline import DEFAULT_PIPELINE
from test_kpi_frames import (
    ENGINES,
    _pandas,
    _polars,
    columns_of,
    outcome,
)

nw = pytest.importorskip("narwhals")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

UTC = dt.UTC
CHANGES = ("deal_id", "from_stage", "to_stage", "at")


def history_of(deals: Sequence[Deal]) -> dict[str, list[Any]]:
    """The deals' histories as a CRM exports them: a row per stage change, and
    its number in the deal's history (``seq``)."""
    data: dict[str, list[Any]] = {f: [] for f in (*CHANGES, "seq")}
    for deal in deals:
        for i, change in enumerate(deal.history):
            data["seq"].append(i)
            data["deal_id"].append(deal.id)
            data["from_stage"].append(change.from_stage)
            data["to_stage"].append(change.to_stage)
            data["at"].append(change.at.astimezone(UTC))
    return data


def _changes_polars(data: dict[str, list[Any]]) -> Any:
    schema = dict.fromkeys(CHANGES[:3], pl.String)
    schema |= {"at": pl.Datetime("us", "UTC"), "seq": pl.Int64}
    return pl.DataFrame(data, schema_overrides=schema)


def _changes_pandas(data: dict[str, list[Any]]) -> Any:
    frame = pd.DataFrame({f: pd.Series(data[f], dtype=object) for f in CHANGES[:3]})
    frame["at"] = pd.to_datetime(pd.Series(data["at"], dtype=object), utc=True).astype(
        "datetime64[us, UTC]"
    )
    if "seq" in data:
        frame["seq"] = pd.Series(data["seq"], dtype="int64")
    return frame


def _changes_duckdb(data: dict[str, list[Any]]) -> Any:
    changes = _changes_polars(data)  # noqa: F841 - DuckDB reads the local by name
    return duckdb.sql("select * from changes")


#: Each engine, and how its frame of changes is made.
CHANGE_FRAMES: dict[str, Callable[[dict[str, list[Any]]], Any]] = {
    "pandas": _changes_pandas,
    "polars": _changes_polars,
    "polars-lazy": lambda d: _changes_polars(d).lazy(),
    "pyarrow": lambda d: _changes_polars(d).to_arrow(),
    "duckdb": _changes_duckdb,
}


def frames(engine: str, deals: Sequence[Deal]) -> tuple[Any, Any]:
    """The deals and their changes as two frames of *engine*."""
    make, amounts = ENGINES[engine]
    return make(columns_of(deals, amounts)), CHANGE_FRAMES[engine](history_of(deals))


def history_calls(options: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    by = {"by": options["by"]} if "by" in options else {}
    as_of = options["as_of"]
    return {
        "funnel": lambda x, **h: kpi.funnel(x, **by, **h),
        "funnel_strict": lambda x, **h: kpi.funnel(x, mode="strict", **by, **h),
        "funnel_steps": lambda x, **h: kpi.funnel(
            x, stages=("qualification", "closing", "won"), **by, **h
        ),
        "time_in_stage": lambda x, **h: kpi.time_in_stage(x, **by, **h),
        "time_in_stage_as_of": lambda x, **h: kpi.time_in_stage(x, as_of=as_of, **by, **h),
        "loss_reasons": lambda x, **h: kpi.loss_reasons(x, **by, **h),
        "loss_reasons_by_month": lambda x, **h: kpi.loss_reasons(
            x, period="month", tz=UTC, **by, **h
        ),
    }


def _rounded(deal: Deal) -> Deal:
    """*deal* with an amount in its currency's minor unit (a frame refuses finer)."""
    return attrs.evolve(deal, amount=None if deal.amount is None else deal.amount.round())


BOOKS = st.lists(
    st.builds(
        _rounded,
        sms.deals(
            pipeline=DEFAULT_PIPELINE,
            currency="EUR",
            owners=st.sampled_from(["ana", "bo"]),
            max_moves=5,
        ),
    ),
    max_size=10,
    unique_by=lambda d: d.id,
)


@settings(max_examples=15)
@given(
    engine=st.sampled_from(list(CHANGE_FRAMES)),
    deals=BOOKS,
    by=st.sampled_from([None, "owner_id", ("owner_id", "stage")]),
    as_of=st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
)
def test_history_kpis_on_every_engine_equal_the_records(
    engine: str, deals: list[Deal], by: Any, as_of: dt.datetime
) -> None:
    options: dict[str, Any] = {"as_of": as_of} | ({} if by is None else {"by": by})
    deals_frame, changes = frames(engine, deals)
    for name, call in history_calls(options).items():
        expected = outcome(lambda call=call: call(deals))
        got = outcome(lambda call=call: call(deals_frame, history=changes))
        assert got == expected, (engine, name, options)


def test_without_changes_a_deal_reached_its_stage_only() -> None:
    won = sample_book()[3]
    plain = attrs.evolve(won, history=())
    native = _polars(columns_of([won]))
    assert kpi.funnel(native) == kpi.funnel([plain])
    assert kpi.loss_reasons(native) == kpi.loss_reasons([plain])
    assert kpi.time_in_stage(native, as_of=T0) == kpi.time_in_stage([plain], as_of=T0)


# --- a small book made by hand -------------------------------------------------------------------

T0 = dt.datetime(2026, 1, 5, 9, tzinfo=UTC)


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def sample_book() -> list[Deal]:
    """Four deals: open, lost from qualification, lost from research, won."""
    p = DEFAULT_PIPELINE
    made = [
        Deal(id=f"D-{i}", name="x", amount=Money(100 * i, "EUR"), created_at=T0, owner_id="ana")
        for i in range(1, 5)
    ]
    one = p.move(made[0], "qualification", at=day(1))
    two = p.lose(p.move(made[1], "qualification", at=day(1)), "price", at=day(2))
    three = p.move(p.move(made[2], "qualification", at=day(1)), "research", at=day(3))
    three = p.lose(three, "Too slow", at=day(4))
    four = p.move(made[3], "qualification", at=day(1))
    for i, stage in enumerate(("research", "demonstration", "objection_handling", "closing")):
        four = p.move(four, stage, at=day(2 + i))
    return [one, two, three, p.win(four, at=day(9))]


def test_lost_from_is_read_from_the_changes() -> None:
    book = sample_book()
    native, changes = frames("polars", book)
    why = kpi.loss_reasons(native, history=changes)
    assert why == kpi.loss_reasons(book)
    assert why["price"].stages == (("qualification", 1),)
    assert why["too slow"].stages == (("research", 1),)


def test_changes_at_the_same_instant_keep_the_frame_order_on_eager_frames() -> None:
    p = DEFAULT_PIPELINE
    deal = Deal(id="D-9", name="x", amount=None, created_at=T0)
    deal = p.move(p.move(deal, "qualification", at=day(1)), "research", at=day(1))
    native, changes = frames("pandas", [deal])
    assert kpi.time_in_stage(native, history=changes) == kpi.time_in_stage([deal])


# --- bad changes ---------------------------------------------------------------------------------


def _edit(field: str, row: int, value: Any) -> Callable[[dict[str, list[Any]]], None]:
    def change(data: dict[str, list[Any]]) -> None:
        data[field][row] = value

    return change


def _drop(row: int) -> Callable[[dict[str, list[Any]]], None]:
    def change(data: dict[str, list[Any]]) -> None:
        for values in data.values():
            del values[row]

    return change


#: A broken change (rows of sample_book's changes: D-1 has row 0, D-2 rows 1-2,
#: D-3 rows 3-5, D-4 rows 6-11), the deal it breaks, the path and what is allowed.
BROKEN = {
    "before created": (_edit("at", 0, day(-1)), "D-1", "history[0].at", "no earlier than"),
    "gap": (_drop(4), "D-3", "history[1].from_stage", "where history[0] ended"),
    "does not end at the stage": (_drop(2), "D-2", "stage", "where history ends"),
    "closed at another time": (
        _edit("at", 11, day(10)),
        "D-4",
        "closed_at",
        "the time of the last change",
    ),
    "a move the pipeline never allows": (
        _edit("to_stage", 0, "closing"),
        "D-1",
        "stage",
        "where history ends",
    ),
    "no move": (_edit("to_stage", 0, "prospecting"), "D-1", "history[0].to_stage", "a stage"),
    "no stage": (_edit("from_stage", 3, None), "D-3", "history[0].from_stage", "a"),
}


def broken(case: str, engine: str = "polars") -> tuple[Any, Any]:
    book = sample_book()
    data = history_of(book)
    BROKEN[case][0](data)
    make, amounts = ENGINES[engine]
    return make(columns_of(book, amounts)), CHANGE_FRAMES[engine](data)


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("engine", ["pandas", "polars", "duckdb"])
def test_a_bad_change_makes_its_deal_a_bad_row(engine: str, case: str) -> None:
    _, deal_id, path, expected = BROKEN[case]
    native, changes = broken(case, engine)
    with pytest.raises(ValidationError, match=deal_id) as raised:
        kpi.funnel(native, history=changes)
    assert raised.value.issues[0].path == path
    assert expected in raised.value.issues[0].expected


@pytest.mark.parametrize("case", BROKEN)
def test_a_deal_with_a_bad_change_is_skipped_and_reported(case: str) -> None:
    _, deal_id, path, _ = BROKEN[case]
    native, changes = broken(case)
    got = kpi.time_in_stage(native, history=changes, strict=False)
    assert [(s.id, s.field) for s in got.skipped] == [(deal_id, path)]
    rest = [d for d in sample_book() if d.id != deal_id]
    assert got == kpi.time_in_stage(rest)


def test_a_move_its_pipeline_never_allows_is_named() -> None:
    p = DEFAULT_PIPELINE
    deal = p.move(Deal(id="D-7", name="x", amount=None, created_at=T0), "qualification", at=day(1))
    data = history_of([deal])
    data["to_stage"][0] = "research"  # prospecting -> research: not a move of the default
    native = _polars(columns_of([attrs.evolve(deal, stage="research", history=())]))
    with pytest.raises(ValidationError, match="a move pipeline 'default' allows"):
        kpi.funnel(native, history=_changes_polars(data))
    # loss_reasons reads no pipeline: the same changes are a valid history to it
    assert kpi.loss_reasons(native, history=_changes_polars(data)).rows == ()


def test_a_change_of_no_deal_is_a_bad_row_of_the_changes() -> None:
    book = sample_book()
    data = history_of(book)
    data["deal_id"][0] = "D-404"
    native = _polars(columns_of(book))
    with pytest.raises(ValidationError, match=r"row 0 of the history frame"):
        kpi.funnel(native, history=_changes_polars(data))
    got = kpi.funnel(native, history=_changes_polars(data), strict=False)
    assert [(s.id, s.field) for s in got.skipped] == [("D-404", "history.deal_id")]
    # D-1 is left without changes: a deal made in its stage
    assert got == kpi.funnel([attrs.evolve(book[0], history=()), *book[1:]])


def test_changes_at_one_instant_on_a_lazy_frame_need_a_seq_column() -> None:
    p = DEFAULT_PIPELINE
    deal = Deal(id="D-9", name="x", amount=None, created_at=T0)
    deal = p.move(p.move(deal, "qualification", at=day(1)), "research", at=day(1))
    native = _polars(columns_of([deal])).lazy()
    data = history_of([deal])
    del data["seq"]
    with pytest.raises(ValidationError, match="'seq' column"):
        kpi.time_in_stage(native, history=_changes_polars(data).lazy())
    ordered = _changes_polars(data).with_columns(seq=pl.Series([2, 5])).lazy()
    assert kpi.time_in_stage(native, history=ordered) == kpi.time_in_stage([deal])


@pytest.mark.parametrize("lazy", [False, True])
def test_a_change_without_a_seq_is_ordered_by_its_instant_and_a_tie_if_it_shares_one(
    lazy: bool,
) -> None:
    """A null ``seq`` orders nothing: its change stands by its instant, and where
    another change of its deal has that instant the two are a tie (it was read as
    its deal's first change, and the checks of the last one were skipped)."""
    book = sample_book()
    native, _ = frames("polars", book)
    data = history_of(book)
    data["seq"] = [None if i % 2 else s for i, s in enumerate(data["seq"])]
    changes = _changes_polars(data)
    if lazy:
        native, changes = native.lazy(), changes.lazy()
    for call in history_calls({"as_of": day(30)}).values():
        assert call(native, history=changes) == call(book)
    p = DEFAULT_PIPELINE
    deal = Deal(id="D-9", name="x", amount=None, created_at=T0)
    deal = p.move(p.move(deal, "qualification", at=day(1)), "research", at=day(1))
    tied = history_of([deal])
    tied["seq"] = [1, None]
    one = _polars(columns_of([deal]))
    changes = _changes_polars(tied)
    if lazy:
        one, changes = one.lazy(), changes.lazy()
    with pytest.raises(ValidationError, match="'seq' column"):
        kpi.time_in_stage(one, history=changes)
    skipped = kpi.time_in_stage(one, history=changes, strict=False).skipped
    assert [s.id for s in skipped] == ["D-9"]


def test_as_of_in_a_zone_of_its_own_and_nanosecond_times_read_as_records() -> None:
    """``as_of`` in any zone is an instant (polars subtracted no two zones); times
    held in nanoseconds are read to the microsecond, as records hold them."""
    book = sample_book()
    native, changes = frames("polars", book)
    lisbon = day(30).astimezone(ZoneInfo("Europe/Lisbon"))
    for frame, history in ((native, changes), (native.lazy(), changes.lazy())):
        assert kpi.time_in_stage(frame, history=history, as_of=lisbon) == kpi.time_in_stage(
            book, as_of=lisbon
        )
    # nanoseconds below a microsecond are cut, as records cut them: 1,250 ns is 1 µs
    late = [attrs.evolve(d, created_at=d.created_at + dt.timedelta(microseconds=1)) for d in book]
    ns = native.with_columns(
        pl.col("created_at").cast(pl.Datetime("ns", "UTC")) + pl.duration(nanoseconds=1250),
        pl.col("closed_at").cast(pl.Datetime("ns", "UTC")) + pl.duration(nanoseconds=250),
    )
    ns_changes = changes.with_columns(
        pl.col("at").cast(pl.Datetime("ns", "UTC")) + pl.duration(nanoseconds=250)
    )
    for frame, history in ((ns, ns_changes), (ns.to_arrow(), ns_changes.to_arrow())):
        assert kpi.sales_cycle(frame) == kpi.sales_cycle(late)
        assert kpi.time_in_stage(frame, history=history) == kpi.time_in_stage(late)


def test_naive_change_times_are_refused() -> None:
    book = sample_book()
    changes = _changes_polars(history_of(book))
    changes = changes.with_columns(pl.col("at").dt.replace_time_zone(None))
    with pytest.raises(ValidationError, match="'at' must be timezone-aware datetimes"):
        kpi.funnel(_polars(columns_of(book)), history=changes)


def test_pandas_change_times_in_a_zone_narwhals_cannot_name_are_refused_with_the_fix() -> None:
    """narwhals reads ``datetime64[us, America/New_York]`` as Unknown (the "_"):
    the error names the changes' column, its dtype and the conversion."""
    book = sample_book()
    deals, changes = _pandas(columns_of(book)), _changes_pandas(history_of(book))
    changes["at"] = changes["at"].dt.tz_convert("America/New_York")
    with pytest.raises(ValidationError, match=r"dt.tz_convert\('UTC'\)") as caught:
        kpi.funnel(deals, history=changes)
    assert caught.value.field == "history.at"
    assert "America/New_York" in str(caught.value.value)
    changes["at"] = changes["at"].dt.tz_convert("UTC")  # as the error says: the same instants
    assert kpi.funnel(deals, history=changes) == kpi.funnel(book)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (lambda: _changes_pandas(history_of(sample_book())), "of the deals' engine"),
        (lambda: _changes_polars(history_of(sample_book())).lazy(), "of the deals' engine"),
        (lambda: [1, 2], "a DataFrame of stage changes"),
        (lambda: _changes_polars(history_of(sample_book())).drop("at"), "history.at"),
    ],
)
def test_a_changes_frame_of_another_kind_is_refused(changes: Any, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        kpi.funnel(_polars(columns_of(sample_book())), history=changes())


@pytest.mark.parametrize("column", ["deal_id", "from_stage", "to_stage"])
def test_a_column_of_bytes_in_the_changes_is_refused_naming_it(column: str) -> None:
    # PyArrow's and pandas' bytes were decoded as text; polars' were refused
    # as 'deal_id', with no word of the frame of changes
    book = sample_book()
    changes = _changes_polars(history_of(book)).with_columns(pl.col(column).cast(pl.Binary))
    deals = _polars(columns_of(book))
    for native, moves in (
        (deals, changes),
        (deals.to_arrow(), changes.to_arrow()),
        (deals.to_pandas(), changes.to_pandas()),
    ):
        with pytest.raises(ValidationError, match=r"a column of text \(not bytes") as caught:
            kpi.funnel(native, history=moves)
        assert caught.value.issues[0].path == f"history.{column}"


def test_a_seq_column_of_nothing_but_nulls_of_any_type_orders_nothing() -> None:
    pa = pytest.importorskip("pyarrow")
    book = sample_book()
    deals = _polars(columns_of(book)).to_arrow()
    changes = _changes_polars(history_of(book)).to_arrow()
    at = changes.schema.get_field_index("seq")
    for kind in (pa.date32(), pa.float64(), pa.string()):
        unordered = changes.set_column(at, "seq", pa.nulls(changes.num_rows, kind))
        assert kpi.funnel(deals, history=unordered) == kpi.funnel(book), kind


def test_history_applies_to_frames_only() -> None:
    with pytest.raises(ValidationError, match="'history' must be None"):
        kpi.funnel(sample_book(), history=_changes_polars(history_of(sample_book())))


def test_columns_maps_the_changes_too() -> None:
    book = sample_book()
    data = history_of(book)
    del data["seq"]
    data["opportunity"] = data.pop("deal_id")
    data["when"] = data.pop("at")
    changes = pl.DataFrame(data)
    got = kpi.funnel(
        _polars(columns_of(book)), history=changes, columns={"deal_id": "opportunity", "at": "when"}
    )
    assert got == kpi.funnel(book)


def test_the_funnel_on_a_lost_deal_without_changes_counts_its_stage() -> None:
    lost = attrs.evolve(sample_book()[1], history=())
    assert kpi.funnel(_pandas(columns_of([lost]))) == kpi.funnel([lost])


# --- other engines -------------------------------------------------------------------------------


def test_a_dask_pair_of_frames_gives_what_the_records_give() -> None:
    dd = pytest.importorskip("dask.dataframe")
    book = sample_book()
    native = dd.from_pandas(_pandas(columns_of(book)), npartitions=2)
    changes = dd.from_pandas(_changes_pandas(history_of(book)), npartitions=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # narwhals: dask moves to narwhals-dask
        calls = history_calls({"by": "owner_id", "as_of": day(30)})
        for name in ("loss_reasons",):  # Dask runs a graph per aggregate: slow here
            assert calls[name](native, history=changes) == calls[name](book), name


@pytest.mark.parametrize("dtype", ["Int64", "Int32"])
def test_a_null_seq_in_pandas_nullable_integers_orders_as_on_polars(dtype: str) -> None:
    # Dask cast a nullable seq to numpy's int64, which holds no null, and raised
    # "cannot convert NA to integer".
    book = sample_book()
    data = history_of(book)
    data["seq"] = [None if i % 2 else s for i, s in enumerate(data["seq"])]
    changes = _changes_pandas({k: v for k, v in data.items() if k != "seq"})
    changes["seq"] = pd.array(data["seq"], dtype=dtype)
    native = _pandas(columns_of(book))
    calls = history_calls({"as_of": day(30)})
    for call in calls.values():
        assert call(native, history=changes) == call(book)
    dd = pytest.importorskip("dask.dataframe")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # narwhals: dask moves to narwhals-dask
        lazy = dd.from_pandas(native, npartitions=2), dd.from_pandas(changes, npartitions=2)
        assert calls["time_in_stage"](lazy[0], history=lazy[1]) == calls["time_in_stage"](book)


@pytest.mark.parametrize("engine", ["polars-lazy", "pyarrow", "duckdb"])
def test_a_field_grouped_by_twice_is_a_key_of_two_parts_as_on_records(engine: str) -> None:
    # the engines refused a group_by naming one column twice (DuplicateError)
    book = sample_book()
    native, changes = frames(engine, book)
    for by in (("owner_id", "owner_id"), {"rep": "owner_id", "again": "owner_id"}):
        for name, call in history_calls({"by": by, "as_of": day(30)}).items():
            assert call(native, history=changes) == call(book), (name, by)


def test_changes_in_arrow_string_view_columns_are_read_as_text() -> None:
    pa = pytest.importorskip("pyarrow")
    book = sample_book()
    native, changes = frames("pyarrow", book)
    views = [pa.string_view() if pa.types.is_large_string(t) else t for t in changes.schema.types]
    changes = changes.cast(pa.schema(list(zip(changes.schema.names, views, strict=True))))
    for name, call in history_calls({"as_of": day(30)}).items():
        assert call(native, history=changes) == call(book), name


def test_integer_deal_ids_join_their_changes_as_text() -> None:
    book = [attrs.evolve(d, id=str(i)) for i, d in enumerate(sample_book(), start=1)]
    native, changes = frames("polars", book)
    native = native.with_columns(pl.col("id").cast(pl.Int64))
    changes = changes.with_columns(pl.col("deal_id").cast(pl.Int64))
    for name, call in history_calls({"as_of": day(30)}).items():
        assert call(native, history=changes) == call(book), name


# --- naive times read in tz= ---------------------------------------------------------------------

LISBON = ZoneInfo("Europe/Lisbon")


def _lisbon(n: int, hour: int = 12) -> dt.datetime:
    """Noon (or *hour*) on day *n* of March 2026 in Lisbon, whose clocks went
    forward at 01:00 on the 29th: a stay across that night is an hour short of
    what its wall clocks say."""
    return dt.datetime(2026, 3, n, hour, tzinfo=LISBON)


def lisbon_book() -> list[Deal]:
    p = DEFAULT_PIPELINE
    made = [
        Deal(id=f"D-{i}", name="x", amount=Money(100 * i, "EUR"), created_at=_lisbon(20 + i))
        for i in range(1, 4)
    ]
    one = p.move(made[0], "qualification", at=_lisbon(28))
    one = p.move(one, "research", at=_lisbon(30))
    two = p.lose(p.move(made[1], "qualification", at=_lisbon(29, 3)), "price", at=_lisbon(31))
    three = made[2]
    for stage, at in (("qualification", _lisbon(27)), ("research", _lisbon(28)),
                      ("demonstration", _lisbon(29, 9)), ("objection_handling", _lisbon(29, 18)),
                      ("closing", _lisbon(30, 9))):  # fmt: skip
        three = p.move(three, stage, at=at)
    three = p.win(three, at=_lisbon(30, 23))
    return [one, two, three]


def naive_frames(engine: str, deals: Sequence[Deal], zone: Any) -> tuple[Any, Any]:
    """The deals and their changes as two frames of *engine* whose times are the
    naive wall clocks of *zone*."""
    native, changes = frames(engine, deals)
    times = {"created_at", "closed_at", "at"}
    if engine == "pandas":
        for part in (native, changes):
            for name in times & set(part.columns):
                part[name] = part[name].dt.tz_convert(zone).dt.tz_localize(None)
        return native, changes
    return tuple(  # type: ignore[return-value]
        part.with_columns(
            pl.col(n).dt.convert_time_zone(str(zone)).dt.replace_time_zone(None)
            for n in times & set(part.columns)
        )
        for part in (native, changes)
    )


NAIVE_CALLS: dict[str, Callable[..., Any]] = {
    "funnel": lambda x, **o: kpi.funnel(x, **o),
    "funnel_by_owner": lambda x, **o: kpi.funnel(x, mode="strict", by="owner_id", **o),
    "time_in_stage": lambda x, **o: kpi.time_in_stage(x, **o),
    "time_in_stage_as_of": lambda x, **o: kpi.time_in_stage(x, as_of=_lisbon(31, 18), **o),
}


@pytest.mark.parametrize("engine", ["pandas", "polars"])
@pytest.mark.parametrize("name", list(NAIVE_CALLS))
def test_naive_change_times_read_in_tz_give_what_the_aware_records_give(
    engine: str, name: str
) -> None:
    call = NAIVE_CALLS[name]
    book = lisbon_book()
    expected = call(book)
    assert call(book, tz=LISBON) == expected  # records' times are aware already
    native, changes = naive_frames(engine, book, LISBON)
    assert call(native, history=changes, tz=LISBON) == expected
    assert call(native, history=changes, tz="Europe/Lisbon") == expected
    aware, aware_changes = frames(engine, book)
    assert call(native, history=aware_changes, tz=LISBON) == expected  # aware ones as they are
    assert call(aware, history=aware_changes, tz="recorded") == expected
    for refused in ({}, {"tz": "recorded"}):
        with pytest.raises(ValidationError, match=r"or tz= naming the zone.*naive datetimes"):
            call(native, history=changes, **refused)
    # the deals aware, the changes naive: the changes' times are refused, named
    with pytest.raises(ValidationError, match=r"'at' must be timezone-aware datetimes, or tz="):
        call(aware, history=changes)


def test_naive_change_times_are_read_in_the_zone_tz_names() -> None:
    book = lisbon_book()
    native, changes = naive_frames("polars", book, LISBON)
    stays = kpi.time_in_stage(native, history=changes, by="id", tz=LISBON)
    # D-1 in qualification from noon on the 28th to noon on the 30th: 47 hours
    assert stays[("D-1", "qualification")].max == dt.timedelta(hours=47)
    assert kpi.time_in_stage(native, history=changes, by="id", tz=UTC) != stays
    deals, moves = naive_frames("polars", book, UTC)
    assert kpi.time_in_stage(deals, history=moves, by="id", tz=UTC) == stays


def test_a_naive_change_time_its_zone_skips_is_refused_clearly() -> None:
    book = lisbon_book()
    native, changes = naive_frames("polars", book, LISBON)
    gap = dt.datetime(2026, 3, 29, 1, 30)  # Lisbon's clocks went from 01:00 to 02:00
    changes = changes.with_columns(
        pl.when(pl.col("deal_id") == "D-2").then(pl.lit(gap)).otherwise(pl.col("at")).alias("at")
    )
    with pytest.raises(ValidationError, match=r"history\.at") as caught:
        kpi.time_in_stage(native, history=changes, tz=LISBON)
    said = str(caught.value)
    assert "row 2 (deal_id 'D-2') of the history" in said, said
    assert "2026-03-29 01:30:00 falls in the hour its clocks skip" in said, said


def test_naive_change_times_on_duckdb_are_refused_with_tz() -> None:
    book = lisbon_book()
    native, changes = naive_frames("polars", book, UTC)
    deals, moves = duckdb.from_arrow(native.to_arrow()), duckdb.from_arrow(changes.to_arrow())
    for call in NAIVE_CALLS.values():
        with pytest.raises(ValidationError, match="aware datetimes on a DuckDB relation"):
            call(deals, history=moves, tz=UTC)


def test_polars_change_times_from_2100_read_in_a_zone_with_daylight_saving_are_refused() -> None:
    """polars applies no daylight saving time from 2100 on: a naive change time
    then, read in Paris, would be an hour off, though the deals' own times are
    earlier (the deals' check alone let it through)."""
    paris = ZoneInfo("Europe/Paris")
    book = sample_book()
    deals = _polars(columns_of(book)).with_columns(
        pl.col("created_at", "closed_at")
        .dt.convert_time_zone("Europe/Paris")
        .dt.replace_time_zone(None)
    )
    late = pl.col("at").dt.replace_time_zone(None).dt.offset_by("75y")
    changes = _changes_polars(history_of(book)).with_columns(late)
    with pytest.raises(ValidationError, match="no daylight saving time from 2100"):
        kpi.funnel(deals, history=changes, tz=paris)
