"""Benchmark: the monitor's statistics over 1,000,000 detentions, and report intake under load, on PostgreSQL.

    .venv/bin/python bench/monitor.py [--rows 1000000] [--seconds 10] [--connections 32] [--workers 2]

Makes a throwaway PostgreSQL database (bench/load.py), loads synthetic
published detentions with COPY (cities by a Zipf law over the cities list,
300 events, 10 % outside any event, groups and single people, journalists
and minors) and rebuilds the counts with `monitor_recount`. Then, with the
site served by gunicorn on loopback:

* each statistics page and API answer (all, per event, per date range):
  the first answer after a publication (which empties the pages' caches)
  and the answers after it, beside a static file from the same server and
  beside the same sums taken straight from the million report rows (what
  the counts table saves). Target: every statistics page < 200 ms.
* POST /api/reports with `wrk` for a bounded time: reports/s accepted, p99,
  and the rows in the database afterwards, which must not be fewer than the
  accepted count; then the same reports dated 2099, which the check refuses
  (the request cycle and the check without the write), and the CPU per
  report of the server and of PostgreSQL. Target: ≥ 500 reports/s with
  nothing lost.
"""

import argparse
import json
import os
import statistics
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg
from figures import Figure, record, writes_kept
from load import STATIC, cpu_ms, manage, serve, stop, throwaway_database, wrk

SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = '{"kind": "detention", "happened": "%s-01-31T14:' .. string.format("%%02d", counter %% 60)
    .. '", "city": "Москва", "count": ' .. (counter %% 7 + 1) .. ', "place": "Пушкинская площадь"}'
  return wrk.format("POST", "/api/reports", {["Content-Type"] = "application/json"}, body)
