"""Shared helpers of the plot modules: axes, long tables, CI bands, colours, tick labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from journeysim.confidence import MIN_REPLICATIONS, t_half_width

if TYPE_CHECKING:
    from journeysim.engine.results import Results
    from journeysim.experiments import Comparison


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _long(data: Results | Comparison, table: str) -> tuple[pd.DataFrame, list[str]]:
    """A long table with ``strategy`` and ``replication`` columns, from either kind of input."""
    if hasattr(data, "strategies"):  # Comparison
        frame = getattr(data, {"timeline": "timelines", "cohorts": "cohorts"}.get(table, table))
        return frame, list(data.strategies)
    frame = getattr(data, table).copy()
    name = str(data.kpis["strategy"].iloc[0]) if "strategy" in data.kpis else "run"
    frame.insert(0, "replication", 0)
    frame.insert(0, "strategy", name)
    return frame, [name]


def _band(values: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% CI across the columns' replications (rows = x, columns = replications)."""
    mean = values.mean(axis=1).to_numpy()
    n = values.notna().sum(axis=1).to_numpy()
    sd = values.std(axis=1, ddof=1).to_numpy()
    half = np.nan_to_num(t_half_width(sd, n), nan=0.0)
    return mean, mean - half, mean + half


def _colors(names: Sequence[str]) -> dict[str, Any]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return {name: cycle[i % len(cycle)] for i, name in enumerate(names)}


@FuncFormatter
def _compact(value: float, _pos: int | None = None) -> str:
    """Tick labels such as 250k and 1.2M, so large money axes stay readable."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:g}M"
    if size >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _mean_half(values: pd.Series) -> tuple[float, float]:
    v = values.to_numpy(dtype=float)
    if len(v) < MIN_REPLICATIONS:
        return (float(v.mean()) if len(v) else float("nan")), 0.0
    return float(v.mean()), float(t_half_width(v.std(ddof=1), len(v)))
