"""The default pipelines of the CRMs users come from, ready to move their deals.

Each preset keeps the stage ids exactly as the CRM's export or API shows them
(``"Closed Won"``, ``"closedwon"``, ``"Proposal/Quotation"``), so an integrator
maps an export in one line: the CRM's stage column *is* ``deal.stage``. Each
docstring cites where its stages and default probabilities come from, and says
plainly where a figure could not be confirmed.

The move policies follow how the CRMs behave: users may jump stages and go back
(``allow_skip=True, allow_back=True``), and a closed deal may be reopened into
any open stage. None of them makes a loss reason mandatory out of the box, so
``lost_requires_reason=False`` (turn it on in your own copy: see
:doc:`/howto/pipelines`).

>>> from datetime import datetime, timezone
>>> from salesmodel import Deal, Money
>>> from salesmodel.presets import PRESETS, SALESFORCE
>>> sorted(PRESETS)
['espocrm', 'frappe_crm', 'hubspot', 'hubspot_lifecycle', 'odoo', 'salesforce', 'suitecrm']
>>> row = {"Id": "006A000001", "Name": "Acme", "Amount": "5000", "StageName": "Prospecting"}
>>> deal = Deal(id=row["Id"], name=row["Name"], amount=Money(row["Amount"], "USD"),
...             created_at=datetime(2026, 3, 2, tzinfo=timezone.utc),
...             pipeline_id=SALESFORCE.id, stage=row["StageName"])
>>> deal = SALESFORCE.move(deal, "Negotiation/Review", at=datetime(2026, 3, 9, tzinfo=timezone.utc))
>>> deal.stage, SALESFORCE.stage(deal.stage).probability
('Negotiation/Review', Decimal('0.9'))

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from .entities import Deal, Lead
from .enums import Status
from .pipeline import Pipeline, Stage

__all__ = [
    "ESPOCRM",
    "FRAPPE_CRM",
    "HUBSPOT",
    "HUBSPOT_LIFECYCLE",
    "ODOO",
    "PRESETS",
    "SALESFORCE",
    "SUITECRM",
]

_WON: Final = Status.WON
_LOST: Final = Status.LOST


def _percent(value: int) -> Decimal:
    """A CRM's whole-number percentage as a probability."""
    return Decimal(value) / 100


def _stages(
    rows: Sequence[tuple[str, int] | tuple[str, int, Status]],
    *,
    names: Mapping[str, str] | None = None,
    forecast: Mapping[str, str] | None = None,
) -> list[Stage]:
    """Stages from ``(id, percent[, status])`` rows, named by *names* (default:
    the id), with *forecast* categories."""
    out = []
    for row in rows:
        stage_id, percent = row[0], row[1]
        status = row[2] if len(row) == 3 else Status.OPEN
        out.append(
            Stage(
                stage_id,
                (names or {}).get(stage_id, stage_id),
                _percent(percent),
                status,
                forecast_category=(forecast or {}).get(stage_id),
            )
        )
    return out


def _crm_pipeline(pipeline_id: str, name: str, stages: list[Stage]) -> Pipeline:
    """A pipeline that behaves as CRMs do: jump forward or back freely, win or
    lose from any open stage, reopen a closed deal into any open stage, no
    mandatory loss reason."""
    opened = [s.id for s in stages if s.is_open]
    return Pipeline(
        pipeline_id,
        stages,
        name=name,
        allow_skip=True,
        allow_back=True,
        reopen_to={s.id: opened for s in stages if s.is_closed},
        lost_requires_reason=False,
        kind=Deal,
    )


