"""Benchmark: sign-ups while a junk flood hits the production stack (issue 35), as a ratio to a quiet stack's rate.

    .venv/bin/python bench/flood.py [--seconds 8] [--flood-connections 64]

Brings up the production stack (deploy/stack.py: nginx with TLS in front of gunicorn on a unix socket) as a real
server (keys made for the run, not the demo) over a throwaway PostgreSQL database, with a campaign. Then, each for
--seconds, with `wrk` over HTTPS:

1. sign-ups alone (as bench/pledges.py posts them): the quiet rate;
2. sign-ups beside a flood of the home page (what a DDoS sends: the same anonymous page, as fast as it can);
3. sign-ups beside a flood of the home page with a junk query string (each request new to the cache).

Prints each rate, the flood's own rate, and records the sign-ups beside the first flood as a ratio to the quiet
rate: goal ≥ 0.5. nginx's per-client write limit is raised for the run (every sign-up comes from one address here).
"""

import argparse
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

from figures import Figure, record
from load import ROOT, SIGNUP, bench_campaign, free_port, real_mode, signups_kept, throwaway_database, wrk

JUNK = """
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/?junk=" .. math.random(1, 1000000000) .. "-" .. counter)
end
"""
INSECURE = ssl.create_default_context()
INSECURE.check_hostname, INSECURE.verify_mode = False, ssl.CERT_NONE  # the stack's own self-signed certificate


def sign_up_script(base: str) -> str:
    with urllib.request.urlopen(base + "/pledges/bench/", context=INSECURE) as response:
        page = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"]).group(1)
    return SIGNUP % {
        "token": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
        "city": re.search(r'<option value="(\d+)">', page).group(1),
        "cookie": cookie,
        "base": base,
        "run": f"f{os.getpid()}-{free_port()}",
        "honeypot": "",
    }


def beside(base: str, seconds: int, connections: int, flood: str | None, flood_connections: int, script=None):
    """Sign-ups for ``seconds`` while ``flood`` (a path) is loaded alongside; (sign-up result, flood result)."""
    flooded: dict = {}
    thread = None
    if flood:

        def run():
            flooded.update(wrk(base + flood, seconds + 2, flood_connections, script))

        thread = threading.Thread(target=run)
        thread.start()
    signups = wrk(base + "/pledges/bench/", seconds, connections, sign_up_script(base))
    if thread:
        thread.join()
    return signups, flooded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--flood-connections", type=int, default=64)
    args = parser.parse_args()
    limits = {
        "VECHE_PLEDGE_LIMIT_CLIENT": "100000000",
        "VECHE_PLEDGE_LIMIT_NETWORK": "100000000",
        "VECHE_WRITES_PER_SECOND": "100000",
    }
    with (
        tempfile.TemporaryDirectory(prefix="veche-flood-") as var,
        throwaway_database(**limits, **real_mode(Path(var) / "var")) as (url, env),
    ):
        bench_campaign(env)
        https, http = free_port(), free_port()
        stack = [sys.executable, "deploy/stack.py"]
        env = {**env, "VECHE_ALLOWED_HOSTS": "127.0.0.1"}
        subprocess.run(
            [*stack, "up", "--https-port", str(https), "--http-port", str(http), "--server-name", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"https://127.0.0.1:{https}"
            urllib.request.urlopen(base + "/", context=INSECURE).read()  # each worker's first answer: not timed
            quiet, _ = beside(base, args.seconds, args.connections, None, 0)
            cached, flood = beside(base, args.seconds, args.connections, "/", args.flood_connections)
            missed, junk = beside(base, args.seconds, args.connections, "/", args.flood_connections, JUNK)
        finally:
            subprocess.run([*stack, "down"], cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
        stored = signups_kept(url)
    accepted = sum(r["requests"] - r["errors"] for r in (quiet, cached, missed))
    print(f"nginx (TLS) → gunicorn (2 workers) on PostgreSQL; wrk {args.connections} connections of sign-ups beside")
    print(f"{args.flood_connections} of flood, {args.seconds} s each")
    print(f"sign-ups, quiet                          {quiet['rate']:>8,.0f}/s  p99 {quiet['p99']:7.1f} ms")
    print(
        f"sign-ups beside a flood of one page      {cached['rate']:>8,.0f}/s  p99 {cached['p99']:7.1f} ms   "
        f"(the flood: {flood['rate']:,.0f} req/s, {flood['errors']} not 2xx)"
    )
    print(
        f"sign-ups beside a flood past the cache   {missed['rate']:>8,.0f}/s  p99 {missed['p99']:7.1f} ms   "
        f"(the flood: {junk['rate']:,.0f} req/s, {junk['errors']} not 2xx)"
    )
    print(f"answered as accepted {accepted:,}, stored {stored:,}: {'nothing lost' if stored >= accepted else 'LOST'}")
    record(
        Figure(
            "sign-ups beside a flood of one page",
            cached["rate"] if stored >= accepted else 0.0,
            quiet["rate"],
            "sign-ups on a quiet stack",
            "/s",
            more_is_better=True,
            goal_ratio=0.5,
        )
    )


if __name__ == "__main__":
    main()
