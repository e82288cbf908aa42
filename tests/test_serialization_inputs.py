"""What from_dict (salesmodel.serialization) takes besides JSON primitives: values
already built, mappings other than dict, containers of entities and classes of
the caller's own; and the duration format at its limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from cattrs.errors import BaseValidationError

from salesmodel import (
    DEFAULT_PIPELINE,
    Deal,
    Guard,
    LeadSource,
    Money,
    Pipeline,
    Prospect,
    RateTable,
    Stage,
    ValidationError,
    converter,
    from_dict,
    to_dict,
)
from salesmodel.attributes import Attributes
from salesmodel.errors import MISSING, Issue
from salesmodel.pipeline import GUARD_NAME_EXPECTED
from salesmodel.serialization import (
    _cattrs_issues,
    _field_unstructurer,
    _open_enum_of,
    format_duration,
    structure_duration,
)

WHEN = datetime(2026, 1, 5, 9, tzinfo=UTC)
DEAL = {
    "id": "d",
    "name": "d",
    "amount": {"amount": "10", "currency": "EUR"},
    "created_at": "2026-01-05T09:00:00+00:00",
}


def test_values_already_built_pass_through() -> None:
    assert from_dict(WHEN, datetime) is WHEN
    assert from_dict(date(2026, 1, 5), date) == date(2026, 1, 5)
    assert from_dict(timedelta(days=3), timedelta) == timedelta(days=3)
    money = Money(3, "EUR")
    assert from_dict(money, Money) is money
    attributes = Attributes({"tier": "gold"})
    assert from_dict(attributes, Attributes) is attributes
    rates = RateTable({("USD", "EUR"): Decimal("0.9")})
    assert from_dict(rates, RateTable) is rates
    assert from_dict(DEFAULT_PIPELINE, Pipeline) is DEFAULT_PIPELINE
    deal = from_dict({**DEAL, "created_at": WHEN, "expected_close": date(2026, 3, 1)}, Deal)
    assert (deal.created_at, deal.expected_close) == (WHEN, date(2026, 3, 1))


def test_mappings_other_than_dict_are_read_like_dicts() -> None:
    assert from_dict(MappingProxyType({"amount": "2", "currency": "USD"}), Money) == Money(2, "USD")
    deal = from_dict(MappingProxyType(DEAL), Deal)
    assert deal == from_dict(DEAL, Deal)
    with pytest.raises(ValidationError) as caught:
        from_dict(MappingProxyType({**DEAL, "amount": 3}), Deal)
    assert caught.value.field == "amount"


def test_tuples_of_text_come_from_lists() -> None:
    data = {
        "id": "p",
        "name": "p",
        "owner_id": "ana",
        "qualified_at": "2026-01-05T09:00:00+00:00",
        "needs": ["budget", "speed"],
    }
    assert from_dict(data, Prospect).needs == ("budget", "speed")


def test_a_rate_must_be_no_bool() -> None:
    with pytest.raises(ValidationError) as caught:
        from_dict({"EUR/USD": True}, RateTable)
    assert (caught.value.field, caught.value.value) == ("EUR/USD", True)
    assert "a positive finite rate" in str(caught.value)


# --- durations -----------------------------------------------------------------------------


def test_durations_format_to_iso_8601_and_refuse_negatives() -> None:
    assert format_duration(timedelta(0)) == "PT0S"
    assert format_duration(timedelta(days=1, hours=2, minutes=30)) == "P1DT2H30M"
    assert format_duration(timedelta(seconds=1, microseconds=500)) == "PT1.0005S"
    with pytest.raises(ValueError, match=r"negative duration datetime.timedelta\(days=-1\)"):
        format_duration(timedelta(days=-1))


def test_a_duration_too_long_for_a_timedelta_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        structure_duration("P999999W999999999D")
    assert caught.value.value == "P999999W999999999D"
    assert "a duration shorter than 999,999,999 days" in str(caught.value)
    assert structure_duration("PT1.5S") == timedelta(seconds=1.5)


# --- pipelines and guards ------------------------------------------------------------------

STAGES = [to_dict(s) for s in DEFAULT_PIPELINE.stages]


def test_a_pipeline_may_hold_guards_already_built() -> None:
    guard = Guard(name="needs-owner", fields=("owner_id",))
    pipeline = from_dict({"id": "p", "stages": STAGES, "guards": [guard]}, Pipeline)
    assert pipeline.guards == (guard,)


def test_bad_guards_and_stages_are_named_with_their_place() -> None:
    with pytest.raises(ValidationError) as caught:
        from_dict({"into": ["won"], "colour": "red"}, Guard)
    assert caught.value.errors == {
        "name": "must be given (it is required) (got nothing)",
        "colour": "must be one of the Guard fields (name, into, fields, message) (got 'red')",
    }
    with pytest.raises(ValidationError) as caught:
        from_dict({"id": "p", "stages": "prospecting"}, Pipeline)
    assert caught.value.errors == {"stages": "must be a list of stages (got 'prospecting')"}
    with pytest.raises(ValidationError) as caught:
        from_dict({"id": "p", "stages": STAGES, "guards": {"name": "g"}}, Pipeline)
    assert caught.value.field == "guards"


# --- containers and classes of the caller's own --------------------------------------------


def test_errors_inside_containers_of_entities_name_the_item_and_field() -> None:
    with pytest.raises(ValidationError) as caught:
        from_dict([DEAL, {**DEAL, "amount": 3}], list[Deal])
    assert list(caught.value.errors) == ["[1].amount"]
    with pytest.raises(ValidationError) as caught:
        from_dict({"a": DEAL, "b": {**DEAL, "id": ""}}, dict[str, Deal])
    assert list(caught.value.errors) == ["['b'].id"]


@attrs.define
class Box:
    """A class of the caller's own holding an entity."""

    deal: Deal
    count: int


