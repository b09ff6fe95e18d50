"""The default visit rule (engine/visit.py): the loop's inline fast path is queue_visit exactly."""

import journeysim as js
from journeysim.engine import journey, visit
from tests.helpers import minimal


def test_inline_queue_visit_equals_the_rule(monkeypatch):
    raw = minimal(simulation={"horizon": "30 d", "period": "10 d", "warmup": "1 d"})
    raw["touchpoints"]["desk"]["service"] = {"distribution": "exponential", "mean": "20 min"}
    raw["segments"]["all"]["patience"] = "6 min"
    raw["population"]["arrivals_per_day"] = 40
    scenario = js.scenario_from_dict(raw)
    inline = js.simulate(scenario, seed=4, event_log=True)

    def called(*args):  # the same rule, but not the object the loop runs inline
        return (yield from visit.queue_visit(*args))

    monkeypatch.setattr(journey, "queue_visit", called)  # the loop now calls node.visit
    monkeypatch.setattr(visit, "queue_visit", visit.queue_visit)
    rule = js.simulate(scenario, seed=4, event_log=True)
    for table in ("kpis", "timeline", "touchpoints", "cohorts", "events"):
        assert getattr(rule, table).equals(getattr(inline, table)), table
    desk = inline.touchpoints.set_index("touchpoint").loc["desk"]
    assert desk["abandoned"] > 0 and desk["mean_wait_minutes"] > 0  # the queue was exercised
