"""Benchmark: forecasting every St Petersburg 2021 single-mandate contest.

    .venv/bin/python bench/smartvote.py [--elections duma-2021 spb-zaks-2021] [--draws 10000]

Needs the demo's data (`make demo`: St Petersburg 2021, the 2007, 2011 and
2016 federal tables, the candidate facts) in the database DATABASE_URL points
at. Prints the time to load the inputs (the earlier lists carried onto the
2021 districts, the candidates and their facts: the baseline, measured in the
same run), the time of the simulations, and their ratio. Target: all 33
contests with 10,000 simulations each in under 5 s.
"""

import argparse
import statistics
import sys
import time

import numpy as np
import setup_django  # noqa: F401  (the project on the path, Django started)
from figures import Figure, record

from elections.models import Election
from smartvote.forecast import contest_forecast, entries_for, single_mandate

TARGET = 5.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elections", nargs="+", default=["duma-2021", "spb-zaks-2021"])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    elections = list(Election.objects.filter(slug__in=args.elections))
    if len(elections) != len(args.elections):
        sys.exit(f"not all of {', '.join(args.elections)} are imported: run `make demo` first")

    loads, runs = [], []
    for i in range(args.repeat):
        start = time.perf_counter()
        prepared = []
        for election in elections:
            contests = single_mandate(election)
            entries, coverage = entries_for(election, contests)
            prepared += [(c, entries[c.pk], coverage.get(c.pk)) for c in contests]
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        rng = np.random.default_rng(i)
        for contest, entries, coverage in prepared:
            contest_forecast(contest, entries, args.draws, rng, 1.0, coverage)
        runs.append(time.perf_counter() - start)
    load, run = statistics.median(loads), statistics.median(runs)
    print(f"contests: {len(prepared)}, {args.draws:,} simulations each, median of {args.repeat}")
    print(f"baseline: load the inputs (carry history, candidates, facts)  {load:6.2f} s")
    print(f"simulate and summarise every contest                        {run:6.2f} s  ({run / load:.1f}× the load)")
    total = load + run
    record(
        Figure(
            f"forecast, {len(prepared)} contests: load and simulate",
            total,
            load,
            "the load alone",
            "s",
            goal_value=TARGET,
        )
    )
    print(
        f"load + forecast                                             {total:6.2f} s  target < {TARGET:.0f} s: "
        f"{'met' if total < TARGET else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
