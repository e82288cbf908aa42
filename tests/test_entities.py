"""Entities: frozen, slotted, keyword-only records that refuse to be inconsistent."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import (
    Activity,
    ActivityKind,
    Attributes,
    Bant,
    Customer,
    Deal,
    Lead,
    LeadSource,
    LossReason,
    Money,
    Pipeline,
    Prospect,
    Rep,
    Stage,
    StageChange,
    Status,
    Target,
    TargetMetric,
    Temperature,
    ValidationError,
    from_dict,
    to_dict,
)
from salesmodel import strategies as sst

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAIVE = datetime(2026, 3, 2, 9, 0)
EUR = Money("100.00", "EUR")

ENTITIES = {
    StageChange: sst.stage_changes(),
    Bant: sst.bants(),
    Rep: sst.reps(),
    Lead: sst.leads(),
    Prospect: sst.prospects(),
    Deal: sst.deals(),
    Customer: sst.customers(),
    Activity: sst.activities(),
    Target: sst.targets(),
}


def deal(**changes: object) -> Deal:
    fields: dict[str, object] = {"id": "D-1", "name": "Acme", "amount": EUR, "created_at": T0}
    fields.update(changes)
    return Deal(**fields)  # type: ignore[arg-type]


def errors_of(make: object, **changes: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        make(**changes)  # type: ignore[operator]
    return info.value.errors


# --- shape -------------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(ENTITIES))
def test_entities_are_frozen_slotted_and_keyword_only(cls):
    assert attrs.has(cls)
    assert "__slots__" in cls.__dict__
    assert all(f.kw_only for f in attrs.fields(cls))
    with pytest.raises(TypeError):
        cls("positional")


@pytest.mark.parametrize("cls", list(ENTITIES))
def test_every_constructor_accepts_what_the_strategies_draw(cls):
    @given(ENTITIES[cls])
    def check(entity):
        assert type(entity) is cls
        # Rebuilding from the fields gives an equal entity: nothing was lost.
        assert attrs.evolve(entity) == entity

    check()


@pytest.mark.parametrize("cls", list(ENTITIES))
def test_entities_pickle_compare_by_value_hash_and_refuse_mutation(cls):
    @given(ENTITIES[cls])
    def check(entity):
        copy = pickle.loads(pickle.dumps(entity))
        assert copy == entity
        assert hash(copy) == hash(entity)
        name = attrs.fields(cls)[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(entity, name, getattr(entity, name))

    check()


def test_repr_is_readable():
    text = repr(deal(owner_id="ana"))
    assert text.startswith("Deal(id='D-1', name='Acme', amount=Money('100.00', 'EUR')")
    assert "owner_id='ana'" in text


def test_evolve_validates_the_new_object():
    with pytest.raises(ValidationError):
        attrs.evolve(deal(), status=Status.WON)


# --- values that are close get normalised --------------------------------------------


def test_enum_values_given_as_strings_become_members():
    won = deal(status="won", closed_at=T0, source="referral")
    assert won.status is Status.WON
    assert won.source is LeadSource.REFERRAL
    lost = deal(status="lost", closed_at=T0, loss_reason="price")
    assert lost.loss_reason is LossReason.PRICE


def test_open_vocabularies_accept_any_non_empty_string():
    assert deal(source="partner portal").source == "partner portal"
    assert deal(status=Status.LOST, closed_at=T0, loss_reason="budget cut").loss_reason == (
        "budget cut"
    )
    assert "source" in errors_of(deal, source="   ")


def test_attributes_become_an_immutable_mapping():
    d = deal(attributes={"seats": 40, "segment": "smb", "pilot": True, "score": 0.5})
    assert isinstance(d.attributes, Attributes)
    assert d.attributes["seats"] == 40
    with pytest.raises(TypeError):
        d.attributes["seats"] = 41  # type: ignore[index]
    assert deal().attributes == {}


def test_history_given_as_a_list_becomes_a_tuple():
    change = StageChange(from_stage="prospecting", to_stage="qualification", at=T0)
    assert deal(stage="qualification", history=[change]).history == (change,)


def test_a_pandas_like_datetime_subclass_becomes_a_plain_datetime():
    class Stamp(datetime):
        pass

    stamp = Stamp(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert type(deal(created_at=stamp).created_at) is datetime


def test_a_target_goal_given_as_a_float_becomes_a_decimal():
    target = Target(
        id="t", metric=TargetMetric.CALLS, goal=12.5, start=T0, end=T0 + timedelta(days=30)
    )
    assert target.goal == Decimal("12.5")


# --- invariants: each violation names its field ---------------------------------------


@pytest.mark.parametrize("value", ["", "   ", None, 7, b"D-1"])
def test_ids_and_names_must_be_non_empty_strings(value):
    assert "id" in errors_of(deal, id=value)
    assert "name" in errors_of(deal, name=value)


@pytest.mark.parametrize("value", ["\u200b", "\u200c\u200d", "\u2060", "\ufeff", " \u200b\u00a0 "])
def test_a_name_of_only_invisible_format_characters_and_spaces_is_blank(value):
    message = "a non-blank str of at most 1,000 characters, without control characters"
    assert errors_of(deal, name=value) == {"name": f"must be {message} (got {value!r})"}
    assert "name" in errors_of(Rep, id="r", name=value)
    prospect = {"id": "p", "name": "x", "owner_id": "ana", "qualified_at": T0}
    assert "needs[0]" in errors_of(Prospect, **prospect, needs=(value,))
    assert "['" in "".join(errors_of(Attributes, data={value: 1}))
    # a visible character among them makes it text, kept as given
    assert deal(name=f"{value}Acme").name == f"{value}Acme"


class DealId(str):
    """A caller's own id type, as applications declare them."""


