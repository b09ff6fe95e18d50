"""Fit-report charts show observed and model, and return their Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from journeysim.calibrate.eventlog import fit_service
from journeysim.calibrate.sbg import fit_sbg
from journeysim.plots.calibration import holdout_tracking, retention_fit, service_fit


def test_holdout_tracking_shows_observed_model_and_holdout():
    track = pd.DataFrame(
        {
            "day": [7.0, 14.0, 21.0, 28.0],
            "observed": [1, 3, 6, 8],
            "model": [1.2, 3.1, 5.5, 8.4],
            "holdout": [False, False, True, True],
            "simulated": [1.0, 2.9, 5.9, 8.1],
        }
    )
    ax = holdout_tracking(track)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["observed", "model", "simulated"]
    assert np.allclose(ax.get_lines()[0].get_ydata(), track["observed"])
    assert "holdout" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_retention_fit_plots_the_sbg_curve():
    fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])[0]
    ax = retention_fit(fit)
    observed, model = ax.get_lines()
    assert np.allclose(observed.get_ydata(), fit.observed["observed"])
    assert np.allclose(model.get_ydata(), fit.survival(np.arange(8)))


def test_service_fit_overlays_the_chosen_density():
    x = np.random.default_rng(1).gamma(4.0, 2.5, 2000)
    fit = fit_service(x)
    ax = service_fit(fit, "store")
    (line,) = ax.get_lines()
    assert line.get_label() == "gamma (lowest AIC)"
    grid = line.get_xdata()
    assert np.trapezoid(line.get_ydata(), grid) == pytest.approx(0.99, abs=0.03)
    assert "store" in ax.get_title()


def test_calibration_profile_marks_best_and_near_optimal():
    from journeysim.calibrate.targets import TargetCalibration
    from journeysim.plots.calibration import calibration_profile

    evaluations = pd.DataFrame({"p": [1.0, 2.0, 3.0, 4.0], "loss": [50.0, 1.0, 0.5, 30.0]})
    result = TargetCalibration(
        best={"p": 3.0},
        loss=0.5,
        targets=pd.DataFrame({"kpi": ["x"], "met": [True]}),
        evaluations=evaluations,
        identification=pd.DataFrame(
            {"parameter": ["p"], "near_low": [2.0], "near_high": [3.0], "share_of_range": [1 / 3]}
        ),
        profiles={},
    )
    ax = calibration_profile(result, "p")
    near = ax.collections[1].get_offsets()
    assert sorted(near[:, 0]) == [2.0, 3.0]
    assert ax.get_lines()[0].get_xdata()[0] == 3.0
    assert "33% of range" in ax.get_title()
