"""The compiled checks: the fast path never accepts what the full rules refuse."""

from __future__ import annotations

import inspect
import pickle
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal

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
from salesmodel import _rules as r
from salesmodel._checks import (
    PERSONAL,
    RULE,
    CrossRule,
    Record,
    Rule,
    checked,
    collect,
    cross,
    meta,
    plan_of,
    replacer,
)
from salesmodel.errors import MISSING, CurrencyMismatchError, PipelineDefinitionError

CLASSES = [StageChange, Bant, Rep, Lead, Prospect, Deal, Customer, Activity, Target]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Values of every shape the cross rules meet once the field rules have passed.
VALUES = st.one_of(
    st.none(),
    st.sampled_from(list(Status)),
    st.sampled_from(["a", "b", "ana"]),
    st.builds(lambda h: T0 + timedelta(hours=h), st.integers(-48, 48)),
    st.lists(
        st.builds(
            lambda h: StageChange(from_stage="a", to_stage="b", at=T0 + timedelta(hours=h)),
            st.integers(-48, 48),
        ),
        max_size=2,
    ).map(tuple),
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
        except (TypeError, AttributeError):  # shapes the field rules would have refused
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


# The compiler itself, run inside the tests: the entities are compiled when
# salesmodel is imported, so only a class compiled here shows what checked() does.


class _ThingError(ValidationError):
    pass


def _strip(value):
    return value.strip() if isinstance(value, str) else value


@cross("low", "high", fast="low <= high <= _MAX", names={"_MAX": 100})
def _ordered(low, high):
    if low > high:
        return [Issue("high", high, f"at least low ({low})")]
    if high > 100:
        return [Issue("high", high, "at most 100")]
    return None


@cross("name", "label")
def _label_differs(name, label):
    return [Issue("label", label, "not the name")] if label == name else None


def _compile_thing():
    @checked(_ordered, _label_differs, error=_ThingError)
    @attrs.frozen(kw_only=True)
    class Thing(Record):
        name: str = attrs.field(metadata=meta(r.TEXT))
        amount: Decimal = attrs.field(default=Decimal(0), metadata=meta(r.NONNEG_NUMBER))
        label: str | None = attrs.field(default=None, converter=_strip, metadata=meta(r.OPT_TEXT))
        low: int = attrs.field(default=0, metadata=meta(r.NONNEG_INT))
        high: int = attrs.field(default=0, metadata=meta(r.NONNEG_INT))

    return Thing


def test_a_compiled_class_stores_its_fields_after_converters_and_normalisation():
    thing_cls = _compile_thing()
    thing = thing_cls(name="box", amount="1.50", label="  lid ", low=1, high=3)
    assert (thing.name, thing.amount, thing.label, thing.low, thing.high) == (
        "box",
        Decimal("1.50"),
        "lid",
        1,
        3,
    )
    assert type(thing.amount) is Decimal
    plain = thing_cls(name="box")
    assert (plain.amount, plain.label, plain.low, plain.high) == (Decimal(0), None, 0, 0)
    made = thing_cls.__salesmodel_make__("box", "1.50", " lid", 1, 3)
    assert made == thing
    assert type(made) is thing_cls


def test_a_compiled_class_names_every_bad_field_then_the_cross_rules_of_the_good_ones():
    thing_cls = _compile_thing()
    with pytest.raises(_ThingError) as info:
        thing_cls(name="", amount=-1, low=5, high=2)
    assert info.value.subject == "Thing"
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("name", "", "a non-blank str of at most 1,000 characters, without control characters"),
        ("amount", -1, "a non-negative int below 2**63, or a non-negative Decimal within 10**±30"),
        ("high", 2, "at least low (5)"),
    ]
    with pytest.raises(_ThingError) as info:
        thing_cls(name="box", high=101)
    assert [i.path for i in info.value.issues] == ["high"]
    assert info.value.issues[0].expected == "at most 100"
    with pytest.raises(_ThingError) as info:
        thing_cls(name="box", label="box")
    assert [(i.path, i.expected) for i in info.value.issues] == [("label", "not the name")]
    with pytest.raises(_ThingError) as info:
        thing_cls.__salesmodel_make__("", 0, None, 0, 0)
    assert info.value.field == "name"


