"""Benchmark: the production stack — nginx (TLS) in front of gunicorn on a unix socket — under load.

    .venv/bin/python bench/stack.py [--seconds 8] [--connections 16]

Brings the stack up with deploy/stack.py on free loopback ports over the demo's
database (`make demo` first), then runs `wrk` over HTTPS against a static file
served by nginx itself (the floor: TLS and nginx, no application), and the
lookup's API (address, UIK, point) and the sign-up form's page through nginx
to the application. Prints requests/s, p50/p99 and each one's ratio to the
floor measured in the same run.
"""

import argparse
import os
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

from load import wrk

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "/static/veche/site.css"
PATHS = {
    "lookup address": "/api/lookup?address=" + urllib.parse.quote("ул. Садовая, д. 108-110"),
    "lookup uik": "/api/lookup?uik=1545",
    "lookup point": "/api/lookup?lat=59.911651&lon=30.402672",
    "pledge page": "/pledges/demo-rally/",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    https, http = free_port(), free_port()
    env = {"VECHE_DEMO": "1", **os.environ}
    stack = [sys.executable, "deploy/stack.py"]
    subprocess.run(
        [*stack, "up", "--https-port", str(https), "--http-port", str(http), "--server-name", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    try:
        base = f"https://127.0.0.1:{https}"
        floor = wrk(base + FLOOR, args.seconds, args.connections)
        print(
            f"nginx (TLS) → gunicorn on a unix socket; wrk 2 threads, {args.connections} connections, "
            f"{args.seconds} s each"
        )
        print(f"{'request':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'× floor time':>14}  errors")
        print(
            f"{'static (nginx)':<18}{floor['rate']:>9,.0f}{floor['p50']:>9.2f}{floor['p99']:>9.2f}{1.0:>14.1f}"
            f"  {floor['errors']}"
        )
        for label, path in PATHS.items():
            result = wrk(base + path, args.seconds, args.connections)
            ratio = floor["rate"] / result["rate"] if result["rate"] else float("inf")
            print(
                f"{label:<18}{result['rate']:>9,.0f}{result['p50']:>9.2f}{result['p99']:>9.2f}{ratio:>14.1f}"
                f"  {result['errors']}"
            )
    finally:
        subprocess.run([*stack, "down"], cwd=ROOT, env=env, check=False)


if __name__ == "__main__":
    main()
