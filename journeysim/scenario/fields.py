"""Field types shared by every part of the scenario schema (and sweep files).

Durations are written with their unit in files (``"8 min"``) and held in days. A scenario that
was already validated can be validated again from its ``model_dump`` (durations then are floats
in days) by passing the context ``{"durations_in_days": True}``: strategy transforms use this
to build a changed scenario that goes through exactly the same checks as a file.

Every number has a finite, sane range, and its message says which: TOML reads ``inf`` and
``nan`` as floats, and a value such as ``1e300`` would only fail (or hang a run) much later.
Booleans are not numbers here (``capacity = true`` is an error, not one server) and neither is
text (``"inf"``, ``"12"``). The types below are meant for reuse by every new field:
:func:`bounded_float` and :func:`bounded_int` build others with their own bounds.
"""

from __future__ import annotations

import math
import numbers
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, WrapValidator

from journeysim.scenario.units import parse_duration

__all__ = [
    "DAYS_CONTEXT",
    "MAX_AMOUNT",
    "MAX_DAYS",
    "MAX_RATE",
    "MIN_DAYS",
    "SEED_LIMIT",
    "Amount",
    "Coefficient",
    "Count",
    "Days",
    "FiniteFloat",
    "FrozenModel",
    "NonNegativeDays",
    "Patience",
    "Positive",
    "PositiveAmount",
    "PositiveCount",
    "PositiveDays",
    "PositiveRate",
    "Probability",
    "Rate",
    "Score",
    "ScoreChange",
    "Seed",
    "Servers",
    "Share",
    "bounded_days",
    "bounded_float",
    "bounded_int",
    "check_seed",
]

#: Validation context under which floats are accepted as durations in days (re-validation).
DAYS_CONTEXT = {"durations_in_days": True}

#: Largest amount of money (per purchase, per day, per offer ...): sums over a long run stay
#: far from float overflow and keep cent precision to about 1e13.
MAX_AMOUNT = 1e12
#: Largest rate per day (arrivals, referrals): a million a day, more than any real business.
MAX_RATE = 1e6
#: Longest duration, in days (about 274 years), and the shortest positive one (1 ms).
MAX_DAYS = 100_000.0
MIN_DAYS = 0.001 / 86400
#: Seeds are unsigned 64-bit integers (Parquet columns, SeedSequence entropy).
SEED_LIMIT = 2**64


def _show(x: float) -> str:
    """A bound as a reader writes it: 1, 0.5, 1,000,000, 1e12."""
    if float(x).is_integer() and abs(x) < 1e7:
        return f"{int(x):,}"
    return f"{x:g}".replace("e+", "e")


def _describe(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None and not low_open and not high_open:
        return f"from {_show(low)} to {_show(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'above' if low_open else 'at least'} {_show(low)}")
    if high is not None:
        parts.append(f"{'below' if high_open else 'at most'} {_show(high)}")
    return " and ".join(parts)


def _not_a_number(value: Any, kind: str) -> ValueError:
    if isinstance(value, bool):
        return ValueError(f"expected {kind}, got {str(value).lower()} (a boolean is not a number)")
    if isinstance(value, str):
        return ValueError(f"expected {kind}, got the text {value!r} (write numbers unquoted)")
    return ValueError(f"expected {kind}, got {type(value).__name__} {value!r}")


