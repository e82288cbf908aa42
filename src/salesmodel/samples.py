"""Sample data: a seeded, deterministic, realistic book of business.

:func:`generate` builds a whole :class:`Book` (reps, targets, leads, prospects,
activities, deals, customers) in memory; :func:`stream_records` yields the same
records one at a time, and :func:`stream_deals` only its deals, so a million deals
stream in flat memory. The docs, the demo and the benchmarks all use it.

The story each book tells, from the source material:

- **Reps** in three teams (Inside Sales for small businesses, Mid-Market,
  Enterprise), each team with a manager, spread over four regions, each with a
  skill of their own; quarterly **targets** per rep (revenue, deals won, calls),
  per team (new customers) and per region (revenue), ramped in the first quarter.
- **Leads** from every :class:`~salesmodel.LeadSource`, with attributes (industry,
  segment, employees, region, country, job role), BANT answers once contacted, a
  purchase timeframe, and engagement **activities** (page views, e-mail opens,
  form submissions, demo requests, webinars...). Leads that end up converting
  differ from the others in source, role, segment, BANT, timeframe and
  engagement, so a scorer finds signal. They move through
  :data:`~salesmodel.LEAD_LIFECYCLE`: some convert (a few after a spell in
  nurture), some are disqualified with a reason, some sit in nurture, some stall.
- Each converted lead becomes a **prospect** and a new-business **deal** that moves
  through :data:`~salesmodel.DEFAULT_PIPELINE` one stage at a time: a narrowing
  funnel whose bottleneck is ``demonstration``, log-normal days in each stage, a
  few deals sent back a step, some stalled past their stage's ``rot_after``,
  losses with :class:`~salesmodel.LossReason` values weighted by stage (no
  intent, need, budget or authority early; a failed demo or the product at the
  demonstration; price and competitors late), a few lost deals reopened.
  Amounts are log-normal by segment.
- A won deal makes a **customer** (sharing the deal's ``prospect_id``; the won
  deal carries its ``customer_id``), who buys again, each deal with its
  ``customer_id``: an add-on while it onboards (a fifth to a third of new
  customers, by segment: onboarding services, training or a few more seats,
  about a month after the first win, so month-1 cohort retention runs at 5 to
  30 %), expansion deals some months, and a renewal after about a year.
  Customers churn (small businesses more often), and a lost renewal ends the
  relationship.

Every record is built by its own validating constructor and moved only by the
pipelines' own moves, so every history is one the pipelines allow. Nothing reads
the clock: the book covers ``[start, as_of)`` with ``as_of = start + months``,
every timestamp falls in it, and what is still open is open as of ``as_of`` (pass
``book.as_of`` to the KPIs that take one).

Determinism: the same arguments give the same records on every machine and every
Python from 3.11 on. The generator keeps its own :class:`random.Random` instances
(no global state), draws only from ``Random.random()``, whose sequence Python
guarantees across versions, and shapes its distributions with plain IEEE-754
arithmetic, never with the platform's ``exp`` or ``log``.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final, Generic, Literal, TypeAlias, TypeVar

import attrs

from .attributes import Attributes
from .entities import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, Target
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .errors import Issue, ValidationError
from .money import Money, is_currency
from .pipeline import DEFAULT_PIPELINE, LEAD_LIFECYCLE

__all__ = [
    "DEFAULT_START",
    "SIZES",
    "Book",
    "SampleRecord",
    "Size",
    "generate",
    "stream_deals",
    "stream_records",
]

#: A named size (``"small"``, ``"medium"``, ``"large"``) or an exact deal count.
Size: TypeAlias = Literal["small", "medium", "large"] | int

#: Any record a book holds.
SampleRecord: TypeAlias = Rep | Target | Lead | Prospect | Activity | Deal | Customer

#: The number of deals of each named size.
SIZES: Final[Mapping[str, int]] = MappingProxyType({"small": 40, "medium": 3_000, "large": 100_000})

#: When a book starts unless told otherwise: 2025-01-01 00:00 UTC.
DEFAULT_START: Final = datetime(2025, 1, 1, tzinfo=UTC)

_DEFAULT_MONTHS: Final = 12
_MAX_MONTHS: Final = 600


# --- the book ---------------------------------------------------------------------


@attrs.frozen(repr=False)
class Book:
    """A sample book of business: every record of one :func:`generate` call.

    Each tuple is in the order the records were made (ids ascending within a
    kind). References hold: every ``owner_id``/``rep_id`` is a rep's id, every
    ``lead_id``, ``prospect_id``, ``deal_id`` and ``customer_id`` names a record of
    this book.

    Attributes:
        seed: The seed it was generated from.
        start: When the book begins; no record is older.
        as_of: When it ends (exclusive): the moment the snapshot is taken.
        reps: Sellers and their team managers.
        targets: Quarterly goals per rep, team and region.
        leads: Every lead, in whatever lifecycle stage it is in as of ``as_of``.
        prospects: The converted leads.
        activities: Engagement events and the reps' calls, e-mails, meetings...
        deals: New-business and repeat deals, open, won or lost.
        customers: Buyers of a won deal, some churned.

    .. versionadded:: 0.1.0
    """

    seed: int
    start: datetime
    as_of: datetime
    reps: tuple[Rep, ...]
    targets: tuple[Target, ...]
    leads: tuple[Lead, ...]
    prospects: tuple[Prospect, ...]
    activities: tuple[Activity, ...]
    deals: tuple[Deal, ...]
    customers: tuple[Customer, ...]

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{len(getattr(self, name))} {name}"
            for name in ("reps", "targets", "leads", "prospects", "activities", "deals")
        )
        return (
            f"<Book seed={self.seed} {self.start.date()}..{self.as_of.date()}: "
            f"{counts}, {len(self.customers)} customers>"
        )


# --- deterministic draws, from Random.random() and IEEE arithmetic only ---------------

_Draw: TypeAlias = Callable[[], float]
T = TypeVar("T")

_LN2: Final = 0.6931471805599453
_INV_LN2: Final = 1.4426950408889634
_SQRT3: Final = 1.7320508075688772
_ldexp: Final = math.ldexp


def _exp(x: float) -> float:
    """``e ** x`` from + and * alone (plus an exact power of two), so every IEEE-754
    machine gives the same bits; ``math.exp`` comes from the platform's C library,
    which may round the last bit differently. Relative error below 1e-9."""
    n = round(x * _INV_LN2)
    r = x - n * _LN2
    p = r * (1 / 40320) + 1 / 5040  # Horner: the Taylor series to r**8
    p = p * r + 1 / 720
    p = p * r + 1 / 120
    p = p * r + 1 / 24
    p = p * r + 1 / 6
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return _ldexp(p, n)


def _lognormal(u: _Draw, median: float, sigma: float) -> float:
    """A log-normal-like draw with the given median: ``median * e**(sigma * z)``
    where *z*, the sum of four uniforms centred and scaled, is normal-like (mean
    0, sd 1, bounded by ±3.46, so no absurd outliers). :func:`_exp` is inlined:
    this is the generator's hottest function."""
    x = sigma * ((u() + u() + u() + u() - 2.0) * _SQRT3)
    n = round(x * _INV_LN2)
    r = x - n * _LN2
    p = r * (1 / 40320) + 1 / 5040
    p = p * r + 1 / 720
    p = p * r + 1 / 120
    p = p * r + 1 / 24
    p = p * r + 1 / 6
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return median * _ldexp(p, n)


