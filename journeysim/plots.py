"""Plots: matplotlib views of results, comparisons and sweeps.

Every function takes ``ax=None`` (a new figure when None), returns the Axes (or a Figure for
multi-panel views) and never calls ``plt.show()``: plots compose in notebooks, scripts and
reports. Confidence bands are 95% Student-t intervals across replications. Functions accept a
single run's :class:`~journeysim.results.Results` or a :class:`~journeysim.experiments.Comparison`
(one line per strategy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from journeysim.journey_graph import ENTRY, build_graph
from journeysim.report import label

if TYPE_CHECKING:
    from journeysim.experiments import Comparison
    from journeysim.results import Results
    from journeysim.scenario import Scenario

__all__ = [
    "cohort_retention",
    "comparison_forest",
    "cost_benefit",
    "journey_graph",
    "response_curve",
    "response_heatmap",
    "save_figures",
    "sensitivity_bars",
    "survival_curve",
    "timeline",
    "timeline_panel",
    "touchpoint_utilisation",
    "touchpoint_waits",
]


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
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n), 0.0)
    return mean, mean - half, mean + half


def _colors(names: Sequence[str]) -> dict[str, Any]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return {name: cycle[i % len(cycle)] for i, name in enumerate(names)}


# -- journeys and touchpoints ------------------------------------------------------------


def journey_graph(
    scenario: Scenario,
    results: Results | None = None,
    color_by: str = "mean_wait_minutes",
    ax: Axes | None = None,
) -> Axes:
    """The touchpoint graph left to right along the journey.

    Edge widths show flow (expected visits per journey, from the routing probabilities and the
    traffic equations); with ``results`` nodes are coloured by a touchpoint column
    (``mean_wait_minutes``, ``mean_csat``, ``utilisation`` ...).
    """
    ax = _axes(ax, (9, 4.5))
    graph = build_graph(scenario)
    flow = _expected_visits(graph)
    depth = nx.single_source_shortest_path_length(graph, ENTRY)
    terminal_x = max(depth.values()) + 1
    layers: dict[int, list[str]] = {}
    for node in graph:
        x = terminal_x if graph.nodes[node]["kind"] == "terminal" else depth.get(node, 0)
        layers.setdefault(x, []).append(node)
    pos = {}
    for x, nodes in layers.items():
        for i, node in enumerate(sorted(nodes)):
            pos[node] = (x, (len(nodes) - 1) / 2 - i)
    widths = [0.5 + 6 * flow.get(u, 0) * d["p"] for u, _, d in graph.edges(data=True)]
    styles = [
        "dashed" if d["kind"] == "recovery" else "solid" for _, _, d in graph.edges(data=True)
    ]
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        width=widths,
        style=styles,
        alpha=0.5,
        arrowsize=12,
        connectionstyle="arc3,rad=0.08",
        node_size=1400,
    )
    values = None
    if results is not None and color_by in results.touchpoints:
        values = results.touchpoints.set_index("touchpoint")[color_by]
    touch = [n for n in graph if graph.nodes[n]["kind"] == "touchpoint"]
    other = [n for n in graph if n not in touch]
    nx.draw_networkx_nodes(graph, pos, nodelist=other, ax=ax, node_color="#dddddd", node_size=1100)
    if values is not None:
        colours = [values.get(n, np.nan) for n in touch]
        mappable = nx.draw_networkx_nodes(
            graph,
            pos,
            nodelist=touch,
            ax=ax,
            node_color=colours,
            cmap="viridis_r",
            node_size=1400,
        )
        ax.figure.colorbar(mappable, ax=ax, label=label(color_by), shrink=0.8)
    else:
        nx.draw_networkx_nodes(
            graph, pos, nodelist=touch, ax=ax, node_color="#9ecae1", node_size=1400
        )
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8)
    ax.set_title(f"Journey graph: {scenario.name} (edge width = flow)")
    ax.axis("off")
    return ax


def _expected_visits(graph: nx.DiGraph) -> dict[str, float]:
    """Expected visits per journey to each node: x = e + P^T x (traffic equations)."""
    nodes = [n for n in graph if graph.nodes[n]["kind"] == "touchpoint"]
    index = {n: i for i, n in enumerate(nodes)}
    p = np.zeros((len(nodes), len(nodes)))
    e = np.zeros(len(nodes))
    for u, v, d in graph.edges(data=True):
        if v not in index:
            continue
        if u == ENTRY:
            e[index[v]] += d["p"]
        elif u in index:
            p[index[u], index[v]] += d["p"]
    x = np.linalg.solve(np.eye(len(nodes)) - p.T, e)
    flows = {n: float(x[index[n]]) for n in nodes}
    flows[ENTRY] = 1.0
    return flows


def touchpoint_waits(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Mean and 90th-percentile waits per queued touchpoint (bars; CI across replications)."""
    ax = _axes(ax)
    frame, names = _long(data, "touchpoints")
    frame = frame[frame["capacity"].notna()]
    tps = list(dict.fromkeys(frame["touchpoint"]))
    width = 0.8 / (2 * len(names))
    for s, name in enumerate(names):
        own = frame[frame["strategy"] == name]
        for j, (col, hatch) in enumerate((("mean_wait_minutes", None), ("p90_wait_minutes", "//"))):
            table = own.pivot(index="touchpoint", columns="replication", values=col).loc[tps]
            mean, low, high = _band(table)
            x = np.arange(len(tps)) + (2 * s + j - len(names) + 0.5) * width
            ax.bar(
                x,
                mean,
                width,
                yerr=[mean - low, high - mean],
                hatch=hatch,
                color=_colors(names)[name],
                alpha=0.6 if j else 0.9,
                label=f"{name} {'p90' if j else 'mean'}",
            )
    ax.set_xticks(np.arange(len(tps)), tps)
    ax.set_ylabel("wait (minutes)")
    ax.set_title("Waiting at touchpoints: mean and 90th percentile")
    ax.legend(fontsize=7)
    return ax


