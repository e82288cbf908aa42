"""Serialisation: lossless round trips, and strict, complete errors on bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import (
    Activity,
    ActivityKind,
    Attributes,
    Bant,
    Customer,
    Deal,
    Guard,
    Lead,
    LeadSource,
    Money,
    Prospect,
    RateTable,
    Rep,
    Stage,
    StageChange,
    Status,
    Target,
    ValidationError,
    configure_converter,
    converter,
    from_dict,
    make_converter,
    serialization,
    to_dict,
)
from salesmodel import strategies as sst
from salesmodel.attributes import _KEY_EXPECTED as KEY_EXPECTED
from salesmodel.errors import MISSING
from salesmodel.money import CURRENCY_EXPECTED, PLAIN_NUMBER_EXPECTED
from salesmodel.pipeline import GUARD_MESSAGE_EXPECTED, GUARD_NAME_EXPECTED
from salesmodel.serialization import format_datetime, format_duration, structure_duration

ROUND_TRIPS: dict[type, st.SearchStrategy[Any]] = {
    Money: sst.moneys(),
    RateTable: sst.rate_tables(),
    Attributes: sst.attributes(),
    StageChange: sst.stage_changes(),
    Bant: sst.bants(),
    Rep: sst.reps(),
    Lead: sst.leads(),
    Prospect: sst.prospects(),
    Deal: sst.deals(),
    Customer: sst.customers(),
    Activity: sst.activities(),
    Target: sst.targets(),
    Stage: sst.stages(),
    Guard: sst.guards(),
}
RECORDS = [cls for cls in ROUND_TRIPS if attrs.has(cls)]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("cls", list(ROUND_TRIPS))
def test_round_trip_through_json_is_lossless(cls):
    @given(ROUND_TRIPS[cls])
    def check(value):
        data = through_json(to_dict(value))
        back = from_dict(data, cls)
        assert back == value
        assert to_dict(back) == data

    check()


def test_primitives_are_json_compatible_and_documented():
    deal = Deal(
        id="D-1",
        name="Acme",
        amount=Money("1200.50", "EUR"),
        created_at=datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=-3))),
        status=Status.LOST,
        closed_at=datetime(2026, 2, 1, tzinfo=UTC),
        loss_reason="price",
    )
    data = to_dict(deal)
    assert data["amount"] == {"amount": "1200.50", "currency": "EUR"}
    assert data["created_at"] == "2026-01-05T09:30:00-03:00"
    assert data["status"] == "lost"
    assert data["loss_reason"] == "price"
    assert type(data["loss_reason"]) is str
    assert data["attributes"] == {}
    assert data["history"] == []
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=14), "P14D"),
        (timedelta(hours=36), "P1DT12H"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(seconds=1, microseconds=500), "PT1.0005S"),
        (timedelta(0), "PT0S"),
    ],
)
def test_durations_are_iso_8601(duration, text):
    assert format_duration(duration) == text
    assert structure_duration(text) == duration


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10**6)))
def test_duration_round_trip(duration):
    assert structure_duration(format_duration(duration)) == duration


_ZONES = st.one_of(
    st.none(),
    st.just(UTC),
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ).map(timezone),
    st.timezones(),
)


class _Stamp(datetime):
    """A datetime subclass (pandas' Timestamp is one) keeps its own isoformat."""

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "stamp"


@given(st.datetimes(timezones=_ZONES))
def test_datetimes_are_written_exactly_as_isoformat_writes_them(moment):
    assert format_datetime(moment) == moment.isoformat()
    assert converter.unstructure(moment) == moment.isoformat()


def test_the_texts_kept_for_days_and_zones_stay_bounded():
    from salesmodel import serialization

    start = datetime(1900, 1, 1, 9, 30, tzinfo=UTC)
    for day in range(70_000):  # more days than are kept
        moment = start + timedelta(days=day)
        assert format_datetime(moment) == moment.isoformat()
    for minutes in range(-1439, 1440):  # more zones than are kept
        moment = datetime(2026, 1, 5, tzinfo=timezone(timedelta(minutes=minutes)))
        assert format_datetime(moment) == moment.isoformat()
    assert len(serialization._DAYS) <= 65_537
    assert len(serialization._OFFSETS) <= 1_025


def test_a_datetime_subclass_is_written_by_its_own_isoformat():
    assert format_datetime(_Stamp(2026, 1, 5, tzinfo=UTC)) == "stamp"


@pytest.mark.parametrize("bad", ["P", "PT", "P1Y", "P1M", "1D", "P1DT", "-P1D", 14, None])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValidationError):
        structure_duration(bad)


