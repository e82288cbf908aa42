"""The closed vocabularies of the domain.

Every enum here is a :class:`~enum.StrEnum` whose values are lower-case snake_case
strings, so ``Status.WON == "won"`` and values serialise as themselves.
:class:`LeadSource` and :class:`LossReason` list well-known values only: entity
fields that hold them also accept any other non-empty string, because every CRM has
its own.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "ActivityKind",
    "LeadSource",
    "LossReason",
    "Status",
    "TargetMetric",
    "Temperature",
]


class Status(StrEnum):
    """Whether a deal or lead is still being worked, or how it ended.

    .. versionadded:: 0.1.0
    """

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Temperature(StrEnum):
    """How soon a lead wants to buy: hot = now, warm = in about two months, cold =
    interested but with no timeframe.

    .. versionadded:: 0.1.0
    """

    COLD = "cold"
    WARM = "warm"
    HOT = "hot"


class ActivityKind(StrEnum):
    """What a rep did with a buyer, or what a buyer did (engagement events).

    .. versionadded:: 0.1.0
    """

    # Sales activities, done by a rep.
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    DEMO = "demo"
    PROPOSAL = "proposal"
    TASK = "task"
    NOTE = "note"
    LUNCH = "lunch"
    # Engagement events, done by the buyer.
    PAGE_VIEW = "page_view"
    EMAIL_OPEN = "email_open"
    LINK_CLICK = "link_click"
    FORM_SUBMISSION = "form_submission"
    CONTENT_DOWNLOAD = "content_download"
    DEMO_REQUEST = "demo_request"
    WEBINAR = "webinar"
    CHAT = "chat"
    EVENT = "event"
    UNSUBSCRIBE = "unsubscribe"


class TargetMetric(StrEnum):
    """What a :class:`~salesmodel.Target` measures.

    .. versionadded:: 0.1.0
    """

    REVENUE = "revenue"
    DEALS_WON = "deals_won"
    NEW_CUSTOMERS = "new_customers"
    ACTIVITIES = "activities"
    CALLS = "calls"
    MEETINGS = "meetings"
    LEADS = "leads"
    QUALIFIED_LEADS = "qualified_leads"


class LeadSource(StrEnum):
    """Where a lead came from: the channels of the source material.

    Fields typed ``LeadSource | str`` accept any other non-empty string too.

    .. versionadded:: 0.1.0
    """

    REFERRAL = "referral"
    ADVERTISING = "advertising"
    PURCHASED_LIST = "purchased_list"
    EMAIL = "email"
    CONTENT = "content"
    SOCIAL_MEDIA = "social_media"
    WEBINAR = "webinar"
    LUNCH = "lunch"
    TRADE_SHOW = "trade_show"
    PEER_MEETING = "peer_meeting"
    SPONSORED_EVENT = "sponsored_event"
    NETWORKING = "networking"
    LOCAL_ADVERTISING = "local_advertising"
    WEBSITE = "website"
    LIVE_CHAT = "live_chat"
    CHATBOT = "chatbot"
    COLD_CALL = "cold_call"
    COLD_EMAIL = "cold_email"
    RECYCLED = "recycled"
    OTHER = "other"


class LossReason(StrEnum):
    """Why a deal was lost: the reasons and objections of the source material.

    Fields typed ``LossReason | str`` accept any other non-empty string too.

    .. versionadded:: 0.1.0
    """

    NO_INTENT = "no_intent"
    BOUGHT_FROM_COMPETITOR = "bought_from_competitor"
    COMPETITOR_EARLIER = "competitor_earlier"
    COMPETITOR_COMPARISON = "competitor_comparison"
    DEMO_FAILED = "demo_failed"
    PRICE = "price"
    TIMING = "timing"
    TRUST = "trust"
    NO_NEED = "no_need"
    NO_URGENCY = "no_urgency"
    NO_AUTHORITY = "no_authority"
    NO_BUDGET = "no_budget"
    PRODUCT = "product"
    DELIVERY = "delivery"
    SERVICE = "service"
    UNRESPONSIVE = "unresponsive"
    OTHER = "other"


_REASON_BY_VALUE: Final = {m.value: m for m in LossReason}


def reason_key(reason: object) -> LossReason | str | None:
    """The group of a loss reason: a :class:`LossReason` as it is (a well-known
    value given as text is matched ignoring case and surrounding spaces), any
    other text stripped and lower-cased, so a CRM's "Too expensive" and "too
    expensive " count together; None when no reason was recorded. (``loss_reasons``
    groups by it, and ``privacy.redact`` pseudonymises it, so groups survive.)"""
    if reason is None or type(reason) is LossReason:
        return reason
    text = str(reason).strip().casefold()
    return _REASON_BY_VALUE.get(text, text) or None
