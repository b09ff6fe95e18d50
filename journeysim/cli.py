"""The ``journeysim`` command line. It only calls the public API.

Every user error ends as one line on stderr and exit code 2; never a traceback.

Start-up stays light: this module imports only typer and the package's bottom helpers; each
command imports what it runs (pandas, SimPy, matplotlib ...) when it is called, so
``journeysim --help`` and ``journeysim validate`` never load them (``tests/test_startup.py``,
``benchmarks/startup.py``).
"""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Annotated, Literal

import typer

from journeysim.errors import JourneysimError
from journeysim.kpis import KPI_COLUMNS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate customer journeys and compare CRM, CEM and loyalty strategies.",
)

PlotsOpt = Annotated[
    bool, typer.Option("--plots", metavar="", help="Also write the charts as PNG to OUT/plots.")
]
SeedOpt = Annotated[
    int, typer.Option(min=0, max=2**64 - 1, metavar="N", help="Root random seed (0 to 2**64-1).")
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(min=1, metavar="N", help="Local worker processes (default: all cores)."),
]
BySegmentOpt = Annotated[
    bool,
    typer.Option(
        "--by-segment", metavar="", help="Also print the figures of every customer segment."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", metavar="", help="No progress bar.")]
ScenarioArg = Annotated[
    Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a scenario value: dotted.key=value (repeatable), "
        "e.g. touchpoints.call_centre.capacity=8",
    ),
]


def _version(value: bool) -> None:
    if value:
        from journeysim.version import __version__

        typer.echo(f"journeysim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar="", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Simulate customer journeys and compare CRM, CEM and loyalty strategies."""


@app.command()
def run(
    scenario: ScenarioArg,
    strategy: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="baseline or a strategy the scenario defines (retail: crm, cem, loyalty, hybrid).",
        ),
    ] = "baseline",
    seed: SeedOpt = 0,
    replications: Annotated[
        int, typer.Option(min=1, metavar="N", help="Independent replications.")
    ] = 1,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write kpis/timeline/touchpoints/cohorts/segments CSV+Parquet here.",
        ),
    ] = None,
    quiet: QuietOpt = False,
    plots: PlotsOpt = False,
    by_segment: BySegmentOpt = False,
) -> None:
    """Run a scenario and print its KPI table (mean and 95% CI with --replications)."""
    from journeysim.experiments import replicate
    from journeysim.report import kpi_table, segment_table, summary_table
    from journeysim.scenario.loading import load_scenario
    from journeysim.simulation import simulate

    _needs_out(plots, out)
    spec = load_scenario(scenario, overrides=set_ or None)
    written = f"wrote {out}/{{kpis,timeline,touchpoints,cohorts,segments}}.{{csv,parquet}}"
    long_run = _announce(spec, replications)
    if replications == 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # printed below as plain notes
            results = simulate(spec, strategy, seed, progress=long_run and not quiet)
        for note in results.warnings:  # overloaded touchpoints: one plain line each
            typer.echo(f"note: {note}", err=True)
        typer.echo(f"{spec.name} / {results.kpis['strategy'].iloc[0]} / seed {seed}")
        typer.echo(kpi_table(results.kpis, KPI_COLUMNS))
        if by_segment:
            typer.echo("")
            typer.echo(segment_table(results.segments))
        if out is not None:
            results.write(out)
            typer.echo(written)
            _plots(plots, results, out, spec)
        return
    segments = None
    if by_segment:  # one strategy "compared" with itself: KPIs and per-segment tables at once
        from journeysim.experiments import Replications, compare, summarise

        result = compare(spec, [strategy], replications, seed, workers, progress=not quiet)
        runs = result.runs.drop(columns="strategy")
        reps = Replications(runs=runs, summary=summarise(runs))
        segments = result.segment_table
    else:
        reps = replicate(spec, strategy, replications, seed, workers, progress=not quiet)
    typer.echo(f"{spec.name} / {strategy} / seed {seed} / {replications} replications")
    typer.echo(summary_table(reps.summary))
    if segments is not None:
        typer.echo("")
        typer.echo(segment_table(segments))
    if out is not None:
        _write_replications(reps, out)
        tables = "kpis,summary,timeline,touchpoints,cohorts"
        typer.echo(f"wrote {out}/{{{tables}}}.{{csv,parquet}} (every replication, long)")
        _plots(plots, reps, out, spec)


