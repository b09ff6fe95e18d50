"""The classroom dashboard page (Panel) and its server.

One page per browser tab: the controls on the left, the results on the right in tabs (key
figures with paired differences and 95% intervals, payback, NPS / retention / revenue over
time, the journey map, the differences in natural units). A click on **Run** starts
:func:`~journeysim.dashboard.case.classroom_comparison` in a background thread on the server's
shared pool of worker processes; a periodic callback moves the progress bar (runs finished
out of runs planned), so the page never freezes. Results for settings already run are kept
(a room of students pressing Run on the same preset costs one computation).

Everything the page shows comes from the public API: :func:`journeysim.compare` through
:func:`~journeysim.dashboard.case.classroom_comparison`,
:meth:`~journeysim.experiments.Comparison.payback` / ``break_even`` through
:func:`journeysim.plots.payback_curve` and :func:`journeysim.report.payback_lines`, and the
plots of :mod:`journeysim.plots`. Panel serves its JavaScript and CSS from the installed
package: the page needs no internet.
"""

from __future__ import annotations

import html
import io
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import matplotlib
import panel as pn
from matplotlib.figure import Figure

from journeysim.confidence import few_replications_warning
from journeysim.dashboard.case import (
    HORIZONS,
    TABLE_KPIS,
    ClassroomSettings,
    classroom_case,
    classroom_comparison,
    classroom_defaults,
    kpi_cells,
    staffed_touchpoint,
)
from journeysim.dashboard.presets import PRESETS, apply_preset
from journeysim.dashboard.progress import CountingExecutor
from journeysim.errors import JourneysimError
from journeysim.experiments.engines import process_pool, useful_workers
from journeysim.kpis import label
from journeysim.report import payback_lines

if TYPE_CHECKING:
    from journeysim.experiments.comparison import Comparison
    from journeysim.scenario.schema import Scenario

__all__ = ["Dashboard", "serve"]

#: Figure size in inches at 96 dpi: fits the results area of a 1280x720 screen.
_FIGSIZE = (9.0, 4.4)
_DPI = 96
_SIDEBAR = 320
_MAIN = 920

_CSS = """
.js-kpis { border-collapse: collapse; font-size: 14px; width: 100%; line-height: 1.15; }
.js-kpis th, .js-kpis td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.js-kpis th:first-child, .js-kpis td:first-child { text-align: left; }
.js-kpis th { background: #f0f3f7; }
.js-kpis small { color: #555; font-size: 11px; }
.js-kpis .sig { font-weight: bold; color: #0b5394; }
.js-note { font-size: 13px; color: #333; }
.js-warn { font-size: 13px; color: firebrick; font-weight: bold; }
pre.js-payback { font-size: 13px; margin: 4px 0; white-space: pre-wrap; }
p.js-note, p.js-warn { margin: 4px 0; }
"""

_NAMES = {"baseline": "baseline", "plan": "plan", "all_crm": "all on CRM", "all_cem": "all on CEM"}


