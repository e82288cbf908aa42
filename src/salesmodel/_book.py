"""The pipelines a boundary knows (``pipelines=`` of ``from_dict``,
``bulk.from_records``, the KPIs that read stages), and the pipeline of each record.

A deal names its pipeline in ``pipeline_id``; a record without one (a lead) uses
the pipeline given for its kind (``kind=Lead``), or the only pipeline given. A
record whose pipeline is not among those given, or that does not conform to it
(:meth:`Pipeline.validate`), is a bad record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias, TypeVar

from .entities import Lead
from .errors import Issue, ValidationError, short_repr
from .pipeline import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Pipeline,
    Stage,
    StageEntity,
    _transfer_marks,
)

__all__ = ["DEFAULT_BOOK", "PipelineBook", "Pipelines"]

R = TypeVar("R", bound=StageEntity)


class PipelineBook:
    """``{pipeline id: Pipeline}`` with the lookups KPIs need."""

    __slots__ = ("by_id", "unnamed")

    by_id: dict[str, Pipeline]
    #: The pipeline of records that name none (leads).
    unnamed: Pipeline | None

    def __init__(self, given: Pipelines, field: str = "pipelines") -> None:
        pipelines: Any = given
        if isinstance(pipelines, PipelineBook):
            items = list(pipelines.by_id.values())
        elif isinstance(pipelines, Pipeline):
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
        if isinstance(pipelines, Mapping):
            # Records find their pipeline by its own id: a key saying otherwise
            # would be silently ignored.
            for key, pipeline in pipelines.items():
                if key != pipeline.id:
                    raise ValidationError.single(
                        f"{field}[{short_repr(key)}]",
                        key,
                        f"the id of its pipeline ({pipeline.id!r})",
                    )
        by_id: dict[str, Pipeline] = {}
        for pipeline in items:
            seen = by_id.setdefault(pipeline.id, pipeline)
            if seen is not pipeline and seen != pipeline:
                # Either would judge the other's records: refuse, never pick one.
                raise ValidationError.single(
                    field,
                    pipeline.id,
                    "pipelines with distinct ids (two different pipelines have this one)",
                )
        object.__setattr__(self, "by_id", by_id)
        for_leads = [p for p in items if p.kind is Lead]
        unnamed = items[0] if len(items) == 1 else for_leads[0] if len(for_leads) == 1 else None
        object.__setattr__(self, "unnamed", unnamed)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PipelineBook, (list(self.by_id.values()),))

    def __eq__(self, other: object) -> bool:
        if type(other) is not PipelineBook:
            return NotImplemented
        return self.by_id == other.by_id

    def __hash__(self) -> int:
        return hash(tuple(self.by_id.items()))

    def __repr__(self) -> str:
        return f"PipelineBook({', '.join(map(repr, self.by_id))})"

    def pipeline_of(self, record: Any) -> Pipeline | Issue:
        """The pipeline of *record*, or the issue that makes it a bad record."""
        pipeline_id = getattr(record, "pipeline_id", None)
        if pipeline_id is None:
            if self.unnamed is not None:
                return self.unnamed
            kind = type(record).__name__
            leads = sorted(p.id for p in self.by_id.values() if p.kind is Lead)
            known = ", ".join(map(repr, leads or sorted(self.by_id)))
            return Issue(
                "$",
                kind,
                f"a record of the one pipeline given for its kind: a {kind} names no "
                f"pipeline, so give one pipeline of its kind (kind={kind}), or only one "
                f"pipeline (given: {known})",
            )
        found = self.by_id.get(pipeline_id)
        if found is None:
            known = ", ".join(map(repr, sorted(self.by_id)))
            return Issue("pipeline_id", pipeline_id, f"one of the pipelines given ({known})")
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

    def conforms(self, record: Any) -> bool:
        """Whether *record* conforms to its pipeline: the common case, quickly."""
        pipeline_id = getattr(record, "pipeline_id", None)
        pipeline = self.unnamed if pipeline_id is None else self.by_id.get(pipeline_id)
        return pipeline is not None and pipeline._conforms(record)

    def issues(self, record: Any) -> tuple[Issue, ...]:
        """Every rule *record* breaks against its pipeline, and against each
        pipeline it left (its stay there, and the stage it left from); empty
        when it conforms."""
        pipeline = self.pipeline_of(record)
        if isinstance(pipeline, Issue):
            return (pipeline,)
        return (*pipeline.issues(record), *self._left_issues(record))

    def _left_issues(self, record: Any) -> list[Issue]:
        """The rules of the pipelines *record* left that its history breaks, for
        those given: its changes there are moves it allows, and the stage it
        left from is an open one (a transfer moves an open deal). The rules of a
        pipeline not given are unknown here."""
        history = getattr(record, "history", ())
        marks = _transfer_marks(history)
        issues: list[Issue] = []
        for n, i in enumerate(marks):
            left_id = getattr(history[i], "from_pipeline", None)
            left = self.by_id.get(left_id) if isinstance(left_id, str) else None
            if left is None or (n and history[marks[n - 1]].to_pipeline != left_id):
                continue  # a pipeline not given, or a broken chain its pipeline names
            issues += left._stay_issues(history, marks[n - 1] if n else 0, i)
            stage = history[i].from_stage
            if stage not in left or not left.stage(stage).is_open:
                expected = f"an open stage of pipeline {left_id!r} (a transfer moves open deals)"
                issues.append(Issue(f"history[{i}].from_stage", stage, expected))
        return issues

    def validate(self, record: R) -> R:
        """*record* unchanged when it conforms to its pipeline (and to those it
        left).

        Raises:
            ValidationError: naming every rule broken, with the record's id.
        """
        pipeline = self.pipeline_of(record)
        found = [pipeline] if isinstance(pipeline, Issue) else list(self.issues(record))
        if not found:
            return record
        record_id = getattr(record, "id", None)
        name = type(record).__name__ + (f" {record_id!r}" if isinstance(record_id, str) else "")
        if isinstance(pipeline, Pipeline):
            name += f" in pipeline {pipeline.id!r}"
        raise ValidationError(found, name)

    def known_pairs(self) -> set[tuple[str, str]]:
        """Every ``(pipeline id, stage id)`` of the book."""
        return {(p.id, s.id) for p in self.by_id.values() for s in p.stages}


#: What ``pipelines=`` takes: one pipeline, several, or ``{id: pipeline}``.
Pipelines: TypeAlias = Pipeline | Iterable[Pipeline] | Mapping[str, Pipeline] | PipelineBook

#: The pipelines KPIs check stage records against unless told otherwise.
DEFAULT_BOOK: Final = PipelineBook([DEFAULT_PIPELINE, LEAD_LIFECYCLE])
