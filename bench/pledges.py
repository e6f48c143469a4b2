"""Benchmark: sign-ups under load against the production server on PostgreSQL, and a kill -9.

    .venv/bin/python bench/pledges.py [--seconds 10] [--connections 32] [--workers 2]

Makes a fresh PostgreSQL database (dropped afterwards) beside the test one
(127.0.0.1:5432, or PG_ADMIN_URL), migrates it, creates a campaign, serves
the site with gunicorn on loopback and posts distinct sign-ups with `wrk` (as the page's htmx form does)
for a bounded time, beside a static file from the same server and beside
the same form with its honeypot filled (answered alike, nothing stored, no
mail: what the framework's request cycle alone costs on this machine). Prints
sign-ups/s accepted, p50/p99, and the pledges in the database afterwards,
which must not be fewer than the accepted count (a few more were in flight when
the load stopped). Then a second run is cut by `kill -9`
of every server process half-way: every sign-up answered as accepted must be
in the database. Last, the same insert straight into PostgreSQL with pgbench
(what the database takes alone, the part all web processes share). Also
printed: the CPU the server and PostgreSQL spent per sign-up. The server
runs as a real one (not the demo), with keys made for the run. Target:
≥ 1,000 sign-ups/s with nothing lost.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import psycopg
from figures import writes_kept
from load import SIGNUP as SCRIPT
from load import STATIC, bench_campaign, cpu_ms, real_mode, serve, signups_kept, stop, throwaway_database, wrk

# PostgreSQL alone: the sign-up's insert (a 64-character hash, a sealed contact of ~110 bytes) from pgbench.
PGBENCH = """INSERT INTO pledges_pledge (campaign_id, city_id, person, contact)
  VALUES (%(campaign)s, %(city)s, md5(random()::text) || md5(random()::text), decode(repeat('5a', 110), 'hex'))
  ON CONFLICT (campaign_id, person) DO NOTHING;
"""


def database_alone(url: str, seconds: int, clients: int) -> float:
    """Sign-up inserts per second that PostgreSQL commits by itself (pgbench, one per transaction)."""
    with psycopg.connect(url) as conn:
        campaign, city = conn.execute("SELECT campaign_id, id FROM pledges_city LIMIT 1").fetchone()
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(PGBENCH % {"campaign": campaign, "city": city})
        script.flush()
        out = subprocess.run(
            ["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", "2", "-T", str(seconds), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def run(env, args, kill_after=None, honeypot=False):
    server, base = serve(args.workers, env)
    try:
        with urllib.request.urlopen(base + "/pledges/bench/") as response:
            page = response.read().decode()
            cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        city = re.search(r'<option value="(\d+)">', page).group(1)
        script = SCRIPT % {
            "token": token,
            "city": city,
            "cookie": cookie,
            "base": base,
            "run": "k" if kill_after else "a",
            "honeypot": "&website=x" if honeypot else "",
        }
        at = (kill_after, lambda: stop(server, signal.SIGKILL)) if kill_after else None
        result = wrk(base + "/pledges/bench/", args.seconds, args.connections, script, at)
        return result["requests"] - result["errors"], result
    finally:
        stop(server)
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)  # as `make serve`
    args = parser.parse_args()
    limits = {"VECHE_PLEDGE_LIMIT_CLIENT": "100000000", "VECHE_PLEDGE_LIMIT_NETWORK": "100000000"}
    # A real server's mode, keys made for the run (load.real_mode): the demo's outbox is not what is measured.
    with (
        tempfile.TemporaryDirectory(prefix="veche-bench-") as var,
        throwaway_database(**limits, **real_mode(Path(var) / "var")) as (url, env),
    ):
        bench_campaign(env)
        server, base = serve(args.workers, env)
        try:
            static = wrk(base + STATIC, args.seconds, args.connections)
        finally:
            stop(server)
            server.wait(timeout=30)
        cycle = run(env, args, honeypot=True)[1]
        accepted, ms = run(env, args)
        stored = signups_kept(url)
        rate = accepted / args.seconds
        print(
            f"gunicorn {args.workers} workers, PostgreSQL; wrk 2 threads, {args.connections} connections, "
            f"{args.seconds} s"
        )
        print(
            f"static file       {static['rate']:>8,.0f} req/s   p50 {static['p50']:6.2f} ms  p99 "
            f"{static['p99']:6.2f} ms"
        )
        print(
            f"honeypot (no work) {cycle['rate']:>8,.0f} req/s   p50 {cycle['p50']:6.2f} ms  p99 "
            f"{cycle['p99']:6.2f} ms  (the request cycle alone: the most any form post can reach here)"
        )
        print(
            f"sign-ups accepted {rate:>8,.0f} /s      p50 {ms['p50']:6.2f} ms  p99 {ms['p99']:6.2f} ms  "
            f"({static['rate'] / rate:.1f}× the static file's time)"
        )
        per, per_cycle = cpu_ms(ms, accepted), cpu_ms(cycle, cycle["requests"])
        print(
            f"CPU per sign-up: server {per['server']:.2f} ms + PostgreSQL {per['postgres']:.2f} ms; per honeypot "
            f"post: server {per_cycle['server']:.2f} ms (1,000/s on {os.cpu_count()} cores leaves "
            f"{os.cpu_count():.0f} ms per sign-up for everything, wrk included)"
        )
        # A few more rows than answers: sign-ups in flight when the load stopped (stored, never answered).
        print(
            f"accepted {accepted:,}, pledges in the database {stored:,}: "
            f"{'nothing lost' if stored >= accepted else 'LOST ' + str(accepted - stored)}"
            f" ({stored - accepted} in flight at the end); target ≥ 1,000/s: "
            f"{'met' if rate >= 1000 and stored >= accepted else 'NOT MET'}"
        )
        writes_kept("sign-ups", rate, cycle["rate"], "the honeypot post", accepted, stored)
        accepted_killed, _ = run(env, args, kill_after=args.seconds / 2)
        after = signups_kept(url) - stored
        print(
            f"kill -9 half-way: {accepted_killed:,} answered as accepted, {after:,} in the database: "
            f"{'none lost' if after >= accepted_killed else 'LOST ' + str(accepted_killed - after)}"
        )
        alone = database_alone(url, args.seconds, args.connections // 4)
        print(
            f"PostgreSQL alone (pgbench, the same insert, {args.connections // 4} clients): {alone:,.0f} sign-ups/s "
            "committed: the part every web process shares"
        )
        print(
            json.dumps(
                {
                    "database_alone_per_s": alone,
                    "static_per_s": static["rate"],
                    "honeypot_per_s": cycle["rate"],
                    "accepted_per_s": rate,
                    "cpu_ms_per_signup": per,
                    "p99_ms": ms["p99"],
                    "stored": stored,
                    "accepted": accepted,
                    "killed_accepted": accepted_killed,
                    "killed_stored": after,
                }
            )
        )


if __name__ == "__main__":
    main()
