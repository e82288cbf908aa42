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
from .money import Money, RateTable
from .serialization import configure_converter, converter, from_dict, make_converter, to_dict

try:
    __version__ = version("salesmodel")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Activity",
    "ActivityKind",
    "AttributeValue",
    "Attributes",
    "Bant",
    "CurrencyMismatchError",
    "Customer",
    "Deal",
    "Issue",
    "Lead",
    "LeadSource",
    "LossReason",
    "Money",
    "PipelineDefinitionError",
    "Prospect",
    "RateTable",
    "Rep",
    "SalesModelError",
    "StageChange",
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
    "to_dict",
]