def _write_replications(reps, out: Path) -> None:  # noqa: ANN001
    """Every replication's tables, long, each row labelled with its ``replication``."""
    from journeysim.engine.results import write_tables

    write_tables(
        {
            "kpis": reps.runs,
            "summary": reps.summary,
            "timeline": reps.timelines,
            "touchpoints": reps.touchpoints,
            "cohorts": reps.cohorts,
        },
        out,
    )


def _announce(spec, runs: int) -> bool:  # noqa: ANN001
    """Refuse an absurd run before it starts; say so when a run is large (with estimates).

    Returns whether a single run is long enough (about 10 s or more) for a progress bar.
    """
    from journeysim.scenario.workload import check_planned_work, work_note

    work = check_planned_work(spec)
    note = work_note(work, runs)
    if note:
        typer.echo(f"journeysim: note: {note}", err=True)
    return work.seconds >= 10.0


def _needs_out(plots: bool, out: Path | None) -> None:
    """Check the output options before any simulation runs (a long run must not be lost)."""
    if plots and out is None:
        raise JourneysimError("--plots needs --out DIR (the PNGs go to DIR/plots)")
    if out is not None:
        from journeysim.atomic import output_problem

        problem = output_problem(out)
        if problem:
            raise JourneysimError(f"--out: {problem}")


def _plots(enabled: bool, data, out: Path, scenario=None, sweep_dir=None) -> None:  # noqa: ANN001
    if enabled:
        from journeysim.plots import save_figures

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            paths = save_figures(data, Path(out) / "plots", scenario=scenario, sweep_dir=sweep_dir)
        for warning in caught:  # one plain line each, not Python's warning format
            typer.echo(f"note: {warning.message}", err=True)
        typer.echo(f"wrote {len(paths)} plots to {Path(out) / 'plots'}")


@app.command()
def compare(
    scenario: ScenarioArg,
    strategies: Annotated[
        str,
        typer.Option(
            metavar="A,B,...", help="Comma-separated strategies; the first is the baseline."
        ),
    ] = "baseline,crm,cem,loyalty",
    replications: Annotated[
        int, typer.Option(min=1, metavar="N", help="Replications per strategy.")
    ] = 10,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    crn: Annotated[
        bool, typer.Option("--crn/--no-crn", help="Common random numbers across strategies.")
    ] = True,
    set_: SetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Write the comparison and every run's tables here."),
    ] = None,
    quiet: QuietOpt = False,
    plots: PlotsOpt = False,
    by_segment: BySegmentOpt = False,
    report: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.html",
            help="Also write one self-contained HTML report (tables and charts embedded).",
        ),
    ] = None,
) -> None:
    """Compare strategies: mean and 95% CI per KPI, paired differences vs the baseline."""
    _needs_out(plots, out)
    if report is not None and report.exists() and report.is_dir():
        raise JourneysimError(f"--report: {report} is a directory; give a file name (.html)")
    from journeysim.experiments import compare as run_compare
    from journeysim.report import comparison_table, segment_comparison_table
    from journeysim.scenario.loading import load_scenario

    spec = load_scenario(scenario, overrides=set_ or None)
    names = [name.strip() for name in strategies.split(",") if name.strip()]
    _announce(spec, replications * len(names))
    result = run_compare(
        spec,
        names,
        replications,
        seed,
        workers,
        common_random_numbers=crn,
        progress=not quiet,
    )
    crn_text = "common random numbers" if crn else "independent random numbers"
    typer.echo(f"{spec.name} / {replications} replications / seed {seed} / {crn_text}")
    typer.echo(comparison_table(result.table, result.strategies, result.baseline))
    if by_segment:
        typer.echo("")
        typer.echo(
            segment_comparison_table(result.segment_table, result.strategies, result.baseline)
        )
    if len(result.strategies) > 1:
        from journeysim.report import payback_lines

        typer.echo("")
        typer.echo(payback_lines(result))
    if out is not None:
        _write_comparison(result, out)
        tables = "comparison,runs,timelines,cohorts,touchpoints,segments,segment_comparison"
        typer.echo(f"wrote {out}/{{{tables}}}.{{csv,parquet}}")
        _plots(plots, result, out, spec)
    if report is not None:
        from journeysim.html_report import write_comparison_report

        write_comparison_report(result, report, spec)
        typer.echo(f"wrote {report} (self-contained HTML report)")


