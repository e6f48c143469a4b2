"""Widths for the pages' CSS bar charts, and matplotlib figures as bytes."""

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any


def with_bars(rows: Sequence[Mapping[str, Any]], key: str = "votes") -> list[dict[str, Any]]:
    """Each row with ``bar``: its ``key`` as a % of the largest (blank counts as 0)."""
    top = max((r[key] or 0 for r in rows), default=0)
    return [{**r, "bar": round(100 * (r[key] or 0) / top, 1) if top else 0} for r in rows]


FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
# A chart drawn for a phone: "phone.svg" instead of "svg" (asked for with ?size=phone, see drawn_format).
PHONE = "phone."
PHONE_WIDTH = 4.0  # inches: about 440 px at the figures' 110 dpi, shown at ~360 px on a 390 px screen


def drawn_format(request: Any, fmt: str) -> str:
    """The format to draw a chart in. A page offers a phone its charts with ?size=phone (``<picture>``): the figure
    is drawn narrower with the same type sizes, so its words stay legible instead of shrinking with the whole image
    to 5 px."""
    return PHONE + fmt if request.GET.get("size") == "phone" else fmt


def wrapped(text: str, width: float, size: float) -> str:
    """``text`` in lines that fit ``width`` points at ``size``-point type (an average letter ~0.6 of the size)."""
    chars = max(16, int(width / (0.6 * size)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """A matplotlib figure as PNG or SVG, without timestamps (the same data gives the same bytes); a phone's format
    (``PHONE`` + fmt) redraws it PHONE_WIDTH wide, its height a little lower, its words as large as they were."""
    import io

    import matplotlib.pyplot as plt

    if fmt.startswith(PHONE):
        fmt = fmt.removeprefix(PHONE)
        width, height = fig.get_size_inches()
        if width > PHONE_WIDTH:
            fig.set_size_inches(PHONE_WIDTH, max(2.6, height * 0.8))
            # A title as long as the wide figure would be cut at both edges: it moves to the figure's head, centred
            # on the whole width (an axes beside long labels is narrow), wrapped to it.
            for ax in fig.axes:
                title = ax.get_title()
                if title:
                    size = ax.title.get_fontsize()
                    ax.title.set_text("")
                    fig.suptitle(wrapped(title, 0.92 * PHONE_WIDTH * 72, size), fontsize=size)
    # An x axis's label longer than its axes is cut at the figure's edge (the calibration's was, at any width):
    # wrapped to the axes' width once the layout has placed them.
    # Laid out again only when a label changed: a layout costs ~40 ms of a per-day chart's first ~160.
    fig.tight_layout()
    inches = fig.get_size_inches()[0]
    rewrapped = False
    for ax in fig.axes:
        label = ax.xaxis.get_label()
        text = label.get_text()
        if text:
            fitted = wrapped(text, ax.get_position().width * inches * 72, label.get_fontsize())
            if fitted != text:
                label.set_text(fitted)
                rewrapped = True
    if rewrapped:
        fig.tight_layout()
    out = io.BytesIO()
    # SVG keeps its words as text (not outlines): smaller, searchable, read out by screen readers.
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None})
    plt.close(fig)
    return out.getvalue()
