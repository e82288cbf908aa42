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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from operator import attrgetter
from typing import Any, Final, Literal, Protocol, TypeVar

import attrs

from . import _rules as r
from ._checks import Record, Rule, checked, cross, meta, replacer, unchecked
from ._time import aware_instant, time_expected
from ._vocabulary import well_known
from .attributes import plain_str, shown
from .entities import LOSS_REASON, Deal, Lead, StageChange
from .enums import LossReason, Status
from .errors import (
    MISSING,
    Issue,
    PipelineDefinitionError,
    SalesModelError,
    TransitionError,
    ValidationError,
    short_repr,
)
from .money import parse_amount

__all__ = [
    "DEFAULT_PIPELINE",
    "LEAD_LIFECYCLE",
    "Guard",
    "Pipeline",
    "Stage",
    "StageEntity",
    "Transition",
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


@cross("status", "probability")
def _closed_probability(status: Status, probability: Decimal) -> list[Issue] | None:
    # A closed stage's chance is known: a weighted pipeline must not count a won
    # deal at less than its amount, nor a lost one at more than nothing.
    if status is Status.WON and probability != 1:
        return [Issue("probability", probability, "1, since status is 'won'")]
    if status is Status.LOST and probability != 0:
        return [Issue("probability", probability, "0, since status is 'lost'")]
    return None


@checked(_closed_probability, error=PipelineDefinitionError)
@attrs.frozen
class Stage(Record):
    """One stage of a pipeline.

    Args:
        id: Unique within its pipeline; what ``entity.stage`` holds.
        name: Display name.
        probability: The chance a deal here is won, in [0, 1]; a float is taken by
            its shortest repr and kept as a Decimal, so weighted amounts stay exact.
            A won stage's is 1 and a lost stage's 0.
        status: ``OPEN`` for a stage deals are worked in; ``WON`` or ``LOST`` for a
            closing stage. A pipeline may have several of each.
        forecast_category: Where deals here count in a forecast (e.g.
            ``"pipeline"``, ``"best_case"``, ``"commit"``, ``"closed"``).
        rot_after: How long a deal may sit here before it counts as stale.

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(metadata=meta(r.ID))  # what a record's stage field holds
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


#: What a :class:`Transition` does: ``"enter"`` the pipeline (a transfer's entry
#: stage), ``"move"`` between open stages, ``"close"`` (win or lose), ``"reopen"``.
TransitionKind = Literal["enter", "move", "close", "reopen"]


@attrs.frozen
class Transition:
    """One allowed move of a pipeline, as :meth:`Pipeline.rules` lists them.

    Attributes:
        from_stage: The stage left; None for an entry stage (a record transferred
            in enters there).
        to_stage: The stage entered.
        kind: ``"enter"``, ``"move"``, ``"close"`` or ``"reopen"``.
        guards: The names of the guards a move into ``to_stage`` must pass.
        reason_required: Whether the move needs a ``reason``.

    ``str()`` gives one line, e.g. ``"closing -> won [guard needs-po]"``.

    .. versionadded:: 0.1.0
    """

    from_stage: str | None
    to_stage: str
    kind: TransitionKind
    guards: tuple[str, ...] = ()
    reason_required: bool = False

    def __str__(self) -> str:
        text = (
            f"enter {self.to_stage}"
            if self.from_stage is None
            else f"{self.from_stage} -> {self.to_stage}"
        )
        if self.kind == "reopen":
            text += " (reopen)"
        if self.reason_required:
            text += " (reason required)"
        for guard in self.guards:
            text += f" [guard {guard}]"
        return text


def _plain_name(value: str) -> str:
    """A guard's name as plain str (see ``plain_str``), for its converter."""
    return plain_str(value)  # type: ignore[no-any-return]


def _plain_message(value: str | None) -> str | None:
    """A guard's message as plain str (see ``plain_str``), for its converter."""
    return plain_str(value)  # type: ignore[no-any-return]


def _label(value: Any, lines: bool = False) -> bool:
    """Whether *value* is a str that is not blank (only whitespace and invisible
    format characters) and holds no control character (with *lines*, tabs and
    line breaks allowed): a guard's name and message, a pipeline's name."""
    return type(value) is str and shown(value, lines)


#: What a guard's name, its message and a pipeline's name must be, for messages.
GUARD_NAME_EXPECTED: Final = "a non-blank str without control characters"
GUARD_MESSAGE_EXPECTED: Final = (
    "None or a non-blank str without control characters other than tab and line breaks"
)
PIPELINE_NAME_EXPECTED: Final = "None or a non-blank str without control characters"


def _names(value: Any, field: str, what: str) -> tuple[str, ...]:
    """Names given as any iterable of non-empty str, kept as a tuple of plain str
    (one str is refused: it would be read letter by letter)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        hint = f" (write ({value!r},) for one)" if isinstance(value, str) else ""
        raise PipelineDefinitionError([Issue(field, value, f"a tuple of {what}{hint}")], "Guard")
    names = tuple(map(plain_str, value))
    for i, name in enumerate(names):
        if type(name) is not str or not name.strip():
            raise PipelineDefinitionError([Issue(f"{field}[{i}]", name, f"a {what[:-1]}")], "Guard")
    return names


def _stage_names(value: Iterable[str]) -> tuple[str, ...]:
    return _names(value, "into", "stage ids")


def _field_list(value: Iterable[str]) -> tuple[str, ...]:
    return _names(value, "fields", "field names")


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

    name: str = attrs.field(converter=_plain_name)
    into: tuple[str, ...] = attrs.field(default=(), converter=_stage_names)
    fields: tuple[str, ...] = attrs.field(default=(), converter=_field_list)
    predicate: Callable[[Any], bool] | None = attrs.field(default=None)
    message: str | None = attrs.field(default=None, converter=_plain_message)

    @name.validator
    def _check_name(self, _: object, value: object) -> None:
        if not _label(value):
            raise PipelineDefinitionError([Issue("name", value, GUARD_NAME_EXPECTED)], "Guard")

    @predicate.validator
    def _check_predicate(self, _: object, value: object) -> None:
        if value is not None and not callable(value):
            raise PipelineDefinitionError(
                [Issue("predicate", value, "None or a callable of the record")], "Guard"
            )

    @message.validator
    def _check_message(self, _: object, value: object) -> None:
        if value is not None and not _label(value, lines=True):
            raise PipelineDefinitionError(
                [Issue("message", value, GUARD_MESSAGE_EXPECTED)], "Guard"
            )

    def applies_to(self, stage_id: str) -> bool:
        """Whether a move into *stage_id* is guarded by this guard."""
        return not self.into or stage_id in self.into

    def allows(self, entity: Any) -> bool:
        """Whether *entity* may make a guarded move."""
        for field in self.fields:
            value = getattr(entity, field, None)
            # empty: None, "", (), or an empty mapping (a record's attributes)
            if (
                value is None
                or value == ""
                or value == ()
                or (isinstance(value, Mapping) and not value)
            ):
                return False
        if self.predicate is None:
            return True
        try:
            return bool(self.predicate(entity))
        except SalesModelError:
            raise
        except Exception as error:  # your predicate's error, said as the guard's
            raise ValidationError.single(
                f"guards[{self.name!r}].predicate",
                self.predicate,
                f"a predicate that judges every record it is asked about (it raised "
                f"{type(error).__name__} on {_named(entity)}: {error})",
            ) from error

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
        entry_stages: The open stages a record may enter this pipeline at, when
            it is transferred from another one (:meth:`transfer`). Default: the
            first stage only.
        kind: The record class this pipeline moves (:class:`~salesmodel.Deal`,
            :class:`~salesmodel.Lead`, or your own checked record); guards'
            ``fields`` are checked against it, and other records are refused.
            None (the default) moves deals and leads alike.

    Raises:
        PipelineDefinitionError: listing every problem in the definition: duplicate
            or unknown stage ids, a stage unreachable from the first, an open stage
            that can never close, a closed stage left other than by reopen, no open
            stage, a bad probability, an entry stage that is not open, a guard
            field the records do not have.

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_allowed",
        "_by_id",
        "_index",
        "_moves",
        "_moves_deals",
        "_moves_leads",
        "_needs_reason",
        "_status",
        "_targets",
        "allow_back",
        "allow_skip",
        "entry_stages",
        "guards",
        "id",
        "kind",
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
    entry_stages: tuple[str, ...]
    kind: type | None
    _by_id: dict[str, Stage]
    _index: dict[str, int]
    _targets: dict[str, tuple[str, ...]]
    _moves: dict[
        str, dict[str, tuple[Status, Status, tuple[Guard, ...], bool, frozenset[str], str]]
    ]
    _status: dict[str, Status]
    _allowed: frozenset[tuple[str, str]]
    _needs_reason: frozenset[str]
    _moves_deals: bool
    _moves_leads: bool

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
        entry_stages: Iterable[str] | None = None,
        kind: type | None = None,
    ) -> None:
        issues: list[Issue] = []
        stages = _as_tuple(stages, "stages", issues)
        entries = None if entry_stages is None else _as_tuple(entry_stages, "entry_stages", issues)
        if entries is not None:
            entries = tuple(map(plain_str, entries))  # stage ids as the plain str records keep
        if kind is not None and not _is_stage_record(kind):
            issues.append(Issue("kind", kind, _KIND_EXPECTED))
        transitions_map = (
            None if transitions is None else _as_map(transitions, "transitions", issues)
        )
        reopen_map = _as_map(reopen_to or {}, "reopen_to", issues)
        guard_list = _as_tuple(guards, "guards", issues)
        valid, id = _ID(id)  # noqa: A001 - what a deal's pipeline_id holds (a str subclass as str)
        if not valid:
            issues.append(Issue("id", id, r.ID.expected))
        flags: tuple[tuple[str, object], ...] = (
            ("allow_skip", allow_skip),
            ("allow_back", allow_back),
            ("lost_requires_reason", lost_requires_reason),
        )
        for flag, value in flags:
            if type(value) is not bool:
                issues.append(Issue(flag, value, "True or False"))
        name = plain_str(name)
        if name is not None and not _label(name):
            issues.append(Issue("name", name, PIPELINE_NAME_EXPECTED))
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
        set_(self, "entry_stages", entries or tuple(s.id for s in stages[:1]))
        set_(self, "kind", kind)
        set_(self, "_by_id", {s.id: s for s in stages})
        set_(self, "_index", {s.id: i for i, s in enumerate(stages)})
        set_(self, "_targets", self._derive_targets())
        problems = self._definition_problems(entries_given=entries is not None)
        if problems:
            raise PipelineDefinitionError(problems, "Pipeline", id)
        # from → to → (the status a record there has, the status it gets, guards,
        # needs a reason, the stages a move into *from* may come from, *to* itself: a
        # str, whatever str subclass the move was given): all move() looks up.
        came_from = {
            stage: frozenset(a for a, bs in self._targets.items() if stage in bs)
            for stage in self._by_id
        }
        moves = {
            source: {
                to: (
                    self._by_id[source].status,
                    self._by_id[to].status,
                    tuple(g for g in self.guards if g.applies_to(to)),
                    lost_requires_reason and self._by_id[to].status is Status.LOST,
                    came_from[source],
                    to,
                )
                for to in targets
            }
            for source, targets in self._targets.items()
        }
        set_(self, "_moves", moves)
        set_(self, "_status", {s.id: s.status for s in stages})
        set_(self, "_allowed", frozenset((a, b) for a, bs in self._targets.items() for b in bs))
        lost = {s.id for s in stages if s.status is Status.LOST}
        set_(self, "_needs_reason", frozenset(lost if lost_requires_reason else ()))
        set_(self, "_moves_deals", kind is None or kind is Deal)
        set_(self, "_moves_leads", kind is None or kind is Lead)

    # --- definition -------------------------------------------------------------

    def _derive_targets(self) -> dict[str, tuple[str, ...]]:
        """Every allowed move, as ``{from: (to, ...)}`` in stage order."""
        known = self._by_id
        if self.transitions is not None:
            order = self._index
            targets = {
                s: tuple(sorted({t for t in ts if t in known}, key=order.__getitem__))
                for s, ts in self.transitions.items()
            }
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

    def _definition_problems(self, *, entries_given: bool) -> list[Issue]:
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
        opened = ", ".join(s.id for s in self.stages if s.is_open)
        for i, entry in enumerate(self.entry_stages if entries_given else ()):
            entered = self._by_id.get(entry) if type(entry) is str else None
            if entered is None or entered.is_closed:
                issues.append(Issue(f"entry_stages[{i}]", entry, f"an open stage ({opened})"))
        names: set[str] = set()
        for i, guard in enumerate(self.guards):
            if guard.name in _RULES or guard.name in names:
                # TransitionError.rule names the guard: it must tell one refusal from another
                taken = "a rule's" if guard.name in _RULES else "another guard's"
                expected = f"a name no other guard or rule has (it is {taken})"
                issues.append(Issue(f"guards[{i}].name", guard.name, expected))
            names.add(guard.name)
            if not guard.fields and guard.predicate is None:
                expected = "fields or a predicate: a guard of neither refuses nothing"
                issues.append(Issue(f"guards[{i}]", guard.name, expected))
        fields = _field_names(self.kind)
        for i, guard in enumerate(self.guards):
            for field in guard.fields:
                if field not in fields:
                    whose = self.kind.__name__ if self.kind is not None else "Deal or Lead"
                    issues.append(
                        Issue(
                            f"guards[{i}].fields",
                            field,
                            f"a field of {whose} ({', '.join(sorted(fields))})",
                        )
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

    # --- conformance ------------------------------------------------------------

    def rules(self) -> tuple[Transition, ...]:
        """Every move this pipeline allows, as a plain table to pin in a test.

        One :class:`Transition` per entry stage (``from_stage`` None: where a
        transferred record enters) and per allowed move, in stage order, each with
        the guards that apply to it and whether it needs a reason. Write the rules
        you mean down in a test, independently of the pipeline's definition, and
        compare: a wrong rule shows up as a difference.

        >>> for rule in LEAD_LIFECYCLE.rules()[:4]:
        ...     print(rule)
        enter suspect
        suspect -> contacted
        suspect -> disqualified (reason required)
        contacted -> mql

        .. versionadded:: 0.1.0
        """
        rows = [
            Transition(None, entry, "enter", self._guard_names(entry), False)
            for entry in self.entry_stages
        ]
        for source, targets in self._targets.items():
            leaving = self._status[source]
            for target in targets:
                if leaving is not Status.OPEN:
                    kind: TransitionKind = "reopen"
                elif self._status[target] is Status.OPEN:
                    kind = "move"
                else:
                    kind = "close"
                rows.append(
                    Transition(
                        source,
                        target,
                        kind,
                        self._guard_names(target),
                        target in self._needs_reason,
                    )
                )
        return tuple(rows)

    def _guard_names(self, stage_id: str) -> tuple[str, ...]:
        return tuple(g.name for g in self.guards if g.applies_to(stage_id))

    def issues(self, record: Any) -> tuple[Issue, ...]:
        """Every rule of this pipeline *record* breaks; empty when it conforms.

        See :meth:`validate` for the rules.

        .. versionadded:: 0.1.0
        """
        if self._conforms(record):
            return ()
        return tuple(self._conformance(record))

    def validate(self, record: E) -> E:
        """*record* unchanged when it conforms to this pipeline.

        A record is built valid on its own (its status agrees with ``closed_at``,
        its history is in time order and ends at its stage), but only its pipeline
        knows the rest, checked here: the record is of the kind the pipeline moves;
        its ``pipeline_id`` (a deal's) is this pipeline's; its stage is one of
        this pipeline's, and its status is that stage's; a lost record names a
        reason when the pipeline requires one (a deal's ``loss_reason``, a lead's
        closing change: a lead imported without its history, which has none, is
        taken as it is); every change of its history since it entered this
        pipeline is a move the rules allow (a transfer entered at an entry stage).
        Guards are not checked: they judged the record as it was when it moved,
        which its history does not keep.

        Every boundary that takes records in applies it: ``from_dict(...,
        pipelines=)``, ``bulk.from_records(..., pipelines=)``, the command line and
        every KPI that reads stages or probabilities.

        Raises:
            ValidationError: naming every rule broken, with the record's id.

        >>> from datetime import datetime, timezone
        >>> from salesmodel import Deal, Money
        >>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
        >>> try:
        ...     DEFAULT_PIPELINE.validate(Deal(id="D-9", name="x", amount=None, created_at=t,
        ...                                    stage="won", status="open"))
        ... except ValidationError as error:
        ...     print(error)
        invalid Deal 'D-9' in pipeline 'default':
        'status' must be 'won', the status of stage 'won' (got <Status.OPEN: 'open'>)

        .. versionadded:: 0.1.0
        """
        if self._conforms(record):
            return record
        found = self._conformance(record)
        if not found:
            return record
        raise self._nonconforming(record, found)

    def _nonconforming(self, record: Any, found: list[Issue]) -> ValidationError:
        record_id = getattr(record, "id", None)
        name = type(record).__name__ + (f" {record_id!r}" if isinstance(record_id, str) else "")
        return ValidationError(found, f"{name} in pipeline {self.id!r}")

    def _conforms(self, record: Any) -> bool:
        """The common case in one expression: a deal or lead of this pipeline whose
        status is its stage's, with a reason when one is needed, whose history
        moved only as the rules allow and never changed pipeline."""
        try:
            cls = type(record)
            stage = record.stage
            history: tuple[StageChange, ...] = record.history
            return bool(
                (
                    (cls is Deal and self._moves_deals and record.pipeline_id == self.id)
                    or (cls is Lead and self._moves_leads)
                )
                and record.status is self._status[stage]
                and (
                    stage not in self._needs_reason
                    or (
                        record.loss_reason is not None
                        if cls is Deal
                        else not history or history[-1].reason is not None
                    )
                )
                and (
                    not history
                    or (
                        all(map(self._allowed.__contains__, map(_PAIR, history)))
                        and not any(map(_TO_PIPELINE, history))
                    )
                )
            )
        except (KeyError, AttributeError, TypeError):
            return False

    def _not_a_stage(self, path: str, value: object) -> Issue:
        known = ", ".join(self._status)
        return Issue(path, value, f"a stage of pipeline {self.id!r} ({known})")

    def _conformance(self, record: Any) -> list[Issue]:
        """Every rule of this pipeline *record* breaks (see :meth:`validate`)."""
        if isinstance(record, Mapping):  # data, not a record: "got nothing" would puzzle
            expected = "a record with a stage (build one from the data first: from_dict)"
            return [Issue("$", type(record).__name__, expected)]
        stage = getattr(record, "stage", MISSING)
        if type(stage) is not str:
            return [self._not_a_stage("stage", stage)]
        kind = self.kind
        # Another entity kind is refused; a row of your own type is judged by its fields.
        if kind is not None and type(record) is not kind and isinstance(record, _ENTITIES):
            return [
                Issue(
                    "$",
                    type(record).__name__,
                    f"a {kind.__name__} (what pipeline {self.id!r} moves)",
                )
            ]
        issues: list[Issue] = []
        pipeline_id = getattr(record, "pipeline_id", self.id)
        if pipeline_id != self.id:
            issues.append(
                Issue(
                    "pipeline_id", pipeline_id, f"{self.id!r}, the pipeline it is checked against"
                )
            )
        status = self._status.get(stage)
        if status is None:
            issues.append(self._not_a_stage("stage", stage))
        elif getattr(record, "status", MISSING) is not status:
            got = getattr(record, "status", MISSING)
            issues.append(Issue("status", got, f"{status.value!r}, the status of stage {stage!r}"))
        history = getattr(record, "history", ())
        if stage in self._needs_reason and getattr(record, "status", None) is Status.LOST:
            expected = f"a reason, since pipeline {self.id!r} requires one for a lost stage"
            if hasattr(record, "loss_reason"):
                if record.loss_reason is None:
                    issues.append(Issue("loss_reason", None, expected))
            elif history and history[-1].reason is None:
                # A lead names its reason in the change that lost it; one imported
                # without its history (a CRM's snapshot) has none to name.
                issues.append(Issue(f"history[{len(history) - 1}].reason", None, expected))
        marks = _transfer_marks(history)
        for n, i in enumerate(marks):
            # a transfer names the pipeline it left: the one the transfer before entered
            left = getattr(history[i], "from_pipeline", None)
            before = history[marks[n - 1]].to_pipeline if n else None
            if left is None or (before is not None and left != before):
                expected = (
                    "the pipeline the deal left with this transfer"
                    if before is None
                    else f"{before!r}, the pipeline the transfer before it entered"
                )
                issues.append(Issue(f"history[{i}].from_pipeline", left, expected))
        issues += self._stay_issues(history, marks[-1] if marks else 0, len(history))
        return issues

    def _stay_issues(self, history: Sequence[Any], start: int, end: int) -> list[Issue]:
        """The rules of this pipeline the changes ``history[start:end]`` break, a
        stay in it: the transfer into it (``history[start]``, when one) entered
        at an entry stage, and every change after it is a move it allows."""
        issues: list[Issue] = []
        for i in range(start, end):
            change = history[i]
            if getattr(change, "to_pipeline", None) is not None:
                if change.to_pipeline != self.id:
                    issues.append(
                        Issue(
                            f"history[{i}].to_pipeline",
                            change.to_pipeline,
                            f"{self.id!r}, the pipeline it is in now",
                        )
                    )
                elif change.to_stage not in self.entry_stages:
                    entries = ", ".join(self.entry_stages)
                    issues.append(
                        Issue(
                            f"history[{i}].to_stage",
                            change.to_stage,
                            f"an entry stage of pipeline {self.id!r} ({entries})",
                        )
                    )
            elif change.from_stage not in self._status or change.to_stage not in self._status:
                side = "from_stage" if change.from_stage not in self._status else "to_stage"
                issues.append(self._not_a_stage(f"history[{i}].{side}", getattr(change, side)))
            elif (change.from_stage, change.to_stage) not in self._allowed:
                allowed = ", ".join(self._targets.get(change.from_stage, ())) or "none"
                issues.append(
                    Issue(
                        f"history[{i}]",
                        f"{change.from_stage} -> {change.to_stage}",
                        f"a move pipeline {self.id!r} allows "
                        f"(from {change.from_stage!r}: {allowed})",
                    )
                )
        return issues

    # --- moves ------------------------------------------------------------------

    def can_move(self, entity: StageEntity, to: str) -> bool:
        """Whether *entity* may move to *to* now (stage rules and guards; the time
        and the reason are the move's own arguments)."""
        return self._refusal(entity, to) is None

    def _refusal(self, entity: StageEntity, to: str) -> SalesModelError | None:
        """Why *entity* may not move to *to*, or None."""
        current = getattr(entity, "stage", None)
        if type(current) is not str or not isinstance(entity, Record):
            return ValidationError.single(
                "entity", entity, "a deal, a lead or a record with a stage"
            )
        kind = self.kind
        if kind is not None and type(entity) is not kind:
            why = f"pipeline {self.id!r} moves {kind.__name__} records"
            if isinstance(entity, kind):  # a subclass: its own fields need its own kind
                mine = type(entity).__name__
                why += f" exactly; declare one of its kind, Pipeline(..., kind={mine})"
            return self._error(entity, to, "wrong-kind", why, ())
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
        status = self._status[current]
        if entity.status is not status:
            return self._error(
                entity,
                to,
                "status-mismatch",
                f"its status {getattr(entity.status, 'value', entity.status)!r} is not that of "
                f"stage {current!r} ({status.value!r}): check records with validate()",
                (),
            )
        history = entity.history
        # The change that brought it here is one this pipeline allows (or a transfer
        # into it at an entry stage): O(1), so a record built without a pipeline
        # cannot carry a broken history on through moves unnoticed. The earlier
        # changes are validate()'s, which every boundary runs (O(n)).
        if history and self._stay_issues(history, len(history) - 1, len(history)):
            return self._nonconforming(entity, self._conformance(entity))
        allowed = self._targets[current]
        if type(to) is not str or to not in self._by_id:
            return self._error(entity, to, "unknown-stage", f"{to!r} is not a stage of {self.id!r}")
        if to == current:
            return self._error(entity, to, "same-stage", f"it is already in {to!r}")
        if to not in allowed:
            return self._error(entity, to, "not-allowed", f"{current!r} → {to!r} is not allowed")
        return self._guard_refusal(entity, to)

    def _guard_refusal(self, entity: Any, to: str) -> TransitionError | None:
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
        # no stage named: a reopen into the stage the pipeline would choose
        head = "reopen" if to is None else "move"
        into = "" if to is None else f" to {short_repr(to)}"
        return TransitionError(
            f"cannot {head} {type(entity).__name__} {short_repr(entity_id)} from "
            f"{short_repr(current)}{into}: {why} (allowed from {short_repr(current)}: {options})",
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
        of a closed stage (a reopen, only where ``reopen_to`` allows it) clears
        ``closed_at`` and ``loss_reason``. History is only ever appended to.

        Args:
            to: The target stage id.
            at: When, timezone-aware, no earlier than the last change (kept as an
                instant with its UTC offset, as every datetime).
            by: Who moved it.
            reason: Why; required for a lost stage when the pipeline says so, and
                kept as the deal's ``loss_reason``.

        Raises:
            TransitionError: when the pipeline's rules refuse the move, with
                ``.rule`` saying which: ``"wrong-kind"``, ``"wrong-pipeline"``,
                ``"unknown-stage"``, ``"status-mismatch"`` (a record whose status
                is not its stage's), ``"same-stage"``, ``"not-allowed"``, a
                guard's name, ``"time-order"`` or ``"reason-required"``.
            ValidationError: for a bad argument: not a record, a ``to`` that is
                no str, a naive or nonexistent ``at``, a blank ``by`` or ``reason``;
                a guard's predicate that raised (its error is the cause); a record
                whose last change is no move of this pipeline (a record built
                without one), with every issue :meth:`validate` finds.

        .. versionadded:: 0.1.0
        """
        # The common case in one expression; anything unusual takes the path that
        # names the exact rule broken (or moves a custom record type).
        try:
            held, status, guards, needs_reason, came_from, to = self._moves[entity.stage][to]
            history = entity.history
            cls = type(entity)
            fast = (
                entity.status is held
                and (
                    (cls is Deal and self._moves_deals and entity.pipeline_id == self.id)  # type: ignore[attr-defined]
                    or (cls is Lead and self._moves_leads)
                )
                and type(at) is datetime
                and type(at.tzinfo) is timezone
                and (
                    at >= entity.created_at
                    if not history
                    # the last change is a move this pipeline allows (see _refusal)
                    else at >= (last := history[-1]).at
                    and last.from_stage in came_from
                    and last.to_pipeline is None
                )
                and (by is None or r.is_id(by))
                and (
                    not needs_reason
                    if reason is None
                    else type(reason) is LossReason or reason in _LOSS_BY_VALUE
                )
                and (not guards or all(guard.allows(entity) for guard in guards))
            )
        except (KeyError, TypeError, AttributeError):
            fast = False
        if not fast:
            return self._checked_move(entity, to, at, by, reason)
        if reason is not None:
            reason = _LOSS_BY_VALUE.get(reason, reason)
        if cls is Deal:
            return _move_deal(entity, to, status, at, by, reason)  # type: ignore[no-any-return]
        return _move_lead(entity, to, status, at, by, reason)  # type: ignore[no-any-return]

    def _checked_move(
        self, entity: E, to: str, at: datetime, by: str | None, reason: LossReason | str | None
    ) -> E:
        """The move, checking each rule in turn so the error names the one broken."""
        to = plain_str(to)  # a subclass's text: what the record keeps
        if type(to) is not str:  # a malformed argument, not a rule: no stage is named so
            raise ValidationError.single("to", to, f"a stage id of pipeline {self.id!r} (a str)")
        refusal = self._refusal(entity, to)
        if refusal is not None:
            raise refusal
        at, by, reason = _move_arguments(at, by, reason, f"move of {_named(entity)} to {to!r}")
        self._check_time(entity, to, at)
        target = self._by_id[to]
        if target.status is Status.LOST and self.lost_requires_reason and reason is None:
            reasons = ", ".join(m.value for m in LossReason)
            raise self._error(
                entity,
                to,
                "reason-required",
                f"a lost move needs a reason (e.g. {reasons}, or your own)",
            )
        return _mover(type(entity))(entity, to, target.status, at, by, reason)  # type: ignore[no-any-return]

    def _check_time(self, entity: StageEntity, to: str, at: datetime) -> None:
        history = entity.history
        last = history[-1].at if history else entity.created_at
        if at < last:
            raise self._error(
                entity,
                to,
                "time-order",
                f"at={at.isoformat()} is before its last change ({last.isoformat()})",
            )

    def win(self, entity: E, *, at: datetime, by: str | None = None, to: str | None = None) -> E:
        """*entity* moved to the won stage (name it with *to* when there are
        several).

        Raises:
            ValidationError: for a *to* that is not one of this pipeline's won
                stages, or none given when there are several; and for the bad
                arguments :meth:`move` refuses.
            TransitionError: for any rule :meth:`move` applies.
        """
        return self.move(entity, self._closing_stage(to, self.won_stages, "won"), at=at, by=by)

    def lose(
        self,
        entity: E,
        reason: LossReason | str,
        *,
        at: datetime,
        by: str | None = None,
        to: str | None = None,
    ) -> E:
        """*entity* moved to the lost stage, for *reason* (name the stage with *to*
        when there are several).

        Raises:
            ValidationError: for a *to* that is not one of this pipeline's lost
                stages, or none given when there are several; and for the bad
                arguments :meth:`move` refuses.
            TransitionError: for any rule :meth:`move` applies.
        """
        stage = self._closing_stage(to, self.lost_stages, "lost")
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
        """*entity*, closed, moved back to an open stage that ``reopen_to`` allows
        (``closed_at`` and ``loss_reason`` cleared, history kept).

        Raises:
            TransitionError: for an open record (``"not-allowed"``: only a closed
                record reopens), a final stage, or any rule :meth:`move` applies.
        """
        stage = getattr(entity, "stage", None)
        if getattr(entity, "status", None) is Status.OPEN:
            raise self._error(entity, to, "not-allowed", "it is open: only a closed record reopens")
        if to is None:
            options = self.reopen_to.get(stage, ()) if isinstance(stage, str) else ()
            if not options:
                raise self._error(entity, None, "not-allowed", "its stage is final")
            if len(options) > 1:
                raise ValidationError.single(
                    "to", None, f"the stage to reopen into: one of {', '.join(options)}"
                )
            to = options[0]
        return self.move(entity, to, at=at, by=by, reason=reason)

    def _closing_stage(self, to: str | None, stages: tuple[Stage, ...], kind: str) -> str:
        """The stage win() or lose() closes into: *to*, which must be one of
        *stages* (a win must end won, a loss lost), or the only one of them."""
        if not stages:
            raise ValidationError.single("to", to, f"a {kind} stage: {self.id!r} has none")
        choices = ", ".join(s.id for s in stages)
        if to is None:
            if len(stages) == 1:
                return stages[0].id
            raise ValidationError.single(
                "to", None, f"one of the {kind} stages ({choices}), since there are several"
            )
        if not any(to == s.id for s in stages):
            raise ValidationError.single("to", to, f"one of the {kind} stages ({choices})")
        return to

    def transfer(
        self,
        deal: Deal,
        *,
        at: datetime,
        to: str | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> Deal:
        """*deal*, open in another pipeline, moved into this one at the entry stage
        *to* (the first of ``entry_stages`` by default), with this pipeline's
        guards on that stage. Its history is kept and the change appended, marked
        with ``to_pipeline``: the changes before it followed the other pipeline's
        rules.

        Raises:
            TransitionError: with ``.rule``: ``"same-pipeline"`` (use
                :meth:`move`), ``"wrong-kind"`` (this pipeline moves no deals),
                ``"not-allowed"`` (a closed deal), ``"unknown-stage"``,
                ``"not-entry"`` (a stage records may not enter at), a guard's
                name, or ``"time-order"``.
            ValidationError: for a bad argument (not a deal, a ``to`` that is no
                str, a naive ``at``).

        .. versionadded:: 0.1.0
        """
        if type(deal) is not Deal:
            raise ValidationError.single("deal", deal, "a Deal (only deals change pipeline)")
        to = self.entry_stages[0] if to is None else to
        to = plain_str(to)  # a subclass's text: what the record keeps
        if type(to) is not str:
            raise ValidationError.single("to", to, f"a stage id of pipeline {self.id!r} (a str)")
        entries = self.entry_stages
        if self.kind is not None and self.kind is not Deal:
            moves = self.kind.__name__
            raise self._error(
                deal, to, "wrong-kind", f"pipeline {self.id!r} moves {moves} records", ()
            )
        if deal.pipeline_id == self.id:
            raise self._error(
                deal, to, "same-pipeline", f"it is already in {self.id!r}: use move()", ()
            )
        if deal.status is not Status.OPEN:
            raise self._error(deal, to, "not-allowed", "only an open deal changes pipeline", ())
        if to not in self._by_id:
            raise self._error(
                deal, to, "unknown-stage", f"{to!r} is not a stage of {self.id!r}", entries
            )
        if to not in entries:
            raise self._error(
                deal, to, "not-entry", f"{to!r} is not an entry stage of {self.id!r}", entries
            )
        refusal = self._guard_refusal(deal, to)
        if refusal is not None:
            raise refusal
        at, by, reason = _move_arguments(
            at, by, reason, f"transfer of {_named(deal)} to {self.id!r}"
        )
        self._check_time(deal, to, at)
        change = _new_change(deal.stage, to, at, by, reason, self.id, deal.pipeline_id)
        return _replace_transferred(deal, self.id, to, (*deal.history, change))  # type: ignore[no-any-return]

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
        when = aware_instant(as_of)
        if when is None:
            raise ValidationError.single("as_of", as_of, time_expected(as_of))
        stage = self._by_id.get(entity.stage)
        if entity.status is not Status.OPEN or stage is None or stage.rot_after is None:
            return False
        return when - self.entered_current_stage_at(entity) > stage.rot_after

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
            label = _mermaid_text(f"{stage.name} ({float(stage.probability) * 100:g}%)")
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
            None if self.transitions is None else _canonical(self.transitions),
            self.allow_skip,
            self.allow_back,
            _canonical(self.reopen_to),
            self.lost_requires_reason,
            self.guards,
            self.entry_stages,
            self.kind,
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
            "entry_stages": self.entry_stages,
            "kind": self.kind,
        }


def _canonical(mapping: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A stage map as compared: the order its keys and targets were written in
    does not make another pipeline."""
    return tuple(sorted((key, tuple(sorted(set(targets)))) for key, targets in mapping.items()))


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
        # stage ids as the plain str records keep (a move stores the one given here)
        out[plain_str(key)] = tuple(map(plain_str, targets))
    return out


def _mermaid_text(text: str) -> str:
    """*text* safe inside a quoted Mermaid label: control characters (a newline
    would end the label and start a statement) become spaces, and the characters
    Mermaid reads as markup become its entity codes."""
    text = "".join(" " if not c.isprintable() else c for c in text)
    return text.replace("#", "#35;").replace('"', "#quot;")


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


# A reason spelling a well-known one ("Price", " price ") is that member.
_LOSS_BY_VALUE: Final = well_known(LossReason)
#: What a move stores beyond its stages: who moved it (an id) and why (a loss
#: reason), judged as the change that holds them judges them.
_BY: Final = r.judge(r.OPT_ID)
_ID: Final = r.judge(r.ID)
_REASON: Final = r.judge(LOSS_REASON)
_PAIR: Final = attrgetter("from_stage", "to_stage")
_ENTITIES: Final = (Deal, Lead)
_TO_PIPELINE: Final = attrgetter("to_pipeline")
_STAGE_FIELDS: Final = frozenset({"id", "created_at", "stage", "status", "closed_at", "history"})
_KIND_EXPECTED: Final = (
    "None, Deal, Lead, or a checked record class with id, created_at, stage, status, "
    "closed_at and history fields"
)


#: The rules a TransitionError names besides a guard's name (its ``rule``).
_RULES: Final = frozenset(
    {
        "wrong-kind",
        "wrong-pipeline",
        "unknown-stage",
        "status-mismatch",
        "same-stage",
        "not-allowed",
        "time-order",
        "reason-required",
        "same-pipeline",
        "not-entry",
    }
)


def _transfer_marks(history: Sequence[Any]) -> list[int]:
    """Where in *history* the transfers are (changes with ``to_pipeline``)."""
    return [i for i, c in enumerate(history) if getattr(c, "to_pipeline", None) is not None]


# Every part of a move is checked by move() itself, so the new records are built
# without re-checking the fields the move did not touch (see _checks.replacer).
_new_change: Final = replacer(
    StageChange, ("from_stage", "to_stage", "at", "by", "reason", "to_pipeline", "from_pipeline")
)
_replace_transferred: Final = replacer(Deal, ("pipeline_id", "stage", "history"))


def _is_stage_record(kind: object) -> bool:
    """Whether *kind* is a record class a pipeline can move."""
    return (
        isinstance(kind, type)
        and issubclass(kind, Record)
        and attrs.has(kind)
        and attrs.fields_dict(kind).keys() >= _STAGE_FIELDS
    )


def _field_names(kind: type | None) -> frozenset[str]:
    """The fields a guard may name: *kind*'s, or a deal's and a lead's."""
    classes = (Deal, Lead) if kind is None else (kind,)
    return frozenset(name for cls in classes for name in attrs.fields_dict(cls))


def _named(entity: Any) -> str:
    entity_id = getattr(entity, "id", None)
    return type(entity).__name__ + (f" {short_repr(entity_id)}" if entity_id is not None else "")


def _move_arguments(
    at: Any, by: Any, reason: Any, subject: str
) -> tuple[datetime, str | None, LossReason | str | None]:
    """``at``, ``by`` and ``reason`` of a move checked: an aware datetime naming one
    instant (kept with its fixed offset), None or non-blank texts (a reason that
    names a :class:`LossReason` becomes it).

    Raises:
        ValidationError: naming every bad argument.
    """
    issues = []
    instant = aware_instant(at)
    if instant is None:
        issues.append(Issue("at", at, time_expected(at)))
    else:
        at = instant
    # as the change records them: a move makes its change without checking it again
    valid, by = _BY(by)
    if not valid:
        issues.append(Issue("by", by, r.OPT_ID.expected))
    valid, reason = _REASON(reason)
    if not valid:
        issues.append(Issue("reason", reason, LOSS_REASON.expected))
    if issues:
        raise ValidationError(issues, subject)
    return at, by, reason


@functools.cache
def _mover(cls: type) -> Callable[..., Any]:
    """``moved(old, to, status, at, by, reason)``: *old*, a *cls*, in stage *to*
    with *status*, its :class:`StageChange` appended to its history, closed at
    *at* unless *status* is open, and (a *cls* with a ``loss_reason``) *reason*
    kept as its loss reason when lost. Nothing is checked: move() has.

    Generated, with both records' fields stored inline: after the checks, making
    the two records is all a move costs, and calls would add a third to it.
    """
    namespace: dict[str, Any] = {"_OPEN": Status.OPEN, "_LOST": Status.LOST}
    change = {
        "from_stage": "old.stage",
        "to_stage": "to",
        "at": "at",
        "by": "by",
        "reason": "reason",
        "to_pipeline": "None",
        "from_pipeline": "None",
    }
    moved = {
        "stage": "to",
        "status": "status",
        "closed_at": "None if status is _OPEN else at",
        "history": "(*old.history, change)",
    }
    if "loss_reason" in attrs.fields_dict(cls):
        moved["loss_reason"] = "reason if status is _LOST else None"
    lines = [
        "def moved(old, to, status, at, by, reason):",
        *unchecked(StageChange, "change", change, namespace),
        *unchecked(cls, "new", moved, namespace),
        "    return new",
    ]
    exec("\n".join(lines), namespace)
    return namespace["moved"]  # type: ignore[no-any-return]


_move_deal: Final = _mover(Deal)
_move_lead: Final = _mover(Lead)


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
    kind=Deal,
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
    kind=Lead,
)