def test_ids_and_texts_of_a_str_subclass_are_kept_as_the_plain_str_they_hold():
    made = deal(id=DealId("D-1"), name=DealId("Acme"), owner_id=DealId("ana"))
    assert (made.id, made.name, made.owner_id) == ("D-1", "Acme", "ana")
    assert {type(made.id), type(made.name), type(made.owner_id)} == {str}
    assert made == deal(owner_id="ana")
    assert type(Rep(id="r", name="Ana", team=DealId("North")).team) is str
    # the rule still judges the text: a subclass is no way around it
    assert errors_of(deal, id=DealId(" D-1")) == {
        "id": "must be an id: a non-empty str of at most 256 printable characters, with no "
        "space at either end (got ' D-1')"
    }


def test_a_naive_datetime_is_refused_naming_the_field():
    errors = errors_of(deal, created_at=NAIVE)
    assert errors == {"created_at": f"must be a timezone-aware datetime (got {NAIVE!r})"}


def test_a_date_is_not_a_datetime():
    assert "created_at" in errors_of(deal, created_at=date(2026, 3, 2))


def test_nan_negative_or_missing_amounts_are_refused():
    with pytest.raises(ValidationError):
        deal(amount=Money(float("nan"), "EUR"))
    assert "non-negative Money" in errors_of(deal, amount=Money(-1, "EUR"))["amount"]
    assert "amount" in errors_of(deal, amount=Decimal("10"))
    with pytest.raises(TypeError):
        Deal(id="D", name="n", created_at=T0)  # type: ignore[call-arg]


def test_a_closed_status_needs_closed_at():
    assert errors_of(deal, status=Status.WON) == {
        "closed_at": "must be a datetime, since status is 'won' (got None)"
    }


def test_an_open_deal_has_no_closed_at():
    assert "closed_at" in errors_of(deal, closed_at=T0)


def test_closed_at_cannot_precede_created_at():
    errors = errors_of(deal, status=Status.LOST, closed_at=T0 - timedelta(seconds=1))
    assert "no earlier than created_at" in errors["closed_at"]


def test_loss_reason_only_while_lost():
    assert "loss_reason" in errors_of(deal, loss_reason=LossReason.PRICE)
    assert deal(status=Status.LOST, closed_at=T0, loss_reason="price").loss_reason == "price"


def test_history_must_be_in_time_order_and_start_no_earlier_than_created_at():
    first = StageChange(from_stage="a", to_stage="b", at=T0 + timedelta(days=2))
    second = StageChange(from_stage="b", to_stage="c", at=T0 + timedelta(days=1))
    errors = errors_of(deal, stage="c", history=(first, second))
    assert list(errors) == ["history[1].at"]
    early = StageChange(from_stage="a", to_stage="b", at=T0 - timedelta(days=1))
    assert "history[0].at" in errors_of(deal, stage="b", history=(early,))


def test_history_must_chain_and_end_at_the_current_stage():
    first = StageChange(from_stage="a", to_stage="b", at=T0)
    other = StageChange(from_stage="x", to_stage="c", at=T0)
    errors = errors_of(deal, stage="d", history=(first, other))
    assert set(errors) == {"history[1].from_stage", "stage"}
    assert "where history ends" in errors["stage"]


