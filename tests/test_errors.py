"""The errors: their messages, details, defaults and pickling, exactly."""

from __future__ import annotations

import pickle

from salesmodel.errors import (
    MISSING,
    CurrencyMismatchError,
    Issue,
    PipelineDefinitionError,
    TransitionError,
    ValidationError,
    short_repr,
)


class _Broken:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_missing_reads_as_missing_and_an_issue_about_it_says_nothing_was_given():
    assert repr(MISSING) == "<missing>"
    assert Issue("name", MISSING, "a string").message == "must be a string (got nothing)"
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_a_value_whose_repr_fails_is_shown_by_its_type_name():
    assert short_repr(_Broken()) == "<_Broken object>"


def test_a_repr_of_80_characters_is_kept_and_a_longer_one_is_cut_to_80():
    assert short_repr("x" * 78) == repr("x" * 78)
    text = "a" * 70 + "b" * 20
    cut = short_repr(text)
    assert cut == repr(text)[:65] + "..." + repr(text)[-12:]
    assert len(cut) == 80


def test_an_issue_seen_from_a_container_gets_its_prefix():
    issue = Issue("amount", 5, "a number")
    assert issue.under("$") == issue
    assert issue.under("deal") == Issue("deal.amount", 5, "a number")
    assert Issue("[2]", 5, "a number").under("history") == Issue("history[2]", 5, "a number")
    assert Issue("$", 5, "a number").under("owner") == Issue("owner", 5, "a number")


def test_a_validation_error_without_subject_is_about_invalid_input():
    error = ValidationError.single("x", 1, "a string")
    assert str(error) == "invalid input: 'x' must be a string (got 1)"
    assert (error.field, error.value, error.allowed) == ("x", 1, "a string")


def test_several_issues_are_listed_one_a_line():
    error = ValidationError([Issue("a", 1, "a string"), Issue("b", 2, "a date")], "Deal")
    assert str(error) == (
        "invalid Deal: 2 problems:\n"
        "  - 'a' must be a string (got 1)\n"
        "  - 'b' must be a date (got 2)"
    )


def test_an_error_with_no_issue_has_no_field_value_or_allowed():
    error = ValidationError([], "Deal")
    assert (error.field, error.value, error.allowed) == (None, None, None)
    assert error.errors == {}


def test_issues_on_one_path_are_joined_in_errors():
    error = ValidationError([Issue("a", 1, "a string"), Issue("a", 1, "short")])
    assert error.errors == {"a": "must be a string (got 1); must be short (got 1)"}


def test_currency_mismatch_pickles_with_its_message_and_currencies():
    error = CurrencyMismatchError("cannot add", ("EUR", "USD"))
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "cannot add"
    assert copy.currencies == ("EUR", "USD")


def test_a_transition_error_keeps_its_message_and_is_not_allowed_by_default():
    error = TransitionError("no", entity_id="d1", from_stage="a", to_stage="b", allowed=["c"])
    assert str(error) == "no"
    assert error.rule == "not-allowed"
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "no"
    assert (copy.entity_id, copy.from_stage, copy.to_stage, copy.allowed, copy.rule) == (
        "d1",
        "a",
        "b",
        ("c",),
        "not-allowed",
    )


def test_a_pipeline_definition_error_is_about_a_pipeline_definition_unless_told():
    issue = Issue("stages", (), "at least one stage")
    error = PipelineDefinitionError([issue], pipeline_id="p")
    assert error.subject == "pipeline definition"
    assert str(error) == "invalid pipeline definition: 'stages' must be at least one stage (got ())"
    assert error.problems == ("stages must be at least one stage (got ())",)
    assert PipelineDefinitionError([issue], "stage").subject == "stage"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.issues, copy.subject, copy.pipeline_id) == ((issue,), "pipeline definition", "p")
