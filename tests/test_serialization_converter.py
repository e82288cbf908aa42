"""A converter made now behaves exactly like the one made when salesmodel was imported.

The module's converter, and the hooks it builds for each type, are made at import
time; a converter from ``make_converter()`` rebuilds them. Both must give the same
primitives for every value and the same issues for every bad payload: one payload
per field of every type, with the field replaced, removed or joined by another.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Activity,
    Attributes,
    Bant,
    Customer,
    Deal,
    Guard,
    Lead,
    Money,
    Pipeline,
    Prospect,
    RateTable,
    Rep,
    Stage,
    StageChange,
    Target,
    ValidationError,
    make_converter,
    serialization,
)
from salesmodel.money import PLAIN_NUMBER_EXPECTED
from salesmodel.presets import PRESETS
from salesmodel.scoring import FitRule
from salesmodel.serialization import configure_converter


def at(day: int) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)


def _deal() -> Deal:
    deal = Deal(
        id="D",
        name="Acme",
        amount=Money("1200.50", "EUR"),
        created_at=at(0),
        owner_id="ana",
        prospect_id="P",
        customer_id="C",
        source="website",
        product="suite",
        expected_close=date(2026, 3, 1),
        attributes={"seats": 12, "trial": True, "score": 0.5, "note": None},
    )
    deal = DEFAULT_PIPELINE.move(deal, "qualification", at=at(1), by="ana")
    return DEFAULT_PIPELINE.lose(deal, "price", at=at(2))


def _lead() -> Lead:
    lead = Lead(
        id="L",
        name="Bruno",
        created_at=at(0),
        source="webinar",
        company="Acme",
        email="bruno@acme.example",
        owner_id="ana",
        purchase_timeframe_days=30,
        bant=Bant(budget=Money(5000, "EUR"), authority=True, need=False, timescale_days=60),
    )
    return LEAD_LIFECYCLE.move(lead, LEAD_LIFECYCLE.targets(lead.stage)[0], at=at(3))


GUARDED = Pipeline(
    "guarded",
    [
        Stage("new", "New", "0.1", rot_after=timedelta(days=3), forecast_category="pipeline"),
        Stage("won", "Won", 1, "won"),
        Stage("lost", "Lost", 0, "lost"),
    ],
    {"new": ["won", "lost"]},
    name="Guarded",
    reopen_to={"lost": ["new"]},
    lost_requires_reason=False,
    guards=[Guard(name="needs-owner", into=["won"], fields=["owner_id"], message="set it")],
)

SAMPLES: list[tuple[type, Any]] = [
    (Money, Money("12.50", "EUR")),
    (RateTable, RateTable({("EUR", "USD"): "1.08"})),
    (Attributes, Attributes({"a": 1, "b": "x"})),
    (StageChange, StageChange(from_stage="a", to_stage="b", at=at(1), by="ana", reason="price")),
    (Bant, Bant(budget=True, authority=False, timescale_days=10)),
    (Rep, Rep(id="R", name="Ana", team="north", manager_id="M", region="EU", active=False)),
    (Lead, _lead()),
    (
        Prospect,
        Prospect(
            id="P",
            name="Carla",
            owner_id="ana",
            qualified_at=at(4),
            lead_id="L",
            company="Acme",
            temperature="hot",
            needs=("crm", "kpis"),
            attributes={"x": 1},
        ),
    ),
    (Deal, _deal()),
    (Customer, Customer(id="C", name="Acme", acquired_at=at(5), churned_at=at(9), prospect_id="P")),
    (Activity, Activity(id="A", kind="call", at=at(1), rep_id="R", lead_id="L", deal_id="D")),
    (
        Target,
        Target(
            id="T",
            metric="revenue",
            goal=Money(10_000, "EUR"),
            start=at(0),
            end=at(90),
            rep_id="R",
            team="north",
            region="EU",
            product="suite",
            segment="smb",
        ),
    ),
    (Target, Target(id="T2", metric="calls", goal=40, start=at(0), end=at(30))),
    (Stage, Stage("s", "S", "0.25", rot_after=timedelta(hours=36))),
    (Pipeline, DEFAULT_PIPELINE),
    (Pipeline, GUARDED),
    *((Pipeline, p) for _, p in sorted(PRESETS.items())),
]
BAD_VALUES: list[Any] = [None, "", " ", 5, -1, 1.5, True, [], {}, "x", [1], {"a": 1}]


def _variants(data: Any) -> list[Any]:
    """*data*, and for a mapping each field replaced by each bad value, removed, and
    one unknown field added."""
    out = [data]
    if isinstance(data, dict):
        for key in data:
            out += [{**data, key: bad} for bad in BAD_VALUES]
            out.append({k: v for k, v in data.items() if k != key})
        out.append({**data, "unknown": 1})
    return [*out, None, "x", [data]]


def _outcome(data: Any, cls: type) -> Any:
    try:
        value = serialization.from_dict(data, cls)
    except ValidationError as error:
        return (
            "refused",
            error.subject,
            [(i.path, repr(i.value), i.expected) for i in error.issues],
        )
    return ("loaded", serialization.to_dict(value))


@pytest.mark.parametrize(("cls", "value"), SAMPLES, ids=lambda x: getattr(x, "__name__", "-"))
def test_a_converter_made_now_gives_the_same_primitives_and_issues(cls, value, monkeypatch):
    data = serialization.to_dict(value)
    variants = _variants(data)
    expected = [_outcome(v, cls) for v in variants]
    monkeypatch.setattr(serialization, "converter", make_converter())
    assert serialization.to_dict(value) == data
    assert serialization.from_dict(data, cls) == value
    assert [_outcome(v, cls) for v in variants] == expected


def test_a_decimal_and_a_date_round_trip_through_a_converter_made_now():
    conv = make_converter()
    assert conv.unstructure(Decimal("1.50")) == "1.50"
    assert conv.structure("1.50", Decimal) == Decimal("1.50")
    assert conv.structure("2026-01-02", date) == date(2026, 1, 2)


# --- converters of the caller's own, and hooks built after the caller's ----------------

WHEN = datetime(2026, 1, 5, 9, tzinfo=UTC)


@attrs.define
class Visit:
    """A class of the caller's own, with an optional datetime and a plain union."""

    at: datetime | None
    seats: int | None = None


