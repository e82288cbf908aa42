"""The compiled checks: the fast path never accepts what the full rules refuse."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import (
    Activity,
    Bant,
    Customer,
    Deal,
    Issue,
    Lead,
    Prospect,
    Rep,
    StageChange,
    Status,
    Target,
    TransitionError,
    ValidationError,
)
from salesmodel._checks import plan_of
from salesmodel.errors import MISSING, CurrencyMismatchError, PipelineDefinitionError

CLASSES = [StageChange, Bant, Rep, Lead, Prospect, Deal, Customer, Activity, Target]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Values of every shape the cross rules meet once the field rules have passed.
VALUES = st.one_of(
    st.none(),
    st.sampled_from(list(Status)),
    st.sampled_from(["a", "b", "ana"]),
    st.builds(lambda h: T0 + timedelta(hours=h), st.integers(-48, 48)),
)


@pytest.mark.parametrize(
    ("cls", "rule"),
    [(cls, rule) for cls in CLASSES for rule in plan_of(cls).cross if rule.fast is not None],
    ids=lambda x: getattr(x, "__name__", None) or ",".join(getattr(x, "fields", ())),
)
def test_a_fast_cross_check_only_passes_what_the_full_check_passes(cls, rule):
    @given(st.lists(VALUES, min_size=len(rule.fields), max_size=len(rule.fields)))
    def check(values):
        scope = dict(zip(rule.fields, values, strict=True)) | dict(rule.names)
        try:
            fast = eval(rule.fast, {}, scope)
        except TypeError:  # values of shapes the field rules would have refused
            return
        if fast:
            assert rule.check(*values) is None

    check()


@pytest.mark.parametrize("cls", CLASSES)
def test_every_field_has_a_rule_and_the_plan_names_them_all(cls):
    plan = plan_of(cls)
    assert [name for name, _, _ in plan.rules] == [f.name for f in attrs.fields(cls)]


def test_validation_error_carries_its_details_and_pickles():
    error = ValidationError(
        [Issue("a", 1, "a str"), Issue("a", 2, "short"), Issue("b", MISSING, "given")], "Deal"
    )
    assert error.field == "a"
    assert error.value == 1
    assert error.allowed == "a str"
    assert error.errors == {
        "a": "must be a str (got 1); must be short (got 2)",
        "b": "must be given (got nothing)",
    }
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.issues == error.issues
    assert str(copy) == str(error)


def test_long_values_are_cut_in_messages():
    error = ValidationError.single("name", "x" * 10_000, "short")
    assert len(str(error)) < 200


def test_other_errors_pickle_with_their_details():
    transition = TransitionError(
        "no", entity_id="D", from_stage="a", to_stage="b", allowed=("c",), rule="guard"
    )
    copy = pickle.loads(pickle.dumps(transition))
    assert (copy.entity_id, copy.from_stage, copy.to_stage, copy.allowed, copy.rule) == (
        "D",
        "a",
        "b",
        ("c",),
        "guard",
    )
    mismatch = pickle.loads(pickle.dumps(CurrencyMismatchError("x", ("EUR", "USD"))))
    assert mismatch.currencies == ("EUR", "USD")
    issues = [Issue("stages", (), "non-empty"), Issue("id", "", "a non-empty str")]
    definition = pickle.loads(pickle.dumps(PipelineDefinitionError(issues, "Pipeline", "p")))
    assert definition.pipeline_id == "p"
    assert definition.problems == (
        "stages must be non-empty (got ())",
        "id must be a non-empty str (got '')",
    )
    assert "2 problems" in str(definition)
    assert isinstance(definition, ValidationError)
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