def touchpoint_utilisation(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Utilisation of queued touchpoints per strategy (bars with CI)."""
    ax = _axes(ax)
    frame, names = _long(data, "touchpoints")
    frame = frame[frame["capacity"].notna()]
    tps = list(dict.fromkeys(frame["touchpoint"]))
    width = 0.8 / len(names)
    for s, name in enumerate(names):
        table = (
            frame[frame["strategy"] == name]
            .pivot(index="touchpoint", columns="replication", values="utilisation")
            .loc[tps]
        )
        mean, low, high = _band(table)
        x = np.arange(len(tps)) + (s - (len(names) - 1) / 2) * width
        ax.bar(
            x, mean, width, yerr=[mean - low, high - mean], label=name, color=_colors(names)[name]
        )
    ax.set_xticks(np.arange(len(tps)), tps)
    ax.set_ylim(0, 1)
    ax.set_ylabel("utilisation")
    ax.set_title("Server utilisation")
    ax.legend(fontsize=8)
    return ax


# -- customers over time ------------------------------------------------------------


def _pooled_survival(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Size-weighted survival by periods since acquisition: rows k, columns replications."""
    ks = [c for c in cohorts.columns if str(c).isdigit()]
    out = {}
    for rep, own in cohorts.groupby("replication"):
        sizes = own["customers"].to_numpy(dtype=float)
        values = {}
        for k in ks:
            col = own[k].to_numpy(dtype=float)
            ok = ~np.isnan(col) & (sizes > 0)
            values[int(k)] = np.average(col[ok], weights=sizes[ok]) if ok.any() else np.nan
        out[rep] = values
    return pd.DataFrame(out).sort_index()


def cohort_retention(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """Cohort retention curves: share still active by periods since acquisition, per strategy."""
    ax = _axes(ax)
    frame, names = _long(data, "cohorts")
    colours = _colors(names)
    for name in names:
        table = _pooled_survival(frame[frame["strategy"] == name]).dropna(how="all")
        mean, low, high = _band(table)
        ax.plot(table.index, mean, marker="o", ms=3, label=name, color=colours[name])
        ax.fill_between(table.index, low, high, alpha=0.2, color=colours[name])
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share of cohort still active")
    ax.set_ylim(0, 1.02)
    ax.set_title("Cohort retention (size-weighted over cohorts, 95% CI)")
    ax.legend(fontsize=8)
    return ax


def survival_curve(data: Results | Comparison, ax: Axes | None = None) -> Axes:
    """The sBG view: pooled survival with the best-fitting shifted-beta-geometric curve.

    The fitted Beta(a, b) says how heterogeneous churn propensities are: a small ``a`` means a
    few very disloyal customers and a loyal core, the flattening curve typical of real cohorts.
    """
    ax = _axes(ax)
    frame, names = _long(data, "cohorts")
    colours = _colors(names)
    for name in names:
        table = _pooled_survival(frame[frame["strategy"] == name]).dropna(how="all")
        survival = table.mean(axis=1)
        ks = survival.index.to_numpy()
        ax.plot(ks, survival.to_numpy(), "o", ms=4, color=colours[name], label=f"{name} observed")
        a, b = _fit_sbg(ks, survival.to_numpy())
        if not math.isnan(a):
            grid = np.arange(0, ks.max() + 1)
            fitted = np.exp(_log_beta_ratio(a, b, grid))
            ax.plot(
                grid,
                fitted,
                "-",
                color=colours[name],
                alpha=0.7,
                label=f"{name} sBG a={a:.2f}, b={b:.2f}",
            )
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("survival S(t)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Survival and shifted-beta-geometric fit")
    ax.legend(fontsize=7)
    return ax


def _log_beta_ratio(a: float, b: float, t: np.ndarray) -> np.ndarray:
    from scipy.special import betaln

    return betaln(a, b + t) - betaln(a, b)


def _fit_sbg(ks: np.ndarray, survival: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize

    ok = ~np.isnan(survival) & (survival > 0)
    if ok.sum() < 3:
        return math.nan, math.nan

    def loss(params: np.ndarray) -> float:
        a, b = np.exp(params)
        return float(np.sum((np.exp(_log_beta_ratio(a, b, ks[ok])) - survival[ok]) ** 2))

    best = minimize(loss, x0=np.log([1.0, 5.0]), method="Nelder-Mead")
    a, b = np.exp(best.x)
    return float(a), float(b)


def timeline(data: Results | Comparison, kpi: str = "nps", ax: Axes | None = None) -> Axes:
    """A timeline column (``nps``, ``active_end``, ``revenue`` ...) per period, with CI bands."""
    ax = _axes(ax)
    frame, names = _long(data, "timeline")
    colours = _colors(names)
    for name in names:
        table = frame[frame["strategy"] == name].pivot(
            index="period", columns="replication", values=kpi
        )
        mean, low, high = _band(table)
        ax.plot(table.index, mean, label=name, color=colours[name])
        ax.fill_between(table.index, low, high, alpha=0.2, color=colours[name])
    ax.set_xlabel("period")
    ax.set_ylabel(label(kpi))
    ax.set_title(f"{label(kpi)} over time")
    ax.legend(fontsize=8)
    return ax


def timeline_panel(
    data: Results | Comparison, kpis: Sequence[str] = ("nps", "active_end", "revenue")
) -> Figure:
    """NPS, active customers and revenue over time, side by side."""
    fig, axes = plt.subplots(1, len(kpis), figsize=(5 * len(kpis), 3.8))
    for ax, kpi in zip(np.atleast_1d(axes), kpis, strict=True):
        timeline(data, kpi, ax=ax)
    fig.tight_layout()
    return fig


# -- comparisons ------------------------------------------------------------


def comparison_forest(
    comparison: Comparison,
    kpis: Sequence[str] = ("retention_rate", "nps", "csat", "revenue", "cost", "profit"),
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: paired difference vs the baseline with 95% CI, in % of the baseline mean."""
    ax = _axes(ax, (7, 0.45 * len(kpis) * max(1, len(comparison.strategies) - 1) + 1.5))
    table = comparison.table.set_index(["strategy", "kpi"])
    others = [s for s in comparison.strategies if s != comparison.baseline]
    colours = _colors(comparison.strategies)
    y = 0
    ticks, labels = [], []
    for kpi in kpis:
        base = abs(table.loc[(comparison.baseline, kpi), "mean"]) or 1.0
        for name in others:
            row = table.loc[(name, kpi)]
            mid = 100 * row["diff"] / base
            low, high = 100 * row["diff_ci_low"] / base, 100 * row["diff_ci_high"] / base
            ax.errorbar(
                mid,
                y,
                xerr=[[mid - low], [high - mid]],
                fmt="o",
                color=colours[name],
                capsize=3,
                label=name if kpi == kpis[0] else None,
            )
            ticks.append(y)
            labels.append(f"{label(kpi)} ({name})")
            y -= 1
        y -= 0.5
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel(f"difference vs {comparison.baseline} (% of baseline mean)")
    ax.set_title("Paired differences with 95% CI")
    ax.legend(fontsize=8)
    return ax


def cost_benefit(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Extra cost vs extra gross margin per strategy, with 95% CIs; ROI in the labels.

    Above the diagonal a strategy earns more margin than it costs (profit up).
    """
    ax = _axes(ax, (6, 5))
    runs = comparison.runs.set_index(["strategy", "replication"])
    others = [s for s in comparison.strategies if s != comparison.baseline]
    colours = _colors(comparison.strategies)
    base = runs.loc[comparison.baseline]
    # gross margin before costs = profit + cost
    for name in others:
        own = runs.loc[name]
        d_cost = (own["cost"] + own["discounts"]) - (base["cost"] + base["discounts"])
        d_margin = (own["profit"] + own["cost"] + own["discounts"]) - (
            base["profit"] + base["cost"] + base["discounts"]
        )
        cx, cy = _mean_half(d_cost), _mean_half(d_margin)
        roi = cy[0] / cx[0] - 1 if cx[0] else math.nan
        ax.errorbar(
            cx[0],
            cy[0],
            xerr=cx[1],
            yerr=cy[1],
            fmt="o",
            color=colours[name],
            capsize=3,
            label=f"{name} (ROI {roi:+.0%})",
        )
    lim = max(1.0, *[abs(v) for v in ax.get_xlim() + ax.get_ylim()])
    ax.plot([0, lim], [0, lim], "--", color="grey", lw=1)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel(f"extra cost incl. discounts vs {comparison.baseline}")
    ax.set_ylabel("extra gross margin")
    ax.set_title("Cost vs benefit (above the diagonal: profit up)")
    ax.legend(fontsize=8)
    return ax


def _mean_half(values: pd.Series) -> tuple[float, float]:
    v = values.to_numpy(dtype=float)
    if len(v) < 2:
        return float(v.mean()), 0.0
    return float(v.mean()), float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))


# -- sweeps ------------------------------------------------------------


def response_curve(
    data: pd.DataFrame, parameter: str, kpi: str, ax: Axes | None = None, bins: int = 10
) -> Axes:
    """One-parameter response: mean KPI (95% CI) against a parameter, per strategy.

    Continuous parameters with many distinct values are binned.
    """
    ax = _axes(ax)
    ok = data[data["status"] == "ok"]
    names = list(dict.fromkeys(ok["strategy"]))
    colours = _colors(names)
    for name in names:
        own = ok[ok["strategy"] == name]
        x = own[parameter]
        if pd.api.types.is_numeric_dtype(x) and x.nunique() > bins:
            x = pd.cut(x, bins).map(lambda iv: iv.mid).astype(float)
        grouped = own.groupby(x)[kpi]
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
) -> Axes:
    """Two-parameter response surface: mean KPI on a grid of two parameters."""
    ax = _axes(ax, (6, 4.5))
    ok = data[data["status"] == "ok"]
    strategy = strategy or ok["strategy"].iloc[0]
    table = ok[ok["strategy"] == strategy].pivot_table(
        index=y, columns=x, values=kpi, aggfunc="mean"
    )
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(
        range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else v for v in table.columns]
    )
    ax.set_yticks(
        range(len(table.index)), [f"{v:g}" if isinstance(v, float) else v for v in table.index]
    )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(image, ax=ax, label=label(kpi))
    ax.set_title(f"{label(kpi)} ({strategy})")
    return ax


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


