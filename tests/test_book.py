"""The pipelines a stage-reading KPI knows (salesmodel._book): given as one,
several or a mapping; each record's pipeline by its ``pipeline_id`` (or the only
one given); its stage checked against that pipeline."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from salesmodel import DEFAULT_PIPELINE, LEAD_LIFECYCLE, Pipeline, ValidationError
from salesmodel._book import PipelineBook
from salesmodel.errors import Issue
from salesmodel.presets import PRESETS
from support import Row

DEFAULT_STAGES = (
    "prospecting, qualification, research, demonstration, objection_handling, closing, won, lost"
)


def test_pipelines_are_given_as_one_several_or_a_mapping() -> None:
    one = PipelineBook(DEFAULT_PIPELINE)
    assert (one.by_id, one.unnamed) == ({"default": DEFAULT_PIPELINE}, DEFAULT_PIPELINE)
    both = PipelineBook([DEFAULT_PIPELINE, LEAD_LIFECYCLE])
    assert both.by_id == {"default": DEFAULT_PIPELINE, LEAD_LIFECYCLE.id: LEAD_LIFECYCLE}
    assert both.unnamed is LEAD_LIFECYCLE  # the one given for leads, which name no pipeline
    mapped = PipelineBook({LEAD_LIFECYCLE.id: LEAD_LIFECYCLE})
    assert (mapped.by_id, mapped.unnamed) == ({LEAD_LIFECYCLE.id: LEAD_LIFECYCLE}, LEAD_LIFECYCLE)
    listed = PipelineBook(iter([LEAD_LIFECYCLE]))
    assert listed.unnamed is LEAD_LIFECYCLE


@pytest.mark.parametrize("bad", [[], {}, "default", b"default", 3, [DEFAULT_PIPELINE, "x"]])
def test_anything_else_is_refused_under_the_field_name_given(bad: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        PipelineBook(bad, field="pipeline")
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("pipeline", bad, "a Pipeline, several, or a mapping of id to Pipeline")
    ]
    with pytest.raises(ValidationError) as caught:
        PipelineBook(bad)
    assert caught.value.field == "pipelines"


def test_two_different_pipelines_of_one_id_are_refused_rather_than_one_picked() -> None:
    hubspot_as_default = Pipeline("default", PRESETS["hubspot"].stages)
    for given in ([DEFAULT_PIPELINE, hubspot_as_default], [hubspot_as_default, DEFAULT_PIPELINE]):
        with pytest.raises(ValidationError) as caught:
            PipelineBook(given)
        assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
            (
                "pipelines",
                "default",
                "pipelines with distinct ids (two different pipelines have this one)",
            )
        ]
    # The same pipeline twice, or an equal copy, is harmless.
    copy = pickle.loads(pickle.dumps(DEFAULT_PIPELINE))
    assert copy == DEFAULT_PIPELINE
    assert copy is not DEFAULT_PIPELINE
    twice = PipelineBook([DEFAULT_PIPELINE, LEAD_LIFECYCLE, DEFAULT_PIPELINE, copy])
    assert twice.by_id == {"default": DEFAULT_PIPELINE, LEAD_LIFECYCLE.id: LEAD_LIFECYCLE}


def test_a_mapping_must_key_each_pipeline_by_its_own_id() -> None:
    with pytest.raises(ValidationError) as caught:
        PipelineBook({"default": DEFAULT_PIPELINE, "leads": LEAD_LIFECYCLE}, field="pipeline")
    assert [(i.path, i.value, i.expected) for i in caught.value.issues] == [
        ("pipeline['leads']", "leads", f"the id of its pipeline ({LEAD_LIFECYCLE.id!r})")
    ]
    every_preset = PipelineBook(PRESETS)
    assert every_preset.by_id == {p.id: p for p in PRESETS.values()}
    assert every_preset.unnamed is PRESETS["hubspot_lifecycle"]


def test_books_pickle_with_their_pipelines() -> None:
    book = pickle.loads(pickle.dumps(PipelineBook([DEFAULT_PIPELINE, LEAD_LIFECYCLE])))
    assert sorted(book.by_id) == sorted(["default", LEAD_LIFECYCLE.id])
    assert book.unnamed == LEAD_LIFECYCLE
    single = pickle.loads(pickle.dumps(PipelineBook(DEFAULT_PIPELINE)))
    assert single.unnamed == DEFAULT_PIPELINE


def test_a_record_is_in_the_pipeline_it_names_or_the_only_one() -> None:
    one = PipelineBook(DEFAULT_PIPELINE)
    assert one.pipeline_of(Row()) is DEFAULT_PIPELINE
    assert one.pipeline_of(Row(pipeline_id=None)) is DEFAULT_PIPELINE
    assert one.pipeline_of(Row(pipeline_id="default")) is DEFAULT_PIPELINE
    assert one.pipeline_of(Row(pipeline_id="other")) == Issue(
        "pipeline_id", "other", "one of the pipelines given ('default')"
    )
    both = PipelineBook([LEAD_LIFECYCLE, DEFAULT_PIPELINE])
    lead_id = LEAD_LIFECYCLE.id
    ids = sorted(["default", lead_id])
    assert both.pipeline_of(Row(pipeline_id=lead_id)) is LEAD_LIFECYCLE
    assert both.pipeline_of(Row()) is LEAD_LIFECYCLE
    deals_only = PipelineBook([DEFAULT_PIPELINE, Pipeline("other", DEFAULT_PIPELINE.stages)])
    assert deals_only.pipeline_of(Row()) == Issue(
        "$",
        "Row",
        "a record of the one pipeline given for its kind: a Row names no pipeline, so give "
        "one pipeline of its kind (kind=Row), or only one pipeline (given: 'default', 'other')",
    )
    assert both.pipeline_of(Row(pipeline_id="x")) == Issue(
        "pipeline_id", "x", f"one of the pipelines given ({', '.join(map(repr, ids))})"
    )


def test_a_record_stage_must_be_one_of_its_pipeline() -> None:
    book = PipelineBook(DEFAULT_PIPELINE)
    assert book.stage_of(Row(stage="research")) == (
        DEFAULT_PIPELINE,
        DEFAULT_PIPELINE.stage("research"),
    )
    for stage in ("nowhere", None, 3):
        assert book.stage_of(Row(stage=stage)) == Issue(
            "stage", stage, f"a stage of pipeline 'default' ({DEFAULT_STAGES})"
        )
    assert book.stage_of(Row()) == Issue(
        "stage", None, f"a stage of pipeline 'default' ({DEFAULT_STAGES})"
    )
    assert book.stage_of(Row(pipeline_id="x", stage="research")) == Issue(
        "pipeline_id", "x", "one of the pipelines given ('default')"
    )


def test_known_pairs_are_every_pipeline_and_stage() -> None:
    pairs = PipelineBook([DEFAULT_PIPELINE, LEAD_LIFECYCLE]).known_pairs()
    assert ("default", "research") in pairs
    assert (LEAD_LIFECYCLE.id, LEAD_LIFECYCLE.stages[0].id) in pairs
    assert len(pairs) == len(DEFAULT_PIPELINE.stages) + len(LEAD_LIFECYCLE.stages)
