"""Field types shared by every part of the scenario schema.

Durations are written with their unit in files (``"8 min"``) and held in days. A scenario that
was already validated can be validated again from its ``model_dump`` (durations then are floats
in days) by passing the context ``{"durations_in_days": True}``: strategy transforms use this
to build a changed scenario that goes through exactly the same checks as a file.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, WrapValidator

from journeysim.scenario.units import parse_duration

__all__ = [
    "DAYS_CONTEXT",
    "Days",
    "FrozenModel",
    "NonNegativeDays",
    "Patience",
    "PositiveDays",
    "Probability",
    "Score",
]

#: Validation context under which floats are accepted as durations in days (re-validation).
DAYS_CONTEXT = {"durations_in_days": True}


def _trusted(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("durations_in_days"))


def _days(value: Any, handler: Any, info: ValidationInfo) -> float:
    if _trusted(info) and isinstance(value, int | float) and not isinstance(value, bool):
        return handler(float(value))
    return handler(parse_duration(value))


def _patience(value: Any, handler: Any, info: ValidationInfo) -> float:
    if value == "unlimited" or (isinstance(value, float) and math.isinf(value)):
        return math.inf
    days = _days(value, handler, info)
    if days <= 0:
        raise ValueError('patience must be positive or "unlimited"')
    return days


Days = Annotated[float, WrapValidator(_days)]
"""A duration written with its unit in the file (``"8 min"``), held in days."""

PositiveDays = Annotated[Days, Field(gt=0)]
NonNegativeDays = Annotated[Days, Field(ge=0)]

Patience = Annotated[float, WrapValidator(_patience)]
"""Mean patience in a queue, in days; ``"unlimited"`` in the file (infinity here)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Score = Annotated[float, Field(ge=0.0, le=10.0)]
"""Quality, expectation and satisfaction live on one 0-10 scale, like likelihood-to-recommend."""


class FrozenModel(BaseModel):
    """Base of every schema model: immutable, and unknown keys are errors (typos caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
