"""salesmodel: a typed, immutable domain model of sales management.

Entities (leads, prospects, deals, reps, targets, customers, activities), exact
Money, lossless serialisation, and (in their own modules) the stage engine, lead
scoring and KPIs. Pure Python, no I/O.
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
from .money import Money, RateTable
from .pipeline import DEFAULT_PIPELINE, LEAD_LIFECYCLE, Guard, Pipeline, Stage, StageEntity
from .serialization import configure_converter, converter, from_dict, make_converter, to_dict

try:
    __version__ = version("salesmodel")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_PIPELINE",
    "LEAD_LIFECYCLE",
    "Activity",
    "ActivityKind",
    "AttributeValue",
    "Attributes",
    "Bant",
    "CurrencyMismatchError",
    "Customer",
    "Deal",
    "Guard",
    "Issue",
    "Lead",
    "LeadSource",
    "LossReason",
    "Money",
    "Pipeline",
    "PipelineDefinitionError",
    "Prospect",
    "RateTable",
    "Rep",
    "SalesModelError",
    "Stage",
    "StageChange",
    "StageEntity",
    "StageVisit",
    "Status",
    "Target",
    "TargetMetric",
    "Temperature",
    "TransitionError",
    "ValidationError",
    "__version__",
    "configure_converter",
    "converter",
    "from_dict",
    "make_converter",
    "stage_visits",
    "time_in_stages",
    "to_dict",
]