class Dashboard:
    """The server side: the scenario, one pool of workers and the results already computed.

    Parameters
    ----------
    scenario:
        The scenario as loaded.
    defaults:
        The controls' starting values (default: :func:`classroom_defaults`).
    workers:
        Worker processes for the runs (None: every core; 1: in a thread of the server).
    """

    def __init__(
        self,
        scenario: Scenario,
        defaults: ClassroomSettings | None = None,
        workers: int | None = None,
    ) -> None:
        self.scenario = scenario
        self.touchpoint = staffed_touchpoint(scenario)
        self.defaults = defaults or classroom_defaults(scenario)
        classroom_case(scenario, self.defaults)  # bad settings fail before the server starts
        self.workers = useful_workers(workers)
        self.pool: Executor = self._new_pool()
        self._cache: OrderedDict[ClassroomSettings, tuple[Comparison, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Start the workers and run one tiny click, before the web server starts its threads.

        The workers fork now (not from a busy server) and every worker, and the chart code
        here, has imported and cached what a click needs: the first real click is as fast as
        the others.
        """
        for future in [self.pool.submit(os.getpid) for _ in range(self.workers)]:
            future.result()
        tiny = self.defaults.updated(horizon_days=2, replications=self.workers, pure_plans=False)
        _figures(self.scenario, classroom_comparison(self.scenario, tiny, executor=self.pool))

    def _new_pool(self) -> Executor:
        return process_pool(self.workers) if self.workers > 1 else ThreadPoolExecutor(1)

    def replace_broken_pool(self) -> None:
        """A worker died (killed, out of memory): start a new pool for the next click."""
        with self._lock:
            old, self.pool = self.pool, self._new_pool()
        old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker pool."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def results(
        self, settings: ClassroomSettings, executor: Executor
    ) -> tuple[Comparison, dict[str, bytes]]:
        """The comparison for ``settings`` and its charts (computed unless already known).

        The runs go to ``executor``; the charts are drawn in the calling thread.
        """
        with self._lock:
            known = self._cache.get(settings)
        if known is not None:
            return known
        comparison = classroom_comparison(self.scenario, settings, executor=executor)
        result = (comparison, _figures(self.scenario, comparison))
        with self._lock:
            self._cache[settings] = result
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        return result

    def page(self) -> pn.viewable.Viewable:
        """A new page (one per browser tab)."""
        return ClassroomPage(self).layout


class ClassroomPage:
    """The widgets and panes of one browser tab."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        scenario = dashboard.scenario
        d = dashboard.defaults
        currency = scenario.money.currency
        horizons = sorted({*HORIZONS, int(d.horizon_days)})
        self.preset = pn.widgets.Select(
            name="Class exercise",
            options={p.title: key for key, p in PRESETS.items()},
            value="balanced",
            width=_SIDEBAR - 20,
        )
        self.budget = pn.widgets.IntSlider(
            name=f"Budget per day ({currency}, CRM + CEM)",
            start=0,
            end=1000,
            step=50,
            value=int(d.budget_per_day),
            width=_SIDEBAR - 20,
        )
        self.crm_share = pn.widgets.IntSlider(
            name="Share on CRM offers (%), the rest on CEM",
            start=0,
            end=100,
            step=10,
            value=round(100 * d.crm_share),
            width=_SIDEBAR - 20,
        )
        self.staff = pn.widgets.IntSlider(
            name=f"Staff at {dashboard.touchpoint.replace('_', ' ')} (every open hour)",
            start=1,
            end=max(6, d.staff),
            value=d.staff,
            width=_SIDEBAR - 20,
        )
        self.patience = pn.widgets.FloatSlider(
            name="Wait tolerance (minutes before hanging up)",
            start=0.5,
            end=max(15.0, d.patience_minutes),
            step=0.5,
            value=d.patience_minutes,
            width=_SIDEBAR - 20,
        )
        self.loyalty = pn.widgets.Checkbox(name="Loyalty programme in the plan", value=d.loyalty)
        self.pure = pn.widgets.Checkbox(
            name="Also run all on CRM and all on CEM", value=d.pure_plans
        )
        self.horizon = pn.widgets.Select(
            name="Horizon",
            options={f"{h} days": h for h in horizons},
            value=int(d.horizon_days),
            width=(_SIDEBAR - 30) // 2,
        )
        self.replications = pn.widgets.IntInput(
            name="Paired replications",
            start=1,
            end=30,
            value=int(d.replications),
            width=(_SIDEBAR - 30) // 2,
        )
        self.run = pn.widgets.Button(name="Run", button_type="primary", width=_SIDEBAR - 20)
        self.progress = pn.indicators.Progress(value=0, max=100, width=_SIDEBAR - 20, height=18)
        self.status = _html(
            "<span class='js-note' id='js-status'>Choose an exercise, then press Run.</span>",
            width=_SIDEBAR - 20,
        )
        self.explanation = _html("", width=_MAIN)
        self.table = _html(
            "<p class='js-note' id='js-empty'>No results yet: press <b>Run</b>.</p>",
            width=_MAIN,
        )
        self.payback = _figure_pane()
        self.over_time = _figure_pane()
        self.journey = _figure_pane()
        self.forest = _figure_pane()
        self.colour = pn.widgets.RadioButtonGroup(
            options={"wait (minutes)": "mean_wait_minutes", "CSAT (1-5)": "mean_csat"},
            value="mean_wait_minutes",
        )
        self.whose = pn.widgets.Select(options=["baseline"], value="baseline", width=180)
        self.tabs = pn.Tabs(
            ("Key figures", self.table),
            ("Payback", self.payback),
            ("Over time", self.over_time),
            (
                "Journey map",
                pn.Column(
                    pn.Row(
                        _html("<span class='js-note'>colour by</span>"),
                        self.colour,
                        self.whose,
                    ),
                    self.journey,
                ),
            ),
            ("Differences", self.forest),
            dynamic=False,
            width=_MAIN,
        )
        sidebar = pn.Column(
            _html(
                f"<b style='font-size:17px'>journeysim classroom</b><br>"
                f"<span class='js-note'>scenario <b>{html.escape(scenario.name)}</b></span>"
            ),
            self.preset,
            self.budget,
            self.crm_share,
            self.staff,
            self.patience,
            self.loyalty,
            self.pure,
            pn.Row(self.horizon, self.replications),
            self.run,
            self.progress,
            self.status,
            width=_SIDEBAR,
        )
        self.layout = pn.Row(
            sidebar,
            pn.Column(self.explanation, self.tabs, width=_MAIN),
        )
        self._comparison: Comparison | None = None
        self._job: CountingExecutor | None = None
        self._outcome: tuple[Any, ...] | None = None
        self._poll: Any = None
        self._started = 0.0
        self._expected = 1
        self.preset.param.watch(self._on_preset, "value")
        self.run.on_click(self._on_run)
        self.colour.param.watch(self._redraw_journey, "value")
        self.whose.param.watch(self._redraw_journey, "value")
        self._explain("balanced")

    # -- controls -----------------------------------------------------------------------------

    def settings(self) -> ClassroomSettings:
        """The controls as settings."""
        return self.dashboard.defaults.updated(
            budget_per_day=float(self.budget.value),
            crm_share=self.crm_share.value / 100,
            staff=int(self.staff.value),
            patience_minutes=float(self.patience.value),
            loyalty=bool(self.loyalty.value),
            pure_plans=bool(self.pure.value),
            horizon_days=int(self.horizon.value),
            replications=int(self.replications.value),
        )

    def _on_preset(self, event: Any) -> None:
        start = apply_preset(self.dashboard.defaults, event.new)
        self.budget.value = int(start.budget_per_day)
        self.crm_share.value = round(100 * start.crm_share)
        self.staff.value = start.staff
        self.patience.value = start.patience_minutes
        self.loyalty.value = start.loyalty
        self.pure.value = start.pure_plans
        self._explain(event.new)

    def _explain(self, key: str) -> None:
        preset = PRESETS[key]
        self.explanation.object = (
            f"<div class='js-note' style='background:#f6f8e8;padding:6px 10px;"
            f"border-left:4px solid #7a9a01;font-size:13px'><b>{html.escape(preset.title)}.</b> "
            f"{html.escape(preset.explanation)}</div>"
        )

    # -- a run --------------------------------------------------------------------------------

    def _on_run(self, _event: Any = None) -> None:
        if self._poll is not None:
            return
        settings = self.settings()
        try:
            _, strategies = classroom_case(self.dashboard.scenario, settings)
        except JourneysimError as exc:
            self._say(str(exc), error=True)
            return
        self._expected = len(strategies) * settings.replications
        self._job = CountingExecutor(self.dashboard.pool)
        self._outcome = None
        self._started = time.perf_counter()
        self.run.disabled = True
        self.progress.value = -1
        self._say(f"Running {self._expected} simulations ...")
        threading.Thread(target=self._work, args=(settings, self._job), daemon=True).start()
        self._poll = pn.state.add_periodic_callback(self._tick, period=200)

    def _work(self, settings: ClassroomSettings, job: CountingExecutor) -> None:
        try:
            comparison, figures = self.dashboard.results(settings, job)
            self._outcome = ("ok", settings, comparison, figures)
        except JourneysimError as exc:
            self._outcome = ("error", str(exc))
        except BrokenExecutor:
            self.dashboard.replace_broken_pool()
            self._outcome = ("error", "a worker process stopped; press Run again")
        except Exception as exc:  # shown on the page: a classroom has no terminal to read
            self._outcome = ("error", f"{type(exc).__name__}: {exc}")

    def _tick(self) -> None:
        job, outcome = self._job, self._outcome
        if job is not None and outcome is None:
            done = min(job.finished, self._expected)
            # an animated bar until the first runs finish, then the share done
            self.progress.value = int(100 * done / self._expected) if done else -1
            self._say(
                f"Running: {done} of {self._expected} simulations done "
                f"({time.perf_counter() - self._started:.0f} s)"
            )
            return
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        self.run.disabled = False
        if outcome is None:
            return
        if outcome[0] == "error":
            self.progress.value = 0
            self._say(outcome[1], error=True)
            return
        _, settings, comparison, figures = outcome
        with pn.io.hold():  # one message to the browser: numbers, charts and status together
            self._show(settings, comparison, figures)
            self.progress.value = 100
            self._say(
                f"Done in {time.perf_counter() - self._started:.1f} s: "
                f"{len(comparison.strategies)} strategies x {comparison.replications} paired "
                f"replications of {settings.horizon_days} days."
            )

    def _say(self, text: str, error: bool = False) -> None:
        kind = "js-warn" if error else "js-note"
        self.status.object = f"<span class='{kind}' id='js-status'>{html.escape(text)}</span>"

    def _show(self, settings: ClassroomSettings, comparison: Comparison, figures: dict) -> None:
        self._comparison = comparison
        self.table.object = _kpi_html(comparison, settings)
        self.payback.object = figures["payback"]
        self.over_time.object = figures["over_time"]
        self.forest.object = figures["forest"]
        options = {_NAMES.get(s, s): s for s in comparison.strategies}
        self.whose.options = options
        self.whose.value = comparison.baseline
        self.journey.object = figures["journey"]

    def _redraw_journey(self, _event: Any = None) -> None:
        if self._comparison is None:
            return
        self.journey.object = _journey_figure(
            self.dashboard.scenario, self._comparison, self.colour.value, self.whose.value
        )


def _html(text: str, **options: Any) -> pn.pane.HTML:
    return pn.pane.HTML(text, stylesheets=[_CSS], **options)


def _figure_pane() -> pn.pane.PNG:
    return pn.pane.PNG(None, width=_MAIN - 20)


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes (drawn in the worker thread, not on the server's event loop)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _figures(scenario: Scenario, comparison: Comparison) -> dict[str, bytes]:
    """Every chart of the page, drawn off the pyplot state machine (safe in a thread)."""
    from journeysim import plots

    with matplotlib.rc_context({"font.size": 11}):
        payback = Figure(figsize=_FIGSIZE, dpi=_DPI)
        plots.payback_curve(comparison, ax=payback.add_subplot())
        payback.tight_layout()
        over_time = Figure(figsize=(_FIGSIZE[0], 3.6), dpi=_DPI)
        axes = over_time.subplots(1, 3)
        plots.timeline(comparison, "nps", ax=axes[0])
        plots.cohort_retention(comparison, ax=axes[1])
        plots.timeline(comparison, "revenue", ax=axes[2])
        axes[1].set_title("Cohort retention (95% CI)")
        for ax in axes:
            ax.title.set_fontsize(11)
            ax.legend(fontsize=8)
        over_time.tight_layout()
        forest = Figure(figsize=_FIGSIZE, dpi=_DPI)
        plots.comparison_forest(
            comparison,
            kpis=("retention_rate", "nps", "csat", "profit"),
            ax=forest.add_subplot(),
        )
    journey = _journey_figure(scenario, comparison, "mean_wait_minutes", comparison.baseline)
    return {
        "payback": _png(payback),
        "over_time": _png(over_time),
        "forest": _png(forest),
        "journey": journey,
    }


def _journey_figure(
    scenario: Scenario, comparison: Comparison, colour: str, strategy: str
) -> bytes:
    from journeysim import plots

    with matplotlib.rc_context({"font.size": 10}):
        fig = Figure(figsize=_FIGSIZE, dpi=_DPI)
        ax = fig.add_subplot()
        plots.journey_graph(scenario, comparison, color_by=colour, ax=ax, strategy=strategy)
        ax.title.set_fontsize(11)
        fig.tight_layout()
    return _png(fig)


def _kpi_html(comparison: Comparison, settings: ClassroomSettings) -> str:
    """The key-figures tab: means with 95% CIs and paired differences, then payback."""
    cells = {(c["kpi"], c["strategy"]): c for c in kpi_cells(comparison, TABLE_KPIS)}
    names = comparison.strategies
    others = [s for s in names if s != comparison.baseline]
    head = "".join(f"<th>{html.escape(_NAMES.get(s, s))}</th>" for s in names)
    head += "".join(
        f"<th>{html.escape(_NAMES.get(s, s))} &minus; {html.escape(comparison.baseline)}</th>"
        for s in others
    )
    rows = []
    for kpi in TABLE_KPIS:
        if (kpi, comparison.baseline) not in cells:
            continue
        tds = [f"<td>{html.escape(label(kpi))}</td>"]
        for s in names:
            c = cells[(kpi, s)]
            tds.append(
                f"<td data-kpi='{kpi}' data-strategy='{s}' data-field='mean'>{c['mean_text']}"
                f"<br><small>{c['ci_text']}</small></td>"
            )
        for s in others:
            c = cells[(kpi, s)]
            mark = " class='sig'" if c["significant"] else ""
            tds.append(
                f"<td data-kpi='{kpi}' data-strategy='{s}' data-field='diff'>"
                f"<span{mark}>{c['diff_text']}</span><br><small>{c['diff_ci_text']}</small></td>"
            )
        rows.append("<tr>" + "".join(tds) + "</tr>")
    n = comparison.replications
    warning = few_replications_warning(n)
    note = (
        f"<p class='js-warn'>{html.escape(warning)}</p>"
        if warning
        else f"<p class='js-note'>Means over {n} paired replications (the same customers "
        f"under every strategy) with 95% intervals in brackets; <span class='sig'>bold "
        f"blue</span>: the difference's interval excludes zero.</p>"
    )
    spent = (
        f"plan: {comparison.currency} {settings.budget_per_day:,.0f} a day, "
        f"{100 * settings.crm_share:.0f}% on CRM offers and "
        f"{100 * (1 - settings.crm_share):.0f}% on CEM"
        + (", loyalty programme on top" if settings.loyalty else "")
        + f"; {settings.staff} staff, wait tolerance {settings.patience_minutes:g} min in both"
    )
    payback = html.escape(payback_lines(comparison))
    return (
        f"<p class='js-note'>{html.escape(spent)}</p>"
        f"<table class='js-kpis' id='js-kpis'><thead><tr><th>KPI</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
        f"<pre class='js-payback' id='js-payback'>{payback}</pre>"
    )


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at ``address`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def serve(
    dashboard: Dashboard,
    port: int = 5006,
    address: str = "127.0.0.1",
    show: bool = False,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the dashboard until interrupted (Ctrl-C); ``port=0`` picks a free port.

    ``announce`` gets the page's URL once the server listens.
    """
    port = port or free_port(address)
    dashboard.warm_up()
    origins = [f"{address}:{port}"]
    if address == "127.0.0.1":
        origins.append(f"localhost:{port}")
    elif address in ("0.0.0.0", "::"):  # the room's network: students use the host's own name
        origins = ["*"]
    server = pn.serve(
        {"/": dashboard.page},
        port=port,
        address=address,
        websocket_origin=origins,
        show=False,
        start=False,
        verbose=False,  # the CLI prints the URL itself
        title=f"journeysim classroom: {dashboard.scenario.name}",
    )
    host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    url = f"http://{host}:{port}/"
    try:
        server.start()
        announce(url)
        if show:
            server.io_loop.add_callback(server.show, "/")
        server.io_loop.start()
    finally:
        server.stop()
        dashboard.close()
