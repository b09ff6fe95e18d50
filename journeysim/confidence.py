"""Student-t confidence intervals: the one implementation every table and plot uses.

Replications of a simulation are independent, identically distributed estimates of a KPI, so
the mean's ``level`` interval is ``mean +- t_{(1+level)/2, n-1} * sd / sqrt(n)`` (e.g. Law,
*Simulation Modeling and Analysis*, 5th ed., section 9.4.1). Paired differences under common
random numbers use the same interval on the per-replication differences.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_REPLICATIONS", "mean_ci", "t_half_width"]

#: Below this many replications an interval is not shown (too few for a useful sd estimate).
MIN_REPLICATIONS = 2


def t_half_width(sd: np.ndarray | float, n: np.ndarray | int, level: float = 0.95) -> np.ndarray:
    """Half-width of the Student-t interval for ``n`` values with sample sd ``sd``.

    Works elementwise on arrays (plot bands). Where ``n < 2`` the half-width is NaN: one
    replication carries no information about its own spread.
    """
    from scipy import stats  # imported on first use: scipy is slow to import

    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        return np.where(n >= MIN_REPLICATIONS, quantile * sd / np.sqrt(n), np.nan)


def mean_ci(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean, sd and the ``level`` Student-t confidence interval of ``values`` (NaNs dropped).

    Returns
    -------
    dict
        ``mean, sd, ci_low, ci_high, n``; sd and the bounds are NaN for fewer than 2 values.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return {"mean": math.nan, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
    mean = float(np.mean(values))
    if n == 1:
        return {"mean": mean, "sd": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 1}
    sd = float(np.std(values, ddof=1))
    half = float(t_half_width(sd, n, level))
    return {"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n}
