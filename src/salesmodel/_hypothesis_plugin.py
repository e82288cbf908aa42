"""The ``hypothesis`` entry point: ``st.from_type(Deal)`` draws valid deals.

Hypothesis runs :func:`_hypothesis_setup_hook` while it is itself being imported,
possibly because :mod:`salesmodel.strategies` is being imported. So this module
imports neither eagerly: each type is registered with a resolver that imports the
strategies only when a test first draws one.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

# Type (module, name) -> name of its strategy in salesmodel.strategies.
_STRATEGIES = {
    ("salesmodel.money", "Money"): "moneys",
    ("salesmodel.money", "RateTable"): "rate_tables",
    ("salesmodel.attributes", "Attributes"): "attributes",
    ("salesmodel.entities", "StageChange"): "stage_changes",
    ("salesmodel.entities", "Bant"): "bants",
    ("salesmodel.entities", "Rep"): "reps",
    ("salesmodel.entities", "Lead"): "leads",
    ("salesmodel.entities", "Prospect"): "prospects",
    ("salesmodel.entities", "Deal"): "deals",
    ("salesmodel.entities", "Customer"): "customers",
    ("salesmodel.entities", "Activity"): "activities",
    ("salesmodel.entities", "Target"): "targets",
    ("salesmodel.pipeline", "Pipeline"): "pipelines",
    ("salesmodel.pipeline", "Stage"): "stages",
    ("salesmodel.pipeline", "Guard"): "guards",
}


def _resolve(name: str, _type: type) -> Any:
    strategies = importlib.import_module("salesmodel.strategies")
    return getattr(strategies, name)()


def _hypothesis_setup_hook() -> None:
    """Register a lazy strategy for every salesmodel type."""
    from hypothesis import strategies as st

    for (module, cls_name), strategy in _STRATEGIES.items():
        cls = getattr(importlib.import_module(module), cls_name)
        st.register_type_strategy(cls, functools.partial(_resolve, strategy))