def test_the_compiled_init_has_the_attrs_signature_name_and_plan():
    thing_cls = _compile_thing()
    signature = inspect.signature(thing_cls)
    assert list(signature.parameters) == ["name", "amount", "label", "low", "high"]
    assert all(p.kind is p.KEYWORD_ONLY for p in signature.parameters.values())
    assert signature.parameters["amount"].default == Decimal(0)
    assert thing_cls.__init__.__qualname__.endswith("Thing.__init__")
    plan = plan_of(thing_cls)
    assert plan.subject == "Thing"
    assert plan.error is _ThingError
    assert [name for name, _, _ in plan.rules] == ["name", "amount", "label", "low", "high"]
    assert plan.cross == (_ordered, _label_differs)
    assert [test("x") for _, _, test in plan.rules] == [True, False, True, False, False]
    with pytest.raises(TypeError):
        thing_cls("box")


def test_positional_fields_compile_to_positional_parameters():
    @checked()
    @attrs.frozen
    class Pair(Record):
        first: str = attrs.field(metadata=meta(r.TEXT))
        second: int = attrs.field(default=1, metadata=meta(r.NONNEG_INT))
        note: str | None = attrs.field(default=None, kw_only=True, metadata=meta(r.OPT_TEXT))

    pair = Pair("a", 2, note="n")
    assert (pair.first, pair.second, pair.note) == ("a", 2, "n")
    assert Pair("a").second == 1
    kinds = [p.kind for p in inspect.signature(Pair).parameters.values()]
    assert kinds == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 2 + [inspect.Parameter.KEYWORD_ONLY]
    with pytest.raises(ValidationError) as info:
        Pair("", -1)
    assert type(info.value) is ValidationError
    assert [i.path for i in info.value.issues] == ["first", "second"]


def test_a_class_with_a_field_without_rule_or_a_factory_default_is_refused():
    with pytest.raises(TypeError, match=r"^Bare fields without a rule: \['size'\]$"):

        @checked()
        @attrs.frozen
        class Bare(Record):
            name: str = attrs.field(metadata=meta(r.TEXT))
            size: int = 0

    with pytest.raises(TypeError, match=r"^Listy: use immutable defaults, not factories$"):

        @checked()
        @attrs.frozen
        class Listy(Record):
            items: tuple = attrs.field(factory=tuple, metadata=meta(r.TEXTS))


def test_a_rule_name_that_means_two_things_is_refused():
    one = Rule("{v} is _X", "the first", {"_X": 1})
    two = Rule("{v} is _X", "the second", {"_X": 2})
    same = Rule("{v} is not _X", "not the first", {"_X": 1})
    with pytest.raises(TypeError, match=r"^rule name '_X' means two things in Clash$"):

        @checked()
        @attrs.frozen
        class Clash(Record):
            a: int = attrs.field(metadata=meta(one))
            b: int = attrs.field(metadata=meta(two))

    @checked()
    @attrs.frozen
    class Shared(Record):
        a: int = attrs.field(metadata=meta(one))
        b: int = attrs.field(metadata=meta(same))

    assert (Shared(1, 2).a, Shared(1, 2).b) == (1, 2)
    with pytest.raises(ValidationError):
        Shared(2, 2)


