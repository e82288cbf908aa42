"""The frame engine (placeholder while it is built)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._define import Definition

__all__ = ["compute_frame"]


def compute_frame(definition: Definition, frame: Any, options: Mapping[str, Any]) -> Any:
    raise NotImplementedError
