"""Attributes: the custom fields of a record, checked, immutable and hashable."""

from __future__ import annotations

import pytest
from attrs.exceptions import FrozenInstanceError

from salesmodel.attributes import _KEY_EXPECTED as KEY
from salesmodel.attributes import _VALUE_EXPECTED as VALUE
from salesmodel.attributes import Attributes, attribute_issues
from salesmodel.errors import MAX_ISSUES, Issue, ValidationError


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
    [{"": 1}, {" ": 1}, {5: "x"}, {0: "x"}, {"a": [1]}, {"a": float("nan")}, {"a": float("inf")},
     {"a": 2**63}, {"a": -(2**63) - 1}, {"a": 10**5000}, {"a": "x" * 10_001}, {"a": "nul\x00"},
     {"a": "esc\x1b[31m"}, {"a": "\ud800"}, {"k" * 257: 1}, {"k\n": 1}, {"\x00": 1}],
)  # fmt: skip
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
    for data in (5, [1, 2], ["abc"]):  # neither a mapping nor (key, value) pairs
        with pytest.raises(ValidationError) as info:
            Attributes(data)  # type: ignore[arg-type]
        assert list(info.value.issues) == attribute_issues(data)


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


@pytest.mark.parametrize(
    "value",
    [
        2**63 - 1,
        -(2**63),
        "x" * 10_000,
        "two\nlines\r\nand a\ttab",
        "no-break\u00a0space",
        "e\u0301",
    ],
)
def test_values_at_the_limits_are_kept(value):
    assert Attributes({"k" * 256: value})["k" * 256] == value


def test_a_huge_int_attribute_is_refused_so_repr_and_json_never_fail():
    import json

    with pytest.raises(ValidationError) as info:
        Attributes({"n": 10**5000})
    assert len(str(info.value)) < 500
    assert json.dumps(Attributes({"n": 2**63 - 1}).to_dict()) == '{"n": 9223372036854775807}'


def test_a_mapping_of_a_million_bad_values_stops_after_the_first_hundred_problems():
    with pytest.raises(ValidationError) as info:
        Attributes({f"k{i}": [i] for i in range(1_000_000)})
    assert len(info.value.issues) == MAX_ISSUES
    assert info.value.stopped
    assert len(str(info.value)) < 30_000


def test_keys_and_values_of_a_str_subclass_are_kept_as_the_plain_str_they_hold():
    class Text(str):
        pass

    attributes = Attributes({Text("region"): Text("emea"), "tier": Text("gold")})
    assert attributes == {"region": "emea", "tier": "gold"}
    assert {type(key) for key in attributes} == {str}
    assert {type(value) for value in attributes.values()} == {str}
    # the text is still judged
    with pytest.raises(ValidationError):
        Attributes({Text(" "): 1})
    with pytest.raises(ValidationError):
        Attributes({"a": Text("\x1b")})
