"""Qualification: a lead becomes a prospect, and a prospect gets a deal.

:func:`qualify` converts a lead through its lifecycle (by default
:data:`~salesmodel.LEAD_LIFECYCLE`, where only a sales-qualified lead converts) and
builds the :class:`~salesmodel.Prospect` that carries its BANT answers, temperature,
company and attributes on. :func:`open_deal` opens a :class:`~salesmodel.Deal` for
a prospect at the first stage of a pipeline. The BANT checks themselves are
methods of :class:`~salesmodel.Bant` (``answered``, ``met``, ``score``,
``is_qualified``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import cast

import attrs

from ._time import instant_argument
from .attributes import Attributes, AttributeValue
from .entities import Deal, Lead, Prospect, check_timescale_limit
from .enums import LeadSource
from .errors import TransitionError, ValidationError
from .money import Money
from .pipeline import DEFAULT_PIPELINE, LEAD_LIFECYCLE, Pipeline
from .temperature import DEFAULT_TEMPERATURE_POLICY, TemperaturePolicy, classify_temperature

__all__ = ["open_deal", "qualify"]


def qualify(
    lead: Lead,
    *,
    owner_id: str,
    at: datetime,
    prospect_id: str | None = None,
    by: str | None = None,
    needs: Iterable[str] = (),
    min_bant_letters: int | None = None,
    max_timescale_days: int | None = 90,
    pipeline: Pipeline = LEAD_LIFECYCLE,
    temperature: TemperaturePolicy = DEFAULT_TEMPERATURE_POLICY,
) -> tuple[Lead, Prospect]:
    """Convert *lead* and make the prospect it becomes.

    The lead moves to the won stage of *pipeline* (``converted`` in
    :data:`~salesmodel.LEAD_LIFECYCLE`, reachable from ``sql`` only) through the
    pipeline, so the move is checked and recorded in its history. A lead without an
    owner gets *owner_id*.

    Args:
        lead: The lead to qualify.
        owner_id: The rep who will work the prospect.
        at: When, timezone-aware, no earlier than the lead's last change.
        prospect_id: The prospect's id (default: the lead's id).
        by: Who qualified it, for the lead's history (default: *owner_id*).
        needs: What the buyer needs, in its own words.
        min_bant_letters: When set, refuse a lead with fewer BANT letters met
            (IBM's rule was 3 of 4).
        max_timescale_days: The longest timescale that counts as met.
        pipeline: The lead lifecycle.
        temperature: How the prospect's temperature is decided (as of *at*).

    Returns:
        ``(converted_lead, prospect)``.

    Raises:
        TransitionError: for a lead that may not convert from its stage (rule
            ``"not-allowed"`` and the others of :meth:`Pipeline.move`), or with
            rule ``"bant"`` for too few BANT letters met; nothing is changed.
        ValidationError: for a *lead* that is not a Lead, a *pipeline* that
            moves no leads, a *temperature* that is not a TemperaturePolicy, or a
            bad *owner_id*, *prospect_id* or *at*.

    >>> from datetime import datetime, timezone
    >>> from salesmodel import Bant
    >>> day = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> lead = Lead(id="L-7", name="Ana Lima", source="referral", created_at=day,
    ...             stage="sql", company="Acme", purchase_timeframe_days=10,
    ...             bant=Bant(budget=True, authority=True, need=True))
    >>> converted, prospect = qualify(lead, owner_id="rep-1", at=day)
    >>> converted.stage, converted.status.value, prospect.temperature.value
    ('converted', 'won', 'hot')

    .. versionadded:: 0.1.0
    """
    if not isinstance(lead, Lead):
        raise ValidationError.single("lead", lead, "a Lead", "qualify")
    if not isinstance(pipeline, Pipeline) or pipeline.kind not in (None, Lead):
        raise ValidationError.single(
            "pipeline", pipeline, "a Pipeline that moves leads (kind=Lead or None)", "qualify"
        )
    if type(temperature) is not TemperaturePolicy:
        # checked here too, so the error names this function's argument
        raise ValidationError.single("temperature", temperature, "a TemperaturePolicy", "qualify")
    at = instant_argument(at, "at", "qualify")
    check_timescale_limit(max_timescale_days, "qualify")
    if min_bant_letters is not None:
        if type(min_bant_letters) is not int or not 0 <= min_bant_letters <= 4:
            raise ValidationError.single(
                "min_bant_letters", min_bant_letters, "None or an int from 0 to 4", "qualify"
            )
        met = lead.bant.met(max_timescale_days=max_timescale_days)
        if len(met) < min_bant_letters:
            raise TransitionError(
                f"cannot qualify Lead {lead.id!r}: {len(met)} BANT letters met "
                f"({', '.join(met) or 'none'}), {min_bant_letters} needed",
                entity_id=lead.id,
                from_stage=lead.stage,
                to_stage=None,
                allowed=(),
                rule="bant",
            )
    prospect = Prospect(
        id=lead.id if prospect_id is None else prospect_id,
        name=lead.name,
        owner_id=owner_id,
        qualified_at=at,
        lead_id=lead.id,
        company=lead.company,
        bant=lead.bant,
        temperature=classify_temperature(lead, at=at, policy=temperature),
        # The Prospect takes any iterable of str and names anything else (a str
        # is refused, not split into letters).
        needs=cast("tuple[str, ...]", needs),
        attributes=lead.attributes,
    )
    converted = pipeline.win(lead, at=at, by=owner_id if by is None else by)
    if converted.owner_id is None:
        converted = attrs.evolve(converted, owner_id=owner_id)
    return converted, prospect


def open_deal(
    prospect: Prospect,
    *,
    amount: Money,
    at: datetime,
    deal_id: str | None = None,
    pipeline: Pipeline = DEFAULT_PIPELINE,
    name: str | None = None,
    owner_id: str | None = None,
    source: LeadSource | str | None = None,
    product: str | None = None,
    expected_close: date | None = None,
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Deal:
    """A new deal for *prospect*, at the first stage of *pipeline*.

    Args:
        prospect: Who it is sold to.
        amount: Its value.
        at: When it is opened: timezone-aware, not before the prospect was
            qualified.
        deal_id: Its id (default: the prospect's id; pass one for a second deal).
        pipeline: The pipeline it moves through.
        name: Its name (default: the prospect's company, else its name).
        owner_id: Its owner (default: the prospect's).
        source: Where the lead came from.
        product: What is sold.
        expected_close: When it is expected to close.
        attributes: Custom fields (default: the prospect's).

    Returns:
        The open deal, with an empty history.

    Raises:
        ValidationError: for a *prospect* that is not a Prospect, a *pipeline*
            that moves no deals (such as :data:`~salesmodel.LEAD_LIFECYCLE`), a bad
            amount, a naive *at* or one before ``prospect.qualified_at``, or any
            other bad field.

    >>> from datetime import datetime, timezone
    >>> day = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> prospect = Prospect(id="P-1", name="Ana Lima", owner_id="rep-1",
    ...                     qualified_at=day, company="Acme")
    >>> deal = open_deal(prospect, amount=Money("4800", "EUR"), at=day)
    >>> deal.name, deal.stage, deal.owner_id
    ('Acme', 'prospecting', 'rep-1')

    .. versionadded:: 0.1.0
    """
    if not isinstance(prospect, Prospect):
        raise ValidationError.single("prospect", prospect, "a Prospect", "open_deal")
    if not isinstance(pipeline, Pipeline) or pipeline.kind not in (None, Deal):
        # A deal opened in a pipeline of leads could never move.
        raise ValidationError.single(
            "pipeline", pipeline, "a Pipeline that moves deals (kind=Deal or None)", "open_deal"
        )
    at = instant_argument(at, "at", "open_deal")
    if at < prospect.qualified_at:
        expected = f"no earlier than the prospect's qualified_at ({prospect.qualified_at})"
        raise ValidationError.single("at", at, expected, "open_deal")
    return Deal(
        id=prospect.id if deal_id is None else deal_id,
        name=name if name is not None else prospect.company or prospect.name,
        amount=amount,
        created_at=at,
        owner_id=prospect.owner_id if owner_id is None else owner_id,
        prospect_id=prospect.id,
        pipeline_id=pipeline.id,
        stage=pipeline.first.id,
        source=source,
        product=product,
        expected_close=expected_close,
        # The Deal turns a mapping into Attributes, and names anything else.
        attributes=prospect.attributes if attributes is None else cast("Attributes", attributes),
    )
