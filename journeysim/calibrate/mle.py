"""Maximum likelihood on positive parameters, with standard errors from the observed information.

Every fit in :mod:`journeysim.calibrate` maximises a log-likelihood over parameters that must be
positive. It optimises over their logarithms (so the optimiser cannot step out of the domain),
then reads standard errors from the inverse of the numerically differentiated Hessian of the
negative log-likelihood (the observed Fisher information), mapped back by the delta method:
``se(theta) = theta * se(log theta)``. The 95% interval is ``exp(log theta +- 1.96 se)``, which
stays positive.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "fit_positive", "hessian"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A fitted number: the estimate, its standard error and its 95% interval."""

    value: float
    se: float
    low: float
    high: float

    def describe(self, digits: int = 4) -> str:
        """``0.243 (SE 0.013, 95% CI 0.219-0.269)``."""
        if not math.isfinite(self.se):
            return f"{self.value:.{digits}g} (SE not available)"
        return (
            f"{self.value:.{digits}g} (SE {self.se:.2g}, 95% CI "
            f"{self.low:.{digits}g}-{self.high:.{digits}g})"
        )


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (relative steps)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    h = step * np.maximum(1.0, np.abs(x))
    out = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h[i]
            ej[j] = h[j]
            value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            out[i, j] = out[j, i] = value
    return out


def fit_positive(
    negloglik: Callable[[np.ndarray], float],
    start: Sequence[float],
) -> tuple[list[Estimate], float, bool]:
    """Minimise ``negloglik(theta)`` over positive ``theta``; estimates with SEs.

    Parameters
    ----------
    negloglik:
        Negative log-likelihood of the parameters on their natural (positive) scale.
    start:
        Starting values (positive).

    Returns
    -------
    tuple
        ``(estimates, maximised log-likelihood, converged)``.
    """
    from scipy.optimize import minimize

    def on_logs(z: np.ndarray) -> float:
        value = negloglik(np.exp(z))
        return value if np.isfinite(value) else 1e300

    z0 = np.log(np.asarray(start, dtype=float))
    best = minimize(
        on_logs,
        z0,
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000},
    )
    polished = minimize(on_logs, best.x, method="BFGS")
    if polished.fun <= best.fun:
        best = polished
    z = best.x
    theta = np.exp(z)
    try:
        cov = np.linalg.inv(hessian(on_logs, z))
        with np.errstate(invalid="ignore"):  # not positive definite: no SE (reported as such)
            se_log = np.sqrt(np.diag(cov))
    except np.linalg.LinAlgError:
        se_log = np.full(len(z), np.nan)
    estimates = []
    for value, s in zip(theta, se_log, strict=True):
        ok = bool(np.isfinite(s) and s > 0)
        estimates.append(
            Estimate(
                float(value),
                float(value * s) if ok else math.nan,
                float(value * math.exp(-Z95 * s)) if ok else math.nan,
                float(value * math.exp(Z95 * s)) if ok else math.nan,
            )
        )
    converged = bool(np.all(np.isfinite(se_log)))
    return estimates, float(-best.fun), converged
