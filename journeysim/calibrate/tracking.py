"""Holdout tracking by simulation: the calibrated scenario's repeat purchases vs the data's.

The fitted model's expectation (:func:`~journeysim.calibrate.transactions.tracking`) checks the
fit; this checks the *scenario*: simulate it, take the customers acquired while the data's
customers were (the first-purchase window), count their repeat purchases (every purchase after
the acquisition journey) by week, scale to the data's number of customers, and average over
replications (with a Student-t interval). With ``segments.NAME.need_rate_shape`` in the engine
the scenario reproduces the fitted MBG/NBD; without it every customer buys at the mean rate and
the curve shows what that costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeysim.calibrate.transactions import TransactionsFit
from journeysim.confidence import t_half_width
from journeysim.scenario.schema import Scenario
from journeysim.simulation import simulate

__all__ = ["simulated_tracking"]


def simulated_tracking(
    scenario: Scenario,
    fit: TransactionsFit,
    replications: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Add ``simulated``, ``simulated_low`` and ``simulated_high`` to ``fit.tracking``.

    Parameters
    ----------
    scenario:
        The calibrated scenario (transactions: one journey = one purchase occasion).
    fit:
        The transactions fit whose tracking table is extended.
    replications:
        Independent runs (identities ``(0,), (1,), ...``).
    seed:
        Root seed.

    Returns
    -------
    DataFrame
        ``fit.tracking`` with the simulated curve (mean and 95% interval across replications).
    """
    track = fit.tracking.copy()
    # the data's acquisition window: first purchases in the calibration period
    customers = sum(s.customers for s in fit.segments.values())
    window = fit.acquisition_days
    horizon = float(track["day"].max())
    rate = customers / window
    spec = scenario.with_overrides(
        {"simulation.horizon": f"{horizon:g} d", "population.arrivals_per_day": rate}
    )
    marks = track["day"].to_numpy(float)
    curves = []
    for rep in range(replications):
        results = simulate(spec, seed=seed, event_log=True, identity=(rep,))
        ev = results.events
        acquired = ev.loc[(ev["event"] == "acquired") & (ev["time"] < window), "customer"]
        bought = ev[(ev["event"] == "purchase") & ev["customer"].isin(set(acquired))]
        repeat = bought[bought.duplicated("customer", keep="first")]["time"].to_numpy()
        counts = np.searchsorted(np.sort(repeat), marks, side="right")
        curves.append(counts * customers / max(len(acquired), 1))
    curves = np.array(curves, dtype=float)
    mean = curves.mean(axis=0)
    half = t_half_width(curves.std(axis=0, ddof=1), replications) if replications > 1 else np.nan
    track["simulated"] = mean
    track["simulated_low"] = mean - half
    track["simulated_high"] = mean + half
    return track
