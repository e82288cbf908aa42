"""What KPIs need from a record, checked for records that are not salesmodel
entities (an ORM row, a hand-made object): the same invariants the entities
enforce when built, for the fields a KPI reads."""

from __future__ import annotations

from typing import Any

from salesmodel._time import NO_TIME, elapsed
from salesmodel.enums import ActivityKind, Status
from salesmodel.errors import Issue
from salesmodel.money import Money

from ._accumulators import aware, missing_or_bad


def _is_status(value: Any) -> bool:
    return type(value) is Status


def closing_issue(record: Any, created: str = "created_at") -> Issue | None:
    """Whether *record* has a Status, an aware creation time, and a ``closed_at``
    set exactly when it is closed, never before its creation."""
    issue = missing_or_bad(record, "status", _is_status, "a Status")
    if issue is None:
        issue = missing_or_bad(record, created, aware, "a timezone-aware datetime")
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
    if not aware(closed_at):
        return Issue("closed_at", closed_at, "a timezone-aware datetime")
    if elapsed(closed_at, getattr(record, created)) < NO_TIME:  # instants, not wall clocks
        return Issue("closed_at", closed_at, f"no earlier than {created}")
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
    for i, change in enumerate(history):
        at: Any = getattr(change, "at", None)
        if not aware(at) or elapsed(at, before) < NO_TIME:
            return Issue(f"history[{i}].at", at, f"an aware datetime no earlier than {before}")
        for name in ("from_stage", "to_stage"):
            value = getattr(change, name, None)
            if not _is_stage(value):
                return Issue(f"history[{i}].{name}", value, "a stage id (str)")
        before = at
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
    issue = missing_or_bad(record, "acquired_at", aware, "a timezone-aware datetime")
    if issue is not None:
        return issue
    churned = getattr(record, "churned_at", None)
    if churned is not None and (
        not aware(churned) or elapsed(churned, record.acquired_at) < NO_TIME
    ):
        return Issue("churned_at", churned, "None or an aware datetime no earlier than acquired_at")
    return None


def _is_kind(value: Any) -> bool:
    return type(value) is ActivityKind


def activity_issue(record: Any) -> Issue | None:
    """An :class:`ActivityKind` ``kind`` and an aware ``at``."""
    return missing_or_bad(record, "kind", _is_kind, "an ActivityKind") or missing_or_bad(
        record, "at", aware, "a timezone-aware datetime"
    )
