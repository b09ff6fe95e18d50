"""Journeys and touchpoints: the journey graph, waits, their distribution, utilisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes

from journeysim.errors import ScenarioError
from journeysim.kpis import label
from journeysim.plots._common import _axes, _band, _colors, _long
from journeysim.scenario.graph import ENTRY, build_graph

if TYPE_CHECKING:
    from journeysim.engine.results import Results
    from journeysim.experiments import Comparison
    from journeysim.scenario import Scenario


def journey_graph(
    scenario: Scenario,
    results: Results | Comparison | None = None,
    color_by: str = "mean_wait_minutes",
    ax: Axes | None = None,
    strategy: str | None = None,
) -> Axes:
    """The touchpoint graph left to right along the journey, with routing probabilities.

    Columns are longest-path depths from the entry (loops broken), so a touchpoint sits to the
    right of every step that can lead to it and terminals sit at the far right. Edge widths
    show flow (expected traversals per journey, from the routing probabilities and the traffic
    equations) and each edge is labelled with its routing probability; dashed edges are
    failures sent to service recovery. Each edge bends just enough to pass no other node.

    With ``results`` nodes are coloured by a touchpoint column (``mean_wait_minutes``,
    ``mean_csat``, ``utilisation`` ...) on a **fixed** scale in the column's unit (waits 0-30
    min, utilisation and rates 0-1, CSAT 1-5; widened only when a value exceeds it), so a
    13-second wait stays pale; the colour bar is the legend. Dark is always bad.

    Parameters
    ----------
    scenario:
        The scenario whose graph is drawn.
    results:
        Optional run, Replications or Comparison whose ``touchpoints`` table colours the nodes
        (mean over replications).
    color_by:
        A numeric column of the touchpoints table.
    ax:
        Axes to draw on (a new figure when None).
    strategy:
        With a Comparison: whose touchpoints colour the nodes (default: the baseline).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (9, 4.5))
    graph = build_graph(scenario)
    flow = _expected_visits(graph)
    pos = _layout(graph)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_autoscale_on(False)
    routes = _edge_routes(graph, pos, ax)
    for (u, v), (rad, _) in routes.items():
        d = graph.edges[u, v]
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[(u, v)],
            ax=ax,
            width=0.5 + 6 * flow.get(u, 0) * d["p"],
            style="dashed" if d["kind"] == "recovery" else "solid",
            alpha=0.5,
            arrowsize=12,
            connectionstyle=f"arc3,rad={rad}",
            node_size=_NODE_SIZE,
        )
        mid = _bezier(ax, pos[u], pos[v], rad, np.array([0.5]))[0]
        x, y = ax.transData.inverted().transform(mid)
        ax.text(
            x,
            y,
            f"{d['p']:.2g}",
            fontsize=6,
            ha="center",
            va="center",
            color="dimgrey",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            gid=f"edge:{u}->{v}",
        )
    values = None
    if results is not None:
        values = _touchpoint_means(results, color_by, strategy)
    touch = [n for n in graph if graph.nodes[n]["kind"] == "touchpoint"]
    other = [n for n in graph if n not in touch]
    nx.draw_networkx_nodes(
        graph, pos, nodelist=other, ax=ax, node_color="#dddddd", node_size=_NODE_SIZE - 300
    )
    if values is not None:
        colours = [values.get(n, np.nan) for n in touch]
        low, high = color_scale(color_by, colours)
        mappable = nx.draw_networkx_nodes(
            graph,
            pos,
            nodelist=touch,
            ax=ax,
            node_color=colours,
            cmap="viridis" if color_by in _HIGH_IS_GOOD else "viridis_r",
            vmin=low,
            vmax=high,
            node_size=_NODE_SIZE,
        )
        ax.figure.colorbar(mappable, ax=ax, label=_column_label(color_by), shrink=0.8)
    else:
        nx.draw_networkx_nodes(
            graph, pos, nodelist=touch, ax=ax, node_color="#9ecae1", node_size=_NODE_SIZE
        )
    texts = nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7)
    for text in texts.values():  # readable on dark and light nodes alike
        text.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
    whose = f" ({strategy})" if strategy else ""
    ax.set_title(
        f"Journey graph: {scenario.name}{whose} (edge width = flow, label = routing probability)"
    )
    ax.axis("off")
    return ax