#: Salesforce's default opportunity stages (the ``StageName`` picklist of a new
#: org, as the Opportunity export and the API show it) and their default
#: probabilities:
#:
#: ====================  =====  ========
#: stage                 prob.  forecast
#: ====================  =====  ========
#: Prospecting           10 %   pipeline
#: Qualification         10 %   pipeline
#: Needs Analysis        20 %   pipeline
#: Value Proposition     50 %   pipeline
#: Id. Decision Makers   60 %   pipeline
#: Perception Analysis   70 %   pipeline
#: Proposal/Price Quote  75 %   pipeline
#: Negotiation/Review    90 %   pipeline
#: Closed Won            100 %  closed
#: Closed Lost           0 %    omitted
#: ====================  =====  ========
#:
#: Sources: Salesforce Help, "Opportunity Stage" picklist (Setup > Object
#: Manager > Opportunity > Fields > Stage); the same ten stages with the same
#: probabilities were EspoCRM's Salesforce-compatible defaults before it
#: trimmed them (``Opportunity.json`` ``probabilityMap`` in espocrm/espocrm).
#:
#: Forecast categories: Salesforce has five (Pipeline, Best Case, Commit,
#: Closed, Omitted; API values ``Pipeline``, ``BestCase``, ``Forecast``,
#: ``Closed``, ``Omitted``), given here in salesmodel's vocabulary
#: (``pipeline``, ``best_case``, ``commit``, ``closed``, ``omitted``) so that
#: forecasts across pipelines line up. Closed Won → closed and Closed Lost →
#: omitted are certain; that every open default stage sits in *pipeline* (no
#: default stage uses Best Case or Commit) is what we understand a new org to
#: ship, but we could not confirm it against an official table: check your org's
#: Stage picklist and adjust.
#:
#: Pipeline id ``"salesforce"`` (Salesforce has sales processes, not pipeline
#: ids): set ``pipeline_id=SALESFORCE.id`` on imported deals.
SALESFORCE: Final = _crm_pipeline(
    "salesforce",
    "Salesforce opportunity stages",
    _stages(
        [
            ("Prospecting", 10),
            ("Qualification", 10),
            ("Needs Analysis", 20),
            ("Value Proposition", 50),
            ("Id. Decision Makers", 60),
            ("Perception Analysis", 70),
            ("Proposal/Price Quote", 75),
            ("Negotiation/Review", 90),
            ("Closed Won", 100, _WON),
            ("Closed Lost", 0, _LOST),
        ],
        forecast={
            **dict.fromkeys(
                [
                    "Prospecting",
                    "Qualification",
                    "Needs Analysis",
                    "Value Proposition",
                    "Id. Decision Makers",
                    "Perception Analysis",
                    "Proposal/Price Quote",
                    "Negotiation/Review",
                ],
                "pipeline",
            ),
            "Closed Won": "closed",
            "Closed Lost": "omitted",
        },
    ),
)

#: HubSpot's default deal pipeline ("Sales Pipeline"), with the internal stage
#: ids the API and exports use (``dealstage``) and HubSpot's default win
#: probabilities: appointmentscheduled (Appointment Scheduled) 20 %,
#: qualifiedtobuy (Qualified To Buy) 40 %, presentationscheduled (Presentation
#: Scheduled) 60 %, decisionmakerboughtin (Decision Maker Bought-In) 80 %,
#: contractsent (Contract Sent) 90 %, closedwon (Closed Won) 100 %, closedlost
#: (Closed Lost) 0 %.
#:
#: Sources: HubSpot Knowledge Base, the articles on setting up deal pipelines and
#: deal stages (default stages and probabilities); HubSpot developer docs, CRM
#: Pipelines API ("Every account initially contains a default pipeline with the
#: pipelineId 'default'").
#:
#: Pipeline id ``"hubspot"``: set ``pipeline_id=HUBSPOT.id`` on imported deals,
#: and map the ``dealstage`` property straight onto ``stage``. (HubSpot's API
#: calls this pipeline ``"default"``, but that is the id of salesmodel's own
#: :data:`~salesmodel.DEFAULT_PIPELINE`, and a book of pipelines holds one
#: pipeline per id.) HubSpot lets a rep drag a deal to any stage, closed ones
#: included, and makes no loss reason mandatory by default. Forecast categories
#: are a separate deal property in HubSpot, so none is set here.
HUBSPOT: Final = _crm_pipeline(
    "hubspot",
    "Sales Pipeline",
    _stages(
        [
            ("appointmentscheduled", 20),
            ("qualifiedtobuy", 40),
            ("presentationscheduled", 60),
            ("decisionmakerboughtin", 80),
            ("contractsent", 90),
            ("closedwon", 100, _WON),
            ("closedlost", 0, _LOST),
        ],
        names={
            "appointmentscheduled": "Appointment Scheduled",
            "qualifiedtobuy": "Qualified To Buy",
            "presentationscheduled": "Presentation Scheduled",
            "decisionmakerboughtin": "Decision Maker Bought-In",
            "contractsent": "Contract Sent",
            "closedwon": "Closed Won",
            "closedlost": "Closed Lost",
        },
    ),
)

