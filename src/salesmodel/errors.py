"""The exceptions salesmodel raises.

Every error derives from :class:`SalesModelError`, and each concrete error also
derives from the builtin it resembles (:class:`ValueError`), so callers can catch
broadly or precisely. Each carries its details as attributes, not only as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

__all__ = [
    "MISSING",
    "CurrencyMismatchError",
    "Issue",
    "PipelineDefinitionError",
    "SalesModelError",
    "TransitionError",
    "ValidationError",
]

_MAX_REPR: Final = 80


class _Missing:
    """The value of a field that was not given at all."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def short_repr(value: object) -> str:
    """``repr(value)``, cut to a readable length (inputs can be hostile)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > _MAX_REPR:
        text = f"{text[: _MAX_REPR - 15]}...{text[-12:]}"
    return text


class SalesModelError(Exception):
    """Base class of every error salesmodel raises.

    .. versionadded:: 0.1.0
    """


@attrs.frozen
class Issue:
    """One thing wrong with an input: where, what was given, what is allowed.

    Attributes:
        path: Where the value sits, e.g. ``"amount.currency"`` or
            ``"history[2].at"``; ``"$"`` is the input as a whole.
        value: The offending value (:data:`MISSING` when it was not given).
        expected: What is allowed, phrased to follow "must be", e.g.
            ``"a timezone-aware datetime"``.

    .. versionadded:: 0.1.0
    """

    path: str
    value: Any
    expected: str

    @property
    def message(self) -> str:
        """``"must be <expected> (got <value>)"``."""
        got = "nothing" if self.value is MISSING else short_repr(self.value)
        return f"must be {self.expected} (got {got})"

    def under(self, prefix: str) -> Issue:
        """The same issue, seen from a container at *prefix*."""
        if prefix == "$":
            return self
        if self.path == "$":
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return Issue(path, self.value, self.expected)


class ValidationError(SalesModelError, ValueError):
    """An input broke a rule: a bad value, a missing field, an inconsistent record.

    The message names every offending field with its value and what is allowed.

    Attributes:
        issues: Every problem found, in field order.
        subject: What was being built, e.g. ``"Deal"``.

    .. versionadded:: 0.1.0
    """

    issues: tuple[Issue, ...]
    subject: str | None

    def __init__(self, issues: Iterable[Issue], subject: str | None = None) -> None:
        self.issues = tuple(issues)
        self.subject = subject
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.issues, self.subject))

    @classmethod
    def single(
        cls, path: str, value: object, expected: str, subject: str | None = None
    ) -> ValidationError:
        """An error with exactly one issue."""
        return cls([Issue(path, value, expected)], subject)

    @property
    def errors(self) -> dict[str, str]:
        """Field path → message, one entry per offending path."""
        out: dict[str, str] = {}
        for issue in self.issues:
            if issue.path in out:
                out[issue.path] += "; " + issue.message
            else:
                out[issue.path] = issue.message
        return out

    @property
    def field(self) -> str | None:
        """The path of the first issue."""
        return self.issues[0].path if self.issues else None

    @property
    def value(self) -> Any:
        """The value of the first issue."""
        return self.issues[0].value if self.issues else None

    @property
    def allowed(self) -> str | None:
        """What the first issue's field allows."""
        return self.issues[0].expected if self.issues else None

    def _render(self) -> str:
        what = f"invalid {self.subject}" if self.subject else "invalid input"
        lines = [f"{i.path!r} {i.message}" for i in self.issues]
        if len(lines) == 1:
            return f"{what}: {lines[0]}"
        return f"{what}: {len(lines)} problems:\n" + "\n".join(f"  - {x}" for x in lines)


class CurrencyMismatchError(SalesModelError, ValueError):
    """Amounts in different currencies were combined without an exchange rate.

    Attributes:
        currencies: The currencies involved, in the order met.

    .. versionadded:: 0.1.0
    """

    currencies: tuple[str, ...]

    def __init__(self, message: str, currencies: Sequence[str] = ()) -> None:
        self.currencies = tuple(currencies)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.currencies))


class TransitionError(SalesModelError, ValueError):
    """A stage move was refused; the entity is left as it was.

    Attributes:
        entity_id: The id of the entity that was to move.
        from_stage: Its current stage.
        to_stage: The stage asked for.
        allowed: The stages it may move to from ``from_stage``.
        rule: Which rule refused the move, e.g. ``"not-allowed"``, ``"time-order"``
            or a guard's name.

    .. versionadded:: 0.1.0
    """

    entity_id: str | None
    from_stage: str | None
    to_stage: str | None
    allowed: tuple[str, ...]
    rule: str

    def __init__(
        self,
        message: str,
        *,
        entity_id: str | None = None,
        from_stage: str | None = None,
        to_stage: str | None = None,
        allowed: Sequence[str] = (),
        rule: str = "not-allowed",
    ) -> None:
        self.entity_id = entity_id
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.allowed = tuple(allowed)
        self.rule = rule
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        details: Mapping[str, Any] = {
            "entity_id": self.entity_id,
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "allowed": self.allowed,
            "rule": self.rule,
        }
        return (_rebuild_transition_error, (str(self), details))


def _rebuild_transition_error(message: str, details: Mapping[str, Any]) -> TransitionError:
    return TransitionError(message, **details)


class PipelineDefinitionError(ValidationError):
    """A pipeline (or one of its stages) is inconsistent; found when it is built.

    A :class:`ValidationError` (so also a :class:`SalesModelError` and a
    :class:`ValueError`) whose issues name the offending part, e.g.
    ``"stages[3].probability"`` or ``"transitions['won']"``.

    Attributes:
        pipeline_id: The pipeline's id, when known.
        problems: Every problem, as text.

    .. versionadded:: 0.1.0
    """

    pipeline_id: str | None

    def __init__(
        self, issues: Iterable[Issue], subject: str | None = None, pipeline_id: str | None = None
    ) -> None:
        self.pipeline_id = pipeline_id
        super().__init__(issues, subject or "pipeline definition")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.issues, self.subject, self.pipeline_id))

    @property
    def problems(self) -> tuple[str, ...]:
        """Each issue as ``"<path> <message>"``."""
        return tuple(f"{i.path} {i.message}" for i in self.issues)
