"""The run's calendar and time-varying rates: hour of the week, month, integrated demand.

Simulation time is in days; day 0 starts at 00:00 on ``simulation.start_weekday`` in month
``simulation.start_month``. A week has 168 hour slots (Monday 00:00-01:00 is slot 0); a month
is 365/12 days (730 hours), so months and hours line up.

:class:`RateProfile` is a piecewise-constant rate factor (hour of week x month, mean 1) with its
integral. ``advance(t, amount)`` returns the time T at which the integral of the factor from t
reaches ``amount``: a unit-rate clock run through it is a non-homogeneous Poisson process with
the profile's intensity (the time-change theorem, exact, one draw per event, e.g. Cinlar 1975,
Lewis & Shedler 1979 for the equivalent thinning). Arrivals and returning customers' needs both
use it, so they keep their own draws: only the clock they are read against changes.
"""

from __future__ import annotations

import math
from bisect import bisect_right

__all__ = ["HOURS_PER_MONTH", "Calendar", "RateProfile"]

HOURS_PER_MONTH = 730.0


class Calendar:
    """Hour-of-week slots of simulation times (day 0 = weekday ``weekday0`` at 00:00)."""

    __slots__ = ("offset",)

    def __init__(self, weekday0: int) -> None:
        self.offset = weekday0 * 24

    def slot(self, t: float) -> int:
        """Hour-of-week slot (0 = Monday 00:00-01:00) of time ``t`` in days."""
        return (int(t * 24.0) + self.offset) % 168

    def slot_start(self, t: float) -> float:
        """Start (days) of the hour containing ``t``."""
        return math.floor(t * 24.0) / 24.0


class RateProfile:
    """A rate factor by hour of the week and month (each of mean 1) and its integral.

    Parameters
    ----------
    week:
        168 non-negative factors, Monday 00:00 first (not all zero).
    months:
        12 non-negative factors, January first (not all zero).
    weekday0, month0:
        Weekday (Monday 0) and month (1-12) of day 0.
    """

    __slots__ = ("week", "cum", "total", "months", "seasonal", "woff", "moff", "month_end_w")

    def __init__(self, week: list[float], months: list[float], weekday0: int, month0: int) -> None:
        self.week = list(week)
        cum = [0.0]
        for f in self.week:
            cum.append(cum[-1] + f)
        self.cum = cum
        self.total = cum[-1]
        self.months = list(months)
        self.seasonal = any(abs(m - 1.0) > 1e-12 for m in self.months)
        self.woff = weekday0 * 24.0
        self.moff = (month0 - 1) * HOURS_PER_MONTH
        self.month_end_w: dict[int, float] = {}  # _w(end of month q + woff), filled as needed

    def factor(self, t: float) -> float:
        """The rate factor at time ``t`` (days)."""
        hours = t * 24.0
        f = self.week[int(hours + self.woff) % 168]
        if self.seasonal:
            f *= self.months[int((hours + self.moff) // HOURS_PER_MONTH) % 12]
        return f

    def _w(self, x: float) -> float:
        """Integral (hours) of the weekly factor from Monday 00:00 of week 0 to hour ``x``."""
        weeks = math.floor(x / 168.0)
        r = x - 168.0 * weeks
        i = int(r)
        if i > 167:
            i = 167
        return weeks * self.total + self.cum[i] + self.week[i] * (r - i)

    def _w_inverse(self, v: float) -> float:
        """The hour ``x`` with ``_w(x) = v`` (the start of the next positive hour on a flat)."""
        weeks = math.floor(v / self.total)
        rem = v - weeks * self.total
        i = bisect_right(self.cum, rem) - 1
        if i > 167:  # rem == total up to rounding
            weeks += 1
            rem = 0.0
            i = bisect_right(self.cum, 0.0) - 1
        return weeks * 168.0 + i + (rem - self.cum[i]) / self.week[i]

    def integral(self, t0: float, t1: float) -> float:
        """Integral of the factor from ``t0`` to ``t1`` (days), in days."""
        woff = self.woff
        h0, h1 = t0 * 24.0, t1 * 24.0
        if not self.seasonal:
            return (self._w(h1 + woff) - self._w(h0 + woff)) / 24.0
        total, h = 0.0, h0
        while h < h1:
            q = math.floor((h + self.moff) / HOURS_PER_MONTH)
            end = min((q + 1) * HOURS_PER_MONTH - self.moff, h1)
            total += self.months[int(q) % 12] * (self._w(end + woff) - self._w(h + woff))
            h = end
        return total / 24.0

    def advance(self, t: float, amount: float) -> float:
        """The time T (days) at which the integral of the factor from ``t`` reaches ``amount``.

        Called once per arrival and per returning customer's need: ``_w`` and ``_w_inverse``
        are inlined (the very same float operations in the same order, so the same numbers),
        and ``_w`` at the end of month ``q`` (a function of ``q`` alone) is kept in a table:
        a need a month or more ahead crosses month ends, each of which was computed before.
        """
        woff = self.woff
        h = t * 24.0
        a = amount * 24.0
        if not self.seasonal:
            return (self._w_inverse(self._w(h + woff) + a) - woff) / 24.0
        floor = math.floor
        week, cum, total, months, moff = self.week, self.cum, self.total, self.months, self.moff
        ends = self.month_end_w
        w0 = None  # _w(h + woff) when h is the end of the month before (from the table)
        while True:
            q = floor((h + moff) / HOURS_PER_MONTH)
            end = (q + 1) * HOURS_PER_MONTH - moff
            m = months[int(q) % 12]
            # w_end = self._w(end + woff), a function of q alone: from the table
            w_end = ends.get(q)
            if w_end is None:
                x = end + woff
                weeks = floor(x / 168.0)
                r = x - 168.0 * weeks
                i = int(r)
                if i > 167:
                    i = 167
                w_end = ends[q] = weeks * total + cum[i] + week[i] * (r - i)
            if m > 0.0:
                if w0 is None:  # w0 = self._w(h + woff)
                    x = h + woff
                    weeks = floor(x / 168.0)
                    r = x - 168.0 * weeks
                    i = int(r)
                    if i > 167:
                        i = 167
                    w0 = weeks * total + cum[i] + week[i] * (r - i)
                segment = m * (w_end - w0)
                if a <= segment:
                    # self._w_inverse(w0 + a / m)
                    v = w0 + a / m
                    weeks = floor(v / total)
                    rem = v - weeks * total
                    i = bisect_right(cum, rem) - 1
                    if i > 167:  # rem == total up to rounding
                        weeks += 1
                        rem = 0.0
                        i = bisect_right(cum, 0.0) - 1
                    return (weeks * 168.0 + i + (rem - cum[i]) / week[i] - woff) / 24.0
                a -= segment
            h = end
            w0 = w_end  # the next month starts where this one ended: _w(h + woff), the same
