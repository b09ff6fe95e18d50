"""CRM mechanisms one at a time, each against a run without it (common random numbers).

Every policy here is built from a :class:`CRMConfig` with a single lever, so the effect checked
is that lever's and follows from its stated rule. Three paired replications on a short retail
horizon; each assertion needs the paired 95% interval to exclude zero.
"""

import pytest

import journeysim as js
from journeysim.scenario.strategy_config import CRMConfig
from journeysim.strategies.crm import CRMPolicy
from tests.helpers import RETAIL, paired_gap


@pytest.fixture(scope="module")
def retail():
    return js.load_scenario(RETAIL, {"simulation.horizon": "150 d"})


def policy(scenario, name, **settings):
    crm = CRMPolicy(CRMConfig(**settings), scenario)
    crm.name = name
    return crm


def test_campaigns_pull_purchases_forward_and_every_contact_is_paid(retail):
    campaigns = policy(
        retail, "campaigns", campaign_every="30 d", campaign_response=0.4, cost_per_contact=0.1
    )
    result = js.compare(retail, ["baseline", campaigns], replications=3, seed=4, workers=1)
    assert paired_gap(result, "campaigns", "journeys", "baseline")[1] > 0
    assert paired_gap(result, "campaigns", "purchases", "baseline")[1] > 0
    runs = result.runs.query("strategy == 'campaigns'")
    assert (runs["crm_contacts"] > 0).all()
    assert runs["cost_crm_campaigns"].to_numpy() == pytest.approx(0.1 * runs["crm_contacts"])


def test_winback_contacts_lapsed_customers_once_per_lapse(retail):
    winback = policy(
        retail, "winback", winback_after="45 d", winback_response=1.0, cost_per_winback=2.0
    )
    result = js.compare(retail, ["baseline", winback], replications=3, seed=5, workers=1)
    runs = result.runs.query("strategy == 'winback'")
    assert (runs["crm_winback_contacts"] > 0).all()
    assert runs["cost_crm_winback"].to_numpy() == pytest.approx(2.0 * runs["crm_winback_contacts"])
    # everybody who responds and is still a customer comes back for a journey now
    assert paired_gap(result, "winback", "journeys", "baseline")[1] > 0
    # retail is not contractual: some lapsed customers have in fact left, which the company
    # cannot see, so part of the spend reaches nobody
    assert (runs["crm_winback_contacts_to_gone"] > 0).all()


def test_upsell_lifts_revenue_per_purchase_from_the_first_day(retail):
    upsell = policy(retail, "upsell", upsell_take_up=0.5, upsell_uplift=0.3, cost_per_upsell=0.01)
    result = js.compare(retail, ["baseline", upsell], replications=3, seed=6, workers=1)
    assert paired_gap(result, "upsell", "revenue", "baseline")[1] > 0
    first = result.timelines.query("period == 0").set_index(["strategy", "replication"])
    assert (first.loc["upsell", "revenue"] > first.loc["baseline", "revenue"]).all()
    assert (result.runs.query("strategy == 'upsell'")["crm_upsells_taken"] > 0).all()