def valid_deal_data() -> dict[str, Any]:
    return {
        "id": "D-1",
        "name": "Acme",
        "amount": {"amount": "10.00", "currency": "EUR"},
        "created_at": "2026-01-05T09:30:00+00:00",
    }


def test_missing_optional_fields_take_their_defaults():
    deal = from_dict(valid_deal_data(), Deal)
    assert deal.stage == "prospecting"
    assert deal.status is Status.OPEN


def test_three_bad_fields_are_all_named():
    data = valid_deal_data() | {
        "id": "",
        "created_at": "2026-01-05T09:30:00",
        "amount": {"amount": "NaN", "currency": "EUR"},
    }
    with pytest.raises(ValidationError) as info:
        from_dict(data, Deal)
    assert set(info.value.errors) == {"id", "created_at", "amount.amount"}


def test_structure_errors_and_invariant_errors_are_reported_together():
    data = valid_deal_data() | {
        "status": "won",
        "stage": 7,
        "colour": "red",
        "amount": {"amount": "1", "currency": "EUR", "fx": 1},
    }
    with pytest.raises(ValidationError) as info:
        from_dict(data, Deal)
    errors = info.value.errors
    assert set(errors) == {"amount.fx", "stage", "closed_at", "colour"}
    assert "one of the Deal fields" in errors["colour"]


def test_an_unknown_key_inside_a_nested_value_is_refused_even_when_all_else_is_valid():
    data = valid_deal_data() | {"amount": {"amount": "1", "currency": "EUR", "fx": 1}}
    with pytest.raises(ValidationError) as info:
        from_dict(data, Deal)
    assert list(info.value.errors) == ["amount.fx"]


def test_missing_required_fields_are_named():
    with pytest.raises(ValidationError) as info:
        from_dict({"id": "D-1"}, Deal)
    assert set(info.value.errors) == {"name", "amount", "created_at"}
    assert info.value.errors["name"] == "must be given (it is required) (got nothing)"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 123),
        ("id", 1.5),
        ("status", "WON"),
        ("status", None),
        ("created_at", 1767605400),
        ("created_at", "yesterday"),
        ("expected_close", "2026-01-05T00:00:00"),
        ("attributes", [1, 2]),
        ("attributes", {"k": {"nested": 1}}),
        ("history", {"0": {}}),
        ("history", [{"from_stage": "a"}]),
        ("amount", "10 EUR"),
        ("amount", {"amount": True, "currency": "EUR"}),
        ("source", ["web"]),
        ("pipeline_id", None),
    ],
)
def test_wrong_types_are_validation_errors_at_their_path(field, value):
    with pytest.raises(ValidationError) as info:
        from_dict(valid_deal_data() | {field: value}, Deal)
    assert all(path.startswith(field) for path in info.value.errors)


def test_str_fields_are_not_coerced():
    with pytest.raises(ValidationError):
        from_dict({"id": 1, "name": True, "active": "false"}, Rep)


def test_a_bool_field_is_not_coerced_from_a_string():
    with pytest.raises(ValidationError) as info:
        from_dict({"id": "r", "name": "Ana", "active": "false"}, Rep)
    assert list(info.value.errors) == ["active"]


def test_a_non_mapping_is_refused_at_the_root():
    for data in (None, [], "deal", 3):
        with pytest.raises(ValidationError) as info:
            from_dict(data, Deal)
        assert info.value.field == "$"