def test_history_items_must_be_stage_changes():
    errors = errors_of(deal, stage="b", history=({"from_stage": "a"},))
    assert list(errors) == ["history[0]"]


def test_attributes_must_hold_json_scalars_under_non_empty_keys():
    errors = errors_of(deal, attributes={"": 1, "ok": [1], "nan": float("nan"), 3: "x"})
    assert set(errors) == {
        "attributes['']",
        "attributes['ok']",
        "attributes['nan']",
        "attributes[3]",
    }
    assert "attributes" in errors_of(deal, attributes=[("a", 1)])


def test_several_bad_fields_are_reported_together():
    errors = errors_of(deal, id="", created_at=NAIVE, amount=Money(-1, "EUR"), stage=None)
    assert set(errors) == {"id", "created_at", "amount", "stage"}


def test_a_stage_change_must_move_somewhere():
    with pytest.raises(ValidationError) as info:
        StageChange(from_stage="a", to_stage="a", at=T0)
    assert info.value.field == "to_stage"


def test_lead_invariants():
    make = Lead
    base = {"id": "L", "name": "Bruno", "created_at": T0, "source": LeadSource.WEBINAR}
    assert Lead(**base).stage == "suspect"
    assert "email" in errors_of(make, **base, email="not-an-email")
    assert "purchase_timeframe_days" in errors_of(make, **base, purchase_timeframe_days=-1)
    assert "purchase_timeframe_days" in errors_of(make, **base, purchase_timeframe_days=1.5)
    assert "closed_at" in errors_of(make, **base, status=Status.WON)
    assert "bant" in errors_of(make, **base, bant={"need": True})
    assert "source" in errors_of(make, **{**base, "source": ""})


def test_bant_invariants():
    assert Bant(budget=True).budget is True
    assert Bant(budget=Money(5000, "EUR")).budget == Money(5000, "EUR")
    assert "budget" in errors_of(Bant, budget=5000)
    assert "budget" in errors_of(Bant, budget=Money(-1, "EUR"))
    assert "authority" in errors_of(Bant, authority="yes")
    assert "timescale_days" in errors_of(Bant, timescale_days=-3)


def test_rep_invariants():
    assert Rep(id="ana", name="Ana").active is True
    assert "manager_id" in errors_of(Rep, id="ana", name="Ana", manager_id="ana")
    assert "active" in errors_of(Rep, id="ana", name="Ana", active=1)


def test_prospect_invariants():
    base = {"id": "P", "name": "Bruno", "owner_id": "ana", "qualified_at": T0}
    prospect = Prospect(**base, temperature="hot", needs=["crm", "reports"])
    assert prospect.temperature is Temperature.HOT
    assert prospect.needs == ("crm", "reports")
    assert "needs[1]" in errors_of(Prospect, **base, needs=["crm", ""])
    assert "temperature" in errors_of(Prospect, **base, temperature="lukewarm")


def test_customer_invariants():
    assert "churned_at" in errors_of(
        Customer, id="C", name="Acme", acquired_at=T0, churned_at=T0 - timedelta(days=1)
    )


def test_activity_invariants():
    assert Activity(id="A", kind="call", at=T0).kind is ActivityKind.CALL
    assert "kind" in errors_of(Activity, id="A", kind="telepathy", at=T0)


def test_target_invariants():
    end = T0 + timedelta(days=90)
    assert "goal" in errors_of(Target, id="t", metric="revenue", goal=10, start=T0, end=end)
    assert "goal" in errors_of(
        Target, id="t", metric="deals_won", goal=Money(1, "EUR"), start=T0, end=end
    )
    assert "goal" in errors_of(Target, id="t", metric="calls", goal=-1, start=T0, end=end)
    assert "end" in errors_of(Target, id="t", metric="calls", goal=10, start=T0, end=T0)


@given(st.sampled_from(list(Status)), st.one_of(st.none(), sst.aware_datetimes()))
def test_closed_at_is_set_exactly_when_not_open(status, closed_at):
    consistent = (status is Status.OPEN) == (closed_at is None) and (
        closed_at is None or closed_at >= T0
    )
    try:
        made = deal(status=status, closed_at=closed_at)
    except ValidationError as error:
        assert not consistent
        assert "closed_at" in error.errors
    else:
        assert consistent
        assert made.status is status


def test_hypothesis_from_type_draws_valid_entities_through_the_entry_point():
    @given(st.from_type(Deal), st.from_type(Money), st.from_type(Lead))
    def check(drawn_deal, money, lead):
        assert type(drawn_deal) is Deal
        assert type(money) is Money
        assert type(lead) is Lead

    check()