end
"""
# What intake keeps: a report lands in core_held, sealed under its hour's key, and reaches monitor_report once the
# hour is over (core.held: no time finer than the hour). Counting the reports table alone called every report
# accepted in the run lost; nothing else writes held rows here.
STORED = "SELECT (SELECT COUNT(*) FROM monitor_report) + (SELECT COUNT(*) FROM core_held)"
PAGES = [
    ("page /monitor/", "/monitor/"),
    ("page, one event", "/monitor/?event=e-7"),
    ("page, one month", "/monitor/?since=2021-01-01&until=2021-01-31"),
    ("API stats", "/api/monitor/stats/detentions"),
    ("API, one event", "/api/monitor/stats/detentions?event=e-7"),
    ("chart per day", "/monitor/charts/days.svg"),
    ("map by city", "/monitor/charts/cities.svg"),
]


def load(url: str, rows: int, seed: int = 0) -> None:
    """Published detentions, COPYed straight into the reports table (an import's speed is not measured here)."""
    rng = np.random.default_rng(seed)
    with psycopg.connect(url) as conn:
        cities = [r[0] for r in conn.execute("SELECT id FROM monitor_city ORDER BY id")]
        start = date(2017, 1, 1)
        event_days = sorted(rng.choice(3000, size=300, replace=False))
        with conn.cursor() as cur, cur.copy("COPY monitor_event (slug, name, date) FROM STDIN") as copy:
            for i, day in enumerate(event_days):
                copy.write_row((f"e-{i}", f"Акция {i}", start + timedelta(days=int(day))))
        events = [r[0] for r in conn.execute("SELECT id FROM monitor_event ORDER BY id")]
        weights = 1 / np.arange(1, len(cities) + 1)
        city = rng.choice(cities, size=rows, p=weights / weights.sum())
        event_index = rng.integers(0, len(events), size=rows)
        no_event = rng.random(rows) < 0.10
        days = np.where(no_event, rng.integers(0, 3000, size=rows), np.array(event_days)[event_index])
        count = np.where(rng.random(rows) < 0.05, rng.integers(2, 40, size=rows), 1)
        journalists = (rng.random(rows) < 0.01).astype(int)
        minors = (rng.random(rows) < 0.02).astype(int)
        columns = (
            "kind, state, received, source, happened, text, links, reporter_role, city_id, event_id, place, "
            "police_station, count, journalists, minors, charges, case_kind, article, step, court, area, extra"
        )
        now = datetime.now(UTC)
        epoch = datetime(2017, 1, 1, 12, tzinfo=UTC)
        with conn.cursor() as cur, cur.copy(f"COPY monitor_report ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                copy.write_row(
                    (
                        "detention",
                        "published",
                        now,
                        "bench",
                        epoch + timedelta(days=int(days[i])),
                        "",
                        "[]",
                        "",
                        int(city[i]),
                        None if no_event[i] else int(events[event_index[i]]),
                        "",
                        "",
                        int(count[i]),
                        int(journalists[i]),
                        int(minors[i]),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "{}",
                    )
                )
        conn.execute("ANALYZE monitor_report")


def publication(url: str) -> None:
    """What a publication does to the pages' caches: a new moderation-log row (stats.state)."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO monitor_moderationlog (report_id, at, action, before, after, reason) "
            "SELECT MIN(id), now(), 'bench', 'published', 'published', '' FROM monitor_report"
        )


def timed(base: str, path: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        with urllib.request.urlopen(base + path) as response:
            response.read()
        out.append((time.perf_counter() - began) * 1000)
    return out


def straight_from_rows(url: str) -> float:
    """The per-city sums taken from the report rows themselves, in ms (median of 5)."""
    times = []
    with psycopg.connect(url) as conn:
        for _ in range(5):
            began = time.perf_counter()
            conn.execute(
                "SELECT city_id, SUM(count), SUM(journalists), SUM(minors) FROM monitor_report "
                "WHERE kind = 'detention' AND state = 'published' GROUP BY city_id"
            ).fetchall()
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)  # as `make serve`
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with throwaway_database(VECHE_MONITOR_LIMIT_CLIENT="100000000", VECHE_MONITOR_LIMIT_NETWORK="100000000") as (
        url,
        env,
    ):
        began = time.perf_counter()
        load(url, args.rows)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        manage(env, "monitor_recount")
        recounted = time.perf_counter() - began
        with psycopg.connect(url) as conn:
            detained, count_rows = conn.execute(
                "SELECT SUM(detentions), COUNT(*) FROM monitor_detentioncount"
            ).fetchone()
        print(
            f"{args.rows:,} detentions ({detained:,} people) loaded in {loaded:.0f} s; counts rebuilt in "
            f"{recounted:.1f} s: {count_rows:,} rows of (city, event, day)"
        )
        raw = straight_from_rows(url)
        server, base = serve(args.workers, env)
        figures = {}
        try:
            static = statistics.median(timed(base, STATIC, args.repeat))
            print(f"{'static file':<18} median {static:7.1f} ms")
            print(f"{'SQL over the rows':<18} median {raw:7.1f} ms   (per-city sums straight from the reports)")
            print(
                "answers are cached until the next publication: 'first' is the first answer after one "
                "(median of 5), 'then' the answers after it (median of the rest)"
            )
            for label, path in PAGES:
                timed(base, path, 5 * args.workers)  # each worker's first answer loads its code: not timed
                first = []
                for _ in range(5):
                    publication(url)
                    first += timed(base, path, 1)
                then = timed(base, path, args.repeat)
                cold, warm = statistics.median(first), statistics.median(then)
                figures[label] = {"first": cold, "then": warm}
                verdict = (
                    ""
                    if "chart" in label or "map" in label
                    else ("  < 200 ms: met" if max(first) < 200 else "  < 200 ms: NOT MET")
                )
                print(
                    f"{label:<18} first {cold:7.1f} ms (max {max(first):7.1f})  then {warm:6.1f} ms   "
                    f"{cold / static:5.1f}× / {warm / static:4.1f}× the static file{verdict}"
                )
                if "map" not in label:  # the map's goal is the statistics', not the chart's: none set
                    record(
                        Figure(
                            f"monitor at {args.rows:,} reports: {label}, first answer",
                            max(first),
                            static,
                            "a static file",
                            "ms",
                            goal_value=200,
                        )
                    )
            with psycopg.connect(url) as conn:
                before = conn.execute(STORED).fetchone()[0]
            result = wrk(base + "/api/reports", args.seconds, args.connections, SCRIPT % 2021)
            # The same reports dated 2099: parsed and checked, refused, nothing written.
            refused = wrk(base + "/api/reports", args.seconds, args.connections, SCRIPT % 2099)
            static_load = wrk(base + STATIC, args.seconds, args.connections)
        finally:
            stop(server)
            server.wait(timeout=30)
        with psycopg.connect(url) as conn:
            stored = conn.execute(STORED).fetchone()[0] - before
        accepted = result["requests"] - result["errors"]
        rate = accepted / args.seconds
        print(
            f"intake: gunicorn {args.workers} workers; wrk 2 threads, {args.connections} connections, {args.seconds} s"
        )
        print(f"static file under load {static_load['rate']:>8,.0f} req/s  p99 {static_load['p99']:6.1f} ms")
        print(
            f"reports accepted       {rate:>8,.0f} /s     p99 {result['p99']:6.1f} ms  "
            f"({static_load['rate'] / rate:.1f}× the static file's time); {result['errors']} refused"
        )
        print(
            f"reports refused        {refused['rate']:>8,.0f} /s     p99 {refused['p99']:6.1f} ms  (dated 2099: "
            "the request cycle and the check alone, nothing written)"
        )
        per = cpu_ms(result, accepted)
        print(
            f"CPU per report: server {per['server']:.2f} ms + PostgreSQL {per['postgres']:.2f} ms; per refused "
            f"report: server {cpu_ms(refused, refused['requests'])['server']:.2f} ms "
            f"(500/s on {os.cpu_count()} cores leaves {2 * os.cpu_count():.0f} ms per report for everything, "
            "wrk included)"
        )
        print(
            f"accepted {accepted:,}, stored {stored:,}: "
            f"{'nothing lost' if stored >= accepted else 'LOST ' + str(accepted - stored)}; target ≥ 500/s: "
            f"{'met' if rate >= 500 and stored >= accepted else 'NOT MET'}"
        )
        writes_kept("reports", rate, refused["rate"], "the same refused", accepted, stored)
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "pages_ms": figures,
                    "static_ms": static,
                    "sql_rows_ms": raw,
                    "intake_per_s": rate,
                    "refused_per_s": refused["rate"],
                    "cpu_ms_per_report": per,
                    "intake_p99_ms": result["p99"],
                    "accepted": accepted,
                    "stored": stored,
                }
            )
        )


if __name__ == "__main__":
    main()
