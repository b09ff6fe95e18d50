"""`journeysim fit`: a validated scenario with provenance and a report; bad data exits 2."""

from __future__ import annotations

import tomllib
from pathlib import Path

import journeysim as js
from journeysim.calibrate.data import read_cdnow
from journeysim.cli import main

CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"


def test_fit_writes_a_valid_commented_scenario_and_report(tmp_path, capsys):
    orders = tmp_path / "orders.csv"
    read_cdnow(CDNOW).rename(columns={"date": "OrderDate"}).to_csv(orders, index=False)
    cohorts = tmp_path / "cohorts.csv"
    cohorts.write_text("cohort,0,1,2,3,4,5,6,7\n2000,1000,631,468,382,326,289,262,241\n")
    out = tmp_path / "fit"
    code = main(
        [
            "fit",
            "--transactions", str(orders),
            "--column", "date=OrderDate",
            "--calibration-end", "1997-09-30",
            "--cohorts", str(cohorts),
            "--out", str(out),
            "--plots",
        ]
    )  # fmt: skip
    assert code == 0
    text = (out / "scenario.toml").read_text()
    scenario = js.scenario_from_dict(tomllib.loads(text), source="fit")
    assert scenario.segments["all"].churn.a == 0.70408  # sBG from the cohort table
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[", "name", "description")):
            assert "# fitted:" in line or "# ASSUMED" in line or line.split("=")[0].strip() in {
                "horizon", "period", "capacity", "distribution", "shop", "purchase", "sd",
            }, line  # fmt: skip
    report = (out / "report.md").read_text()
    assert "21 rows dropped: exact duplicate" in report and "Holdout tracking" in report
    assert (out / "plots" / "holdout_tracking.png").exists()
    assert (out / "holdout_tracking.csv").exists()


def test_fit_bad_data_is_one_line_and_exit_2(tmp_path, capsys):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,date,amount\nA,2024-01-02,1\nB,not a date,2\n")
    code = main(["fit", "--transactions", str(orders), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"journeysim: error: {orders}:3: column 'date': cannot read 'not a date' as a date "
        "(write ISO 8601, e.g. 2024-03-01 or 2024-03-01T14:05:00+01:00)"
    )
    assert main(["fit", "--out", str(tmp_path / "o")]) == 2


def test_fit_targets_writes_the_calibrated_scenario(tmp_path, capsys):
    import tomli_w

    small = js.load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios" / "bank.toml",
        {"simulation.horizon": "20 d", "population.returning": False},
    )
    (tmp_path / "small.toml").write_text(tomli_w.dumps(small.document))
    (tmp_path / "targets.toml").write_text(
        'scenario = "small.toml"\nreplications = 1\nbudget = 6\n'
        '[parameters]\n"population.arrivals_per_day" = [5.0, 30.0]\n'
        "[targets]\njourneys = [300, 20]\n"
    )
    out = tmp_path / "out"
    assert main(["fit", "--targets", str(tmp_path / "targets.toml"), "--out", str(out),
                 "--workers", "1", "--quiet", "--plots"]) == 0  # fmt: skip
    assert (out / "plots" / "profile_population.arrivals_per_day.png").exists()
    text = (out / "scenario.toml").read_text()
    line = next(x for x in text.splitlines() if x.startswith("arrivals_per_day"))
    assert "# fitted: target calibration, 6 points" in line
    js.scenario_from_dict(tomllib.loads(text), source="calibrated")
    assert (out / "identification.csv").exists()
    (tmp_path / "bad.toml").write_text("[parameters]\nx = [1]\n[targets]\nnps = [1, 2]\n")
    assert main(["fit", "--targets", str(tmp_path / "bad.toml"), "--out", str(out)]) == 2
    assert "bad.toml: parameters.x: write [low, high] (two numbers)" in capsys.readouterr().err


def test_fit_event_log_csv_round_trip_through_the_cli(tmp_path):
    from journeysim.calibrate.export import journey_log

    bank = Path(__file__).resolve().parents[1] / "scenarios" / "bank.toml"
    small = js.load_scenario(
        bank,
        {"simulation.horizon": "20 d", "population.returning": False,
         "population.arrivals_per_day": 12,  # one-off contacts enough to fill the rota
         "touchpoints.contact_centre.capacity": 1,
         "touchpoints.contact_centre.service.mean": "100 min"},
    )  # fmt: skip
    log = tmp_path / "contacts.csv"
    journey_log(js.simulate(small, seed=2, event_log=True)).to_csv(log, index=False)
    out = tmp_path / "fit"
    assert main(["fit", "--event-log", str(log), "--out", str(out), "--plots"]) == 0
    scenario = js.scenario_from_dict(tomllib.loads((out / "scenario.toml").read_text()))
    assert set(scenario.touchpoints) == set(small.touchpoints)
    # the most servers the log shows busy at once: the rota's peak (the fit sees no rota)
    desk = small.touchpoints["contact_centre"]
    peak = max([desk.capacity, *(w.servers for w in desk.schedule or [])])
    assert scenario.touchpoints["contact_centre"].capacity == peak
    assert (out / "plots" / "service_contact_centre.png").exists()
    assert "## Event log" in (out / "report.md").read_text()


def test_fit_from_a_cohort_table_alone():
    import pandas as pd

    from journeysim.calibrate.fit import fit

    table = pd.DataFrame(
        {"cohort": ["a", "b"], "segment": ["regular", "high_end"], "0": [1000, 1000],
         "1": [631, 869], "2": [468, 743], "3": [382, 653]}
    )  # fmt: skip
    result = fit(cohorts=table)
    assert result.scenario.simulation.churn == "period"
    assert (
        result.scenario.segments["high_end"].churn.b > result.scenario.segments["regular"].churn.b
    )
    assert "ASSUMED" in result.toml
