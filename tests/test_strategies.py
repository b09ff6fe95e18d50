"""Strategies on the shipped retail scenario: the trade-offs the model's rules imply.

Every test compares strategies under common random numbers (replication r of every strategy
sees the same customers, needs and draws) and asserts a *directional* effect whose paired 95%
confidence interval excludes zero. Each effect follows from a stated rule:

* CEM raises quality/consistency and adds staff -> higher perceived quality, shorter waits ->
  higher satisfaction -> higher NPS and lower churn hazard; its costs are booked from day one.
* CRM offers lower the churn hazard of targeted customers for a while and discount their
  purchases; upsell lifts baskets from the first day; nothing in CRM changes a touchpoint, so
  NPS improves only through the complaints it handles (a fraction of CEM's gain), and a
  problem customers do not report (waiting) stays unfixed. Targeted customers are compared
  with the random holdout group the retail CRM keeps;
  the company sees neither satisfaction nor, in retail, who has already left.
* Loyalty members earn rewards -> goal gradient raises purchase frequency, rewards and tiers
  lower churn; rewards and running costs are booked. Enrolment is random, so members are
  compared with eligible non-members of the same run.
* Longer service at the call centre -> longer waits -> wait penalty on perceived quality and
  more abandonment -> lower CSAT and NPS.
"""

from __future__ import annotations

import pandas as pd
import pytest

import journeysim as js
from journeysim.engine.model import Customer
from journeysim.experiments import mean_ci
from journeysim.scenario import rebuild
from journeysim.strategies import set_lever
from journeysim.strategies.crm import CRMPolicy, risk_score
from tests.helpers import RETAIL

REPLICATIONS = 8
HORIZON = {"simulation.horizon": "365 d"}


@pytest.fixture(scope="module")
def retail():
    return js.load_scenario(RETAIL, HORIZON)


@pytest.fixture(scope="module")
def comparison(retail):
    return js.compare(
        retail,
        ["baseline", "crm", "cem", "loyalty", "hybrid"],
        replications=REPLICATIONS,
        seed=11,
        workers=2,
    )


def diff(comparison, strategy, kpi):
    row = comparison.table.query("strategy == @strategy and kpi == @kpi").iloc[0]
    return row["diff"], row["diff_ci_low"], row["diff_ci_high"]


def assert_up(comparison, strategy, kpi):
    mean, low, high = diff(comparison, strategy, kpi)
    assert low > 0, f"{strategy} {kpi}: {mean:+.4g} [{low:+.4g}, {high:+.4g}] should be > 0"


def assert_down(comparison, strategy, kpi):
    mean, low, high = diff(comparison, strategy, kpi)
    assert high < 0, f"{strategy} {kpi}: {mean:+.4g} [{low:+.4g}, {high:+.4g}] should be < 0"


def test_cem_raises_nps_and_retention_but_costs_more_up_front(comparison):
    assert_up(comparison, "cem", "nps")
    assert_up(comparison, "cem", "retention_rate")
    assert_up(comparison, "cem", "csat")
    assert_down(comparison, "cem", "mean_wait_minutes")
    assert_up(comparison, "cem", "cost")
    # costs come first: in the first period CEM already pays, before any extra revenue
    first = comparison.timelines.query("period == 0").groupby("strategy")["cost"].mean()
    assert first["cem"] > first["baseline"]


def assert_positive(values, what):
    ci = mean_ci(pd.Series(values).to_numpy(dtype=float))
    assert ci["ci_low"] > 0, (
        f"{what}: {ci['mean']:+.4g} [{ci['ci_low']:+.4g}, {ci['ci_high']:+.4g}]"
    )


def assert_uplift(crm):
    n1, n0 = crm["crm_offer_windows"].sum(), crm["crm_holdout_windows"].sum()
    k1 = (crm["crm_offer_retained"] * crm["crm_offer_windows"]).sum()
    k0 = (crm["crm_holdout_retained"] * crm["crm_holdout_windows"]).sum()
    p1, p0 = k1 / n1, k0 / n0
    se = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) ** 0.5
    assert p1 - p0 - 1.96 * se > 0, f"offer uplift {p1 - p0:+.4f} (se {se:.4f})"


