"""Pipelines stored as JSON and loaded back: lossless, with the definition checks
run on load and every bad path named in one ValidationError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Guard,
    Money,
    Pipeline,
    PipelineDefinitionError,
    Stage,
    Status,
    TransitionError,
    ValidationError,
    from_dict,
    make_converter,
    to_dict,
)
from salesmodel.presets import PRESETS
from salesmodel.strategies import pipelines

BUILT_IN = {"default": DEFAULT_PIPELINE, "lead_lifecycle": LEAD_LIFECYCLE, **PRESETS}


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(to_dict(value)))


def paths(error: ValidationError) -> list[str]:
    return [issue.path for issue in error.issues]


def load_error(data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        from_dict(data, Pipeline)
    return info.value


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "mine",
        "stages": [
            {"id": "new", "name": "New", "probability": "0.1"},
            {"id": "won", "name": "Won", "probability": "1", "status": "won"},
            {"id": "lost", "name": "Lost", "probability": "0", "status": "lost"},
        ],
    }
    return data | changes


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_built_in_pipeline_round_trips_through_json(name):
    pipeline = BUILT_IN[name]
    loaded = from_dict(through_json(pipeline), Pipeline)
    assert loaded == pipeline
    assert loaded.to_mermaid() == pipeline.to_mermaid()


@given(pipelines())
def test_random_pipelines_round_trip_through_json_with_the_same_moves(pipeline):
    loaded = from_dict(through_json(pipeline), Pipeline)
    assert loaded == pipeline
    assert hash(loaded) == hash(pipeline)
    for stage in pipeline.stages:
        assert loaded.targets(stage.id) == pipeline.targets(stage.id)


def test_the_stored_form_is_plain_json_with_every_setting_spelled_out():
    data = to_dict(DEFAULT_PIPELINE)
    assert list(data) == [
        "id",
        "name",
        "stages",
        "transitions",
        "allow_skip",
        "allow_back",
        "reopen_to",
        "lost_requires_reason",
        "guards",
        "entry_stages",
        "kind",
    ]
    assert (data["entry_stages"], data["kind"]) == (["prospecting"], "deal")
    assert to_dict(LEAD_LIFECYCLE)["kind"] == "lead"
    assert data["stages"][0] == {
        "id": "prospecting",
        "name": "Prospecting",
        "probability": "0.05",
        "status": "open",
        "forecast_category": "pipeline",
        "rot_after": "P14D",
    }
    assert data["stages"][-1]["status"] == "lost"
    assert (data["transitions"], data["reopen_to"]) == (None, {"lost": ["qualification"]})
    assert to_dict(LEAD_LIFECYCLE)["transitions"]["nurture"] == ["mql", "disqualified"]


def test_only_id_and_stages_are_required_and_the_rest_take_the_pipeline_defaults():
    loaded = from_dict(minimal(), Pipeline)
    assert loaded == Pipeline(
        "mine",
        [
            Stage("new", "New", "0.1"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    assert (loaded.allow_skip, loaded.allow_back, loaded.lost_requires_reason) == (
        False,
        True,
        True,
    )
    assert from_dict(minimal(reopen_to=None, name=None), Pipeline).name == "mine"


def test_guards_made_of_fields_round_trip_and_still_refuse():
    guarded = Pipeline(
        "guarded",
        DEFAULT_PIPELINE.stages,
        reopen_to={"lost": ["qualification"]},
        guards=[Guard(name="owner-first", into=["qualification"], fields=["owner_id"])],
    )
    loaded = from_dict(through_json(guarded), Pipeline)
    assert loaded == guarded
    deal = Deal(
        id="D-1",
        name="Acme",
        amount=Money(1, "EUR"),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        pipeline_id="guarded",
    )
    with pytest.raises(TransitionError) as refusal:
        loaded.move(deal, "qualification", at=datetime(2026, 1, 2, tzinfo=UTC))
    assert refusal.value.rule == "owner-first"
    assert from_dict(to_dict(guarded.guards[0]), Guard) == guarded.guards[0]


def test_a_guard_with_a_python_predicate_cannot_be_stored_and_says_why():
    guard = Guard(name="big-deals", predicate=lambda deal: deal.amount >= Money(500, "EUR"))
    pipeline = Pipeline(
        "p", DEFAULT_PIPELINE.stages, guards=[Guard(name="ok", fields=["owner_id"]), guard]
    )
    with pytest.raises(ValidationError) as info:
        to_dict(pipeline)
    assert paths(info.value) == ["guards[1].predicate"]
    assert "'big-deals'" in str(info.value)
    assert "a Python predicate has no JSON form" in str(info.value)
    with pytest.raises(ValidationError) as alone:
        to_dict(guard)
    assert paths(alone.value) == ["predicate"]


def test_a_predicate_cannot_be_smuggled_in_through_the_data():
    error = load_error(minimal(guards=[{"name": "g", "predicate": "lambda d: True"}]))
    assert paths(error) == ["guards[0].predicate"]


def test_loading_runs_the_definition_checks():
    data = minimal(transitions={"new": ["won", "nowhere"], "won": ["new"]})
    error = load_error(data)
    assert isinstance(error, PipelineDefinitionError)
    assert paths(error) == ["transitions['new']", "transitions['won']"]
    unreachable = minimal(transitions={"new": ["won"]})
    assert load_error(unreachable).issues[0].value == "lost"


def test_a_bad_payload_names_every_offending_path_at_once():
    data = {
        "id": "",
        "name": 7,
        "stages": [
            {"id": "a", "name": "A", "probability": "1.5"},
            "b",
            {"id": "w", "name": "W", "probability": 1, "status": "closed"},
        ],
        "transitions": {"a": "w"},
        "allow_skip": "yes",
        "reopen_to": [],
        "lost_requires_reason": None,
        "guards": [{"into": "a", "fields": [""], "message": ""}, 3],
        "version": 2,
    }
    error = load_error(data)
    assert type(error) is ValidationError
    assert paths(error) == [
        "id",
        "name",
        "stages[0].probability",
        "stages[1]",
        "stages[2].status",
        "transitions['a']",
        "allow_skip",
        "lost_requires_reason",
        "reopen_to",
        "guards[0].name",
        "guards[0].into",
        "guards[0].fields[0]",
        "guards[0].message",
        "guards[1]",
        "version",
    ]
    assert str(error).startswith("invalid Pipeline: 15 problems:")


def test_missing_required_fields_are_named():
    assert [(i.path, i.expected) for i in load_error({}).issues] == [
        ("id", "given (it is required)"),
        ("stages", "given (it is required)"),
    ]
    assert paths(load_error({"name": "g"} | {"id": "p", "stages": [], "guards": [{}]})) == [
        "guards[0].name"
    ]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=50)
@given(JSON)
def test_arbitrary_json_is_refused_with_a_validation_error_only(data):
    with pytest.raises(ValidationError):
        from_dict(data, Pipeline)


@settings(max_examples=50)
@given(pipelines(), st.data())
def test_a_stored_pipeline_with_any_one_value_replaced_loads_or_names_the_problem(pipeline, data):
    stored = through_json(pipeline)
    key = data.draw(st.sampled_from(sorted(stored)))
    stored[key] = data.draw(JSON)
    try:
        loaded = from_dict(stored, Pipeline)
    except ValidationError as error:
        assert error.issues
    else:
        assert isinstance(loaded, Pipeline)


def test_a_fresh_converter_knows_pipelines_too():
    conv = make_converter()
    data = conv.unstructure(LEAD_LIFECYCLE)
    assert conv.structure(json.loads(json.dumps(data)), Pipeline) == LEAD_LIFECYCLE


def test_a_stage_round_trips_on_its_own():
    stage = DEFAULT_PIPELINE.stage("closing")
    assert from_dict(through_json(stage), Stage) == stage
    with pytest.raises(ValidationError) as info:
        from_dict({"id": "x", "name": "X", "probability": "-1", "rot_after": "P0D"}, Stage)
    assert paths(info.value) == ["probability", "rot_after"]


def test_from_dict_checks_every_record_in_any_container_against_its_pipeline() -> None:
    """A dict, a set, a nested list or an attrs class holding deals is checked as
    a list is: every record, named by its place."""
    import attrs

    from salesmodel import from_dict, to_dict

    data = to_dict(
        Deal(
            id="D",
            name="x",
            amount=None,
            created_at=datetime(2026, 4, 1, tzinfo=UTC),
            stage="zzz",
        )
    )

    @attrs.frozen
    class Book:
        deals: list[Deal]

    for cls, payload, path in (
        (dict[str, Deal], {"a": data}, "['a'].stage"),
        (frozenset[Deal], [data], "['D'].stage"),
        (list[list[Deal]], [[data]], "[0][0].stage"),
        (Book, {"deals": [data]}, "deals[0].stage"),
        (Deal | None, data, "stage"),
    ):
        with pytest.raises(ValidationError) as caught:
            from_dict(payload, cls, pipelines=DEFAULT_PIPELINE)
        assert [issue.path for issue in caught.value.issues] == [path]
