"""Pipelines: definitions checked when built, moves that return new records or
refuse with the exact rule broken."""

from __future__ import annotations

import enum
import pickle
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Guard,
    Lead,
    LeadSource,
    LossReason,
    Money,
    Pipeline,
    PipelineDefinitionError,
    Stage,
    StageChange,
    Status,
    TransitionError,
    ValidationError,
    from_dict,
    stage_visits,
    time_in_stages,
    to_dict,
)
from salesmodel.pipeline import (
    GUARD_MESSAGE_EXPECTED,
    GUARD_NAME_EXPECTED,
    PIPELINE_NAME_EXPECTED,
)

P = DEFAULT_PIPELINE


def day(n: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)


def new_deal(**changes: object) -> Deal:
    fields: dict[str, object] = {
        "id": "D-1",
        "name": "Acme",
        "amount": Money("1000", "EUR"),
        "created_at": day(0),
    }
    return Deal(**(fields | changes))  # type: ignore[arg-type]


def walk(deal: Deal, *stages: str, start: float = 1) -> Deal:
    for i, stage in enumerate(stages):
        deal = P.move(deal, stage, at=day(start + i))
    return deal


OPEN = [
    "prospecting",
    "qualification",
    "research",
    "demonstration",
    "objection_handling",
    "closing",
]


def refusal(move: object, *args: object, **kwargs: object) -> TransitionError:
    with pytest.raises(TransitionError) as info:
        move(*args, **kwargs)  # type: ignore[operator]
    return info.value


def bad_argument(move: object, *args: object, **kwargs: object) -> ValidationError:
    """A malformed argument is a ValidationError naming it, not a refused move."""
    with pytest.raises(ValidationError) as info:
        move(*args, **kwargs)  # type: ignore[operator]
    assert not isinstance(info.value, TransitionError)
    return info.value


# --- the default pipeline ------------------------------------------------------------


def test_the_default_pipeline_is_the_seven_step_process_up_to_the_sale():
    assert [s.id for s in P.stages] == [*OPEN, "won", "lost"]
    assert P.first.id == "prospecting"
    probabilities = [P.stage(s).probability for s in OPEN]
    assert probabilities == sorted(probabilities)
    assert P.stage("won").probability == 1
    assert P.stage("lost").probability == 0


def test_the_default_pipeline_is_strict():
    assert P.targets("prospecting") == ("qualification", "lost")
    assert P.targets("research") == ("qualification", "demonstration", "lost")
    assert P.targets("closing") == ("objection_handling", "won", "lost")
    assert P.targets("won") == ()
    assert P.targets("lost") == ("qualification",)


def test_a_move_returns_a_new_deal_and_leaves_the_old_one_untouched():
    deal = new_deal()
    moved = P.move(deal, "qualification", at=day(1), by="ana")
    assert deal.stage == "prospecting"
    assert deal.history == ()
    assert moved.stage == "qualification"
    assert moved.status is Status.OPEN
    (change,) = moved.history
    assert (change.from_stage, change.to_stage, change.at, change.by) == (
        "prospecting",
        "qualification",
        day(1),
        "ana",
    )
    # The moved deal is as valid as one built by hand.
    assert attrs.evolve(moved) == moved


def test_winning_closes_the_deal_and_won_is_final():
    won = P.win(walk(new_deal(), *OPEN[1:]), at=day(10))
    assert (won.stage, won.status, won.closed_at) == ("won", Status.WON, day(10))
    error = refusal(P.move, won, "closing", at=day(11))
    assert (error.rule, error.allowed) == ("not-allowed", ())


def test_losing_needs_a_reason_and_records_it():
    deal = walk(new_deal(), "qualification")
    error = refusal(P.move, deal, "lost", at=day(5))
    assert error.rule == "reason-required"
    assert error.entity_id == "D-1"
    lost = P.lose(deal, "price", at=day(5), by="ana")
    assert lost.status is Status.LOST
    assert lost.closed_at == day(5)
    assert lost.loss_reason is LossReason.PRICE
    assert lost.history[-1].reason is LossReason.PRICE
    assert P.lose(deal, "went quiet after the demo", at=day(5)).loss_reason == (
        "went quiet after the demo"
    )


def test_reopening_clears_the_closing_but_keeps_the_history():
    lost = P.lose(walk(new_deal(), "qualification", "research"), "timing", at=day(5))
    reopened = P.reopen(lost, at=day(30), by="bruno")
    assert reopened.stage == "qualification"
    assert reopened.status is Status.OPEN
    assert reopened.closed_at is None
    assert reopened.loss_reason is None
    assert reopened.history[: len(lost.history)] == lost.history
    assert len(reopened.history) == len(lost.history) + 1


def test_a_won_deal_cannot_be_reopened():
    won = P.win(walk(new_deal(), *OPEN[1:]), at=day(10))
    assert refusal(P.reopen, won, at=day(11)).rule == "not-allowed"


@pytest.mark.parametrize(
    ("to", "rule"),
    [
        ("research", "not-allowed"),
        ("won", "not-allowed"),
        ("prospecting", "same-stage"),
        ("negotiation", "unknown-stage"),
    ],
)
def test_refused_moves_name_the_rule_and_what_is_allowed(to, rule):
    deal = new_deal()
    error = refusal(P.move, deal, to, at=day(1))
    assert error.rule == rule
    assert error.entity_id == "D-1"
    assert error.from_stage == "prospecting"
    assert error.to_stage == to
    assert error.allowed == ("qualification", "lost")
    assert "allowed from 'prospecting': qualification, lost" in str(error)


def test_a_move_back_in_time_is_refused():
    deal = walk(new_deal(), "qualification", start=5)
    error = refusal(P.move, deal, "research", at=day(4))
    assert error.rule == "time-order"
    assert refusal(P.move, new_deal(), "qualification", at=day(-1)).rule == "time-order"


def test_a_naive_time_is_a_bad_argument():
    naive = datetime(2026, 1, 2)
    error = bad_argument(P.move, new_deal(), "qualification", at=naive)
    assert (error.field, error.value, error.allowed) == ("at", naive, "a timezone-aware datetime")
    assert str(error) == (
        "invalid move of Deal 'D-1' to 'qualification': 'at' must be a timezone-aware datetime "
        "(got datetime.datetime(2026, 1, 2, 0, 0))"
    )
    assert bad_argument(P.move, new_deal(), "qualification", at="2026-01-02").field == "at"


def test_a_move_at_the_same_instant_as_the_last_change_is_allowed():
    deal = P.move(new_deal(), "qualification", at=day(0))
    assert P.move(deal, "research", at=day(0)).stage == "research"


def test_bad_by_or_reason_arguments_are_bad_arguments():
    assert bad_argument(P.move, new_deal(), "qualification", at=day(1), by="").field == "by"
    assert bad_argument(P.lose, new_deal(), " ", at=day(1)).field == "reason"
    assert bad_argument(P.lose, new_deal(), 3, at=day(1)).field == "reason"