def test_crm_lifts_retention_revenue_and_nps_at_a_discount_cost(comparison):
    assert_up(comparison, "crm", "retention_rate")
    assert_up(comparison, "crm", "revenue")
    assert_up(comparison, "crm", "discounts")
    crm = comparison.runs.query("strategy == 'crm'")
    assert crm["crm_offers"].min() > 0
    # targeted customers: offered ones stay more often than the random holdout (same score)
    assert (crm["crm_holdout_windows"] > 100).all()
    # pooled over every window of every replication (two proportions, binomial standard
    # error): a per-replication t interval on ~150 holdout windows each throws that away
    assert_uplift(crm)
    # short term: revenue in the first quarter is already up (upsell acts from day one)
    quarter = comparison.timelines.query("period < 3")
    revenue = quarter.groupby(["strategy", "replication"], observed=True)["revenue"].sum()
    assert_positive(revenue["crm"] - revenue["baseline"], "first-quarter revenue")
    # CRM changes no touchpoint: its NPS gain comes only from the complaints it handles
    # (reactive CRM: failed deliveries and checkouts, dropped calls). With the rotas sized to
    # 70-90% occupancy those are many, and calling every one back lifts NPS about as much as
    # CEM does (CEM - CRM: CI low -0.55 on this fixture after the re-sizing; it was > 0 on the
    # idler queues before), so only CRM's own gain is asserted
    assert crm["crm_complaints_handled"].min() > 0
    assert_up(comparison, "crm", "nps")


def test_loyalty_raises_purchase_frequency_and_retention_at_a_reward_cost(comparison):
    assert_up(comparison, "loyalty", "purchases")
    assert_up(comparison, "loyalty", "retention_rate")
    runs = comparison.runs.query("strategy == 'loyalty'")
    # members against eligible non-members of the same run (enrolment is random)
    members, others = runs["loyalty_members"], runs["loyalty_non_members"]
    assert_positive(
        runs["loyalty_member_purchases"] / members - runs["loyalty_non_member_purchases"] / others,
        "purchases per member - per non-member",
    )
    # members stay more often than eligible non-members of the same run: about 1.2 points
    # after a year (16 replications: +1.22 [+0.86, +1.59]), through the attachment rewards build
    assert_positive(
        runs["loyalty_members_active_end"] / members
        - runs["loyalty_non_members_active_end"] / others,
        "share active at the end, members - non-members",
    )
    assert (runs["cost_loyalty_rewards"] > 0).all()
    assert (runs["loyalty_members"] > 0).all()
    assert_up(comparison, "loyalty", "cost")


def test_loyalty_members_churn_less_than_non_members(retail):
    """A tier from the first purchase halving the churn hazard: members stay visibly longer.

    Under the baseline about 25% of eligible customers are gone after a year; halving the
    hazard of members keeps roughly 10 points more of them (4 replications, run-to-run SD of
    the gap under 1 point), so the paired interval is far from zero.
    """
    tier = [{"name": "all", "min_spend": 0.0, "churn_reduction": 0.5}]
    scenario = rebuild(retail, {"strategies.loyalty.loyalty.tiers": tier})
    runs = js.replicate(scenario, "loyalty", replications=4, seed=3, workers=2).runs
    assert_positive(
        runs["loyalty_members_active_end"] / runs["loyalty_members"]
        - runs["loyalty_non_members_active_end"] / runs["loyalty_non_members"],
        "share active at the end, members - non-members",
    )


def test_hybrid_combines_levers(comparison):
    assert_up(comparison, "hybrid", "nps")
    assert_up(comparison, "hybrid", "discounts")
    runs = comparison.runs.query("strategy == 'hybrid'")
    assert (runs["loyalty_members"] > 0).all() and (runs["crm_offers"] > 0).all()


class SlowCallCentre(js.Strategy):
    """A user-written strategy: the call centre takes twice as long per call."""

    name = "slow_call_centre"

    def transform(self, scenario):
        mean = scenario.touchpoints["call_centre"].service.mean
        return rebuild(scenario, {"touchpoints.call_centre.service.mean": 2 * mean})


def test_longer_waits_lower_csat_and_nps_and_crm_cannot_fix_them(retail):
    slow_crm = js.CompositeStrategy(
        "slow_with_crm", [SlowCallCentre(), js.resolve_strategy("crm", retail)]
    )
    strategies = ["baseline", SlowCallCentre(), "crm", slow_crm]
    result = js.compare(retail, strategies, replications=12, seed=5, workers=2)
    assert_up(result, "slow_call_centre", "mean_wait_minutes")
    assert_down(result, "slow_call_centre", "csat")
    assert_down(result, "slow_call_centre", "nps")
    # Waiting is a problem customers do not report (only dropped calls are logged): CRM's
    # offers, campaigns and upsell leave the wait as it is, so the slow call centre costs
    # (nearly) as much under CRM as without it. Calling back dropped calls (complaint handling)
    # offsets a part of the NPS loss, never most of it.
    runs = result.runs.set_index(["strategy", "replication"])
    # (paired by replication: the same customers meet the slow call centre with and without
    # CRM, so "the loss under CRM is more than half the loss without" is tested on
    # loss_crm_r - loss_r / 2, replication by replication)
    for kpi in ("csat", "nps"):
        loss = (runs.loc["baseline", kpi] - runs.loc["slow_call_centre", kpi]).to_numpy()
        loss_crm = (runs.loc["crm", kpi] - runs.loc["slow_with_crm", kpi]).to_numpy()
        kept = mean_ci(loss_crm - 0.5 * loss)
        assert kept["ci_low"] > 0, (kpi, mean_ci(loss), mean_ci(loss_crm), kept)
    wait = runs["mean_wait_minutes"]
    assert wait["slow_with_crm"].mean() >= 0.95 * wait["slow_call_centre"].mean()


ZERO_BUDGETS = """
[strategies.zero_crm.crm]
at_risk_share = 0.0

[strategies.zero_cem.cem]
touchpoints.call_centre = { quality = 0.0 }

[strategies.zero_loyalty.loyalty]
enrolment = 0.0

[strategies.zero_hybrid.crm]
at_risk_share = 0.0
[strategies.zero_hybrid.loyalty]
enrolment = 0.0
"""


def test_zero_budget_strategies_equal_baseline_exactly(tmp_path):
    path = tmp_path / "retail_zero.toml"
    path.write_text(RETAIL.read_text() + ZERO_BUDGETS)
    # a copy is not a shipped file: its burn-in is dropped here (tests/conftest.py)
    scenario = js.load_scenario(
        path,
        {"simulation.horizon": "120 d", "simulation.burn_in": "0 d", "simulation.start": "empty"},
    )
    names = ["baseline", "zero_crm", "zero_cem", "zero_loyalty", "zero_hybrid"]
    result = js.compare(scenario, names, replications=2, seed=3, workers=1)
    kpis = [k for k in js.KPI_COLUMNS if k not in ("cost",)]
    runs = result.runs.set_index(["strategy", "replication"])
    for name in names[1:]:
        pd.testing.assert_frame_equal(
            runs.loc[name, kpis], runs.loc["baseline", kpis], check_exact=True
        )
        assert (runs.loc[name, "cost"] == runs.loc["baseline", "cost"]).all()


def test_common_random_numbers_narrow_the_paired_interval(retail):
    short = retail.with_overrides({"simulation.horizon": "180 d"})
    # 10 replications: the width of a 6-replication interval is itself too noisy to compare
    # (with the per-journey streams of issue 17, seed 2 gave an NPS ratio of 0.60 at 6
    # replications and 0.42 at 10; at 20 replications CRN's NPS interval is 0.59 points wide,
    # against 0.74 with the per-customer streams before)
    on = js.compare(short, ["baseline", "cem"], replications=10, seed=2, workers=2)
    off = js.compare(
        short, ["baseline", "cem"], replications=10, seed=2, workers=2, common_random_numbers=False
    )
    # money narrows several-fold; NPS less since the rotas run at 70-90% occupancy: a chaotic
    # queue gives every paired caller a different wait under CEM's extra agents, and CRN aligns
    # the draws, not the waits (README, "Common random numbers"; 1.3-1.4x measured)
    for kpi, factor in (("nps", 1.0), ("profit", 2.0)):
        width_on = diff(on, "cem", kpi)[2] - diff(on, "cem", kpi)[1]
        width_off = diff(off, "cem", kpi)[2] - diff(off, "cem", kpi)[1]
        assert width_on < width_off / factor, (kpi, width_on, width_off)


