"""The field rules entities are built from, built and run inside the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

import attrs
import pytest

from salesmodel import _rules as r
from salesmodel._checks import Record, _compile_test, checked, meta
from salesmodel.attributes import Attributes
from salesmodel.entities import Bant, StageChange
from salesmodel.errors import Issue, ValidationError


class Color(StrEnum):
    RED = "red"
    GREEN = "green"


class _Moment(datetime):
    pass


def passes(rule, value):
    return _compile_test(rule)(value)


def test_instance_accepts_exactly_that_class():
    rule = r.instance(Bant, "a Bant")
    assert (rule.test, rule.expected, dict(rule.names)) == (
        "type({v}) is Bant",
        "a Bant",
        {"Bant": Bant},
    )
    assert passes(rule, Bant())
    assert not passes(rule, object())


def test_a_closed_enum_takes_its_members_and_turns_their_values_into_them():
    rule = r.closed_enum(Color)
    assert rule.expected == "one of 'red', 'green'"
    assert passes(rule, Color.RED)
    assert not passes(rule, "red")
    assert rule.normalize("red") is Color.RED
    assert rule.normalize("blue") == "blue"
    assert rule.normalize(5) == 5
    unhashable = ["red"]
    assert rule.normalize(unhashable) is unhashable


def test_an_open_enum_takes_its_members_and_any_other_non_blank_text():
    rule = r.open_enum(Color)
    assert rule.expected.startswith("a Color or another non-blank str of at most 1000 characters")
    assert passes(rule, Color.GREEN)
    assert passes(rule, "purple")
    assert passes(rule, "purple")  # the second time from the memo of labels
    for spelling in ("red", "Red", " RED ", "rED"):
        assert not passes(rule, spelling)  # a member's spelling must become the member
    assert not passes(rule, "")
    assert not passes(rule, "  ")
    assert not passes(rule, "pur\x00ple")
    assert not passes(rule, "p" * 1001)
    assert not passes(rule, 5)
    assert rule.normalize("red") is Color.RED
    assert rule.normalize(" Red ") is Color.RED
    assert rule.normalize("purple") == "purple"
    assert rule.normalize(" Purple ") == " Purple "  # other text is kept as given
    assert type(rule.normalize("purple")) is str
    assert rule.normalize(5) == 5


def test_a_tuple_of_a_class_accepts_only_tuples_of_exactly_it_and_converts_other_iterables():
    rule = r.tuple_of(Bant, "a Bant")
    bant = Bant()
    assert rule.expected == "a tuple of a Bant"
    assert passes(rule, ())
    assert passes(rule, (bant, bant))
    assert not passes(rule, (bant, 1))
    assert not passes(rule, [bant])
    assert rule.normalize([bant]) == (bant,)
    assert rule.normalize(iter([bant])) == (bant,)
    for kept in ("ab", b"ab", {"a": 1}, 5):
        assert rule.normalize(kept) is kept
    assert rule.explain(5) == [Issue("$", 5, "a tuple of a Bant")]
    assert rule.explain((bant, 1, bant, "x")) == [
        Issue("[1]", 1, "a Bant"),
        Issue("[3]", "x", "a Bant"),
    ]


def test_texts_are_a_tuple_of_non_blank_str_each_named_when_bad():
    rule = r.TEXTS
    assert passes(rule, ("a", "b"))
    assert passes(rule, ())
    for bad in (("a", ""), ("a", " "), ("a", 1), ["a"]):
        assert not passes(rule, bad)
    assert rule.normalize(["a"]) == ("a",)
    assert rule.explain(["a"]) == [Issue("$", ["a"], "a tuple of non-empty str")]
    assert rule.explain(("a", "", "b", " ", 3)) == [
        Issue("[1]", "", r.TEXT.expected),
        Issue("[3]", " ", r.TEXT.expected),
        Issue("[4]", 3, r.TEXT.expected),
    ]


def test_a_datetime_subclass_becomes_a_plain_datetime_with_every_part_kept():
    moment = _Moment(2026, 3, 4, 5, 6, 7, 8, tzinfo=UTC, fold=1)
    plain = r.AWARE.normalize(moment)
    assert type(plain) is datetime
    assert plain == moment
    assert plain.fold == 1
    assert plain.tzinfo is UTC
    already = datetime(2026, 1, 1, tzinfo=UTC)
    assert r.AWARE.normalize(already) is already


@pytest.mark.parametrize(("given", "number"), [("1.5", Decimal("1.5")), (2.25, Decimal("2.25"))])
def test_a_number_given_as_text_or_float_becomes_a_decimal(given, number):
    normalized = r.NONNEG_NUMBER.normalize(given)
    assert normalized == number
    assert type(normalized) is Decimal


@pytest.mark.parametrize("kept", ["abc", 5, Decimal("1.5"), None, float("nan")])
def test_anything_else_given_as_a_number_is_left_for_the_rule_to_refuse(kept):
    normalized = r.NONNEG_NUMBER.normalize(kept)
    assert normalized is kept


def test_a_mapping_becomes_attributes_unless_it_holds_a_bad_field():
    assert r.ATTRIBUTES.normalize({"a": 1}) == Attributes({"a": 1})
    assert type(r.ATTRIBUTES.normalize({"a": 1})) is Attributes
    bad = {"": 1}
    assert r.ATTRIBUTES.normalize(bad) is bad
    assert r.ATTRIBUTES.normalize(5) == 5


def test_tuples_of_two_classes_can_sit_in_one_record():
    @checked()
    @attrs.frozen(kw_only=True)
    class Both(Record):
        bants: tuple = attrs.field(default=(), metadata=meta(r.tuple_of(Bant, "a Bant")))
        moves: tuple = attrs.field(default=(), metadata=meta(r.tuple_of(StageChange, "a move")))

    assert Both(bants=[Bant()]).bants == (Bant(),)
    with pytest.raises(ValidationError):
        Both(moves=[Bant()])


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (r.ID, ["D-1", "a b", "x" * 256, "ção", "\U0001f4b0"],
         ["", " D-1", "D-1 ", "D\x00", "D\n1", "x" * 257, "no\u00a0break", " ", 1, None]),
        (r.TEXT, ["Acme", " Acme ", "x" * 1000, "no\u00a0break", "e\u0301", "\u202eevil"],
         ["", "  ", "\u00a0", "x" * 1001, "nul\x00", "esc\x1b[2J", "two\nlines", "\ud800",
          "line\u2028sep", "del\x7f", "c1\x85", None]),
        (r.NOTE, ["two\nlines", "crlf\r\n", "tab\there", "x" * 10_000],
         ["", "\n", "x" * 10_001, "nul\x00", "esc\x1b", "\ud800"]),
    ],
)  # fmt: skip
def test_text_rules_keep_their_documented_limits(rule, good, bad):
    for value in good:
        assert passes(rule, value), value
    for value in bad:
        assert not passes(rule, value), value


def test_ints_and_counts_stay_within_64_bits_and_decimals_within_10_to_the_30():
    assert passes(r.NONNEG_INT, 2**63 - 1)
    assert not passes(r.NONNEG_INT, 2**63)
    assert not passes(r.NONNEG_INT, 10**5000)
    assert passes(r.NONNEG_NUMBER, Decimal("1E+30"))
    assert not passes(r.NONNEG_NUMBER, Decimal("1E+31"))
    assert not passes(r.NONNEG_NUMBER, Decimal("1E+999999"))
    assert not passes(r.NONNEG_NUMBER, 2**63)
