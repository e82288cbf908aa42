"""The closed vocabularies (salesmodel.enums): str enums whose values are their
names in lower-case snake_case, so they compare with, serialise as and are read
back from plain text."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest

from salesmodel import enums, from_dict, to_dict
from salesmodel.enums import ActivityKind, LeadSource, LossReason, Status

ALL = [getattr(enums, name) for name in enums.__all__]


def test_the_module_exports_every_enum_it_defines() -> None:
    defined = {
        k for k, v in vars(enums).items() if isinstance(v, type) and v.__module__ == enums.__name__
    }
    assert defined == set(enums.__all__)
    assert all(issubclass(e, StrEnum) for e in ALL)


@pytest.mark.parametrize("enum", ALL, ids=lambda e: e.__name__)
def test_each_value_is_its_name_in_lower_case_snake_case(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member.value == member.name.lower()
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", member.value)
        assert member == member.value
        assert to_dict(member) == member.value
        assert from_dict(member.value, enum) is member


def test_the_vocabularies_hold_what_the_domain_names() -> None:
    assert list(Status) == ["open", "won", "lost"]
    assert {"call", "email", "meeting", "page_view", "unsubscribe"} <= set(ActivityKind)
    assert LeadSource.OTHER == "other"
    assert LossReason.BOUGHT_FROM_COMPETITOR == "bought_from_competitor"