def test_a_deal_of_another_pipeline_is_refused():
    error = refusal(P.move, new_deal(pipeline_id="renewals"), "qualification", at=day(1))
    assert error.rule == "wrong-pipeline"
    assert "transfer" in str(error)


def test_a_deal_in_a_stage_the_pipeline_does_not_know_is_refused():
    error = refusal(P.move, new_deal(stage="negotiation"), "qualification", at=day(1))
    assert error.rule == "unknown-stage"


def test_a_deal_that_entered_its_stage_by_a_move_the_pipeline_forbids_is_not_moved_on():
    # Built without a pipeline, its own rules hold (its history ends at its stage),
    # this pipeline's do not: prospecting -> closing skips four stages. The move
    # checks the last change (O(1)) and then names every issue, as validate() does.
    skipped = new_deal(
        stage="closing",
        history=(StageChange(from_stage="prospecting", to_stage="closing", at=day(1)),),
    )
    moves = [
        lambda: P.move(skipped, "won", at=day(2)),
        lambda: P.win(skipped, at=day(2)),
        lambda: P.lose(skipped, "price", at=day(2)),
    ]
    for move in moves:
        error = bad_argument(move)
        assert error.subject == "Deal 'D-1' in pipeline 'default'"
        assert [(i.path, i.value) for i in error.issues] == [
            ("history[0]", "prospecting -> closing")
        ]
    assert not P.can_move(skipped, "won")
    # a history the pipeline allows moves on, whatever its length
    walked = walk(new_deal(), "qualification", "research", "qualification")
    assert P.move(walked, "research", at=day(9)).history[-1].from_stage == "qualification"


def test_a_stage_or_mover_of_a_str_subclass_is_recorded_as_the_plain_str():
    class Text(str):
        pass

    moved = P.move(new_deal(), Text("qualification"), at=day(1), by=Text("ana"))
    change = moved.history[-1]
    assert (moved.stage, change.to_stage, change.by) == ("qualification", "qualification", "ana")
    assert {type(moved.stage), type(change.to_stage), type(change.by)} == {str}
    assert type(P.win(walk(new_deal(), *OPEN[1:]), at=day(9), to=Text("won")).stage) is str
    assert type(Pipeline(Text("p"), stages("a")).id) is str


def test_stage_ids_of_a_str_subclass_in_a_definition_are_kept_as_plain_str():
    # a CRM's stage ids as a StrEnum, spelled in the moves: a move stores the
    # stage id the pipeline holds, so it must hold plain str
    class Ids(enum.StrEnum):
        NEW = "new"
        DEMO = "demo"
        WON = "won"
        LOST = "lost"

    custom = Pipeline(
        "p",
        [
            Stage(Ids.NEW, "New", "0.1"),
            Stage(Ids.DEMO, "Demo", "0.5"),
            Stage(Ids.WON, "Won", 1, Status.WON),
            Stage(Ids.LOST, "Lost", 0, Status.LOST),
        ],
        transitions={Ids.NEW: [Ids.DEMO, Ids.LOST], Ids.DEMO: [Ids.WON, Ids.LOST]},
        reopen_to={Ids.LOST: [Ids.NEW]},
        entry_stages=[Ids.NEW, Ids.DEMO],
        name=Ids.DEMO,
        guards=[Guard(name=Ids.WON, into=[Ids.DEMO], fields=["owner_id"], message=Ids.LOST)],
    )
    deal = Deal(
        id="D",
        name="n",
        amount=None,
        created_at=day(0),
        pipeline_id="p",
        stage="new",
        owner_id="ana",
    )
    moved = custom.move(deal, "demo", at=day(1))
    lost = custom.lose(moved, "price", at=day(2))
    reopened = custom.reopen(lost, at=day(3))
    for record in (moved, lost, reopened):
        assert type(record.stage) is str
        assert type(record.history[-1].to_stage) is str
    texts = [custom.name, *custom.entry_stages, *custom.reopen_to, *custom.reopen_to[Ids.LOST]]
    assert custom.transitions is not None
    texts += [*custom.transitions, *(s for ts in custom.transitions.values() for s in ts)]
    guard = custom.guards[0]
    texts += [guard.name, *guard.into, *guard.fields, guard.message]
    assert {type(text) for text in texts} == {str}
    assert repr(from_dict(to_dict(reopened), Deal)) == repr(reopened)


@pytest.mark.parametrize("blank", ["", " ", "\u200b", " \ufeff ", "\u00ad", "\x1b[2J"])
def test_a_blank_or_control_guard_name_message_or_pipeline_name_is_refused(blank):
    with pytest.raises(PipelineDefinitionError) as info:
        Guard(name=blank, fields=["owner_id"])
    assert info.value.issues[0].expected == GUARD_NAME_EXPECTED
    with pytest.raises(PipelineDefinitionError) as info:
        Guard(name="g", fields=["owner_id"], message=blank)
    assert info.value.issues[0].expected == GUARD_MESSAGE_EXPECTED
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline("p", stages("a"), name=blank)
    assert info.value.issues[0].expected == PIPELINE_NAME_EXPECTED
    assert Guard(name="g", fields=["owner_id"], message="line one\nline two").message


def test_something_without_a_stage_is_a_bad_argument():
    assert bad_argument(P.move, object(), "qualification", at=day(1)).field == "entity"


def test_can_move_answers_the_stage_rules():
    deal = new_deal()
    assert P.can_move(deal, "qualification")
    assert P.can_move(deal, "lost")
    assert not P.can_move(deal, "won")
    assert not P.can_move(deal, "nowhere")


def test_moving_in_any_timezone_keeps_the_instant():
    at = datetime(2026, 1, 2, 2, tzinfo=timezone(timedelta(hours=3)))
    deal = P.move(new_deal(), "qualification", at=at)
    assert deal.history[-1].at == datetime(2026, 1, 1, 23, tzinfo=UTC)


# --- the lead lifecycle --------------------------------------------------------------


def lead() -> Lead:
    return Lead(id="L-1", name="Bruno", created_at=day(0), source=LeadSource.WEBINAR)


def test_the_lead_lifecycle_converts_through_mql_and_sql():
    moved = lead()
    for i, stage in enumerate(["contacted", "mql", "sql", "converted"]):
        moved = LEAD_LIFECYCLE.move(moved, stage, at=day(i + 1))
    assert (moved.status, moved.closed_at) == (Status.WON, day(4))


def test_a_lead_is_disqualified_from_any_open_stage_with_a_reason():
    for stage in ("suspect", "contacted", "mql", "sql", "nurture"):
        assert "disqualified" in LEAD_LIFECYCLE.targets(stage)
    moved = LEAD_LIFECYCLE.lose(lead(), "only enquiring", at=day(1))
    assert moved.status is Status.LOST
    assert moved.history[-1].reason == "only enquiring"


