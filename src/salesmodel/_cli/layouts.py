"""Column layouts of common CRM exports, for ``python -m salesmodel report``.

A layout says which CSV column holds which :class:`~salesmodel.Deal` field, which
pipeline the stage column's values belong to, and how dates are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from salesmodel import DEFAULT_PIPELINE, Pipeline, Stage, Status
from salesmodel.presets import HUBSPOT, SALESFORCE


@attrs.frozen(kw_only=True)
class Layout:
    """How one export's columns map onto deals.

    Attributes:
        name: The preset's name on the command line.
        description: One line for ``--help``.
        columns: Deal field → CSV column (``id``, ``name``, ``amount``,
            ``created_at``, ``owner_id``, ``product``, ``source``, ...).
        stage: The column holding the stage (an id or a name of *pipeline*).
        closed_at: The column holding the close date; read as ``closed_at`` for a
            closed stage, and as ``expected_close`` for an open one.
        currency: The column holding each amount's currency, if any.
        amounts_in: The currency of every amount, when the export is known to
            hold one only (Maven's data set: US dollars).
        loss_reason: The column holding why a deal was lost, if any; read for
            deals in a lost stage only.
        pipeline: The stages the export uses.
        fallback_name: Column to name a deal by when ``name``'s column is empty.
        undated: Stages whose rows the export leaves without a creation date
            (Maven's Prospecting: deals not yet engaged). Such a row is an open deal
            of unknown age: counted with the deals, in its group and in the open
            pipeline, never in a dated figure.
        mapped: The fields (and ``stage``, ``closed_at``, ...) whose column the
            command line named with ``--column``: a missing one is said to be the
            user's, not the preset's.
    """

    name: str
    description: str
    columns: Mapping[str, str]
    stage: str
    closed_at: str | None
    currency: str | None = None
    amounts_in: str | None = None
    loss_reason: str | None = None
    pipeline: Pipeline
    fallback_name: str | None = None
    undated: frozenset[str] = frozenset()
    mapped: frozenset[str] = frozenset()


#: The stages of the Maven Analytics "CRM Sales Opportunities" data set.
MAVEN_PIPELINE: Final = Pipeline(
    "maven",
    [
        Stage("Prospecting", "Prospecting", "0.1"),
        Stage("Engaging", "Engaging", "0.5"),
        Stage("Won", "Won", 1, Status.WON),
        Stage("Lost", "Lost", 0, Status.LOST),
    ],
    allow_skip=True,
    lost_requires_reason=False,
    name="Maven CRM sales opportunities",
)

#: Deal fields a column may be read into (``--column FIELD=COLUMN``).
READABLE: Final = (
    "id",
    "name",
    "amount",
    "created_at",
    "owner_id",
    "prospect_id",
    "customer_id",
    "product",
    "source",
)

#: Columns named as Deal fields, for exports with no preset.
GENERIC: Final = Layout(
    name="generic",
    description="columns named as Deal fields (id, name, amount, created_at, stage, ...)",
    columns={f: f for f in READABLE},
    stage="stage",
    closed_at="closed_at",
    currency="currency",
    loss_reason="loss_reason",
    pipeline=DEFAULT_PIPELINE,
)

LAYOUTS: Final[Mapping[str, Layout]] = {
    "maven": Layout(
        name="maven",
        description="Maven Analytics CRM Sales Opportunities (sales_pipeline.csv)",
        columns={
            "id": "opportunity_id",
            "name": "account",
            "owner_id": "sales_agent",
            "product": "product",
            "created_at": "engage_date",
            "amount": "close_value",
        },
        stage="deal_stage",
        closed_at="close_date",
        amounts_in="USD",
        pipeline=MAVEN_PIPELINE,
        fallback_name="opportunity_id",
        # SOURCE.md: Prospecting rows have no dates and no value.
        undated=frozenset({"Prospecting"}),
    ),
    "salesforce": Layout(
        name="salesforce",
        description="Salesforce opportunity report (Opportunity ID, Stage, Amount, ...)",
        columns={
            "id": "Opportunity ID",
            "name": "Opportunity Name",
            "owner_id": "Opportunity Owner",
            "source": "Lead Source",
            "created_at": "Created Date",
            "amount": "Amount",
        },
        stage="Stage",
        closed_at="Close Date",
        currency="Opportunity Currency",
        pipeline=SALESFORCE,
        fallback_name="Opportunity Name",
    ),
    "hubspot": Layout(
        name="hubspot",
        description="HubSpot deals export (Record ID, Deal Stage, Amount, ...)",
        columns={
            "id": "Record ID",
            "name": "Deal Name",
            "owner_id": "Deal owner",
            "source": "Original Source Type",
            "created_at": "Create Date",
            "amount": "Amount",
        },
        stage="Deal Stage",
        closed_at="Close Date",
        currency="Currency",
        loss_reason="Closed Lost Reason",
        pipeline=HUBSPOT,
        fallback_name="Record ID",
    ),
}