def test_bant_answered_lists_every_letter_asked_even_when_the_answer_is_no():
    assert Bant().answered() == ()
    assert Bant(budget=False, need=False).answered() == ("budget", "need")
    full = Bant(budget=True, authority=False, need=True, timescale_days=0)
    assert full.answered() == ("budget", "authority", "need", "timescale")


def test_bant_met_counts_a_positive_budget_amount_and_a_timescale_up_to_the_limit():
    met = Bant(budget=Money("0.5", "EUR"), authority=True, need=True, timescale_days=90).met()
    assert met == ("budget", "authority", "need", "timescale")
    assert Bant(budget=Money(0, "EUR")).met() == ()
    assert Bant(budget=False, authority=False, need=False).met() == ()
    assert Bant(timescale_days=91).met() == ()
    assert Bant(timescale_days=30).met(max_timescale_days=30) == ("timescale",)
    assert Bant(timescale_days=31).met(max_timescale_days=30) == ()
    assert Bant(timescale_days=10_000).met(max_timescale_days=None) == ("timescale",)
    assert Bant().met(max_timescale_days=None) == ()


def test_bant_score_and_qualification_use_a_90_day_timescale_by_default():
    late = Bant(budget=True, authority=True, timescale_days=91)
    assert late.score() == 2
    assert late.score(max_timescale_days=None) == 3
    assert not late.is_qualified()
    assert late.is_qualified(max_timescale_days=91)
    assert late.is_qualified(min_letters=2)
    assert Bant(budget=True, authority=True, timescale_days=90).is_qualified()


@attrs.frozen(kw_only=True)
class RegionalDeal(Deal):
    """A CRM's own deal: a Deal with one more field."""

    region: str | None = None


def test_a_subclass_of_an_entity_keeps_every_rule_of_its_parent() -> None:
    # attrs gives the subclass an __init__ of its own; the entity's checks stay.
    with pytest.raises(ValidationError) as caught:
        RegionalDeal(id=" D1", name="", amount=None, created_at=T0, status="won", region="EU")
    assert [i.path for i in caught.value.issues] == ["id", "name", "closed_at"]
    deal = RegionalDeal(id="D1", name="Acme", amount=None, created_at=T0, status="open")
    assert deal.status is Status.OPEN  # normalised as a Deal's
    assert attrs.evolve(deal, region=["any", "value"]).region == ["any", "value"]
    with pytest.raises(ValidationError):
        attrs.evolve(deal, status="won")  # a won deal needs closed_at
    pipeline = Pipeline(
        "regional",
        [
            Stage("new", "New", "0.1"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
        kind=RegionalDeal,
    )
    moved = pipeline.move(attrs.evolve(deal, pipeline_id="regional", stage="new"), "won", at=T0)
    assert (type(moved), moved.status, moved.closed_at, moved.region) == (
        RegionalDeal,
        Status.WON,
        T0,
        None,
    )
    assert from_dict(to_dict(moved), RegionalDeal) == moved
    assert pickle.loads(pickle.dumps(moved)) == moved


def test_a_subclass_that_declares_a_field_again_keeps_its_rule() -> None:
    @attrs.frozen(kw_only=True)
    class Overridden(Deal):
        created_at: datetime = attrs.field()
        amount: object = attrs.field(default=None)
        status: Status = attrs.field(default=Status.OPEN)

    with pytest.raises(ValidationError) as caught:
        Overridden(id="D", name="x", amount=float("nan"), created_at=datetime(2026, 1, 1))
    assert [i.path for i in caught.value.issues] == ["created_at", "amount"]
    with pytest.raises(ValidationError, match="'status' must be one of"):
        Overridden(id="D", name="x", created_at=T0, status="bogus")
    assert Overridden(id="D", name="x", created_at=T0, status="open").status is Status.OPEN


def test_a_subclass_may_not_ask_for_checks_its_init_would_not_run() -> None:
    """A checked entity's __init__ is its rules: attrs validators, converters and
    __attrs_post_init__ would be skipped in silence, so they are refused."""
    with pytest.raises(TypeError, match="validators or converters"):

        @attrs.frozen(kw_only=True)
        class Seated(Deal):
            seats: int = attrs.field(default=1, validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError, match="__attrs_post_init__ would not run"):

        @attrs.frozen(kw_only=True)
        class Posted(Deal):
            def __attrs_post_init__(self) -> None:
                raise ValueError
