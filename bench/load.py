"""What the load benchmarks share: the production server on a free loopback port, and wrk.

`serve` starts gunicorn (`make serve`'s settings) in its own process group
and waits until it answers; `wrk` runs Debian's wrk for a bounded time,
optionally with a Lua script and with an action part-way through (a
`kill -9` of the server), and returns requests, requests/s, p50/p99 and the
non-2xx count from its report, and the CPU time this run's server and its
database's PostgreSQL backends spent meanwhile (from /proc: on 2 cores a rate is bounded by what one
request costs them together). `throwaway_database` makes a migrated
PostgreSQL database beside the test one for a run and drops it afterwards.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = "/static/ninja/swagger-ui.css"  # the baseline: a static file from the same server
# A sign-up as the page's htmx form posts it, each with its own address (bench/pledges.py, bench/flood.py).
SIGNUP = """
local counter = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=%(token)s&city=%(city)s&name=%(honeypot)s&email=r%(run)s-t" .. id .. "-" .. counter
    .. "%%40example.org"
  return wrk.format("POST", "/pledges/bench/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=%(cookie)s",
    ["Referer"] = "%(base)s/pledges/bench/",
    ["HX-Request"] = "true",
  }, body)
end
"""
ADMIN = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def manage(env, *args):
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


@contextmanager
def throwaway_database(**variables):
    """(url, env) of a fresh, migrated PostgreSQL database; ``variables`` are added to the environment."""
    import psycopg

    name = f"veche_bench_{os.getpid()}"
    DATABASES.add(name)
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {"VECHE_DEMO": "1", **os.environ, "DATABASE_URL": url, "VECHE_ALLOWED_HOSTS": "127.0.0.1", **variables}
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        yield url, env
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_campaign(env: dict) -> None:
    """The campaign the sign-up benchmarks post to (slug "bench", one city), in ``env``'s database."""
    manage(
        env,
        "shell",
        "-c",
        (
            "from pledges.models import Campaign, City; from core.sealing import new_keypair; "
            "c = Campaign.objects.create(slug='bench', title='bench', text='bench', threshold=10**9, "
            "public_key=new_keypair()[0]); City.objects.create(campaign=c, name='Москва')"
        ),
    )


def signups_kept(url: str) -> int:
    """Sign-ups kept: in pledges_pledge, or still in core_held, sealed under their hour's key until it is over (no
    time finer than the hour; nothing else writes held rows in these runs). The pledges table alone called every
    sign-up of a run lost."""
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT COUNT(*) FROM pledges_pledge) + (SELECT COUNT(*) FROM core_held)"
        ).fetchone()[0]


def real_mode(var: Path) -> dict:
    """The environment of a real (non-demo) server with keys made for this run: the organisers' public keys, a
    pepper in memory, its own var folder (the checkout's holds the demo's keys, which a real server refuses to start
    beside). Issue 38: in demo mode each sign-up also wrote, read and deleted the demo's outbox — 58 % of a worker's
    time, which a real server never spends; mail stays in the process's memory here, as without SMTP settings."""
    import base64
    import secrets

    from nacl.public import PrivateKey

    sys.path.insert(0, str(ROOT))
    from core import signing

    var.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {
        "VECHE_DEMO": "0",
        "VECHE_HTTPS": "0",  # wrk speaks plain HTTP on loopback
        "VECHE_VAR_DIR": str(var),
        "VECHE_MONITOR_PUBLIC_KEY": base64.b64encode(bytes(PrivateKey.generate().public_key)).decode(),
        "VECHE_SIGNING_ROOT": signing.public_of(signing.new_key()),
        "VECHE_PEPPER": secrets.token_urlsafe(48),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer {url} in {seconds} s")


def serve(workers: int, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free port with `make serve`'s settings (veche/gunicorn.py), answering; (process, base URL).
    In demo mode unless the environment gives the keys: a benchmark's data is made up."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "veche/gunicorn.py",
            "veche.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={"VECHE_DEMO": "1", **os.environ, "VECHE_ALLOWED_HOSTS": "127.0.0.1", **(env or {})},
        start_new_session=True,
    )
    SERVERS.add(server.pid)  # its own session: the group's id is its pid
    base = f"http://127.0.0.1:{port}"
    wait_for(base + STATIC)
    return server, base


def stop(server: subprocess.Popen, sig=signal.SIGTERM):
    """Signal the server's whole process group (master and workers)."""
    try:
        os.killpg(server.pid, sig)
    except ProcessLookupError:
        pass


# Whose CPU a run counts (issue 38: every gunicorn and postgres on the machine was counted, a test suite's or
# another benchmark's included): the process groups `serve` started, and the backends of the databases
# `throwaway_database` made (a backend's command line names its database).
SERVERS: set[int] = set()
DATABASES: set[str] = set()


def cpu_seconds() -> dict:
    """CPU seconds used so far by this run's servers (their process groups) and by the PostgreSQL backends of its
    databases, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        group = int(fields[2])  # the process group: a gunicorn master and its workers share its leader's
        if group in SERVERS:
            kind = "server"
        elif name == "postgres" and any(f" {database} " in command for database in DATABASES):
            kind = "postgres"
        else:
            continue
        used[kind] += (int(fields[11]) + int(fields[12])) / tick
    return used


def cpu_ms(result: dict, answered: int) -> dict:
    """CPU milliseconds per answered request, server and PostgreSQL, from a ``wrk`` result."""
    return {kind: 1000 * seconds / max(answered, 1) for kind, seconds in result["cpu"].items()}


def wrk(url: str, seconds: int, connections: int, script: str | None = None, at=None) -> dict:
    """Load ``url`` with wrk; ``script`` is Lua source, ``at`` = (seconds, action) runs part-way."""
    command = ["wrk", "--latency", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    path = None
    if script:
        path = Path(tempfile.mkstemp(suffix=".lua")[1])
        path.write_text(script)
        command += ["-s", str(path)]
    timer = threading.Timer(at[0], at[1]) if at else None
    before = cpu_seconds()
    try:
        load = subprocess.Popen([*command, url], stdout=subprocess.PIPE, text=True)
        if timer:
            timer.start()
        out = load.communicate(timeout=seconds + 60)[0]
        after = cpu_seconds()
        if load.returncode:
            sys.exit(f"wrk failed:\n{out}")
    finally:
        if timer:
            timer.cancel()
        if path:
            path.unlink()

    def latency(label):
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "cpu": {kind: after[kind] - before[kind] for kind in after},
    }
