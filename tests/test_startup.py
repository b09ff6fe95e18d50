"""Start-up stays light: heavy packages are imported when first needed, not before.

``import journeysim``, ``journeysim --help`` and ``journeysim validate`` must not load pandas,
pyarrow, SciPy or matplotlib (each costs a large part of a second and tens of MB), nor numpy,
SimPy or networkx; ``import journeysim`` and ``--help`` not even pydantic. Each case
runs in a fresh interpreter and checks ``sys.modules`` afterwards: deterministic, no clock.
The timings themselves are in ``benchmarks/startup.py`` and the README's speed section.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys

import pytest

import journeysim
from tests.helpers import RETAIL, ROOT

#: Never imported before a command needs them.
HEAVY = ("pandas", "pyarrow", "scipy", "matplotlib")
#: Not needed either to import the package or to print the help.
MIDDLE = ("numpy", "simpy", "networkx", "pydantic", "tqdm", "cloudpickle")

# Runs the code, then prints which of the watched packages it left in sys.modules.
PROBE = """
import json, sys
watched = json.loads(sys.argv[1])
try:
    exec(sys.argv[2])
except SystemExit as exc:
    assert not exc.code, exc.code
sys.stdout = sys.__stdout__
print("LOADED", json.dumps(sorted(m for m in watched if m in sys.modules)))
"""

CLI = """
import runpy
sys.argv = ["journeysim", *{args!r}]
runpy.run_module("journeysim.cli", run_name="__main__", alter_sys=True)
"""


def loaded(code: str, watched: tuple[str, ...]) -> list[str]:
    """The watched packages still imported after running ``code`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(watched), code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED ")][-1]
    return json.loads(line.removeprefix("LOADED "))


@pytest.mark.parametrize(
    "code",
    [
        "import journeysim",
        "import journeysim.cli",
        CLI.format(args=["--help"]),
        CLI.format(args=["--version"]),
    ],
    ids=["import", "import-cli", "help", "version"],
)
def test_import_and_help_load_nothing_heavy(code):
    assert loaded(code, HEAVY + MIDDLE) == []


@pytest.mark.parametrize(
    "code",
    [
        CLI.format(args=["validate", str(RETAIL)]),
        CLI.format(args=["run", "--help"]),  # typer builds a command's options with pydantic
        CLI.format(args=["sweep", "--help"]),
        f"import journeysim as js; js.load_scenario({str(RETAIL)!r})",
        "from journeysim import Scenario, ScenarioError, KPIS, load_scenario",
    ],
    ids=["validate", "run-help", "sweep-help", "load_scenario", "from-import"],
)
def test_validating_a_scenario_loads_only_pydantic(code):
    assert loaded(code, HEAVY + tuple(m for m in MIDDLE if m != "pydantic")) == []


def test_the_probe_sees_a_heavy_import():
    # the check above can fail: the first use of simulate brings pandas in
    assert "pandas" in loaded("import journeysim as js; js.simulate", HEAVY)


def test_every_public_name_resolves_lazily_and_eagerly():
    namespace: dict[str, object] = {}
    exec("from journeysim import *", namespace)
    assert set(journeysim.__all__) <= set(namespace)
    assert set(journeysim.__all__) <= set(dir(journeysim))
    from journeysim import simulate
    from journeysim.simulation import simulate as defined

    assert simulate is defined and journeysim.simulate is defined
    assert journeysim.plots is importlib.import_module("journeysim.plots")
    assert journeysim.trace is importlib.import_module("journeysim.experiments").trace
    assert callable(journeysim.trace) and callable(journeysim.rerun)
    for package in ("scenario", "engine", "strategies", "experiments", "calibrate", "plots"):
        module = importlib.import_module(f"journeysim.{package}")
        assert getattr(journeysim, package) is module
        for name in getattr(module, "__all__", ()):
            assert getattr(module, name) is not None, f"journeysim.{package}.{name}"
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        journeysim.nosuch  # noqa: B018


def test_lazy_exports_match_what_type_checkers_see():
    # the TYPE_CHECKING imports (for IDEs and type checkers) and the lazy table name the same
    # objects: a name added to one and not the other fails here
    tree = ast.parse((ROOT / "journeysim" / "__init__.py").read_text())
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n)
    )
    seen = {}
    for node in block.body:
        if isinstance(node, ast.ImportFrom):
            seen.update({alias.asname or alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.Import):
            seen.update({alias.asname or alias.name: alias.name for alias in node.names})
    exports = journeysim._EXPORTS
    assert seen.pop("plots") == "journeysim.plots"
    assert seen == exports
    assert set(exports) | {"plots"} == set(journeysim.__all__)


def test_modules_are_reachable_as_attributes_after_a_plain_import():
    # with eager imports, `import journeysim` made journeysim.engine.results (and every module
    # it loaded) reachable as attributes; the lazy package keeps that working
    code = """
import functools, pkgutil, journeysim
assert journeysim.engine.results.EVENT_COLUMNS and journeysim.scenario.workload.estimate_work
names = [m.name for m in pkgutil.iter_modules(journeysim.__path__)]
for package in ("engine", "scenario", "strategies", "experiments"):
    path = [str(journeysim.__path__[0]) + "/" + package]
    names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)]
for name in names:
    found = functools.reduce(getattr, name.split("."), journeysim)
    # experiments.rerun and .trace are the functions of those modules, as always
    module = found.__module__ if callable(found) else found.__name__
    assert module == f"journeysim.{name}", (name, found)
"""
    assert "pandas" in loaded(code, HEAVY)  # the walk imports everything
