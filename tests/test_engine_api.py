"""ModelAPI (engine/api.py): what a strategy may see and do, and nothing more."""

import pytest

import journeysim as js
from journeysim.engine.api import ModelAPI
from tests.helpers import minimal


def _busy_desk():
    raw = minimal(simulation={"horizon": "40 d", "period": "10 d"})
    raw["touchpoints"]["desk"]["service"] = {"distribution": "exponential", "mean": "20 min"}
    raw["segments"]["all"]["patience"] = "3 min"
    raw["segments"]["all"]["time_between_needs"] = "30 d"
    raw["population"]["arrivals_per_day"] = 30
    raw["journey"]["entry"] = {"desk": 0.6, "web": 0.4}
    return js.scenario_from_dict(raw)


class CallBack(js.Strategy):
    """Call back every customer who hung up: their next journey starts as this one ends."""

    name = "call_back"

    def __init__(self):
        self.pulled = self.refused = 0

    def on_journey_end(self, model, customer, outcome):
        if outcome.abandoned:
            if model.pull_forward(customer):
                self.pulled += 1
            else:
                self.refused += 1
            assert not model.pull_forward(customer)  # once per journey

    def extra_kpis(self, model):
        return {"pulled": self.pulled, "refused": self.refused}


def test_pull_forward_from_journey_end_starts_the_next_journey_at_once():
    scenario = _busy_desk()
    base = js.simulate(scenario, seed=3, event_log=True)
    call_back = js.simulate(scenario, CallBack(), seed=3, event_log=True)
    row = call_back.kpis.iloc[0]
    assert row["pulled"] > 20
    assert row["journeys"] > base.kpis["journeys"].iloc[0] + 0.5 * row["pulled"]


class Twice(js.Strategy):
    """After a customer's first purchase, pull the next two journeys forward at once."""

    name = "twice"

    def on_journey_end(self, model, customer, outcome):
        if customer.journeys <= 2:
            assert model.pull_forward(customer)


def test_a_pulled_journey_starts_exactly_when_the_last_one_ended():
    raw = minimal(simulation={"horizon": "30 d", "period": "10 d"})
    del raw["touchpoints"]["desk"]
    raw["touchpoints"]["web"]["service"] = {"distribution": "deterministic", "mean": "10 min"}
    raw["journey"] = {"entry": {"web": 1.0}, "routes": {"web": {"purchase": 1.0}}}
    raw["segments"]["all"]["time_between_needs"] = "20 d"
    scenario = js.scenario_from_dict(raw)
    events = js.simulate(scenario, Twice(), seed=2, event_log=True).events
    ends = events[events["event"] == "purchase"].groupby("customer")["time"].apply(list)
    ten_minutes = 10 / 1440
    checked = 0
    for times in ends:
        if len(times) >= 3 and times[2] < 29:
            assert times[1] - times[0] == pytest.approx(ten_minutes, abs=1e-9)
            assert times[2] - times[1] == pytest.approx(ten_minutes, abs=1e-9)
            checked += 1
    assert checked > 50


class Spy(js.Strategy):
    name = "spy"

    def setup(self, model):
        self.kind = type(model)
        self.public = {n for n in dir(model) if not n.startswith("_")}
        model.book_daily_cost("spy_fee", 10.0)
        model.every(5.0, lambda api: api.book_cost("spy_ping", 1.0))
        self.draw = model.stream("strategy").random()
        with pytest.raises(ValueError, match="strategies draw from"):
            model.stream("arrivals")

    def on_period(self, model, period):
        assert 0 <= model.now <= model.horizon

    def extra_kpis(self, model):
        return {"spy_draw": self.draw}


def test_strategies_see_the_narrow_interface_only():
    scenario = _busy_desk()
    spy = Spy()
    row = js.simulate(scenario, spy, seed=1).kpis.iloc[0]
    assert row["cost_spy_fee"] == pytest.approx(10.0 * 40)
    assert row["cost_spy_ping"] == pytest.approx(7.0)  # days 5, 10, ..., 35
    assert 0.0 <= row["spy_draw"] < 1.0
    # the hooks get a ModelAPI: no recorder, SimPy environment or streams of other components
    probe = Spy()
    api_members = {n for n in dir(ModelAPI) if not n.startswith("_")}
    assert {"recorder", "env", "streams", "active"}.isdisjoint(api_members)
    assert {"now", "book_cost", "pull_forward", "every", "stream"} <= api_members
    del probe


def test_a_strategy_stream_never_shifts_the_customers_draws():
    scenario = _busy_desk()
    base = js.simulate(scenario, seed=5).kpis.iloc[0]
    spied = js.simulate(scenario, Spy(), seed=5).kpis.iloc[0]
    for kpi in ("customers_acquired", "journeys", "purchases", "nps", "revenue"):
        assert spied[kpi] == base[kpi]
