"""Charts of the monitor's counts: detentions over time, a map by city, violations by precinct.

The maps are drawn on longitude and latitude (scaled by the cosine of the
middle latitude, so shapes are not stretched) without tiles: nothing is
fetched from a map server, and the dots alone show where things happened.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from django.utils.translation import gettext as _

from core.charts import figure_bytes
from monitor.stats import DayCount

RED, BLUE, GREY = "#a4000f", "#2f5f98", "#8a8a8a"


def days(rows: list[DayCount], fmt: str = "svg") -> bytes:
    """Detentions per day as bars, journalists and minors as lines below them."""
    fig, ax = plt.subplots(figsize=(8, 3), dpi=110)
    if rows:
        x = np.array([r.day for r in rows], dtype="datetime64[D]")
        if len(rows) <= 200:
            ax.bar(x, [r.detentions for r in rows], color=RED, width=0.8, label=_("detained"))
        else:
            # Thousands of bars take seconds to draw, and a collection of lines is still one SVG path per day: one
            # line that lifts its pen between days (NaN) says the same in a single path (issue 38: 1.1-1.6 s).
            at = mdates.date2num(x)
            xs = np.repeat(at, 3)
            ys = np.zeros(len(xs))
            ys[1::3] = [r.detentions for r in rows]
            xs[2::3] = ys[2::3] = np.nan
            ax.plot(xs, ys, color=RED, linewidth=1, label=_("detained"))
            ax.xaxis_date()
        few = len(rows) <= 200
        ax.plot(
            x,
            [r.journalists for r in rows],
            "o-" if few else "-",
            markersize=3,
            color=BLUE,
            label=_("of them journalists"),
        )
        ax.plot(x, [r.minors for r in rows], "s-" if few else "-", markersize=3, color=GREY, label=_("of them minors"))
        ax.legend(fontsize=8, frameon=False)
        fig.autofmt_xdate()
    else:
        ax.text(
            0.5, 0.5, _("No published detentions for these filters."), ha="center", va="center", transform=ax.transAxes
        )
    ax.set_ylabel(_("people"))
    ax.grid(axis="y", color="#ddd", linewidth=0.5)
    ax.set_axisbelow(True)
    return figure_bytes(fig, fmt)


def bubbles(
    points: list[dict],
    key: str,
    title: str,
    label_top: int = 12,
    fmt: str = "svg",
    size: tuple[float, float] = (8, 4.2),
    largest: float = 900,
) -> bytes:
    """A dot per place (``latitude``, ``longitude``, ``name``), its area proportional to ``key``."""
    points = [p for p in points if p.get("latitude") is not None and p.get("longitude") is not None and p[key]]
    fig, ax = plt.subplots(figsize=size, dpi=110)
    if points:
        top = max(p[key] for p in points)
        middle = sum(p["latitude"] for p in points) / len(points)
        ax.set_aspect(1 / math.cos(math.radians(middle)))
        ax.scatter(
            [p["longitude"] for p in points],
            [p["latitude"] for p in points],
            s=[8 + largest * p[key] / top for p in points],
            color=RED,
            alpha=0.55,
            edgecolors="white",
            linewidths=0.5,
        )
        for p in sorted(points, key=lambda p: -p[key])[:label_top]:
            ax.annotate(
                f"{p['name']}: {p[key]:,}".replace(",", "\u202f"),
                (p["longitude"], p["latitude"]),
                fontsize=7,
                xytext=(4, 4),
                textcoords="offset points",
            )
        ax.margins(0.08)
    else:
        ax.text(0.5, 0.5, _("Nothing published for these filters."), ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(_("longitude"))
    ax.set_ylabel(_("latitude"))
    ax.set_title(title, fontsize=9)
    ax.grid(color="#eee", linewidth=0.5)
    return figure_bytes(fig, fmt)