def _poisson(u: _Draw, mean: float) -> int:
    """A Poisson draw (Knuth's product of uniforms; fine for small means)."""
    limit, k, p = _exp(-mean), 0, u()
    while p > limit:
        k += 1
        p *= u()
    return k


def _index(u: _Draw, n: int) -> int:
    return int(u() * n)


class _Weighted(Generic[T]):
    """A weighted choice among items, by bisecting cumulative weights."""

    __slots__ = ("_cumulative", "_total", "items")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items: tuple[T, ...] = tuple(item for item, _ in pairs)
        self._cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def __call__(self, u: _Draw) -> T:
        return self.items[bisect.bisect_right(self._cumulative, u() * self._total)]


def _by_class(
    items: Sequence[T], converting: Sequence[float], other: Sequence[float]
) -> tuple[_Weighted[T], _Weighted[T]]:
    """Two choices over *items*: ``[0]`` for leads that will not convert, ``[1]``
    for leads that will."""
    return _Weighted(list(zip(items, other, strict=True))), _Weighted(
        list(zip(items, converting, strict=True))
    )


# --- the vocabulary of the sample world ------------------------------------------------

_FIRST_NAMES: Final = (
    "Ana", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
    "Uma", "Victor", "Wei", "Yara", "Zoe", "Aiko", "Bruno", "Chen", "Dara", "Emeka",
    "Freya", "Gabriel", "Hana", "Ivan", "Julia", "Kai", "Lucia", "Marco", "Nia", "Oscar",
    "Pablo", "Ravi", "Sofia", "Tomas", "Valentina", "Yusuf", "Leila", "Noah",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Silva", "Smith", "Garcia", "Muller", "Rossi", "Tanaka", "Kim", "Nguyen", "Okafor",
    "Novak", "Jensen", "Dubois", "Kowalski", "Haddad", "Patel", "Cohen", "Larsen",
    "Moreau", "Santos", "Ivanova", "Schmidt", "Costa", "Lindqvist", "Mensah", "Ortiz",
    "Park", "Rahman", "Sato", "Weber", "Yilmaz", "Andersen", "Baker", "Fischer",
    "Lopez", "Murphy", "Oliveira", "Reyes", "Suzuki", "Walker", "Zhang",
)  # fmt: skip
_COMPANY_PREFIXES: Final = (
    "Alder", "Atlas", "Beacon", "Bright", "Cedar", "Crest", "Delta", "Evergreen",
    "Falcon", "Granite", "Harbor", "Horizon", "Ironwood", "Juniper", "Keystone", "Lumen",
    "Meridian", "Nimbus", "Northwind", "Orion", "Pinnacle", "Quartz", "Redwood",
    "Sterling", "Summit", "Tidewater", "Union", "Vertex", "Willow", "Zenith",
)  # fmt: skip

_INDUSTRIES: Final = (
    "software", "finance", "healthcare", "manufacturing", "retail", "logistics",
    "education", "professional_services", "public_sector", "hospitality",
)  # fmt: skip
_INDUSTRY: Final = _by_class(
    _INDUSTRIES, (18, 14, 11, 12, 9, 10, 5, 12, 4, 5), (12, 9, 10, 12, 13, 9, 10, 9, 8, 8)
)
_COMPANY_SUFFIXES: Final = (
    ("Software", "Labs", "Systems", "Cloud"),
    ("Capital", "Bank", "Finance", "Insurance"),
    ("Health", "Clinics", "Medical", "Pharma"),
    ("Manufacturing", "Industries", "Metals", "Plastics"),
    ("Retail", "Stores", "Outfitters", "Market"),
    ("Logistics", "Freight", "Shipping", "Transport"),
    ("Academy", "Learning", "College", "Schools"),
    ("Consulting", "Partners", "Advisors", "Legal"),
    ("City Council", "Transit Authority", "Water Board", "Agency"),
    ("Hotels", "Resorts", "Restaurants", "Travel"),
)

#: The sources of the source material, and how often each one yields a lead that
#: converts, or one that does not.
_SOURCE: Final = _by_class(
    [s for s in LeadSource if s is not LeadSource.OTHER],
    # referral adv list email content social webinar lunch trade peer sponsored
    # networking local website live_chat chatbot cold_call cold_email recycled
    (10, 6, 1, 5, 7, 6, 8, 2, 7, 3, 3, 3, 2, 10, 5, 3, 3, 3, 3),
    (3, 8, 6, 6, 7, 7, 4, 1, 5, 1, 3, 2, 3, 8, 3, 4, 7, 8, 2),
)
#: How a source shifts a deal's odds at every stage (1 = neutral).
_SOURCE_FACTOR: Final[Mapping[str, float]] = MappingProxyType(
    {
        LeadSource.REFERRAL: 1.25,
        LeadSource.PEER_MEETING: 1.15,
        LeadSource.WEBINAR: 1.1,
        LeadSource.TRADE_SHOW: 1.05,
        LeadSource.LUNCH: 1.1,
        LeadSource.WEBSITE: 1.05,
        LeadSource.LIVE_CHAT: 1.05,
        LeadSource.PURCHASED_LIST: 0.8,
        LeadSource.COLD_CALL: 0.85,
        LeadSource.COLD_EMAIL: 0.85,
        LeadSource.ADVERTISING: 0.95,
    }
)

_SEGMENTS: Final = ("smb", "mid_market", "enterprise")
_SEGMENT: Final = _by_class((0, 1, 2), (45, 35, 20), (62, 28, 10))
_EMPLOYEES: Final = ((5, 94), (100, 900), (1_000, 19_000))
_TEAMS: Final = ("Inside Sales", "Mid-Market", "Enterprise")
_TEAM_SHARE: Final = (0.45, 0.35, 0.20)

_REGIONS: Final = ("North America", "EMEA", "APAC", "LATAM")
_REGION_WEIGHTS: Final = (45, 30, 15, 10)
_REGION: Final = _Weighted(list(zip(range(4), _REGION_WEIGHTS, strict=True)))
_COUNTRY: Final = (
    _Weighted([("US", 85), ("CA", 15)]),
    _Weighted([("GB", 25), ("DE", 25), ("FR", 18), ("ES", 10), ("NL", 12), ("SE", 10)]),
    _Weighted([("AU", 30), ("JP", 25), ("SG", 20), ("IN", 25)]),
    _Weighted([("BR", 45), ("MX", 30), ("AR", 12), ("CL", 13)]),
)

