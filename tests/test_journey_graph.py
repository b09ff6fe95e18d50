"""The touchpoint graph as networkx sees it."""

import networkx as nx
import pytest

from journeysim import build_graph, load_scenario
from journeysim.scenario.graph import ENTRY
from tests.helpers import RETAIL


@pytest.fixture(scope="module")
def graph():
    return build_graph(load_scenario(RETAIL))


def test_nodes_have_kinds(graph):
    kinds = nx.get_node_attributes(graph, "kind")
    assert kinds[ENTRY] == "entry"
    assert kinds["purchase"] == kinds["exit"] == "terminal"
    assert kinds["call_centre"] == "touchpoint"


def test_route_probabilities_sum_to_one_per_node(graph):
    for node in graph:
        routes = [p for _, _, k, p in _edges(graph, node) if k == "route"]
        if routes:
            assert sum(routes) == pytest.approx(1.0)


def test_failure_edges_lead_to_recovery(graph):
    edge = graph.edges["checkout", "support"]
    assert edge["kind"] == "recovery"
    assert edge["p"] == pytest.approx(0.03)


def test_every_touchpoint_reaches_a_terminal(graph):
    for node, kind in graph.nodes(data="kind"):
        if kind == "touchpoint":
            assert nx.has_path(graph, node, "purchase") or nx.has_path(graph, node, "exit")


def _edges(graph, node):
    for _, target, data in graph.out_edges(node, data=True):
        yield node, target, data["kind"], data["p"]
