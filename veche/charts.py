"""Widths for the pages' CSS bar charts."""


def with_bars(rows: list[dict], key: str = "votes") -> list[dict]:
    """Each row with ``bar``: its ``key`` as a % of the largest (blank counts as 0)."""
    top = max((r[key] or 0 for r in rows), default=0)
    return [{**r, "bar": round(100 * (r[key] or 0) / top, 1) if top else 0} for r in rows]
