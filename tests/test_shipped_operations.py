"""The shipped scenarios look like real operations: staffed touchpoints busy 70-90% at their peak.

Contact centres plan agent occupancy at about 75-85% (above ~90% agents burn out and queues
explode, below ~70% the rota is overstaffed); shops and branches staff their peak hours to a
similar level. Each shipped scenario starts from its burn-in (an established customer base), so
a short horizon after day 0 measures the load of the year it simulates.

For every touchpoint with a rota (an hour-of-week profile), the *peak window* is the three
consecutive hours of one weekday with the highest occupancy (answered load over scheduled
servers, ``results.profile["occupancy"]``) pooled over the replications; the occupancy of that
window in each replication gives a Student-t interval. Its mean must lie in 70-90% and the
interval be at most 0.25 either side (the window is a few dozen hours of one run, and retail's
support desk serves only a handful of 90-minute cases in it: wide, but not so wide that it
says nothing). The quarter simulated is January-March, retail's quietest. Cost: twelve runs,
each mostly its shipped burn-in (about 80 s on two free cores).
"""

from __future__ import annotations

import tomllib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import journeysim as js
from journeysim.confidence import mean_ci
from tests.helpers import ROOT

SCENARIOS = ["retail", "bank", "telecom", "saas"]
REPLICATIONS = 3
HORIZON = "91 d"  # a quarter: the burn-in is most of the cost
WIDTH = 3  # hours in a peak window


def _profile(job: tuple[str, int]) -> pd.DataFrame:
    name, rep = job
    path = ROOT / "scenarios" / f"{name}.toml"
    simulation = tomllib.loads(path.read_text())["simulation"]  # the file's own start and
    # burn-in (the tests read shipped files without them unless asked: tests/conftest.py)
    changes = {
        "simulation.horizon": HORIZON,
        "simulation.burn_in": simulation["burn_in"],
        "simulation.start": simulation["start"],
    }
    scenario = js.load_scenario(path, changes)
    assert scenario.simulation.burn_in >= 365 and scenario.simulation.start == "steady"
    profile = js.simulate(scenario, seed=11, identity=(rep,)).profile
    return profile.assign(scenario=name, replication=rep)


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    jobs = [(name, rep) for name in SCENARIOS for rep in range(REPLICATIONS)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return pd.concat(list(pool.map(_profile, jobs)), ignore_index=True)


def peak_window(profile: pd.DataFrame) -> tuple[str, int]:
    """(weekday, first hour) of the WIDTH-hour window with the highest mean occupancy."""
    occ = profile.groupby(["weekday", "hour"], sort=False)["occupancy"].mean().fillna(0.0)
    best, where = -1.0, ("", 0)
    for day in profile["weekday"].unique():
        hours = occ.loc[day].reindex(range(24), fill_value=0.0).to_numpy()
        for first in range(24 - WIDTH + 1):
            value = hours[first : first + WIDTH].mean()
            if value > best:
                best, where = value, (day, first)
    return where


def window_occupancy(profile: pd.DataFrame, day: str, first: int) -> float:
    rows = profile[(profile["weekday"] == day) & profile["hour"].between(first, first + WIDTH - 1)]
    return float(rows["occupancy"].fillna(0.0).mean())


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_staffed_touchpoints_are_70_to_90_percent_busy_at_their_peak(profiles, name):
    mine = profiles[profiles["scenario"] == name]
    finite = mine.dropna(subset=["occupancy", "rho"])
    assert (finite["occupancy"] <= finite["rho"] + 1e-9).all()  # the answered are offered
    staffed = sorted(set(mine.loc[np.isfinite(mine["servers"]), "touchpoint"]))
    assert staffed, f"{name}: no touchpoint with a rota"
    for touchpoint in staffed:
        rows = mine[mine["touchpoint"] == touchpoint]
        day, first = peak_window(rows)
        values = np.array(
            [
                window_occupancy(rows[rows["replication"] == rep], day, first)
                for rep in range(REPLICATIONS)
            ]
        )
        ci = mean_ci(values)
        where = f"{name}.{touchpoint} at {day} {first:02d}-{first + WIDTH:02d}: {values}"
        assert 0.70 <= ci["mean"] <= 0.90, where
        assert ci["ci_high"] - ci["ci_low"] <= 0.50, (where, ci)
