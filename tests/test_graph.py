"""The touchpoint graph (scenario/graph.py): what build_graph draws and what validation refuses."""

import networkx as nx
import pytest

import journeysim as js
from journeysim import build_graph, load_scenario
from journeysim.scenario.graph import ENTRY, TERMINALS
from tests.helpers import RETAIL, minimal


@pytest.fixture(scope="module")
def retail():
    return load_scenario(RETAIL)


def test_graph_mirrors_the_file_edge_for_edge(retail):
    graph = build_graph(retail)
    kinds = nx.get_node_attributes(graph, "kind")
    assert kinds[ENTRY] == "entry" and all(kinds[t] == "terminal" for t in TERMINALS)
    assert {n for n, k in kinds.items() if k == "touchpoint"} == set(retail.touchpoints)
    routes = {
        (u, v): p for u, v, p in graph.edges(data="p") if graph.edges[u, v]["kind"] == "route"
    }
    expected = {(ENTRY, t): p for t, p in retail.journey.entry.items()}
    for source, row in retail.journey.routes.items():
        expected.update({(source, t): p for t, p in row.items()})
    assert routes == expected


def test_failure_edges_only_where_a_touchpoint_can_fail(retail):
    graph = build_graph(retail)
    recovery = {(u, v) for u, v, k in graph.edges(data="kind") if k == "recovery"}
    failing = {
        (name, tp.recovery) for name, tp in retail.touchpoints.items() if tp.failure_probability > 0
    }
    assert recovery == failing and failing
    edge = graph.edges["checkout", "support"]
    assert edge["p"] == pytest.approx(retail.touchpoints["checkout"].failure_probability)


def test_a_touchpoint_reached_only_by_failure_is_reachable():
    raw = minimal()
    raw["journey"]["routes"]["web"] = {"purchase": 0.7, "exit": 0.3}
    raw["journey"]["entry"] = {"web": 1.0}
    with pytest.raises(js.ScenarioError, match="unreachable"):
        js.scenario_from_dict(raw)
    raw["touchpoints"]["web"].update({"failure_probability": 0.1, "recovery": "desk"})
    js.scenario_from_dict(raw)  # the failure edge reaches the desk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"desk": {"desk": 1.0}}, "no path from this touchpoint to purchase or exit"),
        ({"desk": {"purchase": 0.5}}, "probabilities must sum to 1"),
        ({"desk": {"nowhere": 1.0}}, "unknown node 'nowhere'"),
        ({"desk": {}}, "needs at least one next node"),
    ],
)
def test_walks_that_cannot_end_are_refused(change, message):
    raw = minimal()
    raw["journey"]["routes"].update(change)
    with pytest.raises(js.ScenarioError, match=message):
        js.scenario_from_dict(raw)
