"""A record that exists obeys its rules: the ones it keeps on its own, and the ones
only its pipeline knows (Pipeline.validate), at every boundary that takes records in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Guard,
    Lead,
    Money,
    Pipeline,
    PipelineDefinitionError,
    Stage,
    StageChange,
    Status,
    TransitionError,
    ValidationError,
    bulk,
    from_dict,
    to_dict,
)
from salesmodel.pipeline import Transition

P = DEFAULT_PIPELINE
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def deal(**fields: object) -> Deal:
    base: dict[str, object] = {
        "id": "D-1",
        "name": "Acme",
        "amount": Money("100", "EUR"),
        "created_at": T0,
    }
    return Deal(**(base | fields))  # type: ignore[arg-type]


def issues(record: object, pipeline: Pipeline = P) -> list[tuple[str, str]]:
    return [(i.path, i.expected) for i in pipeline.issues(record)]


RENEWALS = Pipeline(
    "renewals",
    [
        Stage("review", "Review", "0.5"),
        Stage("quote", "Quote", "0.7"),
        Stage("renewed", "Renewed", 1, Status.WON),
        Stage("churned", "Churned", 0, Status.LOST),
    ],
    entry_stages=("review", "quote"),
    guards=[Guard(name="quote-needs-close-date", into=("quote",), fields=("expected_close",))],
    kind=Deal,
)


# --- the rules a record keeps on its own ---------------------------------------------


def test_a_closed_record_with_a_history_closed_at_the_time_of_its_last_change():
    walked = P.move(deal(), "lost", at=day(2), reason="price")
    assert walked.closed_at == day(2)
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(walked, closed_at=day(1))
    assert caught.value.field == "closed_at"
    assert "the time of the last change ('prospecting' → 'lost')" in caught.value.allowed


def test_a_deal_of_unknown_value_says_so_with_none():
    assert deal(amount=None).amount is None
    with pytest.raises(TypeError, match="amount"):  # unknown is said, never assumed
        Deal(id="D", name="x", created_at=T0)  # type: ignore[call-arg]


# --- what only the pipeline knows ----------------------------------------------------


def test_a_status_that_contradicts_the_stage_is_named_with_the_record():
    assert issues(deal(stage="won", status="open")) == [
        ("status", "'won', the status of stage 'won'")
    ]
    assert issues(deal(status="won", closed_at=day(1))) == [
        ("status", "'open', the status of stage 'prospecting'")
    ]
    with pytest.raises(ValidationError) as caught:
        P.validate(deal(stage="won", status="open"))
    assert caught.value.subject == "Deal 'D-1' in pipeline 'default'"


def test_an_unknown_stage_or_pipeline_and_a_missing_reason_are_named():
    assert issues(deal(stage="negotiation")) == [
        ("stage", "a stage of pipeline 'default' (prospecting, qualification, research, "
         "demonstration, objection_handling, closing, won, lost)")
    ]  # fmt: skip
    assert issues(deal(pipeline_id="renewals")) == [
        ("pipeline_id", "'default', the pipeline it is checked against")
    ]
    lost = deal(stage="lost", status="lost", closed_at=day(1))
    assert issues(lost) == [
        ("loss_reason", "a reason, since pipeline 'default' requires one for a lost stage")
    ]
    assert P.validate(attrs.evolve(lost, loss_reason="price")).loss_reason == "price"


def test_a_history_change_the_rules_never_allow_is_named_by_its_place():
    skipped = deal(
        stage="won",
        status="won",
        closed_at=day(1),
        history=(StageChange(from_stage="prospecting", to_stage="won", at=day(1)),),
    )
    assert issues(skipped) == [
        ("history[0]", "a move pipeline 'default' allows (from 'prospecting': qualification, lost)")
    ]


def test_a_lead_is_checked_against_its_lifecycle_and_a_deal_pipeline_refuses_it():
    lead = Lead(id="L-1", name="Bo", created_at=T0, source="web")
    assert LEAD_LIFECYCLE.validate(lead) is lead
    assert issues(lead) == [("$", "a Deal (what pipeline 'default' moves)")]
    lost = LEAD_LIFECYCLE.move(lead, "disqualified", at=day(1), reason="only enquiring")
    assert LEAD_LIFECYCLE.validate(lost) is lost
    no_reason = attrs.evolve(lost, history=(attrs.evolve(lost.history[0], reason=None),))
    assert issues(no_reason, LEAD_LIFECYCLE) == [
        (
            "history[0].reason",
            "a reason, since pipeline 'lead_lifecycle' requires one for a lost stage",
        )
    ]


def test_every_move_the_engine_makes_conforms():
    walked = deal()
    for i, stage in enumerate(["qualification", "research", "demonstration"], start=1):
        walked = P.move(walked, stage, at=day(i))
        assert P.validate(walked) is walked
    lost = P.lose(walked, "price", at=day(5))
    reopened = P.reopen(lost, at=day(6))
    assert P.validate(reopened) is reopened


# --- moves that cannot bypass the rules ----------------------------------------------


def test_a_won_deal_sitting_in_an_open_stage_cannot_move():
    stray = deal(stage="closing", status="won", closed_at=day(1))
    with pytest.raises(TransitionError) as caught:
        P.move(stray, "objection_handling", at=day(2))
    assert caught.value.rule == "status-mismatch"
    assert not P.can_move(stray, "objection_handling")


def test_transfer_enters_only_at_an_entry_stage_with_the_target_guards():
    opened = deal()
    with pytest.raises(TransitionError) as caught:
        RENEWALS.transfer(opened, at=day(1), to="renewed")
    assert (caught.value.rule, caught.value.allowed) == ("not-entry", ("review", "quote"))
    with pytest.raises(TransitionError) as caught:
        RENEWALS.transfer(opened, at=day(1), to="quote")
    assert caught.value.rule == "quote-needs-close-date"
    dated = attrs.evolve(opened, expected_close=day(30).date())
    moved = RENEWALS.transfer(dated, at=day(1), to="quote", by="ana")
    assert (moved.pipeline_id, moved.stage, moved.history[-1].to_pipeline) == (
        "renewals",
        "quote",
        "renewals",
    )
    assert RENEWALS.validate(moved) is moved
    assert RENEWALS.validate(RENEWALS.win(moved, at=day(2))).status is Status.WON


def test_transfer_within_one_pipeline_and_the_documented_bypass_are_refused():
    with pytest.raises(TransitionError) as caught:
        P.transfer(deal(), at=day(1), to="closing")
    assert caught.value.rule == "same-pipeline"
    with pytest.raises(ValidationError) as bad:
        P.transfer(Lead(id="L", name="x", created_at=T0, source="web"), at=day(1))  # type: ignore[arg-type]
    assert bad.value.field == "deal"


def test_a_transferred_history_is_judged_by_the_rules_of_the_pipeline_it_entered():
    moved = RENEWALS.transfer(P.move(deal(), "qualification", at=day(1)), at=day(2))
    assert moved.history[0].to_pipeline is None  # followed DEFAULT_PIPELINE's rules
    assert RENEWALS.issues(moved) == ()
    elsewhere = attrs.evolve(
        moved, history=(*moved.history[:-1], attrs.evolve(moved.history[-1], to_pipeline="x"))
    )
    assert issues(elsewhere, RENEWALS) == [
        ("history[1].to_pipeline", "'renewals', the pipeline it is in now")
    ]
    entered_late = attrs.evolve(
        moved,
        stage="renewed",
        status="won",
        closed_at=day(2),
        history=(*moved.history[:-1], attrs.evolve(moved.history[-1], to_stage="renewed")),
    )
    assert issues(entered_late, RENEWALS) == [
        ("history[1].to_stage", "an entry stage of pipeline 'renewals' (review, quote)")
    ]


def _won_then_marked(**marker: object) -> dict[str, object]:
    """A deal walked to won in P, then a change into P's first stage marked as a
    transfer into P: a won deal reopened by a forged transfer."""
    walked = deal()
    for i, stage in enumerate(
        ["qualification", "research", "demonstration", "objection_handling", "closing", "won"]
    ):
        walked = P.move(walked, stage, at=day(i + 1))
    forged = StageChange(
        from_stage="won", to_stage="prospecting", at=day(10), to_pipeline="default"
    )
    history = [*map(to_dict, walked.history), to_dict(forged) | marker]
    return to_dict(deal()) | {"history": history}


def test_a_transfer_names_the_pipeline_it_left_and_never_its_own():
    # A forged "transfer" into the pipeline the deal was in took a won deal out
    # of its final stage, and the funnel dropped its win.
    with pytest.raises(ValidationError) as caught:
        from_dict(_won_then_marked(from_pipeline="default"), Deal)
    assert caught.value.field == "history[6].from_pipeline"
    assert "a transfer changes pipeline" in caught.value.allowed
    with pytest.raises(ValidationError) as caught:  # a marker naming no pipeline left
        from_dict(_won_then_marked(), Deal, pipelines=[P])
    assert caught.value.field == "history[6].from_pipeline"
    with pytest.raises(ValidationError):
        StageChange(from_stage="a", to_stage="b", at=T0, from_pipeline="x")  # no transfer
    moved = RENEWALS.transfer(P.move(deal(), "qualification", at=day(1)), at=day(2))
    assert (moved.history[-1].from_pipeline, moved.history[-1].to_pipeline) == (
        "default",
        "renewals",
    )
    assert from_dict(to_dict(moved), Deal, pipelines=[P, RENEWALS]) == moved


def test_the_stay_in_a_pipeline_left_is_judged_by_its_rules_when_it_is_given():
    # claiming another pipeline: its rules judge the changes before the transfer
    other = Pipeline("other", [Stage("a", "A", "0.1"), Stage("won", "W", 1, Status.WON)])
    forged = _won_then_marked(from_pipeline="other")
    with pytest.raises(ValidationError) as caught:
        from_dict(forged, Deal, pipelines=[P, other])
    found = {issue.path for issue in caught.value.issues}
    assert {"history[0].from_stage", "history[6].from_stage"} <= found
    # a pipeline not given: its rules are unknown, and that stay is not judged
    assert from_dict(forged, Deal, pipelines=[P]).history[-1].from_pipeline == "other"
    # a real transfer's stay is checked too: a move its pipeline never allows
    moved = RENEWALS.transfer(P.move(deal(), "qualification", at=day(1)), at=day(2))
    skipped = attrs.evolve(
        moved,
        history=(
            attrs.evolve(moved.history[0], to_stage="closing"),
            attrs.evolve(moved.history[1], from_stage="closing"),
        ),
    )
    with pytest.raises(ValidationError) as caught:
        bulk.from_records(Deal, [to_dict(skipped)], pipelines=[P, RENEWALS])
    assert "history[0]" in str(caught.value)
    assert RENEWALS.issues(skipped) == ()  # one pipeline alone knows only its own rules


def test_transfers_chain_each_leaves_the_pipeline_the_one_before_entered():
    moved = RENEWALS.transfer(P.move(deal(), "qualification", at=day(1)), at=day(2))
    back = P.transfer(moved, at=day(3))
    assert [c.from_pipeline for c in back.history] == [None, "default", "renewals"]
    assert from_dict(to_dict(back), Deal, pipelines=[P, RENEWALS]) == back
    broken = attrs.evolve(
        back, history=(*back.history[:2], attrs.evolve(back.history[2], from_pipeline="x"))
    )
    assert issues(broken) == [
        ("history[2].from_pipeline", "'renewals', the pipeline the transfer before it entered")
    ]


# --- the rules as a table ------------------------------------------------------------


def test_rules_list_every_allowed_move_with_its_guards_and_reasons():
    assert [str(rule) for rule in RENEWALS.rules()] == [
        "enter review",
        "enter quote [guard quote-needs-close-date]",
        "review -> quote [guard quote-needs-close-date]",
        "review -> churned (reason required)",
        "quote -> review",
        "quote -> renewed",
        "quote -> churned (reason required)",
    ]
    lost_back = [r for r in P.rules() if r.kind == "reopen"]
    assert lost_back == [Transition("lost", "qualification", "reopen")]


def test_a_wrong_rule_shows_up_as_a_difference_from_the_intended_table():
    intended = [str(rule) for rule in RENEWALS.rules()]
    careless = Pipeline(
        "renewals",
        RENEWALS.stages,
        entry_stages=("review", "quote"),
        allow_skip=True,  # on by accident
        guards=RENEWALS.guards,
        kind=Deal,
    )
    extra = sorted(set(map(str, careless.rules())) - set(intended))
    assert extra == ["review -> renewed"]


# --- definitions that would mislead ----------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Guard(name="g", fields="expected_close"), "fields"),
        (lambda: Guard(name="g", into=5), "into"),
        (lambda: Guard(name="g", predicate="yes"), "predicate"),
        (lambda: Stage("won", "Won", 0, Status.WON), "probability"),
        (lambda: Stage("lost", "Lost", "0.1", Status.LOST), "probability"),
        (
            lambda: Pipeline("p", P.stages, guards=[Guard(name="g", fields=("expected_closed",))]),
            "guards[0].fields",
        ),
        (lambda: Pipeline("p", P.stages, entry_stages=("won",)), "entry_stages[0]"),
        (lambda: Pipeline("p", P.stages, kind=str), "kind"),
    ],
)
def test_a_definition_that_would_mislead_is_refused_when_built(make, field):
    with pytest.raises(PipelineDefinitionError) as caught:
        make()
    assert caught.value.field == field


def test_pipelines_equal_whatever_order_their_transitions_were_written_in():
    stages = [
        Stage("a", "A", "0.5"),
        Stage("won", "Won", 1, Status.WON),
        Stage("lost", "Lost", 0, Status.LOST),
    ]
    one = Pipeline("p", stages, {"a": ["won", "lost"]})
    two = Pipeline("p", stages, {"a": ["lost", "won"]})
    assert one == two
    assert hash(one) == hash(two)


def test_a_quote_in_a_stage_name_stays_inside_its_mermaid_label():
    named = Pipeline("p", [Stage("a", 'A" as a state "x" as evil', "0.5"), *P.stages[-2:]])
    diagram = named.to_mermaid()
    assert '#quot;x#quot; as evil (50%)" as a' in diagram
    assert '\n    state "x"' not in diagram
    with pytest.raises(PipelineDefinitionError):  # a newline cannot get that far
        Stage("a", 'A\nstate "x" as evil', "0.5")


# --- the boundaries ------------------------------------------------------------------


def test_from_dict_with_pipelines_refuses_a_record_that_does_not_conform():
    data = to_dict(deal(stage="won", status="open"))
    assert from_dict(data, Deal).stage == "won"  # alone, the record is consistent
    with pytest.raises(ValidationError) as caught:
        from_dict(data, Deal, pipelines=P)
    assert caught.value.errors == {
        "status": "must be 'won', the status of stage 'won' (got <Status.OPEN: 'open'>)"
    }
    with pytest.raises(ValidationError) as caught:
        from_dict([data, to_dict(deal())], list[Deal], pipelines=[P, RENEWALS])
    assert list(caught.value.errors) == ["[0].status"]
    with pytest.raises(ValidationError) as caught:
        from_dict(to_dict(deal(pipeline_id="nowhere")), Deal, pipelines=[P, RENEWALS])
    assert caught.value.field == "pipeline_id"


def test_from_records_with_pipelines_names_the_row_that_does_not_conform():
    rows = [
        {"id": "1", "name": "a", "amount": "10", "created_at": "2026-01-01", "stage": "won",
         "status": "open"},
        {"id": "2", "name": "b", "amount": "", "created_at": "2026-01-01"},
    ]  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        bulk.from_records(Deal, rows, tz=UTC, currency="EUR", pipelines=P)
    assert caught.value.field == "rows[0].status"
    built = bulk.from_records(Deal, rows, tz=UTC, currency="EUR", pipelines=P, strict=False)
    assert [d.id for d in built.records] == ["2"]
    assert built.records[0].amount is None
    assert [e.row for e in built.errors] == [0]


# --- your code's errors, and malformed arguments --------------------------------------


def test_a_stage_that_is_no_str_is_a_malformed_argument_not_a_rule():
    for to in (None, 5):
        with pytest.raises(ValidationError) as caught:
            P.move(deal(), to, at=day(1))  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("to", to)
        assert not P.can_move(deal(), to)  # type: ignore[arg-type]


def test_a_guard_predicate_that_raises_is_named_with_the_record():
    def fails(record: object) -> bool:
        raise KeyError("segment")

    guarded = Pipeline(
        "g",
        [Stage("a", "A", "0.1"), Stage("b", "B", "0.5"), Stage("w", "W", 1, Status.WON)],
        guards=[Guard(name="boom", into=("b",), predicate=fails)],
    )
    opened = deal(pipeline_id="g", stage="a")
    for call in (
        lambda: guarded.move(opened, "b", at=day(1)),
        lambda: guarded.can_move(opened, "b"),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == "guards['boom'].predicate"
        assert "KeyError on Deal 'D-1'" in caught.value.allowed
        assert isinstance(caught.value.__cause__, KeyError)


def test_validate_given_data_says_it_takes_records():
    # "'stage' must be a stage ... (got nothing)" for a dict that has one
    with pytest.raises(ValidationError) as caught:
        P.validate({"stage": "won"})
    assert (caught.value.field, caught.value.value) == ("$", "dict")
    assert "from_dict" in caught.value.allowed