def test_an_optional_rule_also_accepts_none_and_normalises_the_rest():
    rule = r.AWARE.optional()
    assert rule.test == "{v} is None or (" + r.AWARE.test + ")"
    assert rule.expected == "None or a timezone-aware datetime"
    assert rule.names == r.AWARE.names
    assert rule.normalize(None) is None
    moment = _Moment(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    plain = rule.normalize(moment)
    assert type(plain) is datetime
    assert plain == moment
    assert r.BOOL.optional().normalize is None
    assert r.TEXT.optional().expected == (
        "None or a non-blank str of at most 1,000 characters, without control characters"
    )


class _Moment(datetime):
    pass


def test_cross_declares_a_rule_over_its_fields():
    def check(a, b):
        return None

    rule = cross("a", "b", fast="a < b", names={"_N": 1})(check)
    assert rule == CrossRule(("a", "b"), check, "a < b", {"_N": 1})
    assert cross("a")(check) == CrossRule(("a",), check, None, {})


def test_meta_marks_the_rule_and_whether_the_field_is_personal():
    assert meta(r.TEXT) == {RULE: r.TEXT, PERSONAL: False}
    assert meta(r.TEXT, personal=True) == {RULE: r.TEXT, PERSONAL: True}


def test_the_dask_token_of_a_record_is_its_class_and_its_pickle():
    moved = StageChange(from_stage="a", to_stage="b", at=T0)
    name, data = moved.__dask_tokenize__()
    assert name == "StageChange"
    assert pickle.loads(data) == moved
    assert data == pickle.dumps(moved, protocol=5)


def test_the_compiled_init_keeps_the_docstring_attrs_gave_it():
    thing_cls = _compile_thing()
    assert thing_cls.__init__.__doc__ == (
        f"Method generated by attrs for class {thing_cls.__qualname__}."
    )


def test_a_class_of_optional_fields_still_checks_a_value_given():
    @checked()
    @attrs.frozen(kw_only=True)
    class Notes(Record):
        text: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
        count: int | None = attrs.field(default=None, metadata=meta(r.OPT_NONNEG_INT))

    assert Notes().text is None
    with pytest.raises(ValidationError) as info:
        Notes(text=5, count=-1)
    assert [i.path for i in info.value.issues] == ["text", "count"]


def test_an_optional_rule_never_hands_none_to_its_normaliser():
    rule = Rule("{v} == 'None!'", "a shout", normalize=lambda v: f"{v}!").optional()
    assert rule.normalize(None) is None
    assert rule.normalize("x") == "x!"


def test_collect_skips_the_fields_it_is_not_given_and_judges_the_others():
    plan = plan_of(_compile_thing())
    issues, good = collect(plan, {"amount": -1, "label": "lid", "high": 3})
    assert issues == [
        Issue(
            "amount", -1, "a non-negative int below 2**63, or a non-negative Decimal within 10**±30"
        )
    ]
    assert good == {"label": "lid", "high": 3}


def test_a_replacer_refuses_fields_the_class_lacks():
    with pytest.raises(TypeError, match=r"Deal has no fields \['colour', 'size'\]"):
        replacer(Deal, ("stage", "size", "colour"))


class _HostileZone(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta:
        raise RuntimeError("no offset")


def test_a_value_whose_check_raises_is_refused_like_any_bad_value():
    at = datetime(2026, 1, 1, tzinfo=_HostileZone())
    with pytest.raises(ValidationError) as info:
        StageChange(from_stage="a", to_stage="b", at=at)
    assert [(i.path, i.value) for i in info.value.issues] == [("at", at)]


def test_a_class_compiled_now_refuses_a_value_whose_check_raises():
    @checked()
    @attrs.frozen(kw_only=True)
    class Stamp(Record):
        at: datetime = attrs.field(metadata=meta(r.AWARE))

    at = datetime(2026, 1, 1, tzinfo=_HostileZone())
    with pytest.raises(ValidationError) as info:
        Stamp(at=at)
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("at", at, "a timezone-aware datetime")
    ]
    assert Stamp(at=T0).at == T0


def test_a_near_valid_field_is_normalised_on_the_fast_path(monkeypatch):
    # The slow path (collect) is not needed for values one field's normaliser fixes.
    def refuse(*_: object) -> None:
        raise AssertionError("the slow path ran")

    deal = Deal(id="D-1", name="Acme", amount=None, created_at=T0, source="Referral")
    monkeypatch.setattr("salesmodel._checks.collect", refuse)
    won = Deal(
        id="D-2",
        name="Acme",
        amount=None,
        created_at=T0,
        stage="won",
        status="won",
        closed_at=T0,
        source="referral",
        loss_reason=None,
        attributes={"tier": 1},
    )
    assert (won.status, won.source, won.attributes["tier"]) == (Status.WON, deal.source, 1)
    assert type(won.status) is Status


def test_a_history_given_as_a_generator_is_read_once():
    # Converting an iterator consumes it: only the slow path does, once.
    def changes():
        yield StageChange(from_stage="prospecting", to_stage="qualification", at=T0)
        raise RuntimeError("a broken source")

    with pytest.raises(ValidationError) as info:
        Deal(id="D-1", name="Acme", amount=None, created_at=T0, history=changes())
    assert info.value.field == "history"


def test_a_subclass_of_ones_own_is_built_as_itself():
    class Moved(StageChange):
        __slots__ = ()

    moved = Moved(from_stage="a", to_stage="b", at=T0)
    assert type(moved) is Moved
    assert type(StageChange(from_stage="a", to_stage="b", at=T0)) is StageChange
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        moved.to_stage = "c"  # type: ignore[misc]


class _Sealed(Record):
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError


def test_a_replacer_copies_a_record_its_base_freezes_through_its_slots():
    # A base's own __setattr__ freezes a mutable twin too: then there is none,
    # and copies are stored through the slots.
    @checked()
    @attrs.frozen(kw_only=True)
    class Label(_Sealed):
        text: str = attrs.field(metadata=meta(r.TEXT))
        colour: str = attrs.field(default="red", metadata=meta(r.TEXT))

    new = replacer(Label, ("text",))(Label(text="old"), "new")
    assert (type(new), new.text, new.colour) == (Label, "new", "red")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        new.text = "changed"  # type: ignore[misc]
