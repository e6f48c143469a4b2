"""Benchmark: /api/lookup under load, beside a static file from the same server.

    .venv/bin/python bench/lookup.py [--seconds 10] [--connections 16]

Serves the site with gunicorn (the production server, `make serve`'s
settings) on a free loopback port, against the database DATABASE_URL points
at (by default the demo's SQLite with the St Petersburg data), then runs
`wrk` (Debian's package) for a bounded time against: an address lookup, a
UIK lookup, a point lookup, and a static JSON file served by the same
server (the baseline). Prints requests/s and p50/p99 latency for each, and
the lookup's ratio to the static file. Targets: ≥ 1,000 lookups/s with
p99 < 50 ms, and within 3× of the static file.

Each lookup kind also runs "spread": wrk cycles through many different
queries (every St Petersburg UIK; the 66 hand-written addresses of the
tests; 500 points around the city), so that the per-precinct caches are
exercised the way many voters would, not one answer served again.
"""

import argparse
import json
import shutil
import sys
import urllib.parse
import urllib.request

from figures import Figure, record
from load import STATIC, serve, stop, wrk

QUERIES = {
    "address": "/api/lookup?address=" + urllib.parse.quote("ул. Садовая, д. 108-110"),
    "uik": "/api/lookup?uik=1545&region=",
    "point": "/api/lookup?lat=59.911651&lon=30.402672",
}


def walk(paths: list[str]) -> str:
    """A wrk Lua script that walks the list of paths, each thread from its own start."""
    quoted = ",".join(json.dumps(p) for p in paths)
    return (
        f"local paths = {{{quoted}}}\nlocal i = math.random(#paths)\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )


def spread() -> dict[str, list[str]]:
    """Many different queries per kind, from the demo's data and the tests' addresses."""
    import random

    import setup_django  # noqa: F401  (the project on the path, Django started)

    from elections.models import Region, Venue
    from lookup.find import REGIONS
    from lookup.tests.test_addresses import QUERIES as ADDRESSES

    region = Region.objects.get(key="город санкт-петербург").pk
    # The precincts of the region's latest election (issue 38: 296 numbers of the spread, 12.6 %, voted only in
    # 2007 or 2011; their "not found" answers counted as errors).
    book = REGIONS.get(region)
    numbers = [p.number for p in book.precincts.values() if book.last_day.get(p.pk) == book.latest_day]
    venues = list(Venue.objects.filter(latitude__isnull=False).values_list("latitude", "longitude"))
    rng = random.Random(0)
    points = [
        (lat + rng.uniform(-0.005, 0.005), lon + rng.uniform(-0.005, 0.005))
        for lat, lon in rng.sample(venues, min(500, len(venues)))
    ]
    return {
        "uik": [f"/api/lookup?uik={n}&region={region}" for n in numbers],
        "address": ["/api/lookup?address=" + urllib.parse.quote(q) for q, _venue in ADDRESSES],
        "point": [f"/api/lookup?lat={lat:.6f}&lon={lon:.6f}" for lat, lon in points],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    server, base = serve(args.workers)
    try:
        answer = json.loads(urllib.request.urlopen(base + "/api/lookup?uik=1545").read())
        spb = [c["region_id"] for c in answer.get("choices", []) if "Санкт" in c["region"]]
        QUERIES["uik"] += str(spb[0]) if spb else ""
        for path in QUERIES.values():
            urllib.request.urlopen(base + path).read()  # warm up, and fail early on an error
        print(f"gunicorn, {args.workers} workers; wrk 2 threads, {args.connections} connections, {args.seconds} s each")
        static = wrk(base + STATIC, args.seconds, args.connections)
        print(f"{'request':<15}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'× static time':>15}  errors")
        print(
            f"{'static':<15}{static['rate']:>10,.0f}{static['p50']:>9.2f}{static['p99']:>9.2f}{1:>15.1f}  "
            f"{static['errors']}"
        )
        runs = [(name, path, None) for name, path in QUERIES.items()] + [
            (f"{name} spread", QUERIES[name], paths) for name, paths in spread().items()
        ]
        for name, path, paths in runs:
            result = wrk(base + path, args.seconds, args.connections, walk(paths) if paths else None)
            ratio = static["rate"] / result["rate"]
            verdict = "met" if result["rate"] >= 1000 and result["p99"] < 50 and ratio <= 3 else "NOT MET"
            figure = Figure(
                f"lookup {name}: time per answer",
                1000 / result["rate"],
                1000 / static["rate"],
                "a static file",
                "ms",
                goal_ratio=3,
            )
            record(figure)
            print(
                f"{name:<15}{result['rate']:>10,.0f}{result['p50']:>9.2f}{result['p99']:>9.2f}{ratio:>15.1f}  "
                f"{result['errors']}  target (≥1000/s, p99<50 ms, ≤3× static): {verdict}"
            )
    finally:
        stop(server)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