def _write_comparison(result, out: Path) -> None:  # noqa: ANN001
    from journeysim.engine.results import write_tables

    write_tables(
        {
            "comparison": result.table,
            "runs": result.runs,
            "timelines": result.timelines,
            "cohorts": result.cohorts,
            "touchpoints": result.touchpoints,
            "segments": result.segments,
            "segment_comparison": result.segment_table,
        },
        out,
    )


@app.command("sweep")
def sweep_command(
    sweepfile: Annotated[
        Path, typer.Argument(metavar="SWEEPFILE", help="Sweep file (TOML).", show_default=False)
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Local worker processes, or the size of the LocalCluster (default: all cores).",
        ),
    ] = None,
    engine: Annotated[Literal["local", "dask"], typer.Option(help="Where runs execute.")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Dask scheduler, e.g. tcp://host:8786 (with --engine dask; default: start a "
            "LocalCluster).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Results directory (default: ./NAME-results)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", metavar="", help="Complete an interrupted sweep.")
    ] = False,
    quiet: QuietOpt = False,
    plots: PlotsOpt = False,
) -> None:
    """Run a parameter sweep; results go to a resumable Parquet dataset."""
    from journeysim.experiments.sweeps import load_sweep_spec, sweep
    from journeysim.report import number

    spec, _ = load_sweep_spec(sweepfile)
    out = out or Path(f"{spec.name}-results")
    data = sweep(
        sweepfile,
        out=out,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        resume=resume,
        progress=not quiet,
    )
    counts = data["status"].value_counts() if len(data) else {}
    failed, invalid = int(counts.get("failed", 0)), int(counts.get("invalid", 0))
    typer.echo(f"{spec.name}: {len(data)} runs in {out} ({failed} failed, {invalid} invalid)")
    outcomes = [c for c in (spec.outcomes or ["nps", "retention_rate", "profit"]) if c in data]
    if len(data) and outcomes:
        shown = outcomes[:4]
        table = data.groupby(["point", "strategy"], sort=False)[shown].mean()
        typer.echo(table.head(12).to_string(float_format=number))
        if len(table) > 12 or len(outcomes) > len(shown):
            typer.echo(
                f"(first {min(12, len(table))} of {len(table)} point x strategy rows and "
                f"{len(shown)} of {len(outcomes)} outcomes; everything is in {out}: "
                "journeysim.load_sweep)"
            )
    _plots(plots and len(data) > 0, data, out, sweep_dir=out)


