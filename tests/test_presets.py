"""The CRM presets: the stage ids, probabilities and behaviour of the CRMs users
come from, so an export maps onto them in one line."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesmodel import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Deal,
    Lead,
    LeadSource,
    Money,
    Pipeline,
    Status,
    TransitionError,
    presets,
)
from salesmodel.presets import (
    ESPOCRM,
    FRAPPE_CRM,
    HUBSPOT,
    HUBSPOT_LIFECYCLE,
    ODOO,
    PRESETS,
    SALESFORCE,
    SUITECRM,
)

WON, LOST = Status.WON, Status.LOST

# Stage id -> (percent, status), exactly as each CRM ships them.
EXPECTED: dict[str, list[tuple[str, int, Status]]] = {
    "salesforce": [
        ("Prospecting", 10, Status.OPEN),
        ("Qualification", 10, Status.OPEN),
        ("Needs Analysis", 20, Status.OPEN),
        ("Value Proposition", 50, Status.OPEN),
        ("Id. Decision Makers", 60, Status.OPEN),
        ("Perception Analysis", 70, Status.OPEN),
        ("Proposal/Price Quote", 75, Status.OPEN),
        ("Negotiation/Review", 90, Status.OPEN),
        ("Closed Won", 100, WON),
        ("Closed Lost", 0, LOST),
    ],
    "hubspot": [
        ("appointmentscheduled", 20, Status.OPEN),
        ("qualifiedtobuy", 40, Status.OPEN),
        ("presentationscheduled", 60, Status.OPEN),
        ("decisionmakerboughtin", 80, Status.OPEN),
        ("contractsent", 90, Status.OPEN),
        ("closedwon", 100, WON),
        ("closedlost", 0, LOST),
    ],
    "hubspot_lifecycle": [
        ("subscriber", 2, Status.OPEN),
        ("lead", 5, Status.OPEN),
        ("marketingqualifiedlead", 15, Status.OPEN),
        ("salesqualifiedlead", 40, Status.OPEN),
        ("opportunity", 40, Status.OPEN),
        ("customer", 100, WON),
        ("evangelist", 100, WON),
        ("other", 0, LOST),
    ],
    "odoo": [
        ("New", 10, Status.OPEN),
        ("Qualified", 30, Status.OPEN),
        ("Proposition", 70, Status.OPEN),
        ("Won", 100, WON),
        ("Lost", 0, LOST),
    ],
    "espocrm": [
        ("Prospecting", 10, Status.OPEN),
        ("Qualification", 20, Status.OPEN),
        ("Proposal", 50, Status.OPEN),
        ("Negotiation", 80, Status.OPEN),
        ("Closed Won", 100, WON),
        ("Closed Lost", 0, LOST),
    ],
    "suitecrm": [
        ("Prospecting", 10, Status.OPEN),
        ("Qualification", 20, Status.OPEN),
        ("Needs Analysis", 25, Status.OPEN),
        ("Value Proposition", 30, Status.OPEN),
        ("Id. Decision Makers", 40, Status.OPEN),
        ("Perception Analysis", 50, Status.OPEN),
        ("Proposal/Price Quote", 65, Status.OPEN),
        ("Negotiation/Review", 80, Status.OPEN),
        ("Closed Won", 100, WON),
        ("Closed Lost", 0, LOST),
    ],
    "frappe_crm": [
        ("Qualification", 10, Status.OPEN),
        ("Demo/Making", 25, Status.OPEN),
        ("Proposal/Quotation", 50, Status.OPEN),
        ("Negotiation", 70, Status.OPEN),
        ("Ready to Close", 90, Status.OPEN),
        ("Won", 100, WON),
        ("Lost", 0, LOST),
    ],
}
DEAL_PRESETS = sorted(set(PRESETS) - {"hubspot_lifecycle"})


def day(n: float) -> datetime:
    return datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=n)


def deal_in(pipeline: Pipeline, **changes: object) -> Deal:
    fields: dict[str, object] = {
        "id": "D-1",
        "name": "Acme",
        "amount": Money("5000", "USD"),
        "created_at": day(0),
        "pipeline_id": pipeline.id,
        "stage": pipeline.first.id,
    }
    return Deal(**(fields | changes))  # type: ignore[arg-type]


def test_the_registry_names_every_preset_once():
    assert dict(PRESETS) == {
        "salesforce": SALESFORCE,
        "hubspot": HUBSPOT,
        "hubspot_lifecycle": HUBSPOT_LIFECYCLE,
        "odoo": ODOO,
        "espocrm": ESPOCRM,
        "suitecrm": SUITECRM,
        "frappe_crm": FRAPPE_CRM,
    }
    assert all(p.id == name for name, p in PRESETS.items())
    with pytest.raises(TypeError):
        PRESETS["mine"] = DEFAULT_PIPELINE  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_preset_has_the_crms_stage_ids_and_default_probabilities(name):
    pipeline = PRESETS[name]
    got = [(s.id, s.probability * 100, s.status) for s in pipeline.stages]
    assert got == [(i, Decimal(p), status) for i, p, status in EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_probabilities_never_fall_along_the_open_stages(name):
    opened = [s.probability for s in PRESETS[name].open_stages]
    assert opened == sorted(opened)


def test_salesforce_stages_carry_forecast_categories():
    categories = {s.id: s.forecast_category for s in SALESFORCE.stages}
    assert categories["Closed Won"] == "closed"
    assert categories["Closed Lost"] == "omitted"
    assert {categories[s.id] for s in SALESFORCE.open_stages} == {"pipeline"}


def test_no_preset_shares_the_id_of_a_built_in_pipeline():
    # HubSpot's API calls its deal pipeline "default", but so is DEFAULT_PIPELINE:
    # sharing the id would make a book of both judge one's deals by the other.
    assert HUBSPOT.id == "hubspot"
    assert not {p.id for p in PRESETS.values()} & {DEFAULT_PIPELINE.id, LEAD_LIFECYCLE.id}
    assert HUBSPOT.name == "Sales Pipeline"
    assert HUBSPOT.stage("decisionmakerboughtin").name == "Decision Maker Bought-In"


@pytest.mark.parametrize("name", DEAL_PRESETS)
def test_a_crm_deal_may_jump_stages_go_back_and_close_from_anywhere(name):
    pipeline = PRESETS[name]
    (won,) = pipeline.won_stages
    (lost,) = pipeline.lost_stages
    last = pipeline.open_stages[-1].id
    jumped = pipeline.move(deal_in(pipeline), last, at=day(1))
    back = pipeline.move(jumped, pipeline.first.id, at=day(2))
    assert back.stage == pipeline.first.id
    assert pipeline.win(back, at=day(3)).stage == won.id
    # No CRM here makes the loss reason mandatory out of the box.
    assert pipeline.move(back, lost.id, at=day(3)).status is Status.LOST


@pytest.mark.parametrize("name", DEAL_PRESETS)
def test_a_closed_crm_deal_reopens_into_any_open_stage(name):
    pipeline = PRESETS[name]
    for closed in (*pipeline.won_stages, *pipeline.lost_stages):
        shut = pipeline.move(deal_in(pipeline), closed.id, at=day(1), reason="price")
        for stage in pipeline.open_stages:
            reopened = pipeline.reopen(shut, to=stage.id, at=day(2))
            assert (reopened.status, reopened.closed_at, reopened.loss_reason) == (
                Status.OPEN,
                None,
                None,
            )


def test_a_salesforce_export_row_maps_in_one_line():
    row = {
        "Id": "006A0000",
        "Name": "Acme",
        "Amount": "12000.00",
        "StageName": "Id. Decision Makers",
    }
    deal = deal_in(
        SALESFORCE, id=row["Id"], stage=row["StageName"], amount=Money(row["Amount"], "USD")
    )
    moved = SALESFORCE.move(deal, "Closed Won", at=day(5))
    assert (moved.status, moved.closed_at) == (Status.WON, day(5))
    assert SALESFORCE.stage(deal.stage).probability == Decimal("0.6")


def test_a_hubspot_deal_maps_by_its_dealstage_property():
    properties = {"dealstage": "contractsent"}
    deal = deal_in(HUBSPOT, stage=properties["dealstage"])
    assert HUBSPOT.can_move(deal, "closedwon")
    assert HUBSPOT.stage(deal.stage).probability == Decimal("0.9")


def test_an_archived_odoo_opportunity_maps_to_the_lost_stage():
    records = [
        {"stage_id": "Proposition", "active": True},
        {"stage_id": "Qualified", "active": False},
    ]
    stages = ["Lost" if not r["active"] else r["stage_id"] for r in records]
    assert [ODOO.stage(s).status for s in stages] == [Status.OPEN, Status.LOST]
    lost = ODOO.lose(deal_in(ODOO, stage="Qualified"), "price", at=day(2))
    assert ODOO.reopen(lost, to="Qualified", at=day(9)).stage == "Qualified"


def test_suitecrm_keeps_salesforce_names_with_its_own_probabilities():
    assert [s.id for s in SUITECRM.stages] == [s.id for s in SALESFORCE.stages]
    assert SUITECRM.stage("Id. Decision Makers").name == "Identifying Decision Makers"
    assert SUITECRM.stage("Proposal/Price Quote").probability == Decimal("0.65")


def lead(stage: str = "subscriber") -> Lead:
    return Lead(id="L-1", name="Bruno", created_at=day(0), source=LeadSource.WEBINAR, stage=stage)


def test_the_hubspot_lifecycle_moves_leads_forward_only():
    moved = HUBSPOT_LIFECYCLE.move(lead(), "marketingqualifiedlead", at=day(1))
    with pytest.raises(TransitionError) as refusal:
        HUBSPOT_LIFECYCLE.move(moved, "lead", at=day(2))
    assert refusal.value.rule == "not-allowed"
    assert refusal.value.allowed == (
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    )


def test_hubspot_customers_and_evangelists_are_won_and_other_leaves_the_funnel():
    assert [s.id for s in HUBSPOT_LIFECYCLE.won_stages] == ["customer", "evangelist"]
    assert [s.id for s in HUBSPOT_LIFECYCLE.lost_stages] == ["other"]
    customer = HUBSPOT_LIFECYCLE.move(lead("opportunity"), "customer", at=day(1))
    assert customer.status is Status.WON
    # A move between two closed stages is not a thing salesmodel allows.
    assert HUBSPOT_LIFECYCLE.targets("customer") == ()
    assert not HUBSPOT_LIFECYCLE.can_move(customer, "evangelist")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_draws_as_a_mermaid_diagram(name):
    text = PRESETS[name].to_mermaid()
    assert text.startswith("stateDiagram-v2")
    assert text.count(" as ") == len(PRESETS[name].stages)


def _presets_built_now() -> Any:
    """salesmodel.presets run again, as a new module object. The presets are built
    when salesmodel is imported, before any test runs; this builds them in the test,
    which is what a change to the code that builds them needs."""
    spec = importlib.util.spec_from_file_location("salesmodel.presets", presets.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_presets_built_again_are_the_same_pipelines():
    again = _presets_built_now()
    assert again.PRESETS is not PRESETS
    assert sorted(again.PRESETS) == sorted(PRESETS)
    for name, pipeline in again.PRESETS.items():
        assert pipeline == PRESETS[name], name
        assert [(s.name, s.forecast_category) for s in pipeline.stages] == [
            (s.name, s.forecast_category) for s in PRESETS[name].stages
        ], name
