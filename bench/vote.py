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
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parent))
import setup_django  # noqa: F401
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from nacl.signing import SigningKey

from core import signing
from vote import ballots, ceremony
from vote.board import State, entry_line, take, verify
from vote.group import base, mul, point, random_scalar
from vote.store import append, create, demo_sign_manifest, replay

QUESTION = [{"question": "Да или нет?", "answers": ["Да", "Нет"], "min": 1, "max": 1}]


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
    fingerprint, key, vote_id, credential = args
    ballot, _r = ballots.build(
        fingerprint, bytes.fromhex(key), QUESTION, [[0]], ballots.credential_key(vote_id, credential)
    )
    return ballot


def make_vote(voters):
    trustees = [SigningKey.generate() for _ in range(3)]
    authority = SigningKey.generate()
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
    vote.refresh_from_db()
    return vote, manifest, credentials


def build_all(fingerprint, key, vote_id, credentials):
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        return list(pool.map(one_ballot, [(fingerprint, key, vote_id, c) for c in credentials], chunksize=64))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cast", type=int, default=400)
    parser.add_argument("--ballots", type=int, default=3000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    var, fixed, check = floor()
    print(
        f"floor: variable-base multiplication {var * 1e6:.0f} µs, fixed-base {fixed * 1e6:.0f} µs, "
        f"point check {check * 1e6:.0f} µs (libsodium, one core)"
    )

    vote, manifest, credentials = make_vote(args.cast)
    cast = build_all(vote.fingerprint, vote.public_key, manifest["id"], credentials)
    client = Client()
    with override_settings(VOTE_RATE_LIMITS=(10**9, 10**9), ALLOWED_HOSTS=["testserver"]):
        client.post(f"/api/vote/{vote.slug}/ballots", "{}", content_type="application/json")  # warm
        t, wall = time.process_time(), time.perf_counter()
        for ballot in cast:
            r = client.post(f"/api/vote/{vote.slug}/ballots", json.dumps(ballot), content_type="application/json")
            assert r.status_code == 201, r.content
        cpu, elapsed = time.process_time() - t, time.perf_counter() - wall
    per = cpu / len(cast)
    cores = os.cpu_count() or 1
    print(
        f"web tier: {len(cast)} ballots checked and stored, {per * 1e3:.2f} ms CPU each "
        f"= {per / var:.1f}× a variable-base multiplication; {1 / per:.0f}/s on one core, "
        f"{cores / per:.0f}/s on {cores} cores (target ≥ 300/s on 2); wall {elapsed:.1f} s"
    )

    # The verifier, on a board built in memory (the same lines the server stores).
    key = SigningKey.generate()
    org = signing.new_key()
    trustees = [SigningKey.generate() for _ in range(3)]
    authority = SigningKey.generate()
    manifest = {
        "format": ceremony.MANIFEST,
        "id": "bench",
        "slug": "bench",
        "title": "bench",
        "opens": "",
        "closes": "",
        "questions": QUESTION,
        "threshold": 2,
        "board_key": signing.public_of(key),
        "trustees": [{"name": str(i), "key": signing.public_of(k)} for i, k in enumerate(trustees)],
        "credential_authority": signing.public_of(authority),
    }
    state, lines = State(), []

    def put(kind, payload):
        line = entry_line(state.length, kind, payload, state.head, key)
        take(state, line)
        lines.append(line)

    put("manifest", {"manifest": manifest, "signature": signing.sign(ballots.canonical(manifest), org)})
    for i, k in enumerate(trustees, 1):
        put("deal", ceremony.make_deal(manifest, i, k))
    for i, k in enumerate(trustees, 1):
        put("accept", ceremony.accept(manifest, state.deals, i, k, state.last_deal)[1])
    put("open", state.open_payload())
    creds = [ballots.new_credential() for _ in range(args.ballots)]
    put(
        "credentials",
        ceremony.credential_batch(
            manifest, 1, [ballots.public_credential("bench-board", c) for c in creds], {"list": len(creds)}, authority
        ),
    )
    built = build_all(state.fingerprint, state.key.hex(), "bench-board", creds)
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


if __name__ == "__main__":
    main()