class _FloatRange:
    """Before-validator: a finite real number (not a bool, not text) inside the bounds."""

    def __init__(
        self, low: float | None, high: float | None, low_open: bool, high_open: bool
    ) -> None:
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open
        self.allowed = "a number " + _describe(low, high, low_open, high_open)

    def __call__(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _not_a_number(value, self.allowed)
        try:
            x = float(value)
        except OverflowError:
            raise ValueError(f"must be {self.allowed} (got a number too large)") from None
        if not math.isfinite(x) or not self.inside(x):
            raise ValueError(f"must be {self.allowed} (got {value!r})")
        return x

    def inside(self, x: float) -> bool:
        low, high = self.low, self.high
        if low is not None and (x <= low if self.low_open else x < low):
            return False
        return not (high is not None and (x >= high if self.high_open else x > high))


class _IntRange:
    """Before-validator: a whole number (not a bool, not text) inside the bounds."""

    def __init__(self, low: int | None, high: int | None) -> None:
        self.low, self.high = low, high
        self.allowed = "a whole number " + _describe(low, high, False, False)

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _not_a_number(value, self.allowed)
        if not isinstance(value, numbers.Integral):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise ValueError(f"must be {self.allowed} (got {value!r})")
        n = int(value)
        if (self.low is not None and n < self.low) or (self.high is not None and n > self.high):
            raise ValueError(f"must be {self.allowed} (got {value!r})")
        return n


def bounded_float(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> Any:
    """A float field type: finite, within ``[low, high]`` (open ends with ``*_open``).

    Booleans and text are refused; the error message names the range.
    """
    return Annotated[float, BeforeValidator(_FloatRange(low, high, low_open, high_open))]


def bounded_int(low: int | None = None, high: int | None = None) -> Any:
    """An integer field type within ``[low, high]``; booleans, text and fractions refused."""
    return Annotated[int, BeforeValidator(_IntRange(low, high))]


FiniteFloat = bounded_float(-1e15, 1e15)
"""Any finite number of sane size (|x| <= 1e15)."""
Positive = bounded_float(0.0, 1e12, low_open=True)
Amount = bounded_float(0.0, MAX_AMOUNT)
"""Money: an amount of currency, 0 to 1e12 (per purchase, per day, per offer ...)."""
PositiveAmount = bounded_float(1e-6, MAX_AMOUNT)
"""Money that must be positive (a basket mean): at least 1e-6, so ratios stay finite."""
Rate = bounded_float(0.0, MAX_RATE)
"""Events per day (arrivals, referrals), 0 to 1e6."""
PositiveRate = bounded_float(0.0, MAX_RATE, low_open=True)
Probability = bounded_float(0.0, 1.0)
Share = bounded_float(0.0, 1.0, low_open=True)
"""A share of a whole: above 0, at most 1."""
Score = bounded_float(0.0, 10.0)
"""Quality, expectation and satisfaction live on one 0-10 scale, like likelihood-to-recommend."""
ScoreChange = bounded_float(-10.0, 10.0)
"""A change on the 0-10 scale (a CEM investment's quality points)."""
Coefficient = bounded_float(0.0, 1000.0)
"""A non-negative weight, sensitivity or penalty of a behaviour rule (0 to 1,000)."""
Count = bounded_int(0, 1_000_000)
PositiveCount = bounded_int(1, 1_000_000)
"""A whole number of things (servers, replications ...), 1 to 1,000,000."""
Seed = bounded_int(0, SEED_LIMIT - 1)
"""A random seed: an unsigned 64-bit integer."""


_SERVERS = _IntRange(1, 1_000_000)


def _servers(value: Any) -> Any:
    if value == "unlimited":
        return value
    try:
        return _SERVERS(value)
    except ValueError as exc:
        raise ValueError(f'{exc}; or "unlimited" (self-service)') from None


Servers = Annotated[int | Literal["unlimited"], BeforeValidator(_servers)]
"""Servers at a touchpoint: a whole number from 1 to 1,000,000, or ``"unlimited"``."""


def check_seed(seed: Any, argument: str = "seed") -> int:
    """Return ``seed`` as an int if it is a valid seed (0 <= seed < 2**64), else raise.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer (a bool, a float such as 1.5, text).
    ValueError
        If it is negative or not below 2**64.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{argument} must be an integer from 0 to 2**64 - 1, not {type(seed).__name__} {seed!r}"
        )
    if not 0 <= int(seed) < SEED_LIMIT:
        raise ValueError(f"{argument} must be an integer from 0 to 2**64 - 1 (got {seed})")
    return int(seed)


def _trusted(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("durations_in_days"))


def _in_days(value: Any, info: ValidationInfo) -> float:
    if _trusted(info) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_duration(value)


def _show_days(days: float) -> str:
    return "1 ms" if days == MIN_DAYS else f"{_show(days)} d"


class _DaysRange:
    """Wrap-validator: a duration with its unit, in days, inside the bounds."""

    def __init__(self, low: float, high: float, low_open: bool) -> None:
        self.low, self.high, self.low_open = low, high, low_open
        lower = f"{'above' if low_open else 'at least'} {_show_days(low)}"
        if low == 0 and not low_open:
            lower = "from 0"
        self.allowed = f"a duration {lower} to {_show_days(high)}"

    def __call__(self, value: Any, handler: Any, info: ValidationInfo) -> float:
        days = _in_days(value, info)
        low = self.low
        if (days <= low if self.low_open else days < low) or days > self.high:
            raise ValueError(f"must be {self.allowed} (got {value!r})")
        return handler(days)


def bounded_days(low: float = MIN_DAYS, high: float = MAX_DAYS, *, low_open: bool = False) -> Any:
    """A duration field type (``"8 min"`` in files, days in Python) within ``[low, high]``."""
    return Annotated[float, WrapValidator(_DaysRange(low, high, low_open))]


def _patience(value: Any, handler: Any, info: ValidationInfo) -> float:
    if value == "unlimited" or (isinstance(value, float) and math.isinf(value) and value > 0):
        return math.inf
    try:
        return _POSITIVE_DAYS(value, handler, info)
    except ValueError as exc:
        raise ValueError(f'{exc} or "unlimited"'.replace("must be a", "must be a", 1)) from None


_POSITIVE_DAYS = _DaysRange(MIN_DAYS, MAX_DAYS, False)

Days = bounded_days(0.0, MAX_DAYS)
"""A duration written with its unit in the file (``"8 min"``), held in days (0 to 100,000 d)."""
PositiveDays = bounded_days(MIN_DAYS, MAX_DAYS)
"""A positive duration: 1 ms to 100,000 days."""
NonNegativeDays = bounded_days(0.0, MAX_DAYS)

Patience = Annotated[float, WrapValidator(_patience)]
"""Mean patience in a queue, in days; ``"unlimited"`` in the file (infinity here)."""


class FrozenModel(BaseModel):
    """Base of every schema model: immutable, and unknown keys are errors (typos caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
