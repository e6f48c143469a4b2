"""Benchmark: sign-ups under load against the production server on PostgreSQL, and a kill -9.

    .venv/bin/python bench/pledges.py [--seconds 10] [--connections 32] [--workers 4]

Makes a fresh PostgreSQL database (dropped afterwards) beside the test one
(127.0.0.1:5432, or PG_ADMIN_URL), migrates it, creates a campaign, serves
the site with gunicorn on loopback and posts distinct sign-ups with `wrk` (as the page's htmx form does)
for a bounded time, beside a static file from the same server. Prints
sign-ups/s accepted, p50/p99, and the pledges in the database afterwards,
which must not be fewer than the accepted count (a few more were in flight when
the load stopped). Then a second run is cut by `kill -9`
of every server process half-way: every sign-up answered as accepted must be
in the database. Target: ≥ 1,000 sign-ups/s with nothing lost.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lookup import free_port, wait_for, wrk

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
STATIC = "/static/ninja/swagger-ui.css"
SCRIPT = """
local counter = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=%(token)s&city=%(city)s&name=&email=r%(run)s-t" .. id .. "-" .. counter
    .. "%%40example.org"
  return wrk.format("POST", "/pledges/bench/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=%(cookie)s",
    ["Referer"] = "%(base)s/pledges/bench/",
    ["HX-Request"] = "true",
  }, body)
end
"""


def manage(env, *args):
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def start(env, port, workers):
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "veche.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)


def count(url) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT COUNT(*) FROM pledges_pledge").fetchone()[0]


def run(env, args, kill_after=None):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(env, port, args.workers)
    try:
        wait_for(base + STATIC)
        with urllib.request.urlopen(base + "/pledges/bench/") as response:
            page = response.read().decode()
            cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        city = re.search(r'<option value="(\d+)">', page).group(1)
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(SCRIPT % {"token": token, "city": city, "cookie": cookie, "base": base,
                                    "run": "k" if kill_after else "a"})
        command = ["wrk", "--latency", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "5s",
                   "-s", str(script), base + "/pledges/bench/"]
        load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        if kill_after:
            time.sleep(kill_after)
            os.killpg(server.pid, signal.SIGKILL)
        out = load.communicate(timeout=args.seconds + 60)[0]
        script.unlink()
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        accepted = requests - (int(errors.group(1)) if errors else 0)
        latency = {p: re.search(rf"{p}%\s+([\d.]+)(us|ms|s)", out).groups() for p in ("50", "99")}
        ms = {p: float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u] for p, (v, u) in latency.items()}
        return accepted, ms, base
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    name = f"veche_bench_{os.getpid()}"
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "VECHE_ALLOWED_HOSTS": "127.0.0.1",
           "VECHE_PLEDGE_LIMIT_CLIENT": "100000000", "VECHE_PLEDGE_LIMIT_NETWORK": "100000000"}
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        manage(env, "shell", "-c", (
            "from pledges.models import Campaign, City; from veche.sealing import new_keypair; "
            "c = Campaign.objects.create(slug='bench', title='bench', text='bench', threshold=10**9, "
            "public_key=new_keypair()[0]); City.objects.create(campaign=c, name='Москва')"))
        port = free_port()
        server = start(env, port, args.workers)
        try:
            wait_for(f"http://127.0.0.1:{port}{STATIC}")
            static = wrk(f"http://127.0.0.1:{port}{STATIC}", args.seconds, args.connections)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        accepted, ms, _base = run(env, args)
        stored = count(url)
        rate = accepted / args.seconds
        print(f"gunicorn {args.workers} workers, PostgreSQL; wrk 2 threads, {args.connections} connections, "
              f"{args.seconds} s")
        print(f"static file       {static['rate']:>8,.0f} req/s   p50 {static['p50']:6.2f} ms  p99 "
              f"{static['p99']:6.2f} ms")
        print(f"sign-ups accepted {rate:>8,.0f} /s      p50 {ms['50']:6.2f} ms  p99 {ms['99']:6.2f} ms  "
              f"({static['rate'] / rate:.1f}× the static file's time)")
        # A few more rows than answers: sign-ups in flight when the load stopped (stored, never answered).
        print(f"accepted {accepted:,}, pledges in the database {stored:,}: "
              f"{'nothing lost' if stored >= accepted else 'LOST ' + str(accepted - stored)}"
              f" ({stored - accepted} in flight at the end); target ≥ 1,000/s: "
              f"{'met' if rate >= 1000 and stored >= accepted else 'NOT MET'}")
        accepted_killed, _ms, _ = run(env, args, kill_after=args.seconds / 2)
        after = count(url) - stored
        print(f"kill -9 half-way: {accepted_killed:,} answered as accepted, {after:,} in the database: "
              f"{'none lost' if after >= accepted_killed else 'LOST ' + str(accepted_killed - after)}")
        print(json.dumps({"accepted_per_s": rate, "p99_ms": ms["99"], "stored": stored, "accepted": accepted,
                          "killed_accepted": accepted_killed, "killed_stored": after}))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