def test_nested_errors_carry_their_full_path():
    data = valid_deal_data() | {
        "stage": "b",
        "history": [
            {"from_stage": "a", "to_stage": "b", "at": "2026-01-06T00:00:00+00:00"},
            {"from_stage": "a", "to_stage": "b", "at": "not a date"},
        ],
    }
    with pytest.raises(ValidationError) as info:
        from_dict(data, Deal)
    assert list(info.value.errors) == ["history[1].at"]


def test_containers_of_entities_report_the_index():
    good = valid_deal_data()
    with pytest.raises(ValidationError) as info:
        from_dict([good, good | {"id": ""}], list[Deal])
    assert list(info.value.errors) == ["[1].id"]


def test_make_converter_gives_independent_converters_and_leaves_cattrs_global_alone():
    first, second = make_converter(), make_converter()
    assert first is not second
    assert first is not converter
    assert cattrs.global_converter.unstructure(Money(1, "EUR")) is not None
    with pytest.raises(Exception):  # noqa: PT011 - cattrs' own global knows nothing of Money
        cattrs.global_converter.structure({"amount": "1", "currency": "EUR"}, Money)


def test_configure_converter_teaches_an_application_converter():
    @attrs.frozen
    class Invoice:
        number: str
        total: Money
        deal: Deal

    app = cattrs.Converter()
    configure_converter(app)
    invoice = Invoice("F-1", Money("10.00", "EUR"), from_dict(valid_deal_data(), Deal))
    data = app.unstructure(invoice)
    assert data["total"] == {"amount": "10.00", "currency": "EUR"}
    assert app.structure(data, Invoice) == invoice


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("cls", [*RECORDS, Money, RateTable, Attributes])
def test_arbitrary_json_raises_only_validation_error(cls):
    @given(JSON)
    def check(data):
        try:
            from_dict(data, cls)
        except ValidationError:
            pass

    check()


@pytest.mark.parametrize("cls", RECORDS)
def test_valid_payloads_with_one_field_replaced_raise_only_validation_error(cls):
    @given(ROUND_TRIPS[cls], st.data())
    def check(value, data):
        payload = to_dict(value)
        key = data.draw(st.sampled_from([*payload, "unknown"]))
        payload[key] = data.draw(JSON)
        try:
            from_dict(payload, cls)
        except ValidationError as error:
            assert error.issues

    check()


# --- exact issues of bad payloads, each pinned by a mutant that survived ------------
# Each runs with the converter made at import and with one made now: the hooks of the
# first were built before any mutant was switched on.


@pytest.fixture(params=["imported", "made now"])
def either_converter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.param == "made now":
        monkeypatch.setattr(serialization, "converter", make_converter())


def issues_of(data: Any, cls: Any) -> tuple[str | None, list[tuple[str, Any, str]]]:
    with pytest.raises(ValidationError) as info:
        from_dict(data, cls)
    return info.value.subject, [(i.path, i.value, i.expected) for i in info.value.issues]


PAIR = "a currency pair such as 'EUR/USD'"


@pytest.mark.usefixtures("either_converter")
def test_rate_tables_load_from_pairs_and_name_every_bad_pair_and_rate():
    assert from_dict({"EUR/USD": "1.08"}, RateTable) == RateTable({("EUR", "USD"): "1.08"})
    rates = RateTable({("EUR", "USD"): "1.08"})
    assert from_dict(rates, RateTable) is rates
    assert issues_of(5, RateTable) == (None, [("$", 5, "a mapping such as {'EUR/USD': '1.08'}")])
    bad = {"EURUSD": "1", 7: "1", "EUR/USD": True, "EUR/GBP": "0.86"}
    assert issues_of(bad, RateTable) == (
        "RateTable",
        [("'EURUSD'", "EURUSD", PAIR), ("7", 7, PAIR), ("EUR/USD", True, "a positive finite rate")],
    )
    assert issues_of({"EUR/USD/GBP": "1"}, RateTable)[1][0][0] == "[('EUR', 'USD/GBP')]"


