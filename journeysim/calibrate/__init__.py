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
from journeysim.calibrate.document import Assumed, Fitted, build_document, plain, to_toml
from journeysim.calibrate.eventlog import EventLogFit, fit_event_log
from journeysim.calibrate.export import journey_log
from journeysim.calibrate.fit import Calibration, fit
from journeysim.calibrate.mle import Estimate
from journeysim.calibrate.sbg import SBGFit, fit_sbg, sbg_survival
from journeysim.calibrate.targets import (
    TargetCalibration,
    calibrate_targets,
    survey_statistics,
    survey_targets,
)
from journeysim.calibrate.transactions import (
    RepeatFit,
    TransactionsFit,
    fit_basket,
    fit_repeat,
    fit_transactions,
    rfm,
)

__all__ = [
    "Assumed",
    "Calibration",
    "DataError",
    "Dropped",
    "Estimate",
    "EventLogFit",
    "Fitted",
    "TargetCalibration",
    "RepeatFit",
    "SBGFit",
    "Table",
    "TransactionsFit",
    "build_document",
    "calibrate_targets",
    "fit",
    "fit_basket",
    "fit_event_log",
    "fit_repeat",
    "fit_sbg",
    "fit_transactions",
    "journey_log",
    "load_cohorts",
    "load_event_log",
    "load_transactions",
    "plain",
    "read_cdnow",
    "rfm",
    "sbg_survival",
    "survey_statistics",
    "survey_targets",
    "to_toml",
]