def test_errors_inside_classes_of_the_callers_own_name_the_attribute() -> None:
    box = from_dict({"deal": DEAL, "count": 2}, Box)
    assert (box.deal.id, box.count) == ("d", 2)
    with pytest.raises(ValidationError) as caught:
        from_dict({"deal": {**DEAL, "amount": 3}, "count": "x"}, Box)
    assert list(caught.value.errors) == ["deal.amount", "count"]
    assert "invalid literal for int()" in caught.value.errors["count"]
    with pytest.raises(ValidationError) as caught:
        from_dict({"count": 1}, Box)
    assert caught.value.errors == {"deal": "must be given (it is required) (got nothing)"}


# --- the generic field hooks ---------------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


def test_only_salesmodel_enums_are_open_enums() -> None:
    assert _open_enum_of(LeadSource | str) is LeadSource
    assert _open_enum_of(Colour | str) is None
    assert _open_enum_of(str) is None


def test_an_optional_field_unstructures_none_as_none_and_values_by_their_hook() -> None:
    hook: Any = _field_unstructurer(converter, datetime | None)
    assert hook(None) is None
    assert hook(WHEN) == "2026-01-05T09:00:00+00:00"
    assert _field_unstructurer(converter, str | None) is None
    stage_hook: Any = _field_unstructurer(converter, Stage | None)
    assert stage_hook(DEFAULT_PIPELINE.first) == to_dict(DEFAULT_PIPELINE.first)


def test_tuples_already_built_and_guard_names_of_the_wrong_kind() -> None:
    data = {
        "id": "p",
        "name": "p",
        "owner_id": "ana",
        "qualified_at": "2026-01-05T09:00:00+00:00",
        "needs": ("budget",),
    }
    assert from_dict(data, Prospect).needs == ("budget",)
    with pytest.raises(ValidationError) as caught:
        from_dict({"name": " "}, Guard)
    assert caught.value.errors == {"name": f"must be {GUARD_NAME_EXPECTED} (got ' ')"}


def test_errors_outside_any_item_or_attribute_name_the_whole_input() -> None:
    with pytest.raises(ValidationError) as caught:
        from_dict([1, 2, 3], tuple[int, int])
    assert caught.value.errors == {
        "$": "must be valid input (got 'Too many values in [1, 2, 3] to structure as"
        " tuple[int, int]')"
    }
    with pytest.raises(ValidationError) as caught:
        from_dict({"deal": DEAL, "count": 1, "colour": "red"}, Box)
    assert caught.value.errors == {
        "$": "must be valid input (got 'Extra fields in constructor for Box: colour')"
    }


def test_an_error_of_a_whole_item_inside_a_container_names_the_item() -> None:
    rows = [{"deal": DEAL, "count": 1}, {"deal": DEAL, "count": 1, "colour": "red"}]
    with pytest.raises(ValidationError) as caught:
        from_dict(rows, list[Box])
    assert caught.value.errors == {
        "[1]": "must be valid input (got 'Extra fields in constructor for Box: colour')"
    }


def test_any_cattrs_error_group_is_flattened_to_its_problems() -> None:
    group = BaseValidationError("two problems", [KeyError("amount"), ValueError("bad")], Deal)
    assert list(_cattrs_issues(group, "deals[0]")) == [
        Issue("deals[0]", MISSING, "given (it is required)"),
        Issue("deals[0]", "bad", "valid input"),
    ]