@pytest.mark.usefixtures("either_converter")
def test_an_amount_as_text_is_read_only_when_written_plainly():
    # what to_dict writes (str of a Decimal) and no more: no spaces, no "+", no
    # digits of other scripts (full-width, Arabic-Indic), which Money itself reads
    for text, amount in [("12.50", "12.50"), ("-3", "-3"), ("1E+3", "1E+3"), ("1e-2", "0.01")]:
        assert from_dict({"amount": text, "currency": "EUR"}, Money) == Money(amount, "EUR")
    payload = to_dict(Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=T0))
    expected = f"a finite decimal amount such as '12.50', {PLAIN_NUMBER_EXPECTED}"
    refused = ["\uff15", "\u0665", " 5", "5 ", "+5", ".5", "5.", "5e", "1_000"]
    # no finite number after a "-" (Decimal reads a NaN with a payload), a point
    # with no digit after it
    refused += ["-NaN1", "-sNaN1", "-nan5", "-.5", "1.e5", "5.E1"]
    for text in refused:
        assert issues_of({"amount": text, "currency": "EUR"}, Money) == (
            "Money",
            [("amount", text, expected)],
        )
        assert issues_of(payload | {"amount": {"amount": text, "currency": "EUR"}}, Deal) == (
            "Deal",
            [("amount.amount", text, expected)],
        )
    # Money reads what cells of imported files hold, as documented (howto/notebook)
    assert Money(" +5 ", "EUR") == Money("\uff15", "EUR") == Money(5, "EUR")
    number = f"a finite decimal number such as '12.50', {PLAIN_NUMBER_EXPECTED}"
    assert issues_of(" 0.5", Decimal) == (None, [("$", " 0.5", number)])
    rate = f"a positive finite rate such as '1.08', {PLAIN_NUMBER_EXPECTED}"
    assert issues_of({"EUR/USD": "+1.08"}, RateTable) == (
        "RateTable",
        [("EUR/USD", "+1.08", rate)],
    )


@pytest.mark.usefixtures("either_converter")
def test_a_date_field_takes_iso_text_or_a_date_but_not_a_datetime():
    payload = to_dict(Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=T0))
    expected = "an ISO 8601 date, e.g. '2026-01-05'"
    assert from_dict(payload | {"expected_close": "2026-02-03"}, Deal).expected_close == date(
        2026, 2, 3
    )
    given = date(2026, 2, 3)
    assert from_dict(payload | {"expected_close": given}, Deal).expected_close == given
    for bad in ("2026-13-01", T0, 5):
        assert issues_of(payload | {"expected_close": bad}, Deal) == (
            "Deal",
            [("expected_close", bad, expected)],
        )


@pytest.mark.usefixtures("either_converter")
def test_missing_fields_and_bad_items_in_a_list_are_named_by_index():
    assert issues_of([{"id": "R", "name": "A"}, {"id": "R2"}], list[Rep]) == (
        "list",
        [("[1].name", MISSING, "given (it is required)")],
    )
    subject, issues = issues_of(["1", "x"], list[int])
    assert subject == "list"
    assert issues == [("[1]", "invalid literal for int() with base 10: 'x'", "valid input")]


@pytest.mark.usefixtures("either_converter")
def test_a_closed_enum_field_lists_its_values_and_takes_its_members():
    payload = {"id": "A", "kind": "call", "at": T0.isoformat()}
    assert from_dict(payload | {"kind": ActivityKind.DEMO}, Activity).kind is ActivityKind.DEMO
    allowed = ", ".join(repr(k.value) for k in ActivityKind)
    for bad in ("bogus", 5, ["call"]):
        assert issues_of(payload | {"kind": bad}, Activity) == (
            "Activity",
            [("kind", bad, f"one of {allowed}")],
        )


