"""The layout is the architecture: imports only go down the layers, and nothing imports in a circle.

The layer contract itself lives in ``pyproject.toml`` (``[tool.importlinter]``) and runs as
``lint-imports`` in ``make test``; these tests run it too, and add what it does not check: no
import cycle between any two modules (function-level imports included), and SimPy only in
the engine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]


def module_graph() -> nx.DiGraph:
    graph = grimp.build_graph("journeysim", exclude_type_checking_imports=True, cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return g


def test_no_import_cycles_between_modules():
    graph = module_graph()
    # a package's __init__ re-exporting its modules is the one allowed direction
    for module in list(graph):
        for imported in list(graph.successors(module)):
            if module.startswith(imported + "."):
                graph.remove_edge(module, imported)  # a module importing its own package
                raise AssertionError(f"{module} imports its own package {imported}")
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_layer_contract_holds():
    exe = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "broken" in done.stdout and "0 broken" in done.stdout


def test_only_the_engine_imports_simpy():
    graph = grimp.build_graph("journeysim", include_external_packages=True, cache_dir=None)
    importers = graph.find_modules_that_directly_import("simpy")
    assert importers, "the engine must use SimPy"
    assert all(m.startswith("journeysim.engine.") for m in importers), sorted(importers)


def test_the_dashboard_sits_on_top_and_alone_imports_panel():
    graph = grimp.build_graph("journeysim", include_external_packages=True, cache_dir=None)
    users = {
        m
        for m in graph.find_modules_that_directly_import("journeysim.dashboard")
        | graph.find_downstream_modules("journeysim.dashboard", as_package=True)
        if not m.startswith("journeysim.dashboard")
    }
    assert users <= {"journeysim.cli"}, sorted(users)  # only the CLI (lazily) uses it
    if "panel" in graph.modules:  # the optional extra is installed
        importers = graph.find_modules_that_directly_import("panel")
        assert importers == {"journeysim.dashboard.app"}, sorted(importers)
    dashboard_imports = {
        imported
        for module in graph.modules
        if module.startswith("journeysim.dashboard")
        for imported in graph.find_modules_directly_imported_by(module)
    }
    assert "journeysim.widgets" in dashboard_imports  # the trainer's recipe, not a copy
