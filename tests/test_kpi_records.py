"""Records of other types (ORM rows, hand-made objects) fed to KPIs
(salesmodel.kpi._records): each field a KPI reads is checked with the entity's own
invariant, and a bad record is named by id, field and value, or skipped and
reported with strict=False; never an AttributeError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from salesmodel import (
    Activity,
    ActivityKind,
    Deal,
    Money,
    Status,
    Target,
    TargetMetric,
    ValidationError,
    kpi,
)
from salesmodel.errors import MISSING, Issue
from salesmodel.kpi import Ratio
from salesmodel.kpi._records import (
    activity_issue,
    closing_issue,
    customer_issue,
    deal_issue,
    history_issue,
    purchase_issue,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NAIVE = datetime(2026, 1, 1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class Record:
    """Any object with the attributes given (none of salesmodel's types)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def deal_row(rid: str = "r", **fields: Any) -> Record:
    """A record with what a deal KPI reads: a closed, won deal by default."""
    base = {
        "id": rid,
        "status": Status.WON,
        "created_at": day(0),
        "closed_at": day(2),
        "amount": Money(10, "EUR"),
    }
    return Record(**{**base, **fields})


def bad_field(call: Callable[[list[Any]], Any], record: Any) -> tuple[str | None, Any, str]:
    """The field, value and message of the error *call* raises for *record*."""
    with pytest.raises(ValidationError) as caught:
        call([record])
    error = caught.value
    return error.field, error.value, str(error)


def win_rate(records: list[Any]) -> Any:
    return kpi.win_rate(records)


# --- status, creation and closing ----------------------------------------------------------


def test_a_record_without_a_status_is_named_with_what_it_lacks() -> None:
    field, value, message = bad_field(win_rate, Record(id="x", created_at=day(0)))
    assert field == "status"
    assert "Record 'x'" in message
    assert "a record with a 'status' field (a Status)" in message
    assert "pass strict=False to skip and report bad records" in message
    assert isinstance(value, Record)


@pytest.mark.parametrize(
    ("fields", "field", "value", "expected"),
    [
        ({"status": "won"}, "status", "won", "a Status"),
        ({"created_at": NAIVE}, "created_at", NAIVE, "a timezone-aware datetime"),
        ({"status": Status.OPEN}, "closed_at", day(2), "None while status is 'open'"),
        ({"closed_at": None}, "closed_at", None, "a datetime, since status is 'won'"),
        ({"closed_at": NAIVE}, "closed_at", NAIVE, "a timezone-aware datetime"),
        ({"closed_at": day(-1)}, "closed_at", day(-1), "no earlier than created_at"),
        ({"amount": 10}, "amount", 10, "a non-negative Money, or None when not known"),
        (
            {"amount": Money(-1, "EUR")},
            "amount",
            Money(-1, "EUR"),
            "a non-negative Money, or None when not known",
        ),
    ],
)
def test_each_broken_deal_invariant_is_named_with_its_value(
    fields: dict[str, Any], field: str, value: Any, expected: str
) -> None:
    record = deal_row("bad", **fields)
    error_field, error_value, message = bad_field(kpi.bookings, record)
    assert (error_field, error_value) == (field, value)
    assert f"must be {expected}" in message
    assert "'bad'" in message


def test_an_open_record_without_closed_at_and_a_record_without_an_id_are_fine() -> None:
    still_open = Record(status=Status.OPEN, created_at=day(0), amount=Money(5, "EUR"))
    assert kpi.win_rate([still_open]) == Ratio(0, 0)
    # pipeline value reads stages: a row without one does not conform to a pipeline
    staged = Record(status=Status.OPEN, created_at=day(0), amount=Money(5, "EUR"), stage="research")
    assert kpi.pipeline_value([staged]) == kpi.Total(Money(5, "EUR"), 1)
    assert kpi.pipeline_value([still_open], strict=False).skipped.records[0].field == "stage"
    rate = kpi.win_rate([deal_row(status="won")], strict=False)
    assert [(s.id, s.field, s.reason) for s in rate.skipped] == [
        ("r", "status", "must be a Status (got 'won')")
    ]
    anonymous = kpi.win_rate([Record(status="won")], strict=False)
    assert [(s.id, s.field) for s in anonymous.skipped] == [(None, "status")]


# --- customers and activities --------------------------------------------------------------


def test_customer_records_need_aware_acquired_at_and_a_later_churn() -> None:
    def retention(records: list[Any]) -> Any:
        return kpi.retention_rate(records, start=day(1), end=day(5))

    assert bad_field(retention, Record(id="c"))[:2][0] == "acquired_at"
    naive_churn = Record(id="c", acquired_at=day(0), churned_at=NAIVE)
    assert bad_field(retention, naive_churn)[:2] == ("churned_at", NAIVE)
    early_churn = Record(id="c", acquired_at=day(2), churned_at=day(1))
    field, value, message = bad_field(retention, early_churn)
    assert (field, value) == ("churned_at", day(1))
    assert "None or an aware datetime no earlier than acquired_at" in message
    kept = Record(id="c", acquired_at=day(0), churned_at=None)
    assert retention([kept]) == Ratio(1, 1)


def test_activity_records_need_an_activity_kind_and_an_aware_time() -> None:
    assert bad_field(kpi.activity_volume, Record(id="a", kind="call", at=day(0)))[:2] == (
        "kind",
        "call",
    )
    assert bad_field(kpi.activity_volume, Record(id="a", kind=ActivityKind.CALL, at=NAIVE))[:2] == (
        "at",
        NAIVE,
    )
    good = Record(id="a", kind=ActivityKind.CALL, at=day(0))
    assert kpi.activity_volume([good]) == kpi.Count(1)


# --- stage history -------------------------------------------------------------------------


class Change:
    def __init__(self, at: Any, from_stage: Any = "prospecting", to_stage: Any = "qualification"):
        self.at, self.from_stage, self.to_stage = at, from_stage, to_stage


def staged_row(rid: str = "s", **fields: Any) -> Record:
    """An open deal row in qualification, moved there on day 1."""
    base = {
        "id": rid,
        "status": Status.OPEN,
        "created_at": day(0),
        "closed_at": None,
        "amount": Money(10, "EUR"),
        "pipeline_id": "default",
        "stage": "qualification",
        "history": (Change(day(1)),),
    }
    return Record(**{**base, **fields})


HISTORY_KPIS: dict[str, Callable[[list[Any]], Any]] = {
    "funnel": kpi.funnel,
    "time_in_stage": lambda r: kpi.time_in_stage(r, as_of=day(3)),
    "stale_deals": lambda r: kpi.stale_deals(r, as_of=day(3)),
    "lead_velocity_rate": lambda r: kpi.lead_velocity_rate(r, tz=UTC, stage="qualification"),
}


@pytest.mark.parametrize("name", HISTORY_KPIS)
def test_history_kpis_name_every_broken_part_of_a_history(name: str) -> None:
    call = HISTORY_KPIS[name]
    call([staged_row()])  # a good row counts
    cases = [
        (staged_row(stage=None), "stage", None),
        (staged_row(history=[Change(day(1))]), "history", MISSING),
        (staged_row(history=(Change(NAIVE),)), "history[0].at", NAIVE),
        (staged_row(history=(Change(day(2)), Change(day(1)))), "history[1].at", day(1)),
        (staged_row(history=(Change(day(1), from_stage=3),)), "history[0].from_stage", 3),
        (staged_row(history=(Change(day(1), to_stage=None),)), "history[0].to_stage", None),
    ]
    for record, field, value in cases:
        error_field, error_value, _ = bad_field(call, record)
        assert error_field == field, (name, field)
        if value is not MISSING:
            assert error_value == value
    assert bad_field(call, Record(id="n", status=Status.OPEN, created_at=day(0), stage="x"))[
        :2
    ] == ("history", None)


def test_history_kpis_read_good_rows_like_deals() -> None:
    row = staged_row()
    stays = kpi.time_in_stage([row], as_of=day(3))
    assert stays["prospecting"].mean == timedelta(days=1)
    assert stays["qualification"].mean == timedelta(days=2)
    assert kpi.funnel([row])["qualification"].still_open == 1
    acc = kpi.LeadVelocityRateAccumulator(tz=UTC, stage="qualification").add_many([row])
    assert {str(k): c.value for k, c in acc.counts().items()} == {"2026-01": 1}
    stale = kpi.stale_deals([row], as_of=day(40))
    assert [(d.id, d.owner_id, d.stage) for d in stale.deals] == [("s", None, "qualification")]


# --- stages and pipelines ------------------------------------------------------------------


def test_a_row_without_a_pipeline_id_is_in_the_only_pipeline_given() -> None:
    row = staged_row()
    del row.pipeline_id
    weighted = kpi.weighted_pipeline([row])
    assert weighted == kpi.Total(Money("1.00", "EUR"), 1)  # 10 at 10 % in qualification
    forecast = kpi.forecast([row])
    assert forecast["pipeline"].amount == Money(10, "EUR")
    nowhere = staged_row("n", stage="nowhere")
    del nowhere.pipeline_id
    result = kpi.weighted_pipeline([row, nowhere], strict=False)
    assert result.amount == Money("1.00", "EUR")
    assert [(s.id, s.field) for s in result.skipped] == [("n", "stage")]


# --- purchases -----------------------------------------------------------------------------

PURCHASE_KPIS: dict[str, Callable[[list[Any]], Any]] = {
    "cohort_retention": lambda r: kpi.cohort_retention(r, tz=UTC),
    "repeat_purchase_rate": kpi.repeat_purchase_rate,
    "customer_summary": lambda r: kpi.customer_summary(r, calibration_end=date(2026, 3, 1), tz=UTC),
}


@pytest.mark.parametrize("name", PURCHASE_KPIS)
def test_purchase_kpis_need_a_customer_id_field_that_is_none_or_an_id(name: str) -> None:
    call = PURCHASE_KPIS[name]
    field, _, message = bad_field(call, deal_row("p"))
    assert field == "customer_id"
    assert "a record with a 'customer_id' field" in message
    for value in ("", 7):
        assert bad_field(call, deal_row("p", customer_id=value))[:2] == ("customer_id", value)
    call([deal_row("p", customer_id=None), deal_row("q", customer_id="ann")])


def test_purchases_of_rows_count_like_those_of_deals() -> None:
    rows = [deal_row("p", customer_id="ann"), deal_row("q", customer_id="ann", closed_at=day(40))]
    assert kpi.repeat_purchase_rate(rows) == Ratio(1, 1)
    summary = kpi.customer_summary(rows, calibration_end=date(2026, 3, 1), tz=UTC, unit="days")
    assert summary["ann"].frequency == 1


# --- targets -------------------------------------------------------------------------------


def test_qualified_lead_targets_check_the_history_of_lead_rows() -> None:
    target = Target(id="q", metric=TargetMetric.QUALIFIED_LEADS, goal=2, start=day(0), end=day(30))
    lead = staged_row("l", source="web", stage="sql", history=(Change(day(1), "mql", "sql"),))
    del lead.amount
    assert kpi.attainment([lead], target).ratio == Ratio(1, 2)
    broken = staged_row("b", source="web", history=(Change(day(1), None, "sql"),))
    del broken.amount
    with pytest.raises(ValidationError) as caught:
        kpi.attainment([broken], target)
    assert caught.value.field == "history[0].from_stage"
    leads = Target(id="n", metric=TargetMetric.LEADS, goal=2, start=day(0), end=day(30))
    assert kpi.attainment([broken], leads).ratio == Ratio(1, 2)  # history not read


def test_entities_are_trusted_and_rows_beside_them_are_checked() -> None:
    deal = Deal(id="d", name="d", amount=Money(1, "EUR"), created_at=day(0))
    activity = Activity(id="a", kind=ActivityKind.CALL, at=day(0))
    rate = kpi.win_rate([deal, deal_row(status="won"), deal_row("ok")], strict=False)
    assert rate == Ratio(1, 1)
    assert [s.id for s in rate.skipped] == ["r"]
    assert kpi.activity_volume([activity, Record(id="x", kind=ActivityKind.EMAIL, at=day(1))]) == (
        kpi.Count(2)
    )


# --- each check at its limits (found by mutation testing) -------------------------------------


def test_a_record_may_close_the_instant_it_was_created() -> None:
    assert closing_issue(deal_row(closed_at=day(0))) is None
    assert closing_issue(deal_row(status=Status.LOST, closed_at=day(0))) is None
    assert closing_issue(deal_row(closed_at=day(-1))) == Issue(
        "closed_at", day(-1), "no earlier than created_at"
    )
    assert closing_issue(deal_row(status=Status.LOST, closed_at=None)) == Issue(
        "closed_at", None, "a datetime, since status is 'lost'"
    )
    assert closing_issue(deal_row(status=Status.OPEN, closed_at=None)) is None
    assert closing_issue(Record(status=Status.OPEN, created_at=day(0))) is None  # no closed_at
    assert closing_issue(deal_row(created_at=NAIVE)) == Issue(
        "created_at", NAIVE, "a timezone-aware datetime"
    )
    no_status = Record(created_at=NAIVE)
    assert closing_issue(no_status) == Issue(
        "status", no_status, "a record with a 'status' field (a Status)"
    )


def test_deal_amounts_may_be_zero_but_not_negative_nor_plain_numbers() -> None:
    assert deal_issue(deal_row(amount=Money(0, "EUR")), amount=True) is None
    assert deal_issue(deal_row(amount=-1)) is None  # amounts not asked for
    assert deal_issue(deal_row(amount=Money("-0.01", "EUR")), amount=True) == Issue(
        "amount", Money("-0.01", "EUR"), "a non-negative Money, or None when not known"
    )
    assert deal_issue(deal_row(amount=10), amount=True) == Issue(
        "amount", 10, "a non-negative Money, or None when not known"
    )
    assert deal_issue(deal_row(closed_at=None, amount=10), amount=True) == Issue(
        "closed_at", None, "a datetime, since status is 'won'"
    )


def test_purchases_check_amounts_only_when_asked_and_then_the_customer() -> None:
    bad_amount = deal_row(amount=-1, customer_id=None)
    assert purchase_issue(bad_amount) is None
    assert purchase_issue(bad_amount, amount=True) == Issue(
        "amount", -1, "a non-negative Money, or None when not known"
    )
    assert purchase_issue(deal_row(customer_id="")) == Issue(
        "customer_id", "", "None or a customer id (a non-empty str)"
    )
    assert purchase_issue(deal_row(customer_id="ann"), amount=True) is None


def test_a_customer_may_churn_the_instant_it_was_acquired() -> None:
    assert customer_issue(Record(acquired_at=day(1), churned_at=day(1))) is None
    assert customer_issue(Record(acquired_at=day(1))) is None
    assert customer_issue(Record(acquired_at=day(1), churned_at=day(0))) == Issue(
        "churned_at", day(0), "None or an aware datetime no earlier than acquired_at"
    )
    assert customer_issue(Record(acquired_at=NAIVE)) == Issue(
        "acquired_at", NAIVE, "a timezone-aware datetime"
    )


def test_activities_need_a_kind_then_a_time() -> None:
    assert activity_issue(Record(kind=ActivityKind.CALL, at=day(0))) is None
    assert activity_issue(Record(kind="call", at=NAIVE)) == Issue("kind", "call", "an ActivityKind")
    assert activity_issue(Record(kind=ActivityKind.CALL, at=NAIVE)) == Issue(
        "at", NAIVE, "a timezone-aware datetime"
    )


def test_a_history_may_move_the_instant_the_record_was_created_and_twice_at_once() -> None:
    at_creation = staged_row(
        stage="research", history=(Change(day(0)), Change(day(0), "qualification", "research"))
    )
    assert history_issue(at_creation) is None
    assert history_issue(staged_row(history=())) is None
    early = staged_row(history=(Change(day(-1)),))
    assert history_issue(early) == Issue(
        "history[0].at", day(-1), "an aware datetime no earlier than 2026-01-01 00:00:00+00:00"
    )
    back = staged_row(history=(Change(day(2)), Change(day(1), "qualification", "research")))
    assert history_issue(back) == Issue(
        "history[1].at", day(1), "an aware datetime no earlier than 2026-01-03 00:00:00+00:00"
    )
    assert history_issue(staged_row(history=(Change(day(1), "a", 5),))) == Issue(
        "history[0].to_stage", 5, "a stage id (str)"
    )
    assert history_issue(staged_row(history=(Change(day(1), b"a", "b"),))) == Issue(
        "history[0].from_stage", b"a", "a stage id (str)"
    )
    assert history_issue(staged_row(history=[])) == Issue("history", [], "a tuple of StageChange")
    assert history_issue(staged_row(stage=3)) == Issue("stage", 3, "a stage id (str)")
    assert history_issue(staged_row(status=Status.OPEN, closed_at=day(1))) == Issue(
        "closed_at", day(1), "None while status is 'open'"
    )


def test_a_history_change_lacking_a_field_is_named_not_an_attribute_error() -> None:
    class Bare:
        pass

    assert history_issue(staged_row(history=(Bare(),))) == Issue(
        "history[0].at", None, "an aware datetime no earlier than 2026-01-01 00:00:00+00:00"
    )
    no_target = Change(day(1))
    del no_target.to_stage
    assert history_issue(staged_row(history=(no_target,))) == Issue(
        "history[0].to_stage", None, "a stage id (str)"
    )


def test_times_of_a_named_zone_in_a_record_of_one_s_own_subtract_as_instants() -> None:
    """Python subtracts two datetimes of one tzinfo by their wall clocks: across a
    daylight-saving change a day of a record's own lasted 24 hours. Entities keep
    fixed offsets; a record of the caller's own is read as the instants it names."""
    paris = ZoneInfo("Europe/Paris")
    spring = datetime(2025, 3, 29, 12, tzinfo=paris)  # 23 hours to the next noon
    autumn = datetime(2025, 10, 25, 12, tzinfo=paris)  # 25 hours
    for start, hours in ((spring, 23), (autumn, 25)):
        end = start + timedelta(days=1)  # the next noon on the wall clock
        row = deal_row(created_at=start, closed_at=end, owner_id="ana")
        assert kpi.sales_cycle([row]).median == timedelta(hours=hours)
        by_owner = kpi.sales_cycle([row], by="owner_id", period="month", tz=paris)
        assert [s.median for s in by_owner.values()] == [timedelta(hours=hours)]
        moved = staged_row(
            created_at=start - timedelta(days=1),
            history=(Change(start), Change(end, "qualification", "research")),
            stage="research",
        )
        assert kpi.time_in_stage([moved])["qualification"].median == timedelta(hours=hours)
    # in research from 5 October noon: 21 days and 30 minutes at 11:30 on the 26th,
    # past its 21 days (20 days 23:30 on the wall clock)
    entered = datetime(2025, 10, 5, 12, tzinfo=paris)
    waiting = staged_row(
        created_at=datetime(2025, 10, 1, 12, tzinfo=paris),
        history=(
            Change(datetime(2025, 10, 2, 12, tzinfo=paris)),
            Change(entered, "qualification", "research"),
        ),
        stage="research",
    )
    stale = kpi.stale_deals([waiting], as_of=datetime(2025, 10, 26, 11, 30, tzinfo=paris))
    assert len(stale) == 1


def test_a_record_of_one_s_own_closed_an_instant_before_it_was_created_is_bad() -> None:
    """01:45 on the first pass of Paris' autumn hour comes before 01:30 on the
    second (fold=1): by the wall clock it looks later."""
    paris = ZoneInfo("Europe/Paris")
    created = datetime(2025, 10, 26, 2, 30, tzinfo=paris, fold=1)  # 01:30 UTC
    closed = datetime(2025, 10, 26, 2, 45, tzinfo=paris)  # fold=0: 00:45 UTC
    row = deal_row(created_at=created, closed_at=closed)
    assert bad_field(win_rate, row)[0] == "closed_at"


def test_a_history_of_a_record_of_another_type_obeys_the_entities_rules() -> None:
    """As a Deal's: each change starts where the one before ended, the last ends
    in the record's stage, and a closed record closed with its last change."""
    broken = staged_row(
        stage="demonstration",
        history=(Change(day(1)), Change(day(2), "research", "demonstration")),
    )
    assert history_issue(broken) == Issue(
        "history[1].from_stage", "research", "'qualification', the stage the change before entered"
    )
    elsewhere = staged_row(stage="closing")
    assert history_issue(elsewhere) == Issue(
        "stage", "closing", "'qualification', the stage its last change entered"
    )
    won = staged_row(
        stage="won",
        status=Status.WON,
        closed_at=day(30),
        history=(Change(day(1), "closing", "won"),),
    )
    assert history_issue(won) == Issue(
        "closed_at",
        day(30),
        f"{day(1).isoformat()}, the time of its last change, since it is closed",
    )
    paris = ZoneInfo("Europe/Paris")
    twice = datetime(2026, 10, 25, 2, 30, tzinfo=paris)  # the repeated hour
    issue = history_issue(staged_row(created_at=twice, history=()))
    assert issue is not None
    assert issue.path == "created_at"
    assert "occurs twice" in issue.expected
