"""The benchmarks' figures, each beside its floor and its goal, in one form (issue 38).

Machines here are small and shared: a figure alone says little, its ratio to
a floor measured in the same run says what the code costs. Each benchmark
calls ``record`` for the figures it measures: the line is printed, and
appended as JSON to the file ``VECHE_BENCH_FIGURES`` names, where
``bench/all.py`` (``make bench``) gathers every benchmark's into one table.

A goal is a ratio to the floor (``goal_ratio``: at most, or at least when
``more_is_better``) or a value (``goal_value``, in the figure's unit), or
both; a figure meets its goal when it meets each one it has.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    name: str  # what is measured, e.g. "import_cec, national table, SQLite"
    value: float
    floor: float  # the same machine's cost of the least that work can take, measured in the same run
    floor_name: str
    unit: str  # of value and floor: "s", "ms", "/s"
    more_is_better: bool = False  # rates: True
    goal_ratio: float | None = None
    goal_value: float | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool:
        def good(value: float, goal: float) -> bool:
            return value >= goal if self.more_is_better else value <= goal

        return all(
            good(value, goal)
            for value, goal in ((self.ratio, self.goal_ratio), (self.value, self.goal_value))
            if goal is not None
        )

    def goal(self) -> str:
        sign = "≥" if self.more_is_better else "≤"
        parts = []
        if self.goal_ratio is not None:
            parts.append(f"{sign} {self.goal_ratio:g}×")
        if self.goal_value is not None:
            parts.append(f"{sign} {self.goal_value:g} {self.unit}")
        return ", ".join(parts)

    def line(self) -> str:
        return (
            f"{self.name:<48} {self.value:>9.2f} {self.unit:<3}  {self.ratio:>6.2f}× {self.floor_name} "
            f"({self.floor:.2f} {self.unit})  goal {self.goal()}: {'met' if self.met else 'NOT MET'}"
        )


def record(figure: Figure) -> Figure:
    print(figure.line(), flush=True)
    path = os.environ.get("VECHE_BENCH_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figure), ensure_ascii=False) + "\n")
    return figure


def writes_kept(what: str, rate: float, floor: float, floor_name: str, accepted: int, stored: int) -> Figure:
    """A write rate as a figure, goal half its floor's rate; a run that lost an accepted write counts as 0/s."""
    kept = stored >= accepted
    name = f"{what} accepted (nothing lost)" if kept else f"{what} accepted: {accepted - stored} LOST"
    return record(Figure(name, rate if kept else 0.0, floor, floor_name, "/s", more_is_better=True, goal_ratio=0.5))


def read(path: str) -> list[Figure]:
    with open(path, encoding="utf-8") as lines:
        return [Figure(**json.loads(line)) for line in lines if line.strip()]
