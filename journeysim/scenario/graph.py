"""The touchpoint graph.

A journey is a random walk on a directed graph: from an entry node through touchpoints to a
terminal (``purchase`` or ``exit``). Edge weights are routing probabilities. This module builds
the graph as a :class:`networkx.DiGraph` (so users can inspect and draw it) and checks that every
walk ends: every touchpoint is reachable, every probability row sums to one and every node can
reach a terminal, along the edges a walk can actually take (routes of a touchpoint that always
fails never are; its recovery edge is). For a finite Markov chain the last condition makes
termination certain, so a cycle is fine as long as it has an exit. The checks walk plain
dictionaries: validating a scenario does not import networkx (only :func:`build_graph` does).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from journeysim.errors import ScenarioError

if TYPE_CHECKING:
    import networkx as nx

    from journeysim.scenario.schema import Scenario

__all__ = ["ENTRY", "TERMINALS", "build_graph", "validate_journey"]

#: Name of the virtual node every journey starts from.
ENTRY = "entry"

#: Terminal nodes every journey graph knows: reaching ``purchase`` books a sale; ``exit`` ends
#: the journey without one. A customer who abandons a queue also leaves without buying.
TERMINALS = ("purchase", "exit")

_SUM_TOLERANCE = 1e-6


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """Return the journey graph: nodes ``entry``, touchpoints and terminals; edges with ``p``.

    Failure edges (touchpoint -> its recovery touchpoint) carry ``kind="recovery"`` and the
    failure probability, so drawings and reachability checks see them.
    """
    import networkx as nx  # on first use: validating a scenario does not need it

    graph = nx.DiGraph()
    graph.add_node(ENTRY, kind="entry")
    for name in scenario.touchpoints:
        graph.add_node(name, kind="touchpoint")
    for name in TERMINALS:
        graph.add_node(name, kind="terminal")
    for source, target, p, kind in _edges(scenario):
        graph.add_edge(source, target, p=p, kind=kind)
    return graph


def _edges(scenario: Scenario) -> Iterator[tuple[str, str, float, str]]:
    """The journey graph's edges ``(source, target, p, kind)`` in :func:`build_graph`'s order.

    A later edge between the same two nodes replaces an earlier one in the graph.
    """
    for target, p in scenario.journey.entry.items():
        yield ENTRY, target, p, "route"
    for source, row in scenario.journey.routes.items():
        for target, p in row.items():
            yield source, target, p, "route"
    for name, tp in scenario.touchpoints.items():
        if tp.recovery is not None and tp.failure_probability > 0:
            yield name, tp.recovery, tp.failure_probability, "recovery"
        retry = getattr(tp, "retry", None)  # channel switch after an abandon or balk
        if (
            retry is not None
            and retry.switch_to in scenario.touchpoints
            and retry.switch_probability
        ):
            yield name, retry.switch_to, retry.switch_probability, "recovery"


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Nodes reachable from ``start`` along ``edges`` (``start`` itself only through a cycle)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def validate_journey(scenario: Scenario, *, every_touchpoint_reachable: bool = True) -> None:
    """Raise :class:`ScenarioError` naming the field if the journey graph cannot be walked.

    State-routing weights (``journey.state_routing``) must name a row and an edge with a
    positive probability: a weight only rescales an edge, so it never opens or closes one and
    every walk still ends. A segment's own journey need not reach every touchpoint
    (``every_touchpoint_reachable=False``: premium customers may never use the app).
    """
    touchpoints = set(scenario.touchpoints)
    if ENTRY in touchpoints:
        raise ScenarioError(
            f"{ENTRY!r} is reserved for the journey's virtual start node (journey.entry); "
            "give this touchpoint another name",
            field=f"touchpoints.{ENTRY}",
        )
    known = touchpoints | set(TERMINALS)
    listing = ", ".join(sorted(known))

    def check_row(field: str, row: dict[str, float]) -> None:
        if not row:
            raise ScenarioError("needs at least one next node", field=field)
        for target in row:
            if target not in known:
                raise ScenarioError(
                    f"unknown node {target!r}; known: {listing}", field=f"{field}.{target}"
                )
        total = sum(row.values())
        if abs(total - 1.0) > _SUM_TOLERANCE:
            raise ScenarioError(f"probabilities must sum to 1 (got {total:g})", field=field)

    check_row("journey.entry", scenario.journey.entry)
    for source, row in scenario.journey.routes.items():
        if source not in touchpoints:
            raise ScenarioError(
                f"routes from unknown touchpoint {source!r}; known: "
                f"{', '.join(sorted(touchpoints))}",
                field=f"journey.routes.{source}",
            )
        check_row(f"journey.routes.{source}", row)
    for name, tp in scenario.touchpoints.items():
        if name not in scenario.journey.routes:
            raise ScenarioError(
                "touchpoint has no routes: say where customers go next",
                field=f"journey.routes.{name}",
            )
        if tp.recovery is not None and tp.recovery not in touchpoints:
            raise ScenarioError(
                f"unknown recovery touchpoint {tp.recovery!r}; known: "
                f"{', '.join(sorted(touchpoints))}",
                field=f"touchpoints.{name}.recovery",
            )

    for source, row in scenario.journey.state_routing.items():
        field = f"journey.state_routing.{source}"
        if source == ENTRY:
            probabilities = scenario.journey.entry
        elif source in scenario.journey.routes:
            probabilities = scenario.journey.routes[source]
        else:
            raise ScenarioError(
                f"unknown row {source!r}; known: entry, {', '.join(sorted(touchpoints))}",
                field=field,
            )
        for target in row:
            if probabilities.get(target, 0.0) <= 0.0:
                live_targets = ", ".join(sorted(t for t, p in probabilities.items() if p > 0))
                raise ScenarioError(
                    f"no edge to {target!r} in this row to weigh; edges: {live_targets}",
                    field=f"{field}.{target}",
                )

    edges = {}  # the last edge between two nodes wins, as in build_graph's DiGraph
    for u, v, p, kind in _edges(scenario):
        if kind == "route" and u in scenario.touchpoints:
            # a failed visit goes to recovery, not along the routes: a touchpoint that always
            # fails (failure_probability = 1) never takes its routes
            p *= 1.0 - scenario.touchpoints[u].failure_probability
        edges[u, v] = p
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for (u, v), p in edges.items():
        if p > 0:
            forward.setdefault(u, set()).add(v)
            backward.setdefault(v, set()).add(u)
    reachable = _reachable(forward, ENTRY)
    for name in scenario.touchpoints if every_touchpoint_reachable else ():
        if name not in reachable:
            raise ScenarioError(
                "touchpoint is unreachable from the journey entry", field=f"touchpoints.{name}"
            )
    can_finish: set[str] = set()
    for terminal in TERMINALS:
        can_finish |= _reachable(backward, terminal) | {terminal}
    for name in sorted(touchpoints):
        if name not in can_finish:
            raise ScenarioError(
                "no path from this touchpoint to purchase or exit (a cycle without exit?)",
                field=f"journey.routes.{name}",
            )