# -- files ------------------------------------------------------------


def save_figures(data: Any, out: str | Path, scenario: Scenario | None = None) -> list[Path]:
    """Write the views that fit ``data`` (Results, Comparison or sweep DataFrame) as PNGs."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {}
    if isinstance(data, pd.DataFrame):  # sweep results
        params = [c for c in data.columns if "." in c]
        kpis = [c for c in ("nps", "retention_rate", "profit") if c in data] or [data.columns[-1]]
        for p in params[:3]:
            figures[f"response_{p}_{kpis[0]}"] = response_curve(data, p, kpis[0]).figure
        if len(params) >= 2:
            figures["response_heatmap"] = response_heatmap(
                data, params[0], params[1], kpis[0]
            ).figure
    else:
        figures["cohort_retention"] = cohort_retention(data).figure
        figures["survival"] = survival_curve(data).figure
        figures["timelines"] = timeline_panel(data)
        figures["touchpoint_waits"] = touchpoint_waits(data).figure
        figures["touchpoint_utilisation"] = touchpoint_utilisation(data).figure
        if hasattr(data, "strategies"):
            figures["comparison_forest"] = comparison_forest(data).figure
            figures["cost_benefit"] = cost_benefit(data).figure
        if scenario is not None:
            results = data if not hasattr(data, "strategies") else None
            figures["journey_graph"] = journey_graph(scenario, results).figure
    paths = []
    for name, fig in figures.items():
        path = out / f"{name.replace('.', '_')}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths
