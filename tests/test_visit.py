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


def test_one_off_customer_at_a_free_server_costs_three_events(monkeypatch):
    """Arrival, the walk's start (model.OneOffWalk, no Process) and the service: nothing else.

    A server found free is taken without an event (capacity.FifoServers); simpy.Process and
    simpy.Resource would add an Initialize, a request, a release and a process-end event.
    """
    from journeysim.engine import model as model_module

    raw = minimal(simulation={"horizon": "10 d", "period": "10 d"})
    raw["population"] = {"arrivals_per_day": 100, "returning": False}
    raw["touchpoints"] = {"desk": raw["touchpoints"]["desk"]}
    raw["touchpoints"]["desk"]["capacity"] = 50  # never busy: no customer waits
    raw["journey"] = {"entry": {"desk": 1.0}, "routes": {"desk": {"exit": 1.0}}}
    raw["psychology"] = {"enabled": False}
    popped = []
    heappop = model_module.heappop

    def counting(queue):
        item = heappop(queue)
        popped.append(type(item[3]).__name__)
        return item

    monkeypatch.setattr(model_module, "heappop", counting)
    result = js.simulate(js.scenario_from_dict(raw), seed=2)
    customers = int(result.touchpoints["visits"].sum())
    assert customers > 900
    assert popped.count("OneOffWalk") >= customers
    assert "Process" not in popped[3:] and "Request" not in popped and "Release" not in popped
    assert len(popped) <= 3 * customers + 10  # arrivals, starts, services; the run's own few