@pytest.mark.usefixtures("either_converter")
def test_an_open_enum_field_takes_members_and_other_text_but_nothing_else():
    payload = {"id": "L", "name": "Ana", "created_at": T0.isoformat(), "source": "website"}
    assert from_dict(payload, Lead).source is LeadSource.WEBSITE
    assert from_dict(payload | {"source": LeadSource.EMAIL}, Lead).source is LeadSource.EMAIL
    assert from_dict(payload | {"source": "fair"}, Lead).source == "fair"
    assert issues_of(payload | {"source": 5}, Lead) == (
        "Lead",
        [("source", 5, "a LeadSource value or another non-blank str")],
    )


@pytest.mark.usefixtures("either_converter")
def test_an_optional_open_enum_field_takes_null():
    deal = Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=T0)
    assert from_dict(to_dict(deal) | {"loss_reason": None}, Deal) == deal


@pytest.mark.usefixtures("either_converter")
def test_a_union_field_takes_each_of_its_shapes_and_names_them_when_refused():
    assert from_dict({"budget": True}, Bant).budget is True
    assert from_dict({"budget": {"amount": "1", "currency": "EUR"}}, Bant).budget == Money(1, "EUR")
    assert from_dict({"budget": Money(2, "EUR")}, Bant).budget == Money(2, "EUR")
    assert issues_of({"budget": "x"}, Bant) == (
        "Bant",
        [("budget", "x", "bool or Money or NoneType")],
    )


@pytest.mark.usefixtures("either_converter")
def test_history_given_as_a_tuple_of_mappings_is_loaded_item_by_item():
    change = StageChange(from_stage="prospecting", to_stage="qualification", at=T0)
    deal = Deal(
        id="D",
        name="Acme",
        amount=Money(1, "EUR"),
        created_at=T0,
        stage="qualification",
        history=(change,),
    )
    payload = to_dict(deal) | {"history": (to_dict(change),)}
    assert from_dict(payload, Deal) == deal


@pytest.mark.usefixtures("either_converter")
def test_a_guard_payload_names_every_bad_key_and_is_about_a_guard():
    assert issues_of({"name": "", "predicate": "x", 7: 1}, Guard) == (
        "Guard",
        [
            ("name", "", GUARD_NAME_EXPECTED),
            (
                "predicate",
                "x",
                "absent: a Python predicate cannot be loaded from data (add the guard in code)",
            ),
            ("7", 1, "one of the Guard fields (name, into, fields, message)"),
        ],
    )


@pytest.mark.usefixtures("either_converter")
def test_a_pipeline_with_python_predicates_cannot_be_stored_and_names_each_guard():
    from salesmodel import Guard, Pipeline, Stage

    def big(deal: Any) -> bool:
        return True

    pipeline = Pipeline(
        "p",
        [Stage("a", "A", "0.5"), Stage("won", "Won", 1, "won"), Stage("lost", "Lost", 0, "lost")],
        guards=[Guard(name="fine", fields=["owner_id"]), Guard(name="big", predicate=big)],
    )
    with pytest.raises(ValidationError) as info:
        to_dict(pipeline)
    assert info.value.subject == "Pipeline"
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        (
            "guards[1].predicate",
            big,
            "None to serialise guard 'big': a Python predicate has no JSON form "
            "(express the condition with fields=, or add the guard in code after loading)",
        )
    ]


@pytest.mark.usefixtures("either_converter")
def test_a_fresh_converter_refuses_unknown_keys_too():
    with pytest.raises(ValidationError):
        make_converter().structure({"id": "R", "name": "A", "extra": 1}, Rep)


DATETIME = "an ISO 8601 datetime with a UTC offset, e.g. '2026-01-05T09:30:00+01:00'"
MONEY_OBJECT = "a Money object such as {'amount': '12.50', 'currency': 'EUR'}"


