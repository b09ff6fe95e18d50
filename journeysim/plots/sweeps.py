"""Sweep views: one-parameter response curves, two-parameter heatmaps, sensitivity bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from journeysim.errors import ScenarioError
from journeysim.kpis import label
from journeysim.plots._common import _axes, _colors, _mean_half


def response_curve(
    data: pd.DataFrame, parameter: str, kpi: str, ax: Axes | None = None, bins: int = 10
) -> Axes:
    """One-parameter response: mean KPI (95% CI) against a parameter, per strategy.

    Continuous parameters with many distinct values are binned.
    """
    _check_columns(data, {"parameter": parameter, "kpi": kpi})
    ax = _axes(ax)
    ok = data[data["status"] == "ok"]
    names = list(dict.fromkeys(ok["strategy"]))
    colours = _colors(names)
    for name in names:
        own = ok[ok["strategy"] == name]
        grouped = own.groupby(_binned(own[parameter], bins))[kpi]
        mean = grouped.mean()
        half = grouped.apply(lambda v: _mean_half(v)[1] if len(v) > 1 else 0.0)
        ax.errorbar(
            mean.index,
            mean.to_numpy(),
            yerr=half.to_numpy(),
            marker="o",
            capsize=3,
            label=name,
            color=colours[name],
        )
    ax.set_xlabel(parameter)
    ax.set_ylabel(label(kpi))
    ax.set_title(f"{label(kpi)} vs {parameter}")
    ax.legend(fontsize=8)
    return ax


def response_heatmap(
    data: pd.DataFrame,
    x: str,
    y: str,
    kpi: str,
    strategy: str | None = None,
    ax: Axes | None = None,
    bins: int = 8,
) -> Axes:
    """Two-parameter response surface: mean KPI on a grid of two parameters.

    Grid designs give the grid directly; space-filling designs (LHS, Sobol, Saltelli) have as
    many distinct values as points, so a numeric parameter with more than ``bins`` values is
    cut into ``bins`` equal bins (labelled by their midpoints) and each cell is the mean of the
    runs in it (empty cells stay blank).
    """
    _check_columns(data, {"x": x, "y": y, "kpi": kpi})
    ax = _axes(ax, (6, 4.5))
    ok = data[data["status"] == "ok"]
    strategy = strategy or ok["strategy"].iloc[0]
    if strategy not in set(ok["strategy"]):
        raise ScenarioError(
            f"no successful run of strategy {strategy!r}; the sweep has: "
            f"{', '.join(dict.fromkeys(ok['strategy']))}",
            field="strategy",
        )
    own = ok[ok["strategy"] == strategy]
    table = (
        pd.DataFrame({"row": _binned(own[y], bins), "col": _binned(own[x], bins), "v": own[kpi]})
        .groupby(["row", "col"], observed=True)["v"]
        .mean()
        .unstack("col")
    )
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [_tick(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)), [_tick(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(image, ax=ax, label=label(kpi))
    ax.set_title(f"{label(kpi)} ({strategy})")
    return ax


def _check_columns(data: pd.DataFrame, wanted: dict[str, str]) -> None:
    """One clear error for a parameter or KPI the sweep results do not have."""
    from journeysim.experiments.sweeps import META_COLUMNS

    for role, column in wanted.items():
        if column not in data.columns:
            known = [c for c in data.columns if c not in META_COLUMNS]
            raise ScenarioError(
                f"the sweep results have no column {column!r}; parameters and outcomes: "
                f"{', '.join(known)}",
                field=role,
            )


def _binned(values: pd.Series, bins: int) -> pd.Series:
    """A numeric parameter with more than ``bins`` distinct values, as bin midpoints."""
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > bins:
        return pd.cut(values, bins).map(lambda iv: iv.mid).astype(float)
    return values


def _tick(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def sensitivity_bars(indices: pd.DataFrame, kpi: str | None = None, ax: Axes | None = None) -> Axes:
    """Sobol S1/ST bars (with CIs) or Morris mu* bars, for one KPI of :func:`sensitivity`."""
    ax = _axes(ax)
    kpi = kpi or indices["kpi"].iloc[0]
    own = indices[indices["kpi"] == kpi]
    x = np.arange(len(own))
    if "S1" in own:
        ax.bar(x - 0.2, own["S1"], 0.4, yerr=own["S1_conf"], capsize=3, label="first order S1")
        ax.bar(x + 0.2, own["ST"], 0.4, yerr=own["ST_conf"], capsize=3, label="total ST")
        ax.set_ylabel("Sobol index")
    else:
        ax.bar(x - 0.2, own["mu_star"], 0.4, yerr=own["mu_star_conf"], capsize=3, label="mu*")
        ax.bar(x + 0.2, own["sigma"], 0.4, label="sigma")
        ax.set_ylabel("elementary effect")
    ax.set_xticks(x, own["parameter"], rotation=20, ha="right", fontsize=8)
    ax.set_title(f"Sensitivity of {label(kpi)}")
    ax.legend(fontsize=8)
    return ax
