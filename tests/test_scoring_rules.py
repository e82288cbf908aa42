"""Scoring rules on their own (salesmodel.scoring): when a BANT rule fires for
each letter and answer, source lists, timeframes that shrink with time, and
activities read once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext

import pytest

from salesmodel import (
    DEFAULT_SCORER,
    Activity,
    ActivityKind,
    Bant,
    BantRule,
    Lead,
    LeadScorer,
    Money,
    SourceRule,
    Temperature,
    TemperaturePolicy,
    ValidationError,
)
from salesmodel.scoring import (
    ENGAGEMENT_CAP,
    FIT_CAP,
    TOTAL_CLAMP,
    Decay,
    EngagementRule,
    FitRule,
    GradeBands,
    LeadScore,
    _engage,
)
from support import issues

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
HOT, WARM, COLD = Temperature.HOT, Temperature.WARM, Temperature.COLD


@pytest.mark.parametrize(
    ("letter", "bant", "met", "not_met"),
    [
        ("budget", Bant(), False, False),
        ("budget", Bant(budget=True), True, False),
        ("budget", Bant(budget=False), False, True),
        ("budget", Bant(budget=Money(500, "EUR")), True, False),
        ("budget", Bant(budget=Money(0, "EUR")), False, True),
        ("authority", Bant(authority=True), True, False),
        ("authority", Bant(authority=False), False, True),
        ("need", Bant(), False, False),
        ("need", Bant(need=False), False, True),
        ("timescale", Bant(), False, False),
        ("timescale", Bant(timescale_days=90), True, False),
        ("timescale", Bant(timescale_days=91), False, True),
    ],
)
def test_a_bant_rule_fires_on_its_answer_and_never_on_no_answer(
    letter: str, bant: Bant, met: bool, not_met: bool
) -> None:
    assert BantRule(name="r", letter=letter, points=1).fires(bant) is met
    assert BantRule(name="r", letter=letter, points=1, met=False).fires(bant) is not_met


def test_a_timescale_rule_without_a_limit_fires_on_any_stated_timescale() -> None:
    rule = BantRule(name="r", letter="timescale", points=1, within_days=None)
    assert rule.fires(Bant(timescale_days=3650))
    assert not rule.fires(Bant())


def test_sources_are_a_sequence_of_sources_not_one_text() -> None:
    with pytest.raises(ValidationError) as caught:
        SourceRule(name="r", sources="web", points=1)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("sources", "web")


def test_a_timeframe_counts_down_from_the_lead_creation() -> None:
    scorer = LeadScorer(temperature=TemperaturePolicy())
    lead = Lead(id="l", name="l", created_at=T0, source="web", purchase_timeframe_days=60)
    assert scorer.score(lead, at=T0).temperature is Temperature.WARM
    assert scorer.score(lead, at=T0 - timedelta(days=3)).temperature is Temperature.WARM
    assert scorer.score(lead, at=T0 + timedelta(days=50)).temperature is Temperature.HOT


def test_activities_given_as_an_iterator_are_read_once_and_checked() -> None:
    # Bug fixed: an iterator was consumed by scoring, so a bad item raised AttributeError.
    lead = Lead(id="l", name="l", created_at=T0, source="web")
    call = Activity(id="a", kind=ActivityKind.CALL, at=T0 + timedelta(days=1), lead_id="l")
    at = T0 + timedelta(days=5)
    assert DEFAULT_SCORER.score(lead, iter([call]), at=at) == DEFAULT_SCORER.score(
        lead, [call], at=at
    )
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCORER.score(lead, iter([call, "junk"]), at=at)  # type: ignore[list-item]
    assert (caught.value.field, caught.value.value) == ("activities[1]", "junk")
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCORER.score(lead, 5, at=at)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("activities", 5)


# --- exact figures, boundaries and refusals ---------------------------------------

K = ActivityKind
AT = T0 + timedelta(days=30)


def new_lead(**changes: object) -> Lead:
    fields: dict[str, object] = {"id": "L-1", "name": "Ana", "created_at": T0, "source": "web"}
    return Lead(**(fields | changes))  # type: ignore[arg-type]


def chats(n: int, days_ago: int = 1, lead_id: str = "L-1") -> list[Activity]:
    return [
        Activity(id=f"C-{i}", kind=K.CHAT, at=AT - timedelta(days=days_ago), lead_id=lead_id)
        for i in range(n)
    ]


def rows(score: LeadScore) -> list[tuple[str, str, Decimal, int]]:
    return [(c.rule, c.group, c.points, c.count) for c in score.contributions]


def axes(fit: int, engagement: int, **changes: object) -> LeadScorer:
    """A scorer that gives a lead with attribute ``x`` missing exactly *fit* fit points,
    and *engagement* points per chat."""
    return LeadScorer(
        fit_rules=(FitRule(name="fit", attribute="x", missing=True, points=fit),) if fit else (),
        engagement_rules=(EngagementRule(name="chat", kind=K.CHAT, points=engagement),),
        **changes,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("fit", "engagement", "grade"),
    [
        (30, 40, "A1"),
        (30, 10, "A2"),
        (30, 9, "A3"),
        (15, 40, "B1"),
        (15, 10, "B2"),
        (29, 0, "B3"),
        (14, 40, "C1"),
        (0, 10, "C2"),
        (14, 39, "C2"),
        (0, 0, "C3"),
    ],
)
def test_a_score_is_graded_at_the_band_limits_inclusive(fit, engagement, grade) -> None:
    score = axes(fit, engagement).score(new_lead(), chats(1 if engagement else 0), at=AT)
    assert (score.fit, score.engagement, score.grade) == (fit, engagement, grade)
    assert GradeBands().grade(fit=fit, engagement=engagement) == grade


def test_the_contributions_of_several_fit_rules_add_up() -> None:
    scorer = LeadScorer(
        fit_rules=(
            FitRule(name="a", attribute="x", missing=True, points=12),
            FitRule(name="b", attribute="y", missing=True, points="7.5"),
        ),
        source_rules=(
            SourceRule(name="web", sources=("web",), points=3),
            SourceRule(name="any web", sources=("web", "phone"), points=2),
        ),
    )
    score = scorer.score(new_lead(), at=AT)
    assert (score.fit, score.total) == (Decimal("24.5"), Decimal("24.5"))


def test_an_unanswered_letter_skips_only_its_own_rule() -> None:
    scorer = LeadScorer(
        bant_rules=(
            BantRule(name="soon", letter="timescale", points=5),
            BantRule(name="budget", letter="budget", points=7),
            BantRule(name="need", letter="need", points=11),
        )
    )
    score = scorer.score(new_lead(bant=Bant(need=True)), at=AT)
    assert rows(score) == [("need", "fit", 11, 1)]


def test_a_budget_of_one_unit_is_a_budget() -> None:
    rule = BantRule(name="b", letter="budget", points=10)
    assert rule.fires(Bant(budget=Money(1, "EUR")))
    assert rule.fires(Bant(budget=Money("0.01", "EUR")))
    scorer = LeadScorer(bant_rules=(rule,))
    assert scorer.score(new_lead(bant=Bant(budget=Money(1, "EUR"))), at=AT).fit == 10


def test_caps_and_the_clamp_at_exactly_their_limit_add_no_contribution() -> None:
    scorer = axes(40, 60, fit_max=40, engagement_max=60)
    score = scorer.score(new_lead(), chats(1), at=AT)
    assert rows(score) == [("fit", "fit", 40, 1), ("chat", "engagement", 60, 1)]
    assert score.total == 100
    assert all(c.rule not in (FIT_CAP, ENGAGEMENT_CAP, TOTAL_CLAMP) for c in score.contributions)


def test_the_clamp_of_a_negative_total_counts_no_activity() -> None:
    scorer = LeadScorer(engagement_rules=(EngagementRule(name="x", kind=K.CHAT, points=-20),))
    score = scorer.score(new_lead(), chats(2), at=AT)
    assert rows(score) == [("x", "engagement", -40, 2), (TOTAL_CLAMP, "total", 40, 0)]


def test_a_rule_limit_reached_exactly_keeps_the_points() -> None:
    up = LeadScorer(
        engagement_rules=(EngagementRule(name="x", kind=K.CHAT, points=5, max_points=10),)
    )
    assert rows(up.score(new_lead(), chats(2), at=AT)) == [("x", "engagement", 10, 2)]
    assert rows(up.score(new_lead(), chats(3), at=AT)) == [("x", "engagement", 10, 3)]


def test_an_activity_of_a_kind_no_rule_counts_does_not_stop_the_others() -> None:
    scorer = LeadScorer(engagement_rules=(EngagementRule(name="chat", kind=K.CHAT, points=4),))
    call = Activity(id="A-call", kind=K.CALL, at=AT - timedelta(days=1), lead_id="L-1")
    assert scorer.score(new_lead(), [call, *chats(2)], at=AT).engagement == 8


def test_a_rule_whose_window_has_passed_does_not_stop_the_next_rule_of_that_kind() -> None:
    scorer = LeadScorer(
        engagement_rules=(
            EngagementRule(name="recent", kind=K.CHAT, points=2, decay=Decay(window=7 * DAY)),
            EngagementRule(name="any", kind=K.CHAT, points=1),
        )
    )
    score = scorer.score(new_lead(), chats(1, days_ago=20) + chats(1, days_ago=1), at=AT)
    assert rows(score) == [("recent", "engagement", 2, 1), ("any", "engagement", 2, 2)]


def test_faded_points_round_half_even_to_the_cent_whatever_the_decimal_context() -> None:
    scorer = LeadScorer(
        engagement_rules=(
            EngagementRule(name="f", kind=K.CHAT, points=50, decay=Decay(half_life=30 * DAY)),
        )
    )
    # 50 * 2 ** (-10 / 30) = 39.685...: 39.69 to the cent, whatever the caller's rounding.
    expected = scorer.score(new_lead(), chats(1, days_ago=10), at=AT)
    assert expected.engagement == Decimal("39.69")
    with localcontext(rounding=ROUND_DOWN):
        assert scorer.score(new_lead(), chats(1, days_ago=10), at=AT) == expected


def test_score_bands_of_the_policy_raise_the_temperature_by_the_total() -> None:
    both = TemperaturePolicy(hot_score=60, warm_score=30)
    hot_only = TemperaturePolicy(hot_score=60)
    warm_only = TemperaturePolicy(warm_score=30)
    lead = new_lead()  # no timeframe: cold by time
    assert axes(0, 60, temperature=both).score(lead, chats(1), at=AT).temperature is HOT
    assert axes(0, 30, temperature=both).score(lead, chats(1), at=AT).temperature is WARM
    assert axes(0, 29, temperature=both).score(lead, chats(1), at=AT).temperature is COLD
    assert axes(0, 60, temperature=hot_only).score(lead, chats(1), at=AT).temperature is HOT
    assert axes(0, 59, temperature=hot_only).score(lead, chats(1), at=AT).temperature is COLD
    assert axes(0, 30, temperature=warm_only).score(lead, chats(1), at=AT).temperature is WARM
    soon = new_lead(purchase_timeframe_days=7)
    assert axes(0, 30, temperature=both).score(soon, chats(1), at=AT).temperature is HOT


def test_the_temperature_of_a_score_counts_the_bant_timescale_down_by_whole_days() -> None:
    scorer = LeadScorer()
    by_bant = new_lead(bant=Bant(timescale_days=45))
    assert scorer.score(by_bant, at=T0 + timedelta(days=31)).temperature is HOT
    assert scorer.score(by_bant, at=T0).temperature is WARM
    fifteen = new_lead(purchase_timeframe_days=15)
    assert scorer.score(fifteen, at=T0 + timedelta(days=1)).temperature is HOT
    assert scorer.score(fifteen, at=T0 + timedelta(hours=23)).temperature is WARM
    today_only = LeadScorer(temperature=TemperaturePolicy(hot_within_days=0))
    past = new_lead(purchase_timeframe_days=10)
    assert today_only.score(past, at=T0 + timedelta(days=12)).temperature is HOT


def test_top_reasons_are_three_by_default() -> None:
    scorer = LeadScorer(
        fit_rules=tuple(
            FitRule(name=f"r{i}", attribute=f"x{i}", missing=True, points=i + 1) for i in range(5)
        )
    )
    score = scorer.score(new_lead(), at=AT)
    assert [c.rule for c in score.top_reasons()] == ["r4", "r3", "r2"]


def test_grade_bands_grade_2_from_the_engagement_2_limit_inclusive() -> None:
    bands = GradeBands(fit_a=40, fit_b=20, engagement_1=50, engagement_2=20)
    assert bands.grade(fit=20, engagement=20) == "B2"
    assert bands.grade(fit=20, engagement=Decimal("19.99")) == "B3"


def test_an_empty_text_is_a_missing_value() -> None:
    rule = FitRule(name="r", attribute="phone", missing=True, points=1)
    assert rule.matches("")
    assert rule.matches("  ")
    assert rule.matches(None)
    assert not rule.matches("x")


@pytest.mark.parametrize("value", [Decimal("1"), float("inf"), None])
def test_a_fit_rule_refuses_values_no_attribute_can_hold(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        FitRule(name="r", attribute="x", points=1, equals=(value,))
    assert issues(caught.value) == [
        ("equals", (value,), "a tuple of str, int, float or bool values")
    ]


def test_the_default_scorers_engagement_rules_fade_with_a_30_day_half_life() -> None:
    half = Decay(half_life=30 * DAY)
    assert _engage("views", K.PAGE_VIEW, 1, max_points=10) == EngagementRule(
        name="views", kind=K.PAGE_VIEW, points=Decimal(1), decay=half, max_points=Decimal(10)
    )
    assert _engage("form", K.FORM_SUBMISSION, 50) == EngagementRule(
        name="form", kind=K.FORM_SUBMISSION, points=Decimal(50), decay=half
    )


@pytest.mark.parametrize("at", [datetime(2026, 3, 2), "now"])
def test_scoring_names_a_bad_at_exactly(at: object) -> None:
    for call in (
        lambda: DEFAULT_SCORER.score(new_lead(), at=at),  # type: ignore[arg-type]
        lambda: DEFAULT_SCORER.score_many([new_lead()], at=at),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.subject == "score"
        assert issues(caught.value) == [("at", at, "a timezone-aware datetime")]


def test_scoring_names_what_is_not_a_lead_or_an_activity_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCORER.score({"id": "L-1"}, at=AT)  # type: ignore[arg-type]
    assert caught.value.subject == "score"
    assert issues(caught.value) == [("lead", {"id": "L-1"}, "a Lead")]
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCORER.score(new_lead(), [*chats(1), "chat", 3], at=AT)  # type: ignore[list-item]
    assert caught.value.subject == "score"
    assert issues(caught.value) == [
        ("activities[1]", "chat", "an Activity"),
        ("activities[2]", 3, "an Activity"),
    ]
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCORER.score(new_lead(), 5, at=AT)  # type: ignore[arg-type]
    assert caught.value.subject == "score"
    assert issues(caught.value) == [("activities", 5, "an iterable of Activity records")]


def test_score_many_names_what_is_not_a_lead_or_an_activity_exactly() -> None:
    with pytest.raises(ValidationError) as caught:
        list(DEFAULT_SCORER.score_many([new_lead()], [*chats(1), None, "x"], at=AT))  # type: ignore[list-item]
    assert caught.value.subject == "score_many"
    assert issues(caught.value) == [
        ("activities[1]", None, "an Activity"),
        ("activities[2]", "x", "an Activity"),
    ]
    with pytest.raises(ValidationError) as caught:
        list(DEFAULT_SCORER.score_many([new_lead(), "L-2"], at=AT))  # type: ignore[list-item]
    assert caught.value.subject == "score_many"
    assert issues(caught.value) == [("leads[1]", "L-2", "a Lead")]


def test_score_many_names_leads_or_activities_that_are_not_iterables_at_once() -> None:
    for leads, activities, expected in (
        (None, (), ("leads", None, "an iterable of Lead records")),
        ([new_lead()], None, ("activities", None, "an iterable of Activity records")),
        ([new_lead()], 5, ("activities", 5, "an iterable of Activity records")),
    ):
        with pytest.raises(ValidationError) as caught:
            DEFAULT_SCORER.score_many(leads, activities, at=AT)  # type: ignore[arg-type]
        assert caught.value.subject == "score_many"
        assert issues(caught.value) == [expected]


def test_an_activity_after_at_does_not_stop_the_ones_before_it() -> None:
    scorer = LeadScorer(engagement_rules=(EngagementRule(name="chat", kind=K.CHAT, points=4),))
    later = Activity(id="A-later", kind=K.CHAT, at=AT + timedelta(hours=1), lead_id="L-1")
    assert scorer.score(new_lead(), [later, *chats(2)], at=AT).engagement == 8
