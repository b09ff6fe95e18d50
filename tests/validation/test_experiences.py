"""Face validity: the five bad experiences of the seed articles move the scores, and so do their
levers.

The articles name five bad experiences: long waits, unhelpful answers, no personal touch,
generic cold service and unfriendly staff. Each is introduced at the ``desk`` touchpoint of a
small service business (returning customers, every journey surveyed), and then removed by the
lever that matches it (a CEM investment or CRM personalization). Every comparison is paired:
replication r of both scenarios runs with the same seed and identity, so the same customers
arrive with the same needs and draws (common random numbers). A check asserts the expected
direction *and a minimum size* on the paired mean difference, and that the paired Student-t
95% interval excludes zero: an effect that exists only in the noise fails.

"Long waits" is a busy desk (one agent at ~70% load instead of two): its lever, one more agent,
must raise CES (abandoning and waiting beyond the tolerance are effort). The one-hour hold is
checked on the rules themselves (a hold against no wait, same visit otherwise) and in a
simulation, on the journeys that held at least an hour, each paired with the same customer's
same journey at a desk with room to spare.

Minimum sizes (per bad experience; NPS in points, CSAT of the desk on 1-5, CES on 1-7) are in
``MIN``; they are a third to a half of the effects measured when the test was written, so a rule
that loses most of its strength fails.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

import journeysim as js
from journeysim.confidence import mean_ci
from journeysim.engine.perception import Experience, QualityPerception
from journeysim.engine.satisfaction import ces_score, csat_score
from journeysim.scenario import scenario_from_dict
from journeysim.scenario.schema import Psychology
from tests.helpers import minimal

REPLICATIONS = 4
SEED = 2024

#: bad experience -> (introduced at the desk, the lever that removes it, scores it must move)
CASES = {
    "long waits": (
        {"capacity": 1},
        {"cem": {"touchpoints": {"desk": {"capacity": 1, "cost_per_day": 50.0}}}},
        ("nps", "csat_desk", "ces"),
    ),
    "unhelpful answers": (
        {"failure_probability": 0.3},
        {"cem": {"touchpoints": {"desk": {"resolution": 0.9, "cost_per_day": 50.0}}}},
        ("nps", "csat_desk", "ces"),
    ),
    "no personal touch": (
        {"personalization": 0.0},
        {"crm": {"personalization": {"desk": 1.5}, "personalization_cost_per_day": 10.0}},
        ("nps", "csat_desk"),
    ),
    "generic cold service": (
        {"warmth": -1.5},
        {"cem": {"touchpoints": {"desk": {"warmth": 1.5, "cost_per_day": 50.0}}}},
        ("nps", "csat_desk"),
    ),
    "unfriendly staff": (
        {"friendliness": -1.5},
        {"cem": {"touchpoints": {"desk": {"friendliness": 1.5, "cost_per_day": 50.0}}}},
        ("nps", "csat_desk"),
    ),
}

#: minimum paired effect sizes (introducing lowers by at least, removing raises by at least)
MIN = {"nps": 3.0, "csat_desk": 0.2, "ces": 0.1}


def service_desk(**desk):
    """A web shop and a busy staffed desk (~60% utilised with two agents); the desk is warm,
    friendly enough and uses the customer's data (personalization 1.5) unless ``desk`` says
    otherwise. 2% of desk visits fail and go to a support line."""
    raw = minimal(
        simulation={"horizon": "90 d", "period": "30 d", "survey_rate": 1.0},
        population={"arrivals_per_day": 10},
    )
    raw["segments"]["all"].update(
        {"time_between_needs": "8 d", "churn": {"a": 1.0, "b": 30.0}, "patience": "15 min"}
    )
    raw["touchpoints"]["desk"].update(
        {
            "capacity": 2,
            "service": {"distribution": "exponential", "mean": "25 min"},
            "quality": 7.0,
            "personalization": 1.5,
            "failure_probability": 0.02,
            "recovery": "support",
            **desk,
        }
    )
    raw["touchpoints"]["support"] = {
        "capacity": 2,
        "service": {"distribution": "exponential", "mean": "10 min"},
        "quality": 6.5,
    }
    raw["journey"] = {
        "entry": {"web": 0.5, "desk": 0.5},
        "routes": {
            "web": {"purchase": 0.7, "desk": 0.1, "exit": 0.2},
            "desk": {"purchase": 0.9, "exit": 0.1},
            "support": {"purchase": 0.6, "exit": 0.4},
        },
    }
    return raw


def scores(scenario, strategy="baseline"):
    """(replications x 3) array of NPS, the desk's CSAT and CES."""
    rows = []
    for r in range(REPLICATIONS):
        res = js.simulate(scenario, strategy, seed=SEED, identity=(r,))
        k = res.kpis.iloc[0]
        desk = res.touchpoints.set_index("touchpoint").loc["desk", "mean_csat"]
        rows.append((k["nps"], desk, k["ces"]))
    return np.array(rows)


