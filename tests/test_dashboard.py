"""The classroom dashboard without a browser: its computations, presets and CLI command.

The page itself is driven in a real browser by tests/test_dashboard_browser.py.
"""

import sys

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim.cli import main  # noqa: E402
from journeysim.dashboard import (  # noqa: E402
    PRESETS,
    ClassroomSettings,
    apply_preset,
    classroom_case,
    classroom_comparison,
    classroom_defaults,
    kpi_cells,
    staffed_touchpoint,
)
from journeysim.widgets import budget_mix_strategy, trainer_scenario  # noqa: E402
from tests.helpers import RETAIL, ROOT  # noqa: E402


@pytest.fixture(scope="module")
def retail():
    return js.load_scenario(RETAIL, {"population.arrivals_per_day": 8})


def test_defaults_start_from_the_scenario_as_written(retail):
    d = classroom_defaults(retail)
    assert staffed_touchpoint(retail) == "call_centre"
    assert d.staff == 2  # the rota's peak
    assert d.patience_minutes == 5.0  # 0.6 x 4 min + 0.4 x 6 min = 4.8, to half a minute
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = js.load_scenario(path)
        where = staffed_touchpoint(scenario)
        assert scenario.touchpoints[where].capacity != float("inf"), path.name
        classroom_case(scenario, classroom_defaults(scenario))  # every shipped scenario works


def test_every_preset_is_a_valid_case_that_changes_something(retail):
    d = classroom_defaults(retail)
    assert "balanced" in PRESETS and len(PRESETS) >= 3
    for name, preset in PRESETS.items():
        settings = apply_preset(d, name)
        case, strategies = classroom_case(retail, settings)
        assert strategies[0] == "baseline"
        assert len(preset.explanation.split()) >= 40, name  # a paragraph, not a label
        if name != "balanced":
            assert settings != apply_preset(d, "balanced"), name
    assert apply_preset(d, "waits_double").staff == d.staff - 1
    assert apply_preset(d.updated(staff=1), "waits_double").staff == 1  # somebody stays
    assert apply_preset(d, "crm_no_campaigns").crm_share == 1.0
    assert apply_preset(d, "cem_no_staff").crm_share == 0.0
    assert len(classroom_case(retail, apply_preset(d, "crm_vs_cem"))[1]) == 4


def test_case_applies_controls_to_both_arms(retail):
    settings = ClassroomSettings(staff=3, patience_minutes=2.0, horizon_days=40, loyalty=True)
    case, (base, plan) = classroom_case(retail, settings)
    assert base == "baseline"
    assert case.touchpoints["call_centre"].capacity == 3
    assert not case.touchpoints["call_centre"].schedule
    assert case.simulation.horizon == 40
    assert all(s.patience == pytest.approx(2 / 60 / 24) for s in case.segments.values())
    assert plan.name == "plan"
    assert [type(p).__name__ for p in plan.parts] == ["CRMPolicy", "CEMPolicy", "LoyaltyPolicy"]
    assert plan.parts[2].config == retail.strategies["loyalty"].loyalty


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"crm_share": 1.5}, "crm_share"),
        ({"staff": 0}, "staff"),
        ({"patience_minutes": 0.0}, "patience_minutes"),
        ({"budget_per_day": -1.0}, "budget_per_day"),
    ],
)
def test_bad_settings_are_one_line_errors(retail, change, field):
    with pytest.raises(js.ScenarioError, match=field):
        classroom_case(retail, ClassroomSettings().updated(**change))


def test_one_click_is_the_public_api_spelled_out(retail):
    settings = ClassroomSettings(budget_per_day=400, crm_share=0.3, horizon_days=60)
    clicked = classroom_comparison(retail, settings, workers=1)
    case = trainer_scenario(retail, staff=2, patience_minutes=4.0, horizon="60 d")
    mix = budget_mix_strategy(case, 400, 0.3, "call_centre", name="plan")
    direct = js.compare(case, ["baseline", mix], replications=3, seed=0, workers=1)
    assert clicked.table.equals(direct.table)
    cells = {(c["kpi"], c["strategy"]): c for c in kpi_cells(clicked)}
    cost = cells[("cost", "plan")]
    assert cost["diff"] >= 0.7 * 400 * 60 - 1e-6  # the CEM share is booked every day
    assert cost["diff_text"] == f"{cost['diff']:+,.0f}" and cost["significant"]
    assert cells[("cost", "baseline")]["diff_text"] == ""  # no difference with itself
    assert cells[("retention_rate", "plan")]["mean_text"].endswith("%")
    assert cells[("retention_rate", "plan")]["diff_text"].endswith(" pp")
    assert cells[("nps", "plan")]["ci_text"].startswith("[")


def test_no_intervals_below_three_replications(retail):
    clicked = classroom_comparison(
        retail, ClassroomSettings(horizon_days=20, replications=2), workers=1
    )
    cells = kpi_cells(clicked)
    assert all(c["ci_text"] == "" and c["diff_ci_text"] == "" for c in cells)
    assert not any(c["significant"] for c in cells)


def test_cli_without_the_extra_names_the_install_command(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "panel", None)  # import panel -> ImportError
    assert main(["dashboard", str(RETAIL)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "journeysim: error: the dashboard needs the optional extra: "
        "pip install 'journeysim[dashboard]'"
    )


def test_cli_bad_scenario_is_the_usual_one_line_error(tmp_path, capsys):
    assert main(["dashboard", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.toml" in err and "Traceback" not in err


def test_cli_help_lists_the_dashboard(capsys):
    assert main(["dashboard", "--help"]) == 0
    out = capsys.readouterr().out
    assert "classroom dashboard" in out and "--port" in out
