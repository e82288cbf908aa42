"""Pipelines: the stage state machine that deals and leads move through.

One immutable :class:`Pipeline` serves every entity; the entity's ``stage`` is a
plain field and its ``history`` a tuple of :class:`~salesmodel.StageChange`. A move
returns a new entity or raises :class:`~salesmodel.TransitionError`, leaving the
old one untouched. Pipelines check their own definition when built
(:class:`~salesmodel.PipelineDefinitionError`), so a broken one fails at import,
not in production.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, meta, replacer
from .entities import Deal, Lead, StageChange
from .enums import LossReason, Status
from .errors import Issue, PipelineDefinitionError, TransitionError, ValidationError
from .money import parse_amount

__all__ = [
    "DEFAULT_PIPELINE",
    "LEAD_LIFECYCLE",
    "Guard",
    "Pipeline",
    "Stage",
    "StageEntity",
]


class StageEntity(Protocol):
    """What a pipeline moves: a :class:`~salesmodel.Deal`, a
    :class:`~salesmodel.Lead`, or any checked record with these fields."""

    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def stage(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def history(self) -> tuple[StageChange, ...]: ...


E = TypeVar("E", bound=StageEntity)


def _probability(value: Decimal | float | int | str) -> Decimal:
    """A probability given as a float, int or str, as a Decimal (the rule then
    judges it; what does not convert is passed on unchanged for the error)."""
    if type(value) is float or type(value) is int or type(value) is str:
        number = parse_amount(value)
        return value if number is None else number  # type: ignore[return-value]
    return value  # type: ignore[return-value]


_PROBABILITY: Final = Rule(
    "type({v}) is Decimal and {v}.is_finite() and 0 <= {v} <= 1",
    "a probability between 0 and 1",
    {"Decimal": Decimal},
)


@checked(error=PipelineDefinitionError)
@attrs.frozen
class Stage(Record):
    """One stage of a pipeline.

    Args:
        id: Unique within its pipeline; what ``entity.stage`` holds.
        name: Display name.
        probability: The chance a deal here is won, in [0, 1]; a float is taken by
            its shortest repr and kept as a Decimal, so weighted amounts stay exact.
        status: ``OPEN`` for a stage deals are worked in; ``WON`` or ``LOST`` for a
            closing stage. A pipeline may have several of each.
        forecast_category: Where deals here count in a forecast (e.g.
            ``"pipeline"``, ``"best_case"``, ``"commit"``, ``"closed"``).
        rot_after: How long a deal may sit here before it counts as stale.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.TEXT))
    name: str = attrs.field(metadata=meta(r.TEXT))
    probability: Decimal = attrs.field(converter=_probability, metadata=meta(_PROBABILITY))
    status: Status = attrs.field(default=Status.OPEN, metadata=meta(r.closed_enum(Status)))
    forecast_category: str | None = attrs.field(
        default=None, kw_only=True, metadata=meta(r.OPT_TEXT)
    )
    rot_after: timedelta | None = attrs.field(
        default=None, kw_only=True, metadata=meta(r.POSITIVE_DURATION.optional())
    )

    @property
    def is_open(self) -> bool:
        """Whether deals are still worked in this stage."""
        return self.status is Status.OPEN

    @property
    def is_closed(self) -> bool:
        """Whether this stage closes a deal (won or lost)."""
        return self.status is not Status.OPEN


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    """Stage or field names given as any iterable, kept as a tuple."""
    return tuple(value)


