"""Operations views: where in the week waits and service levels go wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from journeysim.plots._common import _axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from journeysim.engine.results import Results

__all__ = ["service_profile"]

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def service_profile(
    results: Results, touchpoint: str, value: str = "service_level", ax: Axes | None = None
) -> Axes:
    """Heat map of one touchpoint's ``value`` by weekday (rows) and hour of day (columns).

    Parameters
    ----------
    results:
        One run's results with a ``profile`` table (a touchpoint with operations keys).
    touchpoint:
        The touchpoint to show.
    value:
        A column of ``results.profile``: ``service_level`` (default), ``mean_wait_minutes``,
        ``rho``, ``offered``, ``servers`` ...
    ax:
        Axes to draw on (a new figure when None).

    Returns
    -------
    Axes
        The heat map; hours with no traffic are blank; the colour bar is labelled ``value``.

    Raises
    ------
    ValueError
        If the run has no profile for ``touchpoint`` or ``value`` is not a profile column.
    """
    profile = results.profile
    if profile is None or touchpoint not in set(profile["touchpoint"]):
        known = [] if profile is None else sorted(set(profile["touchpoint"]))
        raise ValueError(
            f"no hour-of-week profile for {touchpoint!r}; touchpoints with one: {known} "
            "(set opening_hours, schedule or service_level_target on it)"
        )
    if value not in profile.columns or value in ("touchpoint", "weekday", "hour"):
        raise ValueError(f"unknown profile column {value!r}; allowed: {list(profile.columns[3:])}")
    rows = profile[profile["touchpoint"] == touchpoint]
    grid = np.full((7, 24), np.nan)
    for day, hour, v in zip(rows["weekday"], rows["hour"], rows[value], strict=True):
        grid[_DAYS.index(day), int(hour)] = v
    ax = _axes(ax, (10, 3.5))
    cmap = "RdYlGn" if value == "service_level" else "viridis"
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap=cmap)
    ax.set_yticks(range(7), [d[:3] for d in _DAYS])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day")
    ax.set_title(f"{touchpoint}: {value.replace('_', ' ')} by weekday and hour")
    ax.figure.colorbar(image, ax=ax, label=value)
    return ax