#: HubSpot's default lifecycle stages (the ``lifecyclestage`` contact property,
#: internal values): subscriber, lead, marketingqualifiedlead,
#: salesqualifiedlead, opportunity, customer, evangelist, other. It moves
#: :class:`~salesmodel.Lead` records (``Lead(stage="subscriber", ...)``). Its
#: id is ``"hubspot_lifecycle"``.
#:
#: Which are closed: *customer* and *evangelist* are won (the contact bought);
#: *other* is a contact outside the buying funnel (a partner, a vendor, a
#: journalist), modelled as lost so it leaves the funnel counts. The rest are
#: open.
#:
#: Moves: HubSpot lets the lifecycle stage move only forward unless the property
#: is cleared first, and so does this preset: forward by any number of stages
#: (``allow_skip=True``), never back (``allow_back=False``), and closed stages
#: final. Two consequences to know: moving a customer on to evangelist is a move
#: between two closed stages, which salesmodel does not allow (record advocacy in
#: ``attributes``, or go straight to evangelist); and to model "clear and set
#: again", load ``to_dict(HUBSPOT_LIFECYCLE)`` with ``allow_back`` and
#: ``reopen_to`` added.
#:
#: Probabilities: HubSpot gives lifecycle stages none. The figures here are
#: salesmodel's own, those of :data:`~salesmodel.LEAD_LIFECYCLE` for the matching
#: stage (subscriber 2 % as suspect, lead 5 % as contacted, MQL 15 %, SQL 40 %;
#: opportunity 40 %, no better than SQL until its deal says so), customer and
#: evangelist 100 %, other 0 %. Weight leads with a scorer, not with these.
#:
#: Source: HubSpot Knowledge Base, the article on lifecycle stages (the default
#: stages, their internal values, and the forward-only rule).
HUBSPOT_LIFECYCLE: Final = Pipeline(
    "hubspot_lifecycle",
    _stages(
        [
            ("subscriber", 2),
            ("lead", 5),
            ("marketingqualifiedlead", 15),
            ("salesqualifiedlead", 40),
            ("opportunity", 40),
            ("customer", 100, _WON),
            ("evangelist", 100, _WON),
            ("other", 0, _LOST),
        ],
        names={
            "subscriber": "Subscriber",
            "lead": "Lead",
            "marketingqualifiedlead": "Marketing Qualified Lead",
            "salesqualifiedlead": "Sales Qualified Lead",
            "opportunity": "Opportunity",
            "customer": "Customer",
            "evangelist": "Evangelist",
            "other": "Other",
        },
    ),
    name="HubSpot lifecycle stages",
    allow_skip=True,
    allow_back=False,
    lost_requires_reason=False,
    kind=Lead,
)

#: Odoo CRM's default stages: New 10 %, Qualified 30 %, Proposition 70 %, Won
#: 100 %, as Odoo's ``crm.stage`` data shipped them (``stage_lead1`` …
#: ``stage_lead4`` in ``addons/crm/data/crm_stage_data.xml``, odoo/odoo). Later
#: Odoo releases dropped the per-stage probability in favour of predictive lead
#: scoring, which computes one per lead; the stage figures here are the last
#: defaults Odoo shipped, useful as a prior, not what a recent Odoo displays.
#:
#: Lost: Odoo has no lost stage. "Mark as lost" archives the opportunity
#: (``active = False``, probability 0) and leaves ``stage_id`` where it was;
#: "Restore" brings it back to that stage. Here lost is a stage of its own,
#: ``"Lost"``, so map an export with ``stage = "Lost" if not row["active"] else
#: row["stage_id"]``. Odoo's Won stage is an ordinary kanban column a deal can be
#: dragged out of, so both Won and Lost reopen into any open stage. The lost
#: reason is optional in Odoo.
ODOO: Final = _crm_pipeline(
    "odoo",
    "Odoo CRM pipeline",
    _stages(
        [
            ("New", 10),
            ("Qualified", 30),
            ("Proposition", 70),
            ("Won", 100, _WON),
            ("Lost", 0, _LOST),
        ]
    ),
)

