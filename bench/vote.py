"""Benchmark: ballots verified and stored through the web tier, and the public verification of a board, each as a
ratio to the raw cost of the group's operations measured in the same run.

    .venv/bin/python bench/vote.py [--seconds 10] [--connections 16] [--ballots 3000]

1. The floor: one variable-base scalar multiplication, one fixed-base one and one point check (libsodium, one core).
2. The web tier: the production server (gunicorn, `make serve`'s settings, 2 workers) on a throwaway PostgreSQL
   database, loaded by wrk for --seconds with distinct single-question (yes/no) ballots built beforehand, each
   POSTed to /api/vote/SLUG/ballots: every one checked (signature, proofs, credential) and appended to the board
   under its lock. Prints ballots/s accepted, p50/p99, refusals, the board's length after (every accepted ballot
   must be on it), and the CPU per ballot of the server and of PostgreSQL, as a ratio to the floor. Target
   ≥ 300/s on 2 cores (wrk shares them).
3. The verifier: vote/board.py's verify on a board of --ballots ballots, on one core; extrapolated to 100,000
   (``--ballots 100000`` runs it whole). Target under 4 minutes.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["VECHE_VAR_DIR"] = tempfile.mkdtemp(prefix="veche-bench-vote-")
os.environ["VECHE_DEMO"] = "1"
os.environ.pop("VECHE_SIGNING_ROOT", None)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from boards import open_board
from figures import Figure, record
from load import serve, stop, throwaway_database, wrk

LIMITS = {"VECHE_VOTE_PER_CLIENT": "1000000000", "VECHE_VOTE_PER_NETWORK": "1000000000"}  # one client here
DATABASE = throwaway_database(**LIMITS)
URL, ENV = DATABASE.__enter__()
os.environ.update(DATABASE_URL=URL, **LIMITS)
import setup_django  # noqa: E402, F401
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

from core import signing  # noqa: E402
from vote import ballots, ceremony  # noqa: E402
from vote.board import entry_line, verify  # noqa: E402
from vote.group import base, mul, point, random_scalar  # noqa: E402
from vote.models import Vote  # noqa: E402
from vote.store import append, create, demo_sign_manifest, replay  # noqa: E402

QUESTION = [{"question": "Да или нет?", "answers": ["Да", "Нет"], "min": 1, "max": 1}]
# Each wrk thread posts its own half of the ballots, in order: every request a new ballot.
SCRIPT = """
local bodies = dofile("%(bodies)s")
local threads = 0
local counter = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
request = function()
  counter = counter + 1
  local body = bodies[(counter - 1) * 2 + id] or bodies[#bodies]
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
"""


def floor(n=2000):
    p, s = base(random_scalar()), random_scalar()
    t = time.process_time()
    for _ in range(n):
        mul(s, p)
    var = (time.process_time() - t) / n
    t = time.process_time()
    for _ in range(n):
        base(s)
    fixed = (time.process_time() - t) / n
    h = p.hex()
    t = time.process_time()
    for _ in range(n):
        point(h)
    check = (time.process_time() - t) / n
    return var, fixed, check


def one_ballot(args):
    fingerprint, key, vote_id, credential, voting_pass = args
    ballot, _r = ballots.build(
        fingerprint,
        bytes.fromhex(key),
        QUESTION,
        [[0]],
        ballots.credential_key(vote_id, credential),
        ballots.pass_key(vote_id, voting_pass),
    )
    return ballot


def make_vote(voters):
    trustees = [SigningKey.generate() for _ in range(3)]
    authority, registrar = SigningKey.generate(), SigningKey.generate()
    now = timezone.now()
    vote = create(
        {
            "slug": f"bench-{voters}",
            "title": "bench",
            "questions": QUESTION,
            "opens": (now - datetime.timedelta(hours=1)).isoformat(),
            "closes": (now + datetime.timedelta(days=1)).isoformat(),
            "threshold": 2,
            "trustees": [{"name": str(i), "key": signing.public_of(k)} for i, k in enumerate(trustees)],
            "credential_authority": signing.public_of(authority),
            "registrar": signing.public_of(registrar),
        }
    )
    demo_sign_manifest(vote)
    manifest = json.loads(vote.manifest)
    for i, k in enumerate(trustees, 1):
        append(vote, "deal", ceremony.make_deal(manifest, i, k))
    state = replay(vote)
    for i, k in enumerate(trustees, 1):
        append(vote, "accept", ceremony.accept(manifest, state.deals, i, k, state.last_deal)[1])
    credentials = [ballots.new_credential() for _ in range(voters)]
    public = [ballots.public_credential(manifest["id"], c) for c in credentials]
    append(vote, "credentials", ceremony.credential_batch(manifest, 1, public, {"list": voters}, authority))
    passes = [ballots.new_credential() for _ in range(voters)]
    listed = [ballots.public_credential(manifest["id"], c, "pass") for c in passes]
    append(vote, "passes", ceremony.pass_batch(manifest, 1, listed, registrar))
    vote.refresh_from_db()
    return vote, manifest, list(zip(credentials, passes, strict=True))


def build_all(fingerprint, key, vote_id, voters):
    """A ballot per voter (credential, pass), each its voter's first."""
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        return list(pool.map(one_ballot, [(fingerprint, key, vote_id, c, p) for c, p in voters], chunksize=64))


def web_tier(seconds, connections_, var):
    """wrk against gunicorn (2 workers) with pre-built distinct ballots, more than the run can send."""
    voters = seconds * 700 + 1000
    vote, manifest, voting = make_vote(voters)
    print(f"web tier: building {voters} ballots…", flush=True)
    cast = build_all(vote.fingerprint, vote.public_key, manifest["id"], voting)
    bodies = Path(tempfile.mkstemp(suffix=".lua")[1])
    with bodies.open("w") as fh:
        fh.write("return {\n")
        for ballot in cast:
            fh.write("[==[" + json.dumps(ballot, separators=(",", ":")) + "]==],\n")
        fh.write("}\n")
    connections.close_all()
    server, base_url = serve(2, {**ENV, "VECHE_VAR_DIR": os.environ["VECHE_VAR_DIR"]})
    try:
        # The framework's own floor: an API read that finds nothing (the same middleware, router and a query).
        empty = wrk(f"{base_url}/api/vote/{vote.slug}/board?after=1000000000", seconds, connections_)
        path = f"/api/vote/{vote.slug}/ballots"
        result = wrk(base_url + path, seconds, connections_, SCRIPT % {"bodies": bodies, "path": path})
    finally:
        stop(server)
        bodies.unlink()
    accepted = result["requests"] - result["errors"]
    stored = Vote.objects.get(pk=vote.pk).ballots
    server_cpu = result["cpu"]["server"] / max(accepted, 1)
    postgres_cpu = result["cpu"]["postgres"] / max(accepted, 1)
    print(
        f"web tier: {result['rate']:.0f} ballots/s through gunicorn (2 workers) on PostgreSQL, "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, {result['errors']} refused; on the board after: "
        f"{stored} (answered as accepted: {accepted}); CPU per ballot: server {server_cpu * 1e3:.2f} ms "
        f"= {server_cpu / var:.0f}× a variable-base multiplication, PostgreSQL {postgres_cpu * 1e3:.2f} ms "
        f"(target ≥ 300/s on 2 cores, which wrk shares)"
    )
    floor_cpu = empty["cpu"]["server"] / max(empty["requests"], 1)
    print(
        f"web tier: an empty API read {empty['rate']:.0f}/s, {floor_cpu * 1e3:.2f} ms of server CPU: a ballot costs "
        f"{server_cpu / floor_cpu:.1f}× it. Per ballot on 2 cores the server and PostgreSQL need "
        f"{(server_cpu + postgres_cpu) * 1e3:.1f} ms, so {2 / (server_cpu + postgres_cpu):.0f}/s with no load "
        f"generator beside them; the check is independent per ballot, so each added core of web workers adds "
        f"{1 / server_cpu:.0f}/s until the append (one short transaction per ballot, under the vote's lock) bounds it"
    )
    assert stored >= accepted, "a ballot answered as accepted is not on the board"
    record(
        Figure(
            "ballots accepted through the web tier",
            result["rate"],
            empty["rate"],
            "an empty API read",
            "/s",
            more_is_better=True,
            goal_value=300,
        )
    )


def verifier(n, var):
    # The verifier, on a board built in memory (the same lines the server stores).
    board = open_board("bench", QUESTION)
    state, lines, key, manifest, put = board.state, board.lines, board.key, board.manifest, board.put
    authority, registrar = board.authority, board.registrar
    creds = [ballots.new_credential() for _ in range(n)]
    put(
        "credentials",
        ceremony.credential_batch(
            manifest, 1, [ballots.public_credential("bench-board", c) for c in creds], {"list": len(creds)}, authority
        ),
    )
    passes = [ballots.new_credential() for _ in range(n)]
    put(
        "passes",
        ceremony.pass_batch(
            manifest, 1, [ballots.public_credential("bench-board", c, "pass") for c in passes], registrar
        ),
    )
    built = build_all(state.fingerprint, state.key.hex(), "bench-board", list(zip(creds, passes, strict=True)))
    for ballot in built:
        lines.append(entry_line(len(lines), "ballot", ballot, lines[-1]["hash"], key))
    t = time.process_time()
    report = verify(lines)
    spent = time.process_time() - t
    assert report.ok, report.faults
    each = spent / len(built)
    print(
        f"verifier: {len(built)} ballots in {spent:.1f} s CPU, {each * 1e3:.2f} ms each "
        f"= {each / var:.1f}× a variable-base multiplication; 100,000 ballots: {each * 1e5 / 60:.1f} min on one core "
        f"(target under 4)"
    )
    record(
        Figure(
            "100,000 ballots verified, one core",
            each * 1e5 / 60,
            var * 1e5 / 60,
            "as many multiplications",
            "min",
            goal_value=4,
        )
    )
    # vote_verify's way: the ballots' checks in a process a core, then the walk in order (wall time).
    cores = os.cpu_count() or 1
    t = time.perf_counter()
    parallel = verify(lines, workers=cores)
    wall = time.perf_counter() - t
    assert parallel.ok and parallel.state.ballots == report.state.ballots
    per = wall / len(built)
    print(
        f"verifier, {cores} processes: {len(built)} ballots in {wall:.1f} s of wall time, {per * 1e3:.2f} ms each "
        f"({spent / wall:.2f}× one core); 1,000,000 ballots: {per * 1e6 / 60:.1f} min (target under 30)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--ballots", type=int, default=3000)
    parser.add_argument("--verifier-only", action="store_true", help="skip the web tier (no wrk, no gunicorn)")
    args = parser.parse_args()
    var, fixed, check = floor()
    print(
        f"floor: variable-base multiplication {var * 1e6:.0f} µs, fixed-base {fixed * 1e6:.0f} µs, "
        f"point check {check * 1e6:.0f} µs (libsodium, one core)"
    )
    try:
        if not args.verifier_only:
            web_tier(args.seconds, args.connections, var)
    finally:
        connections.close_all()
        DATABASE.__exit__(None, None, None)
    verifier(args.ballots, var)


if __name__ == "__main__":
    main()
