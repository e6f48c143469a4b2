"""Widths for the pages' CSS bar charts, and matplotlib figures as bytes."""

from typing import Any


def with_bars(rows: list[dict], key: str = "votes") -> list[dict]:
    """Each row with ``bar``: its ``key`` as a % of the largest (blank counts as 0)."""
    top = max((r[key] or 0 for r in rows), default=0)
    return [{**r, "bar": round(100 * (r[key] or 0) / top, 1) if top else 0} for r in rows]


FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """A matplotlib figure as PNG or SVG, without timestamps (the same data gives the same bytes)."""
    import io

    import matplotlib.pyplot as plt

    fig.tight_layout()
    out = io.BytesIO()
    # SVG keeps its words as text (not outlines): smaller, searchable, read out by screen readers.
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None})
    plt.close(fig)
    return out.getvalue()
