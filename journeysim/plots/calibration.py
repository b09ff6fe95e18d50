"""Calibration charts: observed vs model, and the identification profile of a target fit.

Observed vs model: holdout tracking (transactions), sBG retention (cohorts), service times
(event logs). Each function takes ``ax=None`` and returns the Axes.
"""

from __future__ import annotations

from typing import Any

from journeysim.plots._common import _axes

__all__ = ["calibration_profile", "holdout_tracking", "retention_fit", "service_fit"]


def holdout_tracking(fit: Any, ax: Any = None) -> Any:
    """Cumulative repeat purchases by week: observed vs the fitted model, holdout shaded.

    Parameters
    ----------
    fit:
        A :class:`~journeysim.calibrate.TransactionsFit` (or its ``tracking`` frame).
    ax:
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    track = getattr(fit, "tracking", fit)
    ax = _axes(ax)
    weeks = track["day"] / 7.0
    ax.plot(weeks, track["observed"], color="black", label="observed")
    ax.plot(weeks, track["model"], color="tab:blue", linestyle="--", label="model")
    if "simulated" in track:
        ax.plot(weeks, track["simulated"], color="tab:orange", label="simulated")
    holdout = weeks[track["holdout"].to_numpy()]
    if len(holdout):
        ax.axvspan(holdout.min() - 1, holdout.max(), color="0.9", label="holdout")
    ax.set_xlabel("weeks since the first purchase in the data")
    ax.set_ylabel("cumulative repeat purchases")
    ax.set_title("Holdout tracking")
    ax.legend()
    return ax


def retention_fit(fit: Any, ax: Any = None) -> Any:
    """Share of a cohort still active by period: observed vs the fitted sBG curve."""
    ax = _axes(ax)
    frame = fit.observed
    ax.plot(frame["period"], frame["observed"], "o", color="black", label="observed")
    ax.plot(frame["period"], frame["model"], color="tab:blue", label="sBG model")
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share still active")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Retention, segment {fit.segment}")
    ax.legend()
    return ax


def service_fit(fit: Any, touchpoint: str = "", ax: Any = None) -> Any:
    """Histogram of observed service times with the density of the family chosen by AIC.

    Parameters
    ----------
    fit:
        A :class:`~journeysim.calibrate.eventlog.ServiceFit`.
    touchpoint:
        Name for the title.
    ax:
        Axes to draw on (default: a new figure).
    """
    import numpy as np

    ax = _axes(ax)
    x = fit.sample
    top = float(np.quantile(x, 0.99)) if len(x) else 1.0
    ax.hist(x[x <= top], bins=40, density=True, color="0.75", label=f"observed (n = {fit.n})")
    grid = np.linspace(max(top / 400, 1e-6), top, 300)
    density = fit.pdf(grid)
    if np.isfinite(density).any():
        ax.plot(grid, density, color="tab:blue", label=f"{fit.distribution} (lowest AIC)")
    ax.set_xlabel("service time (minutes)")
    ax.set_ylabel("density")
    ax.set_title(f"Service time{': ' + touchpoint if touchpoint else ''}")
    ax.legend()
    return ax


def calibration_profile(result: Any, parameter: str, ax: Any = None) -> Any:
    """Loss of every evaluated point against one parameter, near-optimal points highlighted.

    A narrow valley means the targets identify the parameter; a flat floor across the range
    means they do not (see :func:`journeysim.calibrate.calibrate_targets`).

    Parameters
    ----------
    result:
        A :class:`~journeysim.calibrate.TargetCalibration`.
    parameter:
        One of its dotted paths.
    ax:
        Axes to draw on (default: a new figure).
    """
    ax = _axes(ax)
    frame = result.evaluations
    ident = result.identification.set_index("parameter").loc[parameter]
    near = (frame[parameter] >= ident["near_low"]) & (frame[parameter] <= ident["near_high"])
    best = frame["loss"].min()
    near &= frame["loss"] <= best + 1 + len(result.targets)
    ax.scatter(frame[parameter], frame["loss"] + 1e-9, color="0.6", label="evaluated points")
    ax.scatter(
        frame.loc[near, parameter], frame.loc[near, "loss"] + 1e-9, color="tab:blue",
        label="near-optimal",
    )  # fmt: skip
    ax.axvline(result.best[parameter], color="tab:blue", linestyle="--", label="best")
    ax.set_yscale("log")
    ax.set_xlabel(parameter)
    ax.set_ylabel("loss (sum of squared target misses in tolerances)")
    ax.set_title(f"Identification of {parameter}: {100 * ident['share_of_range']:.0f}% of range")
    ax.legend()
    return ax
