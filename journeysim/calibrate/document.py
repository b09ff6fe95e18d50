"""Fits -> a scenario document with provenance, written as commented TOML.

Every fitted number is a :class:`Fitted` leaf: the value the scenario gets and a comment saying
what it came from (data, n, method, estimate with its standard error or interval). Numbers that
are not fitted but must be in a scenario are :class:`Assumed` leaves, whose comment says so.
:func:`to_toml` writes the document with each comment at the end of its line; :func:`plain`
strips the comments for validation (:func:`journeysim.scenario_from_dict`).

Keys that other parts of the engine add (``segments.NAME.need_rate_shape``,
``population.demand``) are written only when the installed schema knows them, so the file
always validates; the fit report says what was left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import tomli_w

from journeysim.calibrate.eventlog import EventLogFit
from journeysim.calibrate.sbg import SBGFit
from journeysim.calibrate.transactions import TransactionsFit, fit_basket

__all__ = ["Assumed", "Fitted", "build_document", "plain", "schema_has", "to_toml"]


@dataclass(frozen=True)
class Fitted:
    """A fitted value and where it came from."""

    value: Any
    note: str


@dataclass(frozen=True)
class Assumed:
    """A value the data did not determine (a stated assumption)."""

    value: Any
    note: str


def plain(doc: Any) -> Any:
    """The document without provenance (what the schema validates)."""
    if isinstance(doc, Fitted | Assumed):
        return plain(doc.value)
    if isinstance(doc, dict):
        return {k: plain(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [plain(v) for v in doc]
    return doc


def _value(v: Any) -> str:
    text = tomli_w.dumps({"x": plain(v)}).split("=", 1)[1].strip()
    return " ".join(part.strip() for part in text.splitlines())  # arrays on one line


def _is_table(v: Any) -> bool:
    return isinstance(v, dict) and not isinstance(v, Fitted | Assumed)


def to_toml(doc: dict[str, Any], header: str = "") -> str:
    """Write ``doc`` as TOML, each fitted or assumed value with its comment."""
    lines = [f"# {h}" if h else "#" for h in header.splitlines()]

    def emit(table: dict[str, Any], path: list[str]) -> None:
        scalars = [(k, v) for k, v in table.items() if not _is_table(v)]
        tables = [(k, v) for k, v in table.items() if _is_table(v)]
        if path and scalars:
            lines.append("")
            lines.append(f"[{'.'.join(path)}]")
        for key, v in scalars:
            line = f"{key} = {_value(v)}"
            if isinstance(v, Fitted):
                line += f"  # fitted: {v.note}"
            elif isinstance(v, Assumed):
                line += f"  # ASSUMED (not in the data): {v.note}"
            lines.append(line)
        for key, v in tables:
            emit(v, [*path, key])

    emit(doc, [])
    return "\n".join(lines) + "\n"


def schema_has(model: str, field: str) -> bool:
    """Whether the installed scenario schema has ``model.field`` (e.g. Segment.need_rate_shape)."""
    from journeysim.scenario import schema

    cls = getattr(schema, model, None)
    return cls is not None and field in getattr(cls, "model_fields", {})


def _minutes(x: float) -> str:
    return f"{x:.4g} min"


def _days(x: float) -> str:
    return f"{x:.5g} d"


def build_document(
    *,
    name: str = "calibrated",
    transactions: TransactionsFit | None = None,
    cohorts: list[SBGFit] | None = None,
    event_log: EventLogFit | None = None,
    horizon_days: float | None = None,
    period_days: float = 30.0,
) -> tuple[dict[str, Any], list[str]]:
    """Assemble a scenario document from the fits given; return it and the report's notes.

    Segments come from the transactions (else the event log, else the cohorts); touchpoints
    and the journey from the event log (else one self-service ``shop`` touchpoint whose every
    journey is a purchase, so journeys are purchase occasions). Churn: the cohort table's sBG
    per period if given (contractual), else the transactions' MBG/NBD dropout per journey.
    """
    if transactions is None and cohorts is None and event_log is None:
        raise ValueError("nothing to build a scenario from")
    notes: list[str] = []
    shape_ok = schema_has("Segment", "need_rate_shape")
    demand_ok = schema_has("Population", "demand")
    sbg = {f.segment: f for f in cohorts or []}
    # -- segments
    segments: dict[str, dict[str, Any]] = {}
    if transactions is not None:
        model = transactions.engine_model
        label = "MBG/NBD" if model == "mbgnbd" else "BG/NBD"
        for seg_name, seg in transactions.segments.items():
            fit = seg.repeat[model]
            unit = transactions.unit_days
            n = seg.customers
            src = f"transactions, {n} customers, {fit.repeats} repeat purchases"
            gap = fit.mean_gap_days()
            entry: dict[str, Any] = {
                "share": Fitted(round(seg.share, 6), f"{src}: share of customers"),
                "basket": {
                    "mean": Fitted(
                        round(seg.basket.mean.value, 4),
                        f"{seg.basket.n} purchase occasions, lognormal MLE: mean "
                        + seg.basket.mean.describe(),
                    ),
                    "sd": Fitted(
                        round(seg.basket.sd.value, 4),
                        "lognormal MLE sd " + seg.basket.sd.describe(),
                    ),
                },
                "time_between_needs": Fitted(
                    _days(gap.value),
                    f"{src}: {label} alpha/r = 1/E[need rate]; alpha = "
                    f"{fit.alpha.describe()} per {unit:g} d, r = {fit.r.describe()}",
                ),
            }
            if shape_ok:
                entry["need_rate_shape"] = Fitted(
                    round(fit.r.value, 5), f"{src}: {label} r (Gamma shape) {fit.r.describe()}"
                )
            else:
                notes.append(
                    f"segment {seg_name}: need-rate heterogeneity r = {fit.r.value:.4g} not "
                    "written (this engine has no segments.NAME.need_rate_shape): every "
                    "customer gets the mean rate"
                )
            if seg_name in sbg:
                entry["churn"] = _sbg_churn(sbg[seg_name])
            else:
                entry["churn"] = {
                    "a": Fitted(round(fit.a.value, 5), f"{src}: {label} a {fit.a.describe()}"),
                    "b": Fitted(round(fit.b.value, 5), f"{src}: {label} b {fit.b.describe()}"),
                }
            segments[seg_name] = entry
    elif event_log is not None:
        total = sum(event_log.segment_customers.values())
        for seg_name, count in event_log.segment_customers.items():
            entry = {
                "share": Fitted(
                    round(count / total, 6), f"event log: {count} of {total} customers"
                ),
            }
            amounts = event_log.basket.get(seg_name, event_log.basket.get("all"))
            if amounts is not None:
                b = fit_basket(amounts)
                entry["basket"] = {
                    "mean": Fitted(
                        round(b.mean.value, 4),
                        f"event log, {b.n} purchases: lognormal MLE mean {b.mean.describe()}",
                    ),
                    "sd": Fitted(round(b.sd.value, 4), f"lognormal MLE sd {b.sd.describe()}"),
                }
            else:
                entry["basket"] = {"mean": Assumed(1.0, "no amounts in the log"), "sd": 0.0}
            if event_log.gap_days is not None:
                g = event_log.gap_days
                entry["time_between_needs"] = Fitted(
                    _days(g.value), f"event log: mean start-to-start gap of journeys {g.describe()}"
                )
            else:
                entry["time_between_needs"] = Assumed("30 d", "no customer with two journeys")
            if seg_name in sbg:
                entry["churn"] = _sbg_churn(sbg[seg_name])
            elif "all" in sbg:
                entry["churn"] = _sbg_churn(sbg["all"])
            else:
                entry["churn"] = {
                    "a": Assumed(1.0, "no transactions or cohort table: churn not fitted"),
                    "b": Assumed(99.0, "mean churn 1% per decision"),
                }
            segments[seg_name] = entry
    else:
        total = sum(f.customers for f in cohorts or [])
        for seg_name, f in sbg.items():
            segments[seg_name] = {
                "share": Fitted(
                    round(f.customers / total, 6),
                    f"cohort table: {f.customers} of {total} customers",
                ),
                "basket": {"mean": Assumed(1.0, "no transactions"), "sd": 0.0},
                "time_between_needs": Assumed(
                    _days(period_days), "no transactions: one need a period"
                ),
                "churn": _sbg_churn(f),
            }
    # shares must sum to 1 exactly after rounding
    keys = list(segments)
    rest = 1.0 - sum(plain(segments[k]["share"]) for k in keys[:-1])
    last = segments[keys[-1]]["share"]
    segments[keys[-1]]["share"] = type(last)(round(rest, 9), last.note)
    # -- patience from the event log
    if event_log is not None:
        for seg_name, entry in segments.items():
            fit = event_log.patience.get(seg_name)
            whose = f"segment {seg_name}"
            if not fit or fit["abandoned"] == 0:
                fit, whose = event_log.patience.get("all"), "all segments pooled"
                if fit and fit["abandoned"] > 0:
                    notes.append(
                        f"segment {seg_name}: no abandonment in the log, so its "
                        "patience is the pooled estimate"
                    )
            families = (fit or {}).get("families") or {}
            best = min(families, key=lambda f: families[f]["aic"]) if families else "exponential"
            if fit and best != "exponential" and _patience_tables():
                chosen = families[best]
                aics = ", ".join(f"{k} {v['aic']:.1f}" for k, v in families.items())
                entry["patience"] = {
                    "distribution": Fitted(
                        best,
                        f"event log ({whose}): censored MLE, {fit['abandoned']} abandoned of "
                        f"{fit['visits']} queued visits; lowest AIC of {aics}",
                    ),
                    "mean": Fitted(_minutes(chosen["mean"]), f"{best} censored MLE mean"),
                    "sd": Fitted(_minutes(chosen["sd"]), f"{best} censored MLE sd"),
                }
            elif fit and fit["abandoned"] > 0:
                est = fit["mean"]
                if best != "exponential":
                    notes.append(
                        f"segment {seg_name}: patience fits {best} best (AIC) but this engine "
                        "takes only an exponential patience: the exponential MLE is written"
                    )
                entry["patience"] = Fitted(
                    _minutes(est.value),
                    f"event log ({whose}): exponential MLE with censoring, {fit['abandoned']} "
                    f"abandoned of {fit['visits']} queued visits: {est.describe()} min; "
                    f"Kaplan-Meier median {fit['km_median']:.3g} min",
                )
    # -- segment journeys: rows where a segment routes differently (chi-square, p < 0.01)
    if event_log is not None:
        from journeysim.calibrate.eventlog import segment_differences

        journeys_ok = schema_has("Segment", "journey")
        for seg_name, found in segment_differences(event_log).items():
            if seg_name not in segments:
                continue
            rows = ", ".join(f"{k} (p = {v:.2g})" for k, v in found["p"].items())
            if not journeys_ok:
                notes.append(
                    f"segment {seg_name} differs in {rows} but its own rows are not written: "
                    "this engine has no segments.NAME.journey"
                )
                continue
            journey: dict[str, Any] = {}
            if found["entry"] is not None:
                journey["entry"] = _row(
                    found["entry"], f"segment {seg_name} journeys starting here"
                )
            if found["routes"]:
                journey["routes"] = {
                    tp: _row(part, f"segment {seg_name} transitions from {tp}")
                    for tp, part in found["routes"].items()
                }
            segments[seg_name]["journey"] = journey
            notes.append(f"segment {seg_name}: own journey rows {rows} (chi-square vs the others)")
    # -- population
    population: dict[str, Any] = {}
    if transactions is not None:
        rate = transactions.arrivals_per_day
        population["arrivals_per_day"] = Fitted(
            round(rate.value, 5),
            f"transactions: first purchases per day in the calibration period {rate.describe()}",
        )
    elif event_log is not None:
        rate = event_log.arrivals_per_day
        population["arrivals_per_day"] = Fitted(
            round(rate.value, 5),
            f"event log: customers first seen per day over {event_log.span_days:.4g} d "
            f"{rate.describe()}",
        )
    else:
        population["arrivals_per_day"] = Assumed(1.0, "no transactions or event log")
    population["contractual"] = Assumed(bool(cohorts), "a cohort table means churn is observed")
    if event_log is not None and event_log.hourly is not None:
        if demand_ok:
            population["demand"] = {
                "hourly": Fitted(
                    [float(x) for x in event_log.hourly],
                    f"event log: {event_log.journeys} journey starts by hour",
                ),
                "weekly": Fitted(
                    [float(x) for x in event_log.weekly],
                    "event log: journey starts by weekday, Monday first",
                ),
            }
        else:
            notes.append(
                "demand profile by hour and weekday fitted (see the report) but not "
                "written: this engine has no population.demand"
            )
    # -- touchpoints and journey
    if event_log is not None:
        touchpoints, journey = _graph(event_log)
    else:
        touchpoints = {
            "shop": {
                "capacity": "unlimited",
                "service": {
                    "distribution": "deterministic",
                    "mean": Assumed(
                        "1 min", "transactions only: a journey is one purchase occasion"
                    ),
                },
            }
        }
        journey = {"entry": {"shop": 1.0}, "routes": {"shop": {"purchase": 1.0}}}
    if horizon_days is None:
        if transactions is not None:
            horizon_days = float((transactions.end - transactions.start).days + 1)
        elif event_log is not None:
            horizon_days = max(math.ceil(event_log.span_days), 1)
        else:
            horizon_days = period_days * max(f.periods for f in cohorts or [])
    churn_mode = "period" if cohorts else "journey"
    weekday: dict[str, Any] = {}
    if (
        event_log is not None
        and event_log.start is not None
        and demand_ok
        and event_log.hourly is not None
        and schema_has("SimulationSettings", "start_weekday")
    ):
        day = event_log.start.day_name().lower()
        weekday["start_weekday"] = Fitted(
            day, f"event log starts on {event_log.start.date()}: the demand profile's day 0"
        )
    doc: dict[str, Any] = {
        "name": name,
        "description": "Calibrated from data by journeysim.calibrate (see the fit report).",
        "simulation": {
            "horizon": _days(horizon_days),
            "period": _days(period_days),
            **weekday,
            "churn": Assumed(
                churn_mode,
                "period: sBG from the cohort table; journey: MBG/NBD "
                "dropout after each purchase occasion",
            ),
        },
        "population": population,
        "segments": segments,
        "touchpoints": touchpoints,
        "journey": journey,
        "psychology": {
            "churn_effects": Assumed(
                False,
                "churn is the fitted base propensity alone, so the "
                "scenario reproduces the fit; set true to let experience "
                "move churn",
            ),
            "loyalty_frequency_effect": Assumed(0.0, "need rates are the fitted ones"),
        },
    }
    return doc, notes


def _patience_tables() -> bool:
    """Whether the engine takes ``patience = {distribution, mean, sd}`` (the operations issue)."""
    from journeysim.scenario.schema import Segment

    try:
        Segment.model_validate(
            {
                "share": 1.0,
                "basket": {"mean": 1.0},
                "time_between_needs": "1 d",
                "churn": {"a": 1.0, "b": 1.0},
                "patience": {"distribution": "lognormal", "mean": "3 min", "sd": "1 min"},
            }
        )
    except (ValueError, TypeError):
        return False
    return True


def _sbg_churn(f: SBGFit) -> dict[str, Fitted]:
    src = f"cohort table, {f.cohorts} cohorts, {f.customers} customers, {f.periods} periods"
    return {
        "a": Fitted(round(f.alpha.value, 5), f"{src}: sBG alpha {f.alpha.describe()}"),
        "b": Fitted(round(f.beta.value, 5), f"{src}: sBG beta {f.beta.describe()}"),
    }


def _row(frame: Any, label: str) -> dict[str, Fitted]:
    total = int(frame["count"].sum())
    out: dict[str, Fitted] = {}
    probs = [round(p, 6) for p in frame["p"]]
    probs[-1] = round(1.0 - sum(probs[:-1]), 9)
    for (_, r), p in zip(frame.iterrows(), probs, strict=True):
        target = r["to"] if "to" in r else r["touchpoint"]
        out[str(target)] = Fitted(
            p,
            f"{label}: {int(r['count'])} of {total} (Wilson 95% CI {r['low']:.3f}-{r['high']:.3f})",
        )
    return out


def _graph(fit: EventLogFit) -> tuple[dict[str, Any], dict[str, Any]]:
    touchpoints: dict[str, Any] = {}
    for tp in fit.capacity:
        s = fit.service.get(tp)
        if s is None:
            service: dict[str, Any] = {
                "distribution": "exponential",
                "mean": Assumed("5 min", "fewer than two served visits with a duration"),
            }
        else:
            why = (
                "all durations equal"
                if s.distribution == "deterministic"
                else "lowest AIC of " + ", ".join(f"{k} {v:.1f}" for k, v in s.aic.items())
            )
            service = {
                "distribution": Fitted(s.distribution, f"event log, {s.n} served visits: {why}"),
                "mean": Fitted(_minutes(s.mean.value), f"sample mean {s.mean.describe()} min"),
            }
            if s.distribution in ("lognormal", "gamma"):
                service["sd"] = Fitted(_minutes(s.sd), f"{s.distribution} MLE sd")
        cap = fit.capacity[tp]
        touchpoints[tp] = {
            "capacity": Fitted(
                cap,
                "no visit ever waited: self-service"
                if cap == "unlimited"
                else "largest number of visits in service at once (customers did wait)",
            ),
            "service": service,
        }
    entry = _row(fit.entry[fit.entry["segment"] == "all"], "event log journeys starting here")
    routes = {}
    rows = fit.routes[fit.routes["segment"] == "all"]
    for tp, part in rows.groupby("from", sort=False):
        routes[str(tp)] = _row(part, f"event log transitions from {tp}")
    for tp in touchpoints:
        if tp not in routes:  # only ever abandoned or cut: leave the journey
            routes[tp] = {"exit": Assumed(1.0, "no completed visit leads anywhere in the log")}
    return touchpoints, {"entry": entry, "routes": routes}
