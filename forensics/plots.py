"""Plots of an election's station results (matplotlib, no display)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.colors import LogNorm

from core.charts import FORMATS, PHONE, figure_bytes
from forensics.analysis import Histograms

PLOTS = {
    "comet": gettext_lazy("Turnout and the leader's share (stations weighted by ballots cast)"),
    "turnout": gettext_lazy("Turnout, stations per 0.1-point bin"),
    "share": gettext_lazy("The leader's share, stations per 0.1-point bin"),
}


def render(name: str, hist: Histograms, title: str, fmt: str) -> bytes:
    if name not in PLOTS or fmt.removeprefix(PHONE) not in FORMATS:
        raise ValueError(f"unknown plot {name}.{fmt}")
    fig, ax = plt.subplots(figsize=(8, 5) if name != "comet" else (7, 6), dpi=110)
    if name == "comet":
        comet = hist.comet.T
        edges = hist.comet_edges
        mesh = ax.pcolormesh(
            edges,
            edges,
            np.where(comet > 0, comet, np.nan),
            cmap="magma_r",
            norm=LogNorm(vmin=max(comet[comet > 0].min(), 1), vmax=comet.max()),
        )
        fig.colorbar(mesh, ax=ax, label=_("ballots cast"))
        ax.set_xlabel(_("turnout, %"))
        ax.set_ylabel(_("leader's share, %"))
    else:
        counts = hist.turnout_counts if name == "turnout" else hist.share_counts
        centres = hist.fine_edges[:-1]
        ax.bar(centres, counts, width=0.1, color="#2f5f98", linewidth=0)
        # Stations at exactly 100 % (closed institutions, and worse) would
        # flatten the rest: cap the axis below them and say how tall they are.
        inner = counts[(centres > 0.05) & (centres < 99.95)]
        cap = 1.25 * inner.max() if inner.size and inner.max() else None
        if cap and counts.max() > cap:
            ax.set_ylim(0, cap)
            for x, c in zip(centres, counts, strict=True):
                if c > cap:
                    ax.annotate(
                        f"{x:.0f} %: {c:,}",
                        (x, cap),
                        xytext=(-4, -12),
                        textcoords="offset points",
                        ha="right",
                        fontsize=8,
                        color="#a4000f",
                    )
        ax.set_xlabel(_("turnout, %") if name == "turnout" else _("leader's share, %"))
        ax.set_ylabel(_("stations"))
        ax.set_xticks(range(0, 101, 10))
        ax.grid(axis="x", color="#ddd", linewidth=0.5)
        ax.set_axisbelow(True)
    ax.set_xlim(0, 100)
    ax.set_title(f"{title}\n{PLOTS[name]}", fontsize=9)
    return figure_bytes(fig, fmt)


def excess_by_year(rows: list[dict], fmt: str) -> bytes:
    """The excess votes of each federal election, with the range over the parameter sets (forensics index)."""
    if fmt.removeprefix(PHONE) not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    shown = [r for r in rows if r.get("excess") is not None]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    years = [r["year"] for r in shown]
    central = np.array([r["excess"] for r in shown]) / 1e6
    low = central - np.array([r["low"] for r in shown]) / 1e6
    high = np.array([r["high"] for r in shown]) / 1e6 - central
    ax.bar(years, central, width=1.2, color="#2f5f98", yerr=[low, high], capsize=4, ecolor="#a4000f")
    for x, y in zip(years, central, strict=True):
        ax.annotate(f"{y:.1f}", (x, y), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(years)
    ax.set_ylabel(_("excess votes for the leader, millions"))
    ax.set_title(_("Excess votes by election (the bar: the range over parameter sets)"), fontsize=9)
    ax.grid(axis="y", color="#ddd", linewidth=0.5)
    ax.set_axisbelow(True)
    return figure_bytes(fig, fmt)
