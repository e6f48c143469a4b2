"""Benchmark: a proposal's supporters become a vote's electorate, offline (issue 37).

    .venv/bin/python bench/initiatives.py [--supporters 100000]

What the organisers run once a proposal crosses its threshold, on their offline machines, timed as a whole:

1. the supporters' contacts opened with the organisers' private key (``pledges_export``'s work: one sealed box per
   supporter, as the server stored them);
2. the credential authority's ``vote/offline.py credentials`` on that roll (a credential and its public code per
   supporter, the batch signed, the mail merge written), run as the tool runs, in its own process;
3. the registrar's ``vote/offline.py passes`` on the same roll.

The floor is the raw key generation the two tools cannot do without: two Ed25519 key pairs per supporter
(libsodium's, one core), measured in the same run. Goal: the whole under an hour for 100,000 supporters.
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boards import open_board  # noqa: E402
from figures import Figure, record  # noqa: E402

from core import signing  # noqa: E402

GOAL = 3600.0  # seconds for 100,000 supporters
QUESTION = [{"question": "Поддерживаете ли вы предложение?", "answers": ["Да", "Нет"], "min": 1, "max": 1}]


def board(folder: Path) -> tuple[Path, Path, Path]:
    """An open vote's board (the manifest signed, three trustees' ceremony done), and the keys of the credential
    authority and the registrar, written as their offline machines keep them."""
    opened = open_board("bench-initiative", QUESTION, "the proposal's confirmed supporters")
    path = folder / "board.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in opened.lines))
    keys = []
    for name, k in (("authority", opened.authority), ("registrar", opened.registrar)):
        keys.append(folder / f"{name}.key")
        signing.write_key(keys[-1], k)
    return path, keys[0], keys[1]


def sealed_supporters(n: int, public) -> list[bytes]:
    """What the server holds of each supporter: their contact sealed to the organisers' key (pledges.signup)."""
    box = SealedBox(public)
    return [box.encrypt(json.dumps({"email": f"supporter{i}@example.org", "name": ""}).encode()) for i in range(n)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supporters", type=int, default=100_000)
    args = parser.parse_args()
    n = args.supporters
    with tempfile.TemporaryDirectory(prefix="veche-bench-initiatives-") as tmp:
        folder = Path(tmp)
        board_file, authority, registrar = board(folder)
        private = PrivateKey.generate()
        stored = sealed_supporters(n, private.public_key)

        start = time.perf_counter()
        for _ in range(2 * n):
            SigningKey.generate().verify_key  # noqa: B018  (the key pair, as a credential and a pass need)
        floor = time.perf_counter() - start
        print(f"floor: {2 * n:,} Ed25519 key pairs in {floor:.1f} s (libsodium, one core)", flush=True)

        start = time.perf_counter()
        opened = SealedBox(private)
        roll = folder / "roll.csv"
        with roll.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["email", "name", "check"])
            for box in stored:
                contact = json.loads(opened.decrypt(box))
                writer.writerow([contact["email"], contact["name"], "pledge-email"])
        exported = time.perf_counter() - start
        print(f"the roll opened offline: {exported:.1f} s", flush=True)
        tool = [sys.executable, str(ROOT / "vote" / "offline.py")]
        timings = {}
        for command, key in (("credentials", authority), ("passes", registrar)):
            started = time.perf_counter()
            subprocess.run(
                [*tool, command, "--board", board_file, "--key", key, "--voters", roll, "--out-dir", folder / command],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            timings[command] = time.perf_counter() - started
            print(f"vote/offline.py {command}: {timings[command]:.1f} s", flush=True)
        with (folder / "credentials" / "mail.csv").open(newline="") as fh:
            assert sum(1 for _ in csv.DictReader(fh)) == n
    total = exported + sum(timings.values())
    record(
        Figure(
            f"{n:,} supporters to credentials and passes, offline",
            total,
            floor,
            "raw key generation",
            "s",
            goal_value=GOAL * n / 100_000,
        )
    )


if __name__ == "__main__":
    main()
