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
    "MAX_ISSUES",
    "MISSING",
    "CurrencyMismatchError",
    "Issue",
    "PipelineDefinitionError",
    "SalesModelError",
    "TransitionError",
    "ValidationError",
]

_MAX_REPR: Final = 80
# Paths and "must be" texts can quote input too (a stage id, a key): they are cut
# like values, a little longer since they carry the explanation.
_MAX_PATH: Final = 120
_MAX_EXPECTED: Final = 400

#: The most issues a :class:`ValidationError` keeps and shows; further problems are
#: counted in :attr:`ValidationError.more`, so a hostile payload cannot make an
#: error message (or an HTTP 422 body) of unbounded size.
MAX_ISSUES: Final = 100


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
    if type(value) is str and len(value) > 4 * _MAX_REPR:
        value = f"{value[:_MAX_REPR]}{value[-_MAX_REPR:]}"  # repr() of 10 MB would cost
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return cut(text, _MAX_REPR)


def cut(text: str, limit: int) -> str:
    """*text*, or its head and tail around ``...`` when longer than *limit*."""
    if len(text) <= limit:
        return text
    tail = max(limit * 3 // 20, 3)
    return f"{text[: limit - tail - 3]}...{text[-tail:]}"


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
        """``"must be <expected> (got <value>)"``, every part cut to a readable
        length."""
        got = "nothing" if self.value is MISSING else short_repr(self.value)
        return f"must be {cut(self.expected, _MAX_EXPECTED)} (got {got})"

    @property
    def shown_path(self) -> str:
        """:attr:`path`, cut to a readable length (a path can quote a key)."""
        return cut(self.path, _MAX_PATH)

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

    The message names every offending field with its value and what is allowed, up
    to :data:`MAX_ISSUES` (100) of them; further problems are counted, not shown,
    and every value, path and explanation shown is cut to a readable length. So the
    message, and :attr:`errors`, stay small whatever the input.

    Attributes:
        issues: The problems found, in field order, at most :data:`MAX_ISSUES`.
        subject: What was being built, e.g. ``"Deal"``.
        more: How many further problems were found and left out of ``issues``.
        stopped: Whether checking stopped early, after :data:`MAX_ISSUES`
            problems (then there may be more than ``more`` says).

    .. versionadded:: 0.1.0
    """

    issues: tuple[Issue, ...]
    subject: str | None
    more: int
    stopped: bool

    def __init__(
        self,
        issues: Iterable[Issue],
        subject: str | None = None,
        *,
        more: int = 0,
        stopped: bool = False,
    ) -> None:
        kept = tuple(issues)
        if len(kept) > MAX_ISSUES:
            more += len(kept) - MAX_ISSUES
            kept = kept[:MAX_ISSUES]
        self.issues = kept
        self.subject = subject
        self.more = more
        self.stopped = stopped
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_validation_error,
            (type(self), self.issues, self.subject, self.more, self.stopped),
        )

    @classmethod
    def single(
        cls, path: str, value: object, expected: str, subject: str | None = None
    ) -> ValidationError:
        """An error with exactly one issue."""
        return cls([Issue(path, value, expected)], subject)

    @property
    def errors(self) -> dict[str, str]:
        """Field path → message, one entry per offending path (at most
        :data:`MAX_ISSUES`, paths and messages cut), fit for an HTTP 422 body."""
        out: dict[str, str] = {}
        for issue in self.issues:
            path = issue.shown_path
            if path in out:
                out[path] += "; " + issue.message
            else:
                out[path] = issue.message
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
        what = cut(what, _MAX_PATH)
        lines = [f"{i.shown_path!r} {i.message}" for i in self.issues]
        if len(lines) == 1 and not (self.more or self.stopped):
            return f"{what}: {lines[0]}"
        if self.more or self.stopped:
            shown = f"the first {len(lines)} shown"
            if self.stopped:
                lines.append(
                    f"and {self.more or 'maybe'} more: checking stopped after {MAX_ISSUES} problems"
                )
            else:
                lines.append(f"and {self.more} more")
            head = f"more than {len(self.issues)} problems ({shown})"
        else:
            head = f"{len(lines)} problems"
        return f"{what}: {head}:\n" + "\n".join(f"  - {x}" for x in lines)


def _rebuild_validation_error(
    cls: type[ValidationError],
    issues: tuple[Issue, ...],
    subject: str | None,
    more: int,
    stopped: bool,
) -> ValidationError:
    error = cls.__new__(cls)
    ValidationError.__init__(error, issues, subject, more=more, stopped=stopped)
    return error


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