def test_nurture_parks_a_lead_and_returns_it_to_mql():
    moved = LEAD_LIFECYCLE.move(lead(), "contacted", at=day(1))
    moved = LEAD_LIFECYCLE.move(moved, "nurture", at=day(2), reason="bought_from_competitor")
    assert moved.status is Status.OPEN
    assert LEAD_LIFECYCLE.targets("nurture") == ("mql", "disqualified")
    assert LEAD_LIFECYCLE.move(moved, "mql", at=day(90)).stage == "mql"


def test_a_deal_pipeline_does_not_move_a_lead():
    error = refusal(P.move, lead(), "qualification", at=day(1))
    assert (error.rule, error.allowed) == ("wrong-kind", ())
    assert "pipeline 'default' moves Deal records" in str(error)


# --- policies, guards and transfer ----------------------------------------------------


def stages(*ids: str) -> list[Stage]:
    out = [Stage(s, s.title(), Decimal(i + 1) / 10) for i, s in enumerate(ids)]
    return [*out, Stage("won", "Won", 1, Status.WON), Stage("lost", "Lost", 0, Status.LOST)]


def test_allow_skip_jumps_forward_and_wins_from_any_open_stage():
    loose = Pipeline("loose", stages("a", "b", "c"), allow_skip=True)
    assert loose.targets("a") == ("b", "c", "won", "lost")
    assert loose.targets("c") == ("a", "b", "won", "lost")


def test_no_way_back_without_allow_back():
    forward = Pipeline("forward", stages("a", "b", "c"), allow_back=False)
    assert forward.targets("b") == ("c", "lost")


def test_explicit_transitions_replace_the_policy():
    custom = Pipeline(
        "custom",
        stages("a", "b"),
        {"a": ["b", "lost"], "b": ["won", "lost", "a"]},
        lost_requires_reason=False,
    )
    assert custom.targets("a") == ("b", "lost")
    deal = new_deal(pipeline_id="custom", stage="a")
    assert custom.move(deal, "lost", at=day(1)).loss_reason is None


def test_a_guard_refuses_by_name_until_its_fields_are_set():
    guarded = Pipeline(
        "guarded",
        stages("a", "b"),
        guards=[Guard(name="b-needs-owner", into=["b"], fields=["owner_id"])],
    )
    deal = new_deal(pipeline_id="guarded", stage="a")
    error = refusal(guarded.move, deal, "b", at=day(1))
    assert error.rule == "b-needs-owner"
    assert "owner_id" in str(error)
    assert not guarded.can_move(deal, "b")
    assert guarded.move(attrs.evolve(deal, owner_id="ana"), "b", at=day(1)).stage == "b"


def test_a_predicate_guard_applies_to_every_move_without_into():
    big_only = Guard(
        name="big-deals-only",
        predicate=lambda d: d.amount >= Money(500, "EUR"),
        message="deals under 500 EUR go to the small-deal desk",
    )
    guarded = Pipeline("guarded", stages("a", "b"), guards=[big_only])
    small = new_deal(pipeline_id="guarded", stage="a", amount=Money(10, "EUR"))
    error = refusal(guarded.move, small, "b", at=day(1))
    assert "small-deal desk" in str(error)
    assert guarded.move(new_deal(pipeline_id="guarded", stage="a"), "b", at=day(1)).stage == "b"


def test_transfer_to_another_pipeline_keeps_the_history():
    renewals = Pipeline("renewals", stages("renewal_review", "renewal_quote"))
    deal = walk(new_deal(), "qualification", "research")
    moved = renewals.transfer(deal, at=day(9), by="ana")
    assert moved.pipeline_id == "renewals"
    assert moved.stage == "renewal_review"
    assert moved.history[:2] == deal.history
    assert moved.history[-1].from_stage == "research"
    assert renewals.move(moved, "renewal_quote", at=day(10)).stage == "renewal_quote"


def test_transfer_refuses_a_closed_deal_and_a_closed_stage():
    renewals = Pipeline("renewals", stages("renewal_review"))
    lost = P.lose(new_deal(), "price", at=day(1))
    assert refusal(renewals.transfer, lost, at=day(2)).rule == "not-allowed"
    assert refusal(renewals.transfer, new_deal(), at=day(2), to="won").rule == "not-entry"
    assert refusal(renewals.transfer, new_deal(), at=day(2), to="nowhere").rule == "unknown-stage"


# --- definition checks ---------------------------------------------------------------


