"""Rule scoring: fit and engagement points, decay, caps, clamping and the curve,
every point explained by a contribution, and scorers stored as JSON."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmodel import (
    Activity,
    ActivityKind,
    Bant,
    Lead,
    LeadSource,
    Money,
    Temperature,
    ValidationError,
    from_dict,
    to_dict,
)
from salesmodel.scoring import (
    DEFAULT_SCORER,
    ENGAGEMENT_CAP,
    FIT_CAP,
    TOTAL_CLAMP,
    TOTAL_CURVE,
    BantRule,
    Contribution,
    Decay,
    EngagementRule,
    FitRule,
    GradeBands,
    LeadScore,
    LeadScorer,
    SourceRule,
)
from salesmodel.temperature import TemperaturePolicy, classify_temperature

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
K = ActivityKind


def lead(**changes: object) -> Lead:
    fields: dict[str, object] = {
        "id": "L-1",
        "name": "Ana",
        "created_at": AT - 200 * DAY,
        "source": "website",
    }
    return Lead(**(fields | changes))  # type: ignore[arg-type]


def act(
    kind: ActivityKind | str, days_ago: float, lead_id: str | None = "L-1", n: int = 0
) -> Activity:
    return Activity(
        id=f"A-{n}-{kind}-{days_ago}", kind=kind, at=AT - days_ago * DAY, lead_id=lead_id
    )


def points(score: LeadScore) -> dict[str, Decimal]:
    return {c.rule: c.points for c in score.contributions}


def fit_rule(**changes: object) -> FitRule:
    fields: dict[str, object] = {"name": "r", "attribute": "industry", "points": 10}
    return FitRule(**(fields | changes))  # type: ignore[arg-type]


# --- fit -----------------------------------------------------------------------------


def test_fit_rules_match_values_ranges_and_missing_values():
    scorer = LeadScorer(
        fit_rules=(
            FitRule(name="saas", attribute="industry", equals=("saas", "fintech"), points=20),
            FitRule(name="mid-size", attribute="employees", at_least=50, below=500, points=15),
            FitRule(name="no phone", attribute="phone", missing=True, points=-5),
            FitRule(name="student", attribute="student", equals=(True,), points=-30),
        )
    )
    good = lead(attributes={"industry": "saas", "employees": 50, "phone": "+351"})
    assert points(scorer.score(good, at=AT)) == {"saas": 20, "mid-size": 15}
    other = lead(attributes={"industry": "retail", "employees": 500, "phone": " ", "student": 1})
    assert points(scorer.score(other, at=AT)) == {"no phone": -5, TOTAL_CLAMP: 5}
    student = lead(attributes={"student": True, "phone": "x"})
    assert points(scorer.score(student, at=AT)) == {"student": -30, TOTAL_CLAMP: 30}


def test_a_fit_rule_matches_numbers_by_value_and_bools_only_as_bools():
    rule = fit_rule(equals=(1, "yes"))
    assert rule.matches(1)
    assert rule.matches(1.0)
    assert rule.matches("yes")
    assert not rule.matches(True)
    assert not rule.matches("1")
    assert not rule.matches(None)
    assert fit_rule(equals=(False,)).matches(False)
    assert not fit_rule(equals=(False,)).matches(0)


def test_a_range_is_half_open_and_takes_numbers_only():
    rule = fit_rule(at_least="10.5", below=20)
    assert rule.matches(10.5)
    assert rule.matches(19.999)
    assert not rule.matches(20)
    assert not rule.matches(10)
    assert not rule.matches("15")
    assert fit_rule(at_least=100).matches(10**9)
    assert fit_rule(below=0).matches(-1)
    assert not fit_rule(below=0).matches(True)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"equals": ("a",), "missing": True},
        {"equals": ("a",), "at_least": 1},
        {"at_least": 5, "below": 5},
        {"equals": ("a",), "points": "lots"},
        {"equals": ("a",), "points": 10_001},
        {"equals": ("a",), "name": FIT_CAP},
        {"equals": ([1],)},
    ],
)
def test_a_fit_rule_needs_exactly_one_sound_condition(changes):
    with pytest.raises(ValidationError):
        fit_rule(**changes)


def test_source_rules_take_enum_members_or_a_crms_own_names():
    scorer = LeadScorer(
        source_rules=(
            SourceRule(name="referral", sources=(LeadSource.REFERRAL, "partner"), points=15),
            SourceRule(name="any word of mouth", sources=("referral",), points=5),
        )
    )
    assert scorer.source_rules[0].sources == ("referral", "partner")
    assert points(scorer.score(lead(source=LeadSource.REFERRAL), at=AT)) == {
        "referral": 15,
        "any word of mouth": 5,
    }
    assert points(scorer.score(lead(source="partner"), at=AT)) == {"referral": 15}
    assert points(scorer.score(lead(source="website"), at=AT)) == {}


def test_bant_rules_fire_on_met_or_unmet_answers_and_never_on_unanswered_ones():
    scorer = LeadScorer(
        bant_rules=(
            BantRule(name="budget", letter="budget", points=10),
            BantRule(name="no budget", letter="budget", points=-10, met=False),
            BantRule(name="soon", letter="timescale", points=10, within_days=30),
            BantRule(name="later", letter="timescale", points=-5, met=False, within_days=30),
            BantRule(name="need", letter="need", points=15),
        )
    )
    assert points(scorer.score(lead(), at=AT)) == {}
    rich = lead(bant=Bant(budget=Money("10", "EUR"), need=True, timescale_days=30))
    assert points(scorer.score(rich, at=AT)) == {"budget": 10, "soon": 10, "need": 15}
    poor = lead(bant=Bant(budget=Money("0", "EUR"), need=False, timescale_days=31))
    assert points(scorer.score(poor, at=AT)) == {"no budget": -10, "later": -5, TOTAL_CLAMP: 15}
    assert BantRule(name="x", letter="authority", points=1).fires(Bant(authority=True))
    with pytest.raises(ValidationError):
        BantRule(name="x", letter="money", points=1)


# --- engagement and decay -------------------------------------------------------------


def test_decay_by_half_life_window_and_percentage_per_period():
    assert Decay().factor(400 * DAY) == 1.0
    assert Decay(half_life=30 * DAY).factor(30 * DAY) == 0.5
    assert Decay(window=30 * DAY).factor(30 * DAY) == 1.0
    assert Decay(window=30 * DAY).factor(30 * DAY + timedelta(seconds=1)) == 0.0
    hubspot = Decay(period=30 * DAY, loss="0.25")
    assert [hubspot.factor(d * DAY) for d in (0, 29, 30, 60)] == [1.0, 1.0, 0.75, 0.5625]
    assert Decay(half_life=10 * DAY, window=20 * DAY).factor(15 * DAY) == pytest.approx(2**-1.5)
    assert Decay(half_life=DAY).factor(-DAY) == 1.0


@pytest.mark.parametrize(
    "changes",
    [
        {"period": DAY},
        {"loss": "0.5"},
        {"period": DAY, "loss": "1.5"},
        {"half_life": -DAY},
        {"window": timedelta(0)},
    ],
)
def test_a_decay_must_be_consistent(changes):
    with pytest.raises(ValidationError):
        Decay(**changes)


@given(
    st.builds(
        Decay,
        half_life=st.none() | st.timedeltas(timedelta(hours=1), timedelta(days=400)),
        window=st.none() | st.timedeltas(timedelta(hours=1), timedelta(days=400)),
    ),
    st.timedeltas(timedelta(0), timedelta(days=800)),
    st.timedeltas(timedelta(0), timedelta(days=800)),
)
def test_an_older_activity_never_keeps_more(decay, a, b):
    young, old = sorted((a, b))
    assert 0.0 <= decay.factor(old) <= decay.factor(young) <= 1.0


def test_engagement_points_fade_and_round_once_per_rule_to_the_cent():
    scorer = LeadScorer(
        engagement_rules=(
            EngagementRule(
                name="form", kind=K.FORM_SUBMISSION, points=50, decay=Decay(half_life=30 * DAY)
            ),
            EngagementRule(name="views", kind=K.PAGE_VIEW, points=1, max_points=3),
            EngagementRule(
                name="recent clicks", kind=K.LINK_CLICK, points=3, decay=Decay(window=30 * DAY)
            ),
        )
    )
    activities = [act(K.FORM_SUBMISSION, 30), act(K.FORM_SUBMISSION, 60)]
    activities += [act(K.PAGE_VIEW, d) for d in range(5)]
    activities += [act(K.LINK_CLICK, 10), act(K.LINK_CLICK, 31), act(K.CALL, 1)]
    score = scorer.score(lead(), activities, at=AT)
    assert points(score) == {"form": Decimal("37.50"), "views": 3, "recent clicks": 3}
    assert {c.rule: c.count for c in score.contributions} == {
        "form": 2,
        "views": 5,
        "recent clicks": 1,
    }
    assert score.engagement == Decimal("43.50")


def test_only_this_leads_activities_up_to_at_count():
    scorer = LeadScorer(engagement_rules=(EngagementRule(name="f", kind=K.CHAT, points=10),))
    activities = [
        act(K.CHAT, 0),  # exactly at: counts in full
        act(K.CHAT, 1, lead_id="L-2"),
        act(K.CHAT, 1, lead_id=None),
        act(K.CHAT, -1),  # after at
    ]
    assert scorer.score(lead(), activities, at=AT).total == 10


def test_several_rules_may_count_one_kind_and_negative_points_subtract():
    scorer = LeadScorer(
        fit_rules=(FitRule(name="base", attribute="x", missing=True, points=40),),
        engagement_rules=(
            EngagementRule(name="any open", kind=K.EMAIL_OPEN, points=1),
            EngagementRule(
                name="recent open", kind=K.EMAIL_OPEN, points=2, decay=Decay(window=7 * DAY)
            ),
            EngagementRule(name="unsubscribed", kind=K.UNSUBSCRIBE, points=-25, max_points=30),
        ),
    )
    activities = [act(K.EMAIL_OPEN, 1), act(K.EMAIL_OPEN, 20)]
    activities += [act(K.UNSUBSCRIBE, 2, n=i) for i in range(2)]
    score = scorer.score(lead(), activities, at=AT)
    assert points(score) == {"base": 40, "any open": 2, "recent open": 2, "unsubscribed": -30}
    assert score.total == 14


# --- caps, clamp and explanation -------------------------------------------------------


def test_caps_and_the_clamp_show_as_contributions_that_explain_the_total():
    scorer = LeadScorer(
        fit_rules=(FitRule(name="big", attribute="x", missing=True, points=70),),
        engagement_rules=(EngagementRule(name="forms", kind=K.FORM_SUBMISSION, points=50),),
        fit_max=60,
        engagement_max=45,
    )
    score = scorer.score(lead(), [act(K.FORM_SUBMISSION, 1)], at=AT)
    assert [(c.rule, c.group, c.points, c.count) for c in score.contributions] == [
        ("big", "fit", 70, 1),
        (FIT_CAP, "fit", -10, 0),
        ("forms", "engagement", 50, 1),
        (ENGAGEMENT_CAP, "engagement", -5, 0),
        (TOTAL_CLAMP, "total", -5, 0),
    ]
    assert (score.fit, score.engagement, score.total) == (60, 45, 100)


def test_the_curve_maps_any_positive_sum_below_100_keeping_the_order():
    forms = EngagementRule(name="forms", kind=K.FORM_SUBMISSION, points=20)
    scorer = LeadScorer(engagement_rules=(forms,), half_points=40)
    totals = []
    for n in range(21):
        score = scorer.score(lead(), [act(K.FORM_SUBMISSION, 0, n=i) for i in range(n)], at=AT)
        assert sum(c.points for c in score.contributions) == score.total
        totals.append(score.total)
    # 40 points score 50, 80 score 75, 120 score 87.5: each 40 more halve the gap.
    assert (totals[0], totals[2], totals[4], totals[6]) == (0, 50, 75, Decimal("87.5"))
    assert totals == sorted(totals)
    assert len(set(totals)) == len(totals)  # 380 points still score below 400
    assert totals[-1] == Decimal("99.90")
    # Only about 14 times half_points rounds to 100.
    many = scorer.score(lead(), [act(K.FORM_SUBMISSION, 0, n=i) for i in range(29)], at=AT)
    assert many.total == 100
    score = scorer.score(lead(), [act(K.FORM_SUBMISSION, 0)], at=AT)
    assert points(score) == {"forms": 20, TOTAL_CURVE: Decimal("9.29")}  # 29.29 in all


def test_the_curve_leaves_a_sum_at_or_below_zero_to_the_clamp():
    cold = SourceRule(name="cold", sources=("cold_call",), points=-20)
    scorer = LeadScorer(source_rules=(cold,), half_points=40)
    score = scorer.score(lead(source="cold_call"), at=AT)
    assert (score.total, points(score)) == (0, {"cold": -20, TOTAL_CLAMP: 20})
    assert points(LeadScorer(half_points=40).score(lead(), at=AT)) == {}


@pytest.mark.parametrize("half", [0, -5, "x", 10_001, Decimal("NaN")])
def test_a_curve_needs_a_positive_number_of_points(half: object) -> None:
    with pytest.raises(ValidationError) as caught:
        LeadScorer(half_points=half)  # type: ignore[arg-type]
    assert caught.value.field == "half_points"


def test_the_default_scorer_ranks_the_busiest_leads_instead_of_tying_them():
    forms = [act(K.FORM_SUBMISSION, d, n=i) for i, d in enumerate((1, 2, 3))]
    demos = [act(K.DEMO_REQUEST, d, n=10 + i) for i, d in enumerate((1, 2))]
    qualified = lead(source="referral", bant=Bant(budget=True, authority=True, need=True))
    busy = DEFAULT_SCORER.score(qualified, forms, at=AT)
    busier = DEFAULT_SCORER.score(qualified, forms + demos, at=AT)
    assert 90 < busy.total < busier.total < 100


def test_a_negative_total_is_clamped_to_zero():
    scorer = LeadScorer(source_rules=(SourceRule(name="cold", sources=("cold_call",), points=-20),))
    score = scorer.score(lead(source="cold_call"), at=AT)
    assert (score.total, score.fit) == (0, -20)
    assert points(score) == {"cold": -20, TOTAL_CLAMP: 20}
    assert score.grade == "C3"


def test_a_score_whose_contributions_do_not_add_up_is_refused():
    good = DEFAULT_SCORER.score(lead(source="referral"), at=AT)
    data = to_dict(good)
    assert from_dict(data, LeadScore) == good
    for field, value in (("total", "16"), ("fit", "14"), ("engagement", "1"), ("total", "101")):
        with pytest.raises(ValidationError) as info:
            from_dict({**data, field: value}, LeadScore)
        assert info.value.field == field


def test_grades_cross_fit_and_engagement():
    bands = GradeBands(fit_a=40, fit_b=20, engagement_1=50, engagement_2=20)
    assert bands.grade(fit=40, engagement=50) == "A1"
    assert bands.grade(fit=39, engagement=49) == "B2"
    assert bands.grade(fit=-5, engagement=0) == "C3"
    with pytest.raises(ValidationError):
        GradeBands(fit_a=10, fit_b=20)
    with pytest.raises(ValidationError):
        GradeBands(engagement_1=10, engagement_2=20)


def test_the_default_scorer_on_a_well_qualified_busy_lead():
    busy = lead(
        source=LeadSource.REFERRAL,
        purchase_timeframe_days=210,
        bant=Bant(budget=True, authority=True, need=True, timescale_days=30),
    )
    activities = [act(K.FORM_SUBMISSION, 0), act(K.PAGE_VIEW, 0), act(K.UNSUBSCRIBE, 100)]
    score = DEFAULT_SCORER.score(busy, activities, at=AT)
    assert points(score) == {
        "referral": 15,
        "budget": 10,
        "authority": 10,
        "need": 15,
        "timescale": 10,
        "form": 50,
        "page views": 1,
        "unsubscribed": -50,
        TOTAL_CURVE: Decimal("4.25"),  # 61 points score 100 * (1 - 2 ** (-61 / 40))
    }
    assert (score.total, score.fit, score.engagement, score.grade) == (
        Decimal("65.25"),
        60,
        1,
        "A3",
    )
    assert score.temperature is Temperature.HOT  # 210 days stated 200 days ago
    assert [c.rule for c in score.top_reasons(2)] == ["form", "unsubscribed"]


def test_scoring_needs_an_aware_at():
    with pytest.raises(ValidationError):
        DEFAULT_SCORER.score(lead(), at=datetime(2026, 3, 2))
    with pytest.raises(ValidationError):
        DEFAULT_SCORER.score_many([lead()], at="now")  # type: ignore[arg-type]


def test_scoring_something_that_is_not_a_lead_or_an_activity_is_refused():
    with pytest.raises(ValidationError) as info:
        DEFAULT_SCORER.score({"id": "L-1"}, at=AT)  # type: ignore[arg-type]
    assert info.value.field == "lead"
    with pytest.raises(ValidationError) as info:
        DEFAULT_SCORER.score(lead(), [act(K.CHAT, 1), "chat"], at=AT)  # type: ignore[list-item]
    assert info.value.field == "activities[1]"
    with pytest.raises(ValidationError):
        DEFAULT_SCORER.score(lead(), 5, at=AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as info:
        list(DEFAULT_SCORER.score_many([lead()], [act(K.CHAT, 1), None], at=AT))  # type: ignore[list-item]
    assert info.value.field == "activities[1]"
    with pytest.raises(ValidationError) as info:
        list(DEFAULT_SCORER.score_many([lead(), "L-2"], at=AT))  # type: ignore[list-item]
    assert info.value.field == "leads[1]"


def test_score_many_groups_activities_by_lead_once():
    leads = [lead(id=f"L-{i}", source="referral" if i % 2 else "webinar") for i in range(4)]
    activities = [act(K.FORM_SUBMISSION, i, lead_id=f"L-{i % 4}", n=i) for i in range(12)]
    activities.append(act(K.CHAT, 1, lead_id=None))
    many = list(DEFAULT_SCORER.score_many(leads, activities, at=AT))
    assert many == [DEFAULT_SCORER.score(x, activities, at=AT) for x in leads]
    assert [s.lead_id for s in many] == ["L-0", "L-1", "L-2", "L-3"]


def test_rule_names_are_unique_within_a_scorer():
    with pytest.raises(ValidationError) as info:
        LeadScorer(
            fit_rules=(fit_rule(name="x", equals=("a",)),),
            engagement_rules=(EngagementRule(name="x", kind=K.CHAT, points=1),),
        )
    assert info.value.field == "engagement_rules[0].name"


# --- serialisation --------------------------------------------------------------------


CUSTOM = LeadScorer(
    fit_rules=(
        FitRule(name="industry", attribute="industry", equals=("saas", 7, 2.5, True), points=20),
        FitRule(name="size", attribute="employees", at_least="10.5", below=1000, points="7.5"),
        FitRule(name="no phone", attribute="phone", missing=True, points=-5),
    ),
    source_rules=(SourceRule(name="ref", sources=(LeadSource.REFERRAL, "partner"), points=15),),
    bant_rules=(BantRule(name="soon", letter="timescale", points=10, within_days=None),),
    engagement_rules=(
        EngagementRule(
            name="forms",
            kind=K.FORM_SUBMISSION,
            points=50,
            decay=Decay(half_life=14 * DAY, window=90 * DAY, period=30 * DAY, loss="0.1"),
            max_points=80,
        ),
    ),
    fit_max=40,
    engagement_max=70,
    grades=GradeBands(fit_a=35),
    temperature=TemperaturePolicy(hot_score=90, warm_score=60),
)


@pytest.mark.parametrize("scorer", [DEFAULT_SCORER, CUSTOM, LeadScorer()])
def test_scorers_round_trip_through_json(scorer):
    text = json.dumps(to_dict(scorer))
    back = from_dict(json.loads(text), LeadScorer)
    assert back == scorer
    busy = lead(source="partner", attributes={"industry": 7, "employees": 11})
    activities = [act(K.FORM_SUBMISSION, d, n=d) for d in range(0, 100, 7)]
    assert back.score(busy, activities, at=AT) == scorer.score(busy, activities, at=AT)


def test_a_stored_scorer_with_a_bad_rule_is_refused_with_its_path():
    data = to_dict(CUSTOM)
    data["engagement_rules"][0]["kind"] = "smoke_signal"
    data["fit_rules"][1]["below"] = "5"
    with pytest.raises(ValidationError) as info:
        from_dict(data, LeadScorer)
    paths = set(info.value.errors)
    assert {"engagement_rules[0].kind", "fit_rules[1].below"} <= paths


# --- properties -------------------------------------------------------------------------

POSITIVE_KINDS = [K.FORM_SUBMISSION, K.PAGE_VIEW, K.LINK_CLICK, K.CHAT, K.WEBINAR, K.EMAIL_OPEN]
ALL_KINDS = [*POSITIVE_KINDS, K.UNSUBSCRIBE, K.CALL]

decays = st.builds(
    Decay,
    half_life=st.none() | st.integers(1, 90).map(lambda d: d * DAY),
    window=st.none() | st.integers(1, 200).map(lambda d: d * DAY),
) | st.builds(
    lambda p, loss: Decay(period=p * DAY, loss=Decimal(loss) / 100),
    st.integers(1, 60),
    st.integers(1, 100),
)


@st.composite
def scorers(draw: st.DrawFn) -> LeadScorer:
    """Scorers with positive engagement for the buyer's kinds (fading or not), and
    negative, non-fading points for unsubscribes."""
    engagement = [
        EngagementRule(
            name=f"e{i}",
            kind=kind,
            points=draw(st.integers(1, 60)),
            decay=draw(decays),
            max_points=draw(st.none() | st.integers(0, 80)),
        )
        for i, kind in enumerate(draw(st.lists(st.sampled_from(POSITIVE_KINDS), max_size=6)))
    ]
    if draw(st.booleans()):
        engagement.append(EngagementRule(name="unsub", kind=K.UNSUBSCRIBE, points=-40))
    fit = [
        FitRule(
            name=f"f{i}", attribute="industry", equals=(value,), points=draw(st.integers(-50, 60))
        )
        for i, value in enumerate(draw(st.lists(st.sampled_from(["saas", "retail"]), max_size=3)))
    ]
    fit.append(
        FitRule(name="size", attribute="employees", at_least=10, points=draw(st.integers(-20, 40)))
    )
    return LeadScorer(
        fit_rules=tuple(fit),
        source_rules=(
            SourceRule(name="ref", sources=("referral",), points=draw(st.integers(-30, 30))),
        ),
        bant_rules=(BantRule(name="need", letter="need", points=draw(st.integers(0, 30))),),
        engagement_rules=tuple(engagement),
        fit_max=draw(st.none() | st.integers(0, 80)),
        engagement_max=draw(st.none() | st.integers(0, 90)),
        temperature=draw(st.sampled_from([TemperaturePolicy(), TemperaturePolicy(warm_score=40)])),
        half_points=draw(st.none() | st.integers(1, 120)),
    )


scored_leads = st.builds(
    lambda industry, employees, source, need, days: lead(
        source=source,
        attributes={"industry": industry, "employees": employees},
        bant=Bant(need=need),
        purchase_timeframe_days=days,
    ),
    st.sampled_from(["saas", "retail", None]),
    st.none() | st.integers(0, 100),
    st.sampled_from(["referral", "website"]),
    st.none() | st.booleans(),
    st.none() | st.integers(0, 400),
)
activity_lists = st.lists(
    st.tuples(st.sampled_from(ALL_KINDS), st.floats(0, 300, allow_nan=False)).map(
        lambda pair: act(pair[0], pair[1])
    ),
    max_size=15,
)


@given(st.one_of(st.just(DEFAULT_SCORER), scorers()), scored_leads, activity_lists, st.randoms())
def test_scores_are_deterministic_whatever_the_order_of_activities(scorer, one, activities, rnd):
    first = scorer.score(one, activities, at=AT)
    shuffled = list(activities)
    rnd.shuffle(shuffled)
    assert scorer.score(one, activities, at=AT) == first
    assert scorer.score(one, shuffled, at=AT) == first


@given(st.one_of(st.just(DEFAULT_SCORER), scorers()), scored_leads, activity_lists)
def test_contributions_explain_the_total_exactly(scorer, one, activities):
    score = scorer.score(one, activities, at=AT)
    assert sum(c.points for c in score.contributions) == score.total
    assert sum(c.points for c in score.contributions if c.group == "fit") == score.fit
    assert sum(c.points for c in score.contributions if c.group == "engagement") == score.engagement
    assert 0 <= score.total <= 100
    assert LeadScore(**attrs.asdict(score, recurse=False)) == score  # passes its own checks
    assert score.temperature is classify_temperature(
        one, score=score.total, at=AT, policy=scorer.temperature
    )
    assert score.grade == scorer.grades.grade(fit=score.fit, engagement=score.engagement)


@given(
    st.one_of(st.just(DEFAULT_SCORER), scorers()),
    scored_leads,
    activity_lists,
    st.sampled_from(POSITIVE_KINDS),
    st.floats(0, 300, allow_nan=False),
)
def test_a_positive_engagement_never_lowers_a_score(scorer, one, activities, kind, days_ago):
    before = scorer.score(one, activities, at=AT)
    after = scorer.score(one, [*activities, act(kind, days_ago, n=99)], at=AT)
    assert after.total >= before.total
    assert after.engagement >= before.engagement


@given(
    st.one_of(st.just(DEFAULT_SCORER), scorers()),
    scored_leads,
    activity_lists,
    st.floats(0, 400, allow_nan=False),
)
def test_decay_never_raises_a_score(scorer, one, activities, later_days):
    later = AT + later_days * DAY
    now = scorer.score(one, activities, at=AT)
    then = scorer.score(one, activities, at=later)
    assert then.total <= now.total
    assert then.engagement <= now.engagement


def test_shuffling_many_activities_never_changes_a_score():
    rnd = random.Random(7)
    activities = [act(rnd.choice(ALL_KINDS), rnd.uniform(0, 120), n=i) for i in range(40)]
    one = lead(bant=Bant(need=True))
    first = DEFAULT_SCORER.score(one, activities, at=AT)
    for _ in range(200):
        rnd.shuffle(activities)
        assert DEFAULT_SCORER.score(one, activities, at=AT) == first
    assert isinstance(first.contributions[0], Contribution)
