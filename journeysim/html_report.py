"""One self-contained HTML file of a comparison, to send to a colleague.

Everything is inside the file: the tables as HTML, the charts as base64 PNG images, no
scripts, no external style sheets or fonts, so it opens offline in any browser and survives
being emailed. It states what was run (scenario, strategies, baseline, seed, replications,
common random numbers, journeysim version, date) and warns, as every view does, when there
are too few replications for intervals.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeysim.atomic import write_text_atomic
from journeysim.confidence import MIN_REPLICATIONS, few_replications_warning
from journeysim.kpis import COMPARE_KPIS, display_scale, label
from journeysim.report import format_kpi, number
from journeysim.version import __version__

if TYPE_CHECKING:
    from journeysim.experiments import Comparison
    from journeysim.scenario import Scenario

__all__ = ["comparison_html", "write_comparison_report"]

_STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
.warning { color: #b00020; font-weight: bold; border: 2px solid #b00020; padding: 0.5em; }
.meta td { text-align: left; } .significant { font-weight: bold; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.note { color: #555; font-size: 0.9em; }
"""


def _png(figure: Any) -> str:
    """A figure as a base64 PNG ``<img>`` (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _table(header: list[str], rows: list[list[str]], classes: list[list[str]] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            css = classes[i][j] if classes else ""
            attr = f' class="{css}"' if css else ""
            cells.append(f"<td{attr}>{html.escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _difference(kpi: str, value: float, currency: str) -> str:
    if value != value:
        return "n/a"
    factor, unit = display_scale(kpi, difference=True, currency=currency)
    return f"{number(factor * value, signed=True)} {unit}".strip()


def comparison_html(
    comparison: Comparison, scenario: Scenario | None = None, title: str | None = None
) -> str:
    """The report as one HTML document (a string).

    Parameters
    ----------
    comparison:
        A :class:`~journeysim.experiments.Comparison`.
    scenario:
        Adds the journey graph and the prior survival curve (optional).
    title:
        Page title (default: the scenario's name).

    Returns
    -------
    str
        A complete HTML5 document with every chart embedded as a base64 PNG.
    """
    from journeysim import plots

    currency = comparison.currency
    n = comparison.replications
    warning = few_replications_warning(n)
    name = comparison.scenario_name or (scenario.name if scenario is not None else "scenario")
    title = title or f"journeysim: {name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if warning:
        parts.append(f'<p class="warning">WARNING: {html.escape(warning)}.</p>')
    meta = [
        ["scenario", name],
        ["strategies", ", ".join(comparison.strategies)],
        ["baseline", comparison.baseline],
        ["replications per strategy", str(n)],
        ["seed", str(comparison.seed)],
        [
            "random numbers",
            "common (paired)" if comparison.common_random_numbers else "independent",
        ],
        ["journeysim version", __version__],
        ["written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")],
    ]
    if scenario is not None:
        meta.insert(1, ["horizon", f"{scenario.simulation.horizon:g} days"])
        if scenario.description:
            meta.insert(1, ["description", scenario.description])
    parts.append('<table class="meta"><tbody>')
    parts += [f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in meta]
    parts.append("</tbody></table>")

    table = comparison.table
    rows_by = {(r.strategy, r.kpi): r for r in table.itertuples()}
    kpis = [k for k in COMPARE_KPIS if k in set(table["kpi"])]
    parts.append("<h2>Mean per strategy (95% CI)</h2>")
    rows = []
    for kpi in kpis:
        row = [label(kpi)]
        for s in comparison.strategies:
            r = rows_by[(s, kpi)]
            cell = format_kpi(kpi, r.mean)
            if r.n >= MIN_REPLICATIONS and r.ci_low == r.ci_low:
                cell += f" [{format_kpi(kpi, r.ci_low)}, {format_kpi(kpi, r.ci_high)}]"
            row.append(cell)
        rows.append(row)
    parts.append(_table(["KPI", *comparison.strategies], rows))

    others = [s for s in comparison.strategies if s != comparison.baseline]
    if others:
        parts.append(f"<h2>Paired difference vs {html.escape(comparison.baseline)} (95% CI)</h2>")
        parts.append(
            '<p class="note">Bold: the 95% interval excludes zero. Shares in percentage '
            "points, NPS in points, money in " + html.escape(currency) + ".</p>"
        )
        rows, classes = [], []
        for kpi in kpis:
            row, css = [label(kpi)], [""]
            for s in others:
                r = rows_by[(s, kpi)]
                cell = _difference(kpi, r.diff, currency)
                enough = r.n >= MIN_REPLICATIONS and r.diff_ci_low == r.diff_ci_low
                if enough:
                    low = _difference(kpi, r.diff_ci_low, currency)
                    high = _difference(kpi, r.diff_ci_high, currency)
                    cell += f" [{low}, {high}]"
                row.append(cell)
                significant = enough and (r.diff_ci_low > 0 or r.diff_ci_high < 0)
                css.append("significant" if significant else "")
            rows.append(row)
            classes.append(css)
        parts.append(_table(["KPI", *others], rows, classes))
        parts.append(_png(plots.comparison_forest(comparison)))

        parts.append("<h2>Payback</h2>")
        even = comparison.break_even()
        rows = []
        for r in even.itertuples():
            when = (
                "not within the horizon"
                if r.break_even_period != r.break_even_period
                else f"period {r.break_even_period:.0f} (day {r.break_even_day:g})"
            )
            span = "n/a"
            if r.n >= MIN_REPLICATIONS:
                early = r.break_even_earliest
                low = "-" if early != early else f"{early:.0f}"
                high = (
                    "beyond horizon"
                    if r.break_even_latest != r.break_even_latest
                    else f"{r.break_even_latest:.0f}"
                )
                span = f"{low} to {high}"
            npv = f"{number(r.npv, signed=True)} {currency}"
            roi = "n/a" if r.roi != r.roi else f"{100 * r.roi:+.0f}%"
            rows.append([r.strategy, when, span, npv, roi])
        parts.append(
            _table(["strategy", "break-even", "95% range (periods)", "NPV at horizon", "ROI"], rows)
        )
        parts.append(_png(plots.payback_curve(comparison).figure))
        parts.append(_png(plots.payback_curve(comparison, discounted=True).figure))
        parts.append("<h2>Over time</h2>")
        parts.append(_png(plots.timeline_differences(comparison)))
    parts.append(_png(plots.timeline_panel(comparison)))
    parts.append("<h2>Customers</h2>")
    parts.append(_png(plots.cohort_retention(comparison).figure))
    parts.append(_png(plots.survival_curve(comparison, scenario).figure))
    parts.append("<h2>Touchpoints</h2>")
    parts.append(_png(plots.touchpoint_waits(comparison).figure))
    if scenario is not None:
        parts.append(_png(plots.journey_graph(scenario, comparison).figure))
    parts.append(
        f'<p class="note">Made with journeysim {html.escape(__version__)}. Re-run with the same '
        "scenario, strategies, seed and replications to get identical numbers.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_comparison_report(
    comparison: Comparison, path: str | Path, scenario: Scenario | None = None
) -> Path:
    """Write :func:`comparison_html` to ``path`` (atomically); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, comparison_html(comparison, scenario))
    return path
