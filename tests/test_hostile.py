"""Hostile input: whatever arrives, from_dict answers with a record or a
ValidationError, never another exception, and in time linear in the input."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import (
    Activity,
    Bant,
    Customer,
    Deal,
    Lead,
    Money,
    Prospect,
    RateTable,
    Rep,
    StageChange,
    Target,
    ValidationError,
    from_dict,
    to_dict,
)
from salesmodel import strategies as sst

RECORDS: dict[type, st.SearchStrategy[Any]] = {
    StageChange: sst.stage_changes(),
    Bant: sst.bants(),
    Rep: sst.reps(),
    Lead: sst.leads(),
    Prospect: sst.prospects(),
    Deal: sst.deals(),
    Customer: sst.customers(),
    Activity: sst.activities(),
    Target: sst.targets(),
}
RECORDS_EXAMPLE = Deal(
    id="D-1", name="Acme", amount=Money("10", "EUR"), created_at=datetime(2026, 1, 1, tzinfo=UTC)
)
# A long run (100,000 examples per test): HYPOTHESIS_PROFILE=long pytest tests/test_hostile.py
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"

ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\u200b",  # zero-width space: not whitespace to str.isspace
        "\ud800",  # a lone surrogate
        "e\u0301",  # a combining accent
        "\u202eevil",  # right-to-left override
        "\x00",
        "NaN",
        "Infinity",
        "-0",
        "1e999999999",
        "9" * 400,
        "0." + "0" * 400 + "1",
        "2026-02-30T00:00:00+00:00",
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00-23:59",
        "2026-01-01T00:00:00+24:00",
        "P99999999999D",
        "\U0001f4b0",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**310),
    st.floats(),
    st.text(max_size=20),
    ODD_TEXT,
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


def mutate(draw: st.DrawFn, payload: Any, depth: int = 0) -> Any:
    """*payload* with one value somewhere replaced by something hostile."""
    if isinstance(payload, dict) and payload and depth < 4:
        key = draw(st.sampled_from(sorted(payload)))
        return {**payload, key: mutate(draw, payload[key], depth + 1)}
    if isinstance(payload, list) and payload and depth < 4:
        i = draw(st.integers(0, len(payload) - 1))
        return [*payload[:i], mutate(draw, payload[i], depth + 1), *payload[i + 1 :]]
    return draw(JSONISH)


def only_validation_errors(cls: type, data: Any) -> None:
    try:
        built = from_dict(data, cls)
    except ValidationError as error:
        assert error.issues
        assert len(str(error)) < 20_000  # messages stay readable, whatever came in
    else:
        assert type(built) is cls
        assert from_dict(json.loads(json.dumps(to_dict(built))), cls) == built


@pytest.mark.parametrize("cls", list(RECORDS))
def test_mutated_valid_payloads_give_a_record_or_a_validation_error(cls):
    @settings(max_examples=100_000 if LONG else 150)
    @given(RECORDS[cls], st.data())
    def check(record, data):
        payload = mutate(data.draw, to_dict(record))
        only_validation_errors(cls, payload)

    check()


@pytest.mark.parametrize("cls", [*RECORDS, Money, RateTable])
def test_arbitrary_json_gives_only_validation_errors(cls):
    @settings(max_examples=100_000 if LONG else 100)
    @given(JSONISH)
    def check(data):
        only_validation_errors(cls, data)

    check()


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": [value]}
    return value


@pytest.mark.parametrize("field", ["attributes", "history", "amount", "name", "status"])
def test_deep_nesting_is_refused_without_recursion_error(field):
    data = to_dict(RECORDS_EXAMPLE) | {field: nested(5_000)}
    with pytest.raises(ValidationError):
        from_dict(data, Deal)


def elapsed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "grow",
    [
        lambda n: {"name": "x" * n},
        lambda n: {"attributes": {f"k{i}": i for i in range(n)}},
        lambda n: {"attributes": {f"k{i}": [i] for i in range(n)}},
        lambda n: {"history": [{"from_stage": "a"}] * n},
        lambda n: {"stage": "b", "history": [1] * n},
        lambda n: {f"extra{i}": i for i in range(n)},
    ],
)
def test_the_time_to_refuse_grows_linearly_with_the_input(grow):
    base = to_dict(RECORDS_EXAMPLE)

    def run(n: int) -> float:
        data = base | grow(n)
        return min(elapsed(lambda: _swallow(data)) for _ in range(3))

    small, large = run(2_000), run(20_000)
    # Ten times the input: a linear cost is ~10x; quadratic would be ~100x.
    assert large < small * 40 + 0.05


def _swallow(data: Any) -> None:
    try:
        from_dict(data, Deal)
    except ValidationError:
        pass


def test_huge_and_tiny_decimals_are_refused_or_kept_exactly():
    for text in (
        "1e30",
        "1e-30",
        "123456789012345678901234567890.5",
        "0.000000000000000000000000000001",
    ):
        money = from_dict({"amount": text, "currency": "EUR"}, Money)
        assert str(money.amount) == str(Decimal(text))
    for text in ("1e31", "1e-31", "1e999999999", "9" * 200):
        with pytest.raises(ValidationError):
            from_dict({"amount": text, "currency": "EUR"}, Money)


def test_duplicate_keys_in_json_text_are_the_parsers_business_and_the_last_wins():
    text = '{"amount": "1", "currency": "EUR", "amount": "2"}'
    assert from_dict(json.loads(text), Money) == Money("2", "EUR")


# --- definitions: pipelines, scorers, fitted models ----------------------------------


def _definitions() -> dict[type, Any]:
    from salesmodel import DEFAULT_PIPELINE, DEFAULT_SCORER, LEAD_LIFECYCLE, LeadScorer, Pipeline
    from salesmodel.predictive import LogisticScorer, NaiveBayesScorer
    from salesmodel.presets import PRESETS
    from salesmodel.samples import generate

    book = generate(seed=1, size="small")
    labels = [lead.status.value == "won" for lead in book.leads]
    return {
        Pipeline: st.sampled_from([DEFAULT_PIPELINE, LEAD_LIFECYCLE, *PRESETS.values()])
        | sst.pipelines(),
        LeadScorer: st.just(DEFAULT_SCORER),
        NaiveBayesScorer: st.just(NaiveBayesScorer.fit(book.leads, labels)),
        LogisticScorer: st.just(LogisticScorer.fit(book.leads, labels, max_iter=50)),
    }


DEFINITIONS = _definitions()


@pytest.mark.parametrize("cls", list(DEFINITIONS), ids=lambda c: c.__name__)
def test_mutated_definitions_give_a_definition_or_a_validation_error(cls):
    @settings(max_examples=100_000 if LONG else 150)
    @given(DEFINITIONS[cls], st.data())
    def check(definition, data):
        payload = mutate(data.draw, to_dict(definition))
        only_validation_errors(cls, payload)

    check()


@pytest.mark.parametrize("cls", list(DEFINITIONS), ids=lambda c: c.__name__)
def test_arbitrary_json_is_no_definition(cls):
    @settings(max_examples=100_000 if LONG else 60)
    @given(JSONISH)
    def check(data):
        only_validation_errors(cls, data)

    check()


def test_a_tzinfo_that_misbehaves_is_a_validation_error_not_a_type_error():
    from datetime import tzinfo

    class Broken(tzinfo):
        def utcoffset(self, _: object) -> object:  # type: ignore[override]
            return "two hours"

    with pytest.raises(ValidationError) as info:
        Deal(
            id="D",
            name="n",
            amount=Money(1, "EUR"),
            created_at=datetime(2026, 1, 1, tzinfo=Broken()),
        )
    assert info.value.field == "created_at"


def test_kpis_name_a_by_field_the_records_lack():
    from types import SimpleNamespace

    from salesmodel import kpi

    with pytest.raises(ValidationError) as info:
        kpi.win_rate([RECORDS_EXAMPLE], by="owner")
    assert info.value.field == "by"
    foreign = SimpleNamespace(
        id="x", status=RECORDS_EXAMPLE.status, created_at=RECORDS_EXAMPLE.created_at, closed_at=None
    )
    with pytest.raises(ValidationError) as info:
        kpi.win_rate([foreign], by="owner_id")
    assert info.value.field == "owner_id"


def test_a_value_that_fails_while_being_normalised_is_reported_not_raised():
    def broken() -> Any:
        yield from ()
        raise RuntimeError("the export's cursor died")

    with pytest.raises(ValidationError) as info:
        Deal(
            id="D", name="n", amount=Money(1, "EUR"), created_at=RECORDS_EXAMPLE.created_at,
            history=broken(),
        )  # fmt: skip
    assert info.value.field == "history"


def test_a_foreign_record_the_kpi_refuses_is_skipped_when_not_strict():
    from types import SimpleNamespace

    from salesmodel import kpi

    no_status = SimpleNamespace(id="x", owner_id="ana")
    no_owner = SimpleNamespace(
        id="y", status=RECORDS_EXAMPLE.status, created_at=RECORDS_EXAMPLE.created_at, closed_at=None
    )
    result = kpi.win_rate([RECORDS_EXAMPLE, no_status, no_owner], by="owner_id", strict=False)
    assert [s.id for s in result.skipped] == ["x", "y"]
