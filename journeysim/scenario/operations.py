"""Operations in a scenario: calendar, demand profile, opening hours, schedules, queue behaviour.

Demand profiles, opening hours, staff schedules, patience distributions, balking, priorities
and retries.

Plain data, validated once. Time windows are written as in a rota::

    schedule = [
        { days = "mon-fri", hours = "08-20", servers = 14 },
        { days = "sat,sun", hours = "09-18", servers = 6 },
    ]

``days`` is a list of weekdays or ranges (``"mon-fri"``, ``"sat,sun"``, ``"daily"``);
``hours`` whole hours ``"HH-HH"`` (``"22-06"`` runs past midnight into the next day). A week
is 168 hour slots, Monday 00:00 first; :func:`week_slots` turns a window into its slots.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from journeysim.scenario.fields import (
    Count,
    FrozenModel,
    NonNegativeDays,
    PositiveCount,
    PositiveDays,
    Probability,
)

__all__ = [
    "WEEKDAYS",
    "DemandProfile",
    "Distribution",
    "Retry",
    "StaffWindow",
    "Window",
    "open_by_slot",
    "parse_days",
    "parse_hours",
    "servers_by_slot",
    "week_slots",
    "windows_from_slots",
    "weekday_index",
]

#: Weekday names, Monday first (index = day of the week in the engine's calendar).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT = {name[:3]: i for i, name in enumerate(WEEKDAYS)}
_HOURS = re.compile(r"^\s*(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*$")


def weekday_index(value: str) -> int:
    """Index (Monday 0) of a weekday written as ``"monday"`` or ``"mon"``."""
    key = value.strip().lower()[:3]
    if key not in _SHORT or not WEEKDAYS[_SHORT[key]].startswith(value.strip().lower()):
        raise ValueError(f"unknown weekday {value!r}; write monday..sunday or mon..sun")
    return _SHORT[key]


def parse_days(value: str) -> list[int]:
    """Weekdays (Monday 0) of ``"mon-fri"``, ``"sat,sun"``, ``"daily"``; ranges may wrap."""
    text = value.strip().lower()
    if text in ("daily", "all", "every day"):
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (weekday_index(p) for p in part.split("-", 1))
            day = first
            while True:
                days.append(day)
                if day == last:
                    break
                day = (day + 1) % 7
        else:
            days.append(weekday_index(part))
    return sorted(set(days))


def parse_hours(value: str) -> tuple[int, int]:
    """``(start, end)`` whole hours of ``"08-20"``; end 24 is midnight, end <= start wraps."""
    match = _HOURS.match(value)
    if match is None:
        raise ValueError(f'cannot read hours {value!r}: write whole hours, e.g. "08-20"')
    start, end = int(match.group(1)), int(match.group(2))
    if start > 23 or end > 24 or start == end:
        raise ValueError(f"hours {value!r}: start 0-23, end 1-24 and not equal to the start")
    return start, end


def week_slots(days: str, hours: str) -> list[int]:
    """Hour-of-week slots (0 = Monday 00:00-01:00) a window covers."""
    start, end = parse_hours(hours)
    length = end - start if end > start else end + 24 - start
    return sorted({(d * 24 + start + k) % 168 for d in parse_days(days) for k in range(length)})


class Window(FrozenModel):
    """A time window of the week: ``days`` and ``hours`` (e.g. ``"mon-fri"``, ``"08-20"``)."""

    days: str = Field(description='Weekdays, e.g. "mon-fri", "sat,sun", "daily".')
    hours: str = Field(description='Whole hours, e.g. "08-20" ("22-06" wraps past midnight).')

    @model_validator(mode="after")
    def _readable(self) -> Window:
        week_slots(self.days, self.hours)  # raises ValueError naming what is wrong
        return self

    def slots(self) -> list[int]:
        """Hour-of-week slots of this window (Monday 00:00 = 0)."""
        return week_slots(self.days, self.hours)


class StaffWindow(Window):
    """Servers on duty in a window of the week."""

    servers: Count = Field(description="Servers on duty in this window.")


def _normalised(values: list[float], n: int, what: str) -> list[float]:
    if len(values) != n:
        raise ValueError(f"{what} needs {n} multipliers (got {len(values)})")
    total = sum(values)
    if total <= 0:
        raise ValueError(f"{what} multipliers must not all be zero")
    return [v * n / total for v in values]


Multiplier = Annotated[float, Field(ge=0.0)]


class DemandProfile(FrozenModel):
    """Multipliers of the arrival rate by hour of day, day of week and month.

    Each list is normalised to mean 1, so ``population.arrivals_per_day`` stays the mean
    daily rate: the rate at time t is arrivals_per_day x hourly[h] x weekly[d] x monthly[m].
    """

    hourly: list[Multiplier] | None = Field(
        default=None, description="24 multipliers, 00:00-01:00 first."
    )
    weekly: list[Multiplier] | None = Field(
        default=None, description="7 multipliers, Monday first."
    )
    monthly: list[Multiplier] | None = Field(
        default=None, description="12 multipliers, January first (a month is 365/12 days)."
    )
    needs_follow: bool = Field(
        default=True,
        description="Returning customers' needs follow the same profile (same mean time between "
        "needs).",
    )

    @model_validator(mode="after")
    def _lengths(self) -> DemandProfile:
        if self.hourly is not None:
            _normalised(self.hourly, 24, "hourly")
        if self.weekly is not None:
            _normalised(self.weekly, 7, "weekly")
        if self.monthly is not None:
            _normalised(self.monthly, 12, "monthly")
        return self

    def factors(self) -> tuple[list[float], list[float]]:
        """``(week, months)``: 168 hour-of-week factors (mean 1) and 12 month factors (mean 1)."""
        hourly = _normalised(self.hourly, 24, "hourly") if self.hourly else [1.0] * 24
        weekly = _normalised(self.weekly, 7, "weekly") if self.weekly else [1.0] * 7
        monthly = _normalised(self.monthly, 12, "monthly") if self.monthly else [1.0] * 12
        return [weekly[d] * hourly[h] for d in range(7) for h in range(24)], monthly

    @property
    def flat(self) -> bool:
        """True when every multiplier is 1 (a homogeneous Poisson process)."""
        week, months = self.factors()
        return all(abs(f - 1.0) < 1e-12 for f in week + months)


class Distribution(FrozenModel):
    """A positive duration drawn from a distribution: the shape of ``service`` and ``patience``."""

    distribution: Literal["exponential", "deterministic", "lognormal", "gamma"] = "exponential"
    mean: PositiveDays
    sd: NonNegativeDays | None = Field(
        default=None, description="Required for lognormal and gamma; not allowed otherwise."
    )

    what: ClassVar[str] = "duration"

    @model_validator(mode="after")
    def _sd_when_needed(self) -> Distribution:
        what = self.what
        if self.distribution in ("lognormal", "gamma") and not self.sd:
            raise ValueError(f"a {self.distribution} {what} needs a positive 'sd'")
        if self.distribution in ("exponential", "deterministic") and self.sd is not None:
            spread = "sd = mean" if self.distribution == "exponential" else "no spread"
            raise ValueError(
                f"an {self.distribution} {what} takes no 'sd' (it has {spread}); "
                "use lognormal or gamma for another spread"
            )
        return self


class Retry(FrozenModel):
    """What a customer who abandoned or balked does next: retry later, switch channel, or leave."""

    probability: Probability = Field(default=0.0, description="Chance to try again later.")
    delay: PositiveDays = Field(
        description='Mean delay before a retry (exponential), e.g. "10 min".'
    )
    attempts: PositiveCount = Field(default=1, description="Most retries of one visit.")
    switch_to: str | None = Field(
        default=None, description="Touchpoint those who do not retry go to instead of leaving."
    )
    switch_probability: Probability = Field(
        default=1.0, description="Share of those who do not retry that switch to `switch_to`."
    )


def servers_by_slot(capacity: int | str, schedule: list[StaffWindow] | None) -> list[float]:
    """168 numbers of servers (Monday 00:00 first): ``capacity``, overridden by the windows.

    Later windows override earlier ones where they overlap; ``"unlimited"`` is ``inf``.
    """
    base = float("inf") if capacity == "unlimited" else float(capacity)
    slots = [base] * 168
    for window in schedule or []:
        for slot in window.slots():
            slots[slot] = float(window.servers)
    return slots


def open_by_slot(windows: list[Window] | None) -> list[bool] | None:
    """168 open/closed flags (Monday 00:00 first); ``None`` = open around the clock."""
    if windows is None:
        return None
    flags = [False] * 168
    for window in windows:
        for slot in window.slots():
            flags[slot] = True
    return flags


def windows_from_slots(servers: list[float]) -> list[dict[str, object]]:
    """Windows (one per weekday and run of equal servers) that give these 168 servers."""
    windows: list[dict[str, object]] = []
    for day in range(7):
        hour = 0
        while hour < 24:
            value = servers[day * 24 + hour]
            end = hour + 1
            while end < 24 and servers[day * 24 + end] == value:
                end += 1
            windows.append(
                {"days": WEEKDAYS[day][:3], "hours": f"{hour:02d}-{end:02d}", "servers": int(value)}
            )
            hour = end
    return windows
