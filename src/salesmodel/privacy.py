"""Personal data: which fields hold it, and pseudonymised copies for analysts.

The source material asks that customer data be organised and protected under
privacy law. Every entity marks its personal fields (names and e-mail addresses of
people) in its attrs field metadata; :func:`redact` replaces them with stable keyed
pseudonyms, so an export for analysts keeps its joins (the same name always gives
the same pseudonym under one key) without holding personal data. Ids are not
personal: they are the joins.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final, TypeVar

import attrs

from ._checks import PERSONAL, Record
from .errors import ValidationError

__all__ = ["personal_fields", "pseudonym", "redact"]

R = TypeVar("R", bound=Record)

_MIN_KEY: Final = 16
_DOMAIN: Final = b"salesmodel.redact.v1:"


def personal_fields(cls: type[Record]) -> tuple[str, ...]:
    """The names of the fields of *cls* that hold personal data.

    >>> from salesmodel import Lead
    >>> personal_fields(Lead)
    ('name', 'email')

    .. versionadded:: 0.1.0
    """
    if not (isinstance(cls, type) and issubclass(cls, Record) and attrs.has(cls)):
        raise ValidationError.single("cls", cls, "a salesmodel entity class")
    return tuple(f.name for f in attrs.fields(cls) if f.metadata.get(PERSONAL, False))


def pseudonym(value: str, *, key: bytes) -> str:
    """A stable keyed pseudonym of *value*: HMAC-SHA256 under *key*, 16 hex digits.

    An e-mail address keeps the shape of one (``p-<digest>@redacted.invalid``) so
    the redacted record stays valid. Without the key, the pseudonym cannot be
    linked back to the value.

    .. versionadded:: 0.1.0
    """
    _check_key(key)
    digest = hmac.new(key, _DOMAIN + value.encode("utf-8", "surrogatepass"), hashlib.sha256)
    short = digest.hexdigest()[:16]
    return f"p-{short}@redacted.invalid" if "@" in value else f"p-{short}"


def redact(entity: R, *, key: bytes) -> R:
    """A copy of *entity* whose personal fields hold pseudonyms instead.

    Args:
        entity: Any salesmodel entity.
        key: The secret HMAC key, at least 16 bytes; keep it out of the export.

    Raises:
        ValidationError: for a short key or something that is not an entity.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Lead
    >>> lead = Lead(id="L-1", name="Bruno Lima", email="bruno@acme.example",
    ...             created_at=datetime(2026, 1, 5, tzinfo=timezone.utc), source="webinar")
    >>> safe = redact(lead, key=b"a secret of 16+ bytes")
    >>> safe.id, safe.name, safe.email
    ('L-1', 'p-83ab070e06c5960f', 'p-45d1346a69fceda7@redacted.invalid')

    .. versionadded:: 0.1.0
    """
    if not isinstance(entity, Record) or not attrs.has(type(entity)):
        raise ValidationError.single("entity", entity, "a salesmodel entity")
    _check_key(key)
    changes: dict[str, Any] = {}
    for name in personal_fields(type(entity)):
        value = getattr(entity, name)
        if isinstance(value, str):
            changes[name] = pseudonym(value, key=key)
    return attrs.evolve(entity, **changes) if changes else entity  # type: ignore[misc]


def _check_key(key: object) -> None:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY:
        shown = f"{len(key)} bytes" if isinstance(key, bytes) else key
        raise ValidationError.single("key", shown, f"a secret of at least {_MIN_KEY} bytes")