@pytest.mark.usefixtures("either_converter")
def test_money_loads_from_any_mapping_of_its_two_fields_and_names_every_problem():
    from types import MappingProxyType

    assert from_dict(MappingProxyType({"amount": "1", "currency": "EUR"}), Money) == Money(1, "EUR")
    money = Money(1, "EUR")
    assert from_dict(money, Money) is money
    assert issues_of(["1", "EUR"], Money) == (None, [("$", ["1", "EUR"], MONEY_OBJECT)])
    amount = f"a finite decimal amount such as '12.50', {PLAIN_NUMBER_EXPECTED}"
    currency = CURRENCY_EXPECTED
    assert issues_of({"amount": "x", "currency": "eur", "rate": 1}, Money) == (
        "Money",
        [
            ("rate", 1, "one of the Money fields: 'amount', 'currency'"),
            ("amount", "x", amount),
            ("currency", "eur", currency),
        ],
    )
    assert issues_of({}, Money) == (
        "Money",
        [("amount", MISSING, amount), ("currency", MISSING, currency)],
    )
    assert issues_of({"amount": True, "currency": "EUR"}, Money) == (
        "Money",
        [("amount", True, amount)],
    )


@pytest.mark.usefixtures("either_converter")
def test_a_datetime_field_takes_aware_iso_text_or_an_aware_datetime():
    payload = {"id": "C", "name": "Acme", "acquired_at": T0.isoformat()}
    assert from_dict(payload | {"acquired_at": T0}, Customer).acquired_at == T0
    for bad in ("2026-13-01T00:00:00+00:00", "2026-01-05T09:30:00", datetime(2026, 1, 5), 5):
        assert issues_of(payload | {"acquired_at": bad}, Customer) == (
            "Customer",
            [("acquired_at", bad, DATETIME)],
        )


@pytest.mark.usefixtures("either_converter")
def test_a_guard_with_a_predicate_cannot_be_stored_on_its_own():
    def check(entity: Any) -> bool:
        return True

    with pytest.raises(ValidationError) as info:
        to_dict(Guard(name="g", predicate=check))
    assert info.value.subject == "Guard"
    assert [(i.path, i.value) for i in info.value.issues] == [("predicate", check)]
    assert info.value.issues[0].expected.startswith("None to serialise guard 'g': ")


STAGE = {"id": "s", "name": "S", "probability": "0.5"}
DURATION = "an ISO 8601 duration in weeks, days and time, e.g. 'P14D' or 'PT36H'"


@pytest.mark.usefixtures("either_converter")
def test_a_duration_field_takes_iso_text_or_a_timedelta_and_names_what_it_refuses():
    from salesmodel import Stage

    rot = timedelta(hours=36)
    assert from_dict(STAGE | {"rot_after": rot}, Stage).rot_after == rot
    assert from_dict(STAGE | {"rot_after": "PT1.5S"}, Stage).rot_after == timedelta(seconds=1.5)
    for bad in ("P1Y", "PT", 5):
        assert issues_of(STAGE | {"rot_after": bad}, Stage) == (
            "Stage",
            [("rot_after", bad, DURATION)],
        )
    assert issues_of(STAGE | {"rot_after": "P999999W999999999D"}, Stage) == (
        "Stage",
        [("rot_after", "P999999W999999999D", "a duration shorter than 999,999,999 days")],
    )


@pytest.mark.usefixtures("either_converter")
@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(seconds=5), "PT5S"),
        (timedelta(microseconds=500_000), "PT0.5S"),
        (timedelta(hours=1, seconds=5), "PT1H5S"),
        (timedelta(days=2, minutes=3), "P2DT3M"),
    ],
)
def test_durations_are_written_with_only_the_parts_they_have(duration, text):
    assert format_duration(duration) == text


@pytest.mark.usefixtures("either_converter")
def test_a_negative_duration_cannot_be_written():
    with pytest.raises(ValueError, match=r"^negative duration datetime\.timedelta\(days=-1, "):
        format_duration(timedelta(seconds=-1))