_NODE_SIZE = 1400  # points squared

#: Fixed colour scales (low, high) of touchpoint columns, in the column's unit.
_SCALES = {
    "mean_wait_minutes": (0.0, 30.0),
    "mean_wait_served_minutes": (0.0, 30.0),
    "p90_wait_minutes": (0.0, 60.0),
    "utilisation": (0.0, 1.0),
    "abandonment_rate": (0.0, 1.0),
    "mean_csat": (1.0, 5.0),
}

#: Units of touchpoint columns that are not KPIs.
_UNITS = {
    "mean_wait_minutes": "mean wait (minutes)",
    "mean_wait_served_minutes": "mean wait of served visits (minutes)",
    "p90_wait_minutes": "90th percentile wait (minutes)",
    "utilisation": "utilisation (share of server time busy, 0-1)",
    "abandonment_rate": "abandonment (share of visits, 0-1)",
    "mean_csat": "mean CSAT (1-5)",
    "mean_queue_length": "mean queue length (customers)",
    "arrival_rate_per_day": "arrivals per day",
}


def _column_label(column: str) -> str:
    return _UNITS.get(column, label(column))


def color_scale(column: str, values: Sequence[float]) -> tuple[float, float]:
    """The fixed colour scale of a touchpoint column, widened only to fit larger values."""
    finite = [v for v in values if v == v]
    if column in _SCALES:
        low, high = _SCALES[column]
        if finite and max(finite) > high:
            high = float(np.ceil(max(finite)))
        if finite and min(finite) < low:
            low = float(np.floor(min(finite)))
        return low, high
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if not high > low:  # e.g. the same everywhere: keep the scale honest, not +-0.1
        high = low + max(abs(low) * 0.1, 1.0)
    return float(low), float(high)


def _touchpoint_means(results: object, column: str, strategy: str | None) -> pd.Series:
    """Mean of a touchpoints column per touchpoint (over replications of one strategy)."""
    if hasattr(results, "strategies"):
        frame = results.touchpoints
        name = strategy or getattr(results, "baseline", None) or results.strategies[0]
        frame = frame[frame["strategy"] == name]
    else:
        frame = results.touchpoints
    numeric = [c for c in frame.columns if c not in ("touchpoint", "strategy", "replication")]
    if column not in numeric:
        raise ScenarioError(
            f"unknown touchpoint column {column!r}; allowed: {', '.join(numeric)}",
            field="color_by",
        )
    return frame.groupby("touchpoint", sort=False)[column].mean()


def _bezier(
    ax: Axes, a: tuple[float, float], b: tuple[float, float], rad: float, t: np.ndarray
) -> np.ndarray:
    """Points (display coordinates) of matplotlib's ``arc3,rad`` curve from a to b."""
    (x1, y1), (x2, y2) = ax.transData.transform([a, b])
    cx = (x1 + x2) / 2 + rad * (y2 - y1)
    cy = (y1 + y2) / 2 - rad * (x2 - x1)
    t = t[:, None]
    start, control, end = np.array([x1, y1]), np.array([cx, cy]), np.array([x2, y2])
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end


def _edge_routes(
    graph: nx.DiGraph, pos: dict[str, tuple[float, float]], ax: Axes
) -> dict[tuple[str, str], tuple[float, float]]:
    """Per edge: the smallest arc bend whose curve passes no other node, and its clearance.

    Clearance is the smallest distance (pixels) between the curve and another node's centre,
    minus the node's radius: positive means the edge runs clear of every node.
    """
    radius = np.sqrt(_NODE_SIZE) / 2 * ax.figure.dpi / 72
    centres = {n: ax.transData.transform(p) for n, p in pos.items()}
    t = np.linspace(0.05, 0.95, 37)
    routes = {}
    for u, v in graph.edges:
        others = np.array([c for n, c in centres.items() if n not in (u, v)])
        best = (0.08, -np.inf)
        # a pair of opposite edges bends to opposite sides (arc3 bends relative to direction)
        for rad in (0.08, 0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.7, -0.7):
            curve = _bezier(ax, pos[u], pos[v], rad, t)
            if len(others):
                gaps = np.linalg.norm(curve[:, None, :] - others[None, :, :], axis=2)
                clearance = float(gaps.min() - radius)
            else:
                clearance = np.inf
            if clearance > 4:
                best = (rad, clearance)
                break
            if clearance > best[1]:
                best = (rad, clearance)
        routes[(u, v)] = best
    return routes