#: EspoCRM's default opportunity stages and probabilities (the ``stage`` field's
#: ``options`` and ``probabilityMap`` in
#: ``application/Espo/Modules/Crm/Resources/metadata/entityDefs/Opportunity.json``,
#: espocrm/espocrm; EspoCRM docs, "Sales Management" > Opportunities > Stage):
#: Prospecting 10 %, Qualification 20 %, Proposal 50 %, Negotiation 80 %, Closed
#: Won 100 %, Closed Lost 0 %. (Older EspoCRM releases shipped Salesforce's ten
#: stages instead: use :data:`SALESFORCE` for an export from one of those.)
ESPOCRM: Final = _crm_pipeline(
    "espocrm",
    "EspoCRM opportunity stages",
    _stages(
        [
            ("Prospecting", 10),
            ("Qualification", 20),
            ("Proposal", 50),
            ("Negotiation", 80),
            ("Closed Won", 100, _WON),
            ("Closed Lost", 0, _LOST),
        ]
    ),
)

#: SuiteCRM's default opportunity sales stages and probabilities (the
#: ``sales_stage_dom`` and ``sales_probability_dom`` lists of
#: ``include/language/en_us.lang.php``, salesagility/SuiteCRM, inherited from
#: SugarCRM Community Edition): Prospecting 10 %, Qualification 20 %, Needs
#: Analysis 25 %, Value Proposition 30 %, Id. Decision Makers 40 %, Perception
#: Analysis 50 %, Proposal/Price Quote 65 %, Negotiation/Review 80 %, Closed Won
#: 100 %, Closed Lost 0 %. The stage names are Salesforce's; the probabilities
#: are not. The ids are the list keys, which exports and the API carry (the
#: English label of ``Id. Decision Makers`` is "Identifying Decision Makers").
SUITECRM: Final = _crm_pipeline(
    "suitecrm",
    "SuiteCRM sales stages",
    _stages(
        [
            ("Prospecting", 10),
            ("Qualification", 20),
            ("Needs Analysis", 25),
            ("Value Proposition", 30),
            ("Id. Decision Makers", 40),
            ("Perception Analysis", 50),
            ("Proposal/Price Quote", 65),
            ("Negotiation/Review", 80),
            ("Closed Won", 100, _WON),
            ("Closed Lost", 0, _LOST),
        ],
        names={"Id. Decision Makers": "Identifying Decision Makers"},
    ),
)

#: Frappe CRM's default deal statuses (``CRM Deal Status`` records created by
#: ``add_default_deal_statuses`` in ``crm/install.py``, frappe/crm), with their
#: status types and probabilities: Qualification (Open) 10 %, Demo/Making
#: (Ongoing) 25 %, Proposal/Quotation (Ongoing) 50 %, Negotiation (Ongoing) 70 %,
#: Ready to Close (Ongoing) 90 %, Won (Won) 100 %, Lost (Lost) 0 %. Early
#: releases created the same statuses without probabilities or types, and the
#: defaults have moved between releases (some list no "Ready to Close"): check
#: the statuses of your site (CRM Settings > Statuses). Frappe CRM lets a deal
#: take any status, so the policies are the free ones.
FRAPPE_CRM: Final = _crm_pipeline(
    "frappe_crm",
    "Frappe CRM deal statuses",
    _stages(
        [
            ("Qualification", 10),
            ("Demo/Making", 25),
            ("Proposal/Quotation", 50),
            ("Negotiation", 70),
            ("Ready to Close", 90),
            ("Won", 100, _WON),
            ("Lost", 0, _LOST),
        ]
    ),
)

#: Every preset by its pipeline's id, so the whole registry can be given as
#: ``pipelines=``.
PRESETS: Final[Mapping[str, Pipeline]] = MappingProxyType(
    {
        "salesforce": SALESFORCE,
        "hubspot": HUBSPOT,
        "hubspot_lifecycle": HUBSPOT_LIFECYCLE,
        "odoo": ODOO,
        "espocrm": ESPOCRM,
        "suitecrm": SUITECRM,
        "frappe_crm": FRAPPE_CRM,
    }
)