@attrs.frozen(kw_only=True)
class Guard:
    """A named condition a move must meet, e.g. "closing needs an expected close
    date". Its name appears in the :class:`TransitionError` it raises.

    Args:
        name: Shown in errors, e.g. ``"closing-needs-expected-close"``.
        into: The stages it guards (moves into them); empty means every move.
        fields: Fields that must be set (not None, not empty) on the entity before
            the move. Guards made only of fields serialise with the pipeline.
        predicate: Any other check of the entity before the move; a Python
            callable, so a pipeline holding one cannot be serialised.
        message: What to tell the user when the guard refuses.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field()
    into: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    fields: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    predicate: Callable[[Any], bool] | None = attrs.field(default=None)
    message: str | None = attrs.field(default=None)

    @name.validator
    def _check_name(self, _: object, value: object) -> None:
        if type(value) is not str or not value.strip():
            raise PipelineDefinitionError([Issue("name", value, "a non-empty str")], "Guard")

    def applies_to(self, stage_id: str) -> bool:
        """Whether a move into *stage_id* is guarded by this guard."""
        return not self.into or stage_id in self.into

    def allows(self, entity: Any) -> bool:
        """Whether *entity* may make a guarded move."""
        for field in self.fields:
            value = getattr(entity, field, None)
            if value is None or value == "" or value == ():
                return False
        return self.predicate is None or bool(self.predicate(entity))

    def explain(self) -> str:
        """Why the guard refuses, for the error message."""
        if self.message:
            return self.message
        if self.fields:
            return "needs " + ", ".join(self.fields) + " set"
        return "its condition is not met"


def _lookup(stages: Mapping[str, Stage], stage_id: str) -> Stage:
    try:
        return stages[stage_id]
    except (KeyError, TypeError):
        known = ", ".join(map(repr, stages))
        raise ValidationError.single("stage_id", stage_id, f"one of {known}") from None


class Pipeline:
    """An immutable stage state machine, shared by every entity that moves through
    it.

    Args:
        id: Unique id; deals name it in ``pipeline_id``.
        stages: In order. The first must be open; open stages come in the order a
            deal advances through them.
        transitions: ``{from_stage: [to_stage, ...]}`` to spell every allowed
            move out. ``None`` (the default) derives them from the policies below.
        name: Display name.
        allow_skip: With derived transitions, allow jumping over open stages (and
            winning from any open stage). Default: one step at a time.
        allow_back: With derived transitions, allow going back (one step, or any
            number with *allow_skip*). Default: one step back.
        reopen_to: ``{closed_stage: [open_stage, ...]}``: the only way out of a
            closed stage. Default: closed stages are final.
        lost_requires_reason: A move into a lost stage needs a ``reason``.
        guards: :class:`Guard` conditions moves must meet.

    Raises:
        PipelineDefinitionError: listing every problem in the definition: duplicate
            or unknown stage ids, a stage unreachable from the first, an open stage
            that can never close, a closed stage left other than by reopen, no open
            stage, a bad probability.

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_by_id",
        "_index",
        "_moves",
        "_targets",
        "allow_back",
        "allow_skip",
        "guards",
        "id",
        "lost_requires_reason",
        "name",
        "reopen_to",
        "stages",
        "transitions",
    )

    id: str
    name: str
    stages: tuple[Stage, ...]
    transitions: Mapping[str, tuple[str, ...]] | None
    allow_skip: bool
    allow_back: bool
    reopen_to: Mapping[str, tuple[str, ...]]
    lost_requires_reason: bool
    guards: tuple[Guard, ...]
    _by_id: dict[str, Stage]
    _index: dict[str, int]
    _targets: dict[str, tuple[str, ...]]
    _moves: dict[str, dict[str, tuple[Status, tuple[Guard, ...], bool]]]

    def __init__(
        self,
        id: str,  # noqa: A002 - the domain's word
        stages: Iterable[Stage],
        transitions: Mapping[str, Iterable[str]] | None = None,
        *,
        name: str | None = None,
        allow_skip: bool = False,
        allow_back: bool = True,
        reopen_to: Mapping[str, Iterable[str]] | None = None,
        lost_requires_reason: bool = True,
        guards: Iterable[Guard] = (),
    ) -> None:
        issues: list[Issue] = []
        stages = _as_tuple(stages, "stages", issues)
        transitions_map = (
            None if transitions is None else _as_map(transitions, "transitions", issues)
        )
        reopen_map = _as_map(reopen_to or {}, "reopen_to", issues)
        guard_list = _as_tuple(guards, "guards", issues)
        if type(id) is not str or not id.strip():
            issues.append(Issue("id", id, "a non-empty str"))
        flags: tuple[tuple[str, object], ...] = (
            ("allow_skip", allow_skip),
            ("allow_back", allow_back),
            ("lost_requires_reason", lost_requires_reason),
        )
        for flag, value in flags:
            if type(value) is not bool:
                issues.append(Issue(flag, value, "True or False"))
        if name is not None and (type(name) is not str or not name.strip()):
            issues.append(Issue("name", name, "None or a non-empty str"))
        for i, stage in enumerate(stages):
            if type(stage) is not Stage:
                issues.append(Issue(f"stages[{i}]", stage, "a Stage"))
        for i, guard in enumerate(guard_list):
            if type(guard) is not Guard:
                issues.append(Issue(f"guards[{i}]", guard, "a Guard"))
        if issues:
            raise PipelineDefinitionError(issues, "Pipeline", id if type(id) is str else None)
        set_ = object.__setattr__
        set_(self, "id", id)
        set_(self, "name", name or id)
        set_(self, "stages", stages)
        set_(self, "transitions", transitions_map)
        set_(self, "allow_skip", allow_skip)
        set_(self, "allow_back", allow_back)
        set_(self, "reopen_to", reopen_map)
        set_(self, "lost_requires_reason", lost_requires_reason)
        set_(self, "guards", guard_list)
        set_(self, "_by_id", {s.id: s for s in stages})
        set_(self, "_index", {s.id: i for i, s in enumerate(stages)})
        set_(self, "_targets", self._derive_targets())
        problems = self._definition_problems()
        if problems:
            raise PipelineDefinitionError(problems, "Pipeline", id)
        # from → to → (status, guards, needs a reason): all move() looks up.
        moves = {
            source: {
                to: (
                    self._by_id[to].status,
                    tuple(g for g in self.guards if g.applies_to(to)),
                    lost_requires_reason and self._by_id[to].status is Status.LOST,
                )
                for to in targets
            }
            for source, targets in self._targets.items()
        }
        set_(self, "_moves", moves)

    # --- definition -------------------------------------------------------------

    def _derive_targets(self) -> dict[str, tuple[str, ...]]:
        """Every allowed move, as ``{from: (to, ...)}`` in stage order."""
        known = self._by_id
        if self.transitions is not None:
            targets = {s: tuple(t for t in ts if t in known) for s, ts in self.transitions.items()}
        else:
            targets = self._policy_targets()
        for closed, opens in self.reopen_to.items():
            targets[closed] = targets.get(closed, ()) + tuple(t for t in opens if t in known)
        return {s.id: targets.get(s.id, ()) for s in self.stages}

    def _policy_targets(self) -> dict[str, tuple[str, ...]]:
        opened = [s.id for s in self.stages if s.is_open]
        won = [s.id for s in self.stages if s.status is Status.WON]
        lost = [s.id for s in self.stages if s.status is Status.LOST]
        targets: dict[str, tuple[str, ...]] = {}
        for i, stage in enumerate(opened):
            forward = opened[i + 1 :] if self.allow_skip else opened[i + 1 : i + 2]
            back: list[str] = []
            if self.allow_back:
                back = opened[:i] if self.allow_skip else opened[max(i - 1, 0) : i]
            last = i == len(opened) - 1
            wins = won if (last or self.allow_skip) else []
            moves = set(forward) | set(back) | set(wins) | set(lost)
            targets[stage] = tuple(s for s in self._index if s in moves)
        return targets

    def _definition_problems(self) -> list[Issue]:
        issues: list[Issue] = []
        if not self.stages:
            return [Issue("stages", self.stages, "at least one open stage and one closed stage")]
        seen: set[str] = set()
        for i, stage in enumerate(self.stages):
            if stage.id in seen:
                issues.append(Issue(f"stages[{i}].id", stage.id, "unique within the pipeline"))
            seen.add(stage.id)
        if not any(s.is_open for s in self.stages):
            issues.append(Issue("stages", [s.id for s in self.stages], "at least one open stage"))
        elif not self.stages[0].is_open:
            issues.append(
                Issue("stages[0]", self.stages[0].id, "an open stage (deals start there)")
            )
        known = ", ".join(repr(s) for s in self._index)
        for field, mapping in (
            ("transitions", self.transitions or {}),
            ("reopen_to", self.reopen_to),
        ):
            for source, targets in mapping.items():
                if source not in self._by_id:
                    issues.append(
                        Issue(f"{field}[{source!r}]", source, f"a stage of this pipeline ({known})")
                    )
                for target in targets:
                    if target not in self._by_id:
                        issues.append(
                            Issue(
                                f"{field}[{source!r}]",
                                target,
                                f"a stage of this pipeline ({known})",
                            )
                        )
        for source, targets in (self.transitions or {}).items():
            left = self._by_id.get(source)
            if left is not None and left.is_closed and targets:
                issues.append(
                    Issue(
                        f"transitions[{source!r}]",
                        list(targets),
                        "empty: a closed stage is left only by reopen_to=",
                    )
                )
        for source, targets in self.reopen_to.items():
            reopened = self._by_id.get(source)
            if reopened is not None and reopened.is_open:
                issues.append(Issue(f"reopen_to[{source!r}]", source, "a closed stage"))
            for target in targets:
                into = self._by_id.get(target)
                if into is not None and into.is_closed:
                    issues.append(
                        Issue(f"reopen_to[{source!r}]", target, "an open stage to reopen into")
                    )
        for i, guard in enumerate(self.guards):
            for target in guard.into:
                if target not in self._by_id:
                    issues.append(
                        Issue(f"guards[{i}].into", target, f"a stage of this pipeline ({known})")
                    )
        for target in self.transitions_into_self():
            issues.append(Issue(f"transitions[{target!r}]", target, "a stage other than itself"))
        if issues:
            return issues
        reachable = self._reachable(self.stages[0].id)
        for stage in self.stages:
            if stage.id not in reachable:
                issues.append(Issue("stages", stage.id, f"reachable from {self.stages[0].id!r}"))
        closed = {s.id for s in self.stages if s.is_closed}
        if not closed:
            issues.append(Issue("stages", [s.id for s in self.stages], "at least one closed stage"))
        else:
            for stage in self.stages:
                if stage.is_open and not (self._reachable(stage.id) & closed):
                    issues.append(Issue("stages", stage.id, "able to reach a closed stage"))
        return issues

    def transitions_into_self(self) -> list[str]:
        """Stages that list themselves as a target (a move must go somewhere)."""
        mapping = {**(self.transitions or {}), **self.reopen_to}
        return [s for s, targets in mapping.items() if s in targets]

    def _reachable(self, start: str) -> set[str]:
        seen, queue = {start}, deque([start])
        while queue:
            for target in self._targets.get(queue.popleft(), ()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen

    # --- queries ----------------------------------------------------------------

    @property
    def first(self) -> Stage:
        """The stage new deals start in."""
        return self.stages[0]

    def stage(self, stage_id: str) -> Stage:
        """The stage with id *stage_id*.

        Raises:
            ValidationError: for an id this pipeline does not have.
        """
        return _lookup(self._by_id, stage_id)

    def __contains__(self, stage_id: object) -> bool:
        return stage_id in self._by_id

    def index(self, stage_id: str) -> int:
        """The position of *stage_id* in ``stages``."""
        self.stage(stage_id)
        return self._index[stage_id]

    def targets(self, stage_id: str) -> tuple[str, ...]:
        """The stages an entity in *stage_id* may move to, in stage order."""
        self.stage(stage_id)
        return self._targets[stage_id]

    @property
    def won_stages(self) -> tuple[Stage, ...]:
        """The stages that win a deal."""
        return tuple(s for s in self.stages if s.status is Status.WON)

    @property
    def lost_stages(self) -> tuple[Stage, ...]:
        """The stages that lose a deal."""
        return tuple(s for s in self.stages if s.status is Status.LOST)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        """The stages deals are worked in, in order."""
        return tuple(s for s in self.stages if s.is_open)

    # --- moves ------------------------------------------------------------------

    def can_move(self, entity: StageEntity, to: str) -> bool:
        """Whether *entity* may move to *to* now (stage rules and guards; the time
        and the reason are the move's own arguments)."""
        return self._refusal(entity, to) is None

    def _refusal(self, entity: StageEntity, to: str) -> TransitionError | None:
        """Why *entity* may not move to *to*, or None."""
        current = getattr(entity, "stage", None)
        if type(current) is not str or not isinstance(entity, Record):
            return self._error(
                entity, to, "bad-argument", "only a deal, a lead or a record with a stage moves", ()
            )
        pipeline_id = getattr(entity, "pipeline_id", self.id)
        if pipeline_id != self.id:
            return self._error(
                entity,
                to,
                "wrong-pipeline",
                f"it is in pipeline {pipeline_id!r}, not {self.id!r}; "
                f"use {self.id}.transfer() to move it here",
                allowed=(),
            )
        if current not in self._by_id:
            return self._error(
                entity,
                to,
                "unknown-stage",
                f"its stage {current!r} is not in pipeline {self.id!r}",
                (),
            )
        allowed = self._targets[current]
        if type(to) is not str or to not in self._by_id:
            return self._error(entity, to, "unknown-stage", f"{to!r} is not a stage of {self.id!r}")
        if to == current:
            return self._error(entity, to, "same-stage", f"it is already in {to!r}")
        if to not in allowed:
            return self._error(entity, to, "not-allowed", f"{current!r} → {to!r} is not allowed")
        for guard in self.guards:
            if guard.applies_to(to) and not guard.allows(entity):
                return self._error(
                    entity, to, guard.name, f"guard {guard.name!r}: {guard.explain()}"
                )
        return None

    def _error(
        self,
        entity: StageEntity,
        to: object,
        rule: str,
        why: str,
        allowed: tuple[str, ...] | None = None,
    ) -> TransitionError:
        current = getattr(entity, "stage", None)
        if allowed is None:
            allowed = self._targets.get(current, ()) if isinstance(current, str) else ()
        options = ", ".join(allowed) or "none"
        entity_id = getattr(entity, "id", None)
        return TransitionError(
            f"cannot move {type(entity).__name__} {entity_id!r} from {current!r} to {to!r}: "
            f"{why} (allowed from {current!r}: {options})",
            entity_id=entity_id,
            from_stage=current,
            to_stage=to if isinstance(to, str) else repr(to),
            allowed=allowed,
            rule=rule,
        )

    def move(
        self,
        entity: E,
        to: str,
        *,
        at: datetime,
        by: str | None = None,
        reason: LossReason | str | None = None,
    ) -> E:
        """*entity* moved to stage *to* at time *at*: a new entity whose ``stage``,
        ``status``, ``closed_at``, ``loss_reason`` and ``history`` follow the move.

        Moving into a won or lost stage closes it (``closed_at = at``); moving out
        of a closed stage (a reopen) clears ``closed_at`` and ``loss_reason``.
        History is only ever appended to.

        Args:
            to: The target stage id.
            at: When, timezone-aware, no earlier than the last change.
            by: Who moved it.
            reason: Why; required for a lost stage when the pipeline says so, and
                kept as the deal's ``loss_reason``.

        Raises:
            TransitionError: with ``.rule`` saying which rule refused:
                ``"wrong-pipeline"``, ``"unknown-stage"``, ``"same-stage"``,
                ``"not-allowed"``, a guard's name, ``"naive-time"``,
                ``"time-order"``, ``"reason-required"`` or ``"bad-argument"``.

        .. versionadded:: 0.1.0
        """
        # The common case in one expression; anything unusual takes the path that
        # names the exact rule broken (or moves a custom record type).
        try:
            status, guards, needs_reason = self._moves[entity.stage][to]
            history = entity.history
            cls = type(entity)
            fast = (
                (cls is Lead or (cls is Deal and entity.pipeline_id == self.id))  # type: ignore[attr-defined]
                and type(at) is datetime
                and at.utcoffset() is not None
                and at >= (history[-1].at if history else entity.created_at)
                and (reason is not None or not needs_reason)
                and (by is None or (type(by) is str and by != "" and not by.isspace()))
                and (
                    reason is None
                    or type(reason) is LossReason
                    or (type(reason) is str and reason != "" and not reason.isspace())
                )
                and (not guards or all(guard.allows(entity) for guard in guards))
            )
        except (KeyError, TypeError, AttributeError):
            fast = False
        if not fast:
            return self._checked_move(entity, to, at, by, reason)
        if reason is not None:
            reason = _LOSS_BY_VALUE.get(reason, reason)
        change = _new_change(entity.stage, to, at, by, reason)
        closed_at = None if status is Status.OPEN else at
        if cls is Deal:
            loss_reason = reason if status is Status.LOST else None
            return _replace_deal(entity, to, status, closed_at, loss_reason, (*history, change))  # type: ignore[no-any-return]
        return _replace_lead(entity, to, status, closed_at, (*history, change))  # type: ignore[no-any-return]

    def _checked_move(
        self, entity: E, to: str, at: datetime, by: str | None, reason: LossReason | str | None
    ) -> E:
        """The move, checking each rule in turn so the error names the one broken."""
        refusal = self._refusal(entity, to)
        if refusal is not None:
            raise refusal
        history = entity.history
        last = history[-1].at if history else entity.created_at
        if type(at) is not datetime or at.utcoffset() is None:
            raise self._error(
                entity, to, "naive-time", f"at={at!r} must be a timezone-aware datetime"
            )
        if at < last:
            raise self._error(
                entity,
                to,
                "time-order",
                f"at={at.isoformat()} is before its last change ({last.isoformat()})",
            )
        target = self._by_id[to]
        if target.status is Status.LOST and self.lost_requires_reason and reason is None:
            reasons = ", ".join(m.value for m in LossReason)
            raise self._error(
                entity,
                to,
                "reason-required",
                f"a lost move needs a reason (e.g. {reasons}, or your own)",
            )
        if by is not None and (type(by) is not str or not by.strip()):
            raise self._error(
                entity, to, "bad-argument", f"by={by!r} must be None or a non-empty str"
            )
        if reason is not None:
            if not isinstance(reason, str) or not reason.strip():
                raise self._error(
                    entity, to, "bad-argument", f"reason={reason!r} must be None or a non-empty str"
                )
            reason = _LOSS_BY_VALUE.get(reason, reason)
        change = _new_change(entity.stage, to, at, by, reason)
        closed_at = None if target.status is Status.OPEN else at
        replace = _replace_moved(type(entity))
        if "loss_reason" in attrs.fields_dict(type(entity)):  # type: ignore[arg-type]
            loss_reason = reason if target.status is Status.LOST else None
            return replace(entity, to, target.status, closed_at, loss_reason, (*history, change))  # type: ignore[no-any-return]
        return replace(entity, to, target.status, closed_at, (*history, change))  # type: ignore[no-any-return]

    def win(self, entity: E, *, at: datetime, by: str | None = None, to: str | None = None) -> E:
        """*entity* moved to the won stage (name it with *to* when there are
        several)."""
        return self.move(entity, to or self._only(self.won_stages, "won", entity), at=at, by=by)

    def lose(
        self,
        entity: E,
        reason: LossReason | str,
        *,
        at: datetime,
        by: str | None = None,
        to: str | None = None,
    ) -> E:
        """*entity* moved to the lost stage, for *reason*."""
        stage = to or self._only(self.lost_stages, "lost", entity)
        return self.move(entity, stage, at=at, by=by, reason=reason)

    def reopen(
        self,
        entity: E,
        *,
        at: datetime,
        to: str | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> E:
        """*entity*, closed, moved back to an open stage (``closed_at`` and
        ``loss_reason`` cleared, history kept)."""
        if to is None:
            options = self.reopen_to.get(entity.stage, ())
            if len(options) != 1:
                raise self._error(
                    entity,
                    None,
                    "not-allowed",
                    "name the stage to reopen into with to=" if options else "its stage is final",
                )
            to = options[0]
        return self.move(entity, to, at=at, by=by, reason=reason)

    def _only(self, stages: tuple[Stage, ...], kind: str, entity: StageEntity) -> str:
        if len(stages) == 1:
            return stages[0].id
        choices = ", ".join(s.id for s in stages)
        raise self._error(
            entity, None, "bad-argument", f"this pipeline has {kind} stages {choices}: pass to="
        )

    def transfer(
        self,
        deal: Deal,
        *,
        at: datetime,
        to: str | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> Deal:
        """*deal*, from another pipeline, moved into this one at stage *to* (the
        first stage by default). Its history is kept and the change appended
        (nothing is appended when the stage id is the same in both pipelines).

        Raises:
            TransitionError: for a closed deal, an unknown or closed stage, or a
                bad time.
        """
        to = self.first.id if to is None else to
        if deal.status is not Status.OPEN:
            raise self._error(deal, to, "not-allowed", "only an open deal changes pipeline", ())
        if type(to) is not str or to not in self._by_id or self._by_id[to].is_closed:
            raise self._error(
                deal, to, "unknown-stage", f"{to!r} is not an open stage of {self.id!r}", ()
            )
        last = deal.history[-1].at if deal.history else deal.created_at
        if type(at) is not datetime or at.utcoffset() is None or at < last:
            raise self._error(
                deal,
                to,
                "time-order",
                f"at={at!r} must be timezone-aware and no earlier than {last}",
                (),
            )
        history = deal.history
        if to != deal.stage:
            history += (
                StageChange(from_stage=deal.stage, to_stage=to, at=at, by=by, reason=reason),
            )
        return attrs.evolve(deal, pipeline_id=self.id, stage=to, history=history)

    # --- derived from history ---------------------------------------------------

    def furthest_stage(self, entity: StageEntity) -> Stage:
        """The furthest open stage *entity* has reached, by stage order (a deal
        won or lost from a stage reached that stage)."""
        visited = {entity.stage}.union(c.from_stage for c in entity.history)
        visited.update(c.to_stage for c in entity.history)
        opened = [self._by_id[s] for s in visited if s in self._by_id and self._by_id[s].is_open]
        if not opened:
            return self.first
        return max(opened, key=lambda s: self._index[s.id])

    def entered_current_stage_at(self, entity: StageEntity) -> datetime:
        """When *entity* entered the stage it is in."""
        return entity.history[-1].at if entity.history else entity.created_at

    def is_stale(self, entity: StageEntity, *, as_of: datetime) -> bool:
        """Whether *entity* is open and has sat in its stage longer than the
        stage's ``rot_after``."""
        stage = self._by_id.get(entity.stage)
        if entity.status is not Status.OPEN or stage is None or stage.rot_after is None:
            return False
        return as_of - self.entered_current_stage_at(entity) > stage.rot_after

    def stale(self, entities: Iterable[E], *, as_of: datetime) -> Iterator[E]:
        """The entities of this pipeline that are stale as of *as_of*."""
        for entity in entities:
            if getattr(entity, "pipeline_id", self.id) == self.id and self.is_stale(
                entity, as_of=as_of
            ):
                yield entity

    # --- pictures and value semantics ---------------------------------------------

    def to_mermaid(self) -> str:
        """The pipeline as a Mermaid state diagram (text; render it anywhere
        Mermaid runs, e.g. GitHub Markdown)."""
        node = _mermaid_ids([s.id for s in self.stages])
        lines = ["stateDiagram-v2", "    direction LR"]
        for stage in self.stages:
            label = f"{stage.name} ({float(stage.probability) * 100:g}%)".replace('"', "#quot;")
            lines.append(f'    state "{label}" as {node[stage.id]}')
        lines.append(f"    [*] --> {node[self.first.id]}")
        for stage in self.stages:
            for target in self._targets[stage.id]:
                edge = f"    {node[stage.id]} --> {node[target]}"
                if stage.is_closed:
                    edge += ": reopen"
                lines.append(edge)
            if stage.is_closed and not self._targets[stage.id]:
                lines.append(f"    {node[stage.id]} --> [*]")
        return "\n".join(lines)

    def _key(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.name,
            self.stages,
            None if self.transitions is None else tuple(self.transitions.items()),
            self.allow_skip,
            self.allow_back,
            tuple(self.reopen_to.items()),
            self.lost_requires_reason,
            self.guards,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not Pipeline:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Pipeline({self.id!r}, stages=[{', '.join(s.id for s in self.stages)}])"

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.id, self.stages, self.transitions, self._options()))

    def _options(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "allow_skip": self.allow_skip,
            "allow_back": self.allow_back,
            "reopen_to": dict(self.reopen_to),
            "lost_requires_reason": self.lost_requires_reason,
            "guards": self.guards,
        }


def _rebuild(
    id: str,  # noqa: A002
    stages: tuple[Stage, ...],
    transitions: Mapping[str, tuple[str, ...]] | None,
    options: dict[str, Any],
) -> Pipeline:
    return Pipeline(id, stages, transitions, **options)


def _as_tuple(value: Any, field: str, issues: list[Issue]) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        issues.append(Issue(field, value, "a sequence"))
        return ()
    return tuple(value)


def _as_map(value: Any, field: str, issues: list[Issue]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        issues.append(Issue(field, value, "a mapping of stage id to stage ids"))
        return {}
    out = {}
    for key, targets in value.items():
        if isinstance(targets, str) or not isinstance(targets, Iterable):
            issues.append(Issue(f"{field}[{key!r}]", targets, "a sequence of stage ids"))
            continue
        out[key] = tuple(targets)
    return out


def _mermaid_ids(stage_ids: list[str]) -> dict[str, str]:
    """A Mermaid node name for each stage id: letters, digits and ``_`` only, made
    unique by the stage's position when two ids would clash ("a b", "a_b")."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for i, stage_id in enumerate(stage_ids):
        name = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in stage_id)
        if name in taken or not name:
            name = f"{name}_{i}"
        taken.add(name)
        names[stage_id] = name
    return names


_LOSS_BY_VALUE: Final[dict[object, LossReason]] = {m.value: m for m in LossReason}
_MOVED: Final = ("stage", "status", "closed_at", "loss_reason", "history")
# Every part of a move is checked by move() itself, so the new records are built
# without re-checking the fields the move did not touch (see _checks.replacer).
_new_change: Final = replacer(StageChange, ("from_stage", "to_stage", "at", "by", "reason"))


@functools.cache
def _replace_moved(cls: type) -> Callable[..., Any]:
    """``replace(old, stage, status, closed_at, [loss_reason,] history)`` for *cls*."""
    names = tuple(n for n in _MOVED if n in attrs.fields_dict(cls))
    return replacer(cls, names)


_replace_deal: Final = _replace_moved(Deal)
_replace_lead: Final = _replace_moved(Lead)


_DAY: Final = timedelta(days=1)

#: The seven-step sales process of the source material, up to the sale: strict
#: (forward one step, back one step, won only from closing), lost from every open
#: stage with a reason, a lost deal reopenable to qualification, won final.
#: Probabilities rise by stage: 5, 10, 20, 40, 60, 80 %, won 100 %, lost 0 %.
DEFAULT_PIPELINE: Final = Pipeline(
    "default",
    [
        Stage(
            "prospecting", "Prospecting", "0.05", forecast_category="pipeline", rot_after=14 * _DAY
        ),
        Stage(
            "qualification",
            "Qualification",
            "0.10",
            forecast_category="pipeline",
            rot_after=14 * _DAY,
        ),
        Stage("research", "Research", "0.20", forecast_category="pipeline", rot_after=21 * _DAY),
        Stage(
            "demonstration",
            "Demonstration",
            "0.40",
            forecast_category="best_case",
            rot_after=14 * _DAY,
        ),
        Stage(
            "objection_handling",
            "Handling objections",
            "0.60",
            forecast_category="best_case",
            rot_after=14 * _DAY,
        ),
        Stage("closing", "Closing", "0.80", forecast_category="commit", rot_after=30 * _DAY),
        Stage("won", "Won", 1, Status.WON, forecast_category="closed"),
        Stage("lost", "Lost", 0, Status.LOST, forecast_category="omitted"),
    ],
    name="Sales process",
    reopen_to={"lost": ["qualification"]},
)

#: The lead lifecycle of the source material: suspect → contacted → mql → sql →
#: converted; disqualified (with a reason) from every open stage; nurture parks a
#: lead that bought elsewhere, and returns it to mql.
LEAD_LIFECYCLE: Final = Pipeline(
    "lead_lifecycle",
    [
        Stage("suspect", "Suspect", "0.02"),
        Stage("contacted", "Contacted", "0.05"),
        Stage("mql", "Marketing qualified", "0.15"),
        Stage("sql", "Sales qualified", "0.40"),
        Stage("nurture", "Nurture", "0.03"),
        Stage("converted", "Converted", 1, Status.WON),
        Stage("disqualified", "Disqualified", 0, Status.LOST),
    ],
    {
        "suspect": ["contacted", "disqualified"],
        "contacted": ["mql", "nurture", "disqualified"],
        "mql": ["sql", "nurture", "disqualified"],
        "sql": ["mql", "converted", "nurture", "disqualified"],
        "nurture": ["mql", "disqualified"],
    },
    name="Lead lifecycle",
)