@app.command("rerun")
def rerun_command(
    sweep_dir: Annotated[
        Path,
        typer.Argument(
            metavar="SWEEP_DIR", help="A sweep's results directory.", show_default=False
        ),
    ],
    row: Annotated[
        int,
        typer.Argument(
            metavar="ROW", help="Row number in journeysim.load_sweep(SWEEP_DIR).", min=0
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Write the run's kpis/timeline/touchpoints/cohorts here."),
    ] = None,
    events: Annotated[
        bool, typer.Option("--events", metavar="", help="Also write the event log (events.csv).")
    ] = False,
) -> None:
    """Repeat one stored sweep run alone (its KPIs equal the stored ones) and show its tables."""
    from journeysim.experiments.rerun import rerun
    from journeysim.report import kpi_table

    _needs_out(False, out)
    results = rerun(sweep_dir, row, event_log=events)
    meta = results.kpis.iloc[0]
    typer.echo(f"{meta['scenario']} / {meta['strategy']} / seed {meta['seed']} / row {row}")
    typer.echo(kpi_table(results.kpis, KPI_COLUMNS))
    typer.echo("(equal to the stored outcomes)")
    if out is not None:
        results.write(out)
        typer.echo(f"wrote {out}/{{kpis,timeline,touchpoints,cohorts}}.{{csv,parquet}}")
        if events and results.events is not None:
            results.events.to_csv(Path(out) / "events.csv", index=False)
            typer.echo(f"wrote {out}/events.csv")


@app.command()
def validate(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Check a scenario file and say what is wrong (exit code 2) or that it is valid."""
    from journeysim.scenario.loading import load_scenario

    spec = load_scenario(scenario, overrides=set_ or None)
    _announce(spec, 1)  # a run it would refuse is not a valid scenario either
    typer.echo(
        f"{scenario}: valid scenario {spec.name!r}: {len(spec.segments)} segments, "
        f"{len(spec.touchpoints)} touchpoints, horizon {spec.simulation.horizon:g} days"
    )


def _note(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    print(f"journeysim: note: {message}", file=sys.stderr)


class _Interrupted(BaseException):
    """Ctrl-C in the CLI (typer would turn a KeyboardInterrupt into a silent exit code)."""


def _interrupt(signum: int, frame: object) -> None:
    raise _Interrupted


@app.command("fit")
def fit_command(
    out: Annotated[
        Path,
        typer.Option(metavar="DIR", help="Write scenario.toml, report.md and tables here."),
    ],
    transactions: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="customer_id, date, amount[, segment] (CSV/Parquet)."),
    ] = None,
    cohorts: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Cohort table: cohort[, segment], 0, 1, 2, ..."),
    ] = None,
    event_log: Annotated[
        Path | None,
        typer.Option(
            "--event-log", metavar="FILE", help="customer_id, timestamp, touchpoint[, ...]."
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            metavar="OURS=THEIRS",
            help="Map a column, e.g. customer_id=CustID (repeatable).",
        ),
    ] = None,
    calibration_end: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Last day of the calibration period (transactions)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option(metavar="DATE", help="End of observation (later rows dropped).")
    ] = None,
    unit_days: Annotated[
        float, typer.Option(min=0.001, metavar="D", help="Time unit of BG/NBD rates, days.")
    ] = 7.0,
    name: Annotated[str, typer.Option(metavar="NAME", help="Scenario name.")] = "calibrated",
    tz: Annotated[
        str, typer.Option(metavar="ZONE", help="Time zone dates with an offset are converted to.")
    ] = "UTC",
    targets: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Calibration experiment file: parameter ranges and target KPIs with "
            "tolerances (docs/calibration.md).",
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Scenario to calibrate with --targets."),
    ] = None,
    workers: WorkersOpt = None,
    engine: Annotated[
        Literal["local", "dask"], typer.Option(help="Where --targets runs execute.")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help="Dask scheduler (with --engine dask).")
    ] = None,
    quiet: QuietOpt = False,
    simulate_holdout: Annotated[
        int,
        typer.Option(
            min=0, metavar="N", help="Also simulate the scenario N times for holdout tracking."
        ),
    ] = 0,
    plots: PlotsOpt = False,
) -> None:
    """Fit a scenario to a firm's data, or calibrate parameters to target KPIs (--targets).

    Data: transactions, a cohort table, a journey event log (docs/calibration.md).
    """
    from journeysim.calibrate.fit import fit

    if out.exists() and not out.is_dir():
        raise JourneysimError(f"--out: {out} is a file, not a directory")
    if targets is not None:
        _fit_targets(targets, scenario, out, workers, engine, scheduler, quiet, plots)
        return
    if transactions is None and cohorts is None and event_log is None:
        raise JourneysimError("fit needs --transactions, --cohorts, --event-log or --targets")
    mapping = {}
    for item in column or []:
        ours, sep, theirs = item.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise JourneysimError(f"--column {item!r}: write OURS=THEIRS, e.g. date=OrderDate")
        mapping[ours.strip()] = theirs.strip()
    result = fit(
        transactions=transactions,
        cohorts=cohorts,
        event_log=event_log,
        columns=mapping or None,
        calibration_end=calibration_end,
        end=end,
        unit_days=unit_days,
        name=name,
        tz=tz,
    )
    if simulate_holdout and result.transactions is not None:
        result.simulate_holdout(simulate_holdout)
    written = result.write(out)
    typer.echo(
        f"{result.scenario.name}: wrote {len(written)} files to {out} (scenario.toml, report.md)"
    )
    for note in result.notes:
        typer.echo(f"note: {note}")
    if plots:
        from journeysim.plots.calibration import holdout_tracking, retention_fit, service_fit

        folder = out / "plots"
        folder.mkdir(parents=True, exist_ok=True)
        axes = []
        if result.transactions is not None:
            axes.append(("holdout_tracking", holdout_tracking(result.transactions)))
        for f in result.cohorts or []:
            axes.append((f"retention_{f.segment}", retention_fit(f)))
        if result.event_log is not None:
            for tp, service in result.event_log.service.items():
                axes.append((f"service_{tp}", service_fit(service, tp)))
        for stem, ax in axes:
            ax.figure.savefig(folder / f"{stem}.png", dpi=100, bbox_inches="tight")
        typer.echo(f"wrote {len(axes)} plots to {folder}")


def _fit_targets(  # noqa: PLR0913
    targets: Path,
    scenario: Path | None,
    out: Path,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    quiet: bool,
    plots: bool = False,
) -> None:
    """``journeysim fit --targets``: the calibration experiment, on the sweep engines."""
    from journeysim.atomic import write_atomic
    from journeysim.calibrate.targets import (
        calibrate_targets,
        calibrated_toml,
        load_targets_file,
    )
    from journeysim.experiments.engines import make_executor
    from journeysim.report import number
    from journeysim.scenario.loading import load_scenario

    spec = load_targets_file(targets)
    path = scenario or spec.pop("scenario_path", None)
    spec.pop("scenario_path", None)
    if path is None:
        raise JourneysimError(f"{targets}: scenario: give scenario = FILE or --scenario FILE")
    base = load_scenario(path)
    executor, close, _ = make_executor(engine, workers, scheduler)
    try:
        result = calibrate_targets(
            base, workers=1 if executor is None else None, executor=executor,
            progress=not quiet, **spec,
        )  # fmt: skip
    finally:
        close()
    out.mkdir(parents=True, exist_ok=True)
    text = calibrated_toml(base, result)
    write_atomic(out / "scenario.toml", lambda tmp: Path(tmp).write_text(text))
    for name in ("targets", "evaluations", "identification"):
        frame = getattr(result, name)
        write_atomic(out / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    typer.echo(f"{base.name}: {len(result.evaluations)} points; best {result.best}")
    typer.echo(result.targets.to_string(index=False, float_format=number))
    typer.echo(result.identification.to_string(index=False, float_format=number))
    unmet = result.unmet
    typer.echo(f"targets not met: {', '.join(unmet)}" if unmet else "all targets met")
    typer.echo(f"wrote {out}/scenario.toml and targets/evaluations/identification.csv")
    if plots:
        from journeysim.plots.calibration import calibration_profile

        folder = out / "plots"
        folder.mkdir(parents=True, exist_ok=True)
        for parameter in result.best:
            ax = calibration_profile(result, parameter)
            ax.figure.savefig(folder / f"profile_{parameter}.png", dpi=100, bbox_inches="tight")
        typer.echo(f"wrote {len(result.best)} plots to {folder}")


@app.command("dashboard")
def dashboard_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario file (TOML); default: scenarios/retail.toml.",
            show_default=False,
        ),
    ] = None,
    set_: SetOpt = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, metavar="N", help="Port (0: any free port).")
    ] = 5006,
    address: Annotated[
        str,
        typer.Option(metavar="HOST", help="Address to listen on (0.0.0.0: the whole network)."),
    ] = "127.0.0.1",
    horizon: Annotated[
        int, typer.Option(min=1, metavar="DAYS", help="Starting horizon in days.")
    ] = 180,
    replications: Annotated[
        int, typer.Option(min=1, metavar="N", help="Starting paired replications (3+ for CIs).")
    ] = 3,
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    open_: Annotated[
        bool, typer.Option("--open", metavar="", help="Open the page in a web browser.")
    ] = False,
) -> None:
    """Serve the classroom dashboard (CRM vs CEM in the browser) and print its URL."""
    from journeysim.scenario.loading import load_scenario

    path = scenario if scenario is not None else _default_scenario()
    # A class compares strategies from an empty start (the shipped files' steady start and
    # burn-in make every click slower); `--set simulation.start=steady --set
    # "simulation.burn_in=365 d"` brings the settled base back.
    empty = ["simulation.start=empty", "simulation.burn_in=0 d"]
    spec = load_scenario(path, overrides=[*empty, *(set_ or [])])
    from journeysim.dashboard import missing_extra

    problem = missing_extra()
    if problem:
        raise JourneysimError(problem)
    from journeysim.dashboard.app import Dashboard, serve
    from journeysim.dashboard.case import classroom_defaults

    defaults = classroom_defaults(spec).updated(
        horizon_days=horizon, replications=replications, seed=seed
    )
    board = Dashboard(spec, defaults=defaults, workers=workers)

    def announce(url: str) -> None:
        typer.echo(f"journeysim dashboard: scenario {spec.name!r} at {url} (Ctrl-C to stop)")
        sys.stdout.flush()

    try:
        serve(board, port=port, address=address, show=open_, announce=announce)
    except _Interrupted:
        pass
    except OSError as exc:  # the port is taken, the address is not this machine's
        raise JourneysimError(f"cannot serve at {address}:{port}: {exc.strerror or exc}") from None
    typer.echo("journeysim dashboard: stopped")


def _default_scenario() -> Path:
    for candidate in (
        Path("scenarios/retail.toml"),
        Path(__file__).resolve().parents[1] / "scenarios" / "retail.toml",
    ):
        if candidate.is_file():
            return candidate
    raise JourneysimError(
        "no SCENARIO given and scenarios/retail.toml not found: give a scenario file"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2.

    Ctrl-C prints one "aborted" line and exits with code 130 at once: local worker processes
    are stopped, not waited for (a sweep's finished runs are saved; ``--resume`` completes it).
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _interrupt) if main_thread else None
    try:
        return _main_command(argv)
    except (_Interrupted, KeyboardInterrupt):
        print("journeysim: aborted (interrupted)", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _main_command(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", UserWarning)
            warnings.showwarning = _note  # one plain line, not Python's warning format
            result = command.main(args=argv, prog_name="journeysim", standalone_mode=False)
    except JourneysimError as exc:
        print(f"journeysim: error: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except (typer.Abort, KeyboardInterrupt):
        print("journeysim: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors (typer vendors its own click)
        if type(exc).__name__ == "NoArgsIsHelpError":
            ctx = getattr(exc, "ctx", None)
            print(ctx.get_help() if ctx is not None else "journeysim --help", file=sys.stderr)
            return 2
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print(f"journeysim: error: {' '.join(message.split())}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2) or 2)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def console_main() -> None:
    """Console-script wrapper: exit with :func:`main`'s code."""
    sys.exit(main())