_ROLES: Final = (
    "c_level", "vp", "director", "manager", "individual_contributor", "student", "consultant",
)  # fmt: skip
_ROLE: Final = _by_class(_ROLES, (12, 15, 25, 28, 15, 1, 4), (6, 7, 14, 25, 30, 10, 8))
_AUTHORITY: Final[Mapping[str, float]] = MappingProxyType(
    {
        "c_level": 0.95,
        "vp": 0.85,
        "director": 0.7,
        "manager": 0.35,
        "individual_contributor": 0.1,
        "student": 0.0,
        "consultant": 0.2,
    }
)
_TIMEFRAME: Final = _by_class(
    (None, 7, 14, 30, 60, 90, 180, 365),
    (30, 14, 14, 15, 14, 9, 3, 1),
    (55, 2, 3, 6, 10, 10, 9, 5),
)
#: "yes", "amount" (a stated budget), "no", or None (not answered).
_BUDGET: Final = _by_class(("yes", "amount", "no", None), (45, 15, 15, 25), (25, 5, 30, 40))
_NEED: Final = _by_class((True, False, None), (70, 10, 20), (40, 25, 35))
_NEEDS: Final = (
    "pipeline visibility", "forecast accuracy", "lead routing", "reporting",
    "mobile access", "integrations", "quote management", "territory planning",
)  # fmt: skip

# Lead lifecycle.
_DISQUALIFY_AT: Final = _Weighted([("suspect", 25), ("contacted", 35), ("mql", 25), ("sql", 15)])
_DISQUALIFY_REASON: Final = _Weighted(
    [
        (LossReason.NO_INTENT, 30),  # only enquiring
        (LossReason.UNRESPONSIVE, 20),
        (LossReason.NO_NEED, 15),
        (LossReason.NO_BUDGET, 10),
        (LossReason.NO_AUTHORITY, 8),
        ("bad_fit", 12),  # every CRM has its own reasons
        ("duplicate", 5),
    ]
)
_FATE: Final = _Weighted([("disqualified", 60), ("nurture", 25), ("stalled", 15)])
_STALL_AT: Final = _Weighted([("suspect", 40), ("contacted", 35), ("mql", 25)])
_LEAD_WALK: Final = ("suspect", "contacted", "mql", "sql")
_LEAD_DAYS: Final = (2.0, 8.0, 10.0)  # median days to reach contacted, mql, sql

# Deal pipeline: the open stages of DEFAULT_PIPELINE, in order.
_STAGES: Final = tuple(s.id for s in DEFAULT_PIPELINE.open_stages)
_WON: Final = DEFAULT_PIPELINE.won_stages[0].id
_LOST: Final = DEFAULT_PIPELINE.lost_stages[0].id
_REOPEN_TO: Final = DEFAULT_PIPELINE.reopen_to[_LOST][0]
#: The chance a deal in each stage moves on (from closing: is won), before the
#: rep's skill and the lead's quality; demonstration is the bottleneck.
_ADVANCE: Final = (0.85, 0.80, 0.88, 0.50, 0.80, 0.72)
#: Median days spent in each stage (mid-market; SMB is faster, enterprise slower).
_STAGE_DAYS: Final = (3.0, 5.0, 7.0, 10.0, 6.0, 9.0)
_SEGMENT_PACE: Final = (0.75, 1.0, 1.5)
_STAGE_SIGMA: Final = 0.7
_BACK_CHANCE: Final = 0.05
_STALL_CHANCE: Final = 0.08
_STALL_FACTOR: Final = 5.0
_LOSS_SLOWER: Final = 1.4
_REOPEN_CHANCE: Final = 0.3
_REOPENABLE: Final = frozenset({LossReason.TIMING, LossReason.NO_URGENCY, LossReason.NO_BUDGET})
_LOSS_REASON: Final = (
    _Weighted(  # prospecting
        [
            (LossReason.NO_INTENT, 30),
            (LossReason.UNRESPONSIVE, 30),
            (LossReason.NO_NEED, 20),
            (LossReason.TIMING, 20),
        ]
    ),
    _Weighted(  # qualification
        [
            (LossReason.NO_BUDGET, 25),
            (LossReason.NO_AUTHORITY, 20),
            (LossReason.NO_NEED, 20),
            (LossReason.TIMING, 20),
            (LossReason.UNRESPONSIVE, 15),
        ]
    ),
    _Weighted(  # research
        [
            (LossReason.COMPETITOR_EARLIER, 35),
            (LossReason.NO_NEED, 25),
            (LossReason.TIMING, 20),
            (LossReason.UNRESPONSIVE, 20),
        ]
    ),
    _Weighted(  # demonstration
        [
            (LossReason.DEMO_FAILED, 30),
            (LossReason.PRODUCT, 25),
            (LossReason.COMPETITOR_COMPARISON, 25),
            (LossReason.NO_URGENCY, 20),
        ]
    ),
    _Weighted(  # objection handling
        [
            (LossReason.PRICE, 35),
            (LossReason.TRUST, 15),
            (LossReason.COMPETITOR_COMPARISON, 20),
            (LossReason.NO_AUTHORITY, 10),
            (LossReason.NO_URGENCY, 20),
        ]
    ),
    _Weighted(  # closing
        [
            (LossReason.PRICE, 30),
            (LossReason.BOUGHT_FROM_COMPETITOR, 25),
            (LossReason.TIMING, 15),
            (LossReason.NO_BUDGET, 15),
            (LossReason.DELIVERY, 8),
            (LossReason.SERVICE, 7),
        ]
    ),
)
_CHURN_LOSS: Final = LossReason.SERVICE
_CLOSED: Final = -1  # a deal's "stage index" while won or lost

_AMOUNT_MEDIAN: Final = (4_000.0, 18_000.0, 75_000.0)
_AMOUNT_SIGMA: Final = 0.55
_AMOUNT_STEP: Final = (50, 100, 500)
_PRODUCTS: Final = (
    _Weighted([("Starter", 60), ("Professional", 40)]),
    _Weighted([("Professional", 55), ("Business", 45)]),
    _Weighted([("Enterprise", 70), ("Enterprise Plus", 30)]),
)
_EXPANSIONS: Final = _Weighted([("Extra seats", 60), ("Analytics add-on", 25), ("Services", 15)])
_ADD_ONS: Final = _Weighted([("Onboarding services", 45), ("Training", 35), ("Extra seats", 20)])

_MONTH_DAYS: Final = 30.4375
_CHURN_HAZARD: Final = (0.035, 0.02, 0.01)  # a month, by segment
_EXPANSION_CHANCE: Final = 0.10  # a month
#: The chance a new customer adds to its first order while it onboards, by
#: segment; the add-on opens about three weeks after the win and closes fast.
_ADD_ON_CHANCE: Final = (0.2, 0.25, 0.3)
_ADD_ON_AFTER: Final = 20.0  # median days from the win
_ADD_ON_PACE: Final = 0.25  # of the segment's pace through the stages
_RENEWAL_AFTER: Final = 335.0  # days after the first win, for an annual contract
#: For a renewal or an add-on, the chance of losing at each stage is divided by this.
_SURE_STRENGTH: Final = 8.0