@pytest.mark.usefixtures("either_converter")
def test_plain_values_refused_by_cattrs_or_by_salesmodel_are_validation_errors_at_the_root():
    assert issues_of("x", int) == (
        None,
        [("$", "x", "data for int (invalid literal for int() with base 10: 'x')")],
    )
    assert issues_of(True, Decimal) == (
        None,
        [("$", True, f"a finite decimal number such as '12.50', {PLAIN_NUMBER_EXPECTED}")],
    )
    assert from_dict("1.50", Decimal) == Decimal("1.50")


@pytest.mark.usefixtures("either_converter")
def test_attributes_load_from_a_mapping_and_name_every_bad_key():
    from salesmodel.attributes import EMPTY_ATTRIBUTES

    assert from_dict({}, Attributes) is EMPTY_ATTRIBUTES
    attributes = Attributes({"a": 1})
    assert from_dict(attributes, Attributes) is attributes
    assert issues_of({"": 1}, Attributes) == ("Attributes", [("['']", "", KEY_EXPECTED)])
    assert issues_of(5, Attributes) == (
        "Attributes",
        [("$", 5, "a mapping of str to str/int/float/bool/None")],
    )


@pytest.mark.usefixtures("either_converter")
def test_a_guard_payload_names_a_missing_name_and_every_bad_list_item():
    assert issues_of({"into": "a", "fields": [1, " "], "message": 5}, Guard) == (
        "Guard",
        [
            ("name", MISSING, "given (it is required)"),
            ("into", "a", "a list of stage ids"),
            ("fields[0]", 1, "a non-empty str (field name)"),
            ("fields[1]", " ", "a non-empty str (field name)"),
            ("message", 5, GUARD_MESSAGE_EXPECTED),
        ],
    )
    assert issues_of(5, Guard) == (
        "Guard",
        [("$", 5, "a mapping of Guard fields (name, into, fields, message)")],
    )
    guard = Guard(name="g")
    assert from_dict(guard, Guard) is guard
    loaded = from_dict({"name": "g", "into": ("a",), "fields": ("owner_id",)}, Guard)
    assert (loaded.into, loaded.fields) == (("a",), ("owner_id",))


@pytest.mark.usefixtures("either_converter")
def test_a_pipeline_payload_names_every_bad_stage_map_key_and_list():
    from salesmodel import Pipeline

    payload = {
        "id": "p",
        "stages": [
            STAGE,
            {"id": "won", "name": "Won", "probability": "1", "status": "won"},
            {"id": "lost", "name": "Lost", "probability": "0", "status": "lost"},
        ],
    }
    stage_id = "a non-empty str (a stage id)"
    assert issues_of(payload | {"transitions": {"": ["s"], 7: ["s"], "s": "won"}}, Pipeline) == (
        "Pipeline",
        [
            ("transitions['']", "", stage_id),
            ("transitions[7]", 7, stage_id),
            ("transitions['s']", "won", "a list of stage ids"),
        ],
    )
    assert issues_of(payload | {"reopen_to": 5}, Pipeline) == (
        "Pipeline",
        [("reopen_to", 5, "a mapping of stage id to a list of stage ids")],
    )


@pytest.mark.usefixtures("either_converter")
def test_an_enum_and_an_open_enum_load_on_their_own():
    allowed = ", ".join(repr(k.value) for k in ActivityKind)
    assert from_dict("demo", ActivityKind) is ActivityKind.DEMO
    for bad in ("bogus", ["call"], 5):
        assert issues_of(bad, ActivityKind) == (None, [("$", bad, f"one of {allowed}")])
    assert from_dict("website", LeadSource | str) is LeadSource.WEBSITE
    assert from_dict(LeadSource.EMAIL, LeadSource | str) is LeadSource.EMAIL
    assert from_dict("fair", LeadSource | str) == "fair"
    assert issues_of(5, LeadSource | str) == (
        None,
        [("$", 5, "a LeadSource value or another non-blank str")],
    )


@pytest.mark.usefixtures("either_converter")
def test_an_unknown_key_that_is_not_text_is_named_by_its_repr():
    known = "id, name, team, manager_id, region, active"
    assert issues_of({"id": "R", "name": "A", 7: 1}, Rep) == (
        "Rep",
        [("7", 1, f"one of the Rep fields ({known})")],
    )


