"""Benchmark: the next election nationwide — load every 2021 candidate, forecast all 225 districts.

    .venv/bin/python bench/national.py [--draws 10000] [--repeat 3]

Needs a database (DATABASE_URL, or var/'s SQLite) holding the 2007, 2011, 2016 and 2021 federal tables and the
2021 candidates, as docs/smartvote.md's national run leaves it. Each figure is printed beside a floor measured in
the same run, and their ratio (machines here are small and busy: the ratio is what compares across runs):

* ``import_candidates --force`` of the 2,296 candidates as a user runs it (a new process: start-up, reading,
  matching, writing), against a new process that only reads the same CSV with polars; target < 10 s;
* loading the forecast's inputs for 225 districts (three earlier elections carried precinct by precinct, the
  candidates and their facts), against reading the earlier elections' list votes alone (the data it must read):
  carried anew (the first forecast after an import) and as kept (smartvote.models.CarriedHistory: every later
  forecast, backtest and ablation while the data are unchanged);
* simulating 10,000 draws in every district, against drawing the same number of normal variates with numpy;
  target for loading and simulating together < 10 s.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import setup_django  # noqa: F401  (the project on the path, Django started)
from figures import Figure, record

from elections.frames import contest_precincts, party_list_votes
from elections.models import Election
from smartvote.forecast import contest_forecast, entries_for, single_mandate
from smartvote.models import CarriedHistory

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT.parent / "shared" / "data" / "backtests" / "state_duma_2021_smd_candidates.csv"
TARGET = 10.0
HISTORY = ("duma-2016", "duma-2011", "duma-2007")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    duma = Election.objects.filter(slug="duma-2021").first()
    if duma is None or len(single_mandate(duma)) < 225:
        sys.exit("duma-2021 with its 225 districts' candidates is not imported: see docs/smartvote.md, national run")
    python = sys.executable
    imports, reads, cold, loads, floors, runs, draws_floor = [], [], [], [], [], [], []
    for i in range(args.repeat):
        imports.append(timed([python, "manage.py", "import_candidates", str(CANDIDATES), "--force"]))
        reads.append(
            timed(
                [
                    python,
                    "-c",
                    f"import polars as pl; assert pl.read_csv({str(CANDIDATES)!r}, infer_schema_length=0).height",
                ]
            )
        )
        contests = single_mandate(duma)
        CarriedHistory.objects.filter(history__slug__in=HISTORY).delete()  # cold: the history carried anew
        start = time.perf_counter()
        entries_for(duma, contests)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        entries, coverage = entries_for(duma, contests)  # warm: as kept, the data unchanged
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        regions = contest_precincts(contests)["region_id"].unique().to_list()
        for slug in HISTORY:
            party_list_votes(Election.objects.get(slug=slug), regions)
        floors.append(time.perf_counter() - start)
        rng = np.random.default_rng(i)
        start = time.perf_counter()
        for contest in contests:
            contest_forecast(contest, entries[contest.pk], args.draws, rng, 1.0, coverage.get(contest.pk), True)
        runs.append(time.perf_counter() - start)
        n = sum(len(v) for v in entries.values())
        start = time.perf_counter()
        np.random.default_rng(i).standard_normal((args.draws, n))
        draws_floor.append(time.perf_counter() - start)
    med = statistics.median
    print(f"2,296 candidates; 225 districts, {args.draws:,} simulations each; median of {args.repeat}")
    imp, read = med(imports), med(reads)
    rows = [
        ("import_candidates (a new process)", imp, "polars reads the file", read),
        ("load the inputs, history carried anew", med(cold), "read their list votes", med(floors)),
        ("load the inputs, history as kept", med(loads), "read their list votes", med(floors)),
        ("simulate and summarise 225 districts", med(runs), "the normal draws alone", med(draws_floor)),
    ]
    for label, value, floor_label, floor in rows:
        print(f"{label:<38} {value:6.2f} s   floor: {floor_label:<24} {floor:5.2f} s   ({value / floor:.1f}×)")
    print(f"import: target < {TARGET:.0f} s: {'met' if imp < TARGET else 'NOT MET'}")
    record(Figure("import_candidates, 2,296 candidates", imp, read, "a process reading it", "s", goal_value=TARGET))
    # Anew: the first forecast after an import carries three elections onto the districts precinct by precinct; as
    # kept: every later forecast, backtest and ablation while the data are unchanged.
    for label, load in (("history anew", med(cold)), ("history as kept", med(loads))):
        record(
            Figure(
                f"forecast of 225 districts, {label}",
                load + med(runs),
                med(floors),
                "reading the list votes",
                "s",
                goal_value=TARGET,
            )
        )
    for label, total in (("history carried anew", med(cold) + med(runs)), ("history as kept", med(loads) + med(runs))):
        verdict = "met" if total < TARGET else "NOT MET"
        print(f"forecast, load + simulate, {label}: {total:.2f} s, target < {TARGET:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