def test_parallel_equals_serial(retail):
    short = retail.with_overrides({"simulation.horizon": "60 d"})
    serial = js.compare(short, ["baseline", "crm"], replications=3, seed=9, workers=1)
    parallel = js.compare(short, ["baseline", "crm"], replications=3, seed=9, workers=2)
    assert serial.runs.to_csv() == parallel.runs.to_csv()
    assert serial.table.to_csv() == parallel.table.to_csv()


def test_referrals_are_tracked(retail):
    results = js.simulate(retail.with_overrides({"simulation.horizon": "120 d"}), seed=1)
    row = results.kpis.iloc[0]
    assert 0 < row["customers_referred"] < row["customers_acquired"]
    assert results.timeline["referred_customers"].sum() == row["customers_referred"]
    off = retail.with_overrides(
        {"simulation.horizon": "120 d", "referrals.per_promoter_per_day": 0.0}
    )
    assert js.simulate(off, seed=1).kpis["customers_referred"].iloc[0] == 0


def test_detractors_keep_prospects_away(retail):
    """Suppression thins the same stream of prospects: with it, the customers acquired are a
    subset of those without (common random numbers), so strictly fewer once detractors exist."""
    quiet = {"simulation.horizon": "120 d", "referrals.per_promoter_per_day": 0.0}
    without = retail.with_overrides({**quiet, "referrals.suppression_per_detractor_per_day": 0.0})
    heavy = retail.with_overrides({**quiet, "referrals.suppression_per_detractor_per_day": 0.01})
    a = js.simulate(without, seed=2).kpis.iloc[0]
    b = js.simulate(heavy, seed=2).kpis.iloc[0]
    assert a["customers_referred"] == b["customers_referred"] == 0
    assert b["customers_acquired"] < a["customers_acquired"]


def test_custom_strategy_hooks_are_called(retail):
    calls = {"acquire": 0, "journey": 0, "survey": 0, "period": 0}

    class Counting(js.Strategy):
        name = "counting"

        def on_acquire(self, model, customer):
            calls["acquire"] += 1

        def on_journey_end(self, model, customer, outcome):
            calls["journey"] += 1

        def on_survey(self, model, customer, ltr):
            calls["survey"] += 1

        def on_period(self, model, period):
            calls["period"] += 1

    js.register_strategy("counting", lambda scenario: Counting())
    short = retail.with_overrides({"simulation.horizon": "60 d"})
    row = js.simulate(short, "counting", seed=4).kpis.iloc[0]
    assert calls["acquire"] == row["customers_acquired"]
    assert calls["journey"] == row["journeys"]
    assert calls["survey"] == row["survey_responses"]
    assert calls["period"] == 2  # boundaries at day 30 and day 60
    assert "counting" in js.available_strategies(short)


def test_offer_effect_scales_with_price_sensitivity(retail):
    policy = js.resolve_strategy("crm", retail)
    assert isinstance(policy, CRMPolicy)
    reduction = retail.strategies["crm"].crm.offer_churn_reduction
    for name, segment in retail.segments.items():
        expected = 1.0 - min(1.0, reduction * segment.price_sensitivity)
        assert policy.churn_factor[name] == pytest.approx(expected)
    assert policy.churn_factor["value"] < policy.churn_factor["premium"]


def test_risk_score_uses_only_observable_data():
    import random

    c = Customer(1, "value", 0, 0.0, 0.1, 7.0, 8.0, random.Random(1), random.Random(2), False)
    c.purchases, c.last_purchase_at, c.complaints, c.spend = 3, 10.0, 1, 120.0

    def score():
        return risk_score(c, now=70.0, typical_gap=30.0, typical_basket=40.0)

    before = score()
    c.satisfaction, c.expectation, c.theta, c.loyalty = 1.0, 9.0, 0.9, 0.8  # hidden
    c.active = False  # gone, which a non-contractual business cannot see
    assert score() == before
    c.complaints = 3  # recency, frequency, monetary value and complaints all count
    assert score() > before
    before = score()
    c.spend = 400.0  # same 3 purchases, bigger baskets
    assert score() > before  # more value at risk
    before = score()
    c.purchases, c.spend = 10, 400.0 / 3 * 10  # the same average basket, bought more often
    assert score() < before  # a frequent buyer is less at risk
    before = score()
    c.last_purchase_at = 0.0
    assert score() > before  # longer since the last purchase


