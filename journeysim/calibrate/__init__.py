"""Calibration: a firm's own data in, a scenario with provenance and a fit report out.

Transactions (BG/NBD and MBG/NBD, baskets, acquisition), cohort retention tables (sBG), journey
event logs (entry and route probabilities, service-time families, demand profiles, patience,
waits), survey answers and target KPIs (simulation-based fitting). See docs/calibration.md.
"""

from journeysim.calibrate.data import (
    DataError,
    Dropped,
    Table,
    load_cohorts,
    load_event_log,
    load_transactions,
    read_cdnow,
)
from journeysim.calibrate.mle import Estimate
from journeysim.calibrate.sbg import SBGFit, fit_sbg, sbg_survival
from journeysim.calibrate.transactions import (
    RepeatFit,
    TransactionsFit,
    fit_basket,
    fit_repeat,
    fit_transactions,
    rfm,
)

__all__ = [
    "DataError",
    "Dropped",
    "Estimate",
    "RepeatFit",
    "SBGFit",
    "Table",
    "TransactionsFit",
    "fit_basket",
    "fit_repeat",
    "fit_sbg",
    "fit_transactions",
    "load_cohorts",
    "load_event_log",
    "load_transactions",
    "read_cdnow",
    "rfm",
    "sbg_survival",
]
