"""Scoring rules on their own (salesmodel.scoring): when a BANT rule fires for
each letter and answer, source lists, timeframes that shrink with time, and
activities read once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

T0 = datetime(2026, 1, 1, tzinfo=UTC)


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