def definition_errors(*args: object, **kwargs: object) -> list[str]:
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline(*args, **kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    return [issue.path for issue in info.value.issues]


def test_duplicate_stage_ids_are_refused():
    assert definition_errors("p", [*stages("a"), Stage("a", "Again", "0.5")]) == ["stages[3].id"]


def test_unknown_stages_in_transitions_are_refused():
    paths = definition_errors("p", stages("a"), {"a": ["won", "nowhere"], "ghost": ["a"]})
    assert paths == ["transitions['a']", "transitions['ghost']"]


def test_a_stage_unreachable_from_the_first_is_refused():
    errors = definition_errors("p", stages("a", "b"), {"a": ["won", "lost"], "b": ["won"]})
    assert errors == ["stages"]


def test_an_open_stage_that_can_never_close_is_refused():
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline("p", stages("a", "b", "c"), {"a": ["b", "won", "lost"], "b": ["c"], "c": ["b"]})
    assert [i.value for i in info.value.issues] == ["b", "c"]
    assert "able to reach a closed stage" in str(info.value)


def test_a_closed_stage_left_other_than_by_reopen_is_refused():
    errors = definition_errors("p", stages("a"), {"a": ["won", "lost"], "won": ["a"]})
    assert errors == ["transitions['won']"]


def test_reopen_must_lead_from_a_closed_to_an_open_stage():
    assert definition_errors("p", stages("a"), reopen_to={"a": ["won"]}) == [
        "reopen_to['a']",
        "reopen_to['a']",
    ]


def test_no_open_stage_or_no_closed_stage_is_refused():
    assert definition_errors("p", [Stage("won", "Won", 1, Status.WON)]) == ["stages"]
    assert definition_errors("p", [Stage("a", "A", "0.5")]) == ["stages"]
    assert definition_errors("p", []) == ["stages"]


def test_the_first_stage_must_be_open():
    closed_first = [Stage("lost", "Lost", 0, Status.LOST), *stages("a")[:-1]]
    assert "stages[0]" in definition_errors("p", closed_first)


@pytest.mark.parametrize("probability", [-0.1, 1.5, float("nan"), "x", None])
def test_a_probability_outside_zero_to_one_is_a_definition_error(probability):
    with pytest.raises(PipelineDefinitionError) as info:
        Stage("a", "A", probability)
    assert info.value.field == "probability"


def test_bad_arguments_are_definition_errors():
    assert set(definition_errors("", "abc", allow_skip="yes")) == {"stages", "id", "allow_skip"}
    assert definition_errors("p", [*stages("a"), "b"]) == ["stages[3]"]


def test_a_stage_takes_floats_by_shortest_repr():
    assert Stage("a", "A", 0.1).probability == Decimal("0.1")


# --- derived from history -------------------------------------------------------------


def test_time_in_each_stage_sums_repeat_visits_and_needs_as_of_for_the_current_one():
    deal = walk(new_deal(), "qualification", "research", "qualification", start=2)
    # prospecting 0-2, qualification 2-3, research 3-4, qualification 4-now
    assert time_in_stages(deal) == {
        "prospecting": timedelta(days=2),
        "qualification": timedelta(days=1),
        "research": timedelta(days=1),
    }
    assert time_in_stages(deal, as_of=day(10))["qualification"] == timedelta(days=7)
    assert [v.stage for v in stage_visits(deal)] == [
        "prospecting",
        "qualification",
        "research",
        "qualification",
    ]


def test_a_closed_deal_final_stage_does_not_count():
    won = P.win(walk(new_deal(), *OPEN[1:]), at=day(10))
    assert "won" not in time_in_stages(won, as_of=day(20))


def test_the_furthest_stage_reached():
    deal = walk(new_deal(), "qualification", "research", "qualification")
    assert P.furthest_stage(deal).id == "research"
    assert P.furthest_stage(new_deal()).id == "prospecting"
    lost = P.lose(
        walk(new_deal(), "qualification", "research", "demonstration"), "price", at=day(9)
    )
    assert P.furthest_stage(lost).id == "demonstration"


def test_stale_deals_sat_in_their_stage_longer_than_rot_after():
    deal = walk(new_deal(), "qualification")  # entered qualification at day 1; rots after 14 days
    assert not P.is_stale(deal, as_of=day(15))
    assert P.is_stale(deal, as_of=day(15.5))
    lost = P.lose(deal, "price", at=day(2))
    assert not P.is_stale(lost, as_of=day(100))
    assert list(P.stale([deal, lost, new_deal(pipeline_id="other")], as_of=day(30))) == [deal]


# --- value semantics and pictures ------------------------------------------------------


def test_pipelines_are_immutable_comparable_and_pickle():
    assert pickle.loads(pickle.dumps(P)) == P
    assert hash(pickle.loads(pickle.dumps(P))) == hash(P)
    with pytest.raises(AttributeError):
        P.id = "other"  # type: ignore[misc]
    assert P != LEAD_LIFECYCLE
    assert "prospecting" in P
    with pytest.raises(ValidationError):
        P.stage("negotiation")


def test_mermaid_diagram_lists_every_stage_and_move():
    text = P.to_mermaid()
    assert text.startswith("stateDiagram-v2")
    assert '"Handling objections (60%)" as objection_handling' in text
    assert "closing --> won" in text
    assert "lost --> qualification: reopen" in text
    assert "won --> [*]" in text


def test_mermaid_node_names_stay_unique_and_quotes_are_escaped():
    odd = Pipeline(
        "odd",
        [
            Stage("a b", 'Say "hi"', "0.1"),
            Stage("a_b", "Other", "0.2"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    text = odd.to_mermaid()
    assert "a_b --> a_b_1" in text
    assert "#quot;hi#quot;" in text
    assert '"hi"' not in text


def test_guard_takes_any_iterable_of_names():
    guard = Guard(name="g", into=iter(["closing"]), fields=["owner_id"])
    assert guard.into == ("closing",)
    assert guard.fields == ("owner_id",)


# --- exact refusals and limits, each pinned by a mutant that survived ---------------


def definition_issues(*args: object, **kwargs: object) -> list[tuple[str, object, str]]:
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline(*args, **kwargs)  # type: ignore[arg-type]
    assert info.value.subject == "Pipeline"
    return [(i.path, i.value, i.expected) for i in info.value.issues]


KNOWN_A = "a stage of this pipeline ('a', 'won', 'lost')"


def test_every_definition_problem_names_its_place_value_and_rule():
    assert definition_issues("p", []) == [
        ("stages", (), "at least one open stage and one closed stage")
    ]
    assert definition_issues("p", [*stages("a"), Stage("a", "Again", "0.5")]) == [
        ("stages[3].id", "a", "unique within the pipeline")
    ]
    assert definition_issues("p", [Stage("won", "Won", 1, Status.WON)]) == [
        ("stages", ["won"], "at least one open stage")
    ]
    assert definition_issues("p", [Stage("a", "A", "0.5")]) == [
        ("stages", ["a"], "at least one closed stage")
    ]
    closed_first = [Stage("lost", "Lost", 0, Status.LOST), *stages("a")[:-1]]
    assert ("stages[0]", "lost", "an open stage (deals start there)") in definition_issues(
        "p", closed_first
    )
    assert definition_issues("p", stages("a"), {"a": ["won", "lost"], "ghost": ["a"]}) == [
        ("transitions['ghost']", "ghost", KNOWN_A)
    ]
    assert definition_issues("p", stages("a"), {"a": ["a", "won", "lost"]}) == [
        ("transitions['a']", "a", "a stage other than itself")
    ]
    assert definition_issues("p", stages("a"), reopen_to={"a": ["won"]}) == [
        ("reopen_to['a']", "a", "a closed stage"),
        ("reopen_to['a']", "won", "an open stage to reopen into"),
    ]
    guard = Guard(name="g", into=["nowhere"], fields=["owner_id"])
    assert definition_issues("p", stages("a"), guards=[guard]) == [
        ("guards[0].into", "nowhere", KNOWN_A)
    ]
    unreachable = definition_issues("p", stages("a", "b"), {"a": ["won", "lost"], "b": ["won"]})
    assert unreachable == [("stages", "b", "reachable from 'a'")]


def test_strict_policies_move_one_open_stage_at_a_time_and_win_only_from_the_last():
    strict = Pipeline("strict", stages("a", "b", "c", "d"))
    assert strict.targets("a") == ("b", "lost")
    assert strict.targets("b") == ("a", "c", "lost")
    assert strict.targets("c") == ("b", "d", "lost")
    assert strict.targets("d") == ("c", "won", "lost")
    assert strict.targets("won") == ()


def test_naming_the_won_or_lost_stage_is_required_when_there_are_several():
    two = [*stages("a"), Stage("won2", "Won too", 1, Status.WON)]
    pipeline = Pipeline("two", two)
    deal = new_deal(pipeline_id="two", stage="a")
    error = bad_argument(pipeline.win, deal, at=day(1))
    assert (error.field, error.value) == ("to", None)
    assert str(error) == (
        "invalid input: 'to' must be one of the won stages (won, won2), since there are "
        "several (got None)"
    )
    assert pipeline.win(deal, at=day(1), to="won2").stage == "won2"


def test_transfer_refusals_name_the_deal_the_stage_and_the_rule():
    renewals = Pipeline("renewals", stages("review"))
    lost = P.lose(new_deal(), "price", at=day(1))
    error = refusal(renewals.transfer, lost, at=day(2))
    assert (error.rule, error.entity_id, error.from_stage, error.to_stage, error.allowed) == (
        "not-allowed",
        "D-1",
        "lost",
        "review",
        (),
    )
    assert str(error) == (
        "cannot move Deal 'D-1' from 'lost' to 'review': only an open deal changes pipeline "
        "(allowed from 'lost': none)"
    )
    error = refusal(renewals.transfer, new_deal(), at=day(2), to="nowhere")
    assert (error.rule, error.to_stage, error.allowed) == ("unknown-stage", "nowhere", ("review",))
    assert "'nowhere' is not a stage of 'renewals'" in str(error)
    assert bad_argument(renewals.transfer, new_deal(), at=day(2), to=5).field == "to"
    for to in ("won", "lost"):
        error = refusal(renewals.transfer, new_deal(), at=day(2), to=to)
        assert (error.rule, error.to_stage, error.allowed) == ("not-entry", to, ("review",))
        assert f"{to!r} is not an entry stage of 'renewals'" in str(error)


def test_transfer_refuses_a_time_before_the_last_change_or_without_a_zone():
    renewals = Pipeline("renewals", stages("review"))
    walked = walk(new_deal(), "qualification", "research")  # changes at days 1 and 2
    error = refusal(renewals.transfer, walked, at=day(1.5))
    assert error.rule == "time-order"
    assert (error.entity_id, error.from_stage, error.to_stage) == ("D-1", "research", "review")
    assert f"at={day(1.5).isoformat()} is before its last change ({day(2).isoformat()})" in str(
        error
    )
    for at in (datetime(2026, 2, 1), "2026-02-01"):
        assert bad_argument(renewals.transfer, walked, at=at).field == "at"
    error = refusal(renewals.transfer, new_deal(), at=day(-1))
    assert f"before its last change ({day(0).isoformat()})" in str(error)
    assert renewals.transfer(walked, at=day(2)).stage == "review"
    assert renewals.transfer(new_deal(), at=day(0)).stage == "review"


def test_transfer_records_who_moved_the_deal_and_why():
    renewals = Pipeline("renewals", stages("review"))
    moved = renewals.transfer(new_deal(), at=day(1), by="ana", reason="renewal")
    change = moved.history[-1]
    assert (change.from_stage, change.to_stage, change.at, change.by, change.reason) == (
        "prospecting",
        "review",
        day(1),
        "ana",
        "renewal",
    )


def test_a_deal_without_history_entered_its_stage_when_created():
    assert P.entered_current_stage_at(new_deal()) == day(0)
    assert P.entered_current_stage_at(walk(new_deal(), "qualification")) == day(1)


def test_staleness_needs_an_open_entity_in_a_known_stage_that_rots():
    rotting = [
        Stage("a", "A", "0.5", rot_after=timedelta(days=1)),
        Stage("b", "B", "0.6"),
        Stage("won", "Won", 1, Status.WON, rot_after=timedelta(days=1)),
        Stage("lost", "Lost", 0, Status.LOST),
    ]
    pipeline = Pipeline("rot", rotting)
    deal = new_deal(pipeline_id="rot", stage="a")
    assert pipeline.is_stale(deal, as_of=day(2))
    assert not pipeline.is_stale(pipeline.move(deal, "b", at=day(1)), as_of=day(100))
    assert not pipeline.is_stale(attrs.evolve(deal, pipeline_id="x", stage="x"), as_of=day(100))
    won = pipeline.win(pipeline.move(deal, "b", at=day(1)), at=day(1))
    assert not pipeline.is_stale(won, as_of=day(100))


def test_entities_without_a_pipeline_id_count_as_the_pipelines_own_when_stale():
    pipeline = Pipeline(
        "leads",
        [
            Stage("suspect", "Suspect", "0.1", rot_after=timedelta(days=1)),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
    )
    lead = Lead(id="L", name="Ana", created_at=day(0), source=LeadSource.WEBSITE)
    assert list(pipeline.stale([lead], as_of=day(5))) == [lead]


def test_repr_names_the_pipeline_and_its_stages():
    assert repr(Pipeline("p", stages("a"))) == "Pipeline('p', stages=[a, won, lost])"


def test_a_pipeline_with_explicit_transitions_pickles_with_them():
    pipeline = Pipeline("p", stages("a", "b"), {"a": ["b", "won", "lost"], "b": ["won"]})
    copy = pickle.loads(pickle.dumps(pipeline))
    assert copy == pipeline
    assert copy.targets("a") == ("b", "won", "lost")
    assert copy.targets("b") == ("won",)


def test_a_guard_counts_none_empty_text_and_empty_tuples_as_unset():
    guard = Guard(name="g", fields=["owner_id", "tags"])

    class Entity:
        def __init__(self, owner_id: object, tags: object) -> None:
            self.owner_id, self.tags = owner_id, tags

    assert not guard.allows(Entity(None, ("x",)))
    assert not guard.allows(Entity("", ("x",)))
    assert not guard.allows(Entity("ana", ()))
    assert guard.allows(Entity("ana", ("x",)))
    assert guard.allows(Entity(0, [0]))


def test_a_guard_explains_itself_by_its_message_its_fields_or_its_condition():
    assert Guard(name="g", fields=["owner_id", "close"]).explain() == "needs owner_id, close set"
    assert Guard(name="g", predicate=bool).explain() == "its condition is not met"
    assert Guard(name="g", fields=["x"], message="ask ana").explain() == "ask ana"


def test_a_probability_that_does_not_convert_is_reported_as_given():
    with pytest.raises(PipelineDefinitionError) as info:
        Stage("a", "A", "x")
    assert info.value.value == "x"


def test_every_bad_argument_of_a_pipeline_is_named_with_its_value():
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline(
            "",
            "abc",
            5,
            name=7,
            allow_skip="yes",
            allow_back="no",
            lost_requires_reason=1,
            reopen_to={"won": "a", "lost": 3},
            guards="g",
        )
    mapping = "a mapping of stage id to stage ids"
    ids = "a sequence of stage ids"
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("stages", "abc", "a sequence"),
        ("transitions", 5, mapping),
        ("reopen_to['won']", "a", ids),
        ("reopen_to['lost']", 3, ids),
        ("guards", "g", "a sequence"),
        (
            "id",
            "",
            "an id: a non-empty str of at most 256 printable characters, "
            "with no space at either end",
        ),
        ("allow_skip", "yes", "True or False"),
        ("allow_back", "no", "True or False"),
        ("lost_requires_reason", 1, "True or False"),
        ("name", 7, PIPELINE_NAME_EXPECTED),
    ]
    assert info.value.subject == "Pipeline"
    assert info.value.pipeline_id == ""


def test_bad_items_and_mappings_are_named_by_their_place():
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline("p", [*stages("a"), "b"], {"a": "won"}, reopen_to=5, guards=[5], name=" ")
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("transitions['a']", "won", "a sequence of stage ids"),
        ("reopen_to", 5, "a mapping of stage id to stage ids"),
        ("name", " ", PIPELINE_NAME_EXPECTED),
        ("stages[3]", "b", "a Stage"),
        ("guards[0]", 5, "a Guard"),
    ]
    assert info.value.pipeline_id == "p"
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline(5, stages("a"))  # type: ignore[arg-type]
    assert info.value.pipeline_id is None
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline("q", [])
    assert info.value.pipeline_id == "q"


def test_a_new_pipeline_requires_a_reason_to_lose_by_default():
    pipeline = Pipeline("p", stages("a"))
    deal = new_deal(pipeline_id="p", stage="a")
    assert refusal(pipeline.move, deal, "lost", at=day(1)).rule == "reason-required"
    assert pipeline.move(deal, "lost", at=day(1), reason="price").loss_reason == LossReason.PRICE
    lenient = Pipeline("p", stages("a"), lost_requires_reason=False)
    assert lenient.move(deal, "lost", at=day(1)).status is Status.LOST


# --- moves of records of the caller's own type, and arguments the fast path must not let in


def _ticket_class(with_loss_reason: bool):
    from salesmodel import _rules as r
    from salesmodel._checks import Record, checked, meta

    @checked()
    @attrs.frozen(kw_only=True)
    class Ticket(Record):
        id: str = attrs.field(metadata=meta(r.TEXT))
        created_at: datetime = attrs.field(metadata=meta(r.AWARE))
        pipeline_id: str = attrs.field(default="t", metadata=meta(r.TEXT))
        stage: str = attrs.field(default="a", metadata=meta(r.TEXT))
        status: Status = attrs.field(default=Status.OPEN, metadata=meta(r.closed_enum(Status)))
        closed_at: datetime | None = attrs.field(default=None, metadata=meta(r.OPT_AWARE))
        history: tuple = attrs.field(default=(), metadata=meta(r.tuple_of(StageChange, "a move")))

    @checked()
    @attrs.frozen(kw_only=True)
    class LossTicket(Record):
        id: str = attrs.field(metadata=meta(r.TEXT))
        created_at: datetime = attrs.field(metadata=meta(r.AWARE))
        stage: str = attrs.field(default="a", metadata=meta(r.TEXT))
        status: Status = attrs.field(default=Status.OPEN, metadata=meta(r.closed_enum(Status)))
        closed_at: datetime | None = attrs.field(default=None, metadata=meta(r.OPT_AWARE))
        loss_reason: str | None = attrs.field(default=None, metadata=meta(r.OPT_TEXT))
        history: tuple = attrs.field(default=(), metadata=meta(r.tuple_of(StageChange, "a move")))

    return LossTicket if with_loss_reason else Ticket


TICKETS = Pipeline("t", stages("a", "b"), reopen_to={"lost": ["a"]})


@pytest.mark.parametrize("with_loss_reason", [False, True])
def test_a_record_of_the_callers_own_type_moves_with_every_field_set(with_loss_reason):
    ticket_cls = _ticket_class(with_loss_reason)
    ticket = ticket_cls(id="T-1", created_at=day(0))
    moved = TICKETS.move(ticket, "b", at=day(0), by="ana")
    assert type(moved) is ticket_cls
    assert (moved.stage, moved.status, moved.closed_at) == ("b", Status.OPEN, None)
    assert moved.history == (
        StageChange(from_stage="a", to_stage="b", at=day(0), by="ana", reason=None),
    )
    lost = TICKETS.lose(moved, "price", at=day(1), by="bo")
    assert type(lost) is ticket_cls
    assert (lost.stage, lost.status, lost.closed_at) == ("lost", Status.LOST, day(1))
    assert lost.history[-1] == StageChange(
        from_stage="b", to_stage="lost", at=day(1), by="bo", reason=LossReason.PRICE
    )
    assert type(lost.history[-1].reason) is LossReason
    if with_loss_reason:
        assert lost.loss_reason == LossReason.PRICE
    reopened = TICKETS.reopen(lost, at=day(1), by="cy", reason="back")
    assert (reopened.stage, reopened.status, reopened.closed_at) == ("a", Status.OPEN, None)
    assert reopened.history[-1] == StageChange(
        from_stage="lost", to_stage="a", at=day(1), by="cy", reason="back"
    )
    if with_loss_reason:
        assert reopened.loss_reason is None
        won = TICKETS.win(TICKETS.move(reopened, "b", at=day(2)), at=day(3), by="di")
        assert (won.stage, won.status, won.closed_at, won.loss_reason) == (
            "won",
            Status.WON,
            day(3),
            None,
        )
        assert won.history[-1].by == "di"


def test_moves_of_a_records_own_type_are_checked_one_rule_at_a_time():
    ticket = _ticket_class(False)(id="T-1", created_at=day(1))
    error = bad_argument(TICKETS.move, ticket, "b", at=datetime(2026, 1, 5))
    assert (error.field, error.subject) == ("at", "move of Ticket 'T-1' to 'b'")
    assert "'at' must be a timezone-aware datetime (got datetime.datetime(2026, 1, 5, 0, 0))" in (
        str(error)
    )
    assert refusal(TICKETS.move, ticket, "b", at=day(0.5)).rule == "time-order"
    error = refusal(TICKETS.move, ticket, "lost", at=day(2))
    assert error.rule == "reason-required"
    assert "a lost move needs a reason (e.g. no_intent, bought_from_competitor, " in str(error)
    error = bad_argument(TICKETS.move, ticket, "b", at=day(2), by=" ")
    assert (error.field, error.subject) == ("by", "move of Ticket 'T-1' to 'b'")
    assert "'by' must be None or an id: a non-empty str" in str(error)
    error = bad_argument(TICKETS.move, ticket, "lost", at=day(2), reason=" ")
    assert (error.field, error.subject) == ("reason", "move of Ticket 'T-1' to 'lost'")
    assert "'reason' must be None or a LossReason or another non-blank str" in str(error)
    assert TICKETS.move(ticket, "b", at=day(1)).stage == "b"


@pytest.mark.parametrize(
    "arguments",
    [{"by": " "}, {"by": b"ana"}, {"reason": ""}, {"reason": b"price"}, {"reason": "  "}],
    ids=repr,
)
def test_a_move_refuses_a_blank_or_non_text_by_or_reason(arguments):
    deal = new_deal()
    (name,) = arguments
    assert bad_argument(P.move, deal, "qualification", at=day(1), **arguments).field == name
    lead = Lead(id="L", name="Ana", created_at=day(0), source="web")
    assert bad_argument(LEAD_LIFECYCLE.move, lead, "contacted", at=day(1), **arguments).field == (
        name
    )


def test_a_guard_is_asked_about_the_entity_itself():
    owned = Guard(
        name="owned", into=["b"], predicate=lambda d: getattr(d, "owner_id", "?") is not None
    )
    guarded = Pipeline("g", stages("a", "b", "c"), guards=[owned], allow_skip=True)
    deal = new_deal(pipeline_id="g", stage="a")
    assert refusal(guarded.move, deal, "b", at=day(1)).rule == "owned"
    assert guarded.move(deal, "c", at=day(1)).stage == "c"  # the guard is only into b


def test_refusals_say_exactly_what_is_wrong():
    deal = new_deal()
    error = refusal(P.move, deal, "nowhere", at=day(1))
    assert (error.rule, error.to_stage) == ("unknown-stage", "nowhere")
    assert error.allowed == ("qualification", "lost")
    assert str(error) == (
        "cannot move Deal 'D-1' from 'prospecting' to 'nowhere': 'nowhere' is not a stage of "
        "'default' (allowed from 'prospecting': qualification, lost)"
    )
    error = refusal(P.move, deal, "prospecting", at=day(1))
    assert error.rule == "same-stage"
    assert "it is already in 'prospecting'" in str(error)
    error = refusal(P.move, deal, "won", at=day(1))
    assert error.rule == "not-allowed"
    assert "'prospecting' → 'won' is not allowed" in str(error)
    error = bad_argument(P.move, object(), "qualification", at=day(1))
    assert (error.field, error.allowed) == ("entity", "a deal, a lead or a record with a stage")


def test_losing_or_winning_in_a_pipeline_with_several_lost_stages_needs_to():
    several = [*stages("a"), Stage("lost2", "Lost too", 0, Status.LOST)]
    pipeline = Pipeline("two", several)
    deal = new_deal(pipeline_id="two", stage="a")
    error = bad_argument(pipeline.lose, deal, "price", at=day(1))
    assert "'to' must be one of the lost stages (lost, lost2), since there are several" in str(
        error
    )
    lost = pipeline.lose(deal, "price", at=day(1), to="lost2", by="ana")
    assert (lost.stage, lost.history[-1].by) == ("lost2", "ana")
    assert P.win(walk(new_deal(), *OPEN[1:]), at=day(9), by="bo").history[-1].by == "bo"


def test_win_only_ends_won_and_lose_only_ends_lost_whatever_to_names():
    closing = walk(new_deal(), *OPEN[1:])
    for close, args, to, kind, allowed in [
        (P.lose, ("price",), "won", "lost", "lost"),
        (P.lose, ("price",), "objection_handling", "lost", "lost"),
        (P.win, (), "objection_handling", "won", "won"),
        (P.win, (), "lost", "won", "won"),
        (P.win, (), "", "won", "won"),
    ]:
        error = bad_argument(close, closing, *args, at=day(9), to=to)
        assert (error.field, error.value, error.allowed) == (
            "to",
            to,
            f"one of the {kind} stages ({allowed})",
        )
    only_lost = Pipeline("no-win", [Stage("a", "A", "0.1"), Stage("lost", "Lost", 0, Status.LOST)])
    error = bad_argument(only_lost.win, new_deal(pipeline_id="no-win", stage="a"), at=day(1))
    assert (error.field, error.allowed) == ("to", "a won stage: 'no-win' has none")
    assert P.lose(closing, "price", at=day(9), to="lost").status is Status.LOST
    assert P.win(closing, at=day(9), to="won").status is Status.WON


def test_reopening_needs_to_when_there_are_several_ways_back_and_a_final_stage_refuses():
    pipeline = Pipeline("r", stages("a", "b"), reopen_to={"lost": ["a", "b"]})
    lost = pipeline.lose(new_deal(pipeline_id="r", stage="a"), "price", at=day(1))
    error = bad_argument(pipeline.reopen, lost, at=day(2))
    assert (error.field, error.allowed) == ("to", "the stage to reopen into: one of a, b")
    assert pipeline.reopen(lost, at=day(2), to="b").stage == "b"
    won = P.win(walk(new_deal(), *OPEN[1:]), at=day(9))
    error = refusal(P.reopen, won, at=day(10))
    assert "its stage is final" in str(error)
    stray = new_deal(stage="negotiation")
    error = refusal(P.reopen, stray, at=day(1))
    assert (error.rule, error.allowed) == ("not-allowed", ())
    assert "it is open: only a closed record reopens" in str(error)


def test_an_unknown_stage_id_lists_the_known_ones():
    with pytest.raises(ValidationError) as info:
        Pipeline("p", stages("a")).stage("x")
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "stage_id",
        "x",
        "one of 'a', 'won', 'lost'",
    )


def test_pipelines_differ_by_their_transitions_and_hash_apart():
    derived = Pipeline("p", stages("a"))
    spelled = Pipeline("p", stages("a"), {"a": ["won", "lost"]})
    assert derived.targets("a") == spelled.targets("a")
    assert derived != spelled
    assert hash(derived) != hash(Pipeline("q", stages("a")))


class _Loose:
    """Something with an id and a stage that is not a record."""

    def __init__(self, stage: object) -> None:
        self.id = "X"
        self.stage = stage
        self.history = ()
        self.created_at = day(0)


def test_only_records_move_and_the_refusal_names_the_thing_given():
    error = bad_argument(P.move, _Loose("prospecting"), "qualification", at=day(1))
    assert (error.field, error.allowed) == ("entity", "a deal, a lead or a record with a stage")
    assert "(got <tests.test_pipeline._Loose object at" in str(error)
    several = Pipeline("two", [*stages("a"), Stage("won2", "Won too", 1, Status.WON)])
    assert bad_argument(several.win, _Loose(["a"]), at=day(1)).field == "to"


def test_a_deal_of_another_pipeline_or_an_unknown_stage_is_refused_with_its_details():
    error = refusal(P.move, new_deal(pipeline_id="renewals"), "qualification", at=day(1))
    assert (error.rule, error.entity_id, error.from_stage, error.to_stage, error.allowed) == (
        "wrong-pipeline",
        "D-1",
        "prospecting",
        "qualification",
        (),
    )
    error = refusal(P.move, new_deal(stage="negotiation"), "qualification", at=day(1))
    assert (error.rule, error.entity_id, error.to_stage, error.allowed) == (
        "unknown-stage",
        "D-1",
        "qualification",
        (),
    )
    assert str(error) == (
        "cannot move Deal 'D-1' from 'negotiation' to 'qualification': its stage 'negotiation' "
        "is not in pipeline 'default' (allowed from 'negotiation': none)"
    )


def test_a_guard_into_one_stage_leaves_moves_into_others_alone_on_the_checked_path_too():
    owned = Guard(name="owned", into=["b"], fields=["owner_id"])
    guarded = Pipeline("t", stages("a", "b", "c"), guards=[owned], allow_skip=True)
    ticket = _ticket_class(False)(id="T-1", created_at=day(0))
    assert guarded.move(ticket, "c", at=day(1)).stage == "c"
    assert refusal(guarded.move, ticket, "b", at=day(1)).rule == "owned"


def test_a_reason_given_for_a_move_to_an_open_stage_is_history_not_a_loss_reason():
    moved = P.move(new_deal(), "qualification", at=day(1), reason="budget freed")
    assert moved.loss_reason is None
    assert moved.history[-1].reason == "budget freed"


def test_the_time_order_refusal_gives_both_instants():
    ticket = _ticket_class(False)(id="T-1", created_at=day(1))
    error = refusal(TICKETS.move, ticket, "b", at=day(0.5))
    assert str(error) == (
        "cannot move Ticket 'T-1' from 'a' to 'b': at=2026-01-01T12:00:00+00:00 is before its "
        "last change (2026-01-02T00:00:00+00:00) (allowed from 'a': b, lost)"
    )


def test_several_lost_stages_name_the_deal_and_reopen_messages_are_exact():
    several = Pipeline("two", [*stages("a"), Stage("lost2", "Lost too", 0, Status.LOST)])
    error = bad_argument(several.lose, new_deal(pipeline_id="two", stage="a"), "price", at=day(1))
    assert error.field == "to"
    pipeline = Pipeline("r", stages("a", "b"), reopen_to={"lost": ["a", "b"]})
    lost = pipeline.lose(new_deal(pipeline_id="r", stage="a"), "price", at=day(1))
    assert str(bad_argument(pipeline.reopen, lost, at=day(2))) == (
        "invalid input: 'to' must be the stage to reopen into: one of a, b (got None)"
    )
    won = P.win(walk(new_deal(), *OPEN[1:]), at=day(9))
    assert str(refusal(P.reopen, won, at=day(10))) == (
        "cannot reopen Deal 'D-1' from 'won': its stage is final (allowed from 'won': none)"
    )


def test_transfer_refusals_allow_nothing_even_from_a_stage_both_pipelines_share():
    sharing = Pipeline("sharing", stages("prospecting"), reopen_to={"lost": ["prospecting"]})
    lost = P.lose(new_deal(), "price", at=day(1))
    assert refusal(sharing.transfer, lost, at=day(2)).allowed == ()
    error = refusal(sharing.transfer, new_deal(), at=day(2), to="nowhere")
    assert (error.entity_id, error.allowed) == ("D-1", ("prospecting",))
    error = refusal(sharing.transfer, new_deal(), at=day(-1))
    assert (error.rule, error.from_stage) == ("time-order", "prospecting")
    walked = walk(new_deal(), "qualification", "research", "demonstration")  # days 1, 2, 3
    assert refusal(sharing.transfer, walked, at=day(2.5)).rule == "time-order"


def test_an_open_stage_that_cannot_close_is_named_exactly():
    with pytest.raises(PipelineDefinitionError) as info:
        Pipeline("p", stages("a", "b", "c"), {"a": ["b", "won", "lost"], "b": ["c"], "c": ["b"]})
    assert [(i.path, i.value, i.expected) for i in info.value.issues] == [
        ("stages", "b", "able to reach a closed stage"),
        ("stages", "c", "able to reach a closed stage"),
    ]


def test_a_move_stores_only_what_its_change_could_hold() -> None:
    """`by` and `reason` are checked as the StageChange checks them (a move makes
    its change without checking it again): a record that exists obeys its rules,
    and loads back from its own data."""
    deal = new_deal()
    for by in (" ana ", "x" * 300, "\x08"):
        with pytest.raises(ValidationError, match="'by' must be None or an id"):
            P.move(deal, "qualification", at=day(1), by=by)
    with pytest.raises(ValidationError, match="'reason' must be None or a LossReason"):
        P.lose(deal, "too\nexpensive", at=day(1))
    lost = P.lose(deal, "Trade Show", at=day(1), by="ana")  # a spelling of a member
    assert lost.history[-1] == StageChange(
        from_stage="prospecting", to_stage="lost", at=day(1), by="ana", reason="Trade Show"
    )
    assert attrs.evolve(lost.history[-1]) == lost.history[-1]  # its own checks pass


def test_a_pipeline_s_ids_are_ones_a_record_can_hold() -> None:
    won, lost = Stage("won", "Won", 1, Status.WON), Stage("lost", "Lost", 0, Status.LOST)
    with pytest.raises(PipelineDefinitionError, match="'id' must be an id"):
        Stage(" quote ", "Quote", "0.5")
    with pytest.raises(PipelineDefinitionError, match="'id' must be an id"):
        Pipeline(" renewals ", [Stage("new", "New", "0.1"), won, lost])


def test_a_guard_on_fields_refuses_empty_attributes_and_a_lost_lead_names_its_reason() -> None:
    guard = Guard(name="needs-custom-fields", into=["won"], fields=["attributes"])
    strict = Pipeline(
        "p",
        [
            Stage("new", "New", "0.1"),
            Stage("won", "Won", 1, Status.WON),
            Stage("lost", "Lost", 0, Status.LOST),
        ],
        guards=[guard],
    )
    deal = new_deal(pipeline_id="p", stage="new")
    assert not strict.can_move(deal, "won")
    assert strict.can_move(attrs.evolve(deal, attributes={"tier": "gold"}), "won")
    lost = Lead(
        id="L-1",
        name="Ana",
        source=LeadSource.REFERRAL,
        created_at=day(0),
        stage="disqualified",
        status=Status.LOST,
        closed_at=day(0),
    )
    # a lead imported without its history (a CRM snapshot) has no change to name
    # its reason in: taken as it is, by the quick check and the full one alike
    assert LEAD_LIFECYCLE.validate(lost) is lost
    assert LEAD_LIFECYCLE._conformance(lost) == []
    closed = LEAD_LIFECYCLE.move(
        attrs.evolve(lost, stage="suspect", status=Status.OPEN, closed_at=None),
        "disqualified",
        at=day(1),
        reason="no budget",
    )
    unnamed = attrs.evolve(closed, history=(attrs.evolve(closed.history[-1], reason=None),))
    with pytest.raises(ValidationError, match=r"'history\[0\]\.reason' must be a reason"):
        LEAD_LIFECYCLE.validate(unnamed)


def test_guards_are_told_apart_by_name_and_each_refuses_something():
    # TransitionError.rule is a guard's name: two guards of one name, or a guard
    # named like a rule, made it ambiguous; a guard of no fields and no predicate
    # refused nothing
    some = ["owner_id"]
    cases = [
        ([Guard(name="g", into=["qualification"])], ("guards[0]", "g")),
        (
            [Guard(name="g", fields=some), Guard(name="g", into=["research"], fields=some)],
            ("guards[1].name", "g"),
        ),
        ([Guard(name="not-allowed", fields=some)], ("guards[0].name", "not-allowed")),
    ]
    for guards, found in cases:
        with pytest.raises(PipelineDefinitionError) as caught:
            Pipeline("p", P.stages, guards=guards)
        assert [(i.path, i.value) for i in caught.value.issues] == [found]
    with pytest.raises(PipelineDefinitionError) as caught:
        Pipeline("p", P.stages, entry_stages=["zz"])
    assert "won" not in caught.value.issues[0].expected  # the open stages it may name
