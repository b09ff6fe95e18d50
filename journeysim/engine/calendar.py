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

    __slots__ = (
        "week",
        "cum",
        "total",
        "months",
        "seasonal",
        "woff",
        "moff",
        "month_end_w",
        "month_steps",
    )

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
        # month q -> (end, factor, _w(end + woff), next month), filled as needed (advance)
        self.month_end_w: dict[int, tuple[float, float, float, int]] = {}
        # month q -> (next month, its factor, _w at q's end, the next month's whole integral)
        self.month_steps: dict[int, tuple[int, float, float, float]] = {}

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
        and what depends on the month alone is kept in tables: a month's end, factor and
        ``_w`` at its end (:meth:`_month`), and the integral over a whole month entered at its
        start (:meth:`_step`), so a need a month or more ahead crosses each month end with
        one look-up. ``tests/test_fast_draws.py`` compares it with the plain loop.
        """
        woff = self.woff
        h = t * 24.0
        a = amount * 24.0
        if not self.seasonal:
            return (self._w_inverse(self._w(h + woff) + a) - woff) / 24.0
        week, cum, total = self.week, self.cum, self.total
        q = math.floor((h + self.moff) / HOURS_PER_MONTH)
        month = self.month_end_w.get(q)
        if month is None:
            month = self._month(q)
        m = month[1]
        v = None  # the integral (hours of the weekly factor) where the amount is reached
        if m > 0.0:  # the month of t, entered at t: w0 = self._w(h + woff)
            x = h + woff
            weeks = math.floor(x / 168.0)
            r = x - 168.0 * weeks
            i = int(r)
            if i > 167:
                i = 167
            w0 = weeks * total + cum[i] + week[i] * (r - i)
            segment = m * (month[2] - w0)
            if a <= segment:
                v = w0 + a / m
            else:
                a -= segment
        if v is None:
            steps = self.month_steps
            while True:  # whole months, each entered at its start (w0: _w at the end before)
                step = steps.get(q)
                if step is None:
                    step = self._step(q)
                q, m, w0, segment = step
                if m > 0.0:
                    if a <= segment:
                        v = w0 + a / m
                        break
                    a -= segment
        # self._w_inverse(v), inline
        weeks = math.floor(v / total)
        rem = v - weeks * total
        i = bisect_right(cum, rem) - 1
        if i > 167:  # rem == total up to rounding
            weeks += 1
            rem = 0.0
            i = bisect_right(cum, 0.0) - 1
        return (weeks * 168.0 + i + (rem - cum[i]) / week[i] - woff) / 24.0

    def _month(self, q: int) -> tuple[float, float, float, int]:
        """Month ``q`` (from the start month): its end (hours), factor, ``_w`` at its end, next.

        The next month is the one the hour of this month's end falls in (as the loop of the
        plain integral computes it: ``floor((end + moff) / HOURS_PER_MONTH)``).
        """
        end = (q + 1) * HOURS_PER_MONTH - self.moff
        x = end + self.woff  # self._w(end + woff), the same operations
        weeks = math.floor(x / 168.0)
        r = x - 168.0 * weeks
        i = int(r)
        if i > 167:
            i = 167
        w_end = weeks * self.total + self.cum[i] + self.week[i] * (r - i)
        after = math.floor((end + self.moff) / HOURS_PER_MONTH)
        month = (end, self.months[int(q) % 12], w_end, after)
        self.month_end_w[q] = month
        return month

    def _step(self, q: int) -> tuple[int, float, float, float]:
        """From the end of month ``q`` through the next: (next month, its factor, w0, integral)."""
        month = self.month_end_w.get(q)
        if month is None:
            month = self._month(q)
        after = month[3]
        following = self.month_end_w.get(after)
        if following is None:
            following = self._month(after)
        m = following[1]
        w0 = month[2]
        step = (after, m, w0, m * (following[2] - w0) if m > 0.0 else 0.0)
        self.month_steps[q] = step
        return step
