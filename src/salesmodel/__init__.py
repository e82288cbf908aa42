"""salesmodel: a typed, immutable domain model of sales management.

Entities (leads, prospects, deals, reps, targets, customers, activities), exact
Money, lossless serialisation, and (in their own modules) the stage engine, lead
scoring and KPIs. Pure Python, no I/O (naming a time zone reads the system zone
database, nothing else).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

# The records and their values load with the package; everything else (the
# stage engine, scoring, serialisation, the KPIs...) on first use, through
# __getattr__ below, so importing salesmodel for its entities costs only them.
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
from .money import Money, RateTable, minor_unit, register_currency

if TYPE_CHECKING:
    from . import bulk as bulk
    from . import history as history
    from . import kpi as kpi
    from . import pipeline as pipeline
    from . import plot as plot
    from . import predictive as predictive
    from . import presets as presets
    from . import privacy as privacy
    from . import qualification as qualification
    from . import routing as routing
    from . import samples as samples
    from . import scoring as scoring
    from . import serialization as serialization
    from . import strategies as strategies
    from . import temperature as temperature
    from .history import StageVisit, stage_visits, time_in_stages
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

    __version__: str

#: Public names loaded on first use, and the module each comes from.
_LAZY: Final = {
    **dict.fromkeys(("StageVisit", "stage_visits", "time_in_stages"), "history"),
    **dict.fromkeys(
        (
            "DEFAULT_PIPELINE",
            "LEAD_LIFECYCLE",
            "Guard",
            "Pipeline",
            "Stage",
            "StageEntity",
            "Transition",
        ),
        "pipeline",
    ),
    **dict.fromkeys(("open_deal", "qualify"), "qualification"),
    **dict.fromkeys(
        ("Routing", "RoutingDecision", "RoutingPolicy", "Territory", "assign"), "routing"
    ),
    **dict.fromkeys(
        (
            "DEFAULT_SCORER",
            "BantRule",
            "Contribution",
            "Decay",
            "EngagementRule",
            "FitRule",
            "GradeBands",
            "LeadScore",
            "LeadScorer",
            "SourceRule",
        ),
        "scoring",
    ),
    **dict.fromkeys(
        ("configure_converter", "converter", "from_dict", "make_converter", "to_dict"),
        "serialization",
    ),
    **dict.fromkeys(("TemperaturePolicy", "classify_temperature"), "temperature"),
}
#: Modules reachable as attributes (``sm.kpi``) without importing them first.
_SUBMODULES: Final = frozenset(
    {
        "bulk",
        "history",
        "kpi",
        "pipeline",
        "plot",
        "predictive",
        "presets",
        "privacy",
        "qualification",
        "routing",
        "samples",
        "scoring",
        "serialization",
        "strategies",
        "temperature",
    }
)


def __getattr__(name: str) -> Any:
    """Load a public name, or a module, on first use (then it is a plain global)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name == "__version__":
        value = _version()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # slow: only when asked

    try:
        return version("salesmodel")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


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
