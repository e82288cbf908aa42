"""Attributes: the custom fields of a record, checked, immutable and hashable."""

from __future__ import annotations

import pytest
from attrs.exceptions import FrozenInstanceError

from salesmodel.attributes import Attributes, attribute_issues
from salesmodel.errors import Issue, ValidationError

VALUE = "a str, int, float (finite), bool or None"
KEY = "a non-empty str key"


def test_attributes_read_like_a_mapping():
    attributes = Attributes({"industry": "saas", "employees": 40})
    assert list(attributes) == ["industry", "employees"]
    assert "industry" in attributes
    assert "region" not in attributes
    assert attributes.get("employees") == 40
    assert attributes.get("region") is None
    assert attributes.get("region", "emea") == "emea"
    copy = attributes.to_dict()
    assert copy == {"industry": "saas", "employees": 40}
    copy["region"] = "emea"
    assert "region" not in attributes


@pytest.mark.parametrize(
    "data",
    [{"": 1}, {" ": 1}, {5: "x"}, {0: "x"}, {"a": [1]}, {"a": float("nan")}, {"a": float("inf")}],
)
def test_a_bad_key_or_value_is_refused_as_attributes(data):
    with pytest.raises(ValidationError) as info:
        Attributes(data)
    assert info.value.subject == "Attributes"
    assert len(info.value.issues) == 1


def test_every_bad_key_and_value_is_reported_with_its_path_and_value():
    data = {"ok": 1.5, "": 1, 7: "x", "list": [1], "nan": float("inf"), "fine": "text"}
    with pytest.raises(ValidationError) as info:
        Attributes(data)
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("['']", "", KEY),
        ("[7]", 7, KEY),
        ("['list']", [1], VALUE),
        ("['nan']", float("inf"), VALUE),
    ]
    assert attribute_issues(data) == list(info.value.issues)


def test_anything_but_a_mapping_is_one_issue_about_the_whole():
    assert attribute_issues(5) == [Issue("$", 5, "a mapping of str to str/int/float/bool/None")]


def test_attributes_equal_plain_mappings_and_hash_by_content():
    attributes = Attributes({"a": 1})
    assert attributes == Attributes({"a": 1})
    assert attributes == {"a": 1}
    assert attributes != {"a": 2}
    assert attributes.__eq__(5) is NotImplemented
    assert hash(attributes) == hash(Attributes([("a", 1)]))
    assert hash(attributes) != hash(Attributes({"a": 2}))
    assert hash(attributes) != hash(Attributes({"b": 1}))


def test_attributes_are_frozen():
    attributes = Attributes({"a": 1})
    with pytest.raises(FrozenInstanceError):
        attributes.extra = 2
    assert attributes.to_dict() == {"a": 1}