_DEAL_TYPE_NEW: Final = "new_business"
_DEAL_TYPE_EXPANSION: Final = "expansion"
_DEAL_TYPE_RENEWAL: Final = "renewal"
_DEAL_TYPE_ADD_ON: Final = "add_on"
_DEAL_TYPES: Final = (_DEAL_TYPE_NEW, _DEAL_TYPE_ADD_ON, _DEAL_TYPE_EXPANSION, _DEAL_TYPE_RENEWAL)

# Activities.
_ENGAGEMENT_MEAN: Final = (1.6, 3.6)
_ENGAGEMENT: Final = _by_class(
    (
        ActivityKind.PAGE_VIEW,
        ActivityKind.EMAIL_OPEN,
        ActivityKind.LINK_CLICK,
        ActivityKind.FORM_SUBMISSION,
        ActivityKind.CONTENT_DOWNLOAD,
        ActivityKind.DEMO_REQUEST,
        ActivityKind.WEBINAR,
        ActivityKind.CHAT,
        ActivityKind.EVENT,
        ActivityKind.UNSUBSCRIBE,
    ),
    (30, 20, 10, 10, 8, 8, 7, 4, 3, 0),
    (35, 30, 8, 5, 7, 1, 3, 3, 2, 6),
)
_STAGE_ACTIVITIES: Final = (
    (ActivityKind.CALL,),
    (ActivityKind.CALL, ActivityKind.EMAIL),
    (ActivityKind.EMAIL, ActivityKind.MEETING),
    (ActivityKind.DEMO,),
    (ActivityKind.CALL, ActivityKind.EMAIL),
    (ActivityKind.PROPOSAL, ActivityKind.CALL),
)
_EXTRA_CALLS: Final = 0.5
_CHECK_IN_CHANCE: Final = 0.2  # a month, for an active customer

# Targets, calibrated on generated books so attainment centres near 90-100 %.
_WON_PER_DEAL: Final = 0.19
_NEW_SHARE_OF_WON: Final = 0.85
_WON_AMOUNT: Final = (4_400.0, 20_000.0, 85_000.0)
_CALLS_PER_DEAL: Final = 7.7  # on its lead, on it, on its customer
_WIN_DELAY: Final = 75.0  # days from a lead's arrival to a typical win
_CALL_DELAY: Final = 25.0
_ARRIVAL_GROWTH: Final = 0.5  # the arrival rate at the end is 1.5 times the start's

_LEAD_SHARE_CONVERTING: Final = 0.3


# --- the organisation ----------------------------------------------------------------


@attrs.frozen
class _Seller:
    rep: Rep
    team: int
    region: int
    skill: float
    quota_stretch: float


@attrs.frozen
class _Org:
    managers: tuple[Rep, ...]
    sellers: tuple[_Seller, ...]
    #: (segment, region) → the sellers a lead is routed to.
    routes: Mapping[tuple[int, int], tuple[_Seller, ...]]


def _organisation(seed: int, deals: int, months: int) -> _Org:
    rng = random.Random(f"salesmodel.samples/{seed}/org")  # noqa: S311 - samples, not secrets
    u = rng.random
    per_year = deals * 12 / months
    count = min(500, max(4, round(per_year / 120)))
    # Seats per team by its share, largest remainder, at least one each.
    raw = [count * share for share in _TEAM_SHARE]
    seats = [max(1, int(x)) for x in raw]
    order = sorted(range(3), key=lambda t: int(raw[t]) - raw[t])
    i = 0
    while sum(seats) < count:
        seats[order[i % 3]] += 1
        i += 1
    names: set[tuple[int, int]] = set()

    def name() -> str:
        while True:
            pair = (_index(u, len(_FIRST_NAMES)), _index(u, len(_LAST_NAMES)))
            if pair not in names:
                names.add(pair)
                return f"{_FIRST_NAMES[pair[0]]} {_LAST_NAMES[pair[1]]}"

    managers = tuple(
        Rep(id=f"M-{t + 1}", name=name(), team=_TEAMS[t], region=None) for t in range(3)
    )
    sellers = []
    number = 0
    for team in range(3):
        for j in range(seats[team]):
            number += 1
            region = j % len(_REGIONS)
            rep = Rep(
                id=f"R-{number:03d}",
                name=name(),
                team=_TEAMS[team],
                manager_id=managers[team].id,
                region=_REGIONS[region],
            )
            skill = 0.8 + 0.4 * u()
            stretch = 0.95 + 0.25 * u()
            sellers.append(_Seller(rep, team, region, skill, stretch))
    routes: dict[tuple[int, int], tuple[_Seller, ...]] = {}
    for team in range(3):
        in_team = tuple(s for s in sellers if s.team == team)
        for region in range(len(_REGIONS)):
            local = tuple(s for s in in_team if s.region == region)
            routes[team, region] = local or in_team
    return _Org(managers, tuple(sellers), MappingProxyType(routes))


