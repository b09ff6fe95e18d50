"""Shifted-beta-geometric (sBG) churn from a cohort retention table.

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive Marketing*
21(1): each customer has a constant churn probability ``theta`` per period, drawn from
Beta(alpha, beta) across customers. The probability of churning in period ``t`` and of
surviving ``t`` periods are

    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),
    S(t)     = B(alpha, beta + t) / B(alpha, beta).

The log-likelihood of a cohort whose alive counts are ``n_0, n_1, ..., n_K`` sums
``(n_{t-1} - n_t) log P(T = t)`` over the observed periods plus ``n_K log S(K)`` for those still
alive (right-censored). Cohorts of different ages simply add. This is exactly the engine's
churn with ``simulation.churn = "period"`` and ``psychology.churn_effects = false``
(``segments.NAME.churn = {a = alpha, b = beta}``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeysim.calibrate.data import DataError, Table
from journeysim.calibrate.mle import Estimate, fit_positive

__all__ = ["SBGFit", "fit_sbg", "sbg_survival"]


@dataclass
class SBGFit:
    """An sBG fit of one segment's cohorts."""

    segment: str
    alpha: Estimate
    beta: Estimate
    loglik: float
    cohorts: int
    customers: int
    periods: int
    observed: pd.DataFrame  # period, alive share observed (customer-weighted), model

    def survival(self, t: np.ndarray) -> np.ndarray:
        """Model survival S(t) at the fitted parameters."""
        return sbg_survival(t, self.alpha.value, self.beta.value)


def sbg_survival(t: np.ndarray | float, alpha: float, beta: float) -> np.ndarray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta) (Fader & Hardie 2007, eq. 4)."""
    from scipy.special import betaln

    t = np.asarray(t, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def _rows(frame: pd.DataFrame) -> list[np.ndarray]:
    periods = [c for c in frame.columns if str(c).isdigit()]
    out = []
    for row in frame[periods].to_numpy(dtype=float):
        out.append(row[~np.isnan(row)])
    return out


def fit_sbg(table: Table | pd.DataFrame | list[float], segment: str | None = None) -> list[SBGFit]:
    """Fit sBG (alpha, beta) by maximum likelihood, one fit per segment.

    Parameters
    ----------
    table:
        A :func:`~journeysim.calibrate.data.load_cohorts` table, a frame with period columns
        ``0..K`` (and optionally ``segment``), or one cohort's alive counts as a list.
    segment:
        Fit only this segment.

    Returns
    -------
    list of SBGFit
        With standard errors from the observed information (see :mod:`.mle`).

    Raises
    ------
    DataError
        A segment with no cohort, or no churn observed at all (the MLE does not exist).
    """
    from scipy.special import betaln

    if isinstance(table, list | tuple):
        frame = pd.DataFrame([table], columns=[str(i) for i in range(len(table))])
        source = "<counts>"
    elif isinstance(table, Table):
        frame, source = table.frame, table.source
    else:
        frame, source = table, "<DataFrame>"
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    if "segment" not in frame:
        frame["segment"] = "all"
    names = [segment] if segment else list(dict.fromkeys(frame["segment"]))
    fits = []
    for name in names:
        part = frame[frame["segment"] == name]
        if part.empty:
            raise DataError(f"segment {name!r} has no cohort", source=source, field="segment")
        rows = _rows(part)
        died = [np.maximum(-np.diff(r), 0.0) for r in rows]
        if sum(d.sum() for d in died) == 0:
            raise DataError(
                f"segment {name!r}: no customer churned in the table; sBG cannot be fitted",
                source=source,
            )

        def nll(theta: np.ndarray, rows: list[np.ndarray] = rows, died=died) -> float:  # noqa: ANN001
            a, b = theta
            base = betaln(a, b)
            total = 0.0
            for r, d in zip(rows, died, strict=True):
                t = np.arange(1, len(r))
                total += float(np.sum(d * (betaln(a + 1, b + t - 1) - base)))
                total += float(r[-1] * (betaln(a, b + len(r) - 1) - base))
            return -total

        (alpha, beta), loglik, _ = fit_positive(nll, [1.0, 1.0])
        longest = max(len(r) for r in rows)
        alive = np.zeros(longest)
        size = np.zeros(longest)
        for r in rows:
            alive[: len(r)] += r
            size[: len(r)] += r[0]
        t = np.arange(longest)
        observed = pd.DataFrame(
            {
                "period": t,
                "observed": alive / size,
                "model": sbg_survival(t, alpha.value, beta.value),
                "cohorts": [sum(len(r) > k for r in rows) for k in t],
            }
        )
        fits.append(
            SBGFit(
                str(name),
                alpha,
                beta,
                loglik,
                len(rows),
                int(sum(r[0] for r in rows)),
                longest - 1,
                observed,
            )
        )
    return fits