#: Touchpoint columns where a high value is good (colour maps flip so dark is always bad).
_HIGH_IS_GOOD = {"mean_csat", "served", "csat_responses"}


def _layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Positions: x = longest-path depth from the entry, y = ordered to limit edge crossings."""
    dag = nx.DiGraph(graph.edges)
    dag.add_nodes_from(graph)
    near = nx.single_source_shortest_path_length(graph, ENTRY)
    far = len(graph)
    while True:  # break loops at their backward edge (the one into the node nearest the entry)
        try:
            cycle = nx.find_cycle(dag)
        except nx.NetworkXNoCycle:
            break
        u, v = min(cycle, key=lambda e: (near.get(e[1], far), -near.get(e[0], far)))[:2]
        dag.remove_edge(u, v)
    depth: dict[str, int] = {}
    for node in nx.topological_sort(dag):
        preds = [depth[u] + 1 for u in dag.predecessors(node) if u in depth]
        depth[node] = max(preds, default=0)
    right = 1 + max(
        (d for n, d in depth.items() if graph.nodes[n]["kind"] != "terminal"), default=0
    )
    layers: dict[int, list[str]] = {}
    for node in graph:
        x = right if graph.nodes[node]["kind"] == "terminal" else depth[node]
        layers.setdefault(x, []).append(node)
    pos: dict[str, tuple[float, float]] = {}
    for x in sorted(layers):
        nodes = layers[x]

        def centre(node: str) -> float:
            ys = [pos[u][1] for u in graph.predecessors(node) if u in pos]
            return float(np.mean(ys)) if ys else 0.0

        nodes.sort(key=lambda n: (-centre(n), n))
        for i, node in enumerate(nodes):
            pos[node] = (float(x), (len(nodes) - 1) / 2 - i)
    return pos


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


def wait_distribution(
    results: Results, touchpoints: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """The distribution of waits per queued touchpoint: share of visits waiting longer than t.

    Needs the per-visit event log (``simulate(..., event_log=True)``): the tables keep only
    summaries so that memory stays flat. Read a curve at the customers' patience: that share of
    visits would have been abandoned. The legend gives the share served without waiting.

    Parameters
    ----------
    results:
        One run with ``results.events``.
    touchpoints:
        Touchpoints to show (default: every touchpoint with finite capacity).
    ax:
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if results.events is None:
        raise ValueError("wait_distribution needs simulate(..., event_log=True)")
    ax = _axes(ax)
    if touchpoints is None:
        queued = results.touchpoints[results.touchpoints["capacity"].notna()]
        touchpoints = list(queued["touchpoint"])
    visits = results.events[results.events["event"].isin(["visited", "failed", "abandoned"])]
    for i, name in enumerate(touchpoints):
        minutes = np.sort(
            visits.loc[visits["touchpoint"] == name, "wait_minutes"].to_numpy(dtype=float)
        )
        if len(minutes) == 0:
            continue
        waited = minutes[minutes > 0]
        share_zero = 1 - len(waited) / len(minutes)
        if len(waited):
            beyond = 1 - np.searchsorted(minutes, waited, side="right") / len(minutes)
            ax.step(
                waited,
                beyond,
                where="post",
                color=f"C{i}",
                label=f"{name} ({share_zero:.0%} no wait, n={len(minutes):,})",
            )
        else:
            ax.plot([], [], color=f"C{i}", label=f"{name} (no waits, n={len(minutes):,})")
    ax.set_xscale("log")
    ax.set_xlabel("wait t (minutes, log scale)")
    ax.set_ylabel("share of visits waiting longer than t")
    ax.set_ylim(0, None)
    ax.set_title("Wait distribution at queued touchpoints")
    ax.legend(fontsize=8)
    return ax