def test_levers_from_several_sources_combine():
    import random

    c = Customer(1, "value", 0, 0.0, 0.1, 7.0, 8.0, random.Random(1), random.Random(2), False)
    set_lever(c, "churn_multiplier", "offer", 0.5)
    set_lever(c, "churn_multiplier", "tier", 0.8)
    assert c.churn_multiplier == pytest.approx(0.4)
    set_lever(c, "churn_multiplier", "offer", 1.0)
    assert c.churn_multiplier == pytest.approx(0.8)
    set_lever(c, "discount", "a", 0.1)
    set_lever(c, "discount", "b", 0.2)
    assert c.discount == 0.2


def test_a_strategy_instance_is_fresh_in_every_run(retail):
    short = retail.with_overrides({"simulation.horizon": "60 d"})
    policy = js.resolve_strategy("crm", short)
    first = js.simulate(short, policy, seed=3).kpis["crm_offers"].iloc[0]
    again = js.simulate(short, policy, seed=3).kpis["crm_offers"].iloc[0]
    assert first == again > 0 and policy.offers == 0


def test_crm_sees_churn_only_in_a_contractual_business(retail):
    """Retail (non-contractual): a customer who left looks like a quiet one, so offers and
    contacts reach gone customers, paid for and without effect. With contracts, never."""
    short = {"simulation.horizon": "240 d"}
    open_file = js.simulate(retail.with_overrides(short), "crm", seed=6).kpis.iloc[0]
    assert open_file["crm_offers_to_gone"] > 0 and open_file["crm_contacts_to_gone"] > 0
    assert open_file["crm_winback_contacts_to_gone"] > 0
    contracts = retail.with_overrides({**short, "population.contractual": True})
    seen = js.simulate(contracts, "crm", seed=6).kpis.iloc[0]
    assert seen["crm_offers_to_gone"] == seen["crm_contacts_to_gone"] == 0
    assert seen["crm_winback_contacts_to_gone"] == 0


# -- every strategy starts from the same base ------------------------------------------------

CENSUS: dict[str, list[tuple[int, float, float, int]]] = {}


class _Census(js.Strategy):
    """Writes down the base at day 0 (``on_acquire`` runs for each of its customers then).

    ``changes`` is a transform of touchpoints (quality, staff) like CEM's.
    """

    def __init__(self, name: str, changes: dict[str, object]) -> None:
        self.name = name
        self.changes = changes

    def transform(self, scenario):
        return rebuild(scenario, self.changes, source=self.name) if self.changes else scenario

    def on_acquire(self, model, customer):
        if model.now == 0.0:
            CENSUS.setdefault(self.name, []).append(
                (customer.id, customer.satisfaction, customer.loyalty, customer.journeys)
            )


def test_a_strategy_that_changes_the_business_starts_from_the_same_base(retail):
    # A burn-in runs the business as it was, whatever the strategy: a transform (better
    # quality on the web and in the app, one more agent) takes over at day 0. Until version
    # 0.4 it ran the burn-in too, and the base at day 0 was already the better business's.
    scenario = retail.with_overrides(
        {"simulation.horizon": "30 d", "simulation.burn_in": "120 d", "simulation.start": "empty"}
    )
    better = {
        "touchpoints.web.quality": 9.5,
        "touchpoints.app.quality": 9.5,
        "touchpoints.call_centre.capacity": 3,
    }
    CENSUS.clear()
    as_is = js.simulate(scenario, _Census("as_is", {}), seed=4)
    invested = js.simulate(scenario, _Census("invested", better), seed=4)
    assert len(CENSUS["as_is"]) > 1000
    assert CENSUS["invested"] == CENSUS["as_is"]  # the same customers in the same states
    assert invested.kpis["customers_at_start"].iloc[0] == as_is.kpis["customers_at_start"].iloc[0]
    # ... and the investment acts from day 0: the web's and the app's CSAT rise at once
    csat = {
        name: run.touchpoints.set_index("touchpoint").loc[["web", "app"], "mean_csat"]
        for name, run in (("as_is", as_is), ("invested", invested))
    }
    assert (csat["invested"] > csat["as_is"] + 0.2).all(), csat
