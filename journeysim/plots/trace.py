"""One customer's story: visits, waits, satisfaction against expectation, answers, churn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def customer_trace_plot(trace: pd.DataFrame) -> Figure:
    """One panel per customer from :func:`journeysim.experiments.trace.customer_trace`.

    x = simulation day. Lines: satisfaction and expectation after each journey (the quality
    scale, left axis); dots: each visit's perceived quality, its size the wait in minutes
    (labelled when over a minute); green triangles purchases, grey ones journeys that ended
    without buying; the survey answer (LTR 0-10) is written above its journey; purple ticks
    at the top are churn decisions with the probability of leaving; a red X marks the churn.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per customer, titled with its id and segment.
    """
    customers = list(dict.fromkeys(trace["customer"]))
    fig, axes = plt.subplots(
        len(customers), 1, figsize=(9, 2.6 * len(customers)), squeeze=False, sharex=True
    )
    for ax, customer in zip(axes[:, 0], customers, strict=True):
        own = trace[trace["customer"] == customer]
        ends = own[own["event"].isin(["purchase", "exit", "acquired", "churned"])]
        ax.plot(
            ends["time"], ends["satisfaction"], "-o", ms=3, color="tab:blue", label="satisfaction"
        )
        ax.plot(ends["time"], ends["expectation"], "--", color="tab:orange", label="expectation")
        visits = own[own["event"].isin(["visited", "failed", "abandoned"])]
        sizes = 12 + 6 * np.sqrt(visits["wait_minutes"].fillna(0).to_numpy())
        colours = np.where(visits["event"] == "visited", "tab:grey", "tab:red")
        ax.scatter(
            visits["time"],
            visits["perceived"],
            s=sizes,
            c=colours,
            alpha=0.6,
            label="visit: perceived quality (size = wait)",
        )
        for row in visits.itertuples():
            if row.wait_minutes > 1:
                ax.annotate(
                    f"{row.wait_minutes:.0f} min",
                    (row.time, row.perceived),
                    fontsize=6,
                    xytext=(2, 2),
                    textcoords="offset points",
                )
        buys = own[own["event"] == "purchase"]
        exits = own[own["event"] == "exit"]
        low = np.nanmin(own[["satisfaction", "expectation", "perceived"]].to_numpy(dtype=float))
        base = (low if np.isfinite(low) else 0.0) - 0.6
        ax.plot(buys["time"], [base] * len(buys), "^", color="tab:green", label="purchase")
        ax.plot(exits["time"], [base] * len(exits), "^", color="lightgrey", label="no purchase")
        for row in own[own["event"] == "survey"].itertuples():
            ax.annotate(
                f"LTR {row.ltr:.0f}",
                (row.time, base),
                fontsize=7,
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
            )
        decisions = own[own["event"] == "churn_decision"]
        top = np.nanmax(own[["satisfaction", "expectation", "perceived"]].to_numpy(dtype=float))
        top = (top if np.isfinite(top) else 10.0) + 0.4
        ax.plot(
            decisions["time"],
            [top] * len(decisions),
            "|",
            ms=10,
            color="tab:purple",
            label="churn decision (probability)",
        )
        for row in decisions.itertuples():
            ax.annotate(
                f"{100 * row.churn_probability:.0f}%",
                (row.time, top),
                fontsize=6,
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                color="tab:purple",
            )
        churned = own[own["event"] == "churned"]
        if len(churned):
            ax.plot(
                churned["time"], churned["satisfaction"], "X", ms=10, color="red", label="churned"
            )
        segment = own["segment"].dropna()
        name = f"customer {customer}" + (f" ({segment.iloc[0]})" if len(segment) else "")
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_ylabel("quality scale")
    axes[0, 0].legend(fontsize=7, ncol=3, loc="upper right")
    axes[-1, 0].set_xlabel("day")
    fig.tight_layout()
    return fig
