"""Charts of the forecast: a contest's share distributions, a backtest's calibration."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from django.utils.translation import gettext as _

from core.charts import PHONE, figure_bytes
from smartvote.figures import ContestForecast

ROLE_COLOURS = {"ruling": "#a4000f", "aligned": "#8a8a8a", "eligible": "#2f5f98"}


def short_name(full: str) -> str:
    """ "Романов Михаил Валентинович" → "Романов М. В."; a name of one word stays whole."""
    surname, *given = full.split()
    return " ".join([surname, *(f"{part[0]}." for part in given)])


def distributions(contest: ContestForecast, fmt: str = "svg") -> bytes:
    """Each standing candidate's simulated share as a density, the recommendation drawn thick."""
    standing = [c for c in contest.candidates if c.histogram is not None]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(standing) + 1.2), dpi=110)
    for row, cand in enumerate(reversed(standing)):
        counts = np.array(cand.histogram, dtype=float)
        edges = np.linspace(0, 100, len(counts) + 1)
        height = 0.8 * counts / counts.max() if counts.max() else counts
        colour = ROLE_COLOURS.get(cand.role, "#2f5f98")
        thick = cand.candidate_id == contest.recommended
        ax.fill_between(
            edges[:-1] + 1, row, row + height, step="mid", color=colour, alpha=0.9 if thick else 0.45, linewidth=0
        )
        ax.plot([cand.low or 0, cand.high or 0], [row - 0.08] * 2, color=colour, linewidth=3 if thick else 1.5)
    ax.set_yticks(range(len(standing)))
    # On a phone a full name and party take the narrow figure's whole width: the surname and initials instead.
    name = short_name if fmt.startswith(PHONE) else str
    ax.set_yticklabels([f"{name(c.name)} ({c.party})" for c in reversed(standing)], fontsize=8)
    top = max((c.high or 0 for c in standing), default=50)
    ax.set_xlim(0, min(100, top + 10))
    ax.set_ylim(-0.4, len(standing))
    ax.set_xlabel(_("forecast share of the candidates' vote, % (bar: 80 % interval)"))
    ax.grid(axis="x", color="#ddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_title(contest.name, fontsize=9)
    return figure_bytes(fig, fmt)


def calibration(bins: list[dict], unscaled: list[dict] | None = None, fmt: str = "svg") -> bytes:
    """Forecast probability against the share of times it came true."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=110)
    ax.plot([0, 1], [0, 1], color="#999", linewidth=1, linestyle="--", label=_("perfect calibration"))
    for data, label, colour in (
        (unscaled, _("uncertainty scale 1"), "#8a8a8a"),
        (bins, _("calibrated (leave one contest out)"), "#2f5f98"),
    ):
        if not data:
            continue
        x = [b["forecast"] for b in data]
        y = [b["observed"] for b in data]
        ax.plot(x, y, marker="o", color=colour, label=label)
        for b in data:
            ax.annotate(
                str(b["n"]),
                (b["forecast"], b["observed"]),
                xytext=(4, -10),
                textcoords="offset points",
                fontsize=7,
                color=colour,
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(_("forecast probability of being the strongest non-ruling finisher"))
    ax.set_ylabel(_("observed frequency"))
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(_("Calibration (numbers: candidates per bin)"), fontsize=9)
    return figure_bytes(fig, fmt)
