"""Property: any mutation of a shipped scenario ends in exit 0 or 2, never a traceback.

Hypothesis takes a shipped scenario, changes one value (to inf, nan, a bool, text, a huge or
tiny number, a duration out of range ...), deletes or renames a key, or adds an unknown one,
and runs ``validate`` and then a very short ``run`` through the CLI. An error must be one line
(exit code 2); a successful run must report finite money and counts. Run with
``--hypothesis-show-statistics`` to see how many examples were valid, invalid or skipped.
"""

from __future__ import annotations

import math
import tomllib

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from journeysim.cli import main
from tests.helpers import ROOT, to_toml

SCENARIOS = {
    path.stem: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "scenarios").glob("*.toml"))
}

#: Values TOML (or a careless edit) can produce where a number, duration or name belongs.
ODD_VALUES = [
    math.inf,
    -math.inf,
    math.nan,
    0,
    -1,
    1e300,
    1e-300,
    -1e-300,
    2**70,
    True,
    False,
    "x",
    "inf",
    "nan",
    "1e300 d",
    "-5 min",
    "0 d",
    "5 parsecs",
    "",
    [],
    {},
    [1, 2],
    {"a": 1},
    0.5,
    1.0,
    7,
    1e9,
]


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _leaves(value, (*prefix, key))


def _short(raw):
    """A very short run: 3 days in periods of 1 day (a mutation may change it back)."""
    raw.setdefault("simulation", {})
    if isinstance(raw["simulation"], dict):
        raw["simulation"].update(horizon="3 d", period="1 d", warmup="0 d")
    return raw


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(SCENARIOS)))
    raw = _short(_copy(SCENARIOS[name]))
    paths = list(_leaves(raw))
    path = draw(st.sampled_from(paths))
    *parents, last = path
    node = raw
    for part in parents:
        node = node[part]
    kind = draw(st.sampled_from(["value", "value", "value", "delete", "rename", "extra"]))
    event(f"mutation: {kind}")
    if kind == "value":
        node[last] = draw(st.one_of(st.sampled_from(ODD_VALUES), st.floats(), st.integers()))
    elif kind == "delete":
        del node[last]
    elif kind == "rename":
        node[last + draw(st.sampled_from(["_", "s", "x"]))] = node.pop(last)
    else:
        target = node[last] if isinstance(node[last], dict) else node
        target["surprise"] = draw(st.sampled_from([1, "x", math.nan]))
    return name, ".".join(map(str, path)), raw


def _copy(node):
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _write(tmp_path, raw):
    path = tmp_path / "mutated.toml"
    try:
        path.write_text(to_toml(raw), encoding="utf-8")
    except (TypeError, ValueError):
        return None
    return path


@settings(
    max_examples=80,
    derandomize=True,  # the same examples in every run: CI never meets a new one by luck
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=mutated())
def test_mutated_scenarios_validate_and_run_or_fail_in_one_line(case, tmp_path, capsys):
    from journeysim.scenario.loading import load_scenario
    from journeysim.scenario.workload import estimate_work

    name, where, raw = case
    path = _write(tmp_path, raw)
    if path is None:
        event("not writable as TOML")
        return
    capsys.readouterr()
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2), (name, where, err)
    if code == 2:
        event("validate: exit 2")
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (name, where, err)
        return
    event("validate: exit 0")
    if estimate_work(load_scenario(path)).seconds > 2.0:
        event("run skipped: the mutation made the run long")
        return
    out = tmp_path / "out"
    code = main(["run", str(path), "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2), (name, where, err)
    if code == 2:
        event("run: exit 2")
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (name, where, err)
        return
    event("run: exit 0")
    kpis = pd.read_csv(out / "kpis.csv").iloc[0]
    for column in ("revenue", "cost", "profit", "clv", "customers_acquired", "journeys"):
        assert math.isfinite(kpis[column]), (name, where, column, kpis[column])
    numbers = pd.to_numeric(kpis, errors="coerce").dropna()
    assert not numbers.isin([math.inf, -math.inf]).any(), (name, where)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_shipped_scenarios_survive_the_shortening(name, tmp_path):
    path = _write(tmp_path, _short(_copy(SCENARIOS[name])))
    assert main(["validate", str(path)]) == 0
