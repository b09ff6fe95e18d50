"""Student-t confidence intervals: the one implementation every table and plot uses.

Replications of a simulation are independent, identically distributed estimates of a KPI, so
the mean's ``level`` interval is ``mean +- t_{(1+level)/2, n-1} * sd / sqrt(n)`` (e.g. Law,
*Simulation Modeling and Analysis*, 5th ed., section 9.4.1). Paired differences under common
random numbers use the same interval on the per-replication differences.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_REPLICATIONS", "few_replications_warning", "mean_ci", "t_half_width"]

#: Below this many replications no interval is given: with 2 values the t quantile is 12.7 and
#: the sd estimate has one degree of freedom, so a "95% CI" is either absurdly wide or (when the
#: two runs happen to agree) absurdly narrow; tables, plots, the CLI and the report say so.
MIN_REPLICATIONS = 3


def few_replications_warning(n: int) -> str | None:
    """The one warning every view shows when ``n`` replications are too few for an interval.

    Returns ``None`` when ``n >= MIN_REPLICATIONS``.
    """
    if n >= MIN_REPLICATIONS:
        return None
    return (
        f"only {n} replication{'s' if n != 1 else ''}: no confidence intervals "
        f"(need at least {MIN_REPLICATIONS}); differences may be noise"
    )


def t_half_width(sd: np.ndarray | float, n: np.ndarray | int, level: float = 0.95) -> np.ndarray:
    """Half-width of the Student-t interval for ``n`` values with sample sd ``sd``.

    Works elementwise on arrays (plot bands). Where ``n < MIN_REPLICATIONS`` the half-width is
    NaN: one or two replications carry (almost) no information about their own spread.
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
        ``mean, sd, ci_low, ci_high, n``; sd is NaN for fewer than 2 values, the bounds for
        fewer than ``MIN_REPLICATIONS``.
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
    if n < MIN_REPLICATIONS:
        return {"mean": mean, "sd": sd, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    half = float(t_half_width(sd, n, level))
    return {"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half, "n": n}