COLUMNS = {"nps": 0, "csat_desk": 1, "ces": 2}


@pytest.fixture(scope="module")
def good():
    return scores(scenario_from_dict(service_desk(), source="good"))


def assert_moves(diff, name, down, what):
    ci = mean_ci(diff)
    size = -ci["mean"] if down else ci["mean"]
    bound = -ci["ci_low"] if down else ci["ci_high"]
    verb = "lowers" if down else "raises"
    assert size >= MIN[name], f"{what} {verb} {name} by {size:.3f} < {MIN[name]}"
    assert (ci["ci_high"] < 0) if down else (ci["ci_low"] > 0), (
        f"{what}: the paired 95% interval of {name} includes 0 ({ci}, {bound})"
    )


@pytest.mark.parametrize("experience", list(CASES))
def test_bad_experience_lowers_scores_and_its_lever_raises_them(good, experience):
    introduce, lever, moved = CASES[experience]
    raw = service_desk(**introduce)
    raw["strategies"] = {"fix": lever}
    bad_scenario = scenario_from_dict(raw, source=experience)
    bad = scores(bad_scenario)
    fixed = scores(bad_scenario, "fix")
    for name in moved:
        col = COLUMNS[name]
        assert_moves(bad[:, col] - good[:, col], name, True, f"{experience} introduced")
        assert_moves(fixed[:, col] - bad[:, col], name, False, f"{experience} removed")


def test_one_hour_hold_lowers_ces_by_a_scale_point_and_csat_clearly():
    """The rules themselves, for one visit at a call centre with the default psychology: an hour
    on hold (beyond a 5-minute tolerance) against no wait costs at least one CES point and at
    least one CSAT point (without answer noise)."""
    psych = Psychology(ces_noise=0.0)
    rule = QualityPerception(7.0, 0.0, 2.0, psych)

    class Node:
        perception = rule
        effort = 2.0
        resource = None

    def visit(wait_days):
        exp = Experience(7.0, psych, surveyed=True)
        exp.add(Node, wait_days, 0.0, False, False, None)
        return ces_score(exp.effort, psych), csat_score(exp.total, 7.0, psych)

    ces_now, csat_now = visit(0.0)
    ces_held, csat_held = visit(1.0 / 24.0)
    assert ces_now - ces_held >= 1
    assert csat_now - csat_held >= 1
    # waiting within the tolerance weighs less than beyond it: the second half-hour of a hold
    # costs more felt time than the first
    assert rule.felt_hours(1.0 / 24) - rule.felt_hours(0.5 / 24) > rule.felt_hours(0.5 / 24)


class _JourneyLog(js.Strategy):
    """Keeps (customer, journey number, wait in days, effort) of every journey: what a CES answer
    is made of. The list is a class attribute, so the deep copy ``simulate`` makes shares it."""

    name = "journey_log"
    rows: ClassVar[list[tuple[int, int, float, float]]] = []

    def on_journey_end(self, model, customer, outcome):
        self.rows.append((customer.id, customer.journeys, outcome.wait, outcome.effort))


def test_journeys_that_held_an_hour_answer_ces_at_least_a_point_lower():
    """In a simulation: the journeys that held at least an hour at a busy desk (one agent at
    ~70% load, callers who never hang up) against the same customer's same journey at the same
    desk with three agents (no hold; common random numbers pair the customers, their needs and
    routes). Their CES (the survey's rule without its answer noise) is at least one scale point
    lower, per replication and on the paired t-interval over replications."""
    psych = Psychology(ces_noise=0.0)
    journeys = {}
    for servers in (1, 3):
        raw = service_desk(capacity=servers)
        raw["segments"]["all"]["patience"] = "unlimited"
        scenario = scenario_from_dict(raw, source=f"{servers} agents")
        journeys[servers] = []
        for r in range(REPLICATIONS):
            _JourneyLog.rows = []
            js.simulate(scenario, _JourneyLog(), seed=SEED, identity=(r,))
            journeys[servers].append({(c, n): (w, e) for c, n, w, e in _JourneyLog.rows})
    per_rep = []
    for held, calm in zip(journeys[1], journeys[3], strict=True):
        pairs = [
            (ces_score(e, psych), ces_score(calm[key][1], psych))
            for key, (w, e) in held.items()
            if w >= 1.0 / 24.0 and key in calm
        ]
        assert len(pairs) >= 30, len(pairs)  # enough journeys held an hour
        diff = np.array([a - b for a, b in pairs], dtype=float)
        per_rep.append(diff.mean())
    assert max(per_rep) <= -1.0, per_rep
    ci = mean_ci(np.array(per_rep))
    assert ci["ci_high"] <= -1.0, ci
