"""Open vocabularies: reading the well-known values of :class:`~salesmodel.LeadSource`
and :class:`~salesmodel.LossReason` however a CRM spells them.

``"Webinar"``, ``" webinar "`` and ``"WEBINAR"`` are all ``LeadSource.WEBINAR``, and
``"Trade Show"`` or ``"trade-show"`` is ``LeadSource.TRADE_SHOW``: case, surrounding
spaces, and spaces or hyphens between words do not matter. Any other text is a
value of the caller's own and is kept exactly as given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

__all__ = ["WellKnown", "spelling", "well_known"]

E = TypeVar("E", bound=StrEnum)


def spelling(text: str) -> str:
    """The comparison key of *text*: lower case, words joined by ``_``."""
    return "_".join(text.replace("-", " ").split()).lower()


class WellKnown(Mapping[Any, E], Generic[E]):
    """The members of one enum, found by any spelling of their value.

    A read-only mapping: ``vocabulary.get(text, text)`` is the member *text*
    spells, or *text* itself.
    """

    __slots__ = ("_by_key", "_exact")

    def __init__(self, enum: type[E]) -> None:
        self._exact: dict[str, E] = {m.value: m for m in enum}
        self._by_key: dict[str, E] = {spelling(m.value): m for m in enum}

    def __getitem__(self, value: Any) -> E:
        if isinstance(value, str):
            member = self._exact.get(value)
            if member is None and len(value) <= 64:  # no member's spelling is longer
                member = self._by_key.get(spelling(value))
            if member is not None:
                return member
        raise KeyError(value)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._exact)

    def __len__(self) -> int:
        return len(self._exact)

    def __contains__(self, value: object) -> bool:
        try:
            self[value]
        except KeyError:
            return False
        return True


@functools.cache
def well_known(enum: type[E]) -> WellKnown[E]:
    """The shared :class:`WellKnown` of *enum*."""
    return WellKnown(enum)
