"""Sensitivity indices, checked on functions with known answers run through the sweep path.

``journeysim.sweep(model=f)`` runs ``f`` through the very machinery the simulator uses (design,
run keys, runner, journal and Parquet parts, manifest), so these tests exercise the same
design -> runner -> storage -> analysis path as a simulator sweep.
"""

import math

import pytest

import journeysim as js

pytest.importorskip("SALib")


def _ishigami(point, strategy, seed, identity):
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def _linear(point, strategy, seed, identity):
    return {"y": 10 * point["a"] + 1 * point["b"] + 0 * point["c"], "z": point["a"]}


def _ishigami_exact(a=7.0, b=0.1):
    """First-order and total Sobol indices of Ishigami (Ishigami & Homma 1990)."""
    v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    s1 = {"x1": v1 / v, "x2": v2 / v, "x3": 0.0}
    st = {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}
    return s1, st


@pytest.fixture(scope="module")
def ishigami_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("ishigami") / "out"
    params = {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)}
    design = {"kind": "saltelli", "samples": 2048, "seed": 1}
    js.sweep(out=out, workers=1, model=_ishigami, parameters=params, design=design)
    return out


def test_sobol_indices_of_ishigami_match_the_analytic_values(ishigami_sweep):
    indices = js.sensitivity(ishigami_sweep, "y")
    assert list(indices.columns) == ["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    indices = indices.set_index("parameter")
    exact_s1, exact_st = _ishigami_exact()
    for name in exact_s1:
        row = indices.loc[name]
        # the 95% bootstrap interval is the stated tolerance; 2 half-widths keeps it robust
        assert abs(row["S1"] - exact_s1[name]) < 2 * row["S1_conf"], name
        assert abs(row["ST"] - exact_st[name]) < 2 * row["ST_conf"], name
        assert row["S1_conf"] < 0.1 and row["ST_conf"] < 0.1
    # and the ranking a researcher reads off: x2 first-order, x3 only through interaction
    assert indices.loc["x3", "S1"] < 0.05 < indices.loc["x3", "ST"]


def test_confidence_intervals_are_reproducible(ishigami_sweep):
    a = js.sensitivity(ishigami_sweep, "y", seed=0)
    b = js.sensitivity(ishigami_sweep, "y", seed=0)
    assert a.equals(b)


def test_morris_ranks_a_linear_function(tmp_path):
    params = {n: {"low": 0.0, "high": 1.0} for n in "abc"}
    design = {"kind": "morris", "samples": 10, "levels": 4, "seed": 2}
    js.sweep(out=tmp_path / "m", workers=1, model=_linear, parameters=params, design=design)
    indices = js.sensitivity(tmp_path / "m", ["y", "z"])
    assert list(indices.columns) == [
        "kpi",
        "parameter",
        "mu_star",
        "mu_star_conf",
        "mu",
        "mu_conf",
        "sigma",
    ]
    y = indices[indices["kpi"] == "y"].set_index("parameter")
    assert y.loc["a", "mu_star"] == pytest.approx(10)
    assert y.loc["b", "mu_star"] == pytest.approx(1)
    assert y.loc["c", "mu_star"] == 0
    assert y["sigma"].abs().max() < 1e-9  # linear: no interaction, no spread of effects


def test_morris_with_integer_parameters_runs_each_distinct_point_once(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()

    def counted(point, strategy, seed, identity):
        (calls / f"{point['a']}-{point['b']}-{point['c']}-{len(list(calls.iterdir()))}").touch()
        return _linear(point, strategy, seed, identity)

    params = {n: {"type": "int", "low": 0, "high": 3} for n in "abc"}
    design = {"kind": "morris", "samples": 8, "levels": 4, "seed": 3}
    data = js.sweep(out=tmp_path / "m", workers=1, model=counted, parameters=params, design=design)
    distinct = data[list("abc")].drop_duplicates()
    assert len(data) == len(distinct) < 8 * 4  # trajectories revisit points; each runs once
    assert len(list(calls.iterdir())) == len(distinct)
    mu = js.sensitivity(tmp_path / "m", "y").set_index("parameter")["mu_star"]
    assert mu["a"] > mu["b"] > mu["c"]


def test_sensitivity_input_errors(tmp_path):
    js.sweep(
        out=tmp_path / "g",
        workers=1,
        model=_linear,
        parameters={"a": {"values": [0, 1]}, "b": {"values": [0]}, "c": {"values": [0]}},
    )
    with pytest.raises(js.ScenarioError, match="needs a 'saltelli' or 'morris' design"):
        js.sensitivity(tmp_path / "g")
    params = {n: {"low": 0.0, "high": 1.0} for n in "abc"}
    design = {"kind": "morris", "samples": 4, "seed": 1}
    js.sweep(out=tmp_path / "m", workers=1, model=_linear, parameters=params, design=design)
    with pytest.raises(js.ScenarioError, match="unknown outcome 'nps'"):
        js.sensitivity(tmp_path / "m", "nps")
    with pytest.raises(js.ScenarioError, match="unknown strategy 'crm'"):
        js.sensitivity(tmp_path / "m", "y", strategy="crm")
    with pytest.raises(js.ScenarioError, match="manifest.json missing"):
        js.sensitivity(tmp_path / "nothing-here")


def _fails_for_large_a(point, strategy, seed, identity):
    a, b = point["p.a"], point["p.b"]
    if a > 0.9:
        raise ValueError("model undefined here")
    return {"y": 10 * a + b}


def test_points_without_a_successful_run_are_named_and_plots_skip_the_bars(tmp_path):
    params = {n: {"low": 0.0, "high": 1.0} for n in ("p.a", "p.b")}
    design = {"kind": "morris", "samples": 4, "levels": 4, "seed": 1}
    out = tmp_path / "m"
    data = js.sweep(out=out, workers=1, model=_fails_for_large_a, parameters=params, design=design)
    failed_points = data.loc[data["status"] == "failed", "point"].nunique()
    assert failed_points > 0
    with pytest.raises(js.ScenarioError, match=f"{failed_points} design points have no successful"):
        js.sensitivity(out, "y")
    with pytest.raises(js.ScenarioError, match="only failed or were invalid"):
        js.sensitivity(out, "y")
    from journeysim.plots import save_figures

    with pytest.warns(UserWarning, match="no sensitivity plots: .* only failed"):
        paths = save_figures(data, tmp_path / "plots", sweep_dir=out)
    names = {p.name for p in paths}
    assert "response_heatmap_baseline.png" in names  # the other views are still drawn
    assert not any(name.startswith("sensitivity") for name in names)
