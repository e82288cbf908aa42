"""Personal data: which fields hold it, and pseudonymised copies for analysts.

The source material asks that customer data be organised and protected under
privacy law. Every entity marks in its attrs field metadata each field that can
hold personal data: names of people and of what is sold to them (``"Bruno Lima -
40 seats"``), companies (a sole trader is a person), e-mail addresses, a
prospect's needs in its own words, free-text reasons, custom attributes, and the
history whose changes carry reasons. :func:`redact` replaces their contents with
stable keyed pseudonyms, so an export for analysts keeps its joins and groups (the
same text always gives the same pseudonym under one key) without holding personal
data.

What stays in clear: ids (they are the joins: do not use e-mail addresses as ids),
dates, amounts, stages, statuses, the well-known :class:`~salesmodel.LossReason`
values, and the attribute values under keys the caller lists as safe.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from enum import Enum
from typing import Any, Final, TypeVar

import attrs

from ._checks import PERSONAL, Record
from ._rules import EMAIL
from .attributes import Attributes, AttributeValue
from .enums import reason_key
from .errors import ValidationError

__all__ = ["personal_fields", "pseudonym", "redact"]

R = TypeVar("R", bound=Record)

_MIN_KEY: Final = 32
# A random 32-byte key has about 30 distinct byte values; fewer than 8 means a
# placeholder (all zeros, one repeated letter), not a secret.
_MIN_DISTINCT: Final = 8
_KEY_EXPECTED: Final = (
    f"a random secret of at least {_MIN_KEY} bytes, e.g. secrets.token_bytes({_MIN_KEY})"
)
_DOMAIN: Final = b"salesmodel.redact.v1:"


def personal_fields(cls: type[Record]) -> tuple[str, ...]:
    """The names of the fields of *cls* that can hold personal data.

    >>> from salesmodel import Deal, Lead
    >>> personal_fields(Lead)
    ('name', 'company', 'email', 'attributes', 'history')
    >>> personal_fields(Deal)
    ('name', 'loss_reason', 'attributes', 'history')

    .. versionadded:: 0.1.0
    """
    if not (isinstance(cls, type) and issubclass(cls, Record) and attrs.has(cls)):
        raise ValidationError.single("cls", cls, "a salesmodel entity class")
    return tuple(f.name for f in attrs.fields(cls) if f.metadata.get(PERSONAL, False))


def pseudonym(value: str, *, key: bytes) -> str:
    """A stable keyed pseudonym of *value*: HMAC-SHA256 under *key*, 16 hex digits.

    An e-mail address is pseudonymised whatever its case (``Ana@X.io`` and
    ``ana@x.io`` give one pseudonym, so joins hold) and keeps the shape of one
    (``p-<digest>@redacted.invalid``), so the redacted record stays valid. Without
    the key, the pseudonym cannot be linked back to the value.

    Raises:
        ValidationError: for a *value* that is not a str, or a *key* that is not
            a random secret of at least 32 bytes.

    .. versionadded:: 0.1.0
    """
    _check_key(key)
    if type(value) is not str:
        raise ValidationError.single("value", value, "a str", "pseudonym")
    return _pseudonym(value, key)


def _pseudonym(value: str, key: bytes) -> str:
    email = EMAIL.fullmatch(value) is not None
    text = value.lower() if email else value
    digest = hmac.new(key, _DOMAIN + text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    short = digest.hexdigest()[:16]
    return f"p-{short}@redacted.invalid" if email else f"p-{short}"


def redact(entity: R, *, key: bytes, safe_attributes: Iterable[str] = ()) -> R:
    """A copy of *entity* whose personal fields hold pseudonyms instead.

    Text fields become pseudonyms; each need of a prospect, each custom reason
    (well-known :class:`~salesmodel.LossReason` values stay), each change of the
    history, and each attribute value (as text) are pseudonymised one by one, except
    the attributes whose keys *safe_attributes* lists.

    Args:
        entity: Any salesmodel entity.
        key: The secret HMAC key, random, at least 32 bytes; keep it out of the
            export.
        safe_attributes: Attribute keys whose values hold no personal data
            (``"industry"``, ``"seats"``): kept in clear.

    Raises:
        ValidationError: for a short or placeholder key, or something that is not
            an entity.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Lead
    >>> lead = Lead(id="L-1", name="Bruno Lima", email="Bruno@Acme.example",
    ...             created_at=datetime(2026, 1, 5, tzinfo=timezone.utc), source="webinar",
    ...             attributes={"phone": "+55 11 5555-0100", "industry": "saas"})
    >>> key = b"an example key: use secrets.token_bytes(32)"
    >>> safe = redact(lead, key=key, safe_attributes=["industry"])
    >>> safe.id, safe.name, safe.email
    ('L-1', 'p-f9727b64e227c3a2', 'p-4ddb90933ec78fb5@redacted.invalid')
    >>> dict(safe.attributes)
    {'phone': 'p-800e428c4e65b2da', 'industry': 'saas'}

    .. versionadded:: 0.1.0
    """
    if not isinstance(entity, Record) or not attrs.has(type(entity)):
        raise ValidationError.single("entity", entity, "a salesmodel entity")
    _check_key(key)
    if isinstance(safe_attributes, (str, bytes)) or not isinstance(safe_attributes, Iterable):
        expected = "an iterable of attribute keys (not a single str)"
        raise ValidationError.single("safe_attributes", safe_attributes, expected, "redact")
    return _redact(entity, key, frozenset(safe_attributes))


def _redact(entity: R, key: bytes, safe: frozenset[str]) -> R:
    changes: dict[str, Any] = {}
    for name in personal_fields(type(entity)):
        value = getattr(entity, name)
        if name in _REASONS and isinstance(value, str):
            # the reason's group, pseudonymised: "Too expensive" and "too expensive "
            # stay one group of loss_reasons, as they are one in the original
            value = reason_key(value)
        hidden = _hide(value, key, safe)
        if hidden is not value:
            changes[name] = hidden
    return attrs.evolve(entity, **changes) if changes else entity  # type: ignore[misc]


#: The fields that hold a loss reason (a deal's, a change's).
_REASONS: Final = frozenset({"loss_reason", "reason"})


def _hide(value: Any, key: bytes, safe: frozenset[str]) -> Any:
    """*value* (a personal field's) with its personal data pseudonymised."""
    if value is None or isinstance(value, Enum):  # a well-known value names nobody
        return value
    if isinstance(value, str):
        return _pseudonym(value, key)
    if type(value) is Attributes:
        return Attributes(
            {k: v if k in safe else _hide_attribute(v, key) for k, v in value.items()}
        )
    if type(value) is tuple:
        return tuple(
            _redact(x, key, safe) if isinstance(x, Record) else _hide(x, key, safe) for x in value
        )
    return value  # pragma: no cover - every personal field is one of the above


def _hide_attribute(value: AttributeValue, key: bytes) -> AttributeValue:
    if value is None:
        return None
    if type(value) is bool:
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    return _pseudonym(text, key)


def _check_key(key: object) -> None:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY or len(set(key)) < _MIN_DISTINCT:
        shown = f"{len(key)} bytes" if isinstance(key, bytes) else key
        if isinstance(key, bytes) and len(key) >= _MIN_KEY:
            shown = f"{len(key)} bytes of only {len(set(key))} distinct values"
        raise ValidationError.single("key", shown, _KEY_EXPECTED)
