"""salesmodel: a typed, immutable domain model of sales management.

Entities (leads, prospects, deals, reps, targets, customers, activities), exact
Money, lossless serialisation, and (in their own modules) the stage engine, lead
scoring and KPIs. Pure Python, no I/O (naming a time zone reads the system zone
database, nothing else).
"""

from importlib.metadata import PackageNotFoundError, version

from .attributes import Attributes, AttributeValue
from .entities import Activity, Bant, Customer, Deal, Lead, Prospect, Rep, StageChange, Target
from .enums import ActivityKind, LeadSource, LossReason, Status, TargetMetric, Temperature
from .errors import (
    CurrencyMismatchError,
    Issue,
    PipelineDefinitionError,
    SalesModelError,
    TransitionError,
    ValidationError,
)
from .history import StageVisit, stage_visits, time_in_stages
from .money import Money, RateTable, minor_unit, register_currency
from .pipeline import (
    DEFAULT_PIPELINE,
    LEAD_LIFECYCLE,
    Guard,
    Pipeline,
    Stage,
    StageEntity,
    Transition,
)
from .qualification import open_deal, qualify
from .routing import Routing, RoutingDecision, RoutingPolicy, Territory, assign
from .scoring import (
    DEFAULT_SCORER,
    BantRule,
    Contribution,
    Decay,
    EngagementRule,
    FitRule,
    GradeBands,
    LeadScore,
    LeadScorer,
    SourceRule,
)
from .serialization import configure_converter, converter, from_dict, make_converter, to_dict
from .temperature import TemperaturePolicy, classify_temperature

try:
    __version__ = version("salesmodel")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_PIPELINE",
    "DEFAULT_SCORER",
    "LEAD_LIFECYCLE",
    "Activity",
    "ActivityKind",
    "AttributeValue",
    "Attributes",
    "Bant",
    "BantRule",
    "Contribution",
    "CurrencyMismatchError",
    "Customer",
    "Deal",
    "Decay",
    "EngagementRule",
    "FitRule",
    "GradeBands",
    "Guard",
    "Issue",
    "Lead",
    "LeadScore",
    "LeadScorer",
    "LeadSource",
    "LossReason",
    "Money",
    "Pipeline",
    "PipelineDefinitionError",
    "Prospect",
    "RateTable",
    "Rep",
    "Routing",
    "RoutingDecision",
    "RoutingPolicy",
    "SalesModelError",
    "SourceRule",
    "Stage",
    "StageChange",
    "StageEntity",
    "StageVisit",
    "Status",
    "Target",
    "TargetMetric",
    "Temperature",
    "TemperaturePolicy",
    "Territory",
    "Transition",
    "TransitionError",
    "ValidationError",
    "__version__",
    "assign",
    "classify_temperature",
    "configure_converter",
    "converter",
    "from_dict",
    "make_converter",
    "minor_unit",
    "open_deal",
    "qualify",
    "register_currency",
    "stage_visits",
    "time_in_stages",
    "to_dict",
]
