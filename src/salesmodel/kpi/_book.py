"""The pipelines a stage-reading KPI knows, and the stage of each record.

A deal names its pipeline in ``pipeline_id``; a record without one (a lead) uses
the only pipeline given. A record whose pipeline is not among those given, or
whose stage its pipeline does not have, is a bad record: an error naming its id,
or skipped and reported with ``strict=False``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from salesmodel.errors import Issue, ValidationError
from salesmodel.pipeline import Pipeline, Stage

__all__ = ["PipelineBook", "Pipelines"]

#: What ``pipelines=`` takes: one pipeline, several, or ``{id: pipeline}``.
Pipelines: TypeAlias = Pipeline | Iterable[Pipeline] | Mapping[str, Pipeline]


class PipelineBook:
    """``{pipeline id: Pipeline}`` with the lookups KPIs need."""

    __slots__ = ("by_id", "only")

    by_id: dict[str, Pipeline]
    only: Pipeline | None

    def __init__(self, given: Pipelines, field: str = "pipelines") -> None:
        pipelines: Any = given
        if isinstance(pipelines, Pipeline):
            items = [pipelines]
        elif isinstance(pipelines, Mapping):
            items = list(pipelines.values())
        elif isinstance(pipelines, Iterable) and not isinstance(pipelines, (str, bytes)):
            items = list(pipelines)
        else:
            items = [pipelines]
        if not items or not all(isinstance(p, Pipeline) for p in items):
            raise ValidationError.single(
                field, pipelines, "a Pipeline, several, or a mapping of id to Pipeline"
            )
        object.__setattr__(self, "by_id", {p.id: p for p in items})
        object.__setattr__(self, "only", items[0] if len(items) == 1 else None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PipelineBook, (list(self.by_id.values()),))

    def pipeline_of(self, record: Any) -> Pipeline | Issue:
        """The pipeline of *record*, or the issue that makes it a bad record."""
        pipeline_id = getattr(record, "pipeline_id", None)
        if pipeline_id is None:
            if self.only is not None:
                return self.only
            return Issue("pipeline_id", None, f"one of {sorted(self.by_id)}")
        found = self.by_id.get(pipeline_id)
        if found is None:
            known = ", ".join(map(repr, sorted(self.by_id)))
            return Issue("pipeline_id", pipeline_id, f"a pipeline the KPI was given ({known})")
        return found

    def stage_of(self, record: Any) -> tuple[Pipeline, Stage] | Issue:
        """The pipeline and current stage of *record*, or the issue."""
        pipeline = self.pipeline_of(record)
        if isinstance(pipeline, Issue):
            return pipeline
        stage_id = getattr(record, "stage", None)
        if not isinstance(stage_id, str) or stage_id not in pipeline:
            stages = ", ".join(s.id for s in pipeline.stages)
            return Issue("stage", stage_id, f"a stage of pipeline {pipeline.id!r} ({stages})")
        return pipeline, pipeline.stage(stage_id)

    def known_pairs(self) -> set[tuple[str, str]]:
        """Every ``(pipeline id, stage id)`` of the book."""
        return {(p.id, s.id) for p in self.by_id.values() for s in p.stages}