@pytest.mark.usefixtures("either_converter")
def test_issues_are_listed_in_field_order_whatever_found_them():
    payload = to_dict(Deal(id="D", name="Acme", amount=Money(1, "EUR"), created_at=T0))
    payload |= {"amount": {"amount": "x", "currency": "EUR"}, "status": "won", "zzz": 1}
    _, issues = issues_of(payload, Deal)
    assert [path for path, _, _ in issues] == ["amount.amount", "closed_at", "zzz"]


@pytest.mark.usefixtures("either_converter")
def test_a_pipeline_loads_from_itself_or_from_tuples_of_stages_and_guards():
    from salesmodel import DEFAULT_PIPELINE, Pipeline

    assert from_dict(DEFAULT_PIPELINE, Pipeline) is DEFAULT_PIPELINE
    data = to_dict(DEFAULT_PIPELINE)
    data |= {"stages": tuple(data["stages"]), "guards": ({"name": "g", "fields": ["owner_id"]},)}
    loaded = from_dict(data, Pipeline)
    assert loaded.stages == DEFAULT_PIPELINE.stages
    assert [g.name for g in loaded.guards] == ["g"]


def test_an_offset_with_a_fraction_of_a_second_survives_a_round_trip() -> None:
    """``fromisoformat`` drops the microseconds of a UTC offset (``+00:00:00.000001``,
    as ``isoformat`` writes it): the instant would move."""

    from salesmodel.bulk import from_records

    for offset in (timedelta(microseconds=1), -timedelta(hours=3, microseconds=250)):
        deal = Deal(
            id="D",
            name="x",
            amount=None,
            created_at=datetime(2026, 1, 1, tzinfo=timezone(offset)),
        )
        data = to_dict(deal)
        assert from_dict(data, Deal) == deal
        assert from_dict(data, Deal).created_at.utcoffset() == offset
        assert from_records(Deal, [data])[0] == deal


@pytest.mark.parametrize("digits", range(1, 8))
@pytest.mark.parametrize("sign", ["+", "-"])
@pytest.mark.parametrize("whole", ["00:00:00", "01:30:00", "00:00:01"])
def test_an_offset_fraction_of_any_length_is_read_exactly_or_refused(
    digits: int, sign: str, whole: str
) -> None:
    """CPython's ``fromisoformat`` reads ``-00:00:00.5`` as ``+00:00``: the
    fraction is read exactly (1 to 6 digits), a finer one is refused."""
    from salesmodel.bulk import from_records

    fraction = "1234567"[:digits]
    text = f"2026-01-01T00:00:00{sign}{whole}.{fraction}"
    data = {"id": "D", "name": "x", "amount": None, "created_at": text}
    if digits > 6:
        reads = {"created_at": lambda: from_dict(data, Deal)}
        reads["rows[0].created_at"] = lambda: from_records(Deal, [data])
        for field, read in reads.items():
            with pytest.raises(ValidationError) as caught:
                read()
            assert (caught.value.field, caught.value.value) == (field, text)
        return
    hours, minutes, seconds = map(int, whole.split(":"))
    offset = timedelta(
        hours=hours, minutes=minutes, seconds=seconds, microseconds=int(fraction.ljust(6, "0"))
    )
    expected = datetime(2026, 1, 1, tzinfo=timezone(-offset if sign == "-" else offset))
    for deal in (from_dict(data, Deal), from_records(Deal, [data])[0]):
        assert deal.created_at == expected
        assert deal.created_at.utcoffset() == expected.utcoffset()


def test_a_type_named_by_a_string_is_refused_naming_cls():
    with pytest.raises(ValidationError) as caught:
        from_dict({"id": "a"}, "Deal")  # type: ignore[call-overload]
    assert (caught.value.field, caught.value.value) == ("cls", "Deal")
    assert "structure hook" not in str(caught.value)  # cattrs' advice is for its users
