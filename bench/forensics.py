"""Benchmark: the whole forensic analysis of one national election.

    .venv/bin/python bench/forensics.py [--election duma-2021] [--draws 1000]

Needs the election imported in the database DATABASE_URL points at (by
default the demo's SQLite; `import_cec` the year first). Prints the time to
load the precinct table from the database (the baseline, measured in the
same run) and the time of the analysis (histograms, excess estimate over its
parameter grid, integer test with Monte Carlo draws, regions), and their
ratio. Target: under 5 s for load plus analysis on a 2-core machine.
"""

import argparse
import statistics
import sys
import time

import setup_django  # noqa: F401  (the project on the path, Django started)
from figures import Figure, record

from elections.models import Election
from forensics.analysis import analyse, histograms
from forensics.data import precinct_frame

TARGET = 5.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--election", default="duma-2021")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    election = Election.objects.filter(slug=args.election).first()
    if election is None:
        sys.exit(f"{args.election} is not imported: run manage.py import_cec for its year first")

    loads, runs = [], []
    for i in range(args.repeat):
        start = time.perf_counter()
        frame, _meta = precinct_frame(election)
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        analyse(frame, draws=args.draws, seed=i)
        histograms(frame)
        runs.append(time.perf_counter() - start)
    load, run = statistics.median(loads), statistics.median(runs)
    print(
        f"election: {args.election}, {frame.height:,} stations, {args.draws} Monte Carlo draws, median of {args.repeat}"
    )
    print(f"baseline: load the precinct table from the database  {load:6.2f} s")
    print(f"analysis (histograms, excess grid, integer test)    {run:6.2f} s  ({run / load:.1f}× the load)")
    total = load + run
    record(
        Figure(f"forensics, {args.election}: load and analyse", total, load, "the load alone", "s", goal_value=TARGET)
    )
    print(
        f"load + analysis                                     {total:6.2f} s  target < {TARGET:.0f} s: "
        f"{'met' if total < TARGET else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