def test_configure_converter_keeps_your_hooks_for_plain_unions_and_reads_optional_values():
    conv = cattrs.Converter()
    # A hook of the caller's for a union of JSON scalars: salesmodel adds none for it.
    conv.register_structure_hook(int | None, lambda v, _: None if v in (None, "") else int(v))
    configure_converter(conv)
    assert conv.structure({"at": "2026-01-05T09:00:00+00:00", "seats": ""}, Visit) == Visit(
        WHEN, None
    )
    assert conv.structure({"at": None, "seats": "12"}, Visit) == Visit(None, 12)
    assert conv.structure("2026-01-05T09:00:00+00:00", datetime | None) == WHEN
    assert conv.structure(None, datetime | None) is None


def test_a_type_no_hook_can_build_is_named_in_one_validation_error(monkeypatch):
    monkeypatch.setattr(serialization, "converter", make_converter())
    with pytest.raises(ValidationError) as caught:
        serialization.from_dict("x", str | bool | int | None)
    assert caught.value.subject is None
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        (
            "$",
            "x",
            "data for str | bool | int | None (Unsupported type: str | bool | int | None."
            " Register a structure hook for it.)",
        )
    ]


def test_errors_inside_an_optional_container_name_the_container_and_the_item():
    deal = serialization.to_dict(_deal())
    with pytest.raises(ValidationError) as caught:
        serialization.from_dict([deal, {**deal, "amount": 3}], list[Deal] | None)
    assert caught.value.subject == "list"
    assert [(i.path, i.value) for i in caught.value.issues] == [("[1].amount", 3)]


def test_a_hook_of_yours_that_raises_is_reported_at_its_field_with_the_fields_rule():
    conv = make_converter()
    conv.register_structure_hook(Decimal, lambda v, _: Decimal(v))  # InvalidOperation on "abc"
    with pytest.raises(ValidationError) as caught:
        conv.structure({"id": "s", "name": "S", "probability": "abc"}, Stage)
    assert caught.value.subject == "Stage"
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("probability", "abc", "a probability between 0 and 1")
    ]


def test_issues_in_a_list_field_come_in_field_order_with_the_fields_after_it():
    data = {
        "name": "n",
        "attribute": "a",
        "points": "1",
        "equals": [{"x": 1}],
        "at_least": "abc",
    }
    with pytest.raises(ValidationError) as caught:
        make_converter().structure(data, FitRule)
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("equals[0]", {"x": 1}, "str or int or float or bool or NoneType"),
        ("at_least", "abc", f"a finite decimal number such as '12.50', {PLAIN_NUMBER_EXPECTED}"),
    ]


def test_a_deals_stage_changes_are_read_by_your_own_hook_when_you_register_one():
    deal = _deal()
    assert deal.history, "the test needs stage changes"
    read = []

    def changes(value: Any, cls: type) -> StageChange:
        read.append(value["to_stage"])
        return serialization.from_dict(value, StageChange)

    conv = make_converter()
    conv.register_structure_hook(StageChange, changes)
    assert conv.structure(serialization.to_dict(deal), Deal) == deal
    assert read == [change.to_stage for change in deal.history]


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ("not a change", "history[1]"),
        ({"extra": 1}, "history[1].extra"),
        ({"at": "yesterday"}, "history[1].at"),
        ({"reason": 7}, "history[1].reason"),
    ],
)
def test_a_bad_stage_change_is_named_by_its_index_in_the_history(item, path):
    data = serialization.to_dict(_deal())
    good = data["history"][1]
    data["history"][1] = {**good, **item} if isinstance(item, dict) else item
    with pytest.raises(ValidationError) as caught:
        serialization.from_dict(data, Deal)
    assert path in [issue.path for issue in caught.value.issues]
