"""Qualification: BANT helpers, a sales-qualified lead converting into a prospect
through the lead lifecycle, and a prospect's first deal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Bant,
    Deal,
    Lead,
    Money,
    Pipeline,
    Prospect,
    Stage,
    Status,
    Temperature,
    TemperaturePolicy,
    TransitionError,
    ValidationError,
)
from salesmodel.qualification import open_deal, qualify
from support import issues, issues_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EUR = Money("4800.00", "EUR")
FULL = Bant(budget=Money("5000", "EUR"), authority=True, need=True, timescale_days=30)


def walked(*stages: str, **changes: object) -> Lead:
    fields: dict[str, object] = {
        "id": "L-1",
        "name": "Ana Lima",
        "created_at": T0,
        "source": "referral",
        "company": "Acme",
        "purchase_timeframe_days": 45,
        "bant": FULL,
        "attributes": {"industry": "saas"},
    }
    new = Lead(**(fields | changes))  # type: ignore[arg-type]
    for i, stage in enumerate(stages):
        new = LEAD_LIFECYCLE.move(new, stage, at=T0 + timedelta(days=i + 1))
    return new


SQL = ("contacted", "mql", "sql")


# --- BANT ---------------------------------------------------------------------------


def test_answered_lists_the_letters_asked_in_bant_order():
    assert Bant().answered() == ()
    assert Bant(need=False, budget=True).answered() == ("budget", "need")
    assert FULL.answered() == ("budget", "authority", "need", "timescale")


def test_met_counts_only_answers_in_the_buyers_favour():
    assert FULL.met() == ("budget", "authority", "need", "timescale")
    assert Bant(budget=Money("0", "EUR"), authority=False, need=True).met() == ("need",)
    assert Bant(timescale_days=120).met() == ()
    assert Bant(timescale_days=120).met(max_timescale_days=None) == ("timescale",)
    assert Bant(timescale_days=120).met(max_timescale_days=180) == ("timescale",)


def test_score_is_the_number_of_letters_met():
    assert Bant().score() == 0
    assert FULL.score() == 4
    assert Bant(budget=True, need=True).score() == 2


def test_three_of_four_letters_qualify_by_default_as_ibm_counted():
    assert Bant(budget=True, authority=True, need=True).is_qualified()
    assert not Bant(budget=True, authority=True, need=False, timescale_days=500).is_qualified()
    assert Bant(budget=True, need=True).is_qualified(min_letters=2)
    assert not FULL.is_qualified(min_letters=4, max_timescale_days=10)


def test_bant_limits_that_are_not_ints_are_refused_by_name():
    for bad in ("90", -1, 1.5, True):
        assert issues(lambda bad=bad: FULL.met(max_timescale_days=bad)) == [
            ("max_timescale_days", bad, "None or a non-negative int")
        ]
    assert issues(lambda: FULL.is_qualified(min_letters="3")) == [("min_letters", "3", "an int")]


# --- qualify --------------------------------------------------------------------------


def test_a_sales_qualified_lead_converts_into_a_prospect():
    lead = walked(*SQL)
    at = T0 + timedelta(days=10)
    converted, prospect = qualify(lead, owner_id="rep-1", at=at, needs=["onboarding"])
    assert (converted.stage, converted.status, converted.closed_at) == ("converted", Status.WON, at)
    assert converted.history[-1].from_stage == "sql"
    assert converted.history[-1].by == "rep-1"
    assert converted.owner_id == "rep-1"
    assert prospect == Prospect(
        id="L-1",
        name="Ana Lima",
        owner_id="rep-1",
        qualified_at=at,
        lead_id="L-1",
        company="Acme",
        bant=FULL,
        temperature=Temperature.WARM,  # 45 days stated 10 days ago: 35 left
        needs=("onboarding",),
        attributes={"industry": "saas"},
    )


def test_the_prospects_temperature_counts_down_to_the_qualification_date():
    lead = walked(*SQL)
    _, prospect = qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=35))
    assert prospect.temperature is Temperature.HOT


def test_an_owned_lead_keeps_its_owner_and_ids_can_be_chosen():
    lead = walked(*SQL, owner_id="sdr-9")
    converted, prospect = qualify(
        lead, owner_id="ae-1", at=T0 + timedelta(days=5), prospect_id="P-77", by="sdr-9"
    )
    assert converted.owner_id == "sdr-9"
    assert converted.history[-1].by == "sdr-9"
    assert (prospect.id, prospect.owner_id, prospect.lead_id) == ("P-77", "ae-1", "L-1")


@pytest.mark.parametrize("stages", [(), ("contacted",), ("contacted", "mql")])
def test_a_lead_that_is_not_sales_qualified_is_refused_and_left_untouched(stages):
    lead = walked(*stages)
    with pytest.raises(TransitionError) as info:
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=10))
    assert info.value.rule == "not-allowed"
    assert info.value.to_stage == "converted"
    assert lead == walked(*stages)


def test_a_closed_lead_is_refused():
    lead = LEAD_LIFECYCLE.lose(walked(*SQL), "no_budget", at=T0 + timedelta(days=5))
    with pytest.raises(TransitionError):
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=6))


def test_too_few_bant_letters_are_refused_when_asked():
    lead = walked(*SQL, bant=Bant(budget=True, need=True))
    with pytest.raises(TransitionError) as info:
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=3)
    assert info.value.rule == "bant"
    assert "budget, need" in str(info.value)
    converted, _ = qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=2)
    assert converted.stage == "converted"


def test_bad_arguments_are_refused():
    lead = walked(*SQL)
    with pytest.raises(ValidationError):
        qualify(lead, owner_id="rep-1", at=datetime(2026, 3, 20))
    with pytest.raises(ValidationError):
        qualify(lead, owner_id="", at=T0 + timedelta(days=9))
    with pytest.raises(ValidationError):
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=5)
    with pytest.raises(TransitionError) as info:
        qualify(lead, owner_id="rep-1", at=T0)  # before its last move
    assert info.value.rule == "time-order"


def test_qualify_names_each_argument_that_is_not_what_it_takes():
    lead, at = walked(*SQL), T0 + timedelta(days=9)
    assert issues(lambda: qualify(None, owner_id="rep-1", at=at)) == [("lead", None, "a Lead")]
    for pipeline in ("lead_lifecycle", DEFAULT_PIPELINE):
        assert issues(lambda p=pipeline: qualify(lead, owner_id="rep-1", at=at, pipeline=p)) == [
            ("pipeline", pipeline, "a Pipeline that moves leads (kind=Lead or None)")
        ]
    assert issues(lambda: qualify(lead, owner_id="rep-1", at=at, temperature="hot")) == [
        ("temperature", "hot", "a TemperaturePolicy")
    ]
    assert issues(lambda: qualify(lead, owner_id="rep-1", at=at, max_timescale_days="x")) == [
        ("max_timescale_days", "x", "None or a non-negative int")
    ]
    # A str is refused, not split into one need per letter.
    assert [i.path for i in issues_of(lambda: qualify(lead, owner_id="r", at=at, needs="crm"))] == [
        "needs"
    ]
    assert [i.path for i in issues_of(lambda: qualify(lead, owner_id="r", at=at, needs=5))] == [
        "needs"
    ]


# --- open_deal ----------------------------------------------------------------------


def prospect(**changes: object) -> Prospect:
    fields: dict[str, object] = {
        "id": "P-1",
        "name": "Ana Lima",
        "owner_id": "rep-1",
        "qualified_at": T0,
        "company": "Acme",
        "attributes": {"industry": "saas"},
    }
    return Prospect(**(fields | changes))  # type: ignore[arg-type]


def test_a_deal_opens_at_the_first_stage_of_the_default_pipeline():
    deal = open_deal(prospect(), amount=EUR, at=T0 + timedelta(hours=2))
    assert deal == Deal(
        id="P-1",
        name="Acme",
        amount=EUR,
        created_at=T0 + timedelta(hours=2),
        owner_id="rep-1",
        prospect_id="P-1",
        pipeline_id=DEFAULT_PIPELINE.id,
        stage="prospecting",
        attributes={"industry": "saas"},
    )


def test_a_deal_opens_at_the_first_stage_of_any_pipeline():
    short = Pipeline(
        "short",
        [
            Stage("quote", "Quote", "0.5"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    deal = open_deal(
        prospect(company=None),
        amount=EUR,
        at=T0,
        deal_id="D-9",
        pipeline=short,
        owner_id="rep-2",
        product="crm",
        source="webinar",
        attributes={"seats": 40},
    )
    assert (deal.id, deal.name, deal.pipeline_id, deal.stage) == (
        "D-9",
        "Ana Lima",
        "short",
        "quote",
    )
    assert (deal.owner_id, deal.product, deal.source, deal.attributes) == (
        "rep-2",
        "crm",
        "webinar",
        {"seats": 40},
    )
    assert short.move(deal, "won", at=T0 + timedelta(days=1)).status is Status.WON


def test_a_deal_cannot_open_before_its_prospect_was_qualified():
    with pytest.raises(ValidationError) as info:
        open_deal(prospect(), amount=EUR, at=T0 - timedelta(seconds=1))
    assert info.value.field == "at"


def test_a_bad_amount_or_time_is_refused():
    with pytest.raises(ValidationError):
        open_deal(prospect(), amount="4800", at=T0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        open_deal(prospect(), amount=EUR, at=datetime(2026, 3, 2))


def test_qualify_then_open_deal_carries_the_lead_through():
    _, new = qualify(walked(*SQL), owner_id="rep-1", at=T0 + timedelta(days=4))
    deal = open_deal(new, amount=EUR, at=T0 + timedelta(days=4))
    assert (deal.prospect_id, deal.owner_id, deal.name) == ("L-1", "rep-1", "Acme")


# --- exact refusals and the arguments that reach the prospect and the deal ---------


def test_too_few_bant_letters_are_refused_with_every_detail():
    lead = walked(*SQL, bant=Bant(budget=True, need=True))
    with pytest.raises(TransitionError) as info:
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=3)
    error = info.value
    assert str(error) == "cannot qualify Lead 'L-1': 2 BANT letters met (budget, need), 3 needed"
    assert (error.entity_id, error.from_stage, error.to_stage, error.allowed, error.rule) == (
        "L-1",
        "sql",
        None,
        (),
        "bant",
    )


def test_a_lead_with_no_bant_letter_met_says_none():
    lead = walked(*SQL, bant=Bant())
    with pytest.raises(TransitionError) as info:
        qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=1)
    assert str(info.value) == "cannot qualify Lead 'L-1': 0 BANT letters met (none), 1 needed"


@pytest.mark.parametrize("letters", [0, 4])
def test_min_bant_letters_takes_0_and_4_inclusive(letters):
    lead = walked(*SQL)  # FULL: all four letters met
    converted, _ = qualify(
        lead, owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=letters
    )
    assert converted.stage == "converted"


@pytest.mark.parametrize("letters", [-1, 5, 2.0, True, "3"])
def test_min_bant_letters_out_of_range_is_named_exactly(letters):
    with pytest.raises(ValidationError) as info:
        qualify(walked(*SQL), owner_id="rep-1", at=T0 + timedelta(days=9), min_bant_letters=letters)
    assert info.value.subject == "qualify"
    assert issues(info.value) == [("min_bant_letters", letters, "None or an int from 0 to 4")]


def test_the_timescale_counts_as_met_up_to_90_days_by_default():
    at = T0 + timedelta(days=9)
    bant = Bant(budget=True, authority=True, need=True, timescale_days=90)
    converted, _ = qualify(walked(*SQL, bant=bant), owner_id="rep-1", at=at, min_bant_letters=4)
    assert converted.stage == "converted"
    later = walked(*SQL, bant=Bant(budget=True, authority=True, need=True, timescale_days=91))
    with pytest.raises(TransitionError) as info:
        qualify(later, owner_id="rep-1", at=at, min_bant_letters=4)
    assert "3 BANT letters met (budget, authority, need)" in str(info.value)
    converted, _ = qualify(
        later, owner_id="rep-1", at=at, min_bant_letters=4, max_timescale_days=91
    )
    assert converted.stage == "converted"


def test_the_prospects_temperature_follows_the_policy_given():
    lead = walked(*SQL)  # 45 days stated 10 days before: 35 left, warm by default
    policy = TemperaturePolicy(hot_within_days=40, warm_within_days=60)
    _, prospect = qualify(lead, owner_id="rep-1", at=T0 + timedelta(days=10), temperature=policy)
    assert prospect.temperature is Temperature.HOT


@pytest.mark.parametrize("at", [datetime(2026, 3, 20), "2026-03-20T00:00:00+00:00"])
def test_qualify_names_a_naive_or_non_datetime_at_exactly(at):
    with pytest.raises(ValidationError) as info:
        qualify(walked(*SQL), owner_id="rep-1", at=at)
    assert info.value.subject == "qualify"
    assert issues(info.value) == [("at", at, "a timezone-aware datetime")]


@pytest.mark.parametrize("at", [datetime(2026, 3, 20), 1234])
def test_open_deal_names_a_naive_or_non_datetime_at_exactly(at):
    with pytest.raises(ValidationError) as info:
        open_deal(prospect(), amount=EUR, at=at)
    assert info.value.subject == "open_deal"
    assert issues(info.value) == [("at", at, "a timezone-aware datetime")]


def test_a_deal_before_its_prospect_is_refused_with_the_qualification_date():
    early = T0 - timedelta(seconds=1)
    with pytest.raises(ValidationError) as info:
        open_deal(prospect(), amount=EUR, at=early)
    assert info.value.subject == "open_deal"
    assert issues(info.value) == [
        ("at", early, "no earlier than the prospect's qualified_at (2026-03-02 09:00:00+00:00)")
    ]
    assert open_deal(prospect(), amount=EUR, at=T0).created_at == T0


def test_a_deal_takes_the_name_and_expected_close_given():
    deal = open_deal(
        prospect(), amount=EUR, at=T0, name="Acme renewal", expected_close=date(2026, 6, 30)
    )
    assert (deal.name, deal.expected_close) == ("Acme renewal", date(2026, 6, 30))


def test_open_deal_names_a_prospect_or_pipeline_that_is_not_one():
    lead = walked()
    for bad in (None, lead):
        assert issues(lambda bad=bad: open_deal(bad, amount=EUR, at=T0)) == [
            ("prospect", bad, "a Prospect")
        ]
    # A deal in a pipeline of leads (or a pipeline's id) could never move.
    for bad in ("default", LEAD_LIFECYCLE):
        assert issues(lambda bad=bad: open_deal(prospect(), amount=EUR, at=T0, pipeline=bad)) == [
            ("pipeline", bad, "a Pipeline that moves deals (kind=Deal or None)")
        ]
    assert [
        i.path for i in issues_of(lambda: open_deal(prospect(), amount=EUR, at=T0, attributes=5))
    ] == ["attributes"]
