"""The shipped Hypothesis strategies (salesmodel.strategies): bad arguments are
InvalidArgument, and restricted refusals keep to the rules asked for."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import hypothesis
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import run_state_machine_as_test

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Activity,
    ActivityKind,
    Bant,
    Customer,
    Deal,
    Guard,
    Lead,
    LossReason,
    Money,
    Pipeline,
    Prospect,
    Stage,
    StageChange,
    Status,
    Temperature,
    TransitionError,
)
from salesmodel import strategies as sst

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(InvalidArgument, match="max_size=0 must be at least 1"):
        sst.texts(max_size=0)
    with pytest.raises(InvalidArgument, match="naive bounds"):
        sst.aware_datetimes(min_value=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidArgument, match="is after max_value"):
        sst.aware_datetimes(min_value=datetime(2026, 1, 2), max_value=datetime(2026, 1, 1))
    with pytest.raises(InvalidArgument, match="places=31 must be between 0 and 30"):
        sst.amounts(places=31)


def test_a_negative_move_count_is_refused_at_once() -> None:
    with pytest.raises(InvalidArgument, match="max_moves=-1 must be an int of at least 0"):
        sst.deals(max_moves=-1)
    with pytest.raises(InvalidArgument, match="max_moves=-1 must be an int of at least 0"):
        sst.leads(max_moves=-1)


@settings(max_examples=25)
@given(sst.invalid_moves(DEFAULT_PIPELINE, rules=["reason-required"], max_moves=3))
def test_refusals_restricted_to_one_rule_are_refused_by_that_rule(
    invalid: sst.InvalidMove,  # type: ignore[type-arg]
) -> None:
    assert invalid.rule == "reason-required"
    with pytest.raises(TransitionError) as refusal:
        invalid.apply()
    assert refusal.value.rule == "reason-required"


def test_the_machine_checks_fail_when_a_move_meant_to_be_refused_is_not() -> None:
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=T0)
    accepted = sst.Move(to="qualification", at=T0 + timedelta(days=1))
    invalid = sst.InvalidMove(
        pipeline=DEFAULT_PIPELINE,
        entity=deal,
        move=accepted,
        rule="not-allowed",
        allowed=DEFAULT_PIPELINE.targets("prospecting"),
    )
    checks = sst._PipelineChecks()
    checks.pipeline = DEFAULT_PIPELINE
    with pytest.raises(AssertionError, match="was not refused"):
        checks.check_refusal(invalid)


# --- what they draw (docs/explanation/mutation-testing.md) ----------------------------


#: How many values one example draws: enough for every part of a strategy to show.
MANY = 8
PARIS = ZoneInfo("Europe/Paris")


def many(strategy: st.SearchStrategy, size: int = MANY) -> st.SearchStrategy[list]:  # type: ignore[type-arg]
    return st.lists(strategy, min_size=size, max_size=size)


def first_line(error: BaseException) -> str:
    """An assertion's own message: pytest rewrites the asserts of a module named on its
    command line (as mutmut names strategies.py) and appends its explanation below."""
    return str(error).splitlines()[0]


def first(strategy: st.SearchStrategy[Any], condition: Any) -> Any:
    """The first value drawn that meets *condition*, not shrunk: shrinking an
    entity takes long, and only its existence matters here."""
    return find(
        strategy,
        condition,
        settings=settings(phases=[Phase.generate], database=None, max_examples=1000),
    )


@given(many(sst.identifiers()))
def test_identifiers_are_short_lower_case_ascii(ids: list[str]) -> None:
    for text in ids:
        assert re.fullmatch(r"[a-z0-9_-]{1,10}", text), text


def test_identifiers_and_texts_reach_their_sizes() -> None:
    assert len(find(sst.identifiers(), lambda s: len(s) == 10)) == 10
    assert len(find(sst.identifiers(), lambda s: True)) == 1
    assert len(find(sst.texts(max_size=1), lambda s: True)) == 1
    assert len(find(sst.texts(), lambda s: len(s) >= 30)) == 30


@given(many(sst.texts(max_size=5)), many(sst.texts()))
def test_texts_are_never_blank_and_never_too_long(short: list[str], long: list[str]) -> None:
    for text in short:
        assert 1 <= len(text) <= 5
        assert not text.isspace()
    for text in long:
        assert 1 <= len(text) <= 30
        assert not text.isspace()


def test_texts_may_hold_spaces_around_other_characters() -> None:
    assert find(sst.texts(), lambda s: " " in s).strip()


OFFSETS = {timedelta(minutes=m) for m in (0, -480, -300, 60, 120, 330, 545)}


@given(many(sst.aware_datetimes()))
def test_aware_datetimes_have_a_fixed_offset_and_stay_within_2000_to_2099(
    moments: list[datetime],
) -> None:
    for moment in moments:
        assert moment.utcoffset() in OFFSETS
        assert datetime(2000, 1, 1) <= moment.replace(tzinfo=None) <= datetime(2099, 12, 31)


def test_aware_datetimes_take_bounds_in_local_wall_time() -> None:
    day = datetime(2026, 3, 1, 12)
    assert find(sst.aware_datetimes(min_value=day, max_value=day), lambda d: True) == day.replace(
        tzinfo=UTC
    )
    # every offset, and the bounds as wall time in each
    seen = find(
        sst.aware_datetimes(min_value=day, max_value=day),
        lambda d: d.utcoffset() == timedelta(minutes=545),
    )
    assert seen.replace(tzinfo=None) == day
    with pytest.raises(InvalidArgument, match=r"^min_value and max_value are naive bounds"):
        sst.aware_datetimes(max_value=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidArgument) as refused:
        sst.aware_datetimes(min_value=day, max_value=day - timedelta(microseconds=1))
    assert str(refused.value) == (
        f"min_value={day!r} is after max_value={day - timedelta(microseconds=1)!r}"
    )


@given(many(sst.customers(), 2))
def test_a_churn_comes_at_or_after_the_acquisition_within_a_thousand_days(
    drawn: list[Customer],
) -> None:
    for customer in drawn:
        if customer.churned_at is not None:
            assert timedelta(0) <= customer.churned_at - customer.acquired_at
            assert customer.churned_at - customer.acquired_at <= timedelta(days=1000)
            assert customer.churned_at.utcoffset() in OFFSETS


@given(many(sst.currencies()))
def test_currencies_are_three_upper_case_letters(codes: list[str]) -> None:
    for code in codes:
        assert re.fullmatch(r"[A-Z]{3}", code)


def test_currencies_are_mostly_common_ones_but_any_code_can_come() -> None:
    assert find(sst.currencies(), lambda c: True) == "EUR"
    assert find(sst.currencies(), lambda c: c not in {"EUR", "USD", "GBP", "JPY", "BRL", "INR"})
    for code in ("USD", "GBP", "JPY", "BRL", "INR"):
        assert first(sst.currencies(), lambda c, code=code: c == code) == code


@given(many(sst.amounts()), many(sst.amounts(min_value=-5, max_value=5, places=0)))
def test_amounts_are_finite_decimals_within_bounds_and_places(
    default: list[Decimal], whole: list[Decimal]
) -> None:
    for amount in default:
        assert type(amount) is Decimal
        assert amount.is_finite()
        assert 0 <= amount <= 10**9
        assert amount.as_tuple().exponent >= -2
    for amount in whole:
        assert -5 <= amount <= 5
        assert amount == amount.to_integral_value()


def test_amounts_reach_their_bounds_and_places() -> None:
    assert find(sst.amounts(), lambda d: True) == 0
    assert find(sst.amounts(), lambda d: d >= 10**9) == 10**9
    assert find(sst.amounts(), lambda d: d != d.quantize(Decimal("0.1"))).as_tuple().exponent == -2
    assert find(sst.amounts(places=None), lambda d: d.as_tuple().exponent < -2)
    sst.amounts(places=0)
    sst.amounts(places=30)
    with pytest.raises(InvalidArgument, match=r"^places=-1 must be between 0 and 30$"):
        sst.amounts(places=-1)


@given(many(sst.moneys(currency="JPY")), many(sst.moneys(amount=st.just(Decimal("2.50")))))
def test_moneys_take_a_fixed_currency_or_amount(jpy: list[Money], fixed: list[Money]) -> None:
    assert {m.currency for m in jpy} == {"JPY"}
    assert {m.amount for m in fixed} == {Decimal("2.50")}
    assert all(re.fullmatch(r"[A-Z]{3}", m.currency) for m in fixed)


def test_moneys_draw_any_currency_by_default() -> None:
    assert first(sst.moneys(), lambda m: m.currency != "EUR")
    assert first(sst.moneys(currency=st.just("GBP")), lambda m: True).currency == "GBP"


@given(many(sst.rate_tables(), 3))
def test_rate_tables_hold_positive_rates_between_distinct_currencies(
    tables: list[Any],
) -> None:
    for table in tables:
        rates = table._rates
        assert len(rates) <= 5
        for (source, target), rate in rates.items():
            assert source != target
            assert Decimal("0.0001") <= rate <= 10_000
            assert table.rate(source, target) == rate


def test_rate_tables_may_hold_several_rates() -> None:
    assert len(first(sst.rate_tables(), lambda t: len(t._rates) >= 5)._rates) == 5


@given(many(sst.attributes()), many(sst.attributes(max_size=1)))
def test_attributes_are_small_mappings_of_json_scalars(
    default: list[Any], single: list[Any]
) -> None:
    for attributes in default + single:
        for key, value in attributes.items():
            assert re.fullmatch(r"[a-z0-9_-]{1,10}", key)
            assert value is None or type(value) in (bool, int, float, str)
    assert all(len(a) <= 4 for a in default)
    assert all(len(a) <= 1 for a in single)


def test_attributes_reach_their_size_and_every_kind_of_value() -> None:
    assert len(first(sst.attributes(), lambda a: len(a) >= 4)) == 4
    for kind in (type(None), bool, int, float, str):
        assert first(sst.attributes(), lambda a, k=kind: any(type(v) is k for v in a.values()))


@given(many(sst.bants()))
def test_bants_answer_each_question_or_leave_it_unknown(answers: list[Bant]) -> None:
    for bant in answers:
        assert bant.budget is None or type(bant.budget) in (bool, Money)
        assert bant.authority in (None, True, False)
        assert bant.need in (None, True, False)
        assert bant.timescale_days is None or 0 <= bant.timescale_days <= 720


def test_bants_draw_every_kind_of_answer() -> None:
    for check in (
        lambda b: isinstance(b.budget, Money),
        lambda b: b.budget is True,
        lambda b: b.authority is True,
        lambda b: b.need is False,
        lambda b: b.timescale_days == 720,
        lambda b: b.budget is None and b.authority is None and b.need is None,
    ):
        assert first(sst.bants(), check)


@given(many(sst.prospects(), 3))
def test_prospects_are_drawn_with_every_field_in_range(drawn: list[Prospect]) -> None:
    for prospect in drawn:
        assert re.fullmatch(r"[a-z0-9_-]{1,10}", prospect.id)
        assert re.fullmatch(r"[a-z0-9_-]{1,10}", prospect.owner_id)
        assert prospect.qualified_at.utcoffset() in OFFSETS
        assert prospect.company is None or len(prospect.company) <= 15
        assert len(prospect.needs) <= 3
        assert all(len(need) <= 15 for need in prospect.needs)
        assert prospect.temperature in Temperature


def test_prospects_reach_every_option() -> None:
    for check in (
        lambda p: p.lead_id is not None and p.company is not None,
        lambda p: len(p.needs) == 3,
        lambda p: p.temperature is Temperature.HOT,
        lambda p: len(p.attributes) > 0,
        lambda p: p.bant.need is not None,
    ):
        assert first(sst.prospects(), check)


@given(many(sst.activities()))
def test_activities_are_of_a_known_kind_at_an_aware_time(drawn: list[Activity]) -> None:
    for activity in drawn:
        assert activity.kind in ActivityKind
        assert activity.at.utcoffset() in OFFSETS


def test_activities_may_name_a_rep_lead_deal_and_customer() -> None:
    both = first(
        sst.activities(),
        lambda a: None not in (a.rep_id, a.lead_id, a.deal_id, a.customer_id),
    )
    assert both.rep_id


def test_open_vocabularies_draw_members_and_free_text() -> None:
    lost = sst.deals(status=Status.LOST)
    assert isinstance(
        first(lost, lambda d: isinstance(d.loss_reason, LossReason)).loss_reason, LossReason
    )
    reason = first(lost, lambda d: type(d.loss_reason) is str).loss_reason
    assert 1 <= len(reason) <= 12


def test_deals_and_leads_take_fields_with_or_without_a_pipeline() -> None:
    fixed = {"created_at": T0, "product": "CRM"}
    for pipeline in (None, DEFAULT_PIPELINE):
        deal = first(sst.deals(pipeline=pipeline, fields=fixed), lambda d: len(d.history) > 1)
        assert (deal.created_at, deal.product) == (T0, "CRM")
        assert deal.history[0].at >= T0
    lead = first(sst.leads(fields={"company": "Acme"}), lambda d: True)
    assert lead.company == "Acme"


def test_leads_and_deals_draw_every_status() -> None:
    for status in Status:
        assert first(sst.deals(), lambda d, s=status: d.status is s).status is status
        assert first(sst.leads(), lambda d, s=status: d.status is s).status is status


RULES = "not-allowed, reason-required, same-stage, time-order"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sst.pipelines(min_open=0), "min_open=0 must be an int of at least 1"),
        (lambda: sst.pipelines(min_open=True), "min_open=True must be an int of at least 1"),
        (lambda: sst.pipelines(min_open=3, max_open=2), "max_open=2 must be an int of at least 3"),
        (lambda: sst.pipelines(max_won=-1), "max_won=-1 must be an int of at least 0"),
        (lambda: sst.pipelines(max_lost=-1), "max_lost=-1 must be an int of at least 0"),
        (
            lambda: sst.pipelines(max_won=0, max_lost=0),
            "max_won + max_lost must be at least 1: a pipeline needs a closed stage",
        ),
        (lambda: sst.pipelines(guards=1), "guards=1 must be True or False"),
        (lambda: sst.histories("x"), "pipeline='x' must be a Pipeline or a strategy of pipelines"),
        (
            lambda: sst.histories(DEFAULT_PIPELINE, kind=int),
            "kind=<class 'int'> must be None, Deal or Lead",
        ),
        (
            lambda: sst.histories(DEFAULT_PIPELINE, max_moves=-1),
            "max_moves=-1 must be an int of at least 0",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, rules="same-stage"),
            "rules='same-stage' must be an iterable of rule names",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, rules=5),
            "rules=5 must be an iterable of rule names",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, rules=[]),
            f"rules=[] must be a non-empty set of: {RULES}, unknown-stage, wrong-pipeline",
        ),
        (
            lambda: sst.invalid_moves(LEAD_LIFECYCLE, kind=Lead, rules=["wrong-pipeline"]),
            f"rules=['wrong-pipeline'] must be a non-empty set of: {RULES}, unknown-stage",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, kind=Lead, rules=["same-stage"]),
            "kind=Lead but pipeline 'default' moves Deal records",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, kind=str),
            "kind=<class 'str'> must be None, Deal or Lead",
        ),
        (
            lambda: sst.invalid_moves(DEFAULT_PIPELINE, max_moves=-2),
            "max_moves=-2 must be an int of at least 0",
        ),
        (
            lambda: sst.pipeline_machine(DEFAULT_PIPELINE, kinds=()),
            "kinds=() must be a non-empty sequence of Deal and Lead",
        ),
        (
            lambda: sst.pipeline_machine(DEFAULT_PIPELINE, kinds=Deal),
            f"kinds={Deal!r} must be a non-empty sequence of Deal and Lead",
        ),
        (
            lambda: sst.pipeline_machine(DEFAULT_PIPELINE, kinds=[int]),
            "kinds=[<class 'int'>] must hold only Deal and Lead",
        ),
        (
            lambda: sst.pipeline_machine(DEFAULT_PIPELINE, max_entities=0),
            "max_entities=0 must be an int of at least 1",
        ),
        (
            lambda: sst.pipeline_machine(42),
            "pipeline=42 must be a Pipeline or a strategy of pipelines",
        ),
        (
            lambda: sst.deals(currency="EUR", fields={"amount": None}),
            "currency= and fields={'amount': ...} both draw 'amount': give one",
        ),
        (
            lambda: sst.deals(owners=st.just("ana"), fields={"owner_id": "bo"}),
            "owners= and fields={'owner_id': ...} both draw 'owner_id': give one",
        ),
        (
            lambda: sst.deals(fields={"pipeline_id": "x"}),
            "fields={'pipeline_id': ...}: moves set 'pipeline_id'; give the fields of new records",
        ),
        (
            lambda: sst.leads(fields={"amount": None}),
            "fields={'amount': ...}: 'amount' is not a field of Lead (attributes, bant, company, "
            "created_at, email, id, name, owner_id, purchase_timeframe_days, source)",
        ),
    ],
)
def test_a_bad_argument_is_refused_with_what_it_must_be(make: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        make()
    assert str(refused.value) == message


def test_the_least_arguments_are_accepted() -> None:
    sst.pipelines(min_open=1, max_open=1, max_won=0, max_lost=1, guards=False)
    sst.pipelines(max_won=1, max_lost=0)
    sst.histories(sst.pipelines(), kind=Lead, max_moves=0)
    sst.invalid_moves(LEAD_LIFECYCLE, kind=Lead, rules=["same-stage"], max_moves=0)
    sst.invalid_moves(DEFAULT_PIPELINE, rules=("wrong-pipeline", "same-stage"))
    sst.pipeline_machine(sst.pipelines(), kinds=[Lead], max_entities=1)


@settings(max_examples=10)
@given(sst.histories(DEFAULT_PIPELINE, max_moves=8))
def test_a_journey_starts_new_in_the_first_stage_and_replays_to_its_end(
    journey: sst.Journey,  # type: ignore[type-arg]
) -> None:
    start = journey.start
    assert (start.stage, start.history, start.pipeline_id) == ("prospecting", (), "default")
    assert journey.replay() == journey.end
    assert len(journey.end.history) == len(journey.moves) <= 8
    assert [c.to_stage for c in journey.end.history] == [m.to for m in journey.moves]


@settings(max_examples=10)
@given(sst.histories(LEAD_LIFECYCLE, kind=Lead, max_moves=3))
def test_a_lead_journey_goes_through_the_lead_lifecycle(journey: Any) -> None:
    assert type(journey.end) is Lead
    assert journey.start.stage == LEAD_LIFECYCLE.first.id
    assert journey.replay() == journey.end


def test_journeys_mostly_move_forward_so_deals_reach_won() -> None:
    won = first(sst.histories(DEFAULT_PIPELINE, max_moves=6), lambda j: j.end.stage == "won")
    assert [m.to for m in won.moves] == [
        "qualification", "research", "demonstration", "objection_handling", "closing", "won"
    ]  # fmt: skip


@settings(max_examples=20)
@given(sst.invalid_moves(DEFAULT_PIPELINE, max_moves=4))
def test_every_invalid_move_is_refused_as_labelled(invalid: Any) -> None:
    checks = sst._PipelineChecks()
    checks.pipeline = DEFAULT_PIPELINE
    if invalid.rule != "wrong-pipeline":  # that entity is moved to another pipeline's id
        checks.check_entity(invalid.entity)
    checks.check_refusal(invalid)


@pytest.mark.parametrize(
    "rule",
    ["same-stage", "unknown-stage", "not-allowed", "time-order", "reason-required",
     "wrong-pipeline"],
)  # fmt: skip
def test_each_rule_can_be_drawn_alone(rule: str) -> None:
    invalid = first(sst.invalid_moves(DEFAULT_PIPELINE, rules=[rule], max_moves=3), lambda i: True)
    assert invalid.rule == rule
    with pytest.raises(TransitionError) as refusal:
        invalid.apply()
    assert refusal.value.rule == rule


# --- the stateful checker: what it asserts, and what it reports -----------------------


def checker(pipeline: Pipeline = DEFAULT_PIPELINE) -> Any:
    checks = sst._PipelineChecks()
    checks.pipeline = pipeline
    return checks


WON_PATH = ("qualification", "research", "demonstration", "objection_handling", "closing", "won")


def deal_at(*stages: str, **fields: Any) -> Deal:
    """A deal of the default pipeline moved through *stages*, a day apart."""
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=T0)
    for day, stage in enumerate(stages, start=1):
        reason = LossReason.PRICE if stage == "lost" else None
        deal = DEFAULT_PIPELINE.move(deal, stage, at=T0 + timedelta(days=day), reason=reason)
    return attrs.evolve(deal, **fields) if fields else deal


def test_the_checker_accepts_a_closed_stage_left_only_by_its_reopen_map() -> None:
    checker().check_definition()  # won is final, lost reopens into qualification
    checker(LEAD_LIFECYCLE).check_definition()


class LeakyPipeline(Pipeline):
    """A won deal may move on: a closed stage that is not final."""

    __slots__ = ()

    def targets(self, stage_id: str) -> tuple[str, ...]:
        return ("closing",) if stage_id == "won" else super().targets(stage_id)


def test_the_checker_refuses_a_closed_stage_with_moves_of_its_own() -> None:
    leaky = LeakyPipeline("default", DEFAULT_PIPELINE.stages, reopen_to={"lost": ["closing"]})
    with pytest.raises(AssertionError) as failed:
        checker(leaky).check_definition()
    assert first_line(failed.value) == "closed stage 'won' is left only by reopen_to"


def test_the_checker_accepts_every_entity_a_move_gives() -> None:
    checks = checker()
    checks.check_entity(deal_at())
    checks.check_entity(deal_at("qualification", "lost"))
    checks.check_entity(deal_at(*WON_PATH))
    checks.check_entity(deal_at("qualification", "lost", "qualification"))


def unchecked(entity: Deal, **fields: Any) -> Deal:
    """*entity* with *fields* set past the entity's own checks, as a move that
    builds entities without re-checking them could leave it."""
    broken = attrs.evolve(entity)
    for name, value in fields.items():
        object.__setattr__(broken, name, value)
    return broken


LOST = deal_at("qualification", "research", "lost")


@pytest.mark.parametrize(
    ("entity", "message"),
    [
        (deal_at(stage="nowhere"), "'nowhere' is not a stage of 'default'"),
        (
            deal_at(*WON_PATH, status=Status.OPEN, closed_at=None),
            "status 'open' but stage 'won' is 'won'",
        ),
        (deal_at(stage="research"), None),  # no history, yet not in the first stage
        (
            attrs.evolve(
                deal_at("qualification"),
                history=(StageChange(from_stage="research", to_stage="qualification", at=T0),),
            ),
            None,  # a history that does not start in the first stage
        ),
        (deal_at(pipeline_id="other"), None),
        (deal_at("qualification", "lost", loss_reason="budget"), None),
        (unchecked(LOST, closed_at=None), "closed_at=None with status 'lost'"),
        (
            unchecked(
                LOST,
                history=(
                    attrs.evolve(LOST.history[0], at=T0 + timedelta(days=2)),
                    attrs.evolve(LOST.history[1], at=T0 + timedelta(days=1)),
                    LOST.history[2],
                ),
            ),
            "history out of time order",
        ),
        (
            unchecked(LOST, history=(LOST.history[0], LOST.history[2])),
            "history is not a chain of moves",
        ),
        (unchecked(LOST, history=LOST.history[:2]), "history does not end at the stage"),
        (
            unchecked(deal_at("qualification"), loss_reason="budget"),
            "an open or won deal keeps a loss reason",
        ),
    ],
)
def test_the_checker_refuses_an_entity_out_of_step_with_the_pipeline_or_its_own_rules(
    entity: Deal, message: str | None
) -> None:
    with pytest.raises(AssertionError) as failed:
        checker().check_entity(entity)
    if message is not None:
        assert first_line(failed.value) == message


def test_the_checker_accepts_moves_at_the_very_instant_of_the_last_change() -> None:
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=T0)
    once = DEFAULT_PIPELINE.move(deal, "qualification", at=T0)
    twice = DEFAULT_PIPELINE.lose(once, LossReason.PRICE, at=T0)
    checker().check_entity(once)
    checker().check_entity(twice)


def test_the_checker_accepts_moves_that_change_only_what_a_move_changes() -> None:
    checks, before = checker(), deal_at(*WON_PATH[:-1])
    for move in (
        sst.Move(to="objection_handling", at=T0 + timedelta(days=9), by="rep", reason="back"),
        sst.Move(to="lost", at=T0 + timedelta(days=9), by="rep", reason=LossReason.PRICE),
        sst.Move(to="won", at=T0 + timedelta(days=9)),
    ):
        checks.check_move(before, move, move.apply(DEFAULT_PIPELINE, before))
    reopen = sst.Move(to="qualification", at=T0 + timedelta(days=4))
    checks.check_move(LOST, reopen, reopen.apply(DEFAULT_PIPELINE, LOST))


@pytest.mark.parametrize(
    ("after", "message"),
    [
        (
            attrs.evolve(deal_at("qualification", "research"), name="renamed"),
            "name",
        ),
        (
            attrs.evolve(
                deal_at("qualification", "research"),
                history=(
                    StageChange(
                        from_stage="prospecting", to_stage="qualification", at=T0, by="someone"
                    ),
                    deal_at("qualification", "research").history[1],
                ),
            ),
            "history was rewritten",
        ),
    ],
)
def test_the_checker_refuses_a_move_that_changes_more_than_it_should(
    after: Deal, message: str
) -> None:
    move = sst.Move(to="research", at=T0 + timedelta(days=2))
    with pytest.raises(AssertionError) as failed:
        checker().check_move(deal_at("qualification"), move, after)
    assert first_line(failed.value) == message


def test_the_checker_refuses_a_loss_that_forgets_its_reason() -> None:
    before = deal_at("qualification")
    move = sst.Move(to="lost", at=T0 + timedelta(days=2), reason=LossReason.PRICE)
    after = attrs.evolve(move.apply(DEFAULT_PIPELINE, before), loss_reason=None)
    with pytest.raises(AssertionError) as failed:
        checker().check_move(before, move, after)
    assert first_line(failed.value) == "loss_reason not set by a loss, or not cleared"


class YesManPipeline(Pipeline):
    """can_move says yes to any deal into any of its stages, while move refuses."""

    __slots__ = ()

    def can_move(self, entity: Any, to: str) -> bool:
        return isinstance(entity, Deal) and to in self


class MeddlingPipeline(Pipeline):
    """A refused move that renames the entity on its way out."""

    __slots__ = ()

    def move(self, entity: Any, to: str, **arguments: Any) -> Any:
        object.__setattr__(entity, "name", "meddled")
        return super().move(entity, to, **arguments)


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (YesManPipeline("default", DEFAULT_PIPELINE.stages), "can_move disagrees with move"),
        (MeddlingPipeline("default", DEFAULT_PIPELINE.stages), "a refused move changed the entity"),
    ],
)
def test_the_checker_refuses_a_refusal_that_is_not_what_it_says(
    pipeline: Pipeline, message: str
) -> None:
    invalid = sst.InvalidMove(
        pipeline=pipeline,
        entity=deal_at(),
        move=sst.Move(to="won", at=T0 + timedelta(days=1)),
        rule="not-allowed",
        allowed=pipeline.targets("prospecting"),
    )
    with pytest.raises(AssertionError) as failed:
        checker(pipeline).check_refusal(invalid)
    assert first_line(failed.value) == message


def test_the_checker_accepts_a_refusal_by_an_argument_rule_can_move_does_not_know() -> None:
    entity = deal_at()
    invalid = sst.InvalidMove(
        pipeline=DEFAULT_PIPELINE,
        entity=entity,
        move=sst.Move(to="qualification", at=entity.created_at - timedelta(days=1)),
        rule="time-order",
        allowed=DEFAULT_PIPELINE.targets("prospecting"),
    )
    checker().check_refusal(invalid)


class CarelessPipeline(Pipeline):
    """Moves that forget who made them: valid entities, a wrong history."""

    __slots__ = ()

    def move(self, entity: Any, to: str, **arguments: Any) -> Any:
        return super().move(entity, to, **{**arguments, "by": None})


def test_a_failing_machine_reports_what_each_step_drew_as_values_to_paste() -> None:
    careless = CarelessPipeline("default", DEFAULT_PIPELINE.stages)
    with pytest.raises(AssertionError) as failed:
        run_state_machine_as_test(
            sst.pipeline_machine(careless, kinds=[Deal]),
            settings=settings(
                max_examples=50,
                stateful_step_count=10,
                phases=[Phase.generate],  # no shrinking: the report is the point
                report_multiple_bugs=False,
                print_blob=False,
            ),
        )
    report = "\n".join(failed.value.__notes__)
    for label in ("new", "step"):
        assert re.search(rf"^Draw \d+ \({label}\): ", report, re.MULTILINE), label
    # times are values, not the expressions that computed them
    assert "at=datetime.datetime(" in report
    assert "created_at=datetime.datetime(" in report
    assert "lambda" not in report
    assert "start +" not in report


def watched(machine: Any, seen: dict[str, set[Any]]) -> Any:
    """*machine*, noting at the end of each run how many entities of which kinds it
    kept, and at each move whether the entity moved was the newest one."""

    class Watched(machine):  # type: ignore[misc,valid-type]
        def check_move(self, before: Any, move: Any, after: Any) -> None:
            super().check_move(before, move, after)
            index = next(i for i, e in enumerate(self.entities) if e is before)
            seen["newest moved"].add(index == len(self.entities) - 1)

        def teardown(self) -> None:
            seen["sizes"].add(len(self.entities))
            seen["kinds"].update(type(e) for e in self.entities)
            seen["stages"].update(e.stage for e in self.entities)

    return Watched


# The default pipeline's rules for any record (DEFAULT_PIPELINE itself moves deals).
ANY_KIND = Pipeline("any", DEFAULT_PIPELINE.stages, reopen_to=DEFAULT_PIPELINE.reopen_to)


def test_the_machine_keeps_up_to_four_deals_and_leads_and_moves_any_of_them() -> None:
    seen: dict[str, set[Any]] = defaultdict(set)
    run_state_machine_as_test(
        watched(sst.pipeline_machine(ANY_KIND, kinds=[Deal, Lead]), seen),
        settings=settings(max_examples=6, stateful_step_count=25),
    )
    assert max(seen["sizes"]) == 4
    assert seen["kinds"] == {Deal, Lead}
    assert seen["newest moved"] == {True, False}


def test_the_machine_moves_what_the_pipeline_moves_by_default() -> None:
    for pipeline, kind in ((DEFAULT_PIPELINE, Deal), (LEAD_LIFECYCLE, Lead), (ANY_KIND, Deal)):
        seen: dict[str, set[Any]] = defaultdict(set)
        run_state_machine_as_test(
            watched(sst.pipeline_machine(pipeline, max_entities=2), seen),
            settings=settings(max_examples=2, stateful_step_count=5),
        )
        assert seen["kinds"] == {kind}


def test_the_machine_moves_only_the_kinds_asked_for() -> None:
    seen: dict[str, set[Any]] = defaultdict(set)
    run_state_machine_as_test(
        watched(sst.pipeline_machine(LEAD_LIFECYCLE, kinds=[Lead], max_entities=2), seen),
        settings=settings(max_examples=3, stateful_step_count=15),
    )
    assert max(seen["sizes"]) == 2
    assert seen["kinds"] == {Lead}


# --- strategies built inside the test: bounds reached, options in effect -------------
# (mutmut switches a mutant on after the test modules are imported, so a strategy
# built in a decorator is the unmutated one: these build theirs in the test body.)


def collect(strategy: st.SearchStrategy[Any], examples: int = 30) -> list[Any]:
    """The values *strategy* draws over *examples* examples."""
    values: list[Any] = []

    @settings(max_examples=examples, phases=[Phase.generate], database=None)
    @given(strategy)
    def draw(value: Any) -> None:
        values.append(value)

    draw()
    return values


def most(strategy: st.SearchStrategy[Any], examples: int = 60, **measures: Any) -> dict[str, Any]:
    """The largest value of each measure over what *strategy* draws, with
    Hypothesis steering its examples towards large values."""
    best: dict[str, Any] = {}

    @settings(max_examples=examples, phases=[Phase.generate, Phase.target], database=None)
    @given(strategy)
    def draw(value: Any) -> None:
        for name, measure in measures.items():
            measured = measure(value)
            hypothesis.target(float(measured), label=name)
            best[name] = max(best.get(name, measured), measured)

    draw()
    return best


def test_rate_tables_keep_six_places_and_reach_ten_thousand() -> None:
    tables = collect(sst.rate_tables())
    rates = [rate for table in tables for rate in table._rates.values()]
    assert all(rate.as_tuple().exponent >= -6 for rate in rates)
    assert any(rate.as_tuple().exponent == -6 for rate in rates)
    assert most(sst.rate_tables(), rate=lambda t: max(t._rates.values(), default=0)) == {
        "rate": 10_000
    }


def test_attributes_and_bants_reach_their_bounds_and_no_further() -> None:
    # (Hill-climbing the size of a mapping, as most() does, can take minutes.)
    assert len(first(sst.attributes(), lambda a: len(a) == 4)) == 4
    assert max(len(a) for a in collect(sst.attributes(), 60)) <= 4
    assert max(len(a) for a in collect(sst.attributes(max_size=2), 20)) == 2
    assert first(sst.bants(), lambda b: b.timescale_days == 0).timescale_days == 0


def test_prospects_reach_the_size_of_each_field_and_no_further() -> None:
    assert most(sst.prospects(), needs=lambda p: len(p.needs)) == {"needs": 3}


def count(pipeline: Pipeline, status: Status) -> int:
    return sum(stage.status is status for stage in pipeline.stages)


def test_random_pipelines_keep_to_their_default_bounds_and_some_carry_a_guard() -> None:
    drawn = collect(sst.pipelines(), 40)
    assert min(count(p, Status.OPEN) for p in drawn) == 1
    assert max(count(p, Status.WON) for p in drawn) == 2
    assert max(count(p, Status.LOST) for p in drawn) == 2
    assert max(len(p.guards) for p in drawn) == 1
    assert max(count(p, Status.OPEN) for p in drawn) == 6
    assert not any(p.guards for p in collect(sst.pipelines(guards=False), 10))


def test_random_pipelines_keep_to_the_bounds_asked_for() -> None:
    assert most(
        sst.pipelines(min_open=2, max_open=3, max_won=1, max_lost=3),
        examples=30,
        open=lambda p: count(p, Status.OPEN),
        fewest_open=lambda p: -count(p, Status.OPEN),
        won=lambda p: count(p, Status.WON),
        lost=lambda p: count(p, Status.LOST),
    ) == {"open": 3, "fewest_open": -2, "won": 1, "lost": 3}


#: A pipeline no journey ever finishes: its won stage reopens.
LOOP = Pipeline(
    "loop",
    [
        Stage("a", "A", Decimal("0.1"), Status.OPEN),
        Stage("b", "B", Decimal("0.5"), Status.OPEN),
        Stage("w", "W", Decimal("1"), Status.WON),
    ],
    reopen_to={"w": ["a"]},
)


def test_journeys_and_invalid_moves_make_up_to_max_moves() -> None:
    journeys = collect(sst.histories(LOOP, max_moves=3), 15)
    assert max(len(j.moves) for j in journeys) == 3
    invalid = collect(sst.invalid_moves(LOOP, max_moves=2), 15)
    assert max(len(i.entity.history) for i in invalid) == 2


def test_journeys_and_invalid_moves_move_the_kind_asked_for() -> None:
    journeys = collect(sst.histories(LEAD_LIFECYCLE, kind=Lead, max_moves=3), 5)
    assert {type(j.end) for j in journeys} == {Lead}
    invalid = collect(sst.invalid_moves(LEAD_LIFECYCLE, kind=Lead, max_moves=2), 5)
    assert {type(i.entity) for i in invalid} == {Lead}


def test_invalid_moves_accept_every_rule_at_once() -> None:
    every = ["same-stage", "unknown-stage", "not-allowed", "time-order", "reason-required",
             "wrong-pipeline"]  # fmt: skip
    drawn = collect(sst.invalid_moves(DEFAULT_PIPELINE, rules=every, max_moves=2), 10)
    assert {i.rule for i in drawn} <= set(every)


def refusals(rule: str) -> st.SearchStrategy[Any]:
    return sst.invalid_moves(DEFAULT_PIPELINE, rules=[rule], max_moves=3)


def since_last_change(invalid: Any) -> timedelta:
    entity = invalid.entity
    last = entity.history[-1].at if entity.history else entity.created_at
    return invalid.move.at - last


def test_stage_refusals_come_within_thirty_days_of_the_last_change() -> None:
    for rule in ("same-stage", "not-allowed"):
        for invalid in collect(refusals(rule), 20):
            assert timedelta(0) <= since_last_change(invalid) <= timedelta(days=30)


def test_unknown_stages_are_texts_the_pipeline_does_not_have() -> None:
    for invalid in collect(refusals("unknown-stage"), 10):
        assert type(invalid.move.to) is str
        assert invalid.move.to not in DEFAULT_PIPELINE


def test_times_out_of_order_come_up_to_thirty_days_early_and_as_little_as_a_microsecond() -> None:
    for invalid in collect(refusals("time-order"), 20):
        assert timedelta(0) < -since_last_change(invalid) <= timedelta(days=30)
    assert first(
        refusals("time-order"), lambda i: -since_last_change(i) < timedelta(microseconds=2)
    )


def test_a_deal_of_another_pipeline_is_moved_to_a_stage_of_this_one_within_thirty_days() -> None:
    for invalid in collect(refusals("wrong-pipeline"), 10):
        assert invalid.entity.pipeline_id != "default"
        assert invalid.move.to in DEFAULT_PIPELINE
        assert timedelta(0) <= since_last_change(invalid) <= timedelta(days=30)
        assert invalid.allowed == ()


GUARDED = Pipeline(
    "guarded",
    DEFAULT_PIPELINE.stages,
    reopen_to={"lost": ["qualification"]},
    guards=[
        Guard(name="owner-first", into=["research"], fields=["owner_id"]),
        Guard(name="owner-again", into=["research", "demonstration"], fields=["owner_id"]),
    ],
)


def test_a_guard_refusal_is_named_by_the_first_guard_that_refuses() -> None:
    rules = ["owner-first", "owner-again"]
    drawn = collect(sst.invalid_moves(GUARDED, rules=rules, max_moves=4), 20)
    # owner-again guards research too, but owner-first refuses first
    assert {(i.rule, i.move.to) for i in drawn} == {("owner-first", "research")}
    for invalid in drawn:
        assert invalid.entity.owner_id is None
        with pytest.raises(TransitionError) as refusal:
            invalid.apply()
        assert refusal.value.rule == invalid.rule


def test_no_stage_is_out_of_reach_when_every_other_one_is_allowed() -> None:
    tiny = Pipeline(
        "tiny",
        [Stage("a", "A", Decimal("0.1"), Status.OPEN), Stage("w", "W", Decimal("1"), Status.WON)],
    )
    rules = {i.rule for i in collect(sst.invalid_moves(tiny, max_moves=0), 20)}
    assert "not-allowed" not in rules
    assert {"same-stage", "unknown-stage"} <= rules


IDENTIFIER = re.compile(r"[a-z0-9_-]{1,10}")


def test_identifiers_keep_to_their_alphabet_and_length() -> None:
    assert all(IDENTIFIER.fullmatch(i) for i in collect(sst.identifiers(), 60))
    assert most(sst.identifiers(), size=len) == {"size": 10}


def test_texts_reach_their_longest_and_no_further() -> None:
    assert most(sst.texts(), size=len) == {"size": 30}
    assert most(sst.texts(max_size=3), size=len) == {"size": 3}
    days = [b.timescale_days or 0 for b in collect(sst.bants(), 200)]
    assert 600 <= max(days) <= 720
    assert most(sst.texts(max_size=15), size=len) == {"size": 15}  # what a company draws
    assert max(len(p.company or "") for p in collect(sst.prospects(), 100)) <= 15


def test_stage_ids_are_keys_or_labels_of_up_to_sixteen_characters() -> None:
    assert most(sst.pipelines(), size=lambda p: max(len(s.id) for s in p.stages)) == {"size": 16}
    assert first(sst.pipelines(), lambda p: all(IDENTIFIER.fullmatch(s.id) for s in p.stages))
    assert first(sst.pipelines(), lambda p: not any(IDENTIFIER.fullmatch(s.id) for s in p.stages))


def test_aware_datetimes_and_amounts_keep_the_bounds_and_places_asked_for() -> None:
    day = datetime(2026, 3, 1, 12)
    moments = collect(sst.aware_datetimes(min_value=day, max_value=day), 10)
    assert {moment.replace(tzinfo=None) for moment in moments} == {day}
    default = collect(sst.amounts(), 60)
    assert all(0 <= a <= 10**9 and a.as_tuple().exponent >= -2 for a in default)
    assert any(a.as_tuple().exponent == -2 for a in default)
    whole = collect(sst.amounts(min_value=-5, max_value=5, places=0), 20)
    assert all(-5 <= a <= 5 and a == a.to_integral_value() for a in whole)
    fixed = collect(sst.moneys(amount=st.just(Decimal("2.50"))), 5)
    assert {m.amount for m in fixed} == {Decimal("2.50")}


def test_later_times_may_fall_on_the_start_and_come_in_other_offsets() -> None:
    churned = find(sst.customers(), lambda c: c.churned_at is not None)
    assert churned.churned_at == churned.acquired_at
    assert first(
        sst.customers(),
        lambda c: c.churned_at is not None and c.churned_at.utcoffset() != timedelta(0),
    )


def test_new_leads_of_a_journey_may_have_an_owner() -> None:
    journeys = sst.histories(LEAD_LIFECYCLE, kind=Lead, max_moves=1)
    assert first(journeys, lambda j: j.start.owner_id is not None)


def test_the_first_move_of_a_shortest_way_to_each_stage_avoids_blocked_stages() -> None:
    hops = sst._hops(DEFAULT_PIPELINE, "qualification", frozenset())
    assert hops == {
        "prospecting": "prospecting",
        "research": "research",
        "demonstration": "research",
        "objection_handling": "research",
        "closing": "research",
        "won": "research",
        "lost": "lost",
    }
    # research blocked: only the stages behind, and lost (and reopening from it)
    assert sst._hops(DEFAULT_PIPELINE, "qualification", frozenset({"research"})) == {
        "prospecting": "prospecting",
        "lost": "lost",
    }
    assert sst._hops(DEFAULT_PIPELINE, "won", frozenset()) == {}


def test_the_fewest_moves_to_a_set_of_stages_count_only_stages_that_can_be_entered() -> None:
    won = frozenset({"won"})
    distances = sst._distances(DEFAULT_PIPELINE, won, frozenset())
    assert [distances[s] for s in ("won", "closing", "prospecting", "lost")] == [0, 1, 6, 6]
    blocked = sst._distances(DEFAULT_PIPELINE, won, frozenset({"closing"}))
    assert blocked == {"won": 0, "closing": 1}  # in closing already, it can still win


@settings(max_examples=30, deadline=None)
@given(
    sst.deals(
        fields={"created_at": st.just(datetime(2024, 10, 27, 2, 30, tzinfo=PARIS, fold=1))},
        status=Status.WON,
    )
)
def test_a_time_of_a_repeated_hour_begins_a_valid_deal(deal: Deal) -> None:
    """The second 02:30 of Paris' autumn night (fold=1) is an instant an hour after
    the first: later times are drawn from it, not from its wall clock."""
    assert deal.created_at.utcoffset() == timedelta(hours=1)
    assert deal.closed_at is not None
    assert deal.closed_at >= deal.created_at
