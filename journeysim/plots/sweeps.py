"""Sweep views: one-parameter response curves, two-parameter heatmaps, sensitivity bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from journeysim.confidence import few_replications_warning
from journeysim.errors import ScenarioError
from journeysim.kpis import display_scale, label
from journeysim.plots._common import _axes, _band, _colors, _mean_half


def affects(parameter: str, strategy: str) -> bool:
    """Whether a swept parameter can change what ``strategy`` does.

    A parameter inside a strategy's own settings (``strategies.crm.*``) reaches only that
    strategy; every other parameter (touchpoints, segments, psychology ...) reaches all.
    """
    parts = parameter.split(".")
    return not (len(parts) > 2 and parts[0] == "strategies" and parts[1] != strategy)


def _axis_label(parameter: str, unit: str | None) -> str:
    return f"{parameter} ({unit})" if unit else parameter


def response_curve(
    data: pd.DataFrame,
    parameter: str,
    kpi: str,
    ax: Axes | None = None,
    bins: int = 10,
    unit: str | None = None,
    paired: bool = False,
) -> Axes:
    """One-parameter response: mean KPI (95% CI) against a parameter, per strategy.

    Each replication's runs are first averaged over the other parameters at each value, and
    the interval is across replications (with common random numbers replication ``r`` meets
    the same customers at every value, so the curve's shape is not noise between points).
    Below 3 replications no interval can be estimated: the title says so. A strategy the
    parameter cannot affect (``strategies.crm.*`` for the CEM strategy) is not drawn; the
    legend says which were left out. Whole-number parameters get integer ticks, text values
    categorical ones; continuous parameters with many distinct values are binned.

    Parameters
    ----------
    data:
        Sweep results (:func:`journeysim.load_sweep`).
    parameter, kpi:
        Columns of ``data``.
    ax:
        Axes to draw on (a new figure when None).
    bins:
        Bins for a continuous parameter with more distinct values.
    unit:
        The parameter's unit (shown on the axis), e.g. ``"min"``.
    paired:
        Draw the change from the parameter's first value instead of the level: each run minus
        the run of the same replication (and the same other parameters) at the first value.
        With common random numbers this removes the noise both share, so the interval is
        that of the effect itself (levels' intervals also hold the replications' common
        noise and overlap even where the paired effect is clear).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_columns(data, {"parameter": parameter, "kpi": kpi})
    ax = _axes(ax)
    ok = data[data["status"] == "ok"]
    names = list(dict.fromkeys(ok["strategy"]))
    colours = _colors(names)
    factor, kpi_unit = display_scale(kpi)
    skipped = [n for n in names if not affects(parameter, n)]
    categorical = not pd.api.types.is_numeric_dtype(ok[parameter])
    order = list(dict.fromkeys(ok[parameter])) if categorical else None
    reps = int(ok.groupby(["strategy", "point"]).size().min()) if len(ok) else 0
    warning = few_replications_warning(reps)
    for name in names:
        if name in skipped:
            continue
        own = ok[ok["strategy"] == name].assign(_x=lambda f: _binned(f[parameter], bins))
        if paired:
            own = _minus_first(own, parameter, kpi, order)
        per_rep = own.groupby(["_x", "replication"])[kpi].mean().unstack("replication") * factor
        if categorical:
            per_rep = per_rep.reindex([v for v in order if v in per_rep.index])
        mean, low, high = _band(per_rep)
        x = np.arange(len(per_rep)) if categorical else per_rep.index.to_numpy(dtype=float)
        yerr = None if warning else [mean - low, high - mean]
        ax.errorbar(x, mean, yerr=yerr, marker="o", capsize=3, label=name, color=colours[name])
    if skipped:
        ax.plot([], [], " ", label=f"not drawn ({parameter} cannot affect): {', '.join(skipped)}")
    values = ok[parameter]
    if categorical:
        ax.set_xticks(range(len(order)), [str(v) for v in order])
    elif _whole(values):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_axis_label(parameter, unit))
    if paired:
        _, kpi_unit = display_scale(kpi, difference=True)
        ax.axhline(0, color="grey", lw=1)
    what = f"change in {label(kpi)} from the first value" if paired else label(kpi)
    ax.set_ylabel(f"{what} ({kpi_unit})" if kpi_unit else what)
    title = f"{what} vs {parameter.rsplit('.', 1)[-1]}"
    title += f"\n{warning}" if warning else f" (95% CI over {reps} replications)"
    ax.set_title(title, color="firebrick" if warning else "black", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def _minus_first(own: pd.DataFrame, parameter: str, kpi: str, order: list | None) -> pd.DataFrame:
    """Each run minus the run of the same replication and other parameters at the first value."""
    others = [c for c in own.columns if "." in c and c != parameter]
    first = order[0] if order is not None else own[parameter].min()
    keys = ["replication", *others]
    reference = own[own[parameter] == first].groupby(keys, dropna=False)[kpi].mean()
    index = pd.MultiIndex.from_frame(own[keys]) if len(keys) > 1 else pd.Index(own[keys[0]])
    aligned = reference.reindex(index).to_numpy()
    return own.assign(**{kpi: own[kpi].to_numpy(dtype=float) - aligned})


def _whole(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool((numbers == numbers.round()).all())


def response_heatmap(
    data: pd.DataFrame,
    x: str,
    y: str,
    kpi: str,
    strategy: str | None = None,
    ax: Axes | None = None,
    bins: int = 8,
    units: dict[str, str | None] | None = None,
) -> Axes:
    """Two-parameter response surface: mean KPI on a grid of two parameters.

    Grid designs give the grid directly; space-filling designs (LHS, Sobol, Saltelli) have as
    many distinct values as points, so a numeric parameter with more than ``bins`` values is
    cut into ``bins`` equal bins (labelled by their midpoints) and each cell is the mean of the
    runs in it (empty cells stay blank). The colour bar carries the KPI's label and unit; the
    title gives the noise (median 95% half-width of a cell mean across replications), or says
    that fewer than 3 replications allow none.
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
    factor, _ = display_scale(kpi)
    table = (
        pd.DataFrame(
            {"row": _binned(own[y], bins), "col": _binned(own[x], bins), "v": own[kpi] * factor}
        )
        .groupby(["row", "col"], observed=True)["v"]
        .mean()
        .unstack("col")
    )
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [_tick(v) for v in table.columns])
    ax.set_yticks(range(len(table.index)), [_tick(v) for v in table.index])
    ax.set_xlabel(_axis_label(x, units.get(x) if units else None))
    ax.set_ylabel(_axis_label(y, units.get(y) if units else None))
    _, kpi_unit = display_scale(kpi)
    ax.figure.colorbar(image, ax=ax, label=f"{label(kpi)} ({kpi_unit})" if kpi_unit else label(kpi))
    # the noise marker: the typical 95% half-width of a cell mean across replications
    reps = own.groupby(["point"]).size().min() if len(own) else 0
    warning = few_replications_warning(int(reps))
    title = f"{label(kpi)} ({strategy})"
    if warning:
        title += f"\n{warning}"
    else:
        halves = [_mean_half(v.dropna())[1] for _, v in own.groupby(["point"])[kpi]]
        halves = [h for h in halves if h == h and h > 0]
        if halves:
            half = float(np.median(halves)) * factor
            title += f"\nnoise: cell means +- {half:.3g} (median 95% half-width)"
        else:
            title += f"\n{kpi} undefined in these runs" if own[kpi].isna().all() else ""
    ax.set_title(title, fontsize=10, color="firebrick" if warning else "black")
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
    """Sobol S1/ST bars (with CIs) or signed Morris bars, for one KPI of :func:`sensitivity`.

    Morris: the bar is the signed mean elementary effect mu with its 95% interval
    (``mu_conf``), so the direction shows (more agents raise or lower NPS); the diamond is
    mu* (mean absolute effect) with its interval. mu* well above |mu| means the effect changes
    sign across the space (interactions or noise). Effects are in the KPI's unit per the
    parameter's full range.
    """
    ax = _axes(ax)
    kpi = kpi or indices["kpi"].iloc[0]
    own = indices[indices["kpi"] == kpi]
    x = np.arange(len(own))
    factor, kpi_unit = display_scale(kpi, difference=True)
    if "S1" in own:
        ax.bar(x - 0.2, own["S1"], 0.4, yerr=own["S1_conf"], capsize=3, label="first order S1")
        ax.bar(x + 0.2, own["ST"], 0.4, yerr=own["ST_conf"], capsize=3, label="total ST")
        ax.set_ylabel("Sobol index (share of variance)")
    else:
        mu = own["mu"].to_numpy(dtype=float) * factor
        conf = own["mu_conf"].to_numpy(dtype=float) * factor if "mu_conf" in own else None
        colours = np.where(mu >= 0, "tab:blue", "tab:red")
        ax.bar(x, mu, 0.5, yerr=conf, capsize=3, color=colours, label="mu (signed, 95% CI)")
        ax.errorbar(
            x,
            own["mu_star"].to_numpy(dtype=float) * factor,
            yerr=own["mu_star_conf"].to_numpy(dtype=float) * factor,
            fmt="D",
            color="black",
            capsize=3,
            label="mu* (mean |effect|)",
        )
        ax.axhline(0, color="grey", lw=1)
        unit_text = f" ({kpi_unit})" if kpi_unit else ""
        ax.set_ylabel(f"elementary effect on {label(kpi)}{unit_text}")
    ax.set_xticks(x, own["parameter"], rotation=20, ha="right", fontsize=8)
    ax.set_title(f"Sensitivity of {label(kpi)}")
    ax.legend(fontsize=8)
    return ax
