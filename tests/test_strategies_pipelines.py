"""The shipped Hypothesis strategies on pipelines of users' own: guards behind
other guards, guards on every kind of field, arguments checked at once, and deals
that name the built-in pipeline (regressions of a user trial)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from salesmodel import (
    DEFAULT_PIPELINE,
    Deal,
    Guard,
    Lead,
    Money,
    Pipeline,
    Stage,
    Status,
    TransitionError,
)
from salesmodel import strategies as sst
from salesmodel.attributes import Attributes
from test_strategies import collect


def refused_by(invalid: Any) -> str:
    with pytest.raises(TransitionError) as refusal:
        invalid.apply()
    return str(refusal.value.rule)


OPEN = [
    Stage("discovery", "Discovery", "0.1"),
    Stage("demo", "Demo", "0.3"),
    Stage("proposal", "Proposal", "0.5"),
    Stage("negotiation", "Negotiation", "0.8"),
]
#: Field guards one behind the other, the last on a stage three moves in.
B2B = Pipeline(
    "b2b",
    [
        *OPEN,
        Stage("won_new", "Won new", 1, Status.WON),
        Stage("won_expansion", "Won expansion", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ],
    guards=[
        Guard(name="demo-needs-owner", into=["demo"], fields=["owner_id"]),
        Guard(name="proposal-needs-close", into=["proposal"], fields=["expected_close", "product"]),
        Guard(name="expansion-needs-customer", into=["won_expansion"], fields=["customer_id"]),
    ],
    kind=Deal,
)


def test_new_records_miss_one_guarded_field_and_get_past_the_other_guards() -> None:
    starts = [j.start for j in collect(sst.histories(B2B, max_moves=0), 200)]
    only_customer = [
        d for d in starts if d.customer_id is None and d.owner_id and d.expected_close and d.product
    ]
    assert only_customer, "no new deal misses only the last guard's field"
    assert any(d.customer_id and d.owner_id and d.expected_close and d.product for d in starts)


def test_the_machine_sees_a_guard_behind_other_field_guards_refuse() -> None:
    sst.pipeline_machine(B2B).run_as_test(
        settings=settings(max_examples=100, stateful_step_count=25, database=None)
    )


#: Field guards before a predicate guard and a late field guard.
LEGAL = Pipeline(
    "legal",
    [
        *OPEN[:3],
        Stage("legal", "Legal review", "0.7"),
        Stage("won", "Won", 1, Status.WON),
        Stage("won_expansion", "Won expansion", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ],
    transitions={
        "discovery": ["demo", "lost"],
        "demo": ["proposal", "lost"],
        "proposal": ["legal", "won", "lost"],
        "legal": ["won", "won_expansion", "lost"],
    },
    guards=[
        Guard(name="demo-needs-owner", into=["demo"], fields=["owner_id"]),
        Guard(name="proposal-needs-close", into=["proposal"], fields=["expected_close", "product"]),
        Guard(
            name="legal-for-enterprise",
            into=["legal"],
            predicate=lambda d: d.amount >= Money(20000, "EUR"),
        ),
        Guard(name="expansion-needs-customer", into=["won_expansion"], fields=["customer_id"]),
    ],
    kind=Deal,
)


@pytest.mark.parametrize("rule", ["legal-for-enterprise", "expansion-needs-customer"])
def test_invalid_moves_reach_a_guard_behind_other_guards(rule: str) -> None:
    eur = sst.moneys(currency="EUR", amount=st.sampled_from([Decimal(10), Decimal(50_000)]))
    drawn = collect(sst.invalid_moves(LEGAL, fields={"amount": eur}, rules=[rule]), 15)
    assert drawn
    for invalid in drawn:
        assert invalid.rule == rule
        assert refused_by(invalid) == rule


def test_a_naive_creation_time_is_a_bad_argument() -> None:
    naive = datetime(2026, 1, 1)
    with pytest.raises(InvalidArgument) as refused:
        sst.deals(fields={"created_at": naive})
    assert str(refused.value) == (
        f"fields={{'created_at': {naive!r}}}: 'created_at' must be a timezone-aware datetime"
    )
    with pytest.raises(InvalidArgument, match=r"drew datetime\.datetime\(2026, 1, 1, 0, 0\): "):
        collect(sst.deals(fields={"created_at": st.just(naive)}), 2)


P = Pipeline(
    "p",
    [
        Stage("a", "A", "0.1"),
        Stage("won", "Won", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ],
    kind=Deal,
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sst.texts(max_size="3"), "max_size='3' must be an int"),
        (lambda: sst.attributes(max_size=-1), "max_size=-1 must be an int of at least 0"),
        (
            lambda: sst.aware_datetimes(min_value="2020-01-01"),
            "min_value='2020-01-01' must be a naive datetime",
        ),
        (
            lambda: sst.pipeline_machine(P, unreachable=[["won"]]),
            "unreachable=(['won'],) must be a tuple of stage ids",
        ),
        (
            lambda: sst.amounts(min_value=10**35, max_value=10**40),
            f"min_value={10**35} must be a finite Decimal or an int, greater than -10**31 and "
            "less than 10**31",
        ),
        (
            lambda: sst.amounts(max_value=Decimal("Infinity")),
            "max_value=Decimal('Infinity') must be a finite Decimal or an int, greater than "
            "-10**31 and less than 10**31",
        ),
        (
            lambda: sst.amounts(min_value=5, max_value=1),
            "min_value=5 is more than max_value=1",
        ),
        (
            lambda: sst.deals(currency="eur"),
            "currency='eur' must be None, a currency code salesmodel knows (ISO 4217 or "
            "registered, e.g. 'EUR') or a strategy of them",
        ),
        (
            lambda: sst.moneys(currency=3),
            "currency=3 must be None, a currency code salesmodel knows (ISO 4217 or "
            "registered, e.g. 'EUR') or a strategy of them",
        ),
        (
            lambda: sst.deals(owners="ana"),
            "owners='ana' must be None or a strategy of owner ids",
        ),
        (
            lambda: sst.deals(stages=["", "ok"]),
            "stages=['', 'ok']: '' must be an id: a non-empty str of at most 256 printable "
            "characters, with no space at either end",
        ),
        (
            lambda: sst.deals(pipeline=P, fields={"amount": 5}),
            "fields={'amount': 5}: 'amount' must be None or a non-negative Money",
        ),
        (
            lambda: sst.leads(fields={"source": ""}),
            "fields={'source': ''}: 'source' must be ",
        ),
        (
            lambda: sst.pipeline_machine(
                Pipeline("any", P.stages), kinds=[Deal, Lead], fields={"bant": 1}
            ),
            "fields={'bant': 1}: 'bant' must be a Bant",
        ),
    ],
)
def test_a_bad_argument_is_refused_at_once_with_what_it_must_be(make: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        make()
    assert str(refused.value).startswith(message)


STAGES = [
    Stage("a", "A", "0.1"),
    Stage("b", "B", "0.2"),
    Stage("w", "W", 1, Status.WON),
    Stage("l", "L", 0, Status.LOST),
]
NEEDS_ATTRIBUTES = Pipeline(
    "ag", STAGES, guards=[Guard(name="need-attrs", into=["b"], fields=["attributes"])], kind=Deal
)
NEEDS_BANT = Pipeline(
    "bg", STAGES, guards=[Guard(name="need-bant", into=["b"], fields=["bant"])], kind=Lead
)
NEEDS_AMOUNT = Pipeline(
    "amg", STAGES, guards=[Guard(name="need-amount", into=["w"], fields=["amount"])], kind=Deal
)


def test_a_guard_on_attributes_refuses_new_deals_with_none() -> None:
    starts = [j.start for j in collect(sst.histories(NEEDS_ATTRIBUTES), 60)]
    assert Attributes() in {d.attributes for d in starts}
    assert any(d.attributes for d in starts)
    for invalid in collect(sst.invalid_moves(NEEDS_ATTRIBUTES, rules=["need-attrs"]), 10):
        assert not invalid.entity.attributes
        assert refused_by(invalid) == "need-attrs"
    sst.pipeline_machine(NEEDS_ATTRIBUTES).run_as_test(
        settings=settings(max_examples=30, database=None)
    )


def test_a_guard_on_a_field_never_unset_draws_valid_records() -> None:
    journeys = collect(sst.histories(NEEDS_BANT), 20)
    assert all(type(j.start.bant).__name__ == "Bant" for j in journeys)
    assert collect(sst.deals(pipeline=NEEDS_ATTRIBUTES), 10)


def test_a_guard_on_the_optional_amount_refuses_deals_without_one() -> None:
    amounts = {j.start.amount is None for j in collect(sst.histories(NEEDS_AMOUNT), 60)}
    assert amounts == {True, False}
    for invalid in collect(sst.invalid_moves(NEEDS_AMOUNT, rules=["need-amount"]), 10):
        assert invalid.entity.amount is None
        assert refused_by(invalid) == "need-amount"
    sst.pipeline_machine(NEEDS_AMOUNT).run_as_test(
        settings=settings(max_examples=40, database=None)
    )


def test_a_guarded_field_given_is_drawn_as_given_unfiltered() -> None:
    maybe = st.none() | sst.moneys()
    starts = [j.start for j in collect(sst.histories(NEEDS_AMOUNT, fields={"amount": maybe}), 60)]
    assert {d.amount is None for d in starts} == {True, False}
    fixed = collect(sst.histories(NEEDS_AMOUNT, fields={"amount": Money(5, "EUR")}), 20)
    assert {j.start.amount for j in fixed} == {Money(5, "EUR")}


ONLY_LOST = Pipeline(
    "ol", [Stage("new", "New", "0.1"), Stage("lost", "Lost", 0, Status.LOST)], kind=Deal
)
LONG = Pipeline(
    "long",
    [Stage(f"s{i}", f"S{i}", "0.5") for i in range(6)]
    + [Stage("won", "Won", 1, Status.WON), Stage("lost", "Lost", 0, Status.LOST)],
    kind=Deal,
)


def test_a_status_strategy_no_record_can_reach_is_a_bad_argument_when_drawn() -> None:
    with pytest.raises(InvalidArgument) as refused:
        collect(sst.deals(pipeline=ONLY_LOST, status=st.just(Status.WON)), 3)
    assert str(refused.value) == (
        "max_moves=4 with status='won' (drawn by status=just(<Status.WON: 'won'>)): "
        "pipeline 'ol' has no such stage"
    )
    with pytest.raises(InvalidArgument, match="pipeline 'long' needs 6 moves to reach one"):
        collect(sst.deals(pipeline=LONG, status=st.just(Status.WON)), 3)
    # statuses it can reach are drawn; a strategy of pipelines may lack one
    assert collect(sst.deals(pipeline=LONG, status=st.just(Status.WON), max_moves=6), 3)
    won = collect(sst.deals(pipeline=sst.pipelines(), status=st.just(Status.WON)), 10)
    assert {d.status for d in won} == {Status.WON}


def test_a_refusal_no_lead_can_have_is_a_bad_argument_for_random_pipelines_too() -> None:
    with pytest.raises(InvalidArgument, match=r"rules=\['wrong-pipeline'\] must be"):
        sst.invalid_moves(sst.pipelines(), kind=Lead, rules=["wrong-pipeline"])


@attrs.frozen(kw_only=True)
class MyDeal(Deal):
    region: str | None = None


MINE = Pipeline(
    "mine",
    [Stage("a", "A", "0.1"), Stage("w", "W", 1, Status.WON), Stage("l", "L", 0, Status.LOST)],
    kind=MyDeal,
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: sst.histories(MINE),
        lambda: sst.invalid_moves(MINE),
        lambda: sst.pipeline_machine(MINE),
        lambda: sst.deals(pipeline=MINE),
    ],
)
def test_a_pipeline_of_a_record_class_of_ones_own_is_refused_at_once(make: Any) -> None:
    with pytest.raises(InvalidArgument, match="'mine' moves MyDeal records"):
        make()


def test_deals_that_name_the_built_in_pipeline_conform_to_it() -> None:
    drawn = collect(sst.deals(), 80) + collect(st.from_type(Deal), 40)
    default = [d for d in drawn if d.pipeline_id == DEFAULT_PIPELINE.id]
    assert default
    assert len(default) < len(drawn)
    for deal in default:
        assert DEFAULT_PIPELINE.validate(deal) is deal
    six = collect(sst.deals(max_moves=6, status=Status.WON), 40)
    assert DEFAULT_PIPELINE.id in {d.pipeline_id for d in six}
    named = collect(sst.deals(stages=["x", "y"]), 20)
    assert DEFAULT_PIPELINE.id not in {d.pipeline_id for d in named}


def test_a_run_too_short_for_a_long_pipeline_asks_for_more_steps() -> None:
    long = Pipeline(
        "long",
        [Stage(f"s{i:02}", f"S{i}", "0.5") for i in range(30)]
        + [Stage("won", "Won", 1, Status.WON), Stage("lost", "Lost", 0, Status.LOST)],
        kind=Deal,
    )
    with pytest.raises(AssertionError) as failed:
        sst.pipeline_machine(long).run_as_test(
            settings=settings(max_examples=5, stateful_step_count=10, database=None)
        )
    lines = str(failed.value).splitlines()
    far = [line for line in lines if "stateful_step_count" in line]
    assert len(far) == 1
    assert "'won': 30 moves from the first stage at most, and an example takes 10 steps" in far[0]
    assert far[0].endswith("settings(stateful_step_count=60) or more.")
    assert not any("unreachable=" in line and "'won'" in line for line in lines)


@pytest.mark.parametrize("offset", [0, -8, 8])
def test_records_created_at_the_end_of_time_are_drawn(offset: int) -> None:
    late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=offset)))
    for journey in collect(sst.histories(DEFAULT_PIPELINE, fields={"created_at": late}), 10):
        assert DEFAULT_PIPELINE.validate(journey.end) is journey.end
    assert collect(sst.deals(fields={"created_at": late}), 10)
    assert collect(sst.deals(fields={"created_at": st.just(datetime.max.replace(tzinfo=UTC))}), 5)


def test_stages_and_guards_are_drawn_by_type_and_fit_a_pipeline() -> None:
    # st.from_type(Stage) fell back to builds() and failed the stage's own checks
    @given(st.from_type(Stage), st.from_type(Guard), sst.stages(status=Status.WON))
    def check(stage: Stage, guard: Guard, won: Stage) -> None:
        assert (won.status, won.probability) == (Status.WON, 1)
        assert guard.name not in ("not-allowed", "time-order")
        if stage.is_open and stage.id != won.id:
            into = attrs.evolve(guard, into=[s for s in guard.into if s in (stage.id, won.id)])
            Pipeline("p", [stage, won], guards=[into])  # a valid definition

    check()
