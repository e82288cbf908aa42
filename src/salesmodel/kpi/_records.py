"""What KPIs need from a record, checked for records that are not salesmodel
entities (an ORM row, a hand-made object): the same invariants the entities
enforce when built, for the fields a KPI reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from salesmodel._time import NO_TIME, aware_instant, elapsed, time_expected
from salesmodel.enums import ActivityKind, Status
from salesmodel.errors import Issue
from salesmodel.money import Money
from salesmodel.pipeline import _transfer_marks

from ._accumulators import missing_or_bad


def _is_status(value: Any) -> bool:
    return type(value) is Status


def _is_instant(value: Any) -> bool:
    """Whether *value* is an aware datetime naming one instant (not a wall time
    its zone skips or repeats)."""
    return aware_instant(value) is not None


def _time_issue(record: Any, name: str) -> Issue | None:
    """An issue when ``record.name`` is absent or names no single instant, with
    the entities' wording."""
    issue = missing_or_bad(record, name, _is_instant, "a timezone-aware datetime")
    if issue is not None and issue.value is not record:
        return Issue(name, issue.value, time_expected(issue.value))
    return issue


def closing_issue(record: Any, created: str = "created_at") -> Issue | None:
    """Whether *record* has a Status, an aware creation time, and a ``closed_at``
    set exactly when it is closed, never before its creation."""
    issue = missing_or_bad(record, "status", _is_status, "a Status") or _time_issue(record, created)
    if issue is not None:
        return issue
    status = record.status
    closed_at = getattr(record, "closed_at", None)
    if status is Status.OPEN:
        if closed_at is not None:
            return Issue("closed_at", closed_at, "None while status is 'open'")
        return None
    if closed_at is None:
        return Issue("closed_at", None, f"a datetime, since status is {status.value!r}")
    if not _is_instant(closed_at):
        return Issue("closed_at", closed_at, time_expected(closed_at))
    if elapsed(closed_at, getattr(record, created)) < NO_TIME:  # instants, not wall clocks
        return Issue("closed_at", closed_at, f"no earlier than {created}")
    # a closed record's history ends with the move that closed it
    history = getattr(record, "history", None)
    last: Any = getattr(history[-1], "at", None) if isinstance(history, tuple) and history else None
    if _is_instant(last) and elapsed(closed_at, last) != NO_TIME:
        expected = f"{last.isoformat()}, the time of its last change, since it is closed"
        return Issue("closed_at", closed_at, expected)
    return None


def _is_stage(value: Any) -> bool:
    return type(value) is str


def history_issue(record: Any) -> Issue | None:
    """:func:`closing_issue`, a str ``stage``, and a ``history`` tuple of changes
    between str stages, in time order from ``created_at``."""
    issue = closing_issue(record) or missing_or_bad(record, "stage", _is_stage, "a stage id (str)")
    if issue is not None:
        return issue
    history = getattr(record, "history", None)
    if not isinstance(history, tuple):
        return Issue("history", history, "a tuple of StageChange")
    before = record.created_at
    entered: Any = None  # the stage the change before entered
    for i, change in enumerate(history):
        at: Any = getattr(change, "at", None)
        if not _is_instant(at) or elapsed(at, before) < NO_TIME:
            return Issue(f"history[{i}].at", at, f"an aware datetime no earlier than {before}")
        for name in ("from_stage", "to_stage"):
            value = getattr(change, name, None)
            if not _is_stage(value):
                return Issue(f"history[{i}].{name}", value, "a stage id (str)")
        if entered is not None and change.from_stage != entered:
            expected = f"{entered!r}, the stage the change before entered"
            return Issue(f"history[{i}].from_stage", change.from_stage, expected)
        before, entered = at, change.to_stage
    if history and record.stage != entered:
        return Issue("stage", record.stage, f"{entered!r}, the stage its last change entered")
    return None


def _is_money(value: Any) -> bool:
    return value is None or (type(value) is Money and value.amount >= 0)


def deal_issue(record: Any, *, amount: bool = False) -> Issue | None:
    """:func:`closing_issue`, and, when asked, an ``amount`` that is a
    non-negative Money or None (not known)."""
    issue = closing_issue(record)
    if issue is None and amount:
        issue = missing_or_bad(
            record, "amount", _is_money, "a non-negative Money, or None when not known"
        )
    return issue


def _is_customer_id(value: Any) -> bool:
    return value is None or (type(value) is str and value != "")


def purchase_issue(record: Any, *, amount: bool = False) -> Issue | None:
    """:func:`deal_issue`, and a ``customer_id`` that is None or a non-empty str."""
    return deal_issue(record, amount=amount) or missing_or_bad(
        record, "customer_id", _is_customer_id, "None or a customer id (a non-empty str)"
    )


def customer_issue(record: Any) -> Issue | None:
    """An aware ``acquired_at`` and a ``churned_at`` that is None or no earlier."""
    issue = _time_issue(record, "acquired_at")
    if issue is not None:
        return issue
    churned = getattr(record, "churned_at", None)
    if churned is not None and (
        not _is_instant(churned) or elapsed(churned, record.acquired_at) < NO_TIME
    ):
        return Issue("churned_at", churned, "None or an aware datetime no earlier than acquired_at")
    return None


def _is_kind(value: Any) -> bool:
    return type(value) is ActivityKind


def activity_issue(record: Any) -> Issue | None:
    """An :class:`ActivityKind` ``kind`` and an aware ``at``."""
    return missing_or_bad(record, "kind", _is_kind, "an ActivityKind") or _time_issue(record, "at")


def in_its_pipeline(record: Any) -> tuple[str, dt.datetime, Sequence[Any]]:
    """Where *record*'s stays in the pipeline it is in begin: the stage it
    entered, when, and its changes since. A transfer ends the stays of the
    pipeline it left (the changes before its marker, ``to_pipeline``): they are
    not this pipeline's stages."""
    history = record.history
    marks = _transfer_marks(history)
    if marks:
        last = history[marks[-1]]
        return last.to_stage, last.at, history[marks[-1] + 1 :]
    return (history[0].from_stage if history else record.stage), record.created_at, history
