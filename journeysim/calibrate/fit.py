"""``fit``: a firm's data files in, a validated scenario with provenance and a fit report out.

The one entry point the CLI (``journeysim fit``) and notebooks share: it reads whichever of the
four kinds of data it is given (transactions, a cohort table, an event log), fits each
(:mod:`.transactions`, :mod:`.sbg`, :mod:`.eventlog`), assembles the scenario document
(:mod:`.document`), validates it with the scenario schema and keeps the report's tables.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.atomic import write_atomic
from journeysim.calibrate.data import load_cohorts, load_event_log, load_transactions
from journeysim.calibrate.document import build_document, to_toml
from journeysim.calibrate.eventlog import EventLogFit, fit_event_log
from journeysim.calibrate.sbg import SBGFit, fit_sbg
from journeysim.calibrate.transactions import TransactionsFit, fit_transactions
from journeysim.scenario.loading import scenario_from_dict
from journeysim.scenario.schema import Scenario

__all__ = ["Calibration", "fit"]


@dataclass
class Calibration:
    """The result of :func:`fit`: the scenario, its commented TOML, the fits and the report."""

    scenario: Scenario
    toml: str
    document: dict[str, Any]
    transactions: TransactionsFit | None = None
    cohorts: list[SBGFit] | None = None
    event_log: EventLogFit | None = None
    notes: list[str] = field(default_factory=list)

    def simulate_holdout(self, replications: int = 3, seed: int = 0) -> pd.DataFrame:
        """Simulate the scenario and add its curve to the holdout tracking (see :mod:`.tracking`).

        Needs transactions. The report and the tracking plot then show observed, model and
        simulated cumulative repeat purchases.
        """
        from journeysim.calibrate.tracking import simulated_tracking

        if self.transactions is None:
            raise ValueError("holdout tracking needs transactions")
        self.transactions.tracking = simulated_tracking(
            self.scenario, self.transactions, replications, seed
        )
        return self.transactions.tracking

    def report(self) -> str:
        """The fit report as Markdown: data used and dropped, every fit, holdout, notes."""
        out = [f"# Fit report: {self.scenario.name}", ""]
        data: list[str] = []
        for part in (self.transactions, self.event_log):
            if part is not None:
                data += part.data
        if data:
            out += ["## Data", "", "```", *data, "```", ""]
        if self.transactions is not None:
            out += _transactions_section(self.transactions)
        if self.cohorts:
            out += _cohorts_section(self.cohorts)
        if self.event_log is not None:
            out += _event_log_section(self.event_log)
        if self.notes:
            out += ["## Notes", "", *[f"- {n}" for n in self.notes], ""]
        out += [
            "## How to read this",
            "",
            "Every value in the scenario file carries a comment: "
            "`fitted:` (data, n, method, estimate with SE and 95% interval) or `ASSUMED` (not "
            "in the data). See docs/calibration.md.",
            "",
        ]
        return "\n".join(out)

    def write(self, out: str | Path) -> list[Path]:
        """Write ``scenario.toml``, ``report.md`` and the report's tables (CSV) into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in (("scenario.toml", self.toml), ("report.md", self.report())):
            path = out / name
            write_atomic(path, lambda tmp, t=text: Path(tmp).write_text(t))
            written.append(path)
        for name, frame in self.tables().items():
            path = out / f"{name}.csv"
            write_atomic(path, lambda tmp, f=frame: f.to_csv(tmp, index=False))
            written.append(path)
        return written

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables (observed vs model)."""
        tables: dict[str, pd.DataFrame] = {}
        if self.transactions is not None:
            tables["holdout_tracking"] = self.transactions.tracking
            tables["acquisition"] = pd.concat(
                [
                    s.acquisition.assign(segment=s.segment)
                    for s in self.transactions.segments.values()
                ]
            )
        for f in self.cohorts or []:
            tables[f"retention_{f.segment}"] = f.observed
        if self.event_log is not None:
            tables["entry"] = self.event_log.entry
            tables["routes"] = self.event_log.routes
            tables["waits"] = self.event_log.waits
        return tables


def _estimate_row(name: str, est: Any) -> str:
    return f"| {name} | {est.value:.4g} | {est.se:.3g} | {est.low:.4g} - {est.high:.4g} |"


def _transactions_section(fit: TransactionsFit) -> list[str]:
    unit = fit.unit_days
    out = [
        "## Transactions",
        "",
        f"Calibration period {fit.start.date()} to {fit.calibration_end.date()}, holdout to "
        f"{fit.end.date()}. Rates per {unit:g} days. The engine's model is "
        f"{'MBG/NBD' if fit.engine_model == 'mbgnbd' else 'BG/NBD'} (docs/calibration.md).",
        "",
    ]
    for seg in fit.segments.values():
        out += [
            f"### Segment {seg.segment}: {seg.customers} customers "
            f"({seg.single_purchase} without a repeat purchase in the calibration period)",
            "",
        ]
        out += ["| parameter | estimate | SE | 95% CI |", "|---|---|---|---|"]
        for label, rep in seg.repeat.items():
            for p in ("r", "alpha", "a", "b"):
                out.append(_estimate_row(f"{label} {p}", getattr(rep, p)))
            out.append(f"| {label} log-likelihood | {rep.loglik:.1f} | | |")
        out.append(_estimate_row("basket mean", seg.basket.mean))
        out.append(_estimate_row("basket sd", seg.basket.sd))
        out.append(_estimate_row("new customers per day", seg.arrivals_per_day))
        out.append("")
        acq = seg.acquisition
        counts = ", ".join(f"{int(n)}" for n in acq["new_customers"])
        out += [f"New customers by acquisition period (from the data's first day): {counts}", ""]
    track = fit.tracking
    last = track.iloc[-1]
    cut = track[~track["holdout"]].iloc[-1] if (~track["holdout"]).any() else track.iloc[0]
    error = last["model"] / last["observed"] - 1 if last["observed"] else math.nan
    out += [
        "### Holdout tracking (cumulative repeat purchases)",
        "",
        f"End of calibration (day {cut['day']:.0f}): observed {cut['observed']:.0f}, model "
        f"{cut['model']:.0f}. End of holdout (day {last['day']:.0f}): observed "
        f"{last['observed']:.0f}, model {last['model']:.0f} ({100 * error:+.1f}%).",
        "",
    ]
    if "simulated" in track:
        sim_error = last["simulated"] / last["observed"] - 1 if last["observed"] else math.nan
        out += [
            f"Simulated scenario at the end of holdout: {last['simulated']:.0f} (95% CI "
            f"{last['simulated_low']:.0f}-{last['simulated_high']:.0f}), "
            f"{100 * sim_error:+.1f}% vs observed.",
            "",
        ]
    return out


def _cohorts_section(fits: list[SBGFit]) -> list[str]:
    out = [
        "## Cohort retention (sBG)",
        "",
        "| segment | alpha | beta | cohorts | customers |",
        "|---|---|---|---|---|",
    ]
    for f in fits:
        out.append(
            f"| {f.segment} | {f.alpha.describe()} | {f.beta.describe()} | {f.cohorts} | "
            f"{f.customers} |"
        )
    out.append("")
    for f in fits:
        out.append(f"Segment {f.segment}, alive share observed vs model:")
        out.append("")
        out += ["```", f.observed.to_string(index=False), "```", ""]
    return out


def _event_log_section(fit: EventLogFit) -> list[str]:
    out = [
        "## Event log",
        "",
        f"{fit.journeys} journeys of {fit.customers} customers over "
        f"{fit.span_days:.4g} days. New customers per day: {fit.arrivals_per_day.describe()}.",
        "",
    ]
    out += [
        "| touchpoint | capacity | service | mean (min) | sd (min) | n | visits/day |",
        "|---|---|---|---|---|---|---|",
    ]
    for tp, cap in fit.capacity.items():
        s = fit.service.get(tp)
        if s is None:
            out.append(f"| {tp} | {cap} | - | - | - | 0 | {fit.visits_per_day[tp]:.3g} |")
        else:
            out.append(
                f"| {tp} | {cap} | {s.distribution} | {s.mean.describe()} | {s.sd:.3g} | "
                f"{s.n} | {fit.visits_per_day[tp]:.3g} |"
            )
    out.append("")
    if len(fit.waits):
        out += [
            "Waits at staffed touchpoints:",
            "",
            "```",
            fit.waits.to_string(index=False),
            "```",
            "",
        ]
    for seg, p in fit.patience.items():
        mean = p["mean"]
        shown = mean.describe() if hasattr(mean, "describe") else "no abandonment: unlimited"
        out.append(
            f"- patience ({seg}): {shown} min, {p['abandoned']} abandoned of "
            f"{p['visits']} queued visits"
        )
    if fit.gap_days is not None:
        out.append(f"- time between journeys: {fit.gap_days.describe()} days")
    if fit.survey:
        out.append("- survey: " + ", ".join(f"{k} {v:.3g}" for k, v in fit.survey.items()))
    if fit.hourly is not None:
        out.append("- demand by hour: " + " ".join(f"{x:.2f}" for x in fit.hourly))
        out.append("- demand by weekday (Mon-Sun): " + " ".join(f"{x:.2f}" for x in fit.weekly))
    out.append("")
    out += [
        "Routes (shares with Wilson 95% intervals):",
        "",
        "```",
        fit.routes.to_string(index=False, float_format=lambda x: f"{x:.3f}"),
        "```",
        "",
    ]
    return out


def fit(
    *,
    transactions: str | Path | pd.DataFrame | None = None,
    cohorts: str | Path | pd.DataFrame | None = None,
    event_log: str | Path | pd.DataFrame | None = None,
    columns: dict[str, str] | None = None,
    calibration_end: Any = None,
    end: Any = None,
    unit_days: float = 7.0,
    period_days: float = 30.0,
    horizon_days: float | None = None,
    name: str = "calibrated",
    tz: str = "UTC",
    today: Any = None,
) -> Calibration:
    """Fit a scenario to a firm's data.

    Parameters
    ----------
    transactions, cohorts, event_log:
        Files (CSV/TSV/Parquet) or DataFrames; at least one. Formats: docs/calibration.md.
    columns:
        Our column name -> the file's, for the transactions and the event log.
    calibration_end:
        Last day of the transactions' calibration period (default: the middle of the data).
    end:
        End of observation: later transactions are dropped and counted.
    unit_days:
        Time unit of the reported BG/NBD rates (7: weeks).
    period_days:
        The scenario's reporting period (and the acquisition periods).
    horizon_days:
        The scenario's horizon (default: the data's span).
    name:
        The scenario's name.
    tz:
        Time zone that dates with an offset are converted to (then the offset is dropped).
    today:
        What counts as the future in the data (default: today, UTC).

    Returns
    -------
    Calibration
        ``scenario`` (validated), ``toml`` (with a comment on every value), the fits, and
        ``report()``.

    Raises
    ------
    DataError
        Bad data (one line: file, column, row); see :mod:`journeysim.calibrate.data`.
    """
    if transactions is None and cohorts is None and event_log is None:
        raise ValueError("give transactions, cohorts or an event log")
    tfit = cfit = efit = None
    if transactions is not None:
        table = load_transactions(transactions, columns, end=end, tz=tz, today=today)
        tfit = fit_transactions(
            table, calibration_end=calibration_end, unit_days=unit_days, period_days=period_days
        )
    if cohorts is not None:
        cfit = fit_sbg(load_cohorts(cohorts))
    if event_log is not None:
        efit = fit_event_log(load_event_log(event_log, columns, tz=tz, today=today))
    doc, notes = build_document(
        name=name,
        transactions=tfit,
        cohorts=cfit,
        event_log=efit,
        horizon_days=horizon_days,
        period_days=period_days,
    )
    sources = [str(x) for x in (transactions, cohorts, event_log) if isinstance(x, str | Path)]
    header = (
        f"Scenario {name!r} calibrated by journeysim.calibrate"
        + (f" from {', '.join(sources)}" if sources else "")
        + ".\nEvery value says where it came from: 'fitted:' (data, n, method, estimate, SE, "
        "95% CI)\nor 'ASSUMED' (not in the data). The fit report is report.md beside this file."
    )
    text = to_toml(doc, header)
    scenario = scenario_from_dict(tomllib.loads(text), source=f"{name} (calibrated)")
    return Calibration(scenario, text, doc, tfit, cfit, efit, notes)
