"""Durations with units.

Simulation time is a float in **days** (DESIGN.md: one clock, one unit). A scenario file never
holds a bare number for a duration: it writes ``"8 min"``, ``"2 h"`` or ``"30 d"`` so that a
reader can never confuse minutes with days. This module turns such strings into days and back.
"""

from __future__ import annotations

import math
import re

MINUTES_PER_DAY = 1440.0

#: Length of each unit in days. Months and years are deliberately absent: they vary in length,
#: and a simulation clock must not.
UNIT_DAYS: dict[str, float] = {
    "s": 1 / 86400,
    "sec": 1 / 86400,
    "second": 1 / 86400,
    "seconds": 1 / 86400,
    "min": 1 / 1440,
    "mins": 1 / 1440,
    "minute": 1 / 1440,
    "minutes": 1 / 1440,
    "h": 1 / 24,
    "hr": 1 / 24,
    "hrs": 1 / 24,
    "hour": 1 / 24,
    "hours": 1 / 24,
    "d": 1.0,
    "day": 1.0,
    "days": 1.0,
    "w": 7.0,
    "week": 7.0,
    "weeks": 7.0,
}

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")


def parse_duration(value: object) -> float:
    """Return the duration ``value`` (e.g. ``"8 min"``) in days.

    Raises
    ------
    ValueError
        If ``value`` is not a string with a number and a known unit. The message lists the
        allowed units, because it ends up in front of a user who mistyped a scenario file.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'a duration needs a unit, e.g. "8 min", "2 h" or "30 d"; got {value!r}')
    match = _DURATION.match(value)
    if match is None and _DURATION.match(value.strip().removeprefix("-")):
        raise ValueError(f"durations must be positive; got {value!r}")
    if match is None:
        raise ValueError(f'cannot read duration {value!r}: write a number and a unit, e.g. "8 min"')
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit not in UNIT_DAYS:
        raise ValueError(f"unknown time unit {unit!r} in {value!r}; allowed: s, min, h, d, w")
    days = number * UNIT_DAYS[unit]
    if not math.isfinite(days):
        raise ValueError(f"duration {value!r} is not finite")
    return days


def days_to_minutes(days: float) -> float:
    """Convert days (the simulation clock) to minutes (how waits are reported)."""
    return days * MINUTES_PER_DAY
