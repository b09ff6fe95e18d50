"""Hypothesis: invariants on small random scenarios."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeysim as js
from journeysim.scenario import scenario_from_dict
from tests.helpers import minimal


@st.composite
def scenarios(draw):
    raw = minimal()
    raw["simulation"] = {
        "horizon": f"{draw(st.integers(5, 40))} d",
        "period": f"{draw(st.integers(3, 15))} d",
        "churn": draw(st.sampled_from(["journey", "period"])),
        "survey_rate": draw(st.floats(0.0, 1.0)),
    }
    raw["population"] = {
        "arrivals_per_day": draw(st.floats(0.5, 20.0)),
        "returning": draw(st.booleans()),
    }
    raw["segments"]["all"]["patience"] = draw(st.sampled_from(["unlimited", "1 min", "10 min"]))
    raw["segments"]["all"]["time_between_needs"] = f"{draw(st.integers(1, 20))} d"
    raw["touchpoints"]["desk"]["capacity"] = draw(st.integers(1, 3))
    raw["touchpoints"]["desk"]["service"]["mean"] = f"{draw(st.floats(1.0, 60.0))} min"
    return scenario_from_dict(raw, source="property"), draw(st.integers(0, 2**32))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants(case):
    scenario, seed = case
    results = js.simulate(scenario, seed=seed)
    k = results.kpis.iloc[0]
    assert k["customers_acquired"] == k["customers_active_end"] + k["customers_churned"]
    for rate in ("retention_rate", "churn_rate", "conversion_rate", "abandonment_rate"):
        assert math.isnan(k[rate]) or 0.0 <= k[rate] <= 1.0
    assert math.isnan(k["nps"]) or -100.0 <= k["nps"] <= 100.0
    assert math.isnan(k["csat"]) or 1.0 <= k["csat"] <= 5.0
    assert math.isnan(k["ces"]) or 1.0 <= k["ces"] <= 7.0
    tp = results.touchpoints
    assert (tp["visits"] == tp["served"] + tp["abandoned"]).all()
    assert (tp["utilisation"].dropna() <= 1.0 + 1e-9).all()
    tl = results.timeline
    assert tl["new_customers"].sum() == k["customers_acquired"]
    assert tl["purchases"].sum() == k["purchases"]
    assert tl["revenue"].sum() == __import__("pytest").approx(k["revenue"])
    assert tl["active_end"].iloc[-1] == k["customers_active_end"]
