"""Target KPIs and survey answers: simulation-based calibration (small, fast settings)."""

from __future__ import annotations

from pathlib import Path

import pytest

import journeysim as js
from journeysim.calibrate.export import journey_log
from journeysim.calibrate.targets import calibrate_targets, survey_statistics, survey_targets

BANK = Path(__file__).resolve().parents[1] / "scenarios" / "bank.toml"


@pytest.fixture(scope="module")
def small():
    return js.load_scenario(
        BANK,
        overrides={
            "simulation.horizon": "30 d",
            "population.returning": False,
            # one-off customers only: the settled bank's 1.9 a day would give too few answers
            "population.arrivals_per_day": 12,
        },
    )


def test_targets_recover_the_arrival_rate_and_report_identification(small):
    truth = js.simulate(small.with_overrides({"population.arrivals_per_day": 20}), seed=0)
    target = float(truth.kpis["journeys"].iloc[0])
    fit = calibrate_targets(
        small,
        {"population.arrivals_per_day": (5.0, 40.0)},
        {"journeys": (target, 0.03 * target)},
        replications=2,
        budget=14,
    )
    assert fit.targets["met"].all() and not fit.unmet
    assert 16 <= fit.best["population.arrivals_per_day"] <= 24
    ident = fit.identification.set_index("parameter").loc["population.arrivals_per_day"]
    assert ident["share_of_range"] < 0.3  # journeys pin the arrival rate down
    assert len(fit.evaluations) == 14


def test_an_impossible_target_is_reported_unmet(small):
    fit = calibrate_targets(
        small,
        {"population.arrivals_per_day": (5.0, 10.0)},
        {"journeys": (5000.0, 10.0)},
        replications=1,
        budget=4,
    )
    assert fit.unmet == ["journeys"]


def test_survey_answers_fit_the_ltr_noise(small):
    truth = js.simulate(small.with_overrides({"psychology.ltr_noise": 2.0}), seed=5, event_log=True)
    answers = journey_log(truth)
    targets = survey_targets(answers)
    assert {"nps", "mean_ltr", "sd_ltr"} <= set(targets)
    fit = calibrate_targets(
        small,
        {"psychology.ltr_noise": (0.2, 4.0)},
        {"sd_ltr": targets["sd_ltr"]},
        replications=1,
        budget=8,
        statistics=survey_statistics,
        event_log=True,
    )
    assert 1.2 <= fit.best["psychology.ltr_noise"] <= 2.8