# --- time ---------------------------------------------------------------------------------


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _quarters(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    first = start.replace(month=3 * ((start.month - 1) // 3) + 1, day=1)
    quarter = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while quarter < end:
        following = _add_months(quarter, 3)
        yield quarter, following
        quarter = following


def _arrival_share(x: float) -> float:
    """The share of leads that arrived by fraction *x* of the book's span."""
    x = min(1.0, max(0.0, x))
    g = _ARRIVAL_GROWTH
    return (x + g * x * x / 2) / (1 + g / 2)


def _window_share(a: float, b: float, span: float, delay: float) -> float:
    """The share of the book's events that fall between days *a* and *b*, for
    events that follow a lead's arrival by *delay* days."""
    total = _arrival_share((span - delay) / span)
    if total <= 0.0:
        return max(0.0, min(b, span) - max(a, 0.0)) / span
    return (_arrival_share((b - delay) / span) - _arrival_share((a - delay) / span)) / total


# --- targets ---------------------------------------------------------------------------------


def _targets(
    org: _Org, deals: int, start: datetime, as_of: datetime, currencies: Sequence[str]
) -> Iterator[Target]:
    span = (as_of - start) / timedelta(days=1)
    # The share of each seller's team's new deals that reaches the seller.
    load: dict[str, float] = {}
    for seller in org.sellers:
        share = 0.0
        for region, weight in enumerate(_REGION_WEIGHTS):
            routed = org.routes[seller.team, region]
            if seller in routed:
                share += weight / sum(_REGION_WEIGHTS) / len(routed)
        load[seller.rep.id] = share * _TEAM_SHARE[seller.team]
    number = 0

    def next_id() -> str:
        nonlocal number
        number += 1
        return f"T-{number:04d}"

    for q_start, q_end in _quarters(start, as_of):
        a = (q_start - start) / timedelta(days=1)
        b = (q_end - start) / timedelta(days=1)
        won_share = _window_share(a, b, span, _WIN_DELAY)
        call_share = _window_share(a, b, span, _CALL_DELAY)
        team_won = [0.0, 0.0, 0.0]
        region_revenue = [0, 0, 0, 0]
        for seller in org.sellers:
            rep = seller.rep
            expected = deals * load[rep.id] * seller.quota_stretch
            won = expected * _WON_PER_DEAL * won_share
            revenue = 1_000 * max(1, round(won * _WON_AMOUNT[seller.team] / 1_000))
            calls = max(5, 5 * round(expected * _CALLS_PER_DEAL * call_share / 5))
            currency = currencies[seller.region % len(currencies)]
            team_won[seller.team] += won
            region_revenue[seller.region] += revenue
            goals: tuple[tuple[TargetMetric, Money | int], ...] = (
                (TargetMetric.REVENUE, Money(revenue, currency)),
                (TargetMetric.DEALS_WON, max(1, round(won))),
                (TargetMetric.CALLS, calls),
            )
            for metric, goal in goals:
                yield Target(
                    id=next_id(),
                    metric=metric,
                    goal=goal,
                    start=q_start,
                    end=q_end,
                    rep_id=rep.id,
                    team=rep.team,
                )
        for team, won in enumerate(team_won):
            yield Target(
                id=next_id(),
                metric=TargetMetric.NEW_CUSTOMERS,
                goal=max(1, round(won * _NEW_SHARE_OF_WON)),
                start=q_start,
                end=q_end,
                team=_TEAMS[team],
            )
        for region, revenue in enumerate(region_revenue):
            if revenue:
                yield Target(
                    id=next_id(),
                    metric=TargetMetric.REVENUE,
                    goal=Money(revenue, currencies[region % len(currencies)]),
                    start=q_start,
                    end=q_end,
                    region=_REGIONS[region],
                )


# --- the generator ---------------------------------------------------------------------------


#: An activity to be: (days, kind, rep_id, lead_id, deal_id, customer_id).
_Touch: TypeAlias = tuple[float, ActivityKind, str | None, str | None, str | None, str | None]


@attrs.define
class _DealRun:
    """A deal and what its activities need: its stage visits ``(stage index,
    entered)`` in days (``_CLOSED`` while won or lost), when it closed (as_of
    while open), and when it was won."""

    deal: Deal
    visits: list[tuple[int, float]]
    ended: float
    won_at: float | None


class _Generator:
    """One book's generation: the organisation, the clock, the id counters."""

    def __init__(
        self, seed: int, deals: int, start: datetime, months: int, currencies: Sequence[str]
    ) -> None:
        self.seed = seed
        self.deals = deals
        self.start = start
        self.as_of = _add_months(start, months)
        self.horizon = (self.as_of - start) / timedelta(days=1)
        self.currencies = tuple(currencies)
        self.org = _organisation(seed, deals, months)
        self.deal_number = 0
        self.activity_number = 0
        self.attributes = {
            (kind, segment, region): Attributes(
                {"type": kind, "segment": _SEGMENTS[segment], "region": _REGIONS[region]}
            )
            for kind in (
                _DEAL_TYPE_NEW,
                _DEAL_TYPE_ADD_ON,
                _DEAL_TYPE_EXPANSION,
                _DEAL_TYPE_RENEWAL,
            )
            for segment in range(3)
            for region in range(len(_REGIONS))
        }

    def at(self, days: float) -> datetime:
        """The moment *days* after the start, to the minute."""
        return self.start + timedelta(0, int(days * 1440.0) * 60)

    def arrival(self, u: _Draw) -> float:
        """When a lead arrives, in days: arrivals grow steadily over the span."""
        g = _ARRIVAL_GROWTH
        return self.horizon * (math.sqrt(1.0 + g * (2.0 + g) * u()) - 1.0) / g

    # --- the stream -------------------------------------------------------------------

    def records(self, *, full: bool) -> Iterator[SampleRecord]:
        """Every record (*full*) or only the deals, until ``self.deals`` deals."""
        if full:
            yield from self.org.managers
            yield from (s.rep for s in self.org.sellers)
            yield from _targets(self.org, self.deals, self.start, self.as_of, self.currencies)
        master = random.Random(f"salesmodel.samples/{self.seed}/accounts")  # noqa: S311
        u = master.random
        made = 0
        for k in itertools.count(1):  # pragma: no branch - endless: left by the return below
            if made >= self.deals:
                return
            converts = u() < _LEAD_SHARE_CONVERTING
            sub_seed = int(u() * 9007199254740992.0)  # 2**53: every bit of the draw
            if not (converts or full):
                continue
            for record in self.account(k, converts, sub_seed, self.deals - made, full=full):
                if type(record) is Deal:
                    made += 1
                yield record

    def account(
        self, k: int, converts: bool, sub_seed: int, limit: int, *, full: bool
    ) -> list[SampleRecord]:
        """The records of account *k*: its lead, prospect, deals (at most
        *limit*), customer and activities. Without *full*, only its deals; the
        deals are the same either way, since every draw they need comes first."""
        rng = random.Random(sub_seed)  # noqa: S311
        u = rng.random
        c = int(converts)
        # Who the lead is.
        created = self.arrival(u)
        source = _SOURCE[c](u)
        industry = _INDUSTRY[c](u)
        segment = _SEGMENT[c](u)
        region = _REGION(u)
        country = _COUNTRY[region](u)
        role = _ROLE[c](u)
        first = _FIRST_NAMES[_index(u, len(_FIRST_NAMES))]
        last = _LAST_NAMES[_index(u, len(_LAST_NAMES))]
        industry_index = _INDUSTRIES.index(industry)
        company = (
            f"{_COMPANY_PREFIXES[_index(u, len(_COMPANY_PREFIXES))]} "
            f"{_COMPANY_SUFFIXES[industry_index][_index(u, 4)]}"
        )
        low, high = _EMPLOYEES[segment]
        v = u()
        employees = low + int((high - low) * v * v * v)
        timeframe = _TIMEFRAME[c](u)
        budget_answer = _BUDGET[c](u)
        budget_share = u()
        authority_asked, authority_yes = u(), u()
        need = _NEED[c](u)
        routed = self.org.routes[segment, region]
        seller = routed[_index(u, len(routed))]
        owner = seller.rep.id
        authority = None if authority_asked < 0.12 else authority_yes < _AUTHORITY[role]
        currency = self.currencies[region % len(self.currencies)]
        quality = _SOURCE_FACTOR.get(source, 1.0)
        if budget_answer in ("yes", "amount"):
            quality *= 1.1
        elif budget_answer == "no":
            quality *= 0.85
        if authority:
            quality *= 1.1
        strength = min(1.35, max(0.7, quality * seller.skill))

        # Its way through the lead lifecycle, cut at as_of.
        steps = self.lead_steps(u, created, converts)
        converted_at = steps[-1][0] if steps and steps[-1][1] == "converted" else None

        # Its deals.
        runs: list[_DealRun] = []
        won_at: float | None = None
        churned: float | None = None
        customer_id = f"C-{k:06d}"
        if converted_at is not None and limit > 0:
            pace = _SEGMENT_PACE[segment]
            amount = self.amount(u, segment, 1.0)
            product = _PRODUCTS[segment](u)
            run = self.deal(
                u,
                t0=converted_at,
                deadline=self.horizon,
                churn=False,
                owner=owner,
                name=f"{company} - {product}",
                amount=Money(amount, currency),
                product=product,
                source=source,
                prospect_id=f"P-{k:06d}",
                customer_id=None,
                attributes=self.attributes[_DEAL_TYPE_NEW, segment, region],
                strength=strength,
                pace=pace,
            )
            won_at = run.won_at
            if won_at is not None:
                # The buyer of a won first deal is the customer: that purchase opens
                # its cohort (retention and the customer summary count from it).
                run.deal = attrs.evolve(run.deal, customer_id=customer_id)
            runs.append(run)
            if won_at is not None:
                churned, repeats = self.after_sale(
                    u,
                    won_at,
                    limit - 1,
                    owner=owner,
                    company=company,
                    currency=currency,
                    segment=segment,
                    region=region,
                    first_amount=amount,
                    prospect_id=f"P-{k:06d}",
                    customer_id=customer_id,
                    strength=strength,
                )
                runs.extend(repeats)
        if not full:
            return [run.deal for run in runs]

        # Everything else: drawn after the deals, so the deals never depend on it.
        lead_id = f"L-{k:06d}"
        attributes = Attributes(
            {
                "industry": industry,
                "segment": _SEGMENTS[segment],
                "employees": employees,
                "region": _REGIONS[region],
                "country": country,
                "job_role": role,
            }
        )
        contacted = bool(steps)
        bant = Bant()
        if contacted:
            budget: bool | Money | None = None
            if budget_answer == "yes":
                budget = True
            elif budget_answer == "no":
                budget = False
            elif budget_answer == "amount":
                stated = round(_AMOUNT_MEDIAN[segment] * (0.5 + budget_share), -3)
                budget = Money(max(1_000, int(stated)), currency)
            bant = Bant(budget=budget, authority=authority, need=need, timescale_days=timeframe)
        slug = company.lower().replace(" ", "-")
        lead = Lead(
            id=lead_id,
            name=f"{first} {last}",
            created_at=self.at(created),
            source=source,
            company=company,
            email=f"{first.lower()}.{last.lower()}@{slug}.example",
            owner_id=owner,
            purchase_timeframe_days=timeframe,
            bant=bant,
            attributes=attributes,
        )
        for days, stage, reason in steps:
            # "disqualified" is the lifecycle's lost stage; its step carries the reason.
            lead = LEAD_LIFECYCLE.move(lead, stage, at=self.at(days), by=owner, reason=reason)
        records: list[SampleRecord] = [lead]
        touches: list[_Touch] = []
        # Engagement: what the buyer did, until it converted or was closed.
        end = steps[-1][0] if lead.status is not Status.OPEN else self.horizon
        for _ in range(_poisson(u, _ENGAGEMENT_MEAN[c])):
            kind = _ENGAGEMENT[c](u)
            touches.append((created + (end - created) * u(), kind, None, lead_id, None, None))
        # The rep's touches along the lifecycle.
        for days, stage, _reason in steps:
            if stage == "contacted":
                kind = ActivityKind.EMAIL if u() < 0.4 else ActivityKind.CALL
            elif stage in ("mql", "sql"):
                kind = ActivityKind.MEETING if stage == "sql" and u() < 0.35 else ActivityKind.CALL
            else:
                continue
            touches.append((days, kind, owner, lead_id, None, None))
        if converted_at is not None:
            needs = tuple(dict.fromkeys(_NEEDS[_index(u, len(_NEEDS))] for _ in range(3)))
            records.append(
                Prospect(
                    id=f"P-{k:06d}",
                    name=lead.name,
                    owner_id=owner,
                    qualified_at=self.at(converted_at),
                    lead_id=lead_id,
                    company=company,
                    bant=bant,
                    temperature=_temperature(timeframe),
                    needs=needs[: 1 + _index(u, 3)],
                    attributes=attributes,
                )
            )
        for run in runs:
            records.append(run.deal)
            touches.extend(self.deal_touches(u, run, owner, segment))
        if won_at is not None:
            records.append(
                Customer(
                    id=customer_id,
                    name=company,
                    acquired_at=self.at(won_at),
                    churned_at=None if churned is None else self.at(churned),
                    prospect_id=f"P-{k:06d}",
                    attributes=attributes,
                )
            )
            month = won_at + _MONTH_DAYS * u()
            stop = self.horizon if churned is None else churned
            while month < stop:
                if u() < _CHECK_IN_CHANCE:
                    kind = ActivityKind.MEETING if u() < 0.4 else ActivityKind.CALL
                    touches.append((month, kind, owner, None, None, customer_id))
                month += _MONTH_DAYS
        touches.sort(key=_when)
        for days, kind, rep_id, touch_lead, deal_id, touch_customer in touches:
            self.activity_number += 1
            records.append(
                Activity(
                    id=f"A-{self.activity_number:07d}",
                    kind=kind,
                    at=self.at(days),
                    rep_id=rep_id,
                    lead_id=touch_lead,
                    deal_id=deal_id,
                    customer_id=touch_customer,
                )
            )
        return records

    # --- leads ------------------------------------------------------------------------

    def lead_steps(
        self, u: _Draw, created: float, converts: bool
    ) -> list[tuple[float, str, str | None]]:
        """The lead's moves as ``(days, stage, reason)``, those before as_of."""
        t = created
        steps: list[tuple[float, str, str | None]] = []

        def step(days: float, stage: str, reason: str | None = None) -> None:
            nonlocal t
            t += days
            steps.append((t, stage, reason))

        if converts:
            step(_lognormal(u, 1.5, 0.8), "contacted")
            if u() < 0.12:  # bought elsewhere, worked again later
                step(_lognormal(u, 6.0, 0.7), "nurture", LossReason.BOUGHT_FROM_COMPETITOR)
                step(_lognormal(u, 45.0, 0.5), "mql")
            else:
                step(_lognormal(u, 6.0, 0.7), "mql")
            step(_lognormal(u, 8.0, 0.7), "sql")
            if u() < 0.06:  # not ready after all, then ready
                step(_lognormal(u, 5.0, 0.7), "mql")
                step(_lognormal(u, 6.0, 0.7), "sql")
            step(_lognormal(u, 4.0, 0.6), "converted")
        else:
            fate = _FATE(u)
            if fate == "nurture":
                step(_lognormal(u, _LEAD_DAYS[0], 0.8), "contacted")
                if u() < 0.5:
                    step(_lognormal(u, _LEAD_DAYS[1], 0.7), "mql")
                step(_lognormal(u, 10.0, 0.8), "nurture", LossReason.BOUGHT_FROM_COMPETITOR)
            else:
                goal = _DISQUALIFY_AT(u) if fate == "disqualified" else _STALL_AT(u)
                for i in range(_LEAD_WALK.index(goal)):
                    step(_lognormal(u, _LEAD_DAYS[i], 0.8), _LEAD_WALK[i + 1])
                if fate == "disqualified":
                    step(_lognormal(u, 7.0, 0.9), "disqualified", _DISQUALIFY_REASON(u))
        kept = 0
        while kept < len(steps) and steps[kept][0] < self.horizon:
            kept += 1
        return steps[:kept]

    # --- deals ------------------------------------------------------------------------

    def amount(self, u: _Draw, segment: int, scale: float) -> int:
        step = _AMOUNT_STEP[segment]
        value = _lognormal(u, _AMOUNT_MEDIAN[segment] * scale, _AMOUNT_SIGMA)
        return max(step, step * round(value / step))

    def deal(
        self,
        u: _Draw,
        *,
        t0: float,
        deadline: float,
        churn: bool,
        owner: str,
        name: str,
        amount: Money,
        product: str,
        source: LeadSource | str | None,
        prospect_id: str,
        customer_id: str | None,
        attributes: Attributes,
        strength: float,
        pace: float,
    ) -> _DealRun:
        """A deal opened at *t0* and moved through the pipeline until it closes or
        *deadline* comes (as_of; or, with *churn*, the customer's churn, which
        loses it)."""
        self.deal_number += 1
        planned = sum(_STAGE_DAYS) * pace * (0.7 + 0.6 * u())
        stall = _index(u, len(_STAGES)) if u() < _STALL_CHANCE else -1
        deal = Deal(
            id=f"D-{self.deal_number:06d}",
            name=name,
            amount=amount,
            created_at=self.at(t0),
            owner_id=owner,
            prospect_id=prospect_id,
            customer_id=customer_id,
            source=source,
            product=product,
            expected_close=self.at(t0 + planned).date(),
            attributes=attributes,
        )
        move, at = DEFAULT_PIPELINE.move, self.at
        i, t = 0, t0
        visits = [(0, t0)]
        backed = reopened = False
        won_at: float | None = None
        while True:
            days = _lognormal(u, _STAGE_DAYS[i] * pace, _STAGE_SIGMA)
            if i == stall:
                days *= _STALL_FACTOR
            if not backed and i >= 2 and u() < _BACK_CHANCE:  # a step back, then on
                backed = True
                t += days * 0.6
                if t >= deadline:
                    break
                deal = move(deal, _STAGES[i - 1], at=at(t), by=owner)
                visits.append((i - 1, t))
                t += _lognormal(u, _STAGE_DAYS[i - 1] * pace * 0.5, _STAGE_SIGMA)
                if t >= deadline:
                    break
                deal = move(deal, _STAGES[i], at=at(t), by=owner)
                visits.append((i, t))
                continue
            if u() < 1.0 - (1.0 - _ADVANCE[i]) / strength:  # losing is rarer if strong
                t += days
                if t >= deadline:
                    break
                if i == len(_STAGES) - 1:
                    deal = move(deal, _WON, at=at(t), by=owner)
                    visits.append((_CLOSED, t))
                    won_at = t
                    break
                i += 1
                deal = move(deal, _STAGES[i], at=at(t), by=owner)
                visits.append((i, t))
                continue
            t += days * _LOSS_SLOWER
            reason = _LOSS_REASON[i](u)
            if t >= deadline:
                break
            deal = move(deal, _LOST, at=at(t), by=owner, reason=reason)
            visits.append((_CLOSED, t))
            if reopened or reason not in _REOPENABLE or u() >= _REOPEN_CHANCE:
                break
            t += _lognormal(u, 40.0, 0.4)
            if t >= deadline:
                break
            deal = move(deal, _REOPEN_TO, at=at(t), by=owner, reason="recycled")
            reopened = True
            i = _STAGES.index(_REOPEN_TO)
            visits.append((i, t))
        if churn and deal.status is Status.OPEN and deadline < self.horizon:
            deal = move(deal, _LOST, at=at(deadline), by=owner, reason=_CHURN_LOSS)
            visits.append((_CLOSED, deadline))
        ended = visits[-1][1] if deal.status is not Status.OPEN else self.horizon
        return _DealRun(deal, visits, ended, won_at)

    def after_sale(
        self,
        u: _Draw,
        won_at: float,
        limit: int,
        *,
        owner: str,
        company: str,
        currency: str,
        segment: int,
        region: int,
        first_amount: int,
        prospect_id: str,
        customer_id: str,
        strength: float,
    ) -> tuple[float | None, list[_DealRun]]:
        """A new customer's life: when it churns (None if not before as_of), and
        its repeat deals (at most *limit*)."""
        churned: float | None = None
        month = won_at
        while month < self.horizon:
            if u() < _CHURN_HAZARD[segment]:
                churned = month + _MONTH_DAYS * u()
                break
            month += _MONTH_DAYS
        if churned is not None and churned >= self.horizon:
            churned = None
        # When it buys again: an add-on while it onboards (some), an expansion
        # some months, a renewal after a year.
        openings: list[tuple[float, str]] = []
        if u() < _ADD_ON_CHANCE[segment]:
            openings.append((won_at + _lognormal(u, _ADD_ON_AFTER, 0.25), _DEAL_TYPE_ADD_ON))
        month = won_at + _MONTH_DAYS
        while month < self.horizon:
            if u() < _EXPANSION_CHANCE:
                openings.append((month + _MONTH_DAYS * u(), _DEAL_TYPE_EXPANSION))
            month += _MONTH_DAYS
        openings.append((won_at + _RENEWAL_AFTER, _DEAL_TYPE_RENEWAL))
        openings.sort()
        runs: list[_DealRun] = []
        # A customer is an easier sale: the chance of losing at each stage is
        # halved for an expansion, and most renewals and add-ons go through.
        loyal = min(2.5, strength * 2.0)
        for opened, kind in openings:
            stop = self.horizon if churned is None else churned
            if opened >= stop or len(runs) >= limit:
                continue
            pace = _SEGMENT_PACE[segment] * 0.6
            if kind == _DEAL_TYPE_RENEWAL:
                amount, product = round(first_amount * (0.9 + 0.2 * u())), "Renewal"
            elif kind == _DEAL_TYPE_ADD_ON:
                amount, product = self.amount(u, segment, 0.15), _ADD_ONS(u)
                pace = _SEGMENT_PACE[segment] * _ADD_ON_PACE
            else:
                amount, product = self.amount(u, segment, 0.35), _EXPANSIONS(u)
            run = self.deal(
                u,
                t0=opened,
                deadline=stop,
                churn=churned is not None,
                owner=owner,
                name=f"{company} - {product}",
                amount=Money(amount, currency),
                product=product,
                source=None,
                prospect_id=prospect_id,
                customer_id=customer_id,
                attributes=self.attributes[kind, segment, region],
                strength=loyal if kind == _DEAL_TYPE_EXPANSION else _SURE_STRENGTH,
                pace=pace,
            )
            runs.append(run)
            if kind == _DEAL_TYPE_RENEWAL and run.deal.status is Status.LOST:
                lost_at = run.ended
                if churned is None or lost_at < churned:
                    churned = lost_at
        return churned, runs

    def deal_touches(self, u: _Draw, run: _DealRun, owner: str, segment: int) -> list[_Touch]:
        """The rep's calls, e-mails, meetings, demos and proposals on a deal."""
        touches: list[_Touch] = []
        deal_id = run.deal.id
        bounds = [*(t for _, t in run.visits[1:]), run.ended]
        for (stage, entered), left in zip(run.visits, bounds, strict=True):
            if stage == _CLOSED:
                continue
            for kind in _STAGE_ACTIVITIES[stage]:
                touches.append((entered + (left - entered) * u(), kind, owner, None, deal_id, None))
        first, last = run.visits[0][1], run.ended
        for _ in range(_poisson(u, _EXTRA_CALLS)):
            touches.append(
                (first + (last - first) * u(), ActivityKind.CALL, owner, None, deal_id, None)
            )
        if segment == 2 and u() < 0.15:
            touches.append(
                (first + (last - first) * u(), ActivityKind.LUNCH, owner, None, deal_id, None)
            )
        return touches


def _when(touch: _Touch) -> float:
    return touch[0]


def _temperature(timeframe: int | None) -> Temperature:
    """The source's rule: hot within about two weeks, warm within about three
    months, cold otherwise."""
    if timeframe is None or timeframe > 90:
        return Temperature.COLD
    return Temperature.HOT if timeframe <= 14 else Temperature.WARM


# --- the public face ------------------------------------------------------------------------


def _check(
    seed: object, size: object, start: object, months: object, currencies: object
) -> tuple[int, int, datetime, int, tuple[str, ...]]:
    """The arguments, checked; raises ValidationError naming every bad one."""
    issues = []
    if type(seed) is not int:
        issues.append(Issue("seed", seed, "an int"))
    deals = -1
    if type(size) is int and size >= 0:
        deals = size
    elif type(size) is str and size in SIZES:
        deals = SIZES[size]
    else:
        names = ", ".join(repr(name) for name in SIZES)
        issues.append(Issue("size", size, f"one of {names}, or a deal count (an int >= 0)"))
    if type(start) is not datetime or start.utcoffset() is None:
        issues.append(Issue("start", start, "a timezone-aware datetime"))
    if type(months) is not int or not 1 <= months <= _MAX_MONTHS:
        issues.append(Issue("months", months, f"an int from 1 to {_MAX_MONTHS}"))
    codes: tuple[str, ...] = ()
    if isinstance(currencies, (list, tuple)) and currencies:
        codes = tuple(currencies)
        bad = [c for c in codes if not is_currency(c)]
        if bad or len(set(codes)) != len(codes):
            issues.append(Issue("currencies", currencies, "distinct three-letter upper-case codes"))
    else:
        issues.append(
            Issue("currencies", currencies, "a non-empty tuple of currency codes such as 'USD'")
        )
    if issues:
        raise ValidationError(issues, "sample book")
    return seed, deals, start, months, codes  # type: ignore[return-value]


def stream_records(
    *,
    seed: int = 0,
    size: Size = "small",
    start: datetime = DEFAULT_START,
    months: int = _DEFAULT_MONTHS,
    currencies: Sequence[str] = ("USD",),
) -> Iterator[SampleRecord]:
    """Every record of the book :func:`generate` would build, one at a time.

    First the reps (managers, then sellers), then the targets, then account by
    account: a lead, its prospect, its deals, its customer and their activities.
    Memory stays flat whatever the size (what is held is the organisation and one
    account). Arguments as for :func:`generate`.

    Raises:
        ValidationError: for a bad argument, naming it.

    .. versionadded:: 0.1.0
    """
    checked = _check(seed, size, start, months, currencies)
    return _Generator(*checked).records(full=True)


def stream_deals(
    n: Size,
    *,
    seed: int = 0,
    start: datetime = DEFAULT_START,
    months: int = _DEFAULT_MONTHS,
    currencies: Sequence[str] = ("USD",),
) -> Iterator[Deal]:
    """Exactly *n* deals, one at a time, in flat memory: the deals of
    ``generate(seed=seed, size=n, ...)`` in the same order, without building the
    rest of the book.

    >>> from salesmodel.samples import stream_deals
    >>> sum(1 for _ in stream_deals(1_000, seed=1))
    1000

    Args:
        n: A deal count, or a named size (``"small"``, ``"medium"``, ``"large"``).
        seed, start, months, currencies: As for :func:`generate`.

    Raises:
        ValidationError: for a bad argument, naming it.

    .. versionadded:: 0.1.0
    """
    checked = _check(seed, n, start, months, currencies)
    return _deals_only(_Generator(*checked))


def _deals_only(generator: _Generator) -> Iterator[Deal]:
    yield from generator.records(full=False)  # type: ignore[misc]


def generate(
    *,
    seed: int = 0,
    size: Size = "small",
    start: datetime = DEFAULT_START,
    months: int = _DEFAULT_MONTHS,
    currencies: Sequence[str] = ("USD",),
) -> Book:
    """A realistic sample book of business, the same for the same arguments.

    >>> from salesmodel.samples import generate
    >>> book = generate(seed=7, size="small")
    >>> len(book.deals), book.as_of.isoformat()
    (40, '2026-01-01T00:00:00+00:00')

    Args:
        seed: Any int; each seed gives another book.
        size: How many deals: ``"small"`` (40: for docs and demos, built in
            milliseconds), ``"medium"`` (3 000), ``"large"`` (100 000), or an exact
            count. Leads (about three per deal), activities and customers follow.
        start: When the book begins (timezone-aware); :data:`DEFAULT_START`,
            2025-01-01 00:00 UTC, unless given.
        months: How many months it spans; ``as_of`` is *start* plus that.
        currencies: The currencies deals are in. One by default; with several,
            each region trades in one of them (North America in the first, EMEA in
            the second, and so on, round the list). Amounts are not converted:
            the same figures in every currency.

    Returns:
        The :class:`Book`.

    Raises:
        ValidationError: for a bad argument, naming it.

    .. versionadded:: 0.1.0
    """
    checked = _check(seed, size, start, months, currencies)
    generator = _Generator(*checked)
    kinds: dict[type, list[SampleRecord]] = {
        cls: [] for cls in (Rep, Target, Lead, Prospect, Activity, Deal, Customer)
    }
    for record in generator.records(full=True):
        kinds[type(record)].append(record)
    return Book(
        seed=checked[0],
        start=generator.start,
        as_of=generator.as_of,
        reps=tuple(kinds[Rep]),  # type: ignore[arg-type]
        targets=tuple(kinds[Target]),  # type: ignore[arg-type]
        leads=tuple(kinds[Lead]),  # type: ignore[arg-type]
        prospects=tuple(kinds[Prospect]),  # type: ignore[arg-type]
        activities=tuple(kinds[Activity]),  # type: ignore[arg-type]
        deals=tuple(kinds[Deal]),  # type: ignore[arg-type]
        customers=tuple(kinds[Customer]),  # type: ignore[arg-type]
    )
